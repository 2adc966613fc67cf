"""Plotly figures, one per chart, from the DataFrames of `queries` (no Streamlit here).

One look for every page: the highlight colour marks what a page is about (the leaking funnel
step, the slowest stage, the territories to rebalance), everything else stays calm.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from orchestration.dashboard.queries import ACTIVITY_CATEGORIES

PRIMARY = "#1f5fa8"
SECONDARY = "#9db9d9"
HIGHLIGHT = "#d1495b"
MUTED = "#b8b8b8"
POSITIVE = "#2e8b57"
# Selling categories in greens, the others in calm hues, unmapped in grey.
CATEGORY_COLOURS = {
    "digital_communication": "#7fc97f",
    "personal_communication": "#2e8b57",
    "internal_meeting": "#9db9d9",
    "administration": "#6f8fb5",
    "travel": "#f2c57c",
    "training": "#c7a2d6",
    "sales_preparation": "#e3a587",
    "unmapped": MUTED,
}
MONEY = ",.0f"
PERCENT = ".1%"


def _layout(fig: go.Figure, *, height: int = 420, **kwargs) -> go.Figure:
    defaults = {
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "hovermode": "x unified",
    }
    fig.update_layout(height=height, **{**defaults, **kwargs})
    return fig


def _rep_labels(df: pd.DataFrame) -> pd.Series:
    """Rep names, with the User Id after a name two reps share (an axis would merge them)."""
    shared = df["rep"].duplicated(keep=False)
    return df["rep"].where(~shared, df["rep"] + " (" + df["rep_id"].fillna("") + ")")


def _per_quarter(df: pd.DataFrame, column: str) -> tuple[list, list]:
    """x (month_start) and y of `column` with a gap between quarters: a line restarts each quarter."""
    x: list = []
    y: list = []
    for _, quarter in df.groupby(df["month_start"].dt.to_period("Q"), sort=True):
        x += [*quarter["month_start"], None]
        y += [*quarter[column], None]
    return x, y


def _bar_height(rows: int) -> int:
    """Horizontal bar charts grow with their rows so every label stays readable."""
    return max(320, 90 + 22 * rows)


def bookings_vs_quota_by_quarter(df: pd.DataFrame) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=df["quarter"], y=df["quota"], name="Quota", marker_color=SECONDARY)
    fig.add_bar(x=df["quarter"], y=df["bookings"], name="Bookings", marker_color=PRIMARY)
    fig.add_scatter(
        x=df["quarter"],
        y=df["attainment"],
        name="Attainment",
        mode="lines+markers+text",
        text=[f"{v:.0%}" if pd.notna(v) else "" for v in df["attainment"]],
        textposition="top center",
        line_color=HIGHLIGHT,
        secondary_y=True,
    )
    fig.update_yaxes(title_text="Amount", tickformat="~s", secondary_y=False)
    fig.update_yaxes(title_text="Attainment", tickformat=".0%", rangemode="tozero", secondary_y=True)
    return _layout(fig, barmode="group", yaxis2={"showgrid": False})


def bookings_by_month(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=df["month_start"], y=df["bookings"], name="Bookings in the month", marker_color=SECONDARY)
    x, y = _per_quarter(df, "quarter_to_date")
    fig.add_scatter(x=x, y=y, name="Bookings so far in the quarter", mode="lines+markers", line_color=PRIMARY)
    x, y = _per_quarter(df, "quarter_quota")
    fig.add_scatter(x=x, y=y, name="Quarter's quota", mode="lines", line={"color": HIGHLIGHT, "dash": "dash"})
    fig.update_yaxes(title_text="Amount", tickformat="~s")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return _layout(fig)


def reps_at_quota_by_team(df: pd.DataFrame) -> go.Figure:
    """Teams only: the all-teams figure is the page's headline."""
    df = df[~df["is_total"]].iloc[::-1]  # Plotly draws the first row at the bottom
    fig = go.Figure()
    for column, count, of, name, colour in (
        ("pct_ramped_at_quota", "ramped_reps_at_quota", "ramped_reps_with_quota", "Ramped reps", SECONDARY),
        ("pct_at_quota", "reps_at_quota", "reps_with_quota", "All reps", PRIMARY),
    ):
        fig.add_bar(
            y=df["team"],
            x=df[column],
            name=name,
            orientation="h",
            marker_color=colour,
            text=[
                f"{v:.0%} ({a:.0f}/{b:.0f})" if pd.notna(v) else "n/a"
                for v, a, b in zip(df[column], df[count], df[of], strict=True)
            ],
            textposition="outside",
        )
    fig.update_xaxes(tickformat=".0%", range=[0, 1.15], title_text="Reps at or above quota")
    return _layout(
        fig,
        height=_bar_height(2 * len(df)),
        barmode="group",
        hovermode="y unified",
        legend_traceorder="reversed",
    )


def reps_at_quota_by_period(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=df["period"], y=df["pct_at_quota"], name="All reps", line_color=PRIMARY)
    fig.add_scatter(
        x=df["period"],
        y=df["pct_ramped_at_quota"],
        name="Ramped reps",
        line={"color": SECONDARY, "dash": "dot"},
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return _layout(fig, height=320)


def deal_size_by_month(df: pd.DataFrame) -> go.Figure:
    # The won-deal bars on the first y axis (right) and the deal size lines on the second (left):
    # Plotly draws the second axis's traces above the first's.
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=df["month_start"], y=df["won_count"], name="Won deals", marker_color="#dde6f0")
    fig.add_scatter(
        x=df["month_start"],
        y=df["avg_deal_size"],
        name="Average deal size (month)",
        mode="lines+markers",
        line_color=PRIMARY,
        secondary_y=True,
    )
    x, y = _per_quarter(df, "quarter_avg_deal_size")
    fig.add_scatter(
        x=x,
        y=y,
        name="Average deal size (quarter)",
        mode="lines",
        line={"color": HIGHLIGHT, "dash": "dash"},
        secondary_y=True,
    )
    fig.update_yaxes(title_text="Won deals", side="right", showgrid=False, secondary_y=False)
    fig.update_yaxes(
        title_text="Average deal size", side="left", tickformat=",.0f", rangemode="tozero", secondary_y=True
    )
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return _layout(fig)


def win_rate_by_rep(df: pd.DataFrame) -> go.Figure:
    reps, total = df[~df["is_total"]], df[df["is_total"]]
    fig = go.Figure()
    fig.add_bar(
        y=_rep_labels(reps),
        x=reps["win_rate"],
        orientation="h",
        name="Win rate",
        marker_color=PRIMARY,
        customdata=reps[["team", "won_count", "lost_count"]],
        text=[f"{v:.0%}" for v in reps["win_rate"]],
        textposition="outside",
        hovertemplate="%{y} (%{customdata[0]}): %{x:.1%}, %{customdata[1]:.0f} won, "
        "%{customdata[2]:.0f} lost<extra></extra>",
    )
    if not total.empty and pd.notna(total["win_rate"].iloc[0]):
        rate = total["win_rate"].iloc[0]
        fig.add_vline(
            x=rate,
            line={"color": HIGHLIGHT, "dash": "dash"},
            annotation_text=f"All reps {rate:.1%}",
            annotation_position="top",
        )
    fig.update_xaxes(tickformat=".0%", range=[0, 1.05], title_text="Won / (won + lost)")
    return _layout(fig, height=_bar_height(len(reps)), hovermode="closest", showlegend=False)


def _stage(stage: str) -> str:
    """`mql` -> `MQL`, `opportunity` -> `Opportunity`."""
    return stage.upper() if stage in ("mql", "sql") else stage.capitalize()


def funnel(df: pd.DataFrame, highlight_step: str) -> go.Figure:
    """Leads at each stage (those entering each step, then those converting at the last one),
    the stage a leaking step leads to in the highlight colour."""
    stages = [*df["from_stage"], df["to_stage"].iloc[-1]]
    counts = [*df["entered_count"], df["converted_count"].iloc[-1]]
    leaking_to = df.loc[df["step"] == highlight_step, "to_stage"].tolist()
    fig = go.Figure(
        go.Funnel(
            y=[_stage(stage) for stage in stages],
            x=counts,
            texttemplate="%{value:,.0f} · %{percentPrevious:.0%}",
            hovertemplate="%{y}: %{value:,.0f} leads, %{percentPrevious:.1%} of the stage before"
            "<extra></extra>",
            marker_color=[HIGHLIGHT if stage in leaking_to else PRIMARY for stage in stages],
            connector={"fillcolor": "#eef2f7"},
        )
    )
    return _layout(fig, height=380, hovermode="closest")


def leakage_by_step(df: pd.DataFrame, highlight_step: str) -> go.Figure:
    labels = [f"{_stage(a)} → {_stage(b)}" for a, b in zip(df["from_stage"], df["to_stage"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=df["leakage_rate"],
            marker_color=[HIGHLIGHT if step == highlight_step else MUTED for step in df["step"]],
            customdata=df[["leaked_count", "entered_count"]],
            text=[f"{v:.0%}" for v in df["leakage_rate"]],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1%} leaked (%{customdata[0]:,.0f} of %{customdata[1]:,.0f})"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.1], title_text="Leads leaking")
    return _layout(fig, height=380, hovermode="closest")


def leakage_by_source(df: pd.DataFrame) -> go.Figure:
    df = df.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=df["lead_source"],
            x=df["leakage_rate"],
            orientation="h",
            marker_color=HIGHLIGHT,
            customdata=df[["leaked_count", "entered_count"]],
            text=[f"{v:.0%}" for v in df["leakage_rate"]],
            textposition="outside",
            hovertemplate="%{y}: %{x:.1%} leaked (%{customdata[0]:,.0f} of %{customdata[1]:,.0f})"
            "<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1.1])
    return _layout(fig, height=_bar_height(len(df)), hovermode="closest", showlegend=False)


def stage_durations(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(
        x=df["stage_name"],
        y=df["median_days"],
        name="Median days in stage",
        marker_color=[HIGHLIGHT if slowest else PRIMARY for slowest in df["is_slowest"]],
        customdata=df[["exited_count", "advance_rate"]],
        text=[f"{v:.1f}" for v in df["median_days"]],
        textposition="outside",
        hovertemplate="%{x}: median %{y:.1f} days, %{customdata[0]:,.0f} exits, "
        "%{customdata[1]:.0%} advanced<extra></extra>",
    )
    fig.add_scatter(
        x=df["stage_name"],
        y=df["p90_days"],
        name="90th percentile",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "color": "#333333", "line": {"width": 3}},
        hovertemplate="%{x}: p90 %{y:.1f} days<extra></extra>",
    )
    fig.update_yaxes(title_text="Days in stage", rangemode="tozero")
    return _layout(fig, hovermode="closest")


def territory_balance(df: pd.DataFrame) -> go.Figure:
    df = df.iloc[::-1]
    colours = [
        MUTED if pd.isna(flag) else HIGHLIGHT if flag else PRIMARY for flag in df["is_rebalance_candidate"]
    ]
    fig = go.Figure(
        go.Bar(
            y=df["territory_name"],
            x=df["pipeline_per_rep_index"],
            orientation="h",
            marker_color=colours,
            customdata=df[["pipeline_per_rep", "org_pipeline_per_rep", "rep_count"]],
            text=[f"{v:.3f}" if pd.notna(v) else "no reps" for v in df["pipeline_per_rep_index"]],
            textposition="outside",
            hovertemplate="%{y}: index %{x:.2f}, pipeline per rep %{customdata[0]:,.0f} "
            "(org %{customdata[1]:,.0f}), %{customdata[2]} reps<extra></extra>",
        )
    )
    fig.add_vline(
        x=1,
        line={"color": "#333333", "dash": "dot"},
        annotation_text="org = 1",
        annotation_position="bottom right",
    )
    fig.update_xaxes(title_text="Open pipeline per rep / org's pipeline per rep", rangemode="tozero")
    return _layout(fig, height=_bar_height(len(df)), hovermode="closest", showlegend=False)


def activity_mix(df: pd.DataFrame, *, fig: go.Figure | None = None, col: int | None = None) -> go.Figure:
    """Share of each rep's minutes per category, as 100 % stacked horizontal bars (selling
    categories first), in `fig` at column `col` when given."""
    fig = fig or go.Figure()
    where = {"row": 1, "col": col} if col else {}
    total = df["total_minutes"].where(df["total_minutes"] > 0)
    for category in ACTIVITY_CATEGORIES:
        fig.add_bar(
            y=_rep_labels(df),
            x=df[f"{category.name}_minutes"] / total,
            orientation="h",
            name=category.label + (" (selling)" if category.is_selling else ""),
            marker_color=CATEGORY_COLOURS[category.name],
            legendgroup=category.name,
            hovertemplate=f"%{{y}}: %{{x:.1%}} {category.label.lower()}<extra></extra>",
            **where,
        )
    fig.update_layout(barmode="stack")
    return fig


def selling_time_by_rep(df: pd.DataFrame) -> go.Figure:
    reps = df[~df["is_total"]]
    fig = activity_mix(reps)
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title_text="Share of logged minutes")
    total = df.loc[df["is_total"], "selling_share"]
    if not total.empty and pd.notna(total.iloc[0]):
        fig.add_vline(
            x=total.iloc[0],
            line={"color": HIGHLIGHT, "dash": "dash"},
            annotation_text=f"Selling share, all reps {total.iloc[0]:.1%}",
            annotation_position="top",
        )
    return _layout(fig, height=_bar_height(len(reps)) + 40, hovermode="closest")


def selling_share_by_week(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=df["week_start"],
            y=df["selling_share"],
            mode="lines",
            name="Selling share",
            line_color=POSITIVE,
            hovertemplate="Week of %{x|%d %b %Y}: %{y:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, height=300, showlegend=False)


def activity_mix_beside_win_rate(df: pd.DataFrame) -> go.Figure:
    reps = df[~df["is_total"]]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.62, 0.38],
        horizontal_spacing=0.03,
        subplot_titles=("Activity mix (share of minutes)", "Win rate"),
    )
    activity_mix(reps, fig=fig, col=1)
    fig.add_bar(
        y=_rep_labels(reps),
        x=reps["win_rate"],
        orientation="h",
        name="Win rate",
        marker_color=PRIMARY,
        customdata=reps[["won_count", "lost_count"]],
        text=[f"{v:.0%}" if pd.notna(v) else "no closed deal" for v in reps["win_rate"]],
        textposition="outside",
        hovertemplate="%{y}: %{x:.1%} (%{customdata[0]:.0f} won, %{customdata[1]:.0f} lost)<extra></extra>",
        showlegend=False,
        row=1,
        col=2,
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    fig.update_xaxes(tickformat=".0%", range=[0, 1.1], row=1, col=2)
    return _layout(
        fig,
        height=_bar_height(len(reps)) + 80,
        hovermode="closest",
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        legend={"orientation": "h", "yref": "container", "y": 1, "yanchor": "top", "x": 0},
    )


def selling_share_vs_win_rate(df: pd.DataFrame) -> go.Figure:
    reps = df[~df["is_total"] & df["win_rate"].notna() & df["selling_share"].notna()]
    closed = reps["won_count"] + reps["lost_count"]
    fig = go.Figure(
        go.Scatter(
            x=reps["selling_share"],
            y=reps["win_rate"],
            mode="markers",
            text=reps["rep"],
            marker={"size": 8 + 30 * closed / max(closed.max(), 1), "color": PRIMARY, "opacity": 0.7},
            customdata=closed,
            hovertemplate="%{text}: selling share %{x:.1%}, win rate %{y:.1%}, %{customdata:.0f} closed"
            "<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat=".0%", title_text="Selling share of minutes")
    fig.update_yaxes(tickformat=".0%", title_text="Win rate", rangemode="tozero")
    return _layout(fig, height=380, hovermode="closest", showlegend=False)

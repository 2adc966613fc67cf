"""Share of reps at or above quota, by team, for all reps and for ramped reps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    period_type = st.radio(
        "Quota periods", ["quarter", "month"], horizontal=True, key="quota_period_type",
        format_func=lambda value: f"{value.capitalize()}ly quotas",
    )  # fmt: skip
    teams = queries.reps_at_quota_by_team(reader, filters, period_type)
    if teams.empty:
        return no_data(f"{period_type}ly quotas", filters)
    total = teams[teams["is_total"]].iloc[0]
    left, right = st.columns(2)
    left.metric(
        "All teams: reps at or above quota",
        f"{total['pct_at_quota']:.1%}",
        f"{total['reps_at_quota']:.0f} of {total['reps_with_quota']:.0f}",
        delta_color="off",
        delta_arrow="off",
    )
    right.metric(
        "All teams: ramped reps at or above quota",
        f"{total['pct_ramped_at_quota']:.1%}" if pd.notna(total["pct_ramped_at_quota"]) else "n/a",
        f"{total['ramped_reps_at_quota']:.0f} of {total['ramped_reps_with_quota']:.0f}",
        delta_color="off",
        delta_arrow="off",
    )
    show(charts.reps_at_quota_by_team(teams))
    st.caption(
        "Reps at or above quota / reps with a quota above 0 (kpi_reps_at_quota), summed over the "
        "teams and quota periods of the selection, then divided: over several periods, the share "
        "of rep-periods at quota. Ramped: reps whose period starts at least ramp_months (6) after "
        "their start date. Teams are the reps' current managers."
    )
    st.subheader("Per quota period")
    show(charts.reps_at_quota_by_period(queries.reps_at_quota_by_period(reader, filters, period_type)))

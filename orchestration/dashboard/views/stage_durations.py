"""Days in each opportunity stage, the bottleneck highlighted."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, org_wide, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    org_wide("Stage intervals")
    stages = queries.stage_durations(reader, filters)
    if stages.empty:
        return no_data("stage exits", filters)
    slowest = stages[stages["is_slowest"]].iloc[0]
    st.metric(
        "Bottleneck (highest median days in stage)",
        slowest["stage_name"],
        f"{slowest['median_days']:.1f} days median, {slowest['p90_days']:.1f} at p90",
        delta_color="off",
        delta_arrow="off",
    )
    show(charts.stage_durations(stages))
    st.caption(
        "Bars: median days in stage of the intervals exited in the period; marks: 90th "
        "percentile (kpi_stage_durations, by quarter of the exit). Over several quarters each "
        "figure is the quarters' median (or p90) weighted by the intervals they exited "
        "(exited_count): an approximation, as the mart keeps each quarter's percentiles and not "
        "the intervals; for one quarter it is the mart's own figure."
    )

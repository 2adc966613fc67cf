"""The lead funnel, MQL->SQL leakage highlighted."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, org_wide, show
from orchestration.serving.reader import ServingReader

LEAK_STEP = "mql_to_sql"


def render(reader: ServingReader, filters: Filters) -> None:
    org_wide("Leads")
    steps = queries.funnel_steps(reader, filters)
    if steps.empty:
        return no_data("leads", filters)
    leak = steps[steps["step"] == LEAK_STEP]
    if not leak.empty:
        st.metric(
            "MQL → SQL leakage",
            f"{leak['leakage_rate'].iloc[0]:.1%}",
            help="MQLs of the period's cohorts that never reached SQL / all MQLs of those cohorts",
        )
    left, right = st.columns(2)
    with left:
        st.subheader("Leads per stage")
        show(charts.funnel(steps, LEAK_STEP))
    with right:
        st.subheader("Leakage per step")
        show(charts.leakage_by_step(steps, LEAK_STEP))
    st.caption(
        "Leads created in the period (cohort month), every source, from kpi_funnel_leakage: "
        "leads entering and converting at each step summed over cohorts and sources, then "
        "divided (the funnel's percentages: of the stage before). A cohort view: recent cohorts "
        "have had less time to convert."
    )
    st.subheader("MQL → SQL leakage by lead source")
    show(charts.leakage_by_source(queries.funnel_leakage_by_source(reader, filters, LEAK_STEP)))

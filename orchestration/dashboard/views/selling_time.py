"""Selling-time share and activity mix per rep."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    reps = queries.selling_time_by_rep(reader, filters)
    if reps.empty:
        return no_data("activities", filters)
    show(charts.selling_time_by_rep(reps))
    st.caption(
        "Share of each rep's logged minutes per activity category over the weeks starting in the "
        "period (kpi_activity_time_allocation); the green categories are selling time (digital and "
        "personal communication). Reps sorted by selling share, minutes summed then divided."
    )
    st.subheader("Selling share per week")
    show(charts.selling_share_by_week(queries.selling_share_by_week(reader, filters)))

"""Activity mix beside win rate, per rep."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    reps = queries.activity_outcomes_by_rep(reader, filters)
    if reps.empty:
        return no_data("activities or closed deals", filters)
    show(charts.activity_mix_beside_win_rate(reps))
    st.caption(
        "Per rep over the quarters of the period (kpi_activity_outcomes): the share of logged "
        "minutes per category (activities by the quarter they started in) beside won / (won + "
        "lost) of the deals closed in those quarters. Reps sorted by win rate."
    )
    st.subheader("Selling share vs win rate")
    show(charts.selling_share_vs_win_rate(reps))
    st.caption("One dot per rep with closed deals, sized by the deals closed.")

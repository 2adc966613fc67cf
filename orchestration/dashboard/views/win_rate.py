"""Win rate by rep."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    reps = queries.win_rate_by_rep(reader, filters)
    if reps.empty:
        return no_data("closed deals", filters)
    show(charts.win_rate_by_rep(reps))
    st.caption(
        "Won / (won + lost) over the period per rep (kpi_win_rate: won = IsWon, lost = IsClosed "
        "and not IsWon, by CloseDate), summed over the months then divided; the dashed line is "
        "all the reps shown together. Reps with a closed deal in the period only."
    )

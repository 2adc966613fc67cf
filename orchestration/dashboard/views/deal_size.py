"""Average deal size over time."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    months = queries.deal_size_by_month(reader, filters)
    if months.empty:
        return no_data("closed deals", filters)
    won, amount = months["won_count"].sum(), months["won_amount"].sum()
    left, right = st.columns(2)
    left.metric("Average deal size", f"{amount / won:,.0f}" if won else "n/a")
    right.metric("Won deals", f"{won:,.0f}")
    show(charts.deal_size_by_month(months))
    st.caption(
        "Won amount / won deals by CloseDate month (kpi_deal_size, a won deal without amount "
        "counting 0), and per quarter the quarter's sums divided (never an average of averages)."
    )

"""Bookings vs quota, by quarter and by month."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views.layout import no_data, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    quarters = queries.bookings_vs_quota_by_quarter(reader, filters)
    months = queries.bookings_by_month(reader, filters)
    if quarters.empty and not months["bookings"].any():
        return no_data("quotas or bookings", filters)

    bookings, quota = quarters["bookings"].sum(), quarters["quota"].sum()
    left, middle, right = st.columns(3)
    left.metric("Bookings of reps with a quarterly quota", f"{bookings:,.0f}")
    middle.metric("Quarterly quota", f"{quota:,.0f}")
    right.metric("Attainment", f"{bookings / quota:.1%}" if quota else "n/a")

    st.subheader("By quarter")
    show(charts.bookings_vs_quota_by_quarter(quarters))
    st.caption(
        "Quarterly quotas of the team's reps and those reps' bookings (won amount, CloseDate in "
        "the quarter) from kpi_quota_attainment; attainment = bookings / quota summed over reps."
    )
    st.subheader("By month")
    show(charts.bookings_by_month(months))
    st.caption(
        "Bookings per month of the team's reps (won amount by CloseDate month, kpi_win_rate; "
        "org-wide this is kpi_revenue), their running total in the quarter, and the quarter's "
        "quota to reach. Monthly quota periods, where reps have them, are in kpi_quota_attainment "
        "(period_type = month) and on the reps at quota page."
    )

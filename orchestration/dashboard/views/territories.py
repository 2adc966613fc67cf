"""Territory balance in one quarter, the rebalance candidates highlighted."""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import charts, queries
from orchestration.dashboard.filters import Filters, quarter_label
from orchestration.dashboard.views.layout import no_data, org_wide, show
from orchestration.serving.reader import ServingReader


def render(reader: ServingReader, filters: Filters) -> None:
    org_wide("Territories")
    quarters = queries.territory_quarters(reader, filters)
    if not quarters:
        return no_data("territories", filters)
    quarter = st.selectbox(
        "Quarter", quarters, index=len(quarters) - 1, format_func=quarter_label, key="territory_quarter"
    )
    territories = queries.territory_balance(reader, quarter)
    candidates = territories.loc[territories["is_rebalance_candidate"].fillna(False), "territory_name"]
    st.metric("Rebalance candidates", len(candidates))
    if len(candidates):
        st.markdown(f"**To rebalance:** {', '.join(candidates)}")
    show(charts.territory_balance(territories))
    st.caption(
        "Open pipeline per rep at the quarter's end over the org's pipeline per rep "
        "(kpi_territory_balance). Red: rebalance candidates, outside 1 ± territory_imbalance_tolerance "
        "(0.25 by default); grey: no rep. Memberships are the current ones."
    )
    st.dataframe(
        territories,
        hide_index=True,
        column_config={
            "territory_name": "Territory",
            "rep_count": "Reps",
            "account_count": "Accounts",
            "open_pipeline_amount": st.column_config.NumberColumn("Open pipeline", format="localized"),
            "pipeline_per_rep": st.column_config.NumberColumn("Pipeline per rep", format="localized"),
            "org_pipeline_per_rep": st.column_config.NumberColumn("Org per rep", format="localized"),
            "pipeline_per_rep_index": st.column_config.NumberColumn("Index", format="%.3f"),
            "is_rebalance_candidate": "Rebalance",
            "quota_amount": st.column_config.NumberColumn("Quota", format="localized"),
            "bookings_amount": st.column_config.NumberColumn("Bookings", format="localized"),
            "attainment": st.column_config.NumberColumn("Attainment", format="percent"),
        },
    )

"""What every page shows the same way: a chart, an empty result, a note on the team filter."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from orchestration.dashboard.filters import Filters

# No Plotly logo: its link leads outside, and the dashboard stays on the local server.
_PLOTLY_CONFIG = {"displaylogo": False}


def show(fig: go.Figure) -> None:
    st.plotly_chart(fig, width="stretch", config=_PLOTLY_CONFIG)


def no_data(what: str, filters: Filters) -> None:
    st.info(f"No {what} for {filters.label()} with this team filter: widen the period or pick another team.")


def org_wide(what: str) -> None:
    st.caption(f"{what} have no team in the marts: the team filter does not apply on this page.")

"""The sidebar's filters: a range of quarters and a team, read into `Filters`.

No widget keys: a widget's identity then follows its options, so a new build with other
quarters or teams resets the filter to its default instead of keeping a value it lacks.
"""

from __future__ import annotations

import streamlit as st

from orchestration.dashboard import queries
from orchestration.dashboard.filters import Filters, quarter_label
from orchestration.serving.reader import ServingReader

DEFAULT_QUARTERS = 4


def filters(reader: ServingReader) -> Filters | None:
    """The sidebar's widgets and their values; None when the marts hold no quarter at all."""
    quarters = queries.quarters(reader)
    if not quarters:
        return None
    # By default the last four quarters up to the data's present, not a later quota-only one.
    latest = queries.latest_data_quarter(reader)
    last = quarters.index(latest) if latest in quarters else len(quarters) - 1
    default = (quarters[max(0, last - DEFAULT_QUARTERS + 1)], quarters[last])
    with st.sidebar:
        st.header("Filters")
        if len(quarters) > 1:
            first_quarter, last_quarter = st.select_slider(
                "Period (calendar quarters)", options=quarters, value=default, format_func=quarter_label
            )
        else:
            first_quarter = last_quarter = quarters[0]
        labels = dict(queries.teams(reader))
        team = st.selectbox(
            "Team (the reps' manager)",
            [None, *labels],
            format_func=lambda key: "All teams" if key is None else labels[key],
        )
    return Filters(first_quarter, last_quarter, team)

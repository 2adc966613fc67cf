"""The KPI dashboard's Streamlit entry: `streamlit run orchestration/dashboard/app.py` (see
launch.py). Runs on every page view and interaction.

It reads only the serving file (SALES_SERVING_PATH), through one ServingReader per process:
the reader reopens the file when a new build is published, so the dashboard shows each new
build on the next interaction, without a restart.
"""

from __future__ import annotations

from functools import partial

import duckdb
import streamlit as st

from orchestration import config
from orchestration.dashboard import queries, sidebar
from orchestration.dashboard.filters import Filters
from orchestration.dashboard.navigation import PAGES, PageSpec
from orchestration.serving.reader import ServingReader


@st.cache_resource(show_spinner=False)
def serving_reader(path: str) -> ServingReader:
    """One reader per process and path, shared by every session (it is thread-safe)."""
    return ServingReader(path)


def _open_serving() -> tuple[ServingReader, Filters] | None:
    """The reader and the sidebar's filters, with "data as of" on top of the page; None after
    saying why there is nothing to show."""
    path = config.serving_path()
    if not path.exists():
        st.error(
            f"No serving file at `{path}`: run `make run` first (it builds the warehouse and "
            "publishes the KPI marts), then reload this page."
        )
        return None
    reader = serving_reader(str(path))
    try:
        info = queries.build_info(reader)
        filters = sidebar.filters(reader)
    except (duckdb.Error, OSError) as exc:
        st.error(f"Cannot read the serving file `{path}`: {exc}")
        return None
    if info is None or filters is None:
        st.error(f"The serving file `{path}` holds no build: run `make run` to publish one.")
        return None
    st.caption(info.as_of())
    return reader, filters


def _render(spec: PageSpec, serving: tuple[ServingReader, Filters] | None) -> None:
    st.title(spec.title)
    if serving is not None:  # otherwise the reason is on the page already
        spec.render(*serving)


def main() -> None:
    # An emoji favicon is drawn in the page; a Material icon one (the pages' icons included)
    # would be fetched from fonts.gstatic.com, and the dashboard stays off the internet.
    st.set_page_config(page_title="Sales KPIs", page_icon="📊", layout="wide")
    serving = _open_serving()
    pages = [
        st.Page(
            partial(_render, spec, serving),
            title=spec.title,
            url_path=spec.url_path,
            icon=spec.icon,
            default=index == 0,
        )
        for index, spec in enumerate(PAGES)
    ]
    st.navigation(pages).run()


if __name__ == "__main__":  # Streamlit runs this file as __main__; an import runs nothing
    main()

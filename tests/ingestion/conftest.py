"""Fixtures for the loader tests: a landing folder in tmp_path and an in-memory warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from loader_helpers import OPPORTUNITY, Landing

from orchestration.ingestion.contract import ExtractObject
from orchestration.ingestion.loader import LoadSummary, load_object


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    root = tmp_path / "landing"
    root.mkdir()
    return Landing(root)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def load(con: duckdb.DuckDBPyConnection, landing: Landing) -> Callable[..., LoadSummary]:
    """Load one object (default Opportunity) with a threshold (default 1.0: never quarantine)."""

    def run(obj: ExtractObject = OPPORTUNITY, threshold: float = 1.0) -> LoadSummary:
        return load_object(con, landing.root, obj, threshold)

    return run

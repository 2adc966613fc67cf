"""Fixtures of the data-quality tests: one clean demo warehouse per session.

The demo extract (seed 42) is generated, loaded as the ingestion assets load it and built with
dbt (seeds and models; dbt's own tests are not what these tests are about), once. Tests that
change data work on copies; the corpus cases land their files on top of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus_harness import Base, dbt_build_models, ingest, placeholders

from orchestration.demo import generate_landing


@pytest.fixture(scope="session", autouse=True)
def quality_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Data Docs and GX results of the tests go to a temporary SALES_QUALITY_DIR."""
    folder = tmp_path_factory.mktemp("quality")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_QUALITY_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def demo_base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    root = tmp_path_factory.mktemp("quality_demo")
    landing = root / "landing"
    generate_landing(landing, seed=42, progress=False)
    warehouse = root / "db" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    ingest(landing, warehouse, threshold=0.01)
    dbt_build_models(warehouse, root)
    return Base(landing=landing, warehouse=warehouse, placeholders=placeholders(warehouse))

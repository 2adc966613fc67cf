"""The exposures of models/exposures.yml name what their readers read: the serving file every
mart the serving step publishes, the dashboard the published marts its code names."""

from __future__ import annotations

import json
import re

import pytest

from orchestration.config import PROJECT_ROOT
from orchestration.serving.publish import PUBLISHED_PREFIXES
from orchestration.transformation.project import dbt_project


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project().manifest_path.read_text())


def _published(manifest: dict) -> set[str]:
    """The models the serving step copies: kpi_*, dim_* and bridge_* of models/marts."""
    return {
        node_id
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/")
        and node["name"].startswith(PUBLISHED_PREFIXES)
    }


def _exposure(manifest: dict, name: str) -> dict:
    return manifest["exposures"][f"exposure.sales_warehouse.{name}"]


def test_serving_file_exposure_depends_on_every_published_mart(manifest):
    published = _published(manifest)
    assert len(published) > 10
    assert set(_exposure(manifest, "serving_warehouse")["depends_on"]["nodes"]) == published


def test_dashboard_exposure_names_the_marts_the_dashboard_reads(manifest):
    dashboard = _exposure(manifest, "kpi_dashboard")
    assert dashboard["type"] == "dashboard"
    published = {manifest["nodes"][node_id]["name"]: node_id for node_id in _published(manifest)}
    # The published marts named anywhere in the dashboard's code (its SQL is in strings there).
    code = " ".join(path.read_text() for path in (PROJECT_ROOT / "orchestration" / "dashboard").rglob("*.py"))
    read = {published[name] for name in re.findall(r"\b(?:kpi|dim|bridge)_\w+", code) if name in published}
    assert read, "no mart found in orchestration/dashboard/"
    assert set(dashboard["depends_on"]["nodes"]) == read

"""The README's copy-paste queries for BI tools run on a published build and return rows, through
the hardened connection and through SQLAlchemy with duckdb-engine (what Superset uses)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy

from orchestration import config
from orchestration.serving.reader import open_serving

pytestmark = pytest.mark.slow
SECTION = "## Reading the KPIs: the serving file"


def readme_queries() -> list[str]:
    text = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_the_readme_has_a_query_per_kpi_family():
    queries = readme_queries()
    marts = {name for query in queries for name in re.findall(r"\b(kpi_[a-z_]+)\b", query)}
    assert len(queries) >= 8
    assert {
        "kpi_reps_at_quota",
        "kpi_win_rate",
        "kpi_revenue",
        "kpi_funnel_leakage",
        "kpi_lead_requirements",
        "kpi_stage_durations",
        "kpi_territory_balance",
        "kpi_activity_time_allocation",
    } <= marts


@pytest.mark.parametrize("number", range(len(readme_queries())))
def test_readme_query_returns_rows(demo_warehouse, number):
    assert demo_warehouse.result.success
    with open_serving(demo_warehouse.serving) as con:
        rows = con.execute(readme_queries()[number]).fetchall()
    assert rows, readme_queries()[number]


def test_superset_style_sqlalchemy_connection_reads_the_serving_file(demo_warehouse):
    engine = sqlalchemy.create_engine(f"duckdb:///{demo_warehouse.serving}", connect_args={"read_only": True})
    with engine.connect() as connection:
        months = connection.execute(sqlalchemy.text("select count(*) from kpi_revenue")).scalar_one()
    engine.dispose()
    assert months > 0

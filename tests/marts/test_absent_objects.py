"""An org that does not extract an optional object at all still gets its KPIs.

Two landing folders made from the demo extract: one without the three territory objects (an
org without Territory Management), one with only the core objects (User, Account, Opportunity).
The full-refresh job succeeds on both, the marts that need an absent object are empty, the
others are built, and the summary names what is absent.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingestion.contract import CORE_OBJECTS, OBJECTS, OPTIONAL_OBJECTS
from orchestration.summary import warehouse_summary

pytestmark = pytest.mark.slow

TERRITORY_OBJECTS = {"Territory2", "UserTerritory2Association", "ObjectTerritory2Association"}


def _landing_without(source, target, absent: set[str]) -> None:
    """A copy of `source` (hard links) without the folders of the `absent` objects."""
    from orchestration.ingestion.contract import object_for_folder

    for path in source.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(source)
        obj = object_for_folder(relative.parts[0], relative.parts[1])
        if obj is not None and obj.api_name in absent:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.hardlink_to(path)


def _build(tmp_path_factory, demo_warehouse, name: str, absent: set[str]):
    root = tmp_path_factory.mktemp(name)
    landing, database = root / "landing", root / "warehouse.duckdb"
    _landing_without(demo_warehouse.landing, landing, absent)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_LANDING_DIR", str(landing))
        env.setenv("SALES_WAREHOUSE_PATH", str(database))
        env.setenv("SALES_QUALITY_DIR", str(root / "quality"))
        from orchestration.definitions import build_definitions

        result = build_definitions().resolve_job_def("full_refresh").execute_in_process(raise_on_error=False)
    return result, database


def _kpi_rows(database) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_name like 'kpi_%'"
        ).fetchall()
        return {name: con.execute(f"select count(*) from marts.{name}").fetchone()[0] for (name,) in names}


def test_every_object_is_core_or_optional():
    assert {obj.api_name for obj in OBJECTS} == set(CORE_OBJECTS) | set(OPTIONAL_OBJECTS)
    assert not set(CORE_OBJECTS) & set(OPTIONAL_OBJECTS)


def test_org_without_territory_management(demo_warehouse, tmp_path_factory):
    result, database = _build(tmp_path_factory, demo_warehouse, "no_territories", TERRITORY_OBJECTS)
    assert result.success
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    assert not failed  # no false alarm either
    rows = _kpi_rows(database)
    assert rows.pop("kpi_territory_balance") == 0
    assert len(rows) >= 10 and all(count > 0 for count in rows.values()), rows
    # The marts that do not involve territories equal the full demo build's.
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute(f"attach '{demo_warehouse.database}' as full_build (read_only)")
        for mart in ("kpi_quota_attainment", "kpi_win_rate", "kpi_funnel_leakage", "kpi_stage_durations"):
            differ = con.execute(
                f"select count(*) from (select * from marts.{mart} except all "
                f"select * from full_build.marts.{mart})"
            ).fetchone()[0]
            assert differ == 0, mart
    summary = warehouse_summary(database)
    assert "Objects with no data landed:" in summary
    for name in TERRITORY_OBJECTS:
        assert f"  {name} (salesforce/{name}): optional" in summary
    assert "territories to rebalance      n/a (no territories" in summary


def test_org_with_only_the_core_objects(demo_warehouse, tmp_path_factory):
    optional = set(OPTIONAL_OBJECTS)
    result, database = _build(tmp_path_factory, demo_warehouse, "core_only", optional)
    assert result.success
    rows = _kpi_rows(database)
    for mart in ("kpi_deal_size", "kpi_win_rate", "kpi_revenue"):  # built from the core alone
        assert rows[mart] > 0, mart
    for mart in (
        "kpi_quota_attainment",
        "kpi_funnel_leakage",
        "kpi_stage_durations",
        "kpi_territory_balance",
    ):
        assert rows[mart] == 0, mart
    summary = warehouse_summary(database)
    absent = summary.split("Objects with no data landed:")[1].split("\n\n")[0]
    assert len(absent.strip().splitlines()) == len(optional)
    assert all(f"  {name} (" in absent for name in optional)

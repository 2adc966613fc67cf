"""What the engine tests assert about a dbt build on another engine and its kpi_* marts."""

from __future__ import annotations

from orchestration import config


def assert_build_passed(output: str) -> None:
    assert "ERROR=0" in output and "WARN=0" in output, output[-2000:]


def assert_every_kpi_mart_identical(results: dict[str, list[str]]) -> list[str]:
    """Every mart the project defines (not only those DuckDB happens to hold) was compared and
    none differs; returns their names. A mart the other engine did not build differs."""
    defined = sorted(path.stem for path in (config.PROJECT_ROOT / "models/marts/kpi").glob("kpi_*.sql"))
    assert sorted(results) == defined
    assert {mart: lines for mart, lines in results.items() if lines} == {}
    return defined

"""The models' YAML descriptions are where BI users look: table and column comments.

dbt's `persist_docs` (dbt_project.yml) stores each model's and column's description as a
DuckDB comment in the build's warehouse, on contract-enforced tables too; the serving step
copies the published marts' comments into the serving file (`serving/publish.py`,
`_copy_comments`), the file BI tools and the dashboard open. Checked on the session's demo
build: every `kpi_*` mart's description and every column's, word for word, in both files.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.docs import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _yaml_models(folder: str) -> dict[str, dict]:
    models = {}
    for path in sorted((PROJECT_ROOT / folder).rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            models[model["name"]] = model
    return models


def _comments(path: Path, schema: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Table comments and column comments of `schema` in the DuckDB file `path` (read-only)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = ?", [schema]
            ).fetchall()
        )
        columns = {
            (table, column): comment
            for table, column, comment in con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = ?",
                [schema],
            ).fetchall()
        }
    finally:
        con.close()
    return tables, columns


def _clean(text: str | None) -> str | None:
    return text.strip() if text is not None else None


@pytest.fixture(scope="module")
def kpi_models() -> dict[str, dict]:
    models = _yaml_models("models/marts/kpi")
    assert models, "no kpi_* model YAML"
    return models


@pytest.mark.parametrize("where", ["build", "serving"])
def test_every_kpi_description_is_a_table_and_column_comment(demo_warehouse, kpi_models, where):
    path, schema = (
        (demo_warehouse.database, "marts") if where == "build" else (demo_warehouse.serving, "main")
    )
    tables, columns = _comments(path, schema)
    for name, model in kpi_models.items():
        assert name in tables, f"{name} missing from the {where} file"
        assert _clean(tables[name]) == _clean(model["description"]), name
        for column in model["columns"]:
            assert _clean(columns.get((name, column["name"]))) == _clean(column["description"]), (
                where,
                name,
                column["name"],
            )


def test_one_kpi_column_definition_reads_the_same_in_yaml_build_and_serving_file(demo_warehouse, kpi_models):
    expected = next(c for c in kpi_models["kpi_win_rate"]["columns"] if c["name"] == "win_rate")[
        "description"
    ]
    query = (
        "select comment from duckdb_columns() "
        "where schema_name = ? and table_name = 'kpi_win_rate' and column_name = 'win_rate'"
    )
    for path, schema in ((demo_warehouse.database, "marts"), (demo_warehouse.serving, "main")):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute(query, [schema]).fetchall() == [(expected,)]
    assert expected.startswith("won_count / (won_count + lost_count)")


def test_the_dimensions_bi_joins_to_carry_their_comments_too(demo_warehouse):
    core = _yaml_models("models/marts/core")
    tables, columns = _comments(demo_warehouse.serving, "main")
    published = [name for name in core if name.startswith(("dim_", "bridge_"))]
    assert published
    for name in published:
        assert _clean(tables[name]) == _clean(core[name]["description"]), name
        for column in core[name].get("columns") or []:
            assert _clean(columns.get((name, column["name"]))) == _clean(column.get("description")), (
                name,
                column["name"],
            )


def test_staging_intermediate_and_seeds_are_commented_in_the_build(demo_warehouse):
    """persist_docs is on for every model and seed: analysts reading the build's warehouse see
    the staging and intermediate definitions too (none of them is published)."""
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        missing = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where schema_name in ('staging', 'intermediate', 'seeds', 'marts') "
            "and coalesce(comment, '') = '' order by all"
        ).fetchall()
        uncommented_tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in ('staging', 'intermediate', 'seeds', 'marts') "
            "and coalesce(comment, '') = '' order by all"
        ).fetchall()
    assert missing == []
    assert uncommented_tables == []

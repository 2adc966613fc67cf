"""Typing the staged records in SQL: reject the records with bad values, insert the good ones."""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.ingestion.casting import csv_render, reject_reason, typed_value
from orchestration.ingestion.columns import ColumnPlan
from orchestration.ingestion.contract import ExtractObject
from orchestration.ingestion.manifest import raw_table_ref
from orchestration.ingestion.staging import TEMP_PREFIX, StagedFile
from orchestration.sql_quoting import quote_ident, quote_literal

TYPING_BAD_TABLE = f"{TEMP_PREFIX}typing_bad"


def _error_columns(plan: ColumnPlan) -> list[tuple[str, str]]:
    """(column name, SQL reason or NULL) for every check a record must pass."""
    errors = []
    for column, staged in plan.contract:
        reason = reject_reason(column, f"s.{staged}")
        if reason is not None:
            errors.append((column.name, reason))
    if plan.alternatives:
        none_given = " and ".join(f"s.{staged} is null" for _, staged in plan.alternatives)
        names = " nor ".join(name for name, _ in plan.alternatives)
        label = f"neither {names} given" if len(plan.alternatives) > 1 else f"empty {names}"
        errors.append((plan.alternatives[0][0], f"(case when {none_given} then {quote_literal(label)} end)"))
    return errors


def find_typing_rejects(con: duckdb.DuckDBPyConnection, plan: ColumnPlan, staged: StagedFile) -> int:
    """Collect the records with at least one bad value into TYPING_BAD_TABLE; return their count."""
    errors = _error_columns(plan)
    if not errors:
        con.execute(
            f"create or replace temp table {TYPING_BAD_TABLE} (_rec bigint, _line bigint, raw_record varchar)"
        )
        return 0
    reasons = ", ".join(f"{sql} as e{i}" for i, (_, sql) in enumerate(errors))
    any_error = " or ".join(f"{sql} is not null" for _, sql in errors)
    raw = csv_render([f"s.{c}" for c in staged.staged_columns])
    con.execute(
        f"create or replace temp table {TYPING_BAD_TABLE} as "
        f"select s._rec, s._line, {reasons}, {raw} as raw_record "
        f"from ({staged.source_sql}) s where {any_error}"
    )
    return con.execute(f"select count(*) from {TYPING_BAD_TABLE}").fetchall()[0][0]


def typing_rejects_sql(plan: ColumnPlan) -> str | None:
    """SELECT line, column_name, reason, raw_record: one row per bad value of TYPING_BAD_TABLE."""
    parts = [
        f"select _line as line, {quote_literal(name)} as column_name, e{i} as reason, raw_record "
        f"from {TYPING_BAD_TABLE} where e{i} is not null"
        for i, (name, _) in enumerate(_error_columns(plan))
    ]
    return " union all ".join(parts) if parts else None


def insert_good_rows(
    con: duckdb.DuckDBPyConnection,
    obj: ExtractObject,
    plan: ColumnPlan,
    staged: StagedFile,
    lineage: dict[str, str | datetime],
    skip_bad: bool,
) -> int:
    """Insert the typed good records into `raw.<table>` with the lineage columns; returns the count.

    `lineage` holds `_source_file`, `_file_hash`, `_file_landed_at`, `_loaded_at`; `_source_line`
    comes from the staged `_line`. The raw table must already have every extra column.
    """
    targets, values = [], []
    for column, staged_column in plan.contract:
        targets.append(column.name)
        values.append(typed_value(column, f"s.{staged_column}"))
    for name, staged_column in plan.extras:
        targets.append(name)
        values.append(f"s.{staged_column}")
    targets.append("_source_line")
    values.append("s._line")
    params = []
    for name, value in lineage.items():
        targets.append(name)
        values.append("?")
        params.append(value)
    where = f"where s._rec not in (select _rec from {TYPING_BAD_TABLE})" if skip_bad else ""
    inserted = con.execute(
        f"insert into {raw_table_ref(obj)} ({', '.join(quote_ident(t) for t in targets)}) "
        f"select {', '.join(values)} from ({staged.source_sql}) s {where}",
        params,
    ).fetchall()
    return int(inserted[0][0])

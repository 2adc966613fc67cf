"""DuckDB's memory limit and spill folder, set on every connection that builds the warehouse.

DuckDB's own default is 80% of the machine's memory per process; with the pipeline's process
and dbt's each holding a DuckDB, a large build could ask for more than the machine has. With
a limit, DuckDB spills what does not fit to the temp folder instead (settings:
`config.duckdb_memory_limit`, `config.duckdb_temp_dir`; dbt reads the same through its
profile's `settings:`).
"""

from __future__ import annotations

import duckdb

from orchestration import config


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def memory_statements(spill: bool = True) -> list[str]:
    """The `set` statements; `spill` False keeps DuckDB's default temp folder (a connection to
    another file than the warehouse: a temp folder is removed by the instance that made it, so
    two files never share one)."""
    statements = [f"set memory_limit = {_literal(config.duckdb_memory_limit())}"]
    if spill:
        statements.append(f"set temp_directory = {_literal(str(config.duckdb_temp_dir()))}")
    return statements


def limit_memory(con: duckdb.DuckDBPyConnection, spill: bool = True) -> None:
    """Apply `memory_statements` to `con` (its whole database instance)."""
    for statement in memory_statements(spill):
        con.execute(statement)

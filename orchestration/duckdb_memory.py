"""DuckDB's memory limit and spill folder, set on every connection that builds the warehouse.

DuckDB's own default is 80% of the machine's memory per process; with the pipeline's process
and dbt's each holding a DuckDB, a large build could ask for more than the machine has. With
a limit, DuckDB spills what does not fit to the temp folder instead (settings:
`config.duckdb_memory_limit`, `config.duckdb_temp_dir`; dbt reads the same through its
profile).
"""

from __future__ import annotations

import duckdb

from orchestration import config
from orchestration.sql_quoting import quote_literal

CURRENT_TEMP_DIR = "select current_setting('temp_directory')"


def memory_statements(current_temp_dir: str | None, spill: bool = True) -> list[str]:
    """The `set` statements for a database whose temp folder is `current_temp_dir`. The folder
    is set only when it differs: once DuckDB has spilled there it refuses to set it again, even
    to the same folder. `spill` False keeps DuckDB's default folder (a connection to another
    file than the warehouse: a temp folder is removed by the instance that made it, so two
    files never share one)."""
    statements = [f"set memory_limit = {quote_literal(config.duckdb_memory_limit())}"]
    temp_dir = str(config.duckdb_temp_dir())
    if spill and current_temp_dir != temp_dir:
        statements.append(f"set temp_directory = {quote_literal(temp_dir)}")
    return statements


def limit_memory(con: duckdb.DuckDBPyConnection, spill: bool = True) -> None:
    """Apply `memory_statements` to `con` (its whole database instance)."""
    current = con.execute(CURRENT_TEMP_DIR).fetchone()[0]
    for statement in memory_statements(current, spill):
        con.execute(statement)

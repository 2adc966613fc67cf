"""What the warehouse file holds: its size beside the extracts', and per schema (raw, staging,
intermediate, marts, ...) the storage blocks its tables use, so the copies' cost can be read.

A table's bytes are its distinct storage blocks (DuckDB's `pragma_storage_info`: each
segment's block and any additional ones) times the block size; blocks are rarely shared
between tables, so the schemas add up to about the file's used blocks. Free blocks (space
left by dropped or replaced tables, reused by the next build) are the rest of the file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def _table_bytes(con: duckdb.DuckDBPyConnection, schema: str, table: str, block_size: int) -> int:
    name = f'"{schema}"."{table}"'
    blocks = con.execute(
        """
        select count(distinct block) from (
            select block_id as block from pragma_storage_info(?) where block_id >= 0
            union all
            select unnest(additional_block_ids) from pragma_storage_info(?)
        )
        """,
        [name, name],
    ).fetchone()[0]
    return int(blocks) * block_size


def warehouse_storage(warehouse: Path, extracts_bytes: int) -> dict:
    """Sizes of `warehouse` (read-only; no writer may hold it) against `extracts_bytes`."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _, _, block_size, total_blocks, used_blocks, free_blocks, *_ = con.execute(
            "pragma database_size"
        ).fetchone()
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where database_name = current_database() order by schema_name, table_name"
        ).fetchall()
        schemas: dict[str, dict] = {}
        for schema, table, rows in tables:
            figures = schemas.setdefault(schema, {"tables": 0, "rows": 0, "bytes": 0})
            figures["tables"] += 1
            figures["rows"] += int(rows or 0)
            figures["bytes"] += _table_bytes(con, schema, table, block_size)
    file_bytes = warehouse.stat().st_size
    return {
        "file_bytes": file_bytes,
        "extracts_bytes": extracts_bytes,
        "file_to_extracts": file_bytes / extracts_bytes if extracts_bytes else None,
        "block_size": block_size,
        "used_bytes": used_blocks * block_size,
        "free_bytes": free_blocks * block_size,
        "total_blocks": total_blocks,
        "schemas": schemas,
    }

"""A BI reader for the soak test: queries the serving file every 50 ms until a stop file
appears, then prints what it saw as JSON.

    python soak_reader.py <serving.duckdb> <stop-file> <fresh|pooled|held>

`fresh` opens a new read-only connection for every read (a BI tool without a pool); `pooled`
keeps one ServingReader for its whole life (the dashboard, a pooled BI connection that follows
new builds); `held` keeps the one connection it opened first, never reconnecting (a SQL client
left open): it must go on reading that first build, whole, while builds go by.
Each read takes build_info and every table's row count and content hash in one connection: a
table that does not match the build_info read beside it is a mixed build.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from orchestration.serving.publish import BUILD_INFO, fingerprint
from orchestration.serving.reader import ServingReader, open_serving

# A dashboard refresh or a BI query every 50 ms per reader: continuous, without three busy loops
# taking the two cores the builds need.
PAUSE_SECONDS = 0.05


def read_once(con) -> str:
    rows = con.execute(f"select build_id, table_name, row_count, content_hash from {BUILD_INFO}").fetchall()
    builds = {build for build, *_ in rows}
    if len(builds) != 1:
        raise AssertionError(f"build_info names {sorted(builds)}")
    for _, table, count, content in rows:
        got = fingerprint(con, f'main."{table}"', table)
        if (got.row_count, got.content_hash) != (count, content):
            raise AssertionError(
                f"{table}: {got.row_count} rows / {got.content_hash}, build_info says {count}"
            )
    return builds.pop()


def main(serving: Path, stop: Path, mode: str) -> dict:
    seen: dict[str, int] = {}
    errors: list[str] = []
    reads = 0
    pooled = ServingReader(serving) if mode == "pooled" else None
    held = open_serving(serving) if mode == "held" else None
    while not stop.exists():
        try:
            if pooled is not None:
                with pooled.cursor() as con:
                    build = read_once(con)
            elif held is not None:
                build = read_once(held)
            else:
                with open_serving(serving) as con:
                    build = read_once(con)
            seen[build] = seen.get(build, 0) + 1
        except Exception as exc:  # every failure is reported, none is allowed
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        reads += 1
        time.sleep(PAUSE_SECONDS)
    return {"mode": mode, "reads": reads, "errors": errors, "builds_seen": seen}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])))

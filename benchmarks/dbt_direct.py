"""dbt's build against the same compiled SQL run directly in DuckDB: what dbt itself costs.

The full build's warehouse is copied (not timed; same file name, so the compiled SQL's
`"<stem>"."schema"."table"` names resolve) and a fresh process opens the copy with the
profile's DuckDB settings and runs, in DAG order, each model as `create or replace table|view
<relation> as <compiled select>` and each data test as dbt does (`select count(*) from
(<compiled test>)`). Seeds (CSV lookups dbt loads through Python) and unit tests (fixtures, not
data) stay out: they are dbt's work with no plain-SQL twin, so they count on dbt's side.

    python -m benchmarks.dbt_direct <warehouse copy> <statements.json>   (the child)
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from benchmarks.compiled import CompiledNode, dag_order, unit_test_count
from benchmarks.process_tree import run_measured
from orchestration import config


def statements(nodes: list[CompiledNode]) -> list[dict]:
    """What to run for each node: [{"kind": "model"|"test", "name", "sql"}]."""
    planned = []
    for node in nodes:
        if node.resource_type == "model" and node.materialized != "ephemeral":
            kind = "view" if node.materialized == "view" else "table"
            sql = f"create or replace {kind} {node.relation_name} as (\n{node.sql}\n)"
            planned.append({"kind": "model", "name": node.name, "sql": sql})
        elif node.resource_type == "test":
            sql = f"select count(*) from (\n{node.sql}\n) as dbt_internal_test"
            planned.append({"kind": "test", "name": node.name, "sql": sql})
    return planned


def measure(warehouse: Path, manifest: Path, workdir: Path, env: dict[str, str]) -> dict:
    """Run the statements on a copy of `warehouse` in a child process (environment `env`, its
    spill folder beside the copy); its figures."""
    scratch = workdir / "dbt_direct"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    copy = scratch / warehouse.name
    shutil.copyfile(warehouse, copy)
    planned = statements(dag_order(manifest))
    spec = scratch / "statements.json"
    spec.write_text(json.dumps(planned))
    argv = [sys.executable, "-m", "benchmarks.dbt_direct", str(copy), str(spec)]
    env = {**env, config.TEMP_DIR_ENV: str(scratch / "spill")}
    try:
        measured = run_measured(argv, env, config.PROJECT_ROOT, scratch / "child.log")
        if measured.returncode != 0:
            raise RuntimeError(f"direct SQL failed:\n{(scratch / 'child.log').read_text()[-3000:]}")
        child = json.loads((scratch / "child.log").read_text().strip().splitlines()[-1])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "models": child["models"],
        "tests": child["tests"],
        "unit_tests_left_out": unit_test_count(manifest),
        "wall_s": child["models_s"] + child["tests_s"],
        "models_s": child["models_s"],
        "tests_s": child["tests_s"],
        "cpu_s": measured.cpu_s,
        "peak_rss_mb": measured.root.peak_rss_mb,
        "process_wall_s": measured.wall_s,
    }


def _run(database: Path, spec: Path) -> dict:
    import duckdb

    from orchestration.duckdb_memory import limit_memory

    planned = json.loads(spec.read_text())
    con = duckdb.connect(str(database))
    con.execute("set TimeZone = 'UTC'")
    limit_memory(con)  # the profile's settings: the same limit and spill folder as dbt ...
    con.execute("set preserve_insertion_order = false")  # ... and the same insertion order
    seconds = {"model": 0.0, "test": 0.0}
    counts = {"model": 0, "test": 0}
    for statement in planned:
        started = time.perf_counter()
        con.execute(statement["sql"]).fetchall()
        seconds[statement["kind"]] += time.perf_counter() - started
        counts[statement["kind"]] += 1
    con.close()
    return {
        "models": counts["model"],
        "tests": counts["test"],
        "models_s": seconds["model"],
        "tests_s": seconds["test"],
    }


if __name__ == "__main__":
    print(json.dumps(_run(Path(sys.argv[1]), Path(sys.argv[2]))))

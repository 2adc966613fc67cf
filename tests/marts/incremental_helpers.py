"""What the tests of daily incremental builds share: a copy of the session's demo warehouse,
loading a drop into it, and a copy of the dbt project with one planted edit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.config import PROJECT_ROOT
from orchestration.demo.next_day import generate_next_day
from orchestration.ingestion.contract import OBJECTS
from orchestration.ingestion.loader import load_object

PROJECT_ITEMS = ("dbt_project.yml", "models", "macros", "seeds", "tests", "analyses")


def run_dbt(project: Path, database: Path, target: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt `args` on `database` from the dbt project `project`, its artifacts in `target`; the
    caller judges the outcome (run_results.json in `target`)."""
    env = {**os.environ, "SALES_WAREHOUSE_PATH": str(database)}
    command = [
        str(Path(sys.executable).with_name("dbt")), *args,
        "--project-dir", str(project), "--profiles-dir", str(PROJECT_ROOT / "profiles"),
        "--target-path", str(target),
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def dbt_results(project: Path, database: Path, target: Path, *args: str) -> dict[str, dict]:
    """Run dbt on `database` (a failing test is an outcome here, not an error); the results by
    node name."""
    done = run_dbt(project, database, target, *args)
    results_file = target / "run_results.json"
    assert results_file.exists(), done.stdout[-3000:]
    results = json.loads(results_file.read_text())["results"]
    errors = [r["unique_id"] for r in results if r["status"] == "error"]
    assert errors == [], done.stdout[-3000:]
    return {r["unique_id"].split(".")[2]: r for r in results}


def copy_demo_warehouse(demo_warehouse, root: Path) -> tuple[Path, Path]:
    """The demo's landing folder and warehouse, copied under `root`."""
    landing, database = root / "landing", root / "incremental.duckdb"
    shutil.copytree(demo_warehouse.landing, landing)
    shutil.copyfile(demo_warehouse.database, database)
    return landing, database


def load_new_files(landing: Path, database: Path) -> None:
    """Load the new files; every one of them must load whole (a rejected correction would
    leave nothing to check)."""
    with duckdb.connect(str(database)) as con:
        results = [result for obj in OBJECTS for result in load_object(con, landing, obj, 0.01).files]
    assert results
    assert [(r.source_file, r.status) for r in results if r.status != "loaded"] == []


def next_day_warehouse(demo_warehouse, root: Path) -> Path:
    """A copy of the demo warehouse under `root` with the generator's next day loaded."""
    landing, database = copy_demo_warehouse(demo_warehouse, root)
    generate_next_day(landing, seed=42)
    load_new_files(landing, database)
    return database


def project_with_edit(root: Path, relative: str, old: str, new: str) -> Path:
    """A copy of the dbt project under `root` whose file `relative` has `old` (found once)
    replaced by `new`: the top folder holding it is copied, the rest linked."""
    edited = Path(relative).parts[0]
    project = root / "project"
    project.mkdir()
    for name in PROJECT_ITEMS:
        if name != edited and (PROJECT_ROOT / name).exists():
            (project / name).symlink_to(PROJECT_ROOT / name)
    shutil.copytree(PROJECT_ROOT / edited, project / edited)
    text = (project / relative).read_text()
    assert text.count(old) == 1
    (project / relative).write_text(text.replace(old, new))
    return project

"""Runs this environment's dbt on the project for one engine, in that engine's target folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from orchestration import config
from orchestration.engines.targets import TARGET_ENV, dbt_target_path

# dbt's last lines are where it says what failed.
_TAIL_LINES = 40


def run_dbt(
    *args: str, target: str, target_path: Path | None = None, environment: Mapping[str, str] | None = None
) -> str:
    """`dbt <args>` with profile target `target`, its manifest and compiled SQL in `target_path`
    (default: the target's own folder, never DuckDB's target/ for another engine). Returns dbt's
    output; raises RuntimeError with its last lines when dbt fails."""
    folder = target_path or dbt_target_path(target)
    env = {**os.environ, **(environment or {}), TARGET_ENV: target, "DBT_TARGET_PATH": str(folder)}
    env.setdefault("SALES_WAREHOUSE_PATH", str(config.warehouse_path()))
    command = [str(Path(sys.executable).with_name("dbt")), "--no-use-colors", *args]
    command += [
        "--project-dir",
        str(config.PROJECT_ROOT),
        "--profiles-dir",
        str(config.PROJECT_ROOT / "profiles"),
    ]
    # Started in the target folder: a local Spark session drops derby.log in its working folder.
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-_TAIL_LINES:])
        raise RuntimeError(f"dbt {args[0]} on target {target} failed (exit {done.returncode}):\n{tail}")
    return done.stdout

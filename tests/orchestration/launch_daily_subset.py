"""Launch the daily job (or a subset: asset keys as arguments) the way
`python -m orchestration.cli daily` does: in this process, against the DAGSTER_HOME instance.

Used by the overlapping-launches test to start several runs at the same moment from separate
processes: with `LAUNCH_BARRIER=<file>` set, it loads the definitions, prints `ready`, and
waits for that file to appear before launching.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import dagster as dg

import orchestration.definitions  # noqa: F401  (the slow part: loaded before the barrier)
from orchestration.cli import execute_job
from orchestration.jobs import DAILY_JOB, daily_run_config


def wait_for(barrier: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not barrier.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{barrier} never appeared")
        time.sleep(0.02)


if __name__ == "__main__":
    keys = [dg.AssetKey.from_user_string(arg) for arg in sys.argv[1:]] or None
    if os.environ.get("LAUNCH_BARRIER"):
        print("ready", flush=True)
        wait_for(Path(os.environ["LAUNCH_BARRIER"]))
    sys.exit(0 if execute_job(DAILY_JOB, daily_run_config(keys), asset_selection=keys) else 1)

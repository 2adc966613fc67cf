"""The Dagster instance (DAGSTER_HOME): where runs, schedules, sensor cursors and the pool
slots live. Its `dagster.yaml` sets the writer pool's limit, so it must be in place before a run
starts from the shell or from `dagster dev`."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path

import yaml

from orchestration import config

TEMPLATE = Path(__file__).with_name("dagster.yaml")


def dagster_home() -> Path:
    """`DAGSTER_HOME` (default `data/dagster_home`), absolute, exported for Dagster to find."""
    home = config.dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def pool_limit_configured(settings: dict | None) -> bool:
    """Whether instance settings give pools a default limit of 1 (the single DuckDB writer)."""
    pools = ((settings or {}).get("concurrency") or {}).get("pools") or {}
    return pools.get("default_limit") == 1 and pools.get("granularity", "op") == "op"


def crash_monitoring_configured(settings: dict | None) -> bool:
    """Whether instance settings let the daemon fail runs whose process died (run monitoring
    with the launcher that can check a run's process) and free their pool slots."""
    settings = settings or {}
    monitoring = settings.get("run_monitoring") or {}
    launcher = settings.get("run_launcher") or {}
    template = (yaml.safe_load(TEMPLATE.read_text()) or {}).get("run_launcher") or {}
    return (
        bool(monitoring.get("enabled"))
        and bool(monitoring.get("free_slots_after_run_end_seconds"))
        and launcher.get("module") == template.get("module")
        and launcher.get("class") == template.get("class")
    )


def ensure_dagster_home() -> Path:
    """Create DAGSTER_HOME with the template `dagster.yaml` and its storage when missing; warn
    when an existing `dagster.yaml` does not limit the pools to 1 (overlapping runs could then
    hit the lock) or does not monitor runs for dead processes (an existing file is never
    rewritten: it may hold the user's own settings).

    Safe to call from several processes at once (cron and a manual launch): a file lock makes
    one of them create the instance's SQLite storage while the others wait, instead of racing
    on its schema.
    """
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".init.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        settings_path = home / "dagster.yaml"
        if not settings_path.exists():
            shutil.copyfile(TEMPLATE, settings_path)
        else:
            settings = yaml.safe_load(settings_path.read_text())
            if not pool_limit_configured(settings):
                print(
                    f"warning: {settings_path} does not set `concurrency: pools: default_limit: 1` "
                    f"(see {TEMPLATE}): runs that overlap may fail on the DuckDB lock.",
                    file=sys.stderr,
                )
            if not crash_monitoring_configured(settings):
                print(
                    f"warning: {settings_path} lacks the `run_launcher` and `run_monitoring` "
                    f"sections of {TEMPLATE}: under `dagster dev`, a run whose process dies keeps "
                    "the writer pool's slot until the next CLI command frees it.",
                    file=sys.stderr,
                )
        from dagster import DagsterInstance

        with DagsterInstance.get():  # creates (or migrates) the run and event storage once
            pass
    return home

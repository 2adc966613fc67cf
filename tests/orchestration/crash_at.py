"""`python -m orchestration.cli run|daily` that SIGKILLs its own process group at a chosen point:
what kill -9, the out-of-memory killer or a reboot do to a run (no cleanup of any kind runs).

    python tests/orchestration/crash_at.py <point> run|daily [asset key ...]

(with asset keys: the daily job on those assets, run in-process as the CLI runs it.)

Points (the test's wrappers only observe; the pipeline code is untouched):
- `load`: inside the transaction of a big file's load, its rows inserted, not committed;
- `between_assets`: once an ingestion step's success is recorded, before the next step starts
  (its pool slot still claimed);
- `raw_checks`: in the raw-layer quality checks, after their first suite was validated;
- `dbt`: during `dbt build`, once dbt has built its first model (dbt, a child process, dies too);
- `post_dbt_checks`: in the quality checks after dbt, after their first suite was validated.

Just before the kill it writes the point's name to the file `CRASH_MARKER` names (what the
step prints may never leave Dagster's log capture); exits 3 when the point is never reached.
The caller starts it in its own session, so the process group holds only this run's processes.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import dagster as dg

BIG_FILE = "activity/activities/activities_2025.csv.gz"
BETWEEN_STEP = "raw__salesforce_lead"


def _kill(point: str) -> None:
    Path(os.environ["CRASH_MARKER"]).write_text(point)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _after_event(point: str, wanted) -> None:
    """Kill once an event matching `wanted` has been stored (what other processes can see)."""
    original = dg.DagsterInstance.handle_new_event

    def handle_new_event(self, event, **kwargs):
        original(self, event, **kwargs)
        if event.dagster_event is not None and wanted(event.dagster_event):
            _kill(point)

    dg.DagsterInstance.handle_new_event = handle_new_event


def _after_first_suite(point: str, layers: set[str]) -> None:
    from orchestration.quality import runner

    original = runner._Session.validate

    def validate(self, suite):
        outcome = original(self, suite)
        if suite.layer in layers:
            _kill(point)
        return outcome

    runner._Session.validate = validate


def _inside_load_transaction(point: str) -> None:
    """Kill right after the big file's rows are inserted, on either load path (the one-pass
    insert or the careful path's insert of the good rows), before the commit."""
    from orchestration.ingestion import loader

    def source_files(args) -> list[str]:
        """The files an insert writes: the lineage of the careful path's, the batch of the
        one-pass load's."""
        for value in args:
            if isinstance(value, dict) and "_source_file" in value:
                return [value["_source_file"]]
            if isinstance(value, list) and value and hasattr(value[0], "source_file"):
                return [f.source_file for f in value]
        return []

    def killing_after(original):
        def insert(*args, **kwargs):
            loaded = original(*args, **kwargs)
            if BIG_FILE in source_files([*args, *kwargs.values()]):
                _kill(point)
            return loaded

        return insert

    for name in ("insert_good_rows", "insert_csv", "insert_parquet"):
        setattr(loader, name, killing_after(getattr(loader, name)))


def install(point: str) -> None:
    if point == "load":
        _inside_load_transaction(point)
    elif point == "between_assets":
        _after_event(
            point,
            lambda e: e.event_type == dg.DagsterEventType.STEP_SUCCESS and e.step_key == BETWEEN_STEP,
        )
    elif point == "raw_checks":
        _after_first_suite(point, {"raw"})
    elif point == "dbt":
        _after_event(
            point,
            lambda e: (
                e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
                and e.step_key == "dbt_warehouse_models"
            ),
        )
    elif point == "post_dbt_checks":
        _after_first_suite(point, {"staging", "marts"})
    else:
        raise SystemExit(f"unknown kill point {point!r}")


def daily_subset(keys: list[str]) -> int:
    """The daily job on a few assets, as the CLI runs it (a landing sensor's kind of run)."""
    from orchestration import cli
    from orchestration.jobs import DAILY_JOB, daily_run_config

    cli._prepare()
    selection = [dg.AssetKey.from_user_string(key) for key in keys]
    return 0 if cli.execute_job(DAILY_JOB, daily_run_config(selection), asset_selection=selection) else 1


if __name__ == "__main__":
    point, command, *keys = sys.argv[1:]
    install(point)
    from orchestration import cli

    # The test session wrote dbt's manifest already: a killed run need not parse again (~5 s each).
    cli.prepare_manifest = lambda: None
    status = daily_subset(keys) if command == "daily" and keys else cli.main([command])
    print(f"kill point {point} never reached (exit status {status})", flush=True)
    sys.exit(3)

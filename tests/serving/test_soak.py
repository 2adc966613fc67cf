"""Soak: builds back to back while BI readers query the serving file without pause.

SALES_SOAK_BUILDS builds (default 10: a full refresh, then daily runs each after a next-day
drop of the demo generator, every third one a full refresh again) run in this process, while
four reader processes query the published file continuously: two open a new connection per
read, one keeps a long-lived ServingReader, one holds the connection it opened first for the
whole soak. Expected: zero failed builds and no step retried (the held connection neither fails
nor slows a build), zero reader errors (a lock error, a mixed build: a table that differs from
the build_info read in the same connection), every build published, the readers that reconnect
saw several builds and the held one only its first. The counts are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.serving.publish import BUILD_INFO

pytestmark = pytest.mark.slow
READER = Path(__file__).with_name("soak_reader.py")
BUILDS = int(os.environ.get("SALES_SOAK_BUILDS", "10"))


def _build_id(serving: Path) -> str:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(f"select distinct build_id from {BUILD_INFO}").fetchone()[0]


def test_builds_back_to_back_while_readers_query_the_serving_file(tmp_path, monkeypatch, capsys):
    from orchestration.demo.generator import generate_landing
    from orchestration.demo.next_day import generate_next_day

    landing, serving = tmp_path / "landing", tmp_path / "serving" / "warehouse.duckdb"
    generate_landing(landing, seed=7, progress=False)
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SERVING_PATH", str(serving))
    monkeypatch.setenv("SALES_QUALITY_DIR", str(tmp_path / "quality"))
    from orchestration.definitions import build_definitions
    from orchestration.jobs import DAILY_JOB, FULL_REFRESH_JOB, daily_run_config, dbt_run_config

    defs = build_definitions()

    def build(number: int) -> tuple[str, bool, float]:
        full = number % 3 == 0
        if not full:
            generate_next_day(landing, seed=7, progress=False)
        job, run_config = (
            (FULL_REFRESH_JOB, dbt_run_config(full_refresh=True)) if full else (DAILY_JOB, daily_run_config())
        )
        started = time.perf_counter()
        result = defs.resolve_job_def(job).execute_in_process(run_config=run_config, raise_on_error=False)
        retried = any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
        ok = result.success and not retried and _build_id(serving) == result.run_id  # published
        return job, ok, time.perf_counter() - started

    outcomes = [build(0)]  # a first build, so the readers have a file to read from the start
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, str(READER), str(serving), str(stop), mode], stdout=subprocess.PIPE, text=True
        )
        for mode in ("fresh", "fresh", "pooled", "held")
    ]
    try:
        outcomes += [build(number) for number in range(1, BUILDS)]
        time.sleep(1)  # the last build read too
    finally:
        stop.touch()
        reports = [json.loads(reader.communicate(timeout=120)[0]) for reader in readers]

    failed = [(number, job) for number, (job, ok, _) in enumerate(outcomes) if not ok]
    reads = sum(report["reads"] for report in reports)
    errors = [error for report in reports for error in report["errors"]]
    seen = {build for report in reports for build in report["builds_seen"]}
    full = sum(job == FULL_REFRESH_JOB for job, _, _ in outcomes)
    seconds = sum(elapsed for _, _, elapsed in outcomes)
    with capsys.disabled():
        print(
            f"\nsoak: {len(outcomes)} builds ({full} full, {len(outcomes) - full} daily) in {seconds:.0f} s, "
            f"{len(failed)} failed; {len(reports)} readers, {reads} reads, {len(errors)} errors, "
            f"{len(seen)} builds seen"
        )
        for report in reports:
            builds_seen = len(report["builds_seen"])
            print(f"  reader {report['mode']}: {report['reads']} reads, {builds_seen} builds seen")
    assert not failed
    assert not errors, errors[:5]
    assert len(outcomes) >= BUILDS
    assert reads >= 10 * len(reports)
    assert len(seen) >= 3  # the readers followed the builds
    following = [report for report in reports if report["mode"] != "held"]
    assert all(len(report["builds_seen"]) >= 2 for report in following)  # the pooled one too
    (held,) = [report for report in reports if report["mode"] == "held"]
    assert len(held["builds_seen"]) == 1 and held["reads"] >= 10  # its first build, whole, all along

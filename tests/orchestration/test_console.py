"""The console of `make run` / `make daily` (`orchestration/console.py`): not in a terminal, a
line per step and the summary, no colour codes or carriage returns, everything else in the run's
log file; `-v` gives the full stream; the summary lists how each landed file fared
(`orchestration/landed_files.py`).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import config
from orchestration.config import warehouse_environment
from orchestration.console import RunConsole, RunStdout, run_log_dir, strip_ansi
from orchestration.ingestion.manifest import ManifestRow, ensure_raw_schema, insert_manifest_row
from orchestration.landed_files import LandedFile, StepWindow, format_landed_files, read_landed_files

MAX_LINES = 120
DBT_NODE_LINE = re.compile(r"^\s*\d+ of \d+ (START|OK|PASS)", re.MULTILINE)
LOG_LINE = re.compile(r"^Full log of this run: (?P<path>\S+\.log)$", re.MULTILINE)
DATA_FILE = re.compile(r"\.(csv|csv\.gz|parquet)$")


# --- The per-file listing ------------------------------------------------------------------


def _file(path: str, status: str = "loaded", loaded: int = 10, rejected: int = 0, reason=None) -> LandedFile:
    return LandedFile(path, path.split("/")[1], status, loaded, rejected, reason)


def _line_of(lines: list[str], path: str) -> str:
    (line,) = [line for line in lines if re.search(rf"  {re.escape(path)}(: |$)", line)]
    return line


def test_each_file_of_the_run_has_a_line_with_its_rows_and_the_reason_of_anything_not_loaded():
    files = [
        _file("salesforce/User/users.csv", loaded=47),
        _file("salesforce/Account/accounts.csv", loaded=2_632, rejected=3),
        _file(
            "salesforce/Account/accounts_copy.csv", "skipped", 0, reason="identical to x.csv already loaded"
        ),
        _file("salesforce/Lead/leads.csv", "quarantined", 0, 40, reason="40 of 100 records rejected\ndetail"),
        _file(
            "salesforce/Task/tasks.csv",
            "rejected",
            0,
            reason="salesforce/Task/tasks.csv: missing required column Id",
        ),
    ]
    lines = format_landed_files(files, loaded_before=4)

    assert lines[0] == (
        "Landed files of this run: 5 (2 loaded, 1 skipped, 1 rejected, 1 quarantined); "
        "2,679 rows loaded, 43 rejected; 4 loaded by earlier runs, not read again."
    )
    assert len(lines) == 1 + len(files)
    by_file = {f.source_file: _line_of(lines[1:], f.source_file) for f in files}
    assert by_file["salesforce/Account/accounts.csv"].split()[:5] == [
        "loaded",
        "2,632",
        "rows",
        "3",
        "rejected",
    ]
    assert by_file["salesforce/Task/tasks.csv"].endswith("tasks.csv: missing required column Id")
    assert by_file["salesforce/Lead/leads.csv"].endswith(
        "leads.csv: 40 of 100 records rejected"
    )  # first line
    assert by_file["salesforce/Account/accounts_copy.csv"].startswith("  skipped ")
    # Loaded files first, then what needs a look.
    assert [line.split()[0] for line in lines[1:]] == [
        "loaded",
        "loaded",
        "skipped",
        "rejected",
        "quarantined",
    ]


def test_many_files_list_loaded_ones_per_object_folder_and_every_other_file_alone():
    loaded = [_file(f"activity/activities/day_{day:03}.csv", loaded=100) for day in range(40)]
    loaded += [_file("salesforce/User/users.csv", loaded=5)]
    problems = [_file("activity/activities/bad.csv", "unreadable", 0, reason="not a CSV file")]
    lines = format_landed_files(loaded + problems)

    assert lines[0].startswith("Landed files of this run: 42 (41 loaded, 1 unreadable); 4,005 rows loaded")
    assert lines[1:] == [
        "  loaded            4,000 rows        0 rejected  activity/activities/ (40 files)",
        "  loaded                5 rows        0 rejected  salesforce/User/ (1 files)",
        "  unreadable            0 rows        0 rejected  activity/activities/bad.csv: not a CSV file",
    ]


def test_no_new_file_is_one_line():
    assert format_landed_files([], loaded_before=16) == [
        "Landed files of this run: none new; 16 loaded by earlier runs, not read again."
    ]


def test_the_files_of_a_run_are_the_manifest_rows_its_ingestion_steps_committed(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    start = datetime(2026, 1, 2, 6, 0, 0)
    with duckdb.connect(str(database)) as con:
        ensure_raw_schema(con)
        for name, obj, seconds in [
            ("salesforce/User/before.csv", "user", -60),  # an earlier run
            ("salesforce/User/users.csv", "user", 1),
            ("salesforce/Account/accounts.csv", "account", 2),  # in the window, another object
            ("elsewhere/x.csv", None, 3),
            ("salesforce/User/after.csv", "user", 90),  # a later run
        ]:
            at = start + timedelta(seconds=seconds)
            insert_manifest_row(con, ManifestRow("id", obj, name, name, 1, at, 5, 5, 0, "loaded", None, at))
    windows = [
        StepWindow("user", start, start + timedelta(seconds=10)),
        StepWindow(None, start, start + timedelta(seconds=10)),
    ]
    assert [f.source_file for f in read_landed_files(database, windows)] == [
        "elsewhere/x.csv",
        "salesforce/User/users.csv",
    ]
    assert read_landed_files(tmp_path / "missing.duckdb", windows) == []


# --- The console and the log file of a run (a small job, in this process) ------------------


@dg.op
def _loads(context) -> int:
    context.log.info("a detail for the log file only")
    context.log.warning("DuckDB file x locked by another process: retry 1 of 4 in 5 s")
    print("\x1b[32m1 of 2 OK\x1b[0m created model")  # what dbt's lines look like
    return 1


@dg.job
def _small_job() -> None:
    _loads()


def test_a_run_shows_its_steps_and_warnings_and_logs_everything_without_colour(tmp_path, monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    log_path = tmp_path / "warehouse.logs" / "run.log"
    with RunConsole(log_path) as console:
        with console.capturing():
            result = console.job(_small_job).execute_in_process(run_config=console.run_config())
        console.print("summary line")
    assert result.success
    assert out.getvalue().splitlines()[0].startswith("  _loads ")
    assert out.getvalue().splitlines()[-1] == "summary line"
    assert "a detail" not in out.getvalue() + err.getvalue()
    assert "1 of 2 OK" not in out.getvalue()
    assert err.getvalue() == "warning: _loads: DuckDB file x locked by another process: retry 1 of 4 in 5 s\n"
    log = log_path.read_text()
    assert "\x1b" not in log
    for text in ("STEP_START", "a detail for the log file only", "retry 1 of 4", "1 of 2 OK", "summary line"):
        assert text in log, text


@dg.asset
def _table():
    return None


# As a daily run's check step for a table the run did not rebuild: no result.
@dg.multi_asset_check(specs=[dg.AssetCheckSpec("gate", asset="_table", blocking=True)], can_subset=True)
def _gate_left_out():
    yield from ()


@dg.asset(deps=[_table])
def _downstream():
    return None


def test_blocking_checks_without_a_result_are_counted_on_the_console_and_named_in_the_log(
    tmp_path, monkeypatch
):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    job = dg.Definitions(
        assets=[_table, _downstream], asset_checks=[_gate_left_out], jobs=[dg.define_asset_job("gated")]
    ).resolve_job_def("gated")
    log_path = tmp_path / "run.log"
    with RunConsole(log_path) as console, console.capturing():
        result = console.job(job).execute_in_process(run_config=console.run_config())
    assert result.success
    assert console.ungated_checks == 1
    assert "emitted no result" not in out.getvalue() + err.getvalue()
    assert "Blocking asset check '_table:gate' emitted no result" in log_path.read_text()


@dg.op
def _fails() -> int:
    raise dg.Failure(description="Cannot open file x: Permission denied")


@dg.op
def _after(value: int) -> None:
    pass


@dg.job
def _failing_job() -> None:
    _after(_fails())


def test_a_failed_step_shows_its_reason_and_the_steps_it_stopped(tmp_path, monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with RunConsole(tmp_path / "run.log") as console, console.capturing():
        result = console.job(_failing_job).execute_in_process(
            run_config=console.run_config(), raise_on_error=False
        )
    assert not result.success
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"  _fails +\d+\.\d s  FAILED: Cannot open file x: Permission denied", lines[0]), (
        lines
    )
    assert re.fullmatch(r"  _after +- +not run: a step it depends on failed", lines[1]), lines
    assert err.getvalue() == ""  # the CLI prints the failure's reason after the run


def test_verbose_echoes_the_runs_stdout(tmp_path):
    echo = io.StringIO()
    stdout = RunStdout(None, echo)
    stdout.write("1 of 2 START\n1 of 2 OK")
    assert echo.getvalue() == "1 of 2 START\n1 of 2 OK"
    assert strip_ansi("\x1b[32mPASS\x1b[0m") == "PASS"


def test_a_run_without_a_log_file_says_so_and_goes_on(tmp_path, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    blocker = tmp_path / "warehouse.logs"
    blocker.write_text("a file where the folder would be")
    with RunConsole(blocker / "run.log") as console:
        assert console.log_path is None
    assert err.getvalue().startswith(f"warning: no log file for this run ({blocker / 'run.log'}: ")


def test_old_logs_are_pruned(tmp_path):
    folder = tmp_path / "warehouse.logs"
    folder.mkdir()
    for index in range(35):
        old = folder / f"old-{index:02}.log"
        old.write_text("x")
        os.utime(old, (index, index))
    with RunConsole(folder / "new.log"):
        pass
    kept = sorted(p.name for p in folder.glob("*.log"))
    assert len(kept) == 30 and "new.log" in kept and "old-00.log" not in kept


# --- `python -m orchestration.cli run` on the demo data, output not a terminal --------------


@dataclass
class CliRun:
    status: int
    stdout: str
    stderr: str


@dataclass
class DemoCli:
    landing: Path
    warehouse: Path
    plain: CliRun  # `run` on a fresh warehouse
    verbose: CliRun  # `run -v` after it (nothing new to load; dbt builds everything again)


def _cli(args: list[str], env: dict[str, str]) -> CliRun:
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return CliRun(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def demo_cli(demo_warehouse, tmp_path_factory) -> DemoCli:
    root = tmp_path_factory.mktemp("console")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    shutil.copytree(demo_warehouse.landing, landing)
    env = {**os.environ, **warehouse_environment(root, landing)}
    env.pop("DBT_USE_COLORS", None)
    plain = _cli(["run"], env)
    verbose = _cli(["run", "-v"], env)
    return DemoCli(landing, warehouse, plain, verbose)


@pytest.mark.slow
def test_run_not_in_a_terminal_fits_on_a_screen_or_two_and_ends_with_the_summary(demo_cli):
    run = demo_cli.plain
    output = run.stdout + run.stderr
    assert run.status == 0, output[-3000:]
    lines = output.splitlines()
    assert len(lines) <= MAX_LINES, output
    assert "\x1b" not in output and "\r" not in output, output
    assert not DBT_NODE_LINE.search(output), "dbt's lines belong in the log file"
    # One line per step, then the summary; it ends with the headline KPIs.
    assert re.search(
        r"^  dbt build +\d+\.\d s  \d+ assets materialized; \d+ checks passed$", run.stdout, re.M
    )
    # The ingestion step also evaluates its table's source freshness check.
    user_line = r"^  raw/salesforce_user +\d+\.\d s  1 new file: 1 loaded, 47 rows; 1 check passed$"
    assert re.search(user_line, run.stdout, re.M)
    out = run.stdout.rstrip("\n").splitlines()
    headline = next(i for i, line in enumerate(out) if line.startswith("Headline KPIs"))
    assert len(out) - headline <= 15 and all(line.startswith("  ") for line in out[headline + 1 :]), out


@pytest.mark.slow
def test_the_log_file_the_summary_names_holds_every_dbt_line(demo_cli):
    found = LOG_LINE.search(demo_cli.plain.stdout)
    assert found, demo_cli.plain.stdout
    log = Path(found["path"])
    assert log.parent == run_log_dir(demo_cli.warehouse) and log.exists()
    text = log.read_text()
    assert len(DBT_NODE_LINE.findall(text.replace(" - stdout - ", "\n"))) > 300
    assert "STEP_START" in text and "A dbt subsetted execution" in text
    assert "\x1b" not in text


@pytest.mark.slow
def test_every_landed_file_has_its_line_in_the_summary(demo_cli):
    landed = sorted(
        str(p.relative_to(demo_cli.landing)) for p in demo_cli.landing.rglob("*") if DATA_FILE.search(p.name)
    )
    out = demo_cli.plain.stdout.splitlines()
    start = next(i for i, line in enumerate(out) if line.startswith("Landed files of this run:"))
    assert out[start].startswith(f"Landed files of this run: {len(landed)} ({len(landed)} loaded)")
    listing = out[start + 1 : start + 1 + len(landed)]
    for path in landed:
        assert _line_of(listing, path).split()[0] == "loaded", path


@pytest.mark.slow
def test_verbose_gives_the_full_stream(demo_cli):
    run = demo_cli.verbose
    assert run.status == 0, (run.stdout + run.stderr)[-3000:]
    assert len(DBT_NODE_LINE.findall(run.stdout)) > 300
    assert "STEP_START" not in run.stderr and "raw__salesforce_user - " in run.stderr  # Dagster at INFO
    landed = [p for p in demo_cli.landing.rglob("*") if DATA_FILE.search(p.name)]
    assert f"Landed files of this run: none new; {len(landed)} loaded by earlier runs" in run.stdout
    assert LOG_LINE.search(run.stdout)

"""Bad settings fail fast: every `SALES_*` setting and path is checked before any work, each
problem one `configuration error: VARIABLE=value: why` line on stderr, exit status 2 within
seconds (no demo data, no dbt parse, no Dagster run, so no retries)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from orchestration_helpers import USER_ROLES_CSV, definitions_for, write_file

from orchestration import config
from orchestration.settings import ConfigurationError, Purpose, check_settings

# The check runs before dbt parse (~5 s) and Dagster: a bad setting is reported in about a second.
FAST_SECONDS = 20


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Good settings, every path in a temporary folder, a landing folder with one file."""
    write_file(tmp_path / "landing", "salesforce/UserRole/roles.csv", USER_ROLES_CSV)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SALES_")}
    return {
        **inherited,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "SALES_LANDING_DIR": str(tmp_path / "landing"),
        "SALES_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
        "SALES_SERVING_PATH": str(tmp_path / "serving" / "warehouse.duckdb"),
        "SALES_QUALITY_DIR": str(tmp_path / "quality"),
    }


@pytest.fixture
def unwritable_folder(tmp_path) -> Iterator[Path]:
    """A folder no file can be created in. Root writes through permission bits, so as root: a
    kernel folder nobody can create files in."""
    if os.geteuid() == 0:
        folder = Path("/proc/sys")
        if not folder.is_dir():
            pytest.skip("needs /proc/sys when running as root")
        yield folder
        return
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def _cli(command: str, env: dict[str, str]) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", command],
        cwd=config.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stderr, time.monotonic() - started


def _assert_fails_fast(command: str, env: dict[str, str], *expected: str) -> str:
    status, stderr, seconds = _cli(command, env)
    assert status == 2, stderr
    assert seconds < FAST_SECONDS, (seconds, stderr)
    lines = stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("configuration error: ")]
    assert errors, stderr
    for text in expected:
        assert any(text in line for line in errors), (text, stderr)
    assert "Traceback" not in stderr and "Exceeded max_retries" not in stderr, stderr
    # Nothing started: no Dagster instance, no warehouse, no published file.
    assert not (Path(env["DAGSTER_HOME"]) / "dagster.yaml").exists()
    assert not Path(env["SALES_WAREHOUSE_PATH"]).exists()
    assert not Path(env["SALES_SERVING_PATH"]).exists()
    return stderr


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("SALES_REJECT_THRESHOLD", "abc", "not a number between 0 and 1"),
        ("SALES_REJECT_THRESHOLD", "1.5", "not a number between 0 and 1"),
        ("SALES_SENSOR_INTERVAL_SECONDS", "abc", "not a whole number of seconds, 1 or more"),
        ("SALES_SENSOR_INTERVAL_SECONDS", "0", "not a whole number of seconds, 1 or more"),
        ("SALES_DAILY_CRON", "every day", "not a 5-field cron expression (e.g. '0 6 * * *')"),
        ("SALES_SCHEDULE_TIMEZONE", "Paris", "not an IANA time zone (e.g. 'Europe/Paris')"),
        ("SALES_QUALITY_RECORD_THRESHOLD", "1%", "not a number between 0 and 1"),
        ("SALES_QUALITY_KEEP_RUNS", "0", "not a whole number, 1 or more"),
    ],
)
def test_a_bad_value_is_one_clear_line_naming_the_variable(env, variable, value, reason):
    stderr = _assert_fails_fast("daily", {**env, variable: value}, f"{variable}={value}: {reason}")
    assert stderr.strip() == f"configuration error: {variable}={value}: {reason}"


@pytest.mark.parametrize("command", ["daily", "run"])
def test_a_warehouse_path_whose_parent_is_a_file(env, tmp_path, command):
    (tmp_path / "a_file").write_text("not a folder")
    warehouse = tmp_path / "a_file" / "warehouse.duckdb"
    reason = f"cannot create folder {tmp_path / 'a_file'} (a file is in the way)"
    _assert_fails_fast(
        command,
        {**env, "SALES_WAREHOUSE_PATH": str(warehouse)},
        f"SALES_WAREHOUSE_PATH={warehouse}: {reason}",
    )


def test_an_unwritable_warehouse_path(env, unwritable_folder):
    warehouse = unwritable_folder / "warehouse.duckdb"
    _assert_fails_fast(
        "daily",
        {**env, "SALES_WAREHOUSE_PATH": str(warehouse)},
        f"SALES_WAREHOUSE_PATH={warehouse}: folder {unwritable_folder} is not writable",
    )


def test_unwritable_serving_and_quality_folders_and_dagster_home(env, tmp_path, unwritable_folder):
    (tmp_path / "a_file").write_text("not a folder")
    stderr = _assert_fails_fast(
        "daily",
        {
            **env,
            "SALES_SERVING_PATH": str(unwritable_folder / "serving" / "warehouse.duckdb"),
            "SALES_QUALITY_DIR": str(unwritable_folder / "quality"),
        },
        f"SALES_SERVING_PATH={unwritable_folder / 'serving' / 'warehouse.duckdb'}: cannot create folder",
        f"SALES_QUALITY_DIR={unwritable_folder / 'quality'}: cannot create folder",
    )
    assert f"{unwritable_folder} is not writable" in stderr
    _assert_fails_fast(
        "ui", {**env, "DAGSTER_HOME": str(tmp_path / "a_file")}, "DAGSTER_HOME=", "(a file is in the way)"
    )


def test_every_problem_is_reported_at_once(env, tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    stderr = _assert_fails_fast(
        "run",
        {
            **env,
            "SALES_REJECT_THRESHOLD": "abc",
            "SALES_SENSOR_INTERVAL_SECONDS": "abc",
            "SALES_WAREHOUSE_PATH": str(tmp_path / "a_file" / "warehouse.duckdb"),
            "SALES_LANDING_DIR": str(tmp_path / "nowhere"),
        },
        "SALES_REJECT_THRESHOLD=abc",
        "SALES_SENSOR_INTERVAL_SECONDS=abc",
        "SALES_WAREHOUSE_PATH=",
        "SALES_LANDING_DIR=",
    )
    assert len(stderr.strip().splitlines()) == 4


@pytest.mark.parametrize("command", ["daily", "run", "ui"])
def test_a_missing_landing_folder_is_an_error_and_builds_no_empty_warehouse(env, tmp_path, command):
    landing = tmp_path / "no_such_landing"
    _assert_fails_fast(
        command,
        {**env, "SALES_LANDING_DIR": str(landing)},
        f"SALES_LANDING_DIR={landing}: folder does not exist",
    )
    assert not landing.exists()  # no demo data outside the default folder


def test_an_empty_landing_folder_outside_the_demo_path_is_an_error_for_run(env, tmp_path):
    landing = tmp_path / "empty_landing"
    write_file(landing, "notes.txt", "not a data file")
    _assert_fails_fast(
        "run",
        {**env, "SALES_LANDING_DIR": str(landing)},
        f"SALES_LANDING_DIR={landing}: no data files",
        "demo data is generated only into the default folder",
    )
    assert [p.name for p in landing.iterdir()] == ["notes.txt"]


def test_daily_on_an_empty_landing_folder_with_a_warehouse_that_never_loaded_anything(env, tmp_path):
    landing = tmp_path / "empty_landing"
    landing.mkdir()
    _assert_fails_fast(
        "daily",
        {**env, "SALES_LANDING_DIR": str(landing)},
        f"SALES_LANDING_DIR={landing}: no data files",
        "has never loaded any (raw.load_manifest is empty or absent): nothing to build",
    )


def _set_env(monkeypatch, env: dict[str, str]) -> None:
    for name in [n for n in os.environ if n.startswith("SALES_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("SALES_") or name == "DAGSTER_HOME":
            monkeypatch.setenv(name, value)


def test_daily_on_an_empty_landing_folder_only_warns_once_the_warehouse_has_loaded_files(
    env, tmp_path, monkeypatch
):
    landing = tmp_path / "empty_landing"
    landing.mkdir()
    _set_env(monkeypatch, {**env, "SALES_LANDING_DIR": str(landing)})
    assert check_settings(Purpose.DAILY).errors != []  # no warehouse yet
    with duckdb.connect(env["SALES_WAREHOUSE_PATH"]) as con:
        con.execute("create schema raw; create table raw.load_manifest (source_file varchar)")
    assert check_settings(Purpose.DAILY).errors != []  # created, but nothing loaded
    with duckdb.connect(env["SALES_WAREHOUSE_PATH"]) as con:
        con.execute("insert into raw.load_manifest values ('salesforce/User/users.csv')")
    check = check_settings(Purpose.DAILY)
    assert check.errors == []
    (warning,) = check.warnings
    assert warning.startswith(f"SALES_LANDING_DIR={landing}: no data files")
    assert check.lines() == [f"configuration warning: {warning}"]


def test_run_generates_demo_data_only_into_the_default_landing_folder(env, tmp_path, monkeypatch):
    _set_env(monkeypatch, env)
    monkeypatch.delenv("SALES_LANDING_DIR")
    monkeypatch.setattr(config, "DEFAULT_LANDING_DIR", tmp_path / "default_landing")
    assert check_settings(Purpose.RUN).lines() == []  # missing: `run` generates demo data there
    assert check_settings(Purpose.DAILY).errors == [
        f"SALES_LANDING_DIR={tmp_path / 'default_landing'} (default): folder does not exist"
    ]
    # The UI on a fresh clone: a warning (the sensor waits for files), not an error.
    assert check_settings(Purpose.UI).errors == []


def test_good_settings_pass_and_create_nothing(env, tmp_path, monkeypatch):
    _set_env(monkeypatch, env)
    before = sorted(p.name for p in tmp_path.iterdir())
    for purpose in Purpose:
        assert check_settings(purpose).lines() == [], purpose
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_definitions_refuse_bad_settings_with_the_same_lines(tmp_path, monkeypatch):
    (tmp_path / "a_file").write_text("not a folder")
    monkeypatch.setenv("SALES_REJECT_THRESHOLD", "abc")
    monkeypatch.setenv("SALES_SERVING_PATH", str(tmp_path / "a_file" / "serving.duckdb"))
    with pytest.raises(ConfigurationError) as raised:
        definitions_for(monkeypatch, tmp_path / "landing", tmp_path / "warehouse.duckdb")
    assert str(raised.value).splitlines() == [
        "configuration error: SALES_REJECT_THRESHOLD=abc: not a number between 0 and 1",
        f"configuration error: SALES_SERVING_PATH={tmp_path / 'a_file' / 'serving.duckdb'}: "
        f"cannot create folder {tmp_path / 'a_file'} (a file is in the way)",
    ]

"""`make ui` (`python -m orchestration.cli ui`, which becomes `dg dev`) serves the UI on
127.0.0.1 with one code location named `sales_warehouse` (pyproject.toml), lists the asset graph,
jobs, schedule and sensors through GraphQL, prints no deprecation or dg warning, and stops
cleanly on SIGTERM within 20 s, leaving no process behind.

Started from a script, `dg dev` (like `dagster dev`) ignores SIGTERM/SIGINT unless SIGINT is
reset to its default first (`env --default-signal=INT`): see ../shared/notes/stack.md.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from orchestration import config

pytestmark = pytest.mark.slow

HOST = "127.0.0.1"
ASSETS_QUERY = "{ assetNodes { assetKey { path } groupName } }"
LOCATIONS_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }
"""
# What `dagster dev` printed (SupersessionWarning: ... Use 'dg dev' instead.) and dg's own
# warnings (each ends with how to suppress it).
WARNING_MARKERS = ("superseded", "supersession", "deprecat", "suppress_warnings", "does not match")
REPOSITORY_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection {
    nodes { jobs { name } schedules { name } sensors { name } } } } }
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _session_processes(session_id: int) -> list[int]:
    """Processes of a session (the `dagster dev` started in its own session and its children)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (command)": state, ppid, pgrp, session
        if fields[0] != "Z" and int(fields[3]) == session_id:
            members.append(int(entry.name))
    return members


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def _wait_for(probe, timeout: float, what: str, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"dg dev exited: {log.read_text()[-3000:]}"
        try:
            value = probe()
            if value:
                return value
        except (OSError, urllib.error.URLError, KeyError, TypeError):
            pass
        time.sleep(1)
    raise AssertionError(f"{what} not within {timeout} s: {log.read_text()[-3000:]}")


def test_dagster_dev_serves_the_asset_graph_on_localhost_and_stops_cleanly(tmp_path):
    port = _free_port()
    log = tmp_path / "dagster_dev.log"
    (tmp_path / "landing").mkdir()  # `ui` refuses a landing folder that does not exist
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "SALES_LANDING_DIR": str(tmp_path / "landing"),
        "SALES_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
    }
    command = [
        "env",
        "--default-signal=INT",
        sys.executable,
        "-m",
        "orchestration.cli",
        "ui",
        "--port",
        str(port),
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=config.PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(lambda: _get(f"http://{HOST}:{port}/") == 200, 240, "the UI", process, log)

        def asset_groups() -> dict[str, str]:
            nodes = _graphql(port, ASSETS_QUERY)["assetNodes"]
            return {"/".join(node["assetKey"]["path"]): node["groupName"] for node in nodes}

        groups = _wait_for(asset_groups, 120, "the asset graph", process, log)
        locations = _graphql(port, LOCATIONS_QUERY)["workspaceOrError"]["locationEntries"]
        assert [(loc["name"], loc["loadStatus"]) for loc in locations] == [("sales_warehouse", "LOADED")]
        assert groups["landing/salesforce_opportunity"] == "landing"
        assert groups["raw/salesforce_opportunity"] == "raw"
        assert groups["staging/stg_salesforce__opportunities"] == "staging"
        assert groups["marts/fct_opportunities"] == "facts"
        assert groups["marts/kpi_revenue"] == "kpi"
        (repository,) = _graphql(port, REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
        assert {"full_refresh", "daily"} <= {job["name"] for job in repository["jobs"]}
        assert [s["name"] for s in repository["schedules"]] == ["daily_schedule"]
        assert {s["name"] for s in repository["sensors"]} == {"landing_sensor", "report_failed_runs"}
        # The instance got the template dagster.yaml (the writer pool's limit).
        assert "default_limit: 1" in (tmp_path / "dagster_home" / "dagster.yaml").read_text()

        assert len(_session_processes(process.pid)) > 1  # webserver, daemon, code server...
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        stopped_in = time.monotonic() - stopping
        assert stopped_in < 20
        deadline = time.monotonic() + 5
        while _session_processes(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _session_processes(process.pid) == [], "dg dev left processes behind"
        output = log.read_text()
        warnings = [line for line in output.splitlines() if any(m in line.lower() for m in WARNING_MARKERS)]
        assert warnings == [], output[-3000:]
    finally:
        if process.poll() is None or _session_processes(process.pid):
            os.killpg(process.pid, signal.SIGKILL)  # only the session this test started
            process.wait(timeout=30)

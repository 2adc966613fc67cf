"""Lands bad-input corpus cases on top of a clean, already loaded warehouse, in one run.

A case is a folder under `corpus/cases/<id>/` laid out like a landing folder; `corpus/cases.yaml`
documents what must happen to it. A run of cases: the clean landing folder is linked (same
paths, same modification times, so the loader sees nothing new), the clean warehouse copied,
the cases' files written after them (case by case, in path order, one minute apart: the landing
order) with `{{user}}` / `{{account}}` replaced by a known User / Account Id of the clean data,
plus a companion file of two good activity rows; then every object is loaded once, as the
ingestion assets load it, and dbt rebuilds the staging tables. Cases share a run (their files
and Ids never collide), which also shows that one bad file never keeps the others of its run
from loading.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration import config
from orchestration.ingestion.contract import OBJECTS, ExtractObject
from orchestration.ingestion.loader import LoadSummary, load_object, load_unknown_folders

CORPUS = Path(__file__).parent / "corpus"
CASES_DIR = CORPUS / "cases"
COMPANION = "activity/activities/zz_companion.csv"
COMPANION_ROWS = 2
DEFAULT_THRESHOLD = 0.01
STAGING_SELECTOR = "path:models/staging"  # dbt selector of the staging models


def dbt_build_models(warehouse: Path, workdir: Path, select: str | None = None) -> None:
    """`dbt build --full-refresh` of seeds and models (no tests; only `select` when given) into
    `warehouse`, with its own target folder. A full refresh: the tests plant defects by editing raw
    rows in place, which the incremental models (staging included) would not see as new."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "build", "--full-refresh", "--quiet",
        "--exclude", "resource_type:test", "resource_type:unit_test",
        "--project-dir", str(config.PROJECT_ROOT), "--profiles-dir", str(config.PROJECT_ROOT / "profiles"),
        "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
        *(["--select", select] if select else []),
    ]  # fmt: skip
    env = {**os.environ, "SALES_WAREHOUSE_PATH": str(warehouse)}
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def load_cases() -> list[dict[str, Any]]:
    return yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))["cases"]


@dataclass
class Base:
    """The clean landing folder and the warehouse loaded (and dbt-built) from it."""

    landing: Path
    warehouse: Path
    placeholders: dict[str, str] = field(default_factory=dict)


@dataclass
class CaseRun:
    cases: list[dict[str, Any]]
    landing: Path
    warehouse: Path
    case_files: list[str]  # landing-relative paths written for the case
    summaries: list[LoadSummary]
    rows_before: dict[str, int]
    rows_after: dict[str, int]

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def manifest(self, source_file: str) -> dict[str, Any] | None:
        rows = self.query(
            "select status, records_read, rows_loaded, rows_rejected, reason from raw.load_manifest "
            "where source_file = ?",
            [source_file],
        )
        if not rows:
            return None
        status, read, loaded, rejected, reason = rows[-1]
        return {
            "status": status,
            "records_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "reason": reason,
        }

    def rejects(self, source_file: str) -> list[tuple]:
        return self.query(
            "select line, column_name, reason from raw.load_rejects "
            "where source_file = ? order by line, column_name",
            [source_file],
        )

    def ignored(self) -> list[str]:
        return [name for summary in self.summaries for name in summary.ignored_files]


def placeholders(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        user = con.execute("select min(id) from raw.salesforce_user where is_active").fetchall()[0][0]
        account = con.execute(
            "select min(id) from raw.salesforce_account where not coalesce(is_deleted, false)"
        ).fetchall()[0][0]
    return {"{{user}}": user, "{{account}}": account}


def raw_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            obj.raw_table: con.execute(f"select count(*) from raw.{obj.raw_table}").fetchall()[0][0]
            for obj in OBJECTS
        }


def _link_tree(source: Path, target: Path) -> None:
    """The clean landing folder under a new root: hard links keep content and modification times."""
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


def _fill(data: bytes, values: dict[str, str]) -> bytes:
    for key, value in values.items():
        data = data.replace(key.encode(), value.encode())
    return data


def _companion(values: dict[str, str], case_id: str) -> bytes:
    rows = [
        f"CMP_{case_id}_{n},{values['{{user}}']},Call,2026-09-29T1{n}:00:00Z,25,,companion"
        for n in range(1, COMPANION_ROWS + 1)
    ]
    return (
        "activity_id,rep_id,activity_type,started_at,duration_minutes,ended_at,source_system\n"
        + "\n".join(rows)
        + "\n"
    ).encode()


def case_files(base: Base, case: dict[str, Any]) -> list[tuple[str, bytes]]:
    """(landing-relative path, bytes) of the files a case lands."""
    written: list[tuple[str, bytes]] = []
    case_dir = CASES_DIR / case["id"]
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        written.append((str(path.relative_to(case_dir)), _fill(path.read_bytes(), base.placeholders)))
    if "reland" in case:  # a byte-identical copy of a file of the clean landing, under a new name
        original = next(p for p in sorted((base.landing / case["reland"]).iterdir()) if p.is_file())
        suffix = "".join(original.suffixes)
        written.append((f"{case['reland']}/relanded_copy{suffix}", original.read_bytes()))
    return written


def prepare(base: Base, cases: list[dict[str, Any]], workdir: Path) -> tuple[Path, Path, list[str]]:
    landing, warehouse = workdir / "landing", workdir / "db" / base.warehouse.name
    _link_tree(base.landing, landing)
    warehouse.parent.mkdir(parents=True)
    shutil.copy2(base.warehouse, warehouse)
    clock = max(p.stat().st_mtime for p in base.landing.rglob("*") if p.is_file()) + 60
    written = [item for case in cases for item in case_files(base, case)]
    written.append((COMPANION, _companion(base.placeholders, "run")))
    for relative, data in written:
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        clock += 60
        os.utime(target, (clock, clock))
    return landing, warehouse, [relative for relative, _ in written if relative != COMPANION]


def ingest(landing: Path, warehouse: Path, threshold: float) -> list[LoadSummary]:
    """What the ingestion assets do: every object's new files, then what lies outside them."""
    con = duckdb.connect(str(warehouse))
    try:
        summaries = [load_object(con, landing, obj, threshold) for obj in OBJECTS]
        summaries.append(load_unknown_folders(con, landing))
    finally:
        con.close()
    return summaries


def run_cases(base: Base, cases: list[dict[str, Any]], threshold: float, workdir: Path) -> CaseRun:
    landing, warehouse, files = prepare(base, cases, workdir)
    before = raw_counts(warehouse)
    summaries = ingest(landing, warehouse, threshold)
    dbt_build_models(warehouse, workdir, select=STAGING_SELECTOR)  # as the job does before the staging checks
    return CaseRun(cases, landing, warehouse, files, summaries, before, raw_counts(warehouse))


def object_of(relative: str) -> ExtractObject | None:
    from orchestration.ingestion.contract import object_for_folder

    parts = relative.split("/")
    return object_for_folder(parts[0], parts[1]) if len(parts) >= 3 else None

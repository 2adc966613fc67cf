"""Helpers shared by the orchestration tests: tiny landing files and definitions bound to a
temporary landing folder and warehouse."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

USER_ROLES_CSV = "Id,Name,ParentRoleId\nR1,Sales,\nR2,Sales EMEA,R1\n"


def write_file(landing: Path, relative: str, text: str, age_seconds: float | None = None) -> Path:
    """Land a file; `age_seconds` back-dates its modification time (a file landed a while ago)."""
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if age_seconds is not None:
        stamp = time.time() - age_seconds
        os.utime(path, (stamp, stamp))
    return path


def definitions_for(monkeypatch: pytest.MonkeyPatch, landing: Path, warehouse: Path) -> dg.Definitions:
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE_PATH", str(warehouse))
    from orchestration.definitions import build_definitions

    return build_definitions()

"""Shared test set-up: the dbt manifest must exist before the Dagster definitions are imported."""

from __future__ import annotations

from orchestration.transformation.project import dbt_project


def pytest_sessionstart(session) -> None:
    if not dbt_project().manifest_path.exists():
        from orchestration.cli import prepare_manifest

        prepare_manifest()

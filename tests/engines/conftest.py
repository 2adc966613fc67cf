"""A real PostgreSQL server for the engine tests: a fresh cluster on a free loopback port for
the session (orchestration/engines/local_postgres.py), stopped at the end even when tests fail.
`postgres_database` gives a test an empty database of its own on it."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from orchestration.engines.local_postgres import create_database, drop_database, local_postgres
from orchestration.engines.targets import PostgresSettings


@pytest.fixture(scope="session")
def postgres_server() -> PostgresSettings:
    with local_postgres() as server:
        yield server


@pytest.fixture
def postgres_database(postgres_server) -> PostgresSettings:
    """An empty database of this test's own on the session's server, dropped after."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    create_database(postgres_server, name)
    try:
        yield dataclasses.replace(postgres_server, dbname=name)
    finally:
        drop_database(postgres_server, name)

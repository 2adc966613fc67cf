"""A real PostgreSQL server for the engine tests: a fresh cluster on a free loopback port for
the session (orchestration/engines/local_postgres.py), stopped at the end even when tests fail."""

from __future__ import annotations

import pytest

from orchestration.engines.local_postgres import local_postgres
from orchestration.engines.targets import PostgresSettings


@pytest.fixture(scope="session")
def postgres_server() -> PostgresSettings:
    with local_postgres() as server:
        yield server

"""The throwaway PostgreSQL server stops, and its folder goes, even when the test inside fails."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest

from orchestration.engines.local_postgres import local_postgres


class Boom(Exception):
    pass


@pytest.mark.slow
def test_server_stops_and_cluster_is_deleted_when_the_block_fails():
    with pytest.raises(Boom), local_postgres() as server:
        connection = server.connect()
        with connection.cursor() as cursor:
            cursor.execute("select current_setting('TimeZone'), current_setting('lc_collate')")
            assert cursor.fetchone() == ("UTC", "C")
            cursor.execute("select current_setting('data_directory')")
            cluster = cursor.fetchone()[0]
        connection.close()
        raise Boom
    with pytest.raises(psycopg2.OperationalError):
        server.connect()
    assert not Path(cluster).exists()

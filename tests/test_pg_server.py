"""The throwaway PostgreSQL server the centre's tests run against (tests/pg_server.py)."""

from __future__ import annotations

import os

from tests.pg_server import PgServer


def test_the_server_answers_and_is_not_run_by_root(pg_server: PgServer, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        assert version is not None and int(version[0]) >= 150000
        conn.execute("CREATE TABLE probe (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO probe VALUES (1), (2)")
        assert conn.execute("SELECT sum(id) FROM probe").fetchone() == (3,)
    owner = (pg_server.data / "PG_VERSION").stat().st_uid
    assert owner != 0 or os.geteuid() != 0


def test_each_test_gets_an_empty_database(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)

"""The centre's schema on PostgreSQL: made whole on first use, its version marked,
upgraded by PostgreSQL's own steps, refused when newer or older than we can handle,
views a later version adds created (issue 17)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from taskforce_tui.store import pg
from taskforce_tui.store.db import StoreError
from taskforce_tui.store.schema import SCHEMA_VERSION
from taskforce_tui.store.tables import SCHEMA_MARK
from taskforce_tui.sync import reporting


def _mark(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT obj_description('meta'::regclass, 'pg_class')").fetchone()
    return str(row[0]) if row else ""


def test_every_sqlite_migration_past_the_baseline_has_its_postgresql_step() -> None:
    missing = [
        v for v in range(pg.PG_BASELINE + 1, SCHEMA_VERSION + 1) if v not in pg.PG_MIGRATIONS
    ]
    assert not missing, f"schema.py's migrations {missing} have no step in store/pg.py"


def test_a_new_database_gets_the_schema_the_mark_and_the_reference_data(pg_url: str) -> None:
    with pg.PgStore(pg_url) as store:
        assert store.migrated == 0
        comuni = store.conn.execute("SELECT COUNT(*) FROM comune").fetchone()[0]
    assert comuni > 1500
    assert _mark(pg_url) == f"{SCHEMA_MARK}{SCHEMA_VERSION}"


def _a_later_version(url: str, monkeypatch: pytest.MonkeyPatch, *step: str) -> None:
    """A database of this version, opened next by a version whose migration is `step`."""
    pg.PgStore(url).close()
    monkeypatch.setattr(pg, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(pg.PG_MIGRATIONS, SCHEMA_VERSION + 1, step)


def test_a_later_version_upgrades_the_database_with_its_step(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _a_later_version(pg_url, monkeypatch, "ALTER TABLE meta ADD COLUMN prova TEXT")
    with pg.PgStore(pg_url) as store:
        assert store.migrated == 1
        store.conn.execute("SELECT prova FROM meta")
    assert _mark(pg_url) == f"{SCHEMA_MARK}{SCHEMA_VERSION + 1}"


def test_a_failed_step_leaves_the_database_as_it_was(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _a_later_version(
        pg_url,
        monkeypatch,
        "ALTER TABLE meta ADD COLUMN prova TEXT",
        "ALTER TABLE nessuna ADD COLUMN x TEXT",
    )
    with pytest.raises(Exception, match="nessuna"):
        pg.PgStore(pg_url)
    assert _mark(pg_url) == f"{SCHEMA_MARK}{SCHEMA_VERSION}"
    with psycopg.connect(pg_url) as conn:
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'meta'"
            )
        }
    assert "prova" not in columns


@pytest.mark.parametrize(("version", "says"), [(SCHEMA_VERSION + 1, "aggiorna"), (3, "migra")])
def test_a_database_of_another_version_is_refused_untouched(
    pg_url: str, version: int, says: str
) -> None:
    pg.PgStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"COMMENT ON TABLE meta IS '{SCHEMA_MARK}{version}'")
    with pytest.raises(StoreError, match=says) as caught:
        pg.PgStore(pg_url)
    assert "non è stato toccato" in str(caught.value)
    assert _mark(pg_url) == f"{SCHEMA_MARK}{version}"


def test_a_database_holding_other_tables_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE altro (x int)")
    with pytest.raises(StoreError, match="altre tabelle"):
        pg.PgStore(pg_url)


def test_a_view_a_later_version_adds_is_created_on_opening(pg_url: str) -> None:
    pg.PgStore(pg_url).close()
    name = next(iter(reporting.VIEWS))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP VIEW {name}")
    with pg.PgStore(pg_url) as store:
        store.conn.execute(f"SELECT * FROM {name}")


def test_an_empty_host_reads_the_pg_variables(
    pg_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db postgresql:///centrale`: libpq's PGHOST, PGPORT, PGUSER decide the rest."""
    name = pg_server.new_database()
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(pg_server.port))
    monkeypatch.setenv("PGUSER", "postgres")
    with pg.PgStore(f"postgresql:///{name}") as store:
        assert store.conn.execute("SELECT current_database()").fetchone()[0] == name
    monkeypatch.setenv("PGPORT", "1")
    with pytest.raises(StoreError, match="Non riesco a collegarmi"):
        pg.PgStore(f"postgresql:///{name}")

"""Store opening: migrations, refusal of a newer schema, file mode, replica identity."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from taskforce_tui.store.db import Store, StoreError, migrate, schema_version
from taskforce_tui.store.schema import SCHEMA_VERSION, SYNCED_TABLES


def test_migrations_from_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    assert schema_version(conn) == 0
    assert migrate(conn) == SCHEMA_VERSION
    assert schema_version(conn) == SCHEMA_VERSION
    assert migrate(conn) == 0  # idempotent
    conn.close()


def test_new_store_is_seeded_and_configured(store: Store) -> None:
    with store.read() as conn:
        kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM comune GROUP BY 1"))
        assert kinds == {"comune": 1502, "provincia": 11, "citta_metropolitana": 1}
        by_province = dict(
            conn.execute("SELECT province, COUNT(*) FROM comune WHERE kind = 'comune' GROUP BY 1")
        )
        assert by_province["BG"] == 243 and by_province["MB"] == 55
        assert conn.execute("SELECT istat_code FROM comune WHERE name = 'Agra'").fetchone() == (
            "012001",
        )
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0] == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_database_file_is_private(store: Store) -> None:
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600


def test_newer_schema_is_refused_and_file_untouched(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite3"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="Aggiorna l'applicazione"):
        Store(db)
    assert db.read_bytes() == before


def test_open_store_is_reopened_without_migrating(store: Store) -> None:
    path = store.path
    store.close()
    again = Store(path)
    assert again.migrated == 0
    again.close()


def test_replica_id_is_stable_but_changes_when_the_file_is_copied(tmp_path: Path) -> None:
    a = tmp_path / "a" / "taskforce.sqlite3"
    with Store(a) as s:
        first = s.replica_id
    with Store(a) as s:
        assert s.replica_id == first
    copy = tmp_path / "b" / "taskforce.sqlite3"
    copy.parent.mkdir()
    shutil.copy(a, copy)
    with Store(copy) as s:
        assert s.replica_id != first


def test_restored_backup_gets_a_new_replica(tmp_path: Path) -> None:
    db = tmp_path / "taskforce.sqlite3"
    with Store(db) as s:
        s.experts.setup_profile("Anna", "anna@example.it", ["016024"])
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        backup = db.read_bytes()
        first = s.replica_id
        with s.read() as conn:
            last = conn.execute("SELECT last_seq FROM replica WHERE id = ?", (first,)).fetchone()
        s.note_exported(int(last[0]) + 5)  # ops beyond the backup already left the laptop
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(backup)
    with Store(db) as s:
        assert s.replica_id != first


def test_synced_fields_exist_in_the_schema(store: Store) -> None:
    with store.read() as conn:
        for table, (pk, fields) in SYNCED_TABLES.items():
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            assert {pk, *fields} <= columns, table

"""Shared fixtures: a temporary profile, a fixed "today", a demo store."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.domain.dates import TODAY_ENV
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import HOME_ENV
from tests.pg_server import PgServer, find_bin_dir, start_server

#: Every test runs on this date unless it says otherwise.
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch a real profile, and pin today's date."""
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "profile"))
    monkeypatch.setenv(TODAY_ENV, TODAY.isoformat())
    monkeypatch.setenv("TZ", "Europe/Rome")
    if hasattr(time, "tzset"):  # POSIX: make this process see the zone too
        time.tzset()


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def store(profile_dir: Path) -> Iterator[Store]:
    """An empty store (reference data only), no expert."""
    s = Store(profile_dir / "taskforce.sqlite3")
    yield s
    s.close()


@pytest.fixture
def expert_store(store: Store) -> Store:
    """A store with an expert assigned to Bergamo, Treviglio and Seriate."""
    store.experts.setup_profile(
        "Anna Verdi", "anna.verdi@example.it", ["016024", "016219", "016198"]
    )
    return store


_DEMO_CACHE: dict[str, bytes] = {}


@pytest.fixture
def demo_store(profile_dir: Path) -> Iterator[Store]:
    """A store with the demo dataset (built once per session, copied per test)."""
    from taskforce_tui.store import dataset

    db = profile_dir / "taskforce.sqlite3"
    profile_dir.mkdir(parents=True, exist_ok=True)
    if "demo" not in _DEMO_CACHE:
        with Store(db) as s:
            dataset.generate(s, dataset.demo_spec(today=TODAY))
            s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _DEMO_CACHE["demo"] = db.read_bytes()
        for suffix in ("-wal", "-shm", ".replica.json"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    else:
        db.write_bytes(_DEMO_CACHE["demo"])
        os.chmod(db, 0o600)
    s = Store(db)
    yield s
    s.close()


# --- a real PostgreSQL server (tests/pg_server.py) -------------------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway server for the whole session, started on first use."""
    if find_bin_dir() is None:
        pytest.skip(
            "PostgreSQL non trovato: nessun initdb/pg_ctl nel PATH né in /usr/lib/postgresql"
        )
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty database on the session's server."""
    return pg_server.url(pg_server.new_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def centre_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a sync test with the centre on its SQLite file, then on PostgreSQL (issue 17:
    the whole sync suite passes on both). Worlds built during the test use it."""
    from tests import sync_helpers

    if request.param == "postgresql":
        sync_helpers.BACKEND["server"] = request.getfixturevalue("pg_server")
    try:
        yield request.param
    finally:
        sync_helpers.BACKEND["server"] = None

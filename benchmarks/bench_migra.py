"""`centrale migra` at region scale: a centre holding the region dataset (1,502 Comuni,
120 experts, 300,000 practices, 1,000,000 time logs) copied to PostgreSQL and checked.

The centre is a copy of the cached region profile (the shared one is never written)
made a centre as bench_sync does; the server is the throwaway one the tests use
(tests/pg_server.py: initdb as an unprivileged user, fsync off, so the figure is the
copy's and the check's cost, not the disk's). Baseline: reading and hashing the source
alone, the floor of any checked copy.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, region_profile


def _centre(root: Path) -> Path:
    from taskforce_tui.sync.central import Central
    from taskforce_tui.sync.folder import SyncFolder

    db = root / "centrale.sqlite3"
    shutil.copy(region_profile() / "taskforce.sqlite3", db)
    folder = SyncFolder(root / "share")
    folder_id = folder.create()
    with Central(folder, db) as central:
        central.store.set_meta("central_folder_id", folder_id)
        central.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def run() -> list[Result]:
    from tests.pg_server import find_bin_dir, start_server

    if find_bin_dir() is None:
        print("  PostgreSQL non trovato (initdb/pg_ctl): benchmark saltato", flush=True)
        return []
    from taskforce_tui.sync import migrate

    root = Path(tempfile.mkdtemp(prefix="tf-bench-migra-"))
    server = start_server()
    try:
        db = _centre(root)
        started = time.perf_counter()
        with migrate.sqlite_engine(db).connect() as conn:
            floor = migrate.digests(conn)
        floor_s = time.perf_counter() - started
        phases: dict[str, float] = {}

        def progress(label: str, fraction: float) -> None:
            phases.setdefault(label, time.perf_counter())

        started = time.perf_counter()
        report = migrate.migrate(db, server.url(server.new_database()), progress)
        total_s = time.perf_counter() - started
        copy_s = phases["verifica"] - started
        rows = report.rows
        print(
            f"  {rows} righe in {len(report.tables)} tabelle, copia {copy_s:.1f} s "
            f"({rows / copy_s:,.0f} righe/s), verifica {total_s - copy_s:.1f} s, "
            f"conteggi e impronte {'uguali' if report.equal else 'DIVERSI'}",
            flush=True,
        )
        assert report.equal, [t.table for t in report.tables if not t.equal]
        assert {name: d[0] for name, d in floor.items()} == {
            t.table: t.source_rows for t in report.tables
        }
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return [
        Result("centrale migra, regione (copia + verifica)", total_s, "s", floor_s),
        Result("  di cui copia (una transazione)", copy_s, "s"),
    ]

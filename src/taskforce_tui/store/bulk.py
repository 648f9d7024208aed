"""Bulk loads: derived data and indexes built once after the rows, not row by row.

Inside a write transaction, `deferred(conn, tables)` sets aside the tables' insert
triggers that only keep derived data (schema.TRIGGER_CATCHUP: the text index, the
suspension totals) and, with `indexes=True`, their secondary indexes; on the way out it
rebuilds the indexes from the loaded rows (one sort each), does each trigger's work in
one statement for every row inserted meanwhile, and puts the triggers back exactly as
the schema declared them. DDL is transactional in SQLite: if anything fails, the
rollback restores triggers and indexes with everything else.

Measured on an expert's first join (20,386 practices, 8,334 suspensions into an empty
profile): the practice rows took 5.2 s with the text-index trigger and twelve indexes
maintained row by row, against about 0.3 s loaded bare plus 0.2 s for the text index
and a few tens of ms per index built afterwards (docs/performance.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from taskforce_tui.store.schema import TRIGGER_CATCHUP

#: Page cache (KiB) while a bulk load runs.
BULK_CACHE_KIB = 65_536


@contextmanager
def deferred(
    conn: sqlite3.Connection, tables: Iterable[str], *, indexes: bool = True
) -> Iterator[None]:
    """Load `tables` inside the block; triggers' work and indexes are done after it."""
    names = sorted(set(tables))
    if not names:
        yield
        return
    marks = ", ".join("?" for _ in names)
    since = {
        tbl: conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {tbl}").fetchone()[0]
        for tbl in names
    }
    triggers = [
        (name, tbl, sql)
        for name, tbl, sql in conn.execute(
            f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            names,
        )
        if name in TRIGGER_CATCHUP
    ]
    built: list[tuple[str, str]] = []
    if indexes:
        # sql is NULL for the indexes behind PRIMARY KEY and UNIQUE: they stay
        built = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            names,
        ).fetchall()
    for name, _tbl, _sql in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    for name, _sql in built:
        conn.execute(f"DROP INDEX {name}")
    # Each index built reads the whole table and sorts its entries: with the default
    # 2 MB page cache the sorts spill to temporary files (measured: about a third of
    # the time of building the practice indexes of an expert's first import).
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {min(int(cache), -BULK_CACHE_KIB)}")
    try:
        yield
        # before the indexes: the suspension totals update practice rows, cheaper
        # while their indexes are not there (each catch-up reads its table once)
        for name, tbl, sql in triggers:
            conn.execute(TRIGGER_CATCHUP[name], {"since": since[tbl]})
            conn.execute(sql)
        for _name, sql in built:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")

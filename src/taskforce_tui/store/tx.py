"""Write transactions that log every change to synced data in the operation log.

Each op is `{replica, seq, table, pk, field, value, prev, hlc}` as docs/sync.md
describes: `seq` is gap-free per replica (allocated inside the IMMEDIATE
transaction, so a rollback gives the numbers back), `prev` is the version of the
field value the writer saw, `hlc` a hybrid logical clock.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from taskforce_tui.store import jsonio
from taskforce_tui.store.ids import now_utc
from taskforce_tui.store.oplog import CREATED, created_version
from taskforce_tui.store.schema import SYNCED_TABLES, dialect_of


def to_db(value: object) -> object:
    """Python value -> the scalar stored in SQLite (and carried in ops)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return value


def encode(value: object) -> str:
    """An op's value as JSON text (compact, non-ASCII kept): orjson, as the bundles."""
    return jsonio.dumps(value).decode()


@dataclass(slots=True)
class Hlc:
    """Hybrid logical clock: wall milliseconds plus a counter, as a sortable string."""

    wall: int
    counter: int

    def tick(self, now_ms: int | None = None) -> str:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        if now > self.wall:
            self.wall, self.counter = now, 0
        else:
            self.counter += 1
        return self.format(self.wall, self.counter)

    def observe(self, remote: str) -> None:
        """Move past a clock value seen from another replica."""
        wall, counter = self.parse(remote)
        if (wall, counter) > (self.wall, self.counter):
            self.wall, self.counter = wall, counter

    @staticmethod
    def format(wall: int, counter: int) -> str:
        return f"{wall:013d}-{counter:05d}"

    @staticmethod
    def parse(text: str) -> tuple[int, int]:
        wall, counter = text.split("-")
        return int(wall), int(counter)


_NO_DEFAULT = object()
_DEFAULTS: dict[str, dict[str, object]] = {}


def column_defaults(conn: sqlite3.Connection, table: str) -> dict[str, object]:
    """Each column's default value (NULL for nullable columns without one).

    A new record's field that still holds its default is not logged: replaying the
    creation without it gives the same row, and its version is the base version, as
    for any field nobody has written. At 50,000 imported practices this saves a third
    of the op log (deleted = 0, notes = '', no conclusion yet, ...).
    """
    cached = _DEFAULTS.get(table)
    if cached is None:
        cached = {}
        for name, notnull, default in _columns(conn, table):
            if default is None:
                if not notnull:
                    cached[name] = None
            elif default.startswith("'") and default.endswith("'"):
                cached[name] = default[1:-1].replace("''", "'")
            else:
                try:
                    cached[name] = int(default)
                except ValueError:
                    continue
        _DEFAULTS[table] = cached
    return cached


def _columns(conn: sqlite3.Connection, table: str) -> Iterator[tuple[str, bool, str | None]]:
    """(name, NOT NULL, default as SQL text) of each column: SQLite's own account, or
    on PostgreSQL (store/pg.py) the declaration the schema was made from."""
    if dialect_of(conn) == "postgresql":
        from taskforce_tui.store.tables import metadata

        for column in metadata.tables[table].columns:
            default = column.server_default
            text = str(getattr(default, "arg", "")) if default is not None else None
            yield column.name, not column.nullable, text
        return
    for _, name, _, notnull, default, _ in conn.execute(f"PRAGMA table_info({table})"):
        yield name, bool(notnull), default


def is_default(defaults: dict[str, object], name: str, value: object) -> bool:
    default = defaults.get(name, _NO_DEFAULT)
    return default is not _NO_DEFAULT and type(value) is type(default) and value == default


class Tx:
    """A change set being written; use through `Store.write()`."""

    def __init__(self, conn: sqlite3.Connection, replica: str, author: str | None) -> None:
        self.conn = conn
        self.replica = replica
        self.author = author
        row = conn.execute(
            "SELECT last_seq, hlc_wall, hlc_counter FROM replica WHERE id = ?", (replica,)
        ).fetchone()
        self.seq = int(row[0])
        self.clock = Hlc(int(row[1]), int(row[2]))
        self.stamp = now_utc()
        self.ops = 0

    # --- generic record operations -------------------------------------------------------
    def insert(self, table: str, values: Mapping[str, object]) -> str:
        """Insert a record (values keyed by column, pk included) and log every field that
        does not hold its column default."""
        pk_name, fields = SYNCED_TABLES[table]
        row = {k: to_db(v) for k, v in values.items()}
        row.setdefault("deleted", 0)
        unknown = set(row) - {pk_name, *fields}
        if unknown:
            raise ValueError(f"unknown columns for {table}: {sorted(unknown)}")
        pk = str(row[pk_name])
        columns = [pk_name, *row.keys() - {pk_name}, "created_at", "updated_at"]
        params = [row[c] for c in columns[:-2]] + [self.stamp, self.stamp]
        self.conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            params,
        )
        defaults = column_defaults(self.conn, table)
        for name in fields:
            if name in row and not is_default(defaults, name, row[name]):
                self._log(table, pk, name, row[name], fresh=True)
        return pk

    def update(self, table: str, pk: str, changes: Mapping[str, object]) -> dict[str, object]:
        """Set the fields that really change; log one op each. Returns what changed."""
        pk_name, fields = SYNCED_TABLES[table]
        unknown = set(changes) - set(fields)
        if unknown:
            raise ValueError(f"unknown fields for {table}: {sorted(unknown)}")
        names = list(changes)
        if not names:
            return {}
        current = self.conn.execute(
            f"SELECT {', '.join(names)} FROM {table} WHERE {pk_name} = ?", (pk,)
        ).fetchone()
        if current is None:
            raise KeyError(f"{table} {pk} not found")
        changed = {
            name: to_db(changes[name])
            for name, old in zip(names, current, strict=True)
            if to_db(changes[name]) != old
        }
        if not changed:
            return {}
        assignments = ", ".join(f"{name} = ?" for name in changed)
        self.conn.execute(
            f"UPDATE {table} SET {assignments}, updated_at = ? WHERE {pk_name} = ?",
            [*changed.values(), self.stamp, pk],
        )
        before = dict(zip(names, current, strict=True))
        for name, value in changed.items():
            self._log(table, pk, name, value, before=(before[name],))
        return changed

    def delete(self, table: str, pk: str) -> bool:
        """Tombstone a record (a versioned `deleted` field, never a hard delete)."""
        return bool(self.update(table, pk, {"deleted": 1}))

    def insert_many(self, table: str, rows: Iterable[Mapping[str, object]]) -> int:
        """Insert many new records (bulk paths such as the spreadsheet import), written
        with `executemany`. Each record's ops (the same as `insert` would log, with the
        same sequence numbers and clocks) are stored as ONE op-log row and no
        field_version rows: see store/oplog.py. At 50,000 practices that is 60,000 rows
        instead of 535,000 op rows and as many field versions."""
        pk_name, fields = SYNCED_TABLES[table]
        allowed = {pk_name, *fields}
        batch: list[list[object]] = []
        layout: tuple[str, ...] | None = None
        ops: list[tuple[object, ...]] = []
        count = 0
        clock, replica, author, stamp = self.clock, self.replica, self.author, self.stamp
        defaults = column_defaults(self.conn, table)

        def flush_rows() -> None:
            if batch and layout is not None:
                self.conn.executemany(
                    f"INSERT INTO {table} ({', '.join(layout)}, created_at, updated_at) "
                    f"VALUES ({', '.join('?' for _ in range(len(layout) + 2))})",
                    batch,
                )
                batch.clear()

        logged = [(name, defaults.get(name, _NO_DEFAULT)) for name in fields]
        for values in rows:
            # to_db and is_default inlined: this loop runs once per field of every
            # record of a bulk import (about 550,000 times for 50,000 practices).
            row: dict[str, object] = {}
            for key, value in values.items():
                kind = type(value)
                row[key] = value if kind is str or kind is int or value is None else to_db(value)
            row.setdefault("deleted", 0)
            unknown = row.keys() - allowed
            if unknown:
                raise ValueError(f"unknown columns for {table}: {sorted(unknown)}")
            columns = (pk_name, *sorted(row.keys() - {pk_name}))
            if columns != layout:
                flush_rows()
                layout = columns
            batch.append([row[c] for c in columns] + [self.stamp, self.stamp])
            created: dict[str, object] = {}
            for name, default in logged:
                if name not in row:
                    continue
                value = row[name]
                if default is not _NO_DEFAULT and type(value) is type(default) and value == default:
                    continue
                created[name] = value
            count += 1
            if not created:
                continue
            # One tick for the first op; the record's other ops take the next counters.
            now = int(time.time() * 1000)
            if now > clock.wall:
                clock.wall, clock.counter = now, 0
            else:
                clock.counter += 1
            hlc = f"{clock.wall:013d}-{clock.counter:05d}"
            clock.counter += len(created) - 1
            self.seq += len(created)
            self.ops += len(created)
            pk = str(row[pk_name])
            ops.append((replica, self.seq, table, pk, CREATED, encode(created), hlc, author, stamp))
        flush_rows()
        self.conn.executemany(
            "INSERT INTO oplog(replica, seq, tbl, pk, field, value, prev_replica, prev_seq, "
            "hlc, author, at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
            ops,
        )
        return count

    # --- the log ---------------------------------------------------------------------------
    def _log(
        self,
        table: str,
        pk: str,
        field: str,
        value: object,
        *,
        fresh: bool = False,
        before: tuple[object] | None = None,
    ) -> None:
        """One op; `before` holds the value it replaces (an edit), kept in op_before."""
        self.seq += 1
        hlc = self.clock.tick()
        # A record created in this very insert has no earlier version to look up.
        prev = None
        if not fresh:
            prev = self.conn.execute(
                "SELECT replica, seq FROM field_version WHERE tbl = ? AND pk = ? AND field = ?",
                (table, pk, field),
            ).fetchone() or created_version(self.conn, table, pk, field)
        self.conn.execute(
            "INSERT INTO oplog(replica, seq, tbl, pk, field, value, prev_replica, prev_seq, "
            "hlc, author, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.replica,
                self.seq,
                table,
                pk,
                field,
                encode(value),
                prev[0] if prev else None,
                prev[1] if prev else None,
                hlc,
                self.author,
                self.stamp,
            ),
        )
        self.conn.execute(
            "INSERT INTO field_version(tbl, pk, field, replica, seq, hlc) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, pk, field) DO UPDATE SET "
            "replica = excluded.replica, seq = excluded.seq, hlc = excluded.hlc",
            (table, pk, field, self.replica, self.seq, hlc),
        )
        if before is not None:
            self.conn.execute(
                "INSERT INTO op_before(replica, seq, value) VALUES (?, ?, ?) "
                "ON CONFLICT(replica, seq) DO UPDATE SET value = excluded.value",
                (self.replica, self.seq, encode(before[0])),
            )
        self.ops += 1

    def flush(self) -> None:
        """Persist the replica's counters (called before COMMIT)."""
        if self.ops:
            self.conn.execute(
                "UPDATE replica SET last_seq = ?, hlc_wall = ?, hlc_counter = ? WHERE id = ?",
                (self.seq, self.clock.wall, self.clock.counter, self.replica),
            )

"""The centre's store on PostgreSQL: the same `Store`, over one psycopg 3 connection.

The centre's code (sync/central.py and its helpers) is written once, against the
`sqlite3` connection interface it has always used: `execute`, `executemany`, cursors
with `fetchone`/`fetchall`, `in_transaction`, `total_changes`. `PgConnection` gives
that interface over psycopg, so there is no second copy of the merge. What it does
and nothing more:

- placeholders: `?` (and `:name` with a mapping) become psycopg's `%s` (`%(name)s`),
  a literal `%` becomes `%%`; text inside quotes is left alone;
- two statements of transaction control have a PostgreSQL spelling: `BEGIN
  IMMEDIATE` is `BEGIN` (the merge's exclusion is an advisory lock, docs/sync.md),
  and `PRAGMA foreign_keys = ON|OFF` does nothing (the PostgreSQL schema has no
  foreign keys: store/tables.py says why);
- errors come out as the `sqlite3` classes the centre already handles
  (`sqlite3.IntegrityError`, `sqlite3.OperationalError`), the psycopg error chained.

The SQL itself is written to run on both (`ON CONFLICT`, `greatest`, `string_agg`,
functions store/db.py registers on SQLite); the few statements that cannot be are
chosen by store/schema.py `dialect_of(conn)` next to each other (sync/rows.py `table_lines`,
store/tx.py `_columns`).

The schema is store/tables.py's declaration, made by `create_schema` and stamped with
its version (the comment of its `meta` table); a database of another version is refused
with a message, never half-upgraded. Imported only by the centre on PostgreSQL: the
laptop never loads psycopg or SQLAlchemy.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq
from psycopg.abc import Buffer
from psycopg.adapt import Loader

from taskforce_tui.store.db import Store, StoreError
from taskforce_tui.store.ids import new_id, now_utc
from taskforce_tui.store.schema import SCHEMA_VERSION

SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
#: The schema version this version creates whole on PostgreSQL; databases of an older
#: one are moved with `migra` (there were no PostgreSQL centres before it).
PG_BASELINE = 5
#: PostgreSQL's step to each schema version after the baseline: schema.MIGRATIONS holds
#: SQLite's. A migration added there needs its step here (tests/test_tables.py fails
#: until it has one).
PG_MIGRATIONS: dict[int, tuple[str, ...]] = {}
#: Rows per chunk of a streamed result (`PgConnection.stream`).
STREAM_ROWS = 1000
#: The merge's advisory lock key (any constant: one lock per database).
MERGE_LOCK = 0x7461736B666F7263  # "taskforc"


def is_url(text: str) -> bool:
    return text.startswith(SCHEMES)


def libpq_url(url: str) -> str:
    """The URL as libpq reads it (psycopg's own connection string)."""
    return "postgresql://" + url.split("://", 1)[1] if url.startswith(SCHEMES) else url


@lru_cache(maxsize=2048)
def to_pyformat(sql: str, named: bool) -> str:
    """`sql` with sqlite3's placeholders in psycopg's spelling (quoted text untouched)."""
    out: list[str] = []
    quote = ""
    i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "?" and not named:
            out.append("%s")
        elif ch == ":" and named and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1 : j]})s")
            i = j
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_CONTROL = {
    "BEGIN IMMEDIATE": "BEGIN",
    "PRAGMA FOREIGN_KEYS = OFF": None,
    "PRAGMA FOREIGN_KEYS = ON": None,
}
_SPACES = re.compile(r"\s+")


def _error(exc: psycopg.Error) -> sqlite3.Error:
    message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, psycopg.IntegrityError):
        return sqlite3.IntegrityError(message)
    if isinstance(exc, psycopg.OperationalError):
        return sqlite3.OperationalError(message)
    return sqlite3.DatabaseError(message)


class _NumberLoader(Loader):
    """NUMERIC as SQLite gives it: an int when whole (SUM and AVG of BIGINT are NUMERIC
    on PostgreSQL), else a float."""

    def load(self, data: Buffer) -> int | float:
        text = bytes(data).decode()
        value = Decimal(text)
        return int(value) if value == value.to_integral_value() else float(value)


class PgCursor:
    """The part of `sqlite3.Cursor` the centre reads."""

    def __init__(self, rows: list[tuple[Any, ...]] | None, rowcount: int) -> None:
        self._rows = rows or []
        self._at = 0
        self.rowcount = rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at :]
        self._at = len(self._rows)
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at : self._at + size]
        self._at += len(rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row


class PgConnection:
    """A psycopg connection behind the `sqlite3.Connection` interface (module doc)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.raw = psycopg.connect(libpq_url(url), autocommit=True)
        except psycopg.Error as exc:
            raise _error(exc) from exc
        self.raw.adapters.register_loader("numeric", _NumberLoader)
        self.total_changes = 0

    # --- statements ---------------------------------------------------------------------
    def _sql(self, sql: str, params: object) -> str | None:
        key = _SPACES.sub(" ", sql.strip()).upper()
        if key in _CONTROL:
            return _CONTROL[key]
        return to_pyformat(sql, isinstance(params, Mapping))

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> PgCursor:
        statement = self._sql(sql, params)
        if statement is None:
            return PgCursor(None, -1)
        try:
            with self.raw.cursor() as cur:
                cur.execute(statement, params)
                rows = cur.fetchall() if cur.description is not None else None
                if rows is None and cur.rowcount > 0:
                    self.total_changes += cur.rowcount
                return PgCursor(rows, cur.rowcount)
        except psycopg.Error as exc:
            raise _error(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        batch = list(rows)
        if not batch:
            return PgCursor(None, 0)
        statement = self._sql(sql, batch[0])
        assert statement is not None
        try:
            with self.raw.cursor() as cur:
                cur.executemany(statement, batch)
                if cur.rowcount > 0:
                    self.total_changes += cur.rowcount
                return PgCursor(None, cur.rowcount)
        except psycopg.Error as exc:
            raise _error(exc) from exc

    def stream(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a large SELECT one by one, never all in memory (`execute` reads a
        result whole, as the centre's many small queries want). The connection serves
        nothing else until the rows are all read: for a reader that consumes them
        before its next statement (a bundle member, sync/rows.py `table_lines`)."""
        statement = self._sql(sql, params)
        assert statement is not None
        try:
            with self.raw.cursor() as cur:
                # rows in chunks (libpq 17+: psycopg[binary] ships 18), not one by one
                size = STREAM_ROWS if pq.version() >= 170000 else 1
                yield from cur.stream(statement, params, size=size)
        except psycopg.Error as exc:
            raise _error(exc) from exc

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Rows into `table` through COPY (a bulk load: sync/migrate.py measured it)."""
        from psycopg import sql as psql

        statement = psql.SQL("COPY {} ({}) FROM STDIN").format(
            psql.Identifier(table), psql.SQL(", ").join(psql.Identifier(c) for c in columns)
        )
        count = 0
        try:
            with self.raw.cursor() as cur, cur.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        except psycopg.Error as exc:
            raise _error(exc) from exc
        self.total_changes += count
        return count

    # --- transactions -------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()


class PgStore(Store):
    """A centre's store in a PostgreSQL database (`url`): the schema is made on first
    use, the reference data seeded, the version checked on every opening."""

    dialect = "postgresql"

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.path = Path("postgresql")  # never a file: for messages and the replica note
        try:
            self.conn = PgConnection(url)  # type: ignore[assignment]
        except sqlite3.Error as exc:
            from taskforce_tui.sync.migrate import shown

            raise StoreError(
                f"Non riesco a collegarmi al database {shown(url)}: {exc}. Controlla "
                "l'indirizzo, che il server sia raggiungibile e la password (PGPASSWORD o "
                "~/.pgpass). Non è stato scritto nulla."
            ) from None
        self.lock = threading.RLock()
        self._replica_id: str | None = None
        self.migrated = 0
        try:
            self._ensure_schema(create)
            self._ensure_replica()
        except BaseException:
            self.conn.close()
            raise

    def _tables(self) -> set[str]:
        return {
            r[0]
            for r in self.conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }

    def _ensure_schema(self, create: bool) -> None:
        from taskforce_tui.store import reference

        tables = self._tables()
        if "meta" in tables:
            from taskforce_tui.store.tables import SCHEMA_MARK

            mark = self.conn.execute("SELECT obj_description('meta'::regclass, 'pg_class')")
            comment = str((mark.fetchone() or [""])[0] or "")
            version = int(comment[len(SCHEMA_MARK) :]) if comment.startswith(SCHEMA_MARK) else 0
            if version > SCHEMA_VERSION or version < PG_BASELINE:
                newer = version > SCHEMA_VERSION
                raise StoreError(
                    f"Il database PostgreSQL è allo schema {version}, questa versione di "
                    f"taskforce-tui usa lo schema {SCHEMA_VERSION}: "
                    + (
                        "aggiorna l'applicazione."
                        if newer
                        else "copialo in un database nuovo con `taskforce centrale migra` "
                        "da un centro SQLite aggiornato."
                    )
                    + " Il database non è stato toccato."
                )
            self.migrated = self._upgrade(version)
            self._add_missing_views()
            return
        if tables:
            raise StoreError(
                "Il database PostgreSQL indicato contiene già altre tabelle: usa un "
                "database vuoto (CREATE DATABASE). Non è stato scritto nulla."
            )
        if not create:
            raise StoreError("Nessun centro in questo database PostgreSQL.")
        self.create_schema()
        reference.seed(self.conn)

    def _upgrade(self, version: int) -> int:
        """Apply PostgreSQL's steps from `version` to this version's schema, each in its
        own transaction with its version mark (as store/db.py `migrate` on SQLite)."""
        from taskforce_tui.store.tables import SCHEMA_MARK

        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.conn.execute("BEGIN")
            try:
                for statement in PG_MIGRATIONS[target]:
                    self.conn.execute(statement)
                self.conn.execute(f"COMMENT ON TABLE meta IS '{SCHEMA_MARK}{target}'")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.rollback()
                raise
        return SCHEMA_VERSION - version

    def _add_missing_views(self) -> None:
        """Reporting views a later version added: created (existing ones are left as
        they are, with the rights given on them; taskforce_lettore.sql is run again to
        grant the new ones, docs/sync.md)."""
        from taskforce_tui.sync import reporting

        found = {
            r[0]
            for r in self.conn.execute(
                "SELECT viewname FROM pg_views WHERE schemaname = current_schema()"
            )
        }
        for name, sql in reporting.creates("postgresql").items():
            if name not in found:
                self.conn.execute(sql)

    def create_schema(self) -> None:
        """store/tables.py's declaration and the reporting views, in one transaction."""
        from sqlalchemy import create_engine

        from taskforce_tui.store.tables import create_schema
        from taskforce_tui.sync import reporting

        engine = create_engine("postgresql+psycopg://" + self.url.split("://", 1)[1])
        try:
            with engine.begin() as conn:
                create_schema(conn)
                for statement in reporting.view_statements("postgresql"):
                    conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def _ensure_replica(self) -> None:
        """The centre's replica: one for the database, whoever opens it (several
        coordinators share it; their merges are serialised, so are its numbers)."""
        with self.lock:
            row = self.conn.execute("SELECT id FROM replica WHERE retired_at IS NULL").fetchone()
            if row is not None:
                self._replica_id = str(row[0])
                return
            new = new_id()
            self.conn.execute("INSERT INTO replica(id, created_at) VALUES (?, ?)", (new, now_utc()))
            self._replica_id = new

    # --- adoption -----------------------------------------------------------------------
    def replace_contents(self, source: Path) -> None:
        """Every declared table's rows replaced by those of the SQLite file `source` (a
        generation another coordinator published, rebuilt there), in one transaction:
        a crash leaves the old contents, whole."""
        from taskforce_tui.store.tables import metadata

        tables = sorted(metadata.tables)
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        conn = self.conn
        assert isinstance(conn, PgConnection)
        try:
            conn.execute("BEGIN")
            try:
                conn.execute(f"TRUNCATE {', '.join(tables)}")
                conn.execute("ALTER TABLE suspension DISABLE TRIGGER suspension_totals")
                for name in tables:
                    table = metadata.tables[name]
                    columns = [c.name for c in table.columns if c.computed is None]
                    rows = reader.execute(f"SELECT {', '.join(columns)} FROM {name}")
                    conn.copy_rows(name, columns, rows)
                    serial = table.autoincrement_column
                    if serial is not None:
                        conn.execute(
                            f"SELECT setval(pg_get_serial_sequence('{name}', '{serial.name}'), "
                            f"coalesce(max({serial.name}), 0) + 1, false) FROM {name}"
                        )
                conn.execute("ALTER TABLE suspension ENABLE TRIGGER suspension_totals")
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
        finally:
            reader.close()

    # --- exclusion across processes ------------------------------------------------------
    def try_exclusive(self) -> bool:
        """The merge's advisory lock, held by this session until released (or until the
        connection ends: a crashed merge never leaves it taken)."""
        with self.lock:
            row = self.conn.execute("SELECT pg_try_advisory_lock(?)", (MERGE_LOCK,)).fetchone()
        return bool(row and row[0])

    def release_exclusive(self) -> None:
        with self.lock:
            self.conn.execute("SELECT pg_advisory_unlock(?)", (MERGE_LOCK,))

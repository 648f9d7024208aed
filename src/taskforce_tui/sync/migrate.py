"""`taskforce centrale migra`: move a centre from its SQLite file to PostgreSQL, with
every row, conflict, ack and generation, and prove it (docs/sync.md, "The centre on
PostgreSQL").

1. Check the source (a centre's SQLite file at this schema version) and the target
   (reachable, holding none of our tables): a refusal writes nothing.
2. In **one** PostgreSQL transaction: create the schema from the one declaration
   (store/tables.py), copy every table (read with SQLAlchemy Core in batches,
   written with COPY on the same connection: `_copy_rows`), move the serial counters
   past the copied ids, create the reporting views (sync/reporting.py). A failure
   rolls all of it back: the target stays empty.
3. Check: per table, the row count and a content hash computed the same way on both
   sides (below); any difference is reported and the command exits 1.

The source is read in one read transaction (a merge running meanwhile cannot tear
the copy) and never written.

The content hash of a table is the sum, modulo 2^256, of the SHA-256 of every row
encoded as a JSON array in the declared column order: equal multisets of rows give
equal hashes whatever order each back end returns them in (text collations differ),
and no sort is needed on a million rows. Generated columns (`practice.due_on`) are
hashed too, so the two back ends' computations are compared as well.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql as psql
from sqlalchemy import Engine, Table, create_engine, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from taskforce_tui.store.schema import SCHEMA_VERSION
from taskforce_tui.store.tables import create_schema, create_triggers, metadata
from taskforce_tui.sync import reporting
from taskforce_tui.sync.errors import SyncError

BATCH = 5_000
_MOD = 1 << 256
Progress = Callable[[str, float], None]


def _nop(label: str, fraction: float) -> None:
    return None


@dataclass(frozen=True, slots=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_hash: str
    target_hash: str

    @property
    def equal(self) -> bool:
        return self.source_rows == self.target_rows and self.source_hash == self.target_hash


@dataclass(frozen=True, slots=True)
class MigrationReport:
    target: str  # the URL without its password
    tables: list[TableCheck]

    @property
    def equal(self) -> bool:
        return all(t.equal for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)


# --- engines ------------------------------------------------------------------------------------
def postgres_url(url: str) -> str:
    """The SQLAlchemy spelling of a libpq URL, psycopg 3 as the driver. An empty host
    (`postgresql:///centrale`, `postgresql://`) leaves libpq to the PG* variables and
    the service file (`?service=NAME`)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise SyncError(f"«{url}» non è un indirizzo PostgreSQL (postgresql://…).", "db")
    return f"postgresql+psycopg://{rest}"


def shown(url: str) -> str:
    """The URL as it may be printed: never the password."""
    try:
        return (
            make_url(postgres_url(url))
            .set(drivername="postgresql")
            .render_as_string(hide_password=True)
        )
    except (SQLAlchemyError, ValueError):
        return "postgresql://…"


def postgres_engine(url: str) -> Engine:
    try:
        return create_engine(postgres_url(url))
    except (ArgumentError, ValueError) as exc:
        raise SyncError(
            f"«{shown(url)}» non è un indirizzo PostgreSQL valido ({exc}): scrivi "
            "postgresql://utente@server:5432/database. Non è stato scritto nulla.",
            "a",
        ) from None


def sqlite_engine(path: Path) -> Engine:
    """The source, read-only: nothing `migra` does can change it."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, isolation_level=None),
        isolation_level="AUTOCOMMIT",
    )


# --- hashing ------------------------------------------------------------------------------------
def table_digest(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(row count, content hash) of rows given in any order."""
    count = 0
    total = 0
    for row in rows:
        digest = hashlib.sha256(orjson.dumps(list(row))).digest()
        total = (total + int.from_bytes(digest, "big")) % _MOD
        count += 1
    return count, f"{total:064x}"


def _streamed(conn: Connection, table: Table) -> Iterable[Sequence[Any]]:
    result = conn.execution_options(yield_per=BATCH).execute(select(*table.columns))
    for batch in result.partitions(BATCH):
        yield from batch


def digests(conn: Connection) -> dict[str, tuple[int, str]]:
    """(count, hash) of every declared table, read through `conn`."""
    return {t.name: table_digest(_streamed(conn, t)) for t in _tables()}


def _tables() -> list[Table]:
    """Every declared table, by name (PostgreSQL has no foreign keys to order by)."""
    return [metadata.tables[name] for name in sorted(metadata.tables)]


# --- checks -------------------------------------------------------------------------------------
def _check_source(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise SyncError(
            f"Il database {path} è di una versione più recente di taskforce-tui (schema "
            f"{version}): aggiorna l'applicazione. Non è stato scritto nulla.",
            "da",
        )
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    folder = (
        conn.execute("SELECT value FROM meta WHERE key = 'central_folder_id'").fetchone()
        if "meta" in tables
        else None
    )
    if folder is None:
        raise SyncError(
            f"{path} non è il database di un centro (manca l'identificativo della cartella "
            "di sincronizzazione). Indica con --da il file del centro, ad esempio "
            "<profilo>/centrale/centrale-<id>.sqlite3. Non è stato scritto nulla.",
            "da",
        )
    missing = sorted(set(metadata.tables) - tables)
    if version < SCHEMA_VERSION or missing:
        raise SyncError(
            f"Il database {path} è di una versione precedente: aprilo una volta con questa "
            "versione (`taskforce centrale stato CARTELLA --db FILE`), poi ripeti la "
            "migrazione. Non è stato scritto nulla.",
            "da",
        )


def _open_target(url: str) -> Engine:
    engine = postgres_engine(url)
    try:
        with engine.connect() as conn:
            ours = sorted(set(inspect(conn).get_table_names()) & set(metadata.tables))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise SyncError(
            f"Non riesco a collegarmi a {shown(url)}: {reason}. Non è stato scritto nulla.",
            "a",
        ) from None
    if ours:
        engine.dispose()
        raise SyncError(
            f"Il database {shown(url)} contiene già tabelle del centro ({', '.join(ours[:5])}"
            f"{'…' if len(ours) > 5 else ''}): indica un database vuoto (CREATE DATABASE). "
            "Non è stato scritto nulla.",
            "a",
        )
    return engine


# --- the move -----------------------------------------------------------------------------------
def _copy_rows(
    target: Connection, table: str, columns: list[str], batches: Iterable[Sequence[Any]]
) -> None:
    """Rows into `table` through PostgreSQL's COPY on the transaction's own connection:
    3.3 times the rows per second of SQLAlchemy's batched INSERT (executemany) on the
    region's time logs (71,000 against 21,800 rows/s), same transaction, same types."""
    statement = psql.SQL("COPY {} ({}) FROM STDIN").format(
        psql.Identifier(table), psql.SQL(", ").join(psql.Identifier(c) for c in columns)
    )
    raw = target.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for batch in batches:
            for row in batch:
                copy.write_row(row)


def _copy(source: Connection, target: Connection, progress: Progress) -> None:
    tables = _tables()
    for index, table in enumerate(tables):
        progress(f"copia di {table.name}", index / len(tables))
        columns = [c for c in table.columns if c.computed is None]
        result = source.execution_options(yield_per=BATCH).execute(select(*columns))
        _copy_rows(target, table.name, [c.name for c in columns], result.partitions(BATCH))
    for table in tables:
        serial = table.autoincrement_column
        if serial is not None:
            target.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{serial.name}'), "
                    f"coalesce(max({serial.name}), 0) + 1, false) FROM {table.name}"
                )
            )
    for statement in reporting.view_statements("postgresql"):
        target.exec_driver_sql(statement)


def migrate(source_path: Path, url: str, progress: Progress = _nop) -> MigrationReport:
    """Copy the centre in `source_path` to the empty PostgreSQL database at `url`, then
    compare both, table by table."""
    if not source_path.is_file():
        raise SyncError(f"Nessun database in {source_path}. Non è stato scritto nulla.", "da")
    try:
        probe = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            _check_source(probe, source_path)
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise SyncError(
            f"{source_path} non è un database SQLite leggibile ({exc}). Non è stato scritto nulla.",
            "da",
        ) from None
    target_engine = _open_target(url)
    source_engine = sqlite_engine(source_path)
    try:
        with source_engine.connect() as source:
            source.exec_driver_sql("BEGIN")  # one snapshot for the copy and its check
            try:
                try:
                    with target_engine.begin() as target:
                        create_schema(target, triggers=False)
                        _copy(source, target, progress)
                        create_triggers(target)  # after the rows: their totals are copied
                except (DBAPIError, psycopg.Error) as exc:
                    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
                    reason = str(cause).strip().splitlines()[0]
                    raise SyncError(
                        f"La copia verso {shown(url)} si è fermata: {reason}. La transazione è "
                        "stata annullata: il database di destinazione è rimasto vuoto.",
                        "a",
                    ) from None
                progress("verifica", 0.9)
                before = digests(source)
            finally:
                source.exec_driver_sql("ROLLBACK")
        with target_engine.connect() as target:
            after = digests(target)
    finally:
        source_engine.dispose()
        target_engine.dispose()
    progress("fatto", 1.0)
    checks = [
        TableCheck(name, before[name][0], after[name][0], before[name][1], after[name][1])
        for name in before
    ]
    return MigrationReport(shown(url), checks)

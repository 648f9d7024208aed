"""Opening a store: file creation, pragmas, migrations, replica identity.

The engine is a plain `sqlite3` connection built from a path handed in; nothing is
opened at import time. See schema.py for why not Alembic/SQLAlchemy on this path.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.text import normalize
from taskforce_tui.store.ids import new_id, now_utc
from taskforce_tui.store.private import create_private, private_dir, private_file, write_private
from taskforce_tui.store.schema import MIGRATIONS, SCHEMA_VERSION
from taskforce_tui.store.words import starts_a_word

__all__ = ["Store", "StoreError", "new_id", "now_utc"]  # new_id, now_utc: see store/ids.py

if TYPE_CHECKING:
    from taskforce_tui.store.aree import AreaRepo, InterventionRepo
    from taskforce_tui.store.comuni import ComuneRepo
    from taskforce_tui.store.experts import ExpertRepo
    from taskforce_tui.store.lists import ListsRepo
    from taskforce_tui.store.practices import PracticeRepo
    from taskforce_tui.store.requests import RequestRepo
    from taskforce_tui.store.timelogs import TimeLogRepo
    from taskforce_tui.store.timer import TimerRepo
    from taskforce_tui.store.tx import Tx


class StoreError(Exception):
    """The store cannot be used as it is (Italian message, says what to do)."""


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (store/private.py). A
    missing folder is created private too; an existing one is not ours to change (a
    staging database may sit beside the shared folder)."""
    if not path.parent.is_dir():
        private_dir(path.parent)
    create_private(path)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA busy_timeout = 10000")
    # the text filter's check of a word start on each row (store/words.py)
    conn.create_function("tf_word_start", -1, starts_a_word, deterministic=True)
    # the Aree interne filter: accents, case and spaces folded as the user's text is
    conn.create_function("tf_normalize", 1, normalize, deterministic=True)
    # PostgreSQL's spellings, so the centre's SQL runs on both (store/pg.py)
    conn.create_function("greatest", -1, _greatest, deterministic=True)
    conn.create_aggregate("string_agg", 2, _StringAgg)  # type: ignore[arg-type]  # typeshed: 1 arg
    return conn


def _greatest(*values: Any) -> Any:
    """PostgreSQL's GREATEST: the largest value that is not NULL."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


class _StringAgg:
    """PostgreSQL's string_agg(value, separator) (SQLite has it from 3.44 only)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.separator = ""

    def step(self, value: object, separator: str) -> None:
        if value is not None:
            self.parts.append(str(value))
            self.separator = separator

    def finalize(self) -> str | None:
        return self.separator.join(self.parts) if self.parts else None


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations, each in its own transaction with its version bump."""
    current = schema_version(conn)
    for index in range(current, SCHEMA_VERSION):
        script = MIGRATIONS[index]
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {index + 1};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION - current


class Store:
    """One open profile database. Thread-safe: every use takes the store's lock.

    Screens never hold the connection: they call repositories (store.practices, ...)
    from workers, and get plain records back.
    """

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise StoreError(f"Nessun profilo in {self.path.parent}.")
            _create_private_file(self.path)
        conn = _connect(self.path)
        # 0600 also when copied, restored or left by an older version (store/private.py)
        for suffix in ("", "-wal", "-shm", ".replica.json"):
            private_file(Path(f"{self.path}{suffix}"))
        try:
            found = schema_version(conn)
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"Il database {self.path} è stato creato da una versione più recente di "
                    f"taskforce-tui (schema {found}; questa versione arriva allo schema "
                    f"{SCHEMA_VERSION}). Aggiorna l'applicazione: il file non è stato toccato."
                )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self.migrated = migrate(conn)
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        self.lock = threading.RLock()
        self._replica_id: str | None = None
        if found == 0:
            from taskforce_tui.store import reference

            with self.lock:
                reference.seed(self.conn)
        self._ensure_replica()

    # --- lifecycle ------------------------------------------------------------------
    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- access -----------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One IMMEDIATE transaction; every change made through the Tx is op-logged."""
        from taskforce_tui.store.tx import Tx

        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                tx = Tx(self.conn, self.replica_id, self.get_meta("expert_id"))
                yield tx
                tx.flush()
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    @contextmanager
    def bulk(self) -> Iterator[sqlite3.Connection]:
        """A transaction for base data that is not an edit (seed, demo, central import)."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    # --- exclusion across processes ------------------------------------------------------
    def try_exclusive(self) -> bool:
        """Take the centre's merge lock. A SQLite file has one coordinator, and its own
        write lock orders the merge's transactions: always granted (store/pg.py takes
        an advisory lock on a server shared by several)."""
        return True

    def release_exclusive(self) -> None:
        """Give back what `try_exclusive` took."""

    # --- settings ---------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str | None) -> None:
        with self.lock:
            if value is None:
                self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def pending_ops(self) -> int:
        """Changes made here and not yet acknowledged by the centre (an edited field, or
        a record created in bulk: store/oplog.py)."""
        with self.lock:
            return int(
                self.conn.execute("SELECT COUNT(*) FROM oplog WHERE acked = 0").fetchone()[0]
            )

    @property
    def expert_id(self) -> str | None:
        """This installation's own expert identity (None until the profile is set up)."""
        return self.get_meta("expert_id")

    # --- replica identity -------------------------------------------------------------
    @property
    def replica_id(self) -> str:
        assert self._replica_id is not None
        return self._replica_id

    @property
    def _sidecar(self) -> Path:
        return self.path.with_name(self.path.name + ".replica.json")

    def _ensure_replica(self) -> None:
        """Give this installation its own replica id, and a new one if the database
        file was copied elsewhere or restored from an older copy.

        The sidecar file beside the database remembers the replica, the host, the
        path and the highest sequence number already sent out. A database that does
        not match it (another host or path, or fewer ops than were already exported)
        must not reuse sequence numbers: it gets a fresh replica id.
        """
        with self.lock:
            row = self.conn.execute(
                "SELECT id, last_seq FROM replica WHERE retired_at IS NULL"
            ).fetchone()
            sidecar = self._read_sidecar()
            here = {"host": platform.node(), "path": str(self.path.resolve())}
            reuse = (
                row is not None
                and sidecar is not None
                and sidecar.get("replica") == row[0]
                and sidecar.get("host") == here["host"]
                and sidecar.get("path") == here["path"]
                and int(str(sidecar.get("exported_seq", 0))) <= int(row[1])
            )
            if row is not None and reuse:
                self._replica_id = row[0]
                return
            new = new_id()
            stamp = now_utc()
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    "UPDATE replica SET retired_at = ? WHERE retired_at IS NULL", (stamp,)
                )
                self.conn.execute("INSERT INTO replica(id, created_at) VALUES (?, ?)", (new, stamp))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self._replica_id = new
            self._write_sidecar({"replica": new, "exported_seq": 0, **here})

    def _read_sidecar(self) -> dict[str, object] | None:
        try:
            data = json.loads(self._sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_sidecar(self, data: dict[str, object]) -> None:
        tmp = self._sidecar.with_name(self._sidecar.name + ".tmp")
        write_private(tmp, json.dumps(data).encode("utf-8"))
        os.replace(tmp, self._sidecar)

    def note_exported(self, seq: int) -> None:
        """Record that ops up to `seq` have left this machine (called by sync export)."""
        data = self._read_sidecar() or {}
        if int(str(data.get("exported_seq", 0))) < seq:
            data.update(replica=self.replica_id, exported_seq=seq)
            self._write_sidecar(data)

    # --- repositories (created on first use, imported lazily) ------------------------
    @cached_property
    def comuni(self) -> ComuneRepo:
        from taskforce_tui.store.comuni import ComuneRepo

        return ComuneRepo(self)

    @cached_property
    def practices(self) -> PracticeRepo:
        from taskforce_tui.store.practices import PracticeRepo

        return PracticeRepo(self)

    @cached_property
    def requests(self) -> RequestRepo:
        from taskforce_tui.store.requests import RequestRepo

        return RequestRepo(self)

    @cached_property
    def timelogs(self) -> TimeLogRepo:
        from taskforce_tui.store.timelogs import TimeLogRepo

        return TimeLogRepo(self)

    @cached_property
    def timer(self) -> TimerRepo:
        from taskforce_tui.store.timer import TimerRepo

        return TimerRepo(self)

    @cached_property
    def lists(self) -> ListsRepo:
        from taskforce_tui.store.lists import ListsRepo

        return ListsRepo(self)

    @cached_property
    def experts(self) -> ExpertRepo:
        from taskforce_tui.store.experts import ExpertRepo

        return ExpertRepo(self)

    @cached_property
    def aree(self) -> AreaRepo:
        from taskforce_tui.store.aree import AreaRepo

        return AreaRepo(self)

    @cached_property
    def interventions(self) -> InterventionRepo:
        from taskforce_tui.store.aree import InterventionRepo

        return InterventionRepo(self)

"""A small sync world for tests: a coordinator, a shared folder and N expert laptops.

Worlds are built once per shape and copied per test (or per hypothesis example):
copying gives every laptop a new replica id, which is what a copied database gets.
"""

from __future__ import annotations

import atexit
import io
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from taskforce_tui.store import jsonio
from taskforce_tui.store.db import Store, new_id
from taskforce_tui.store.schema import SYNCED_TABLES
from taskforce_tui.sync import crypto, device, laptop
from taskforce_tui.sync.bundle import Bundle
from taskforce_tui.sync.central import Central, People
from taskforce_tui.sync.crypto import KeyPair
from taskforce_tui.sync.folder import SyncFolder
from taskforce_tui.sync.people import AssignmentRow, ExpertRow

#: The centre's back end for the Worlds built now: None for its SQLite file, or the
#: session's PostgreSQL server (tests/conftest.py `centre_backend` runs the sync suites
#: on both).
BACKEND: dict[str, Any] = {"server": None}
_PG_TEMPLATES: dict[tuple[int, int], str] = {}

COMUNE_A = "016024"  # Bergamo: every expert
COMUNE_B = "016219"  # Treviglio: experts with an even index
_TEMPLATES: dict[tuple[int, int], Path] = {}


def _build(n: int, extra: int = 0) -> Path:
    """n experts on a laptop each; the first `extra` of them have a second device
    (laptop n + j is expert j's second device)."""
    root = Path(tempfile.mkdtemp(prefix=f"tf-sync-template-{n}-{extra}-"))
    experts = [ExpertRow(f"Esperto {i}", f"e{i}@example.it", ()) for i in range(n)]
    assignments = [
        AssignmentRow(f"e{i}@example.it", COMUNE_A, None, None, None, i) for i in range(n)
    ]
    assignments += [
        AssignmentRow(f"e{i}@example.it", COMUNE_B, None, None, None, 100 + i)
        for i in range(0, n, 2)
    ]
    central, _ = Central.init(
        root / "share", root / "centrale.sqlite3", root, People(experts, assignments)
    )
    owners = [*range(n), *range(extra)]
    stores = []
    for i, owner in enumerate(owners):
        s = Store(root / f"laptop{i}" / "taskforce.sqlite3")
        email = f"e{owner}@example.it"
        request_enrolment(central, s, root / "share", email, f"portatile {i}")
        stores.append(s)
    central.merge()  # binds every device
    for s in stores:
        laptop.sync(s)
    first = stores[0]
    ptype = first.conn.execute("SELECT code FROM procedure_type ORDER BY code LIMIT 1").fetchone()[
        0
    ]
    for k, comune in enumerate((COMUNE_A, COMUNE_A, COMUNE_A, COMUNE_B)):
        first.practices.create(
            comune_code=comune,
            procedure_type=ptype,
            protocol_no=f"{k + 1}/2026",
            received_on=date(2026, 10, 1),
            subject=f"pratica {k + 1}",
        )
    laptop.sync(first)
    central.merge()
    for s in stores:
        laptop.sync(s)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        s.close()
    central.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    central.close()
    return root


def request_enrolment(
    central: Central, store: Store, share: Path, email: str, name: str
) -> laptop.SyncReport:
    """The real flow, short of the phone call: the centre makes a code, the laptop
    joins with it (the device is enrolled by the centre's next merge)."""
    code = central.invite(email)["codice"]
    return laptop.join(store, share, email, code, name)


def enrol(central: Central, store: Store, share: Path, email: str, name: str) -> None:
    """Enrol a device (and its first sync)."""
    request_enrolment(central, store, share, email, name)
    central.merge()
    laptop.sync(store)


def _cleanup() -> None:
    for path in _TEMPLATES.values():
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_cleanup)


#: In a World's folder whose centre is on the server: the database's name.
PG_NOTE = "centrale.pg"


def copy_world(source: Path, dest: Path) -> None:
    """A copy of a closed World's folder, and of its centre's database on the server."""
    shutil.copytree(source, dest)
    server = BACKEND["server"]
    if server is not None:
        (dest / PG_NOTE).write_text(server.new_database((source / PG_NOTE).read_text()))


def central_arg(root: Path) -> str:
    """The centre of the closed World in `root` as a command line names it."""
    server = BACKEND["server"]
    if server is not None:
        return str(server.url((root / PG_NOTE).read_text()))
    return str(root / "centrale.sqlite3")


def _pg_template(server: Any, n: int, extra: int) -> str:
    """A database on `server` holding the template world's centre (moved there by
    `centrale migra`), copied by each World (CREATE DATABASE ... TEMPLATE)."""
    if (n, extra) not in _PG_TEMPLATES:
        from taskforce_tui.sync.migrate import migrate

        name = server.new_database()
        migrate(template(n, extra) / "centrale.sqlite3", server.url(name))
        _PG_TEMPLATES[(n, extra)] = name
    return _PG_TEMPLATES[(n, extra)]


def template(n: int, extra: int = 0) -> Path:
    if (n, extra) not in _TEMPLATES:
        _TEMPLATES[(n, extra)] = _build(n, extra)
    return _TEMPLATES[(n, extra)]


class World:
    """A copy of a template world under `root`."""

    def __init__(self, root: Path, n: int, *, copy: bool = True, extra: int = 0) -> None:
        if copy:
            shutil.copytree(template(n, extra), root, dirs_exist_ok=True)
        self.root = root
        self.folder = root / "share"
        self.n = n
        #: laptop i belongs to expert owner[i] (a second device after the first n)
        self.owner = [*range(n), *range(extra)]
        self.server = BACKEND["server"]
        self.database: str | None = None
        self.clones: list[str] = []
        if self.server is not None and copy:
            self.database = self.server.new_database(_pg_template(self.server, n, extra))
            (root / "centrale.sqlite3").unlink()  # the centre is on the server
            (root / PG_NOTE).write_text(self.database)
        elif self.server is not None:
            self.database = (root / PG_NOTE).read_text()
        self.central = Central(
            SyncFolder(self.folder), self.central_db, keys_path=root / "chiavi" / "coordinatore.key"
        )
        self.laptops: list[Store] = []
        for i in range(len(self.owner)):
            s = Store(root / f"laptop{i}" / "taskforce.sqlite3")
            s.set_meta("sync_folder", str(self.folder))
            self.laptops.append(s)
        self.experts = [s.expert_id or "" for s in self.laptops]

    @property
    def central_db(self) -> Path | str:
        """The centre's database: its SQLite file, or its URL on the test server."""
        if self.database is not None:
            return str(self.server.url(self.database))
        return self.root / "centrale.sqlite3"

    def clone_central(self, dest: Path) -> Path | str:
        """A copy of the centre's database as it is now (a second machine), under `dest`
        or as a new database on the server; the World's centre is open again after."""
        self.central.close()
        try:
            if self.database is None:
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy(self.root / "centrale.sqlite3", dest / "centrale.sqlite3")
                return dest / "centrale.sqlite3"
            name = self.server.new_database(self.database)
            self.clones.append(name)
            return str(self.server.url(name))
        finally:
            self.central = Central(
                SyncFolder(self.folder), self.central_db, keys_path=self.central.keys_path
            )

    def lose_central(self) -> Path | str:
        """The centre's database gone (a lost laptop, a dropped database): where a new,
        empty one is to be made."""
        self.central.close()
        if self.database is None:
            for suffix in ("", "-wal", "-shm", ".replica.json"):
                Path(f"{self.root / 'centrale.sqlite3'}{suffix}").unlink(missing_ok=True)
            return self.root / "centrale.sqlite3"
        self.server.drop_database(self.database)
        self.database = self.server.new_database()
        return self.central_db

    def close(self, *, keep: bool = False) -> None:
        """Close everything; a centre on the server is dropped unless `keep`."""
        for s in self.laptops:
            s.close()
        self.central.close()
        if self.database is not None and not keep:
            for name in (self.database, *self.clones):
                self.server.drop_database(name)
            self.database = None

    # --- actions -----------------------------------------------------------------------------
    def sync(self, i: int) -> laptop.SyncReport:
        return laptop.sync(self.laptops[i], self.folder, backups=self.root / f"backup{i}")

    def export(self, i: int) -> None:
        s = self.laptops[i]
        laptop.export(s, SyncFolder(self.folder), self.experts[i], laptop.SyncReport())

    def merge(self, **kwargs: Any) -> Any:
        return self.central.merge(**kwargs)

    def outboxes(self) -> list[Path]:
        return [p for _, p in SyncFolder(self.folder).outboxes()]

    def full_round(self) -> None:
        for i in range(len(self.laptops)):
            self.sync(i)
        self.merge()
        for i in range(len(self.laptops)):
            self.sync(i)


def bulk_create(store: Store, protocols: list[str]) -> list[str]:
    """New practices of COMUNE_A written as the spreadsheet import writes them
    (`Tx.insert_many`: one op-log row per record); returns their ids."""
    with store.read() as conn:
        ptype, ambito = conn.execute(
            "SELECT code, ambito FROM procedure_type ORDER BY code"
        ).fetchone()
    records = [
        {
            "id": new_id(),
            "comune_code": COMUNE_A,
            "ambito": ambito,
            "procedure_type": ptype,
            "protocol_no": protocol,
            "subject": f"importata {protocol}",
            "received_on": date(2026, 11, 2),
            "legal_term_days": 30,
            "status": "aperta",
            "expert_id": store.expert_id,
        }
        for protocol in protocols
    ]
    with store.write() as tx:
        tx.insert_many("practice", records)
    return [str(r["id"]) for r in records]


def rows(
    conn: sqlite3.Connection, tbl: str, pks: set[str] | None = None
) -> dict[str, tuple[Any, ...]]:
    pk_name, fields = SYNCED_TABLES[tbl]
    out = {
        r[0]: tuple(r[1:])
        for r in conn.execute(f"SELECT {', '.join((pk_name, *fields))} FROM {tbl}")
    }
    return out if pks is None else {k: v for k, v in out.items() if k in pks}


def versions(
    conn: sqlite3.Connection, tbl: str, pks: set[str]
) -> dict[tuple[str, str], tuple[str, int]]:
    return {
        (r[0], r[1]): (r[2], r[3])
        for r in conn.execute(
            "SELECT pk, field, replica, seq FROM field_version WHERE tbl = ?", (tbl,)
        )
        if r[0] in pks
    }


def scope_practices(conn: sqlite3.Connection, comuni: list[str]) -> set[str]:
    marks = ", ".join("?" for _ in comuni)
    return {
        r[0]
        for r in conn.execute(f"SELECT id FROM practice WHERE comune_code IN ({marks})", comuni)
    }


def data_digest(store: Store) -> list[Any]:
    """Everything synced, plus the sync bookkeeping, to prove "nothing changed"."""
    with store.read() as conn:
        out: list[Any] = []
        for tbl in SYNCED_TABLES:
            out.append(sorted(rows(conn, tbl).items()))
        for sql in (
            "SELECT * FROM field_version ORDER BY 1, 2, 3",
            "SELECT replica, seq, acked FROM oplog ORDER BY 1, 2",
            "SELECT * FROM conflict ORDER BY id",
            "SELECT key, value FROM meta WHERE key NOT IN ('last_sync_at', 'last_sync_report') "
            "ORDER BY key",
        ):
            out.append(conn.execute(sql).fetchall())
    return out


# --- sealed files ---------------------------------------------------------------------------------
def keys_for(world: World, kind: str, i: int = 0) -> KeyPair:
    """The key that opens a file of this kind: the centre's, or laptop i's device key."""
    return device.device_keys(world.laptops[i]) if kind == "extract" else world.central.keys


def open_bundle(world: World, path: Path, kind: str, i: int = 0) -> Bundle:
    bundle, _ = Bundle.open_sealed(path, kind, [keys_for(world, kind, i)])
    return bundle


def reseal(
    path: Path,
    opener: KeyPair,
    edit: Callable[[dict[str, bytes]], None],
    signer: KeyPair | None = None,
    recipients: list[bytes] | None = None,
    header: dict[str, Any] | None = None,
    target: Path | None = None,
) -> None:
    """What an attacker who holds `opener` (and `signer`) can do to a sealed file: open it,
    change its members (`edit` gets them by name, manifest and signature included),
    sign the new manifest with `signer` (None: keep the old signature) and seal it again
    for `recipients` (None: the same ones) with `header` changes."""
    clear, plain = crypto.unseal(path, [opener], 1 << 30)
    with plain, zipfile.ZipFile(plain) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    edit(members)
    if signer is not None:
        manifest = jsonio.loads(members["manifest.json"])
        message = crypto.manifest_message(str(manifest["kind"]), members["manifest.json"])
        members["signature.json"] = jsonio.dumps(
            {"key": crypto.b64(signer.public.sign), "signature": crypto.b64(signer.sign(message))}
        )
    fresh = {
        k: v
        for k, v in clear.items()
        if k not in ("format", "format_version", "recipients", "stream")
    }
    fresh.update(header or {})
    out = io.BytesIO()
    seal = crypto.SealWriter(out, fresh, recipients or sorted(crypto.recipients_of(clear)))
    with zipfile.ZipFile(seal, "w", zipfile.ZIP_DEFLATED) as zf:  # type: ignore[arg-type]
        for name, data in members.items():
            zf.writestr(name, data)
    seal.finish()
    (target or path).write_bytes(out.getvalue())


def set_manifest(**changes: Any) -> Callable[[dict[str, bytes]], None]:
    def edit(members: dict[str, bytes]) -> None:
        manifest = jsonio.loads(members["manifest.json"])
        manifest.update(changes)
        members["manifest.json"] = jsonio.dumps(manifest, pretty=True)

    return edit


def world_with_a_conflict(folder: Path) -> tuple[World, str]:
    """Two laptops that changed one practice's subject differently, after two rounds:
    the world (its first laptop closed, to be opened by an app from folder/laptop0,
    which holds the conflict) and the practice's id."""
    world = World(folder, 2)
    a, b = world.laptops
    pid = a.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    with a.write() as tx:
        tx.update("practice", pid, {"subject": "versione di A"})
    with b.write() as tx:
        tx.update("practice", pid, {"subject": "versione di B"})
    world.full_round()
    world.full_round()
    a.close()
    return world, pid

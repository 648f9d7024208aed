"""A small sync world for tests: a coordinator, a shared folder and N expert laptops.

Worlds are built once per shape and copied per test (or per hypothesis example):
copying gives every laptop a new replica id, which is what a copied database gets.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from taskforce_tui.store.db import Store, new_id
from taskforce_tui.store.schema import SYNCED_TABLES
from taskforce_tui.sync import laptop
from taskforce_tui.sync.central import Central, People
from taskforce_tui.sync.folder import SyncFolder
from taskforce_tui.sync.people import AssignmentRow, ExpertRow

COMUNE_A = "016024"  # Bergamo: every expert
COMUNE_B = "016219"  # Treviglio: experts with an even index
_TEMPLATES: dict[int, Path] = {}


def _build(n: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"tf-sync-template-{n}-"))
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
    stores = []
    for i in range(n):
        s = Store(root / f"laptop{i}" / "taskforce.sqlite3")
        laptop.join(s, root / "share", f"e{i}@example.it")
        stores.append(s)
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


def _cleanup() -> None:
    for path in _TEMPLATES.values():
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_cleanup)


def template(n: int) -> Path:
    if n not in _TEMPLATES:
        _TEMPLATES[n] = _build(n)
    return _TEMPLATES[n]


class World:
    """A copy of a template world under `root`."""

    def __init__(self, root: Path, n: int, *, copy: bool = True) -> None:
        if copy:
            shutil.copytree(template(n), root, dirs_exist_ok=True)
        self.root = root
        self.folder = root / "share"
        self.n = n
        self.central = Central(SyncFolder(self.folder), root / "centrale.sqlite3")
        self.laptops: list[Store] = []
        for i in range(n):
            s = Store(root / f"laptop{i}" / "taskforce.sqlite3")
            s.set_meta("sync_folder", str(self.folder))
            self.laptops.append(s)
        self.experts = [s.expert_id or "" for s in self.laptops]

    def close(self) -> None:
        for s in self.laptops:
            s.close()
        self.central.close()

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
        for i in range(self.n):
            self.sync(i)
        self.merge()
        for i in range(self.n):
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

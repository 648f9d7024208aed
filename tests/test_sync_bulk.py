"""Records created in bulk (the spreadsheet import) sync like any other creation.

The store keeps one op-log row per such record (store/oplog.py); these tests pin what
must hold around it: the centre gets one op per field with the writer's sequence
numbers, the laptop's history never doubles when those ops come back, an edit made
before the centre confirmed the creation saw the creation's version, and a record
whose ops were split across outbox files stays pending until all of them are confirmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.store.db import Store
from taskforce_tui.store.oplog import CREATED, expand
from taskforce_tui.sync import laptop
from tests.sync_helpers import COMUNE_A, World, bulk_create, rows, versions

#: the centre on its SQLite file and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("centre_backend")

OPS = "replica, seq, tbl, pk, field, value, prev_replica, prev_seq, hlc, author, at"


def record_ops(store: Store, pk: str) -> list[tuple[object, ...]]:
    """(replica, seq, field, value) of every op on the record, one per field change."""
    with store.read() as conn:
        stored = conn.execute(f"SELECT {OPS} FROM oplog WHERE pk = ?", (pk,)).fetchall()
    return sorted((op[0], op[1], op[4], op[5]) for row in stored for op in expand(row))


def stored_rows(store: Store, pk: str) -> list[str]:
    with store.read() as conn:
        return [r[0] for r in conn.execute("SELECT field FROM oplog WHERE pk = ?", (pk,))]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "w", 2)
    yield w
    w.close()


def test_the_centre_gets_one_op_per_field_and_nothing_comes_back_twice(world: World) -> None:
    a = world.laptops[0]
    first, second = bulk_create(a, ["1/2026", "2/2026"])
    assert stored_rows(a, first) == [CREATED] and a.pending_ops() == 2
    mine = record_ops(a, first)
    assert len(mine) >= 8 and len({op[2] for op in mine}) == len(mine)
    report = world.sync(0)
    assert report.sent == 2
    world.merge()
    with world.central.store.read() as conn:
        assert rows(conn, "practice", {first, second}) == rows(a.conn, "practice", {first, second})
    assert record_ops(world.central.store, first) == mine
    world.full_round()
    # the ops came back as history: the laptop keeps its one row, nothing doubled
    assert a.pending_ops() == 0
    assert stored_rows(a, first) == [CREATED]
    assert record_ops(a, first) == mine
    history = a.practices.history(first)
    assert sorted(entry.field for entry in history) == sorted(op[2] for op in mine)
    # and every field now has the version the centre holds, as for any other record
    with world.central.store.read() as conn:
        central_versions = versions(conn, "practice", {first})
    assert versions(a.conn, "practice", {first}) == central_versions
    assert {seq for _, seq in central_versions.values()} == {op[1] for op in mine}
    # a colleague sees the record too
    assert world.laptops[1].practices.get(first).protocol_no == "1/2026"


def test_an_edit_before_the_centre_confirmed_the_creation_is_not_a_conflict(
    world: World,
) -> None:
    a = world.laptops[0]
    (pid,) = bulk_create(a, ["3/2026"])
    world.export(0)  # sent, but no generation imported yet: the creation is pending here
    world.merge()
    a.practices.edit(pid, subject="corretto dopo l'importazione")
    edit = record_ops(a, pid)[-1]
    created_subject = next(op for op in record_ops(a, pid) if op[2] == "subject")
    with a.read() as conn:
        prev = conn.execute(
            "SELECT prev_replica, prev_seq FROM oplog WHERE replica = ? AND seq = ?",
            (edit[0], edit[1]),
        ).fetchone()
    assert prev == (created_subject[0], created_subject[1])
    world.full_round()
    world.full_round()
    with world.central.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM conflict").fetchone()[0] == 0
        subject = conn.execute("SELECT subject FROM practice WHERE id = ?", (pid,)).fetchone()
    assert subject == ("corretto dopo l'importazione",)
    assert world.laptops[1].practices.get(pid).subject == "corretto dopo l'importazione"


def test_a_record_is_never_split_across_outbox_files(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge that sees only the first file of an export gets whole records: half a
    creation would be refused by the centre (a practice needs all its fields)."""
    a = world.laptops[0]
    monkeypatch.setattr(laptop, "OPS_PER_FILE", 6)
    first, second = bulk_create(a, ["4/2026", "5/2026"])
    a.practices.create(
        comune_code=COMUNE_A,
        procedure_type=a.practices.get(first).procedure_type,
        protocol_no="6/2026",
        received_on=date(2026, 11, 3),
    )  # one op per field, each its own row
    before = a.pending_ops()
    world.export(0)
    files = sorted(world.outboxes(), key=lambda p: p.name)
    assert len(files) == 3  # one record each, although each has more than six ops
    later = [(p, p.with_name(p.name + ".held")) for p in files[1:]]
    for path, aside in later:
        path.rename(aside)
    report = world.merge()  # only the first file is there
    assert report.rejected == 0
    world.sync(0)
    assert a.pending_ops() == before - 1  # the first record is confirmed, whole
    with world.central.store.read() as conn:
        assert set(rows(conn, "practice", {first, second})) == {first}
    for path, aside in later:
        aside.rename(path)
    world.full_round()
    world.full_round()
    assert a.pending_ops() == 0
    with world.central.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM sync_rejected").fetchone()[0] == 0
        assert rows(conn, "practice") == rows(a.conn, "practice")
    assert record_ops(world.central.store, second) == record_ops(a, second)


def test_only_a_very_long_run_of_edits_on_one_record_is_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(laptop, "OPS_PER_FILE", 3)
    ops = [("r", n, "practice", "p1", "subject") for n in range(1, 9)]
    ops += [("r", 9, "practice", "p2", "subject")]
    files = laptop._files(ops)
    assert [len(f) for f in files] == [6, 3]  # cut at twice the size only
    assert [op for f in files for op in f] == ops
    assert laptop._files([]) == [[]]  # an export with nothing but resolutions

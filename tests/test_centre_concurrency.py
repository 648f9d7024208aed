"""Two coordinators merge at the same moment into one PostgreSQL database (issue 17).

Real processes, a real server: each runs `Central.merge()` on the same share and the
same database. One merge holds the advisory lock (docs/sync.md) and makes the one new
generation; the other is told "un'altra unione è in corso" and writes nothing, or,
when it comes after, finds nothing left to merge. Either way: one generation, every
edit once, no op stored twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import sync_helpers
from tests.sync_helpers import World

MERGE = """
import sys, time
from pathlib import Path
from taskforce_tui.sync.central import Central
from taskforce_tui.sync.errors import SyncError
from taskforce_tui.sync.folder import SyncFolder

share, url, keys, hold, started = sys.argv[1:6]
central = Central(SyncFolder(Path(share)), url, keys_path=Path(keys))
real = central._merge_attempts


def held(*args, **kwargs):
    # inside the lock: say so, and keep it a while (the other process starts now)
    Path(started).write_text("held")
    time.sleep(float(hold))
    return real(*args, **kwargs)


central._merge_attempts = held
try:
    report = central.merge()
except SyncError as exc:
    print("BUSY", exc)
    sys.exit(3)
print("GEN", report.generation)
"""


@pytest.fixture
def world(tmp_path: Path, pg_server: Any) -> Iterator[World]:
    sync_helpers.BACKEND["server"] = pg_server
    try:
        w = World(tmp_path / "w", 2)
    finally:
        sync_helpers.BACKEND["server"] = None
    try:
        yield w
    finally:
        w.close()


def _edits(world: World) -> tuple[dict[str, str], int]:
    """One edit on each laptop, exported: two outboxes waiting for a merge; and the
    centre's generation."""
    a, b = world.laptops
    ids = [r[0] for r in a.conn.execute("SELECT id FROM practice ORDER BY protocol_no")]
    wanted = {ids[0]: "da a, una volta", ids[1]: "da b, una volta"}
    for i, s in enumerate((a, b)):
        with s.write() as tx:
            tx.update("practice", ids[i], {"notes": wanted[ids[i]]})
        world.export(i)
    before = world.central.generation
    world.central.close()  # the two processes are the coordinators now
    return wanted, before


def _start(world: World, tmp_path: Path, name: str, hold: float) -> subprocess.Popen[str]:
    args = [
        str(world.folder),
        str(world.central_db),
        str(world.root / "chiavi" / "coordinatore.key"),
        str(hold),
        str(tmp_path / f"{name}.held"),
    ]
    return subprocess.Popen(
        [sys.executable, "-c", MERGE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 3), err
    return proc.returncode, out


def _check(world: World, before: int, wanted: dict[str, str]) -> None:
    """One generation more, each edit once, no op twice; then everyone converges."""
    world.central = type(world.central)(
        world.central.folder, world.central_db, keys_path=world.central.keys_path
    )
    with world.central.store.read() as conn:
        generations = [r[0] for r in conn.execute("SELECT generation FROM sync_generation")]
        doubled = conn.execute(
            "SELECT COUNT(*) FROM (SELECT replica, seq FROM oplog GROUP BY 1, 2 "
            "HAVING COUNT(*) > 1) AS d"
        ).fetchone()[0]
        notes = dict(conn.execute("SELECT id, notes FROM practice"))
        versions = conn.execute(
            "SELECT COUNT(*) FROM field_version WHERE tbl = 'practice' AND field = 'notes'"
        ).fetchone()[0]
    assert max(generations) == before + 1 and len(generations) == len(set(generations))
    assert doubled == 0 and versions == len(wanted)
    assert {k: notes[k] for k in wanted} == wanted
    assert not world.outboxes()  # both outboxes merged (and archived) by the one merge
    world.full_round()
    for s in world.laptops:
        assert {k: s.practices.get(k).notes for k in wanted} == wanted


def test_a_merge_started_while_another_holds_the_database_is_told_and_writes_nothing(
    world: World, tmp_path: Path
) -> None:
    wanted, before = _edits(world)
    first = _start(world, tmp_path, "first", hold=3.0)
    deadline = time.monotonic() + 60
    while not (tmp_path / "first.held").exists():  # the first one holds the lock
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = _start(world, tmp_path, "second", hold=0.0)
    code2, out2 = _finish(second)
    code1, out1 = _finish(first)
    assert code2 == 3 and "Un'altra unione è in corso" in out2
    assert not (tmp_path / "second.held").exists()  # it never got in
    assert code1 == 0 and out1.split() == ["GEN", str(before + 1)]
    _check(world, before, wanted)


def test_two_merges_started_together_make_one_generation(world: World, tmp_path: Path) -> None:
    wanted, before = _edits(world)
    procs = [_start(world, tmp_path, name, hold=0.5) for name in ("a", "b")]
    results = [_finish(p) for p in procs]
    made = [out.split()[1] for code, out in results if code == 0]
    # one made the generation; the other was told, or came after with nothing left
    assert made.count(str(before + 1)) == 1, results
    assert all(m in (str(before + 1), "None") for m in made), results
    _check(world, before, wanted)

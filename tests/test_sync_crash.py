"""Crash injection: a real subprocess runs a sync (or a merge) and kills itself with
SIGKILL at the K-th write, fsync, publish or commit point; then the same command runs
again, everyone does two full rounds, and nothing is lost and nothing is doubled."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.sync.fsio import CRASH_AT_ENV, CRASH_TRACE_ENV
from tests.sync_helpers import COMUNE_A, World, central_arg, copy_world, rows

pytestmark = [
    pytest.mark.usefixtures("centre_backend"),
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL non disponibile"),
]

SYNC = """
import sys
from pathlib import Path
from taskforce_tui.store.db import Store
from taskforce_tui.sync import laptop
store = Store(Path(sys.argv[1]))
laptop.sync(store, Path(sys.argv[2]), backups=Path(sys.argv[3]))
"""

MERGE = """
import sys
from pathlib import Path
from taskforce_tui.sync.central import Central
from taskforce_tui.sync.folder import SyncFolder
db = sys.argv[2] if sys.argv[2].startswith("postgresql:") else Path(sys.argv[2])
Central(SyncFolder(Path(sys.argv[1])), db, keys_path=Path(sys.argv[3])).merge()
"""


def _prepare(root: Path) -> None:
    """Expert 0 has a new practice and an edit pending; expert 1's edit is merged and
    waits in a generation; expert 1 also has an outbox not merged yet."""
    world = World(root, 2)
    a, b = world.laptops
    ids = [r[0] for r in a.conn.execute("SELECT id FROM practice ORDER BY protocol_no")]
    with b.write() as tx:
        tx.update("practice", ids[1], {"subject": "da b, già unita"})
    world.sync(1)
    world.merge()
    with b.write() as tx:
        tx.update("practice", ids[2], {"notes": "da b, in arrivo"})
    world.export(1)
    ptype = a.conn.execute("SELECT code FROM procedure_type ORDER BY code").fetchone()[0]
    a.practices.create(
        comune_code=COMUNE_A,
        procedure_type=ptype,
        protocol_no="NUOVA/1",
        received_on=date(2026, 11, 3),
        subject="nuova di a",
    )
    with a.write() as tx:
        tx.update("practice", ids[0], {"subject": "da a"})
    world.close(keep=True)


def _run(script: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _args(script: str, root: Path) -> list[str]:
    if script is SYNC:
        return [
            str(root / "laptop0" / "taskforce.sqlite3"),
            str(root / "share"),
            str(root / "backup0"),
        ]
    return [str(root / "share"), central_arg(root), str(root / "chiavi" / "coordinatore.key")]


def _finish(root: Path, script: str) -> dict[str, Any]:
    """Re-run the interrupted command, then two full rounds; return what the centre holds."""
    world = World(root, 2, copy=False)
    try:
        if script is SYNC:
            world.sync(0)
        else:
            world.merge()
        world.full_round()
        world.full_round()
        with world.central.store.read() as conn:
            practices = rows(conn, "practice")
            doubled = conn.execute(
                "SELECT COUNT(*) FROM (SELECT replica, seq FROM oplog GROUP BY 1, 2 "
                "HAVING COUNT(*) > 1) AS doubled"
            ).fetchone()[0]
        for s in world.laptops:
            assert s.pending_ops() == 0
            with s.read() as conn:
                local = rows(conn, "practice")
            assert local == {k: practices[k] for k in local} and len(local) >= len(practices) - 1
        return {
            "subjects": sorted(r[4] for r in practices.values()),
            "notes": sorted(r[12] for r in practices.values()),
            "count": len(practices),
            "doubled": doubled,
        }
    finally:
        world.close()


@pytest.mark.parametrize("script", [SYNC, MERGE], ids=["sync", "merge"])
def test_killed_at_every_point_then_rerun_loses_nothing_and_doubles_nothing(
    tmp_path: Path, script: str
) -> None:
    prepared = tmp_path / "prepared"
    _prepare(prepared)
    if script is MERGE:  # the laptop's outbox is there too, the merge has work to do
        world = World(prepared, 2, copy=False)
        world.export(0)
        world.close(keep=True)
    trace_root = tmp_path / "trace"
    copy_world(prepared, trace_root)
    trace = tmp_path / "trace.txt"
    done = _run(script, _args(script, trace_root), {CRASH_TRACE_ENV: str(trace)})
    assert done.returncode == 0, done.stderr
    points = trace.read_text().splitlines()
    names = {p.split()[1] for p in points}
    assert {"write", "fsync", "publish", "commit"} <= names
    expected = _finish(trace_root, script)
    assert "nuova di a" in expected["subjects"] and "da a" in expected["subjects"]
    assert "da b, già unita" in expected["subjects"] and "da b, in arrivo" in expected["notes"]
    assert expected["doubled"] == 0
    for k in range(1, len(points) + 1):
        root = tmp_path / f"k{k}"
        copy_world(prepared, root)
        killed = _run(script, _args(script, root), {CRASH_AT_ENV: str(k)})
        assert killed.returncode == -signal.SIGKILL, (points[k - 1], killed.stderr)
        assert _finish(root, script) == expected, points[k - 1]
        shutil.rmtree(root)

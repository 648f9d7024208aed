"""How extract-v1.zip was made (format 1). Do not regenerate it when the format
changes: the point of a golden file is that files already written keep importing.

    TASKFORCE_OGGI=2026-11-20 PYTHONPATH=. .venv/bin/python tests/data/sync/make_golden.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.sync_helpers import World

from taskforce_tui.sync.folder import SyncFolder


def world_with_a_golden_conflict(root: Path) -> tuple[World, str]:
    """Two experts who changed one subject differently (b's clock an hour ahead), after
    a full round: the state both golden extracts were taken from."""
    world = World(root / "w", 2)
    a, b = world.laptops
    pid = b.conn.execute("SELECT id FROM practice WHERE comune_code = '016024'").fetchone()[0]
    with a.write() as tx:
        tx.update("practice", pid, {"subject": "altro valore"})
    with b.lock:
        b.conn.execute(
            "UPDATE replica SET hlc_wall = hlc_wall + 3600000 WHERE id = ?", (b.replica_id,)
        )
    with b.write() as tx:
        tx.update("practice", pid, {"subject": "golden"})
    world.full_round()
    return world, str(pid)


def main() -> None:
    root = Path(tempfile.mkdtemp())
    world, _pid = world_with_a_golden_conflict(root)
    (_, path), *_ = SyncFolder(world.folder).extracts(world.experts[1])
    shutil.copy(path, Path(__file__).with_name("extract-v1.zip"))
    world.close()
    shutil.rmtree(root)


if __name__ == "__main__":
    main()

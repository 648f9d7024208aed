"""How the golden files of format 2 in v2/ were made (signed and sealed bundles).
Do not regenerate them when the format changes: the point of a golden file is that
files already written keep being read. The keys beside them are throwaway test keys,
made for these files only.

    TASKFORCE_OGGI=2026-12-03 PYTHONPATH=. .venv/bin/python tests/data/sync/make_golden_v2.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from tests.data.sync.make_golden import world_with_a_golden_conflict

from taskforce_tui.sync import device, laptop
from taskforce_tui.sync.folder import SyncFolder

HERE = Path(__file__).with_name("v2")


def main() -> None:
    root = Path(tempfile.mkdtemp())
    world, pid = world_with_a_golden_conflict(root)
    a, b = world.laptops
    HERE.mkdir(exist_ok=True)
    (generation, path), *_ = SyncFolder(world.folder).extracts(world.experts[1])
    shutil.copy(path, HERE / "extract.zip")
    shutil.copy(device.keys_dir(b) / "dispositivo.key", HERE / "device.key")
    with a.write() as tx:
        tx.update("practice", pid, {"notes": "nota del formato 2"})
    laptop.export(a, SyncFolder(world.folder), world.experts[0], laptop.SyncReport())
    (_, outbox), *_ = SyncFolder(world.folder).outboxes()
    shutil.copy(outbox, HERE / "outbox.zip")
    shutil.copy(world.central.keys_path, HERE / "coordinator.key")
    facts = {
        "generation": generation,
        "expert_id": world.experts[1],
        "trust": device.pinned(b),
        "outbox_expert_id": world.experts[0],
        "outbox_signer": device.device_keys(a).public.id,
        "practice_id": pid,
    }
    (HERE / "facts.json").write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n")
    world.close()
    shutil.rmtree(root)


if __name__ == "__main__":
    main()

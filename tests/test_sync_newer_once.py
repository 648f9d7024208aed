"""An outbox from a newer version waits for an updated coordinator: it is reported at
the first merge that finds it, not at every merge after (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync_helpers import World, device, keys_for, reseal, set_manifest

#: the centre on its SQLite file and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("centre_backend")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "w", 2)
    yield w
    w.close()


def _claim_format(world: World, i: int, path: Path, version: int) -> None:
    """Rewrite an outbox's manifest as a newer version would have written it (signed by
    the same device)."""
    reseal(
        path,
        keys_for(world, "outbox"),
        set_manifest(format_version=version),
        signer=device.device_keys(world.laptops[i]),
    )


def _newer_outbox(world: World, i: int) -> Path:
    s = world.laptops[i]
    pid = s.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    with s.write() as tx:
        tx.update("practice", pid, {"notes": f"dal portatile {i}"})
    before = set(world.outboxes())
    world.export(i)
    (path,) = set(world.outboxes()) - before
    _claim_format(world, i, path, 99)
    return path


def test_a_newer_outbox_is_reported_once(world: World) -> None:
    first = _newer_outbox(world, 0)
    report = world.merge()
    assert report.newer == [first.name] and report.generation is None
    again = world.merge()
    assert first.exists()  # still waiting for an updated coordinator, not quarantined
    assert again.newer == []
    # once per file, not once ever: another newer file is reported when it arrives
    second = _newer_outbox(world, 1)
    third = world.merge()
    assert third.newer == [second.name]
    assert first.exists() and second.exists()

"""Visual regression of the Aree interne place and of an intervention's detail."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from taskforce_tui.store.db import Store
from tests.test_aree_tui import open_aree, world
from tests.test_snapshots import _settle
from tests.tui_helpers import app_on, wait_for, wait_for_screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_aree_place(snap_compare: Any, expert_store: Store, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await open_aree(pilot)
        await _settle(pilot)

    assert snap_compare(app_on(world(expert_store)), terminal_size=size, run_before=run)


def test_intervention_detail(snap_compare: Any, expert_store: Store) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        table = await open_aree(pilot)
        table.focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, "InterventionScreen")
        await wait_for(pilot, lambda: pilot.app.screen.view is not None)
        await _settle(pilot)

    assert snap_compare(app_on(world(expert_store)), terminal_size=(120, 40), run_before=run)

"""Visual regression of the Indicatori screen at 80x24 (demo data, today pinned)."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot

from taskforce_tui.app import TaskforceApp
from taskforce_tui.screens.indicators import IndicatorsScreen
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile


def test_indicators_snapshot(snap_compare: Any, demo_store: Store) -> None:
    folder = demo_store.path.parent
    demo_store.close()

    async def ready(pilot: Pilot[Any]) -> None:
        app = pilot.app
        for _ in range(200):
            if getattr(app, "store", None) is not None:
                break
            await pilot.pause(0.05)
        await pilot.press("5")
        for _ in range(200):
            if isinstance(app.screen, IndicatorsScreen):
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, IndicatorsScreen)
        await asyncio.wait_for(screen.ready.wait(), 10)
        await pilot.press("down", "down")  # the second Comune of the ranking
        await pilot.pause()

    assert snap_compare(TaskforceApp(Profile(folder)), terminal_size=(80, 24), run_before=ready)

"""Visual regressions of the main screens (pytest-textual-snapshot), fixed data and date."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from taskforce_tui.app import TaskforceApp
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile
from tests.test_app import wait_for_rows


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_home_snapshot(snap_compare: Any, demo_store: Store, size: tuple[int, int]) -> None:
    folder = demo_store.path.parent
    demo_store.close()

    async def ready(pilot: Pilot[Any]) -> None:
        await wait_for_rows(pilot)
        await pilot.pause()

    assert snap_compare(TaskforceApp(Profile(folder)), terminal_size=size, run_before=ready)

"""The TUI's first screen: what the expert sees on opening the app."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile


async def wait_for_rows(pilot: Pilot[Any], selector: str = "#comuni", timeout: float = 10) -> None:
    table = pilot.app.screen.query_one(selector, DataTable)
    for _ in range(int(timeout / 0.05)):
        if table.row_count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{selector} stayed empty")


async def test_home_lists_the_experts_comuni(demo_store: Store) -> None:
    folder = demo_store.path.parent
    codes = demo_store.comuni.assigned_codes(demo_store.expert_id)
    from taskforce_tui.domain.dates import today

    expected = {s.comune.name: s for s in demo_store.comuni.summaries(codes, today())}
    demo_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot)
        table = app.screen.query_one("#comuni", DataTable)
        assert table.row_count == 8
        for row_key in table.rows:
            name, province, open_count, overdue = table.get_row(row_key)
            assert province == "BG"
            assert open_count == expected[name].open_practices
            assert overdue == expected[name].overdue_practices
        status = str(app.screen.query_one("#status", Static).render())
        total_open = sum(s.open_practices for s in expected.values())
        assert f"{total_open} pratiche aperte" in status


async def test_newer_database_is_reported_not_crashed(tmp_path: Path) -> None:
    import sqlite3

    from taskforce_tui.store.schema import SCHEMA_VERSION

    folder = tmp_path / "newer"
    Store(folder / "taskforce.sqlite3").close()
    conn = sqlite3.connect(folder / "taskforce.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            if app._notifications:
                break
            await pilot.pause(0.05)
        messages = [n.message for n in app._notifications]
        assert any("Aggiorna l'applicazione" in m for m in messages)

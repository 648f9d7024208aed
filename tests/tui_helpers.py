"""Helpers for the Pilot tests of the screens: start the app on a profile, wait for
what a user would wait for, read what the screen shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile


def app_on(store: Store) -> TaskforceApp:
    """Close the fixture's store and build an app on the same profile folder."""
    folder = store.path.parent
    store.close()
    return TaskforceApp(Profile(folder))


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 10, what: str = ""
) -> None:
    for _ in range(int(timeout / 0.02)):
        try:
            if predicate():
                await pilot.pause()
                return
        except Exception:  # the screen may still be composing
            pass
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or predicate}")


async def wait_for_screen(pilot: Pilot[Any], name: str, timeout: float = 10) -> None:
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == name, timeout, name)


async def wait_for_rows(
    pilot: Pilot[Any], selector: str, minimum: int = 1, timeout: float = 10
) -> Any:
    """The table (DataTable or FastTable) once it has rows."""

    def ready() -> bool:
        table: Any = pilot.app.screen.query_one(selector)
        return bool(table.row_count >= minimum)

    await wait_for(pilot, ready, timeout, f"rows in {selector}")
    return pilot.app.screen.query_one(selector)


async def wait_idle(pilot: Pilot[Any]) -> None:
    """Wait until no worker runs (the app and its screens), then let the UI settle."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def row_keys(table: Any) -> list[str]:
    if isinstance(table, DataTable):
        return [str(k.value) for k in table.rows]
    return list(table.row_keys)


def column(table: Any, key: str) -> list[str]:
    """A column as the plain text the user reads."""
    return [str(v) for v in table.get_column(key)]


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Fill an input as a paste would (the filter tests type key by key)."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = text
    widget.cursor_position = len(text)
    await pilot.pause()


def notifications(app: TaskforceApp) -> list[str]:
    return [n.message for n in app._notifications]


def profile_folder(store: Store) -> Path:
    return store.path.parent

"""Visual regressions of the main screens (pytest-textual-snapshot) at 80x24 and 120x40,
on the demo data with today fixed at 2026-11-20, cursor blink off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from taskforce_tui.store.db import Store
from taskforce_tui.store.practices import PracticeFilter
from tests.tui_helpers import app_on, wait_for, wait_for_rows, wait_for_screen, wait_idle

SIZES = [(80, 24), (120, 40)]


async def _settle(pilot: Pilot[Any]) -> None:
    await wait_idle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


async def _indicators_loaded(pilot: Pilot[Any]) -> None:
    from taskforce_tui.widgets.indicators import IndicatorsPanel

    await wait_for(pilot, lambda: pilot.app.screen.query(IndicatorsPanel))
    panel = pilot.app.screen.query_one(IndicatorsPanel)
    await wait_for(pilot, lambda: panel.loaded is not None)


async def _oggi(pilot: Pilot[Any]) -> None:
    await wait_for_rows(pilot, "#comuni")
    await _indicators_loaded(pilot)
    await _settle(pilot)


async def _pratiche(pilot: Pilot[Any]) -> None:
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("2")
    await wait_for_rows(pilot, "#practices")
    await _settle(pilot)


async def _richieste(pilot: Pilot[Any]) -> None:
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("3")
    await wait_for_rows(pilot, "#requests")
    await _settle(pilot)


async def _comune(pilot: Pilot[Any]) -> None:
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("down", "enter")
    await wait_for_screen(pilot, "ComuneScreen")
    await wait_for_rows(pilot, "#practices")
    await _indicators_loaded(pilot)
    await _settle(pilot)


def _pratica(practice_id: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await wait_for_rows(pilot, "#comuni")
        pilot.app.open_practice(practice_id)  # type: ignore[attr-defined]
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: pilot.app.screen.view is not None)
        await _settle(pilot)

    return run


def _suspended(store: Store) -> str:
    """A suspended, overdue-looking practice: the richest detail screen."""
    rows = store.practices.page(
        PracticeFilter(statuses=["sospesa"]), sort="protocollo", descending=False, limit=1
    )
    return rows[0].id


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", ["oggi", "pratiche", "richieste", "comune", "pratica"])
def test_main_screens(
    snap_compare: Any, demo_store: Store, screen: str, size: tuple[int, int]
) -> None:
    steps: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
        "oggi": _oggi,
        "pratiche": _pratiche,
        "richieste": _richieste,
        "comune": _comune,
    }
    if screen == "pratica":
        steps["pratica"] = _pratica(_suspended(demo_store))
    assert snap_compare(app_on(demo_store), terminal_size=size, run_before=steps[screen])


def test_new_practice_form(snap_compare: Any, demo_store: Store) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("n")
        await wait_for(pilot, lambda: pilot.app.screen.id == "practice-new")
        await pilot.press("f2")  # show the inline errors
        await _settle(pilot)

    assert snap_compare(app_on(demo_store), terminal_size=(80, 24), run_before=run)


def test_first_run_wizard(snap_compare: Any, store: Store) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await wait_for_screen(pilot, "WizardScreen")
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#results").option_count)
        await _settle(pilot)

    assert snap_compare(app_on(store), terminal_size=(80, 24), run_before=run)

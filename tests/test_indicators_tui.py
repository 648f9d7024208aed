"""The Indicatori screen, the baseline form and the indicators panel (Pilot)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.domain.dates import Semester, today
from taskforce_tui.screens.baseline_form import BaselineForm
from taskforce_tui.screens.indicators import IndicatorsScreen
from taskforce_tui.store.db import Store
from taskforce_tui.store.indicators import IndicatorRepo
from taskforce_tui.store.paths import Profile
from taskforce_tui.widgets.fasttable import FastTable
from taskforce_tui.widgets.indicators import (
    IndicatorsPanel,
    TrendPoint,
    hbar,
    load_panel,
    panel_text,
    trend_lines,
)


async def wait_until(pilot: Pilot[Any], check: Any, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


async def open_indicators(pilot: Pilot[Any]) -> IndicatorsScreen:
    app = pilot.app
    await wait_until(pilot, lambda: getattr(app, "store", None) is not None)
    await pilot.press("5")
    await wait_until(pilot, lambda: isinstance(app.screen, IndicatorsScreen))
    screen = app.screen
    assert isinstance(screen, IndicatorsScreen)
    await asyncio.wait_for(screen.ready.wait(), 10)
    return screen


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.fixture
def demo(demo_store: Store) -> tuple[Path, dict[str, Any]]:
    """The demo profile's folder and the figures the screen must show."""
    codes = demo_store.comuni.assigned_codes(demo_store.expert_id)
    names = {c.istat_code: c.name for c in demo_store.comuni.assigned(demo_store.expert_id)}
    current = IndicatorRepo(demo_store).by_comune(Semester.of(today()), codes)
    folder = demo_store.path.parent
    demo_store.close()
    return folder, {"codes": codes, "names": names, "current": current}


def baseline_state(folder: Path) -> tuple[int, int]:
    with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM baseline WHERE deleted = 0").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0],
        )


async def test_indicators_screen_shows_ranking_and_trend(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    folder, expected = demo
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_indicators(pilot)
        table = screen.query_one("#ranking", FastTable)
        assert table.row_count == 9
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert str(rows[0][1]) == "Tutti (8)"
        total_backlog = sum(f.backlog for f in expected["current"].values())
        assert str(rows[0][2]) == str(total_backlog)
        backlogs = []
        for row in rows[1:]:
            code = next(c for c, n in expected["names"].items() if n.startswith(str(row[1])))
            assert str(row[2]) == str(expected["current"][code].backlog)
            backlogs.append(expected["current"][code].backlog)
        assert backlogs == sorted(backlogs, reverse=True)
        title = text_of(screen, "#ind-title")
        assert "2026-H2, in corso al 20/11/2026" in title and "tutti i tuoi Comuni" in title
        trend = text_of(screen, "#trend")
        assert "2026-H2*" in trend and "Base 2022-H1" in trend and "2026-H1" in trend
        assert f"{total_backlog} │" in trend  # the number beside the bar
        assert "smaltito" in text_of(screen, "#ind-progress")

        await pilot.press("down")
        first = str(rows[1][1])
        await wait_until(pilot, lambda: first in text_of(screen, "#ind-title"))

        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: screen.data is not None and screen.data.semester.half == 1)
        assert "2026-H1, al 30/06/2026" in text_of(screen, "#ind-title")
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen.data is not None and screen.data.semester.half == 2)
        await pilot.press("right_square_bracket")  # 2027-H1 has not started
        await pilot.pause(0.1)
        assert screen.data is not None and str(screen.data.semester) == "2026-H2"
        assert any("non è ancora iniziato" in n.message for n in app._notifications)

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, IndicatorsScreen))


async def test_baseline_form_refuses_bad_input_then_saves(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    folder, _ = demo
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_indicators(pilot)
        await pilot.press("b")  # on the total row: asks to choose a Comune
        await pilot.pause(0.05)
        assert not isinstance(app.screen, BaselineForm)
        assert any("Scegli un Comune" in n.message for n in app._notifications)
        await pilot.press("down")
        comune = screen.focus_code
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BaselineForm))
        form = app.screen
        form.query_one("#f-procedure_type", Select).value = "rifiuti_208"
        await pilot.pause(0.05)
        before = baseline_state(folder)

        form.query_one("#f-period", Input).value = "2022-X1"
        form.query_one("#f-avg_duration_days", Input).value = "55,5"
        await pilot.click("#form-save")
        await pilot.pause(0.05)
        error = form.query_one("#e-period", Static)
        assert error.has_class("-shown") and "Semestre non valido" in str(error.render())
        assert app.screen is form and form.query_one("#f-period", Input).has_focus

        form.query_one("#f-period", Input).value = "2022-H1"
        form.query_one("#f-avg_duration_days", Input).value = "-3"
        await pilot.pause()  # the period's message goes as it is corrected
        await pilot.click("#form-save")
        await pilot.pause(0.05)
        assert "negativo" in str(form.query_one("#e-avg_duration_days", Static).render())
        assert not form.query_one("#e-period", Static).has_class("-shown")
        assert baseline_state(folder) == before  # nothing written

        form.query_one("#f-avg_duration_days", Input).value = "55,5"
        form.query_one("#f-backlog", Input).value = "7"
        form.query_one("#f-backlog", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)

        def saved() -> bool:
            with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
                row = conn.execute(
                    "SELECT avg_duration_days, backlog, period, source FROM baseline "
                    "WHERE comune_code = ? AND procedure_type = 'rifiuti_208' AND deleted = 0",
                    (comune,),
                ).fetchone()
            return row == (55.5, 7, "2022-H1", "esperto")

        await wait_until(pilot, saved)
        assert baseline_state(folder)[1] > before[1]  # op-logged
        await wait_until(pilot, lambda: any("salvata" in n.message for n in app._notifications))


async def test_baseline_form_escape_writes_nothing(demo: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = demo
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_indicators(pilot)
        await pilot.press("down", "b")
        await wait_until(pilot, lambda: isinstance(app.screen, BaselineForm))
        before = baseline_state(folder)
        app.screen.query_one("#f-backlog", Input).value = "999"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.pause(0.1)
        assert baseline_state(folder) == before


async def test_palette_opens_the_indicators_of_a_comune(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    folder, _ = demo
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.store is not None)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Indicatori di Bergamo")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IndicatorsScreen))
        screen = app.screen
        assert isinstance(screen, IndicatorsScreen)
        await asyncio.wait_for(screen.ready.wait(), 10)
        assert screen.focus_code == "016024"
        assert text_of(screen, "#ind-title").endswith("- Bergamo")


class PanelApp(App[None]):
    def __init__(self, store: Store, codes: list[str]) -> None:
        super().__init__()
        self.store = store
        self.codes = codes

    def compose(self) -> ComposeResult:
        yield IndicatorsPanel(self.codes, title="I miei Comuni", id="panel")


async def test_indicators_panel_for_a_set_of_comuni(demo_store: Store) -> None:
    codes = demo_store.comuni.assigned_codes(demo_store.expert_id)[:3]
    semester, day, figures, prog = load_panel(demo_store, codes, today())
    expected = panel_text("I miei Comuni", semester, day, figures, prog)
    assert "2° semestre 2026 (in corso, al 20/11/2026)" in expected
    assert f"Arretrato {figures.backlog} su {figures.pending} pendenti" in expected
    app = PanelApp(demo_store, codes)
    async with app.run_test(size=(100, 10)) as pilot:
        panel = app.query_one("#panel", IndicatorsPanel)
        await wait_until(pilot, lambda: panel.loaded is not None)
        assert str(panel.render()) == expected
        panel.set_comuni([], "Nessuno")
        await pilot.pause(0.05)
        assert "nessun Comune" in str(panel.render())


def test_bars_and_trend_lines() -> None:
    assert hbar(None, 10, 8) == "" and hbar(0, 10, 8) == ""
    assert hbar(10, 10, 4) == "████"
    assert hbar(5, 10, 3) == "█▌"
    assert hbar(0.001, 10, 8) == "▏"  # never invisible
    lines = trend_lines(
        [TrendPoint("Base 2022-H1", 40, 90.0), TrendPoint("2026-H2*", 20, None)], 78
    )
    assert all(len(line) <= 78 for line in lines)
    assert lines[1].startswith("Base 2022-H1 ") and "40 │" in lines[1] and "90,0 gg" in lines[1]
    assert "20 │" in lines[2] and lines[2].endswith("n.d.")


async def test_enter_on_the_ranking_opens_the_comune(demo: tuple[Path, dict[str, Any]]) -> None:
    """Seen in tmux: the footer said «⏎ Apri» on the ranking and Enter did nothing."""
    from taskforce_tui.screens.comune import ComuneScreen

    folder, _ = demo
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_indicators(pilot)
        await pilot.press("enter")  # the total row: no Comune to open
        await pilot.pause(0.1)
        assert app.screen is screen
        await pilot.press("down")
        await wait_until(pilot, lambda: screen.focus_code != "__tutti__")
        code = screen.focus_code
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ComuneScreen))
        assert isinstance(app.screen, ComuneScreen) and app.screen.comune_code == code
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_no_concluded_practice_reads_as_words_not_as_dash_gg(expert_store: Store) -> None:
    """Seen in tmux at 80x24 on a new profile: «Durata media - gg» on Indicatori and
    on Oggi's panel."""
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(80, 24)) as pilot:

        def panel() -> str:
            found = app.screen.query("#indicators")
            return str(found.first().render()) if found else ""

        await wait_until(pilot, lambda: "Durata media" in panel())
        oggi = panel()
        screen = await open_indicators(pilot)
        shown = text_of(screen, "#ind-progress")
    for text in (oggi, shown):
        assert "- gg" not in text and "Durata media: nessuna pratica conclusa" in text, text

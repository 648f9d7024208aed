"""Registro ore in the TUI (Pilot): the week view, the entry form with good and bad
input, edit and delete, the timer key from any screen, the overrun prompt, export."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.screens.modals.confirm import ConfirmModal
from taskforce_tui.screens.timelog import TimeLogScreen
from taskforce_tui.screens.timelog_forms import (
    ExportForm,
    StopTimerModal,
    TimeLogForm,
    TimerStartForm,
)
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile

BERGAMO, SERIATE, TREVIGLIO = "016024", "016198", "016219"
SIZE = (100, 30)
# "Now" carries its offset: this process's local zone and a child process's (TZ set
# by the fixtures after start-up) may differ, and the timer is shared between them.


async def until(pilot: Pilot[Any], check: Callable[[], object], timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


def add(store: Store, day: date, minutes: int, comune: str | None, **kw: Any) -> TimeLog:
    return store.timelogs.add(
        TimeLog(
            "",
            store.expert_id or "",
            day,
            minutes,
            kw.pop("activity", "riunione"),
            "presenza",
            comune,
            **kw,
        )
    )


def live_logs(folder: Path) -> list[tuple[Any, ...]]:
    with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
        return conn.execute(
            "SELECT work_date, minutes, comune_code, activity, start_time, end_time, note "
            "FROM time_log WHERE deleted = 0 ORDER BY work_date, start_time, minutes"
        ).fetchall()


@pytest.fixture
def week(expert_store: Store) -> Path:
    """Anna's week of 16-22 November 2026 (today is Friday 20)."""
    add(expert_store, date(2026, 11, 16), 90, BERGAMO, start_time="09:00", end_time="10:30")
    add(expert_store, date(2026, 11, 16), 60, TREVIGLIO)
    add(expert_store, date(2026, 11, 18), 150, BERGAMO, activity="istruttoria")
    add(expert_store, date(2026, 11, 19), 45, None, activity="coordinamento")
    add(expert_store, date(2026, 11, 10), 30, SERIATE)  # the week before
    folder = expert_store.path.parent
    expert_store.close()
    return folder


async def open_registro(pilot: Pilot[Any]) -> TimeLogScreen:
    app = pilot.app
    await until(pilot, lambda: getattr(app, "store", None) is not None)
    await pilot.press("4")
    await until(pilot, lambda: isinstance(app.screen, TimeLogScreen) and app.screen.data)
    screen = app.screen
    assert isinstance(screen, TimeLogScreen)
    return screen


async def open_new_entry(pilot: Pilot[Any]) -> None:
    """Registro ore, then n: the entry form."""
    await open_registro(pilot)
    await pilot.press("n")
    await until(pilot, lambda: isinstance(pilot.app.screen, TimeLogForm))


def grid(screen: TimeLogScreen) -> dict[str, list[str]]:
    table = screen.query_one("#week", DataTable)
    named = {"__totale__": "Totale"}
    return {
        named.get(str(key.value), str(key.value)): [str(v) for v in table.get_row(key)[1:]]
        for key in table.rows
    }


def title(screen: TimeLogScreen) -> str:
    return str(screen.query_one("#week-title", Static).render())


async def test_week_view_days_by_comuni_with_totals(week: Path) -> None:
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registro(pilot)
        cells = grid(screen)
        assert "dal 16/11/2026 al 22/11/2026 - totale 5:45 ore in 4 registrazioni" in title(screen)
        assert cells["Bergamo"] == ["1:30", "-", "2:30", "-", "-", "-", "-", "4:00"]
        assert cells["Treviglio"] == ["1:00", "-", "-", "-", "-", "-", "-", "1:00"]
        assert cells["Seriate"] == ["-"] * 8  # assigned, nothing this week
        assert cells["Attività trasversale"][3] == "0:45"
        assert cells["Totale"] == ["2:30", "-", "2:30", "0:45", "-", "-", "-", "5:45"]
        assert screen.query_one("#entries", DataTable).row_count == 4
        await pilot.press("p")
        await until(pilot, lambda: "dal 09/11/2026" in title(screen))
        assert grid(screen)["Seriate"][1] == "0:30"
        assert grid(screen)["Totale"][-1] == "0:30"
        await pilot.press("s", "s")
        await until(pilot, lambda: "dal 23/11/2026" in title(screen))
        assert "totale 0:00 ore in 0 registrazioni" in title(screen)
        await pilot.press("c")
        await until(pilot, lambda: "dal 16/11/2026" in title(screen))
        # Enter on a cell: a new entry for that Comune and day
        table = screen.query_one("#week", DataTable)
        table.focus()
        table.move_cursor(row=list(grid(screen)).index("Seriate"), column=4)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TimeLogForm))
        assert app.screen.query_one("#f-comune", Input).value == "Seriate"
        assert app.screen.query_one("#f-data", Input).value == "19/11/2026"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))


async def fill(pilot: Pilot[Any], **values: str) -> None:
    for name, value in values.items():
        pilot.app.screen.query_one(f"#f-{name}", Input).value = value
    await pilot.pause()


async def save(pilot: Pilot[Any]) -> None:
    """Click the form's main button (after its 0.2 s press effect, which ignores clicks)."""
    button = pilot.app.screen.query_one("#form-save")
    await until(pilot, lambda: not button.has_class("-active"))
    await pilot.click("#form-save")


def errors(pilot: Pilot[Any]) -> dict[str, str]:
    return {
        str(e.id).removeprefix("e-"): str(e.render())
        for e in pilot.app.screen.query(".form-error")
        if e.has_class("-shown") and e.id != "e-_form"
    }


async def test_form_good_input_writes_and_shows_it(week: Path) -> None:
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_registro(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TimeLogForm))
        await fill(pilot, durata="1h15", dalle="14:00", comune="Seriate", nota="=B1*2")
        await save(pilot)
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
        await until(pilot, lambda: grid(screen)["Seriate"][4] == "1:15")
        assert grid(screen)["Totale"][-1] == "7:00"
    assert ("2026-11-20", 75, SERIATE, "affiancamento", "14:00", "15:15", "=B1*2") in live_logs(
        week
    )


async def test_form_bad_input_shows_messages_and_writes_nothing(week: Path) -> None:
    before = live_logs(week)
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await open_new_entry(pilot)
        # local checks: every field at once
        await fill(pilot, data="21/11/2026", durata="0h", dalle="25:00")
        await save(pilot)
        await pilot.pause()
        shown = errors(pilot)
        assert "nel futuro" in shown["data"]
        assert "è zero" in shown["durata"]
        assert "Ora non valida" in shown["dalle"]
        assert all(text.startswith("✗ ") for text in shown.values())  # not colour alone
        # checks by the store, beside their field
        await fill(pilot, data="20/11/2026", durata="1h", dalle="", comune="Bergamasco")
        await save(pilot)
        await until(pilot, lambda: "comune" in errors(pilot))
        assert "Comune sconosciuto" in errors(pilot)["comune"]
        assert set(errors(pilot)) == {"comune"}
        await fill(pilot, comune="Bergamo", data="16/11/2026", dalle="10:00")
        await save(pilot)
        await until(pilot, lambda: "dalle" in errors(pilot))
        assert "si sovrappone" in errors(pilot)["dalle"] and "09:00-10:30" in errors(pilot)["dalle"]
        await fill(pilot, dalle="", pratica="999/1999")
        await save(pilot)
        await until(pilot, lambda: "pratica" in errors(pilot))
        assert "Nessuna pratica" in errors(pilot)["pratica"]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
    assert live_logs(week) == before


async def test_long_day_asks_for_confirmation_in_the_form(week: Path) -> None:
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await open_registro(pilot)
        for answer, expected in (("n", 4), ("s", 5)):
            if not isinstance(app.screen, TimeLogForm):
                await pilot.press("n")
                await until(pilot, lambda: isinstance(app.screen, TimeLogForm))
            await fill(pilot, data="18/11/2026", durata="10h", comune="Bergamo")
            await save(pilot)
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
            assert "arriva a 12:30 ore" in str(app.screen.query_one("#question", Static).render())
            await pilot.press(answer)
            await until(pilot, lambda: not isinstance(app.screen, ConfirmModal))
            await pilot.pause(0.2)
            november = [r for r in live_logs(week) if r[0] >= "2026-11-16"]
            assert len(november) == expected


async def test_edit_and_delete_an_entry(week: Path) -> None:
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_registro(pilot)
        entries = screen.query_one("#entries", DataTable)
        entries.focus()
        entries.move_cursor(row=2)  # 18/11, Bergamo, 2:30
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, TimeLogForm))
        assert app.screen.query_one("#f-durata", Input).value == "2:30"
        assert app.screen.query_one("#f-comune", Input).value == "Bergamo"
        await fill(pilot, durata="3h")
        await save(pilot)
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
        await until(pilot, lambda: grid(screen)["Bergamo"][2] == "3:00")
        entries.move_cursor(row=0)  # 16/11 Treviglio 1:00 (no times: first of its day)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("s")
        await until(pilot, lambda: grid(screen)["Treviglio"][-1] == "-")
    logs = live_logs(week)
    assert ("2026-11-18", 180, BERGAMO, "istruttoria", None, None, "") in logs
    assert not any(r[2] == TREVIGLIO for r in logs)
    with Store(week / "taskforce.sqlite3") as s, s.read() as conn:
        fields = {r[0] for r in conn.execute("SELECT field FROM oplog WHERE tbl = 'time_log'")}
    assert {"minutes", "deleted"} <= fields


def places_bar(app: TaskforceApp) -> str:
    from taskforce_tui.screens.base import PlacesBar

    return str(app.screen.query_one(PlacesBar).render())


async def test_timer_key_from_any_screen(week: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKFORCE_ADESSO", "2026-11-20T14:05:00+01:00")
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store is not None)
        await pilot.pause(0.2)
        await pilot.press("t")  # from the home screen
        await until(pilot, lambda: isinstance(app.screen, TimerStartForm))
        await fill(pilot, comune="Treviglio", nota="sopralluogo")
        await save(pilot)
        await until(pilot, lambda: not isinstance(app.screen, TimerStartForm))
        await until(pilot, lambda: "Timer in corso dalle 14:05 - Treviglio" in app.sub_title)
        # The places bar of every screen shows it (text, not colour).
        assert "⏱ dalle 14:05 - Treviglio" in places_bar(app)
        assert app.store is not None
        running = app.store.timer.current()
        assert running is not None and running.comune_code == TREVIGLIO
        screen = await open_registro(pilot)
        assert "⏱ dalle 14:05 - Treviglio" in places_bar(app)
        monkeypatch.setenv("TASKFORCE_ADESSO", "2026-11-20T15:50:30+01:00")
        await pilot.press("t")  # stop it from Registro ore
        await until(pilot, lambda: app.store is not None and app.store.timer.current() is None)
        await until(pilot, lambda: grid(screen)["Treviglio"][4] == "1:45")
        assert app.sub_title == TaskforceApp.SUB_TITLE
        await until(pilot, lambda: "⏱" not in places_bar(app))
        assert any("Registrate 1:45 ore" in n.message for n in app._notifications)
    assert ("2026-11-20", 105, TREVIGLIO, "affiancamento", "14:05", "15:50", "sopralluogo") in (
        live_logs(week)
    )


async def test_timer_started_in_the_shell_stops_in_the_app(
    week: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskforce_tui",
            "timer",
            "avvia",
            "--comune",
            "Seriate",
            "--attivita",
            "arretrato",
        ],
        env={**os.environ, "TASKFORCE_ADESSO": "2026-11-20T08:30+01:00"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    monkeypatch.setenv("TASKFORCE_ADESSO", "2026-11-20T10:00+01:00")
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Timer in corso dalle 08:30 - Seriate" in app.sub_title)
        await pilot.press("t")
        await until(pilot, lambda: app.store is not None and app.store.timer.current() is None)
    assert ("2026-11-20", 90, SERIATE, "arretrato", "08:30", "10:00", "") in live_logs(week)


async def test_overrun_prompt_asks_what_to_record(
    week: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(week / "taskforce.sqlite3") as s:
        monkeypatch.setenv("TASKFORCE_ADESSO", "2026-11-19T17:00+01:00")
        s.timer.start(activity="istruttoria", comune_code=BERGAMO)
    monkeypatch.setenv("TASKFORCE_ADESSO", "2026-11-20T08:40+01:00")
    before = live_logs(week)
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store is not None)
        await pilot.pause(0.2)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, StopTimerModal))
        text = str(app.screen.query_one("#form-intro", Static).render())
        assert "è passata la mezzanotte" in text
        assert not app.screen.query("#all")  # no "record everything" across midnight
        await fill(pilot, alle="16:00")
        await save(pilot)
        await until(pilot, lambda: "alle" in errors(pilot))
        assert "successiva" in errors(pilot)["alle"]
        assert live_logs(week) == before
        await fill(pilot, alle="19:15")
        await save(pilot)
        await until(pilot, lambda: not isinstance(app.screen, StopTimerModal))
        await until(pilot, lambda: app.store is not None and app.store.timer.current() is None)
    assert ("2026-11-19", 135, BERGAMO, "istruttoria", "17:00", "19:15", "") in live_logs(week)


async def test_export_the_month_from_the_screen(week: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "mese.xlsx"
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await open_registro(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ExportForm))
        assert app.screen.query_one("#f-mese", Input).value == "2026-11"
        await fill(pilot, file=str(tmp_path / "manca" / "mese.xlsx"))
        await save(pilot)
        await until(pilot, lambda: "file" in errors(pilot))
        assert "non esiste" in errors(pilot)["file"]
        await fill(pilot, file=str(target))
        await save(pilot)
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
        await asyncio.sleep(0)
        assert any(str(target) in n.message for n in app._notifications)
    ws = load_workbook(target).active
    hours = [row[9] for row in ws.iter_rows(min_row=9, max_row=13, values_only=True)]
    assert [round(h * 60) for h in hours] == [30, 60, 90, 150, 45]


async def test_the_entry_form_behaves_as_every_form(week: Path) -> None:
    """On the one form base: the message clears as the field is corrected, Escape
    writes nothing, F2 saves."""
    before = live_logs(week)
    app = TaskforceApp(Profile(week))
    async with app.run_test(size=SIZE) as pilot:
        await open_new_entry(pilot)
        assert app.screen.focused is app.screen.query_one("#f-durata")
        await pilot.press(*"tanto", "f2")
        await until(pilot, lambda: "durata" in errors(pilot))
        await pilot.press("backspace")
        await until(pilot, lambda: "durata" not in errors(pilot))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
        assert live_logs(week) == before
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TimeLogForm))
        await pilot.press(*"45m", "f2")
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
    assert len(live_logs(week)) == len(before) + 1


async def test_the_form_links_an_intervention_by_its_cup(expert_store: Store) -> None:
    """An optional CUP in the form: a known one is stored with the entry (as `taskforce
    log --intervento`); an unknown or malformed one is refused beside the field and
    nothing is written."""
    from tests.aree_helpers import intervention, with_areas

    with_areas(expert_store)
    item = intervention(expert_store, cup="E21B22000310006")
    folder = expert_store.path.parent
    expert_store.close()

    def links() -> list[tuple[Any, ...]]:
        with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
            return conn.execute(
                "SELECT minutes, intervention_id FROM time_log WHERE deleted = 0 ORDER BY minutes"
            ).fetchall()

    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=SIZE) as pilot:
        await open_new_entry(pilot)
        for cup, message in (
            ("E21B22000399999", "Nessun intervento con CUP E21B22000399999"),
            ("E21B", "CUP non valido"),
        ):
            await fill(pilot, durata="30m", comune="Bergamo", intervento=cup)
            await save(pilot)
            await until(pilot, lambda: "intervento" in errors(pilot))
            assert message in errors(pilot)["intervento"]
            assert isinstance(app.screen, TimeLogForm)
        assert links() == []
        await fill(pilot, intervento="e21b22000310006")  # as typed: upper-cased
        await save(pilot)
        await until(pilot, lambda: isinstance(app.screen, TimeLogScreen))
    assert links() == [(30, item.id)]
    with Store(folder / "taskforce.sqlite3") as s:
        assert s.interventions.linked(item.id)["time_log"] == 1
        (row,) = s.timelogs.list(s.expert_id)
        assert row.intervention_cup == "E21B22000310006"

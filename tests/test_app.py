"""The TUI's first screen (Oggi), opening errors, crashes, help, keys and the palette."""

from __future__ import annotations

import gc
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import DataTable, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.domain.dates import today
from taskforce_tui.domain.timelog import NOW_ENV, format_minutes
from taskforce_tui.store.db import Store
from taskforce_tui.store.overview import comuni_overview
from taskforce_tui.store.paths import Profile
from tests.tui_helpers import (
    app_on,
    notifications,
    text_of,
    wait_for,
    wait_for_rows,
    wait_for_screen,
    wait_idle,
)


async def test_home_lists_the_experts_comuni(demo_store: Store) -> None:
    codes = demo_store.comuni.assigned_codes(demo_store.expert_id)
    expected = {
        r.name: r for r in comuni_overview(demo_store, codes, demo_store.expert_id, today())
    }
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await wait_for_rows(pilot, "#comuni")
        assert table.row_count == 8
        for row_key in table.row_keys:
            name, province, open_count, overdue, gross, requests, hours = (
                str(v) for v in table.get_row(row_key)
            )
            e = expected[name]
            assert province == "BG"
            assert int(open_count) == e.open_practices
            # Lateness is marked with a symbol, never by colour alone.
            assert overdue == (f"⚠ {e.overdue_practices}" if e.overdue_practices else "0")
            assert gross == (f"{e.avg_gross_days:.0f} gg" if e.avg_gross_days else "—")
            assert int(requests) == e.open_requests
            assert hours.replace(",", ".") == f"{e.month_minutes / 60:g}"
        status = text_of(pilot, "#summary")
        total_open = sum(e.open_practices for e in expected.values())
        assert f"{total_open} pratiche aperte" in status
        assert "nessun timer" in text_of(pilot, "#summary")
        sync = text_of(pilot, "#summary")
        assert "Ultima sincronizzazione: mai" in sync
        assert "nessuna modifica da inviare" in sync


async def test_start_up_heap_is_frozen_while_the_app_runs(demo_store: Store) -> None:
    """What start-up built is out of the full collections' way while the app runs
    (freeze_startup_heap) and handed back when it closes."""
    gc.unfreeze()  # whatever an earlier test left
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await wait_idle(pilot)
        assert gc.get_freeze_count() > 10_000  # modules, styles, widgets, the store
    assert gc.get_freeze_count() == 0


async def test_a_closed_screen_leaves_no_rendering_behind(demo_store: Store) -> None:
    """Textual's lru_cache on StylesCache.get_inner_outer kept every widget's rendering
    cache alive after its screen closed (Textual issue #6665; textual_fixes.py)."""
    from textual._styles_cache import StylesCache

    def caches() -> int:
        gc.collect()
        return sum(isinstance(o, StylesCache) for o in gc.get_objects())

    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")

        async def open_and_close() -> None:
            screen: Screen[None] = Screen()
            await app.push_screen(screen)
            await screen.mount_all(Static(f"riga {i}") for i in range(20))
            await pilot.pause()
            app.pop_screen()
            await pilot.pause()

        await open_and_close()
        before = caches()
        for _ in range(3):
            await open_and_close()
        assert caches() <= before


async def test_oggi_shows_last_sync_and_unsent_changes(demo_store: Store) -> None:
    demo_store.set_meta("last_sync_at", "2026-11-19T17:03:00Z")
    from taskforce_tui.store.practices import PracticeFilter

    practice_id = demo_store.practices.page(PracticeFilter(statuses=["aperta"]), limit=1)[0].id
    demo_store.practices.edit(practice_id, notes="verificato in Comune")
    pending = demo_store.pending_ops()
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        sync = text_of(pilot, "#summary")
        local = datetime.fromisoformat("2026-11-19T17:03:00+00:00").astimezone()
        assert f"Ultima sincronizzazione: {local:%d/%m/%Y %H:%M}" in sync
        assert f"{pending} modific" in sync


async def test_newer_database_is_reported_not_crashed(tmp_path: Path) -> None:
    from taskforce_tui.store.schema import SCHEMA_VERSION

    folder = tmp_path / "newer"
    Store(folder / "taskforce.sqlite3").close()
    conn = sqlite3.connect(folder / "taskforce.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app._notifications)
        assert any("Aggiorna l'applicazione" in m for m in notifications(app))


async def test_comune_screen_tabs(demo_store: Store) -> None:
    from taskforce_tui.domain.dates import Semester
    from taskforce_tui.store.overview import semester_figures

    code = demo_store.comuni.resolve("Seriate").istat_code
    requests = demo_store.requests.list(comuni=[code])
    figures = semester_figures(demo_store, code, Semester.of(today()), today())
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await wait_for_rows(pilot, "#comuni")
        table.select_key(code)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for_screen(pilot, "ComuneScreen")
        await wait_idle(pilot)
        assert "Seriate (BG)" in text_of(pilot, "#head")
        practices: Any = app.screen.query_one("#practices")
        assert practices.row_count == figures.open_now + figures.suspended_now
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: app.screen.query_one("#tabs").active == "tab-requests")
        assert app.screen.query_one("#requests", DataTable).row_count == len(requests)
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: app.screen.query_one("#tabs").active == "tab-hours")
        logs = app.screen.query_one("#hours", DataTable)
        assert logs.row_count > 0
        assert app.store is not None
        first = app.store.timelogs.get(str(logs.coordinate_to_cell_key((0, 0)).row_key.value))
        assert str(logs.get_row_at(0)[1]) == format_minutes(first.minutes)  # as in Registro ore
        await pilot.press("greater_than_sign")
        indicators = text_of(pilot, "#indicators")
        assert figures.semester.label in indicators
        assert f"{figures.avg_gross_days:.0f} gg" in indicators
        assert "2° semestre 2026" in indicators and "1° semestre 2026" in indicators
        await pilot.press("escape")
        await wait_for_screen(pilot, "HomeScreen")


async def test_palette_opens_a_comune(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, "ItalianPalette")
        from textual.command import CommandInput

        assert app.screen.query_one(CommandInput).placeholder.startswith("Cerca un comando")
        for char in "comune romano":
            await pilot.press(char)

        def first_hit() -> str:
            from textual.command import CommandList

            hits = app.screen.query_one(CommandList)
            return str(hits.get_option_at_index(0).prompt) if hits.option_count else ""

        await wait_for(pilot, lambda: "Romano di Lombardia" in first_hit())
        await pilot.pause(0.4)  # the palette adds hits in batches
        assert "Romano di Lombardia" in first_hit()
        await pilot.press("enter")
        await wait_for_screen(pilot, "ComuneScreen")
        await wait_idle(pilot)
        assert "Romano di Lombardia (BG)" in text_of(pilot, "#head")


async def test_help_lists_the_screen_keys(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("f1")
        await wait_for_screen(pilot, "HelpScreen")
        from textual.widgets import Markdown

        text = app.screen.query_one(Markdown).source
        assert "Tasti di questa schermata" in text
        assert "`table.open`" in text and "`app.timer`" in text
        assert "## Pratica" in text  # the packaged help follows
        await pilot.press("escape")
        await wait_for_screen(pilot, "HomeScreen")


def test_every_binding_has_an_id_a_description_and_help() -> None:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.keys import declared_bindings
    from taskforce_tui.screens.help import help_text

    bindings = declared_bindings(TaskforceApp)
    help_md = help_text()
    assert len(bindings) > 40
    for binding_id, (key, description, where) in bindings.items():
        assert description, f"{binding_id} in {where} has no description"
        assert f"`{binding_id}`" in help_md, f"{binding_id} ({where}) missing from aiuto.md"
        assert "ctrl+s" not in key and "ctrl+j" not in key


async def test_user_keymap_and_bad_config(demo_store: Store) -> None:
    from taskforce_tui.store.practices import PracticeFilter

    folder = demo_store.path.parent
    (folder / "config.toml").write_text(
        '[keys]\n"practice.suspend" = "z"\n"no.such.binding" = "y"\n"app.quit" = 3\n',
        encoding="utf-8",
    )
    practice_id = demo_store.practices.page(PracticeFilter(statuses=["aperta"]), limit=1)[0].id
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await wait_for(pilot, lambda: len(app._notifications) >= 2)
        messages = " ".join(notifications(app))
        assert "no.such.binding" in messages and "app.quit" in messages
        app.open_practice(practice_id)
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: app.screen.view is not None)
        await pilot.press("s")  # no longer bound
        await pilot.pause()
        assert type(app.screen).__name__ == "PracticeScreen"
        await pilot.press("z")
        await wait_for(pilot, lambda: app.screen.id == "practice-suspend")


async def test_broken_config_keeps_the_default_keys(demo_store: Store) -> None:
    (demo_store.path.parent / "config.toml").write_text("[keys\nx = ", encoding="utf-8")
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await wait_for(pilot, lambda: app._notifications)
        assert any("non è un file TOML valido" in m for m in notifications(app))
        await pilot.press("2")
        await wait_for_screen(pilot, "PracticesScreen")


async def test_timer_key_starts_and_stops_and_logs(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mid-morning: 90 minutes back from the real time of day crossed midnight when the
    # suite ran between midnight and 1:30 (the stop then asks about the day before)
    monkeypatch.setenv(NOW_ENV, f"{today().isoformat()}T10:30:00")
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await wait_for_rows(pilot, "#comuni")
        code = table.current_key()  # type: ignore[attr-defined]
        assert app.store is not None
        before = app.store.timelogs.minutes_between(app.store.expert_id, today(), today())
        await pilot.press("t")
        await wait_for_screen(pilot, "TimerStartForm")  # Comune prefilled from Oggi's row
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.store.timer.current() is not None)  # type: ignore[union-attr]
        running = app.store.timer.current()
        assert running is not None and running.comune_code == code
        await wait_for(pilot, lambda: "⏱ timer dalle" in text_of(pilot, "#summary"))
        # Pretend it started 90 minutes ago, then stop it.
        with app.store.read() as conn:
            conn.execute(
                "UPDATE timer SET started_at = ?",
                ((running.started_at - timedelta(minutes=90)).isoformat(),),
            )
        await pilot.press("t")
        await wait_for(pilot, lambda: app.store.timer.current() is None)  # type: ignore[union-attr]
        after = app.store.timelogs.minutes_between(app.store.expert_id, today(), today())
        assert after - before in (90, 91)
        assert any("Registrate 1:3" in m for m in notifications(app))
        await wait_for(pilot, lambda: "nessun timer" in text_of(pilot, "#summary"))


async def test_log_time_on_a_practice(demo_store: Store) -> None:
    from textual.widgets import Input

    from taskforce_tui.store.practices import PracticeFilter

    practice = demo_store.practices.page(PracticeFilter(statuses=["aperta"]), limit=1)[0]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        assert app.store is not None
        pending = app.store.pending_ops()
        app.open_practice(practice.id)
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: app.screen.view is not None)
        await pilot.press("o")
        await wait_for_screen(pilot, "TimeLogForm")
        assert app.screen.query_one("#f-pratica", Input).value == practice.protocol_no
        app.screen.query_one("#f-durata", Input).value = "tanto"
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.query_one("#e-durata").has_class("-shown"))
        assert "Durata" in str(app.screen.query_one("#e-durata").render())
        assert app.store.pending_ops() == pending
        app.screen.query_one("#f-durata", Input).value = "1h30"
        await pilot.press("f2")
        await wait_for_screen(pilot, "PracticeScreen")
        logs = app.store.timelogs.list(app.store.expert_id, today(), today())
        mine = [r.log for r in logs if r.log.practice_id == practice.id]
        assert [(m.minutes, m.comune_code) for m in mine] == [(90, practice.comune_code)]


async def test_unexpected_error_in_a_worker_is_logged_and_reported(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskforce_tui.store import overview

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(overview, "comuni_overview", broken)
    folder = demo_store.path.parent
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.crash_log is not None)
        assert app.crash_log is not None
        log = app.crash_log.read_text(encoding="utf-8")
        assert "disk on fire" in log and "Traceback" in log
        assert app.crash_log.parent == folder / "log"
        message = " ".join(notifications(app))
        assert str(app.crash_log) in message and "non sono andati persi" in message
        await pilot.press("2")  # still usable
        await wait_for_screen(pilot, "PracticesScreen")


async def test_unexpected_error_in_the_ui_exits_cleanly_with_a_log(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskforce_tui.screens.home import HomeScreen
    from taskforce_tui.store.practices import PracticeFilter

    def broken(self: HomeScreen) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(HomeScreen, "action_new_practice", broken)
    practice_id = demo_store.practices.page(PracticeFilter(statuses=["aperta"]), limit=1)[0].id
    folder = demo_store.path.parent
    app = app_on(demo_store)
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_rows(pilot, "#comuni")
            assert app.store is not None
            app.store.practices.edit(practice_id, notes="salvato prima dell'errore")
            await pilot.press("n")
            await pilot.pause()
    assert app.return_code == 1
    assert app.crash_log is not None and "ZeroDivisionError" in app.crash_log.read_text()
    with Store(folder / "taskforce.sqlite3") as reopened:
        assert reopened.practices.get(practice_id).notes == "salvato prima dell'errore"


async def test_mouse_places_bar_rows_and_footer(demo_store: Store) -> None:
    from taskforce_tui.screens.base import PlacesBar
    from taskforce_tui.widgets.footer import KeysFooter

    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        bar = str(app.screen.query_one(PlacesBar).render())
        await pilot.click(PlacesBar, offset=(bar.index("2 Pratiche") + 2, 0))
        await wait_for_screen(pilot, "PracticesScreen")
        table = await wait_for_rows(pilot, "#practices")
        third = table.row_keys[2]
        await pilot.click("#practices", offset=(3, 3))  # first click: highlight
        assert table.current_key() == third
        await pilot.click("#practices", offset=(3, 3))  # second click: open
        await wait_for_screen(pilot, "PracticeScreen")
        assert app.screen.practice_id == third
        await wait_for(pilot, lambda: app.screen.view is not None)
        footer = app.screen.query_one(KeysFooter).render().plain
        await pilot.click(KeysFooter, offset=(footer.index("e Modifica"), 0))
        await wait_for(pilot, lambda: app.screen.id == "practice-edit")


def test_footer_shows_bracket_keys_literally() -> None:
    from textual.content import Content

    from taskforce_tui.widgets.footer import _escape

    for key in ("[", "]", "ctrl+p", "a["):
        assert Content.from_markup(f"[b]{_escape(key)}[/b] x").plain == f"{key} x"


@pytest.mark.parametrize("width", [60, 80, 100, 160])
async def test_footer_drops_whole_keys_and_keeps_help(demo_store: Store, width: int) -> None:
    """A narrow terminal loses the last keys whole (shown as "…"), never half a word,
    and the help key, which lists them all, stays."""
    from taskforce_tui.widgets.footer import KeysFooter

    app = app_on(demo_store)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("2")
        await wait_for_rows(pilot, "#practices")
        footer = app.screen.query_one(KeysFooter)
        line = str(footer.render())
        assert len(line) <= width
        assert "f1 Aiuto" in line and line.rstrip().endswith("^p comandi")
        labels = [" ".join(b.split()) for b in line.split("▏")[0].split("  ") if b.strip()]
        shown = {
            f"{app.get_key_display(b.binding)} {b.binding.description}"
            for b in app.screen.active_bindings.values()
        }
        assert all(label == "…" or label in shown for label in labels), labels
        assert ("…" in labels) == (width < 160)


async def _indicators_over_oggi(pilot: Any) -> None:
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("5")
    await wait_for_screen(pilot, "IndicatorsScreen")


async def test_place_keys_always_lead_to_the_place(demo_store: Store) -> None:
    """1/2/3 show the place even from Registro ore, Indicatori or a detail pushed over
    it; 4 and 5 replace each other instead of piling screens up; Escape from them goes
    back to the place they were opened from."""
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await _indicators_over_oggi(pilot)
        await pilot.press("1")
        await wait_for_screen(pilot, "HomeScreen")
        assert len(app.screen_stack) == 1
        for key in ("4", "5", "4", "5", "4"):
            await pilot.press(key)
            await wait_idle(pilot)
        assert type(app.screen).__name__ == "TimeLogScreen"
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await wait_for_screen(pilot, "HomeScreen")
        # A Comune opened from Oggi, then Pratiche, then back to Oggi: Oggi, not the Comune.
        await pilot.press("enter")
        await wait_for_screen(pilot, "ComuneScreen")
        await pilot.press("2")
        await wait_for_screen(pilot, "PracticesScreen")
        await pilot.press("1")
        await wait_for_screen(pilot, "HomeScreen")
        assert len(app.screen_stack) == 1


async def test_place_keys_never_close_a_form(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await _indicators_over_oggi(pilot)
        await pilot.press("o")
        await wait_for_screen(pilot, "TimeLogForm")
        app.screen.focus_next()  # any field: digits are typed into it, not obeyed
        await pilot.press("1", "2")
        assert type(app.screen).__name__ == "TimeLogForm"

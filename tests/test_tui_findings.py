"""What a new user met on the screens (issue 14), each as the user meets it: keys
pressed in the Pilot, then what the screen shows and what the store holds."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from taskforce_tui.store.db import Store
from tests.tui_helpers import app_on, type_into, wait_for, wait_for_rows, wait_idle


def _error(pilot: Pilot[Any], field: str) -> str:
    return str(pilot.app.screen.query_one(f"#e-{field}").render())


async def test_an_impossible_day_is_named_not_the_format(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "practice-new")
        await type_into(pilot, "#f-received_on", "31/02/2026")
        await pilot.press("f2")
        await wait_idle(pilot)
        message = _error(pilot, "received_on")
        assert "31 febbraio 2026 non esiste" in message
        assert "AAAA" not in message  # the format was right


async def _registro_ore(pilot: Pilot[Any]) -> Any:
    """From Oggi, 4: the Registro ore's entries, loaded."""
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("4")
    entries = await wait_for_rows(pilot, "#entries")
    await wait_idle(pilot)
    return entries


async def _stop_dialog(pilot: Pilot[Any]) -> Any:
    """From Oggi, t on a running timer: the StopTimerModal."""
    from taskforce_tui.screens.timelog_forms import StopTimerModal

    app = pilot.app
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, StopTimerModal))
    return app.screen


async def test_a_timer_under_a_minute_says_how_to_discard_it(demo_store: Store) -> None:
    from textual.widgets import Static

    demo_store.timer.start(activity="istruttoria")
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _stop_dialog(pilot)
        text = str(dialog.query_one("#form-intro", Static).render())
        assert "meno di un minuto" in text and "F8" in text and "Scarta il timer" in text
        await pilot.press("f8")  # the key the message names
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.store is not None and app.store.timer.current() is None)


async def test_the_stop_timer_buttons_fit_in_80_columns(demo_store: Store) -> None:
    """Seen in tmux at 80x24: «Lascia in corso» was cut at the dialog's border."""
    demo_store.timer.start(activity="istruttoria")
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _stop_dialog(pilot)
        box = dialog.query_one("#form-buttons").content_region
        labels = [str(b.label) for b in dialog.query("#form-buttons Button")]
        assert labels[-1] == "Lascia in corso"
        for button in dialog.query("#form-buttons Button"):
            assert box.contains_region(button.region), str(button.label)


def test_a_timer_under_a_minute_names_the_shell_option(expert_store: Store, capsys: Any) -> None:
    from taskforce_tui.cli import main

    expert_store.timer.start(activity="istruttoria")
    expert_store.close()
    assert main(["timer", "ferma"]) == 2
    err = capsys.readouterr().err
    assert "meno di un minuto" in err and "taskforce timer ferma --scarta" in err


async def test_no_match_status_line_fits_80_columns(demo_store: Store) -> None:
    from rich.cells import cell_len

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("2")
        await wait_for_rows(pilot, "#practices")
        await type_into(pilot, "#filter", "nessunapraticacosì")
        line = app.screen.query_one("#count")
        await wait_for(pilot, lambda: "Nessuna pratica" in str(line.render()))
        shown = str(line.render())
        assert cell_len(shown) <= line.content_size.width, shown
        assert "Esc li azzera" in shown and not shown.endswith("…")


async def _open_practice(pilot: Pilot[Any], practice_id: str) -> None:
    await wait_for_rows(pilot, "#comuni")
    pilot.app.open_practice(practice_id)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "PracticeScreen")
    await wait_for(pilot, lambda: pilot.app.screen.view is not None, what="practice view")


async def _suspend(pilot: Pilot[Any], reason: str) -> Any:
    """s on the practice, the reason, F2: the history once the practice is back."""
    app = pilot.app
    await pilot.press("s")
    await wait_for(pilot, lambda: app.screen.id == "practice-suspend")
    await type_into(pilot, "#f-reason", reason)
    await pilot.press("f2")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "PracticeScreen")
    history = await wait_for_rows(pilot, "#history", 3)
    await wait_idle(pilot)
    return history


async def _suspend_form(pilot: Pilot[Any], practice_id: str) -> None:
    """The practice's suspend form (s), open."""
    await _open_practice(pilot, practice_id)
    await pilot.press("s")
    await wait_for(pilot, lambda: pilot.app.screen.id == "practice-suspend")


def _open_demo_practice(store: Store) -> str:
    from taskforce_tui.store.practices import PracticeFilter

    return store.practices.page(PracticeFilter(statuses=["aperta"]), sort="avvio", limit=1)[0].id


async def test_history_shows_the_status_before_a_suspension(demo_store: Store) -> None:
    """Demo practices come as base data (no op in the log): "before" was "—"."""
    practice_id = _open_demo_practice(demo_store)
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_practice(pilot, practice_id)
        history = await _suspend(pilot, "richiesta integrazioni")
        rows = [[str(c) for c in history.get_row_at(i)] for i in range(history.row_count)]
        status = next(r for r in rows if r[2] == "Stato")
        assert status[3:] == ["Aperta", "Sospesa"]
        assert app.store is not None
        entry = next(h for h in app.store.practices.history(practice_id) if h.field == "status")
        assert (entry.old_value, entry.value) == ('"aperta"', '"sospesa"')


async def test_history_fits_the_width_and_enter_shows_a_value_whole(demo_store: Store) -> None:
    """At 80 columns a long value ends in "…" (it was cut silently), Enter shows it
    whole, and the table never grows a horizontal scrollbar (the stray "▍" above the
    footer after a save)."""
    practice_id = _open_demo_practice(demo_store)
    reason = "richiesta integrazioni documentali: relazione paesaggistica e computo metrico"
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_practice(pilot, practice_id)
        history = await _suspend(pilot, reason)
        assert history.virtual_size.width <= history.size.width
        assert not history.show_horizontal_scrollbar
        keys = [str(k.value) for k in history.rows]
        shown = {str(history.get_row(k)[2]): str(history.get_row(k)[4]) for k in keys}
        after = shown["Sospensione: motivo"]
        assert after.endswith("…") and reason.startswith(after[:-1])
        history.focus()
        history.move_cursor(
            row=next(
                i for i, k in enumerate(keys) if str(history.get_row(k)[2]) == "Sospensione: motivo"
            )
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryEntryModal")
        assert reason in str(app.screen.query_one("#history-entry").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PracticeScreen")


async def test_a_field_error_clears_as_the_user_types_and_returns_on_leaving(
    demo_store: Store,
) -> None:
    practice_id = _open_demo_practice(demo_store)
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _suspend_form(pilot, practice_id)
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "obbligatorio" in _error(pilot, "reason")
        assert app.screen.focused is app.screen.query_one("#f-reason")
        await pilot.press("r", "i")
        assert _error(pilot, "reason") == ""  # gone as soon as the field is filled
        await pilot.press("backspace", "backspace", "shift+tab")  # emptied, then left
        await wait_idle(pilot)
        assert "obbligatorio" in _error(pilot, "reason")
        await type_into(pilot, "#f-start_on", "31/02/2026")
        await pilot.press("tab")
        await wait_idle(pilot)
        assert "31 febbraio 2026 non esiste" in _error(pilot, "start_on")
        assert app.screen.focused is app.screen.query_one("#f-reason")  # focus not taken


async def test_a_click_on_save_after_a_wrong_field_is_not_lost(demo_store: Store) -> None:
    """Found moving the Registro ore forms onto FormModal: with a wrong value typed,
    a click on Salva did nothing. Leaving the field for the button checked it and
    showed its message, which pushed the button one line down between mouse down and
    mouse up, so the click landed beside it."""
    practice_id = _open_demo_practice(demo_store)
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _suspend_form(pilot, practice_id)
        await type_into(pilot, "#f-reason", "in attesa di integrazioni")
        await type_into(pilot, "#f-start_on", "31/02/2026")
        await pilot.click("#form-save")
        await wait_idle(pilot)
        # The press checked the whole form: the date's message, focus on the date.
        assert "31 febbraio 2026 non esiste" in _error(pilot, "start_on")
        assert app.screen.focused is app.screen.query_one("#f-start_on")
        await type_into(pilot, "#f-start_on", "20/11/2026")
        await pilot.click("#form-save")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PracticeScreen")


async def test_an_open_dropdown_stays_inside_the_dialog(demo_store: Store) -> None:
    from textual.widgets import Select
    from textual.widgets._select import SelectOverlay

    practice_id = _open_demo_practice(demo_store)
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_practice(pilot, practice_id)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen.id == "practice-conclude")
        app.screen.query_one("#f-outcome", Select).focus()
        await pilot.press("enter")
        overlay = app.screen.query_one(SelectOverlay)
        await wait_for(pilot, lambda: overlay.display and overlay.region.height > 0)
        await wait_idle(pilot)
        box = app.screen.query_one("#form")
        inside = box.region.shrink(box.styles.gutter)
        assert inside.contains_region(overlay.region), (inside, overlay.region)
        await pilot.press("escape")  # closes the list only
        await wait_idle(pilot)
        assert app.screen.id == "practice-conclude"
        assert app.screen.query_one("#form-room").region.height == 0


# --- typing on a list ----------------------------------------------------------------------
WORD = "cappotto"  # c, a, p, o and t: letters that were shortcuts somewhere


def _modals(app: Any) -> list[str]:
    from textual.screen import ModalScreen

    return [type(s).__name__ for s in app.screen_stack if isinstance(s, ModalScreen)]


async def _type_word(pilot: Pilot[Any], word: str = WORD) -> None:
    """Letters as a terminal delivers a quick typist's word: all at once (the Pilot's
    press waits for each key to be handled, which hid the stacked dialogs)."""
    from textual import events

    for letter in word:
        pilot.app.post_message(events.Key(letter, letter))
    await wait_idle(pilot)
    await pilot.pause(0.3)
    await wait_idle(pilot)


async def test_typing_on_the_practice_list_filters_it(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        assert app.store is not None
        pending = app.store.pending_ops()
        await pilot.press("2")
        table = await wait_for_rows(pilot, "#practices")
        assert app.screen.focused is table
        await _type_word(pilot)
        assert _modals(app) == []  # no timer, no time-log form
        assert app.screen.query_one("#filter").value == WORD
        await wait_for(
            pilot,
            lambda: (
                "Nessuna" in str(app.screen.query_one("#count").render()) or table.row_count > 0
            ),
        )
        subjects = [str(s).lower() for s in table.get_column("oggetto")]
        assert subjects and all("cappotto" in s for s in subjects)
        # The screen's own keys still work on the list.
        table.focus()
        await pilot.press("x")
        assert app.screen.query_one("#overdue").value is True
        assert app.store.pending_ops() == pending


async def test_typing_on_the_request_list_filters_it(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("3")
        table = await wait_for_rows(pilot, "#requests")
        assert app.screen.focused is table
        await _type_word(pilot, "parere")
        assert _modals(app) == []
        assert app.screen.query_one("#filter").value == "parere"
        assert all("parere" in str(s).lower() for s in table.get_column("subject"))


async def test_the_top_line_opens_a_place_ready_to_type(demo_store: Store) -> None:
    from taskforce_tui.screens.base import PlacesBar

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        bar = str(app.screen.query_one(PlacesBar).render())
        await pilot.click(PlacesBar, offset=(bar.index("2 Pratiche") + 2, 0))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PracticesScreen")
        await wait_idle(pilot)
        assert app.screen.focused is app.screen.query_one("#filter")
        await pilot.press(*"scuola")  # s is "sort" on the list: here it is a letter
        assert app.screen.query_one("#filter").value == "scuola"


async def _typing_opens_at_most_one_dialog(pilot: Pilot[Any], screen: str) -> None:
    """A word typed on a list with no search box: its letters may do what the screen
    binds, and at most one dialog comes up (a second letter never stacks another
    over it); one Esc shows the screen again."""
    app = pilot.app
    await _type_word(pilot)
    modals = _modals(app)
    assert len(modals) <= 1, modals
    if modals:
        await pilot.press("escape")
        await wait_idle(pilot)
    assert type(app.screen).__name__ == screen, _modals(app)


async def test_typing_on_the_time_log_lists(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        assert app.store is not None
        pending = app.store.pending_ops()
        await pilot.press("4")
        await wait_for_rows(pilot, "#entries")
        app.screen.query_one("#entries").focus()
        await _typing_opens_at_most_one_dialog(pilot, "TimeLogScreen")
        app.screen.query_one("#week").focus()
        await _typing_opens_at_most_one_dialog(pilot, "TimeLogScreen")
        assert app.store.pending_ops() == pending


async def test_typing_on_the_comune_tabs(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        assert app.store is not None
        pending = app.store.pending_ops()
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ComuneScreen")
        await wait_for_rows(pilot, "#practices")
        for _tab in range(4):
            await _typing_opens_at_most_one_dialog(pilot, "ComuneScreen")
            await pilot.press("greater_than_sign")
            await wait_idle(pilot)
        assert app.store.pending_ops() == pending


async def test_typing_on_the_conflicts_list(tmp_path: Any) -> None:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.paths import Profile
    from tests.sync_helpers import world_with_a_conflict

    world, _ = world_with_a_conflict(tmp_path / "w")
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.store is not None)
        await pilot.press("f6")
        await wait_for_rows(pilot, "#conflicts")
        assert app.store is not None
        pending = app.store.pending_ops()
        await _typing_opens_at_most_one_dialog(pilot, "ConflictsScreen")
        assert app.store.pending_ops() == pending
    world.close()


async def test_typing_on_the_import_preview(expert_store: Store, tmp_path: Any) -> None:
    from tests.import_helpers import row, write_xlsx

    path = write_xlsx(tmp_path / "pratiche.xlsx", [row("1/2026"), row("2/2026", tipo="Boh")])
    app = app_on(expert_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.store is not None)
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImportScreen")
        app.screen.query_one("#path").value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.session is not None)
        await wait_idle(pilot)
        for tab in ("tab-columns", "tab-rejections"):
            app.screen.query_one("#tabs").active = tab
            app.screen.query_one(f"#{tab.removeprefix('tab-')}").focus()
            await _typing_opens_at_most_one_dialog(pilot, "ImportScreen")
        assert app.store is not None
        assert app.store.practices.count(_everything()) == 0  # nothing imported


def _everything() -> Any:
    from taskforce_tui.store.practices import PracticeFilter

    return PracticeFilter()


# --- found walking the screens ---------------------------------------------------------------
async def test_a_form_starts_on_the_first_field_to_fill(demo_store: Store) -> None:
    """Sospendi: the date comes filled with today; typing the reason went into it."""
    practice_id = _open_demo_practice(demo_store)
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _suspend_form(pilot, practice_id)
        await wait_idle(pilot)
        assert app.screen.focused is app.screen.query_one("#f-reason")


async def test_the_practice_opens_on_its_history(demo_store: Store) -> None:
    """Enter on a change did nothing: the focus was on the summary above."""
    practice_id = _open_demo_practice(demo_store)
    assert demo_store.practices.edit(practice_id, notes="prima nota") is not None
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_practice(pilot, practice_id)
        await wait_for_rows(pilot, "#history")
        await wait_idle(pilot)
        assert app.screen.focused is app.screen.query_one("#history")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryEntryModal")


async def test_hours_logged_with_o_on_the_registro_ore_show_up_there(demo_store: Store) -> None:
    """The global key's form saved, but the week stayed as it was (the screen only
    listened to its own message, not to the app's change)."""
    from textual.widgets import Input

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        entries = await _registro_ore(pilot)
        before = entries.row_count
        entries.focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TimeLogForm")
        app.screen.query_one("#f-durata", Input).value = "1h"
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TimeLogScreen")
        await wait_for(pilot, lambda: entries.row_count == before + 1, timeout=5)


async def test_hours_added_in_registro_ore_reach_oggi(demo_store: Store) -> None:
    """Oggi kept today's old total after an entry saved in Registro ore."""
    from textual.widgets import Input

    from tests.tui_helpers import text_of

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await wait_idle(pilot)
        assert "ore oggi 0," in text_of(pilot, "#summary")
        await pilot.press("4")
        await wait_for_rows(pilot, "#entries")
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TimeLogForm")
        app.screen.query_one("#f-durata", Input).value = "2h"
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TimeLogScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await wait_for(pilot, lambda: "ore oggi 2 h," in text_of(pilot, "#summary"), timeout=5)


async def test_registro_ore_entries_show_the_activity_whole_or_with_an_ellipsis(
    demo_store: Store,
) -> None:
    """Seen in tmux at 80x24: the week's entries cut «Coordinamento con la Segre» at the
    border, no ellipsis (the Comune's Ore tab clips it). Data, time, hours, Comune and
    activity fit in 80 columns; Modalità and Nota are to the right, the whole entry
    opens with Enter."""
    from textual.widgets import DataTable

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        entries = await _registro_ore(pilot)
        assert isinstance(entries, DataTable)
        columns = list(entries.columns.values())
        assert str(columns[4].label) == "Attività"
        used = sum(c.get_render_width(entries) for c in columns[:5])
        assert used <= entries.scrollable_content_region.width
        activities = [str(entries.get_row_at(i)[4]) for i in range(entries.row_count)]
        assert any(a.endswith("…") for a in activities)  # the demo's week has long ones


async def test_the_top_line_keeps_the_timer_in_80_columns(demo_store: Store) -> None:
    """Seen in tmux at 80x24: the top line was cut at the border, no ellipsis: on Oggi
    the running timer lost its Comune, on Conflitti (F6) the title «Conflitti da
    sincronizzazione» was cut mid-word and the timer did not show at all. The timer
    stays (shortened with «…» if it must), the screen's title gives way first."""
    from taskforce_tui.screens.base import PlacesBar

    demo_store.timer.start(activity="istruttoria")
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await wait_for(pilot, lambda: app.running_timer != "")
        for key in ("", "f6", "escape", "2"):
            if key:
                await pilot.press(key)
            await wait_idle(pilot)
            bar = app.screen.query_one(PlacesBar)
            text = str(bar.render())
            assert len(text) <= bar.content_region.width, (key, text)
            assert "⏱ dalle" in text, (key, text)
            assert text.endswith("…") or text.endswith(app.running_timer), (key, text)


async def test_the_import_fields_say_what_they_want_in_80_columns(demo_store: Store) -> None:
    """Seen in tmux at 80x24: «Percorso del file .xlsx, .csv o .ods (F2 per» and
    «Comune (facoltativo):», the placeholders cut at the fields' border."""
    from textual.widgets import Input

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImportScreen")
        await wait_idle(pilot)
        for field in app.screen.query("#inputs Input"):
            assert isinstance(field, Input)
            assert len(field.placeholder) <= field.content_region.width, field.placeholder


async def test_the_help_lists_the_footer_keys_first(demo_store: Store) -> None:
    """Seen in tmux at 80x24: F1 on Oggi opened on ten rows of table movement (↑ ↓
    home end pgup pgdn j k g G); «Apri» and «Nuova pratica» came below the fold, and
    o, t, F5 were missing (read while the help, a modal, was already the screen, when
    the app disables its dialog keys). The keys the footer shows come first."""
    from textual.widgets import Markdown

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        source = app.screen.query_one(Markdown).source
        own = source.split("## Tasti di questa schermata", 1)[1].split("\n#", 1)[0]
        rows = [line for line in own.splitlines() if line.startswith("| ") and "`" in line]
        ids = [line.split("`")[1] for line in rows]
        assert ids[0] == "table.open", ids
        for key_id in ("home.new_practice", "app.help", "app.timer", "app.log_time", "app.sync"):
            assert ids.index(key_id) < ids.index("table.arrow_up"), ids


async def test_the_export_form_with_no_month_says_so(demo_store: Store, tmp_path: Any) -> None:
    """Found walking Registro ore (x) after the move onto FormModal: an emptied Mese
    reached the report as None (an unexpected error) instead of a message."""
    from textual.widgets import Input

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _registro_ore(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExportForm")
        await type_into(pilot, "#f-mese", "")
        app.screen.query_one("#f-file", Input).value = str(tmp_path / "mese.xlsx")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "obbligatorio" in _error(pilot, "mese")
        assert type(app.screen).__name__ == "ExportForm"
        assert app.crash_log is None
        assert not (tmp_path / "mese.xlsx").exists()


async def test_the_first_run_wizard_clears_a_message_as_the_field_is_corrected(
    store: Store,
) -> None:
    """Seen in tmux at 80x24 on the first run: «✗ Indirizzo email non valido» stayed
    while the address was being typed again (as the forms did before issue 14)."""
    app = app_on(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WizardScreen")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "nome e cognome" in str(app.screen.query_one("#e-name").render())
        assert "email non valido" in str(app.screen.query_one("#e-email").render())
        await pilot.press(*"Anna")
        await wait_idle(pilot)
        assert str(app.screen.query_one("#e-name").render()) == ""
        assert "email non valido" in str(app.screen.query_one("#e-email").render())
        await type_into(pilot, "#email", "anna@")
        assert str(app.screen.query_one("#e-email").render()) == ""


async def test_the_timer_from_the_palette_on_a_practice_takes_its_comune(
    demo_store: Store,
) -> None:
    """Seen in tmux at 80x24: «Avvia timer» from the palette on Pratiche, the cursor
    on a Dalmine practice, offered Albino (the first of the expert's Comuni): the
    timer took the Comune of the screen's filter only, never the practice's."""
    from textual.widgets import Input

    from taskforce_tui.store.practices import PracticeFilter

    dalmine = demo_store.practices.page(PracticeFilter(text="Dalmine"), limit=1)[0]
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("2")
        await wait_for_rows(pilot, "#practices")
        await type_into(pilot, "#filter", dalmine.protocol_no)
        await wait_for(pilot, lambda: app.work_context().get("practice_id") == dalmine.id)
        app.action_toggle_timer()  # what the palette's «Avvia timer» runs
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TimerStartForm")
        assert app.screen.query_one("#f-comune", Input).value == "Dalmine"


async def test_a_comunes_requests_fit_in_80_columns(demo_store: Store) -> None:
    """Seen in tmux at 80x24, Caravaggio's Richieste tab: «In attesa del Co» cut at
    the border, no ellipsis, and the linked practices' count off to the right."""
    from textual.widgets import DataTable

    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ComuneScreen")
        await pilot.press("greater_than_sign")
        requests = await wait_for_rows(pilot, "#requests")
        await wait_idle(pilot)
        assert isinstance(requests, DataTable)
        used = sum(c.get_render_width(requests) for c in requests.columns.values())
        assert used <= requests.scrollable_content_region.width


async def test_a_comunes_hours_fit_in_80_columns(demo_store: Store) -> None:
    """Seen in tmux at 80x24, a Comune's Ore tab: the note column started at column 74
    and a note was cut at the border without an ellipsis."""
    from datetime import date

    from textual.widgets import DataTable

    from taskforce_tui.domain.records import TimeLog

    code = demo_store.comuni.assigned_codes(demo_store.expert_id)[0]
    note = "sopralluogo con il tecnico comunale e verifica dei documenti in archivio"
    demo_store.timelogs.add(
        TimeLog(
            "",
            demo_store.expert_id or "",
            date(2026, 11, 19),
            60,
            "riunione",
            "presenza",
            code,
            note=note,
        )
    )
    app = app_on(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        app.open_comune(code)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ComuneScreen")
        await pilot.press("greater_than_sign", "greater_than_sign")
        hours = await wait_for_rows(pilot, "#hours")
        await wait_idle(pilot)
        assert isinstance(hours, DataTable)
        used = sum(c.get_render_width(hours) for c in hours.columns.values())
        assert used <= hours.scrollable_content_region.width
        notes = [str(hours.get_row_at(i)[-1]) for i in range(hours.row_count)]
        assert any(n.startswith("sopralluogo") and n.endswith("…") for n in notes), notes

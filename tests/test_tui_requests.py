"""Pilot tests of Richieste (list, form, status, links) and of the first-run wizard."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, OptionList, Select

from taskforce_tui.app import TaskforceApp
from taskforce_tui.domain import vocab
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile
from taskforce_tui.store.practices import PracticeFilter
from tests.tui_helpers import (
    app_on,
    column,
    text_of,
    type_into,
    wait_for,
    wait_for_rows,
    wait_for_screen,
    wait_idle,
)


async def test_requests_list_new_status_and_links(demo_store: Store) -> None:
    codes = demo_store.comuni.assigned_codes(demo_store.expert_id)
    open_count = len(
        demo_store.requests.list(comuni=codes, statuses=list(vocab.REQUEST_OPEN_STATUSES))
    )
    clusone = demo_store.comuni.resolve("Clusone").istat_code
    practice = demo_store.practices.page(PracticeFilter(comuni=[clusone]), limit=1)[0]
    other = demo_store.practices.page(
        PracticeFilter(comuni=[c for c in codes if c != clusone]), limit=1
    )[0]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("3")
        table = await wait_for_rows(pilot, "#requests")
        assert table.row_count == open_count
        assert set(column(table, "status")) <= {
            vocab.REQUEST_STATUS_LABELS[s] for s in vocab.REQUEST_OPEN_STATUSES
        }
        # A new request: bad input first, nothing written.
        assert app.store is not None
        before = len(app.store.requests.list())
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "request-new")
        await type_into(pilot, "#f-opened_on", "domani")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "obbligatorio" in str(app.screen.query_one("#e-subject").render())
        assert "Data non valida" in str(app.screen.query_one("#e-opened_on").render())
        assert "Scegli" in str(app.screen.query_one("#e-comune").render())
        assert len(app.store.requests.list()) == before
        app.screen.query_one("#f-comune", Select).value = clusone
        await type_into(pilot, "#f-subject", "Parere su SCIA in sanatoria")
        await type_into(pilot, "#f-opened_on", "oggi")
        await pilot.press("f2")
        await wait_for_screen(pilot, "RequestScreen")
        await wait_for(pilot, lambda: app.screen.view is not None)
        request_id = app.screen.request_id
        stored = app.store.requests.get(request_id)
        assert (stored.subject, stored.status, stored.comune_code) == (
            "Parere su SCIA in sanatoria",
            vocab.REQ_NUOVA,
            clusone,
        )
        assert "Parere su SCIA in sanatoria" in text_of(pilot, "#summary")
        # Status change.
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "request-status")
        app.screen.query_one("#f-status", Select).value = vocab.REQ_IN_LAVORAZIONE
        await pilot.press("f2")
        await wait_for_screen(pilot, "RequestScreen")
        assert app.store.requests.get(request_id).status == vocab.REQ_IN_LAVORAZIONE
        await wait_for(pilot, lambda: "In lavorazione" in text_of(pilot, "#summary"))
        # Link: a practice of another Comune is refused beside the field.
        await pilot.press("l")
        await wait_for(pilot, lambda: app.screen.id == "request-link")
        await type_into(pilot, "#f-pratica", other.protocol_no)
        await pilot.press("enter")
        await wait_idle(pilot)
        assert "Nessuna pratica" in str(app.screen.query_one("#e-pratica").render())
        assert app.store.requests.get(request_id).practice_ids == []
        await type_into(pilot, "#f-pratica", practice.protocol_no)
        await pilot.press("enter")
        await wait_for_screen(pilot, "RequestScreen")
        assert app.store.requests.get(request_id).practice_ids == [practice.id]
        links = await wait_for_rows(pilot, "#links")
        assert column(links, "protocol") == [practice.protocol_no]
        # Unlink, after a confirmation.
        await pilot.press("u")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("s")
        await wait_for_screen(pilot, "RequestScreen")
        await wait_idle(pilot)
        assert app.store.requests.get(request_id).practice_ids == []
        await wait_for(pilot, lambda: app.screen.query_one("#links", DataTable).row_count == 0)


async def test_wizard_sets_up_the_profile(store: Store) -> None:
    treviglio = store.comuni.resolve("Treviglio").istat_code
    app = app_on(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "WizardScreen")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "nome" in text_of(pilot, "#e-name")
        assert "email" in text_of(pilot, "#e-email")
        assert "almeno un Comune" in text_of(pilot, "#e-comuni")
        assert app.store is not None and app.store.expert_id is None
        await type_into(pilot, "#name", "Anna Verdi")
        await type_into(pilot, "#email", "anna.verdi@")
        await type_into(pilot, "#search", "trevi")
        results = app.screen.query_one("#results", OptionList)
        await wait_for(
            pilot,
            lambda: (
                results.option_count and "Treviglio" in str(results.get_option_at_index(0).prompt)
            ),
        )
        await pilot.press("enter")  # from the search box to the results
        await pilot.press("enter")  # add the highlighted Comune
        chosen = app.screen.query_one("#chosen", OptionList)
        assert [o.id for o in chosen.options] == [treviglio]
        # ↓ goes on too: from the name to the email, from the search to its results.
        app.screen.query_one("#name", Input).focus()
        await pilot.press("down")
        assert app.focused is app.screen.query_one("#email", Input)
        app.screen.query_one("#search", Input).focus()
        await pilot.press("down")
        assert app.focused is results
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "non valido" in text_of(pilot, "#e-email")
        assert app.store.expert_id is None
        app.screen.query_one("#email", Input).value = "anna.verdi@example.it"
        await pilot.press("f2")
        await wait_for_screen(pilot, "HomeScreen")
        table = await wait_for_rows(pilot, "#comuni")
        assert app.store.expert_id is not None
        me = app.store.experts.me()
        assert me is not None and (me.name, me.email) == ("Anna Verdi", "anna.verdi@example.it")
        assert app.store.comuni.assigned_codes(me.id) == [treviglio]
        assert [str(table.get_row_at(0)[0])] == ["Treviglio"]


async def test_wizard_demo_leaves_the_profile_empty(profile_dir: Path) -> None:
    Store(profile_dir / "taskforce.sqlite3").close()
    app = TaskforceApp(Profile(profile_dir))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, "WizardScreen")
        await pilot.press("f3")
        await wait_for_screen(pilot, "HomeScreen", timeout=60)
        table = await wait_for_rows(pilot, "#comuni", minimum=8)
        assert table.row_count == 8
        assert app.store is not None and app.store.path.parent != profile_dir
        demo_folder = app.store.path.parent
    assert not demo_folder.exists()  # thrown away on exit
    with Store(profile_dir / "taskforce.sqlite3") as mine:
        assert mine.expert_id is None

"""Pilot tests of the practice flows: create, bad input, suspend / resume, conclude (and
the overdue count on Oggi), archive / reopen, link a request, the filtered list."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from taskforce_tui.domain import vocab
from taskforce_tui.store.db import Store
from taskforce_tui.store.practices import PracticeFilter
from taskforce_tui.widgets.tables import PracticeTable
from tests.conftest import TODAY
from tests.tui_helpers import (
    app_on,
    column,
    type_into,
    wait_for,
    wait_for_rows,
    wait_for_screen,
    wait_idle,
)


def _count_rows(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        practices = conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0]
    return practices, store.pending_ops()


def _oggi_cell(pilot: Pilot[Any], code: str, key: str) -> str:
    table: Any = pilot.app.screen.query_one("#comuni")
    return str(table.get_cell(code, key))


async def _open_practice(pilot: Pilot[Any], practice_id: str) -> None:
    await wait_for_rows(pilot, "#comuni")
    pilot.app.open_practice(practice_id)  # type: ignore[attr-defined]
    await wait_for_screen(pilot, "PracticeScreen")
    await wait_for(pilot, lambda: pilot.app.screen.view is not None, what="practice view")


async def _submit(pilot: Pilot[Any], form_id: str) -> None:
    await wait_for(pilot, lambda: pilot.app.screen.id == form_id, what=form_id)
    await pilot.press("f2")
    await wait_idle(pilot)


def _summary(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#summary").render())


def _error(pilot: Pilot[Any], field: str) -> str:
    return str(pilot.app.screen.query_one(f"#e-{field}").render())


async def test_create_a_practice_from_the_list(demo_store: Store) -> None:
    seriate = demo_store.comuni.resolve("Seriate").istat_code
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        before = int(_oggi_cell(pilot, seriate, "aperte"))
        await pilot.press("2")
        await wait_for_rows(pilot, "#practices")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "practice-new")
        form = app.screen
        form.query_one("#f-comune", Select).value = seriate
        form.query_one("#f-procedure_type", Select).value = "scia"
        await type_into(pilot, "#f-protocol_no", "9999/2026")
        await type_into(pilot, "#f-subject", "Ampliamento capannone")
        await pilot.press("f2")
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: app.screen.view is not None)
        summary = _summary(pilot)
        assert "Pratica 9999/2026" in summary and "Ampliamento capannone" in summary
        assert app.store is not None
        created = app.store.practices.find("9999/2026", [seriate])
        assert (created.status, created.procedure_type) == (vocab.APERTA, "scia")
        assert created.received_on == TODAY
        assert created.legal_term_days == 30  # the type's term, field left empty
        await pilot.press("1")
        await wait_idle(pilot)
        assert int(_oggi_cell(pilot, seriate, "aperte")) == before + 1


async def test_new_practice_form_refuses_bad_input_and_writes_nothing(
    demo_store: Store,
) -> None:
    seriate = demo_store.comuni.resolve("Seriate").istat_code
    existing = demo_store.practices.page(PracticeFilter(comuni=[seriate]), limit=1)[0]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        assert app.store is not None
        counts = _count_rows(app.store)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.id == "practice-new")
        form = app.screen
        form.query_one("#f-comune", Select).clear()
        await type_into(pilot, "#f-received_on", "32/13/2026")
        await type_into(pilot, "#f-legal_term_days", "0")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "Scegli" in _error(pilot, "comune")
        assert "obbligatorio" in _error(pilot, "protocol_no")
        assert "Data non valida" in _error(pilot, "received_on")
        assert "tra 1 e 3650" in _error(pilot, "legal_term_days")
        assert _count_rows(app.store) == counts
        # Valid field by field, refused by the core: the message lands beside the field.
        form.query_one("#f-comune", Select).value = seriate
        form.query_one("#f-procedure_type", Select).value = existing.procedure_type
        await type_into(pilot, "#f-protocol_no", existing.protocol_no)
        await type_into(pilot, "#f-received_on", "01/01/2026")
        await type_into(pilot, "#f-legal_term_days", "")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "Esiste già" in _error(pilot, "protocol_no")
        assert _error(pilot, "received_on") == ""
        await type_into(pilot, "#f-protocol_no", "1/2099")
        await type_into(pilot, "#f-received_on", "01/01/2099")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "nel futuro" in _error(pilot, "received_on")
        assert _count_rows(app.store) == counts
        await pilot.press("escape")
        await wait_for_screen(pilot, "HomeScreen")
        assert _count_rows(app.store) == counts


async def test_suspend_and_resume(demo_store: Store) -> None:
    practice = demo_store.practices.page(
        PracticeFilter(statuses=[vocab.APERTA]), sort="avvio", limit=1
    )[0]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_practice(pilot, practice.id)
        assert app.store is not None
        # Resume is not offered for an open practice.
        await pilot.press("r")
        await pilot.pause()
        assert type(app.screen).__name__ == "PracticeScreen"
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "practice-suspend")
        await pilot.press("f2")  # no reason
        await wait_idle(pilot)
        assert "obbligatorio" in _error(pilot, "reason")
        assert app.store.practices.get(practice.id).status == vocab.APERTA
        await type_into(pilot, "#f-reason", "integrazioni documentali")
        await pilot.press("enter")
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: "Stato: Sospesa" in _summary(pilot))
        stored = app.store.practices.get(practice.id)
        assert stored.status == vocab.SOSPESA
        assert stored.suspensions[-1].reason == "integrazioni documentali"
        start = stored.suspensions[-1].start_on.strftime("%d/%m/%Y")
        assert f"Sospensione dal {start} (in corso): integrazioni documentali" in _summary(pilot)
        history = app.screen.query_one("#history", DataTable)
        assert "integrazioni documentali" in column(history, "new")
        # Resume: a date before the suspension is refused beside the field.
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.id == "practice-resume")
        await type_into(pilot, "#f-end_on", "01/01/2000")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "precedente" in _error(pilot, "end_on")
        assert app.store.practices.get(practice.id).status == vocab.SOSPESA
        await type_into(pilot, "#f-end_on", "oggi")
        await pilot.press("f2")
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: "Stato: Aperta" in _summary(pilot))
        stored = app.store.practices.get(practice.id)
        assert stored.status == vocab.APERTA
        assert stored.suspensions[-1].end_on == TODAY
        end = TODAY.strftime("%d/%m/%Y")
        assert f"Sospensione dal {start} al {end}: integrazioni documentali" in _summary(pilot)


async def test_conclude_updates_the_overdue_count_on_oggi(demo_store: Store) -> None:
    late = demo_store.practices.page(
        PracticeFilter(statuses=[vocab.APERTA], overdue_only=True), limit=1
    )[0]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        before = _oggi_cell(pilot, late.comune_code, "ritardo")
        assert before.startswith("⚠ ")
        # Find it in Pratiche by its protocol, as a user would.
        await pilot.press("2")
        await wait_for_rows(pilot, "#practices")
        await pilot.press("slash")
        for char in late.protocol_no:
            await pilot.press(char)
        table = app.screen.query_one("#practices", PracticeTable)
        await wait_for(pilot, lambda: late.id in table.row_keys)
        await pilot.press("enter")  # from the filter: to the table
        table.select_key(late.id)
        await pilot.press("enter")
        await wait_for_screen(pilot, "PracticeScreen")
        await wait_for(pilot, lambda: app.screen.view is not None)
        assert "OLTRE IL TERMINE" in _summary(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen.id == "practice-conclude")
        await pilot.press("f2")  # no outcome chosen
        await wait_idle(pilot)
        assert "Scegli" in _error(pilot, "outcome")
        app.screen.query_one("#f-outcome", Select).value = vocab.FAVOREVOLE
        await pilot.press("f2")
        await wait_for_screen(pilot, "PracticeScreen")
        assert app.store is not None
        stored = app.store.practices.get(late.id)
        assert (stored.status, stored.outcome, stored.concluded_on) == (
            vocab.CONCLUSA,
            vocab.FAVOREVOLE,
            TODAY,
        )
        await pilot.press("1")
        await wait_idle(pilot)
        after = _oggi_cell(pilot, late.comune_code, "ritardo")
        assert int(after.lstrip("⚠ ")) == int(before.lstrip("⚠ ")) - 1


async def test_archive_reopen_and_link_a_request(demo_store: Store) -> None:
    practice = demo_store.practices.page(PracticeFilter(statuses=[vocab.APERTA]), limit=1)[0]
    request = demo_store.requests.list(comuni=[practice.comune_code])[0]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_practice(pilot, practice.id)
        assert app.store is not None
        await pilot.press("a")
        await _submit(pilot, "practice-archive")
        await wait_for_screen(pilot, "PracticeScreen")
        assert app.store.practices.get(practice.id).status == vocab.ARCHIVIATA
        await wait_for(pilot, lambda: "Archiviata" in _summary(pilot))
        await pilot.press("R")
        await wait_for(pilot, lambda: app.screen.id == "practice-reopen")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "obbligatorio" in _error(pilot, "reason")
        await type_into(pilot, "#f-reason", "nuova istanza")
        await pilot.press("enter")
        await wait_for_screen(pilot, "PracticeScreen")
        stored = app.store.practices.get(practice.id)
        assert (stored.status, stored.reopen_reason) == (vocab.APERTA, "nuova istanza")
        await pilot.press("l")
        await wait_for(pilot, lambda: app.screen.id == "practice-link")
        app.screen.query_one("#f-richiesta", Select).value = request.request.id
        await pilot.press("f2")
        await wait_for_screen(pilot, "PracticeScreen")
        assert practice.id in app.store.requests.get(request.request.id).practice_ids
        await wait_for(
            pilot,
            lambda: request.request.subject in _summary(pilot),
        )


async def test_filter_facets_sort_and_paging(demo_store: Store) -> None:
    codes = demo_store.comuni.assigned_codes(demo_store.expert_id)
    expected_text = demo_store.practices.count(PracticeFilter(comuni=codes, text="fotovoltaico"))
    first_by_protocol = demo_store.practices.page(
        PracticeFilter(comuni=codes), sort="protocollo", descending=False, limit=5
    )
    app = app_on(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        table = await wait_for_rows(pilot, "#practices")
        assert isinstance(table, PracticeTable)
        assert table.row_count == PracticeTable.FIRST_PAGE  # one page, not the whole store
        await pilot.press("slash")
        for char in "fotovoltaico":
            await pilot.press(char)
        await wait_idle(pilot)
        assert table.row_count == min(expected_text, PracticeTable.FIRST_PAGE)
        count = str(app.screen.query_one("#count").render())
        assert count.startswith(f"{expected_text} pratiche")
        assert app.store is not None
        for key in table.row_keys[:10]:
            p = app.store.practices.get(key)
            assert "fotovoltaico" in p.subject.lower()
        # Facet: status; then overdue only (marked ⚠, not by colour alone).
        await pilot.press("escape")
        await wait_idle(pilot)
        app.screen.query_one("#status", Select).value = "conclusa"
        await wait_idle(pilot)
        assert set(column(table, "stato")) == {"Conclusa"}
        app.screen.query_one("#status", Select).clear()
        table.focus()
        await pilot.press("x")
        await wait_idle(pilot)
        assert table.row_count > 0
        assert all(cell.startswith("⚠") for cell in column(table, "giorni"))
        await pilot.press("x")
        await wait_idle(pilot)
        # Sort by clicking the Protocollo header (mouse), then flip with i.
        await pilot.click("#practices", offset=(3, 0))
        await wait_idle(pilot)
        assert column(table, "protocollo")[:5] == [p.protocol_no for p in first_by_protocol]
        assert next(c.label for c in table.columns if c.key == "protocollo") == "Protocollo ▲"
        # Paging: the end of the list asks for the next page.
        table.focus()
        await pilot.press("G")
        await wait_idle(pilot)
        assert table.row_count >= PracticeTable.FIRST_PAGE + PracticeTable.PAGE


async def test_down_from_the_search_goes_to_the_list(demo_store: Store) -> None:
    """Type, then ↓ and Enter open the first match, as in any search box."""
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = await wait_for_rows(pilot, "#practices")
        await pilot.press("slash", *"fotovoltaico")
        await wait_idle(pilot)
        first = table.row_keys[0]
        await pilot.press("down")
        assert app.focused is table
        await pilot.press("enter")
        await wait_for_screen(pilot, "PracticeScreen")
        assert app.screen.practice_id == first  # type: ignore[attr-defined]


async def test_history_names_the_type_and_the_ambito(demo_store: Store) -> None:
    """The history of a practice shows names, not codes (here: one created in bulk,
    as the spreadsheet import writes it, whose op-log row the history expands)."""
    from tests.sync_helpers import bulk_create

    (pid,) = bulk_create(demo_store, ["STORIA/1"])
    practice = demo_store.practices.get(pid)
    type_name = {t.code: t.name for t in demo_store.lists.procedure_types()}[
        practice.procedure_type
    ]
    ambito_name = demo_store.lists.ambiti()[practice.ambito]
    app = app_on(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_practice(pilot, pid)
        history = app.screen.query_one("#history", DataTable)
        shown = column(history, "new")
        assert type_name[:40] in shown and ambito_name[:40] in shown
        assert practice.procedure_type not in shown and "STORIA/1" in shown

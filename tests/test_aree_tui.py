"""The Aree interne place (Pilot): figures per area as the user reads them, the
interventions filtered as you type, an intervention's detail (funding, timetable bars,
spending curve) and a monitoring update typed in, checked in the store."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from taskforce_tui.store.db import Store
from taskforce_tui.widgets.statusline import StatusLine
from tests.aree_helpers import with_areas
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


def world(store: Store) -> Store:
    """Two areas, three interventions with funding, phases and snapshots."""
    with_areas(store)
    repo = store.interventions
    a = repo.create(
        cup="E21B22000310006",
        title="Rifugio Calvi",
        area="AI01",
        comuni=["Carona"],
        ente="Provincia di Bergamo",
        total_cents=1_000_000_00,
        funding={"FESR": 600_000_00, "regionale": 300_000_00},
        status="in corso",
        indicator="Posti letto",
        unit="posti",
        target=24,
    )
    repo.set_phase(
        a.id,
        "progettazione_esecutiva",
        planned_start=date(2025, 9, 1),
        planned_end=date(2026, 3, 31),
        actual_start=date(2025, 9, 15),
        actual_end=date(2026, 5, 10),
    )
    repo.set_phase(
        a.id,
        "lavori",
        planned_start=date(2026, 5, 1),
        planned_end=date(2026, 10, 31),
        actual_start=date(2026, 6, 1),
    )
    repo.set_phase(a.id, "collaudo", planned_start=date(2027, 1, 1), planned_end=date(2027, 3, 31))
    for ref, committed, paid in (
        (date(2026, 3, 31), 200_000_00, 50_000_00),
        (date(2026, 6, 30), 500_000_00, 150_000_00),
        (date(2026, 10, 31), 800_000_00, 400_000_00),
    ):
        repo.add_snapshot(
            a.id, ref_date=ref, committed_cents=committed, paid_cents=paid, achieved=paid // 5e6
        )
    b = repo.create(
        cup="E21B22000310007", title="Scuola di Branzi", area="AI01", total_cents=250_000_00
    )
    repo.add_snapshot(b.id, ref_date=date(2026, 9, 30), committed_cents=25_000_00, paid_cents=0)
    c = repo.create(
        cup="F11C23000000001",
        title="Sentiero del Brallo",
        area="AI02",
        total_cents=80_000_00,
        status="concluso",
    )
    repo.add_snapshot(
        c.id, ref_date=date(2026, 6, 30), committed_cents=80_000_00, paid_cents=80_000_00
    )
    return store


def count_line(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#count", StatusLine).text)


async def open_aree(pilot: Pilot[Any]) -> Any:
    await wait_for_rows(pilot, "#comuni")
    await pilot.press("6")
    await wait_for_screen(pilot, "AreeScreen")
    return await wait_for_rows(pilot, "#interventions", 3)


async def test_figures_per_area_and_type_to_filter(expert_store: Store) -> None:
    app = app_on(world(expert_store))
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_aree(pilot)
        areas = pilot.app.screen.query_one("#areas")
        # ranked by share paid: Oltrepò (100%) before Alta Valle Brembana
        assert areas.row_keys == ["AI02", "AI01"]
        first = [str(c) for c in areas.get_row("AI01")]
        assert first[2] == "2"  # interventions
        assert first[3] == "1.250.000,00 €"  # programmed = 1,000,000 + 250,000
        assert first[4] == "825.000,00 €" and first[5] == "66,0%"
        assert first[6] == "400.000,00 €" and first[7] == "32,0%"
        assert first[8] == "1/1/0/0" and first[9] == "2"  # two phases late
        assert column(table, "cup") == ["E21B22000310006", "E21B22000310007", "F11C23000000001"]
        # typing goes to the search box and filters the list
        await pilot.press("b", "r", "a")
        assert app.screen.query_one("#filter", Input).value == "bra"
        await wait_for(pilot, lambda: table.row_count == 2)
        assert column(table, "title") == ["Scuola di Branzi", "Sentiero del Brallo"]
        assert count_line(pilot).startswith("2 interventi · dati al 20/11/2026")
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 3)
        # the status filter: only interventions with phases late
        from textual.widgets import Select

        app.screen.query_one("#status", Select).value = "__late__"
        await wait_for(pilot, lambda: table.row_count == 1)
        assert column(table, "cup") == ["E21B22000310006"]
        app.screen.query_one("#status", Select).value = "concluso"
        await wait_for(pilot, lambda: column(table, "cup") == ["F11C23000000001"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 3)
        # Enter on an area keeps only its interventions
        areas.focus()
        await pilot.press("g", "enter")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert column(table, "cup") == ["F11C23000000001"]


async def test_detail_funding_bars_curve_and_progress_form(expert_store: Store) -> None:
    store = world(expert_store)
    store.practices.create(
        comune_code="016024",
        procedure_type="permesso_costruire",
        protocol_no="PDC-7/2026",
        received_on=date(2026, 10, 1),
    )
    app = app_on(store)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_aree(pilot)
        table.focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, "InterventionScreen")
        await wait_for(pilot, lambda: pilot.app.screen.view is not None)
        summary = text_of(pilot, "#summary")
        assert "E21B22000310006  Rifugio Calvi" in summary
        assert "attuatore Provincia di Bergamo" in summary and "Comuni: Carona" in summary
        assert "pagato 400.000,00 € (40,0%)" in summary and "dati al 31/10/2026" in summary
        assert "Indicatore: Posti letto: realizzato 8 su 24 posti" in summary
        funding = pilot.app.screen.query_one("#funding")
        assert [str(c) for c in funding.get_row("FESR")] == ["FESR", "600.000,00 €", "60,0%"]
        assert [str(c) for c in funding.get_row("__rest__")][1] == "100.000,00 €"
        bars = text_of(pilot, "#timetable")
        assert "Progettazione esecutiva" in bars and "ritardo 40 gg" in bars  # 31/3 -> 10/5
        assert "ritardo 20 gg" in bars  # works still open 20 days after 31/10
        assert "░" in bars and "█" in bars and "│" in bars
        curve = text_of(pilot, "#curve").splitlines()
        assert [line[:10] for line in curve[1:]] == ["31/03/2026", "30/06/2026", "31/10/2026"]
        assert "40,0%" in curve[3]
        # a monitoring update typed in: a new snapshot, the old ones stay
        await pilot.press("a")
        await wait_for(pilot, lambda: pilot.app.screen.id == "intervention-progress")
        await type_into(pilot, "#f-committed", "-5")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert pilot.app.screen.id == "intervention-progress"  # refused beside the field
        await type_into(pilot, "#f-committed", "850.000,00")
        await type_into(pilot, "#f-paid", "455.000,50")
        await pilot.press("f2")
        await wait_for_screen(pilot, "InterventionScreen")
        await wait_for(pilot, lambda: "455.000,50" in text_of(pilot, "#summary"))
        # a practice linked from the detail: by protocol; a wrong one is said beside the field
        await pilot.press("l")
        await wait_for(pilot, lambda: pilot.app.screen.id == "intervention-link")
        await type_into(pilot, "#f-ref", "nessuno/1")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert pilot.app.screen.id == "intervention-link"
        await type_into(pilot, "#f-ref", "PDC-7/2026")
        await pilot.press("f2")
        await wait_for_screen(pilot, "InterventionScreen")
        await wait_for(pilot, lambda: "Collegati: 1 pratiche" in text_of(pilot, "#summary"))
    with Store(store.path) as again:
        snaps = again.interventions.find("E21B22000310006").snapshots
        assert [(s.ref_date, s.paid_cents) for s in snaps][-2:] == [
            (date(2026, 10, 31), 400_000_00),
            (date(2026, 11, 20), 455_000_50),
        ]
        assert len(snaps) == 4


async def test_no_areas_says_where_they_come_from(expert_store: Store) -> None:
    app = app_on(expert_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("6")
        await wait_for_screen(pilot, "AreeScreen")
        await wait_for(pilot, lambda: "Segreteria Tecnica" in count_line(pilot))


async def test_the_demo_opens_on_its_two_areas(demo_store: Store) -> None:
    app = app_on(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_aree(pilot)
        await wait_for(pilot, lambda: table.row_count == 40)
        areas = pilot.app.screen.query_one("#areas")
        assert sorted(areas.row_keys) == ["DEMO-BREMBANA", "DEMO-OLTREPO"]
        assert count_line(pilot).startswith("40 interventi")


async def test_detail_at_80_columns_shows_the_funding_rows_and_unwrapped_bars(
    expert_store: Store,
) -> None:
    """Seen in tmux at 80x24: the funding table showed its header without rows, and the
    timetable's lines wrapped ("fine" on one line, the date on the next)."""
    store = world(expert_store)
    app = app_on(store)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_aree(pilot)
        table.focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, "InterventionScreen")
        await wait_for(pilot, lambda: pilot.app.screen.view is not None)
        await wait_idle(pilot)
        funding = pilot.app.screen.query_one("#funding")
        assert funding.row_count >= 2
        assert funding.size.height >= funding.row_count + 1  # header and every row
        bars = pilot.app.screen.query_one("#timetable")
        width = bars.content_region.width
        lines = text_of(pilot, "#timetable").splitlines()
        assert all(len(line) <= width for line in lines), [
            line for line in lines if len(line) > width
        ]
        assert any("fine " in line and "/20" in line for line in lines)
        curve = text_of(pilot, "#curve").splitlines()
        assert all(
            len(line) <= pilot.app.screen.query_one("#curve").content_region.width for line in curve
        )


async def test_interventions_come_page_by_page_and_the_filter_reaches_past_the_first(
    expert_store: Store,
) -> None:
    """The place opens on a first page; moving down loads the next ones, and typing a CUP
    beyond the first page finds it (the filter runs in SQL, not on the rows loaded)."""
    from taskforce_tui.screens.aree import InterventionTable

    store = with_areas(expert_store)
    many = InterventionTable.FIRST_PAGE + 15
    for n in range(many):
        store.interventions.create(
            cup=f"E21B2200031{n:04d}", title=f"Opera {n}", area="AI01", total_cents=1_000_00
        )
    app = app_on(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_rows(pilot, "#comuni")
        await pilot.press("6")
        await wait_for_screen(pilot, "AreeScreen")
        table = await wait_for_rows(pilot, "#interventions", InterventionTable.FIRST_PAGE)
        assert table.row_count == InterventionTable.FIRST_PAGE  # one page, not all
        await wait_for(pilot, lambda: count_line(pilot).startswith(f"{many} interventi"))
        last = f"E21B2200031{many - 1:04d}"
        assert last not in column(table, "cup")
        table.focus()
        await pilot.press("G")  # to the last row loaded: the next page comes
        await wait_for(pilot, lambda: table.row_count == many)
        await pilot.press("G")
        await wait_for(
            pilot,
            lambda: (
                table.current_key() is not None and column(table, "cup")[table.cursor_row] == last
            ),
        )
        # back to the top, then a CUP of the last page typed in the search
        await pilot.press("g")
        wanted = f"E21B2200031{many - 3:04d}"
        await pilot.press("slash", *wanted[-6:])  # digits typed in the box, not places
        await wait_for(pilot, lambda: column(table, "cup") == [wanted])
        assert count_line(pilot).startswith("1 intervento")
        await pilot.press("enter", "enter")  # from the search to the list, then open
        await wait_for_screen(pilot, "InterventionScreen")
        await wait_for(pilot, lambda: pilot.app.screen.view is not None)
        assert pilot.app.screen.view.item.cup == wanted

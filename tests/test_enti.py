"""Enti beyond the Comuni (issue 15): the 12 Province / Città Metropolitana and the
centre's Unioni and Comunità Montane share the table of the Comuni, so practices,
requests, time logs, assignments, indicators, the import and the sync rights work for
them as for a Comune. The ISTAT update leaves them alone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.domain.dates import Semester
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.store import reference
from taskforce_tui.store.db import Store
from taskforce_tui.store.indicators import IndicatorRepo
from taskforce_tui.sync.central import People
from taskforce_tui.sync.people import EnteRow, read_assignments
from tests.sync_helpers import World
from tests.test_cli import run

PROVINCIA_BG = "UTS016"


@pytest.fixture
def provincia_store(store: Store) -> Store:
    """An expert assigned to Bergamo (Comune) and to the Provincia di Bergamo."""
    store.experts.setup_profile("Anna Verdi", "anna@example.it", ["016024", PROVINCIA_BG])
    return store


def test_a_practice_request_and_time_log_of_the_provincia(provincia_store: Store) -> None:
    store = provincia_store
    assert set(store.comuni.assigned_codes(store.expert_id)) == {"016024", PROVINCIA_BG}
    practice = store.practices.create(
        comune_code=PROVINCIA_BG,
        procedure_type="aua",
        protocol_no="AUA-12/2026",
        received_on=date(2026, 3, 2),
        subject="AUA impianto di verniciatura",
    )
    store.practices.conclude(practice.id, date(2026, 5, 4), "favorevole")
    request = store.requests.create(
        comune_code=PROVINCIA_BG, kind="tecnica", subject="AUA", opened_on=date(2026, 3, 3)
    )
    log = store.timelogs.add(
        TimeLog(
            id="",
            expert_id=store.expert_id or "",
            work_date=date(2026, 11, 19),
            minutes=120,
            activity="affiancamento",
            mode="presenza",
            comune_code=PROVINCIA_BG,
            practice_id=practice.id,
        )
    )
    assert store.requests.get(request.id).comune_code == PROVINCIA_BG
    assert store.timelogs.get(log.id).comune_code == PROVINCIA_BG
    # the semester indicators count the Provincia's practice under its name
    report = IndicatorRepo(store).report(Semester(2026, 1), [PROVINCIA_BG], date(2026, 11, 20))
    (row,) = [r for r in report.rows if r.procedure_type == "aua"]
    assert row.comune_name == "Provincia di Bergamo" and row.figures.concluded_express == 1
    # a Provincia not assigned is refused as a Comune not assigned is
    with pytest.raises(DomainError, match="non è tra i tuoi Comuni assegnati"):
        store.practices.create(
            comune_code="UTS017",
            procedure_type="aua",
            protocol_no="1/2026",
            received_on=date(2026, 3, 2),
        )


def test_the_istat_update_leaves_the_enti_alone(store: Store) -> None:
    rows = [r for r in reference.packaged_comuni() if r.istat_code != "016001"]
    report = reference.update_comuni(store, rows)
    assert report.suppressed == ["016001"]
    assert all(e.kind != "comune" for e in store.aree.enti()) and len(store.aree.enti()) == 12


def test_cli_practice_and_listing_of_the_provincia(
    provincia_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = provincia_store.path.parent
    provincia_store.close()
    d = ("--data-dir", str(folder))
    code, out, err = run(
        capsys, *d, "pratica", "nuova", "--comune", "Provincia di Bergamo", "--tipo", "aua",
        "--protocollo", "AUA-1/2026", "--avvio", "02/03/2026",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, *d, "pratiche", "--comune", "UTS016", "--json")
    (item,) = json.loads(out)
    assert item["protocol_no"] == "AUA-1/2026"
    code, out, _ = run(capsys, *d, "comuni", "--json")
    assert {c["name"] for c in json.loads(out)} == {"Bergamo", "Provincia di Bergamo"}


def test_sync_rights_for_a_provincia_and_an_unione(tmp_path: Path) -> None:
    world = World(tmp_path, 2)
    try:
        file = tmp_path / "assegnazioni.csv"
        file.write_text(
            "email;comune\ne0@example.it;016024\ne1@example.it;016024\n"
            "e0@example.it;Provincia di Bergamo\ne1@example.it;UCBREM\n",
            encoding="utf-8",
        )
        enti = [EnteRow("UCBREM", "Unione Alta Valle Brembana", "unione", ("016036",), 2)]
        world.merge(people=People(None, read_assignments(file), None, enti))
        world.full_round()
        anna, bruno = world.laptops
        assert bruno.comuni.resolve("UCBREM").kind == "unione"
        anna.practices.create(
            comune_code=PROVINCIA_BG, procedure_type="aua", protocol_no="P/1",
            received_on=date(2026, 10, 1),
        )  # fmt: skip
        bruno.practices.create(
            comune_code="UCBREM", procedure_type="scia", protocol_no="U/1",
            received_on=date(2026, 10, 1),
        )  # fmt: skip
        # Bruno forces a practice of the Provincia, not assigned to him: refused by the merge
        with bruno.write() as tx:
            tx.insert(
                "practice",
                {
                    "id": "forced", "comune_code": PROVINCIA_BG, "ambito": "ambiente",
                    "procedure_type": "aua", "protocol_no": "P/2", "received_on": "2026-10-01",
                    "legal_term_days": 90, "status": "aperta",
                },
            )  # fmt: skip
        world.full_round()
        with world.central.store.read() as conn:
            held = dict(conn.execute("SELECT protocol_no, comune_code FROM practice"))
            reasons = [r[0] for r in conn.execute("SELECT reason FROM sync_rejected")]
        assert held["P/1"] == PROVINCIA_BG and held["U/1"] == "UCBREM" and "P/2" not in held
        assert f"Comune {PROVINCIA_BG} non assegnato all'esperto" in reasons
        # each extract carries the practices of the expert's enti
        with anna.read() as conn:
            assert conn.execute("SELECT 1 FROM practice WHERE protocol_no = 'P/1'").fetchone()
    finally:
        world.close()


def test_a_bad_ente_code_is_refused(tmp_path: Path) -> None:
    from taskforce_tui.sync.people import read_enti

    bad = tmp_path / "enti.csv"
    bad.write_text("codice;nome;tipo;comuni\nUTS999;Finta;unione;016036\n", encoding="utf-8")
    with pytest.raises(DomainError, match=r"UTS\.\.\. è riservato alle Province"):
        read_enti(bad)
    bad.write_text("codice;nome;tipo;comuni\nUC1;Corta;unione;016036\n", encoding="utf-8")
    with pytest.raises(DomainError, match="6 caratteri"):
        read_enti(bad)


def test_import_of_a_provincia_spreadsheet(
    provincia_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.import_helpers import row, write_csv

    folder = provincia_store.path.parent
    provincia_store.close()
    path = write_csv(
        tmp_path / "provincia.csv",
        [row("AUA-1/2026", istat="UTS016", tipo="AUA"), row("AUA-2/2026", istat="Atlantide")],
    )
    code, out, err = run(
        capsys, "--data-dir", str(folder), "import", "pratiche", str(path), "--conferma"
    )
    assert code == 0, out + err
    assert "1 nuove" in out and "1 scartate" in out and "Atlantide" in out
    with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
        assert conn.execute(
            "SELECT comune_code FROM practice WHERE protocol_no = 'AUA-1/2026'"
        ).fetchone() == (PROVINCIA_BG,)


async def test_oggi_lists_the_provincia_among_the_expert_enti(provincia_store: Store) -> None:
    from tests.tui_helpers import app_on, column, wait_for_rows

    app = app_on(provincia_store)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await wait_for_rows(pilot, "#comuni", 2)
        assert sorted(column(table, "comune")) == ["Bergamo", "Provincia di Bergamo"]
        assert sorted(table.row_keys) == ["016024", PROVINCIA_BG]


async def test_the_provincia_opens_on_its_own_screen_titled_as_what_it_is(
    provincia_store: Store,
) -> None:
    """Seen on the merged build: Enter on the Provincia opened the Comune screen with
    «Comune» on its top line."""
    from taskforce_tui.screens.base import PlacesBar
    from tests.tui_helpers import app_on, wait_for, wait_for_rows

    app = app_on(provincia_store)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await wait_for_rows(pilot, "#comuni", 2)
        assert table.select_key(PROVINCIA_BG)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "view", None) is not None)
        bar = str(app.screen.query_one(PlacesBar).render())
        assert "Provincia" in bar and "Comune" not in bar
        assert "Provincia di Bergamo" in str(app.screen.query_one("#head").render())


def test_reference_files_refuse_a_repeated_code_or_a_missing_name(tmp_path: Path) -> None:
    from taskforce_tui.sync.people import read_areas, read_enti

    bad = tmp_path / "enti.csv"
    bad.write_text(
        "codice;nome;tipo;comuni\nUCBREM;Unione;unione;016036\nUCBREM;Altra;unione;016036\n",
        encoding="utf-8",
    )
    with pytest.raises(DomainError, match=r"enti.csv, riga 3: codice ente ripetuto «UCBREM»"):
        read_enti(bad)
    bad.write_text("codice;nome;tipo;comuni\nUCBREM;;unione;016036\n", encoding="utf-8")
    with pytest.raises(DomainError, match=r"riga 2: manca il nome dell'ente"):
        read_enti(bad)
    areas = tmp_path / "aree.csv"
    areas.write_text("codice;nome;tipo;comuni\nAI01;Valle;snai;016036\nAI01;Bis;snai;\n")
    with pytest.raises(DomainError, match=r"riga 3: codice area ripetuto «AI01»"):
        read_areas(areas)
    areas.write_text("codice;nome;tipo;comuni\nAI01;;snai;016036\n")
    with pytest.raises(DomainError, match=r"riga 2: manca il nome dell'area"):
        read_areas(areas)

"""Aree Interne from the command line: listings with --json, edits, the OpenCoesione
import (preview, row errors, idempotent, --scarti), the report; bad input exits 2 and
changes nothing."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from taskforce_tui.store.db import Store
from tests.aree_helpers import with_areas
from tests.office_helpers import sheets_to_csv
from tests.test_cli import run

OC_HEADER = (
    "CUP;OC_TITOLO_PROGETTO;OC_FINANZ_TOT_PUB_NETTO;IMPEGNI;TOT_PAGAMENTI;OC_STATO_PROGETTO;"
    "OC_DATA_INIZIO_PROGETTO;OC_DATA_FINE_PROGETTO_PREVISTA;OC_DATA_FINE_PROGETTO_EFFETTIVA;"
    "COD_COMUNE;OC_COD_CICLO;ALTRA_COLONNA"
)


@pytest.fixture
def profile(store: Store) -> Path:
    with_areas(store)
    folder = store.path.parent
    store.close()
    return folder


def oc_file(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([OC_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = [
    # Italian amounts, OpenCoesione's 9-digit Comune code, YYYYMMDD dates
    "E21B22000310006;Rifugio Calvi;1.250.000,50;600.000,00;125.000,25;In corso;20240115;"
    "20261231;;003016036;3;x",
    # plain amounts, a 6-digit code, an ODS/ISO date
    "F11C23000000001;Scuola di Varzi;480000.00;480000.00;480000.00;Concluso;2023-02-01;"
    "2025-06-30;2025-05-31;018171;3;y",
]
BAD = [
    "E21B2200031000;CUP corto;1000;0;0;In corso;20240101;;;003016036;3;z",  # 14 characters
    "G22D24000000002;Comune che non c'è;1000;0;0;In corso;20240101;;;999999;3;z",
    "H33E24000000003;Data sbagliata;1000;0;0;In corso;20241345;;;016036;3;z",
    "J44F24000000004;Importo negativo;-5;0;0;In corso;20240101;;;016036;3;z",
    "K55G24000000005;Stato strano;1000;0;0;Sospeso per ferie;20240101;;;016036;3;z",
]


def _db(profile: Path) -> tuple[int, int, int]:
    with Store(profile / "taskforce.sqlite3") as s, s.read() as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM intervention").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM intervention_snapshot").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0],
        )


def test_import_opencoesione_preview_errors_confirm_and_again(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ("--data-dir", str(profile))
    path = oc_file(tmp_path / "progetti.csv", GOOD + BAD)
    before = _db(profile)
    code, out, err = run(capsys, *d, "import", "interventi", str(path), "--al", "31/10/2026")
    assert code == 1 and "non confermata" in err  # no terminal, no --conferma
    assert "Anteprima: 2 nuovi, 0 aggiornati, 0 invariati, 5 righe scartate." in out
    assert "Colonne non importate: OC_COD_CICLO, ALTRA_COLONNA." in out
    assert "riga 4, CUP = «E21B2200031000»: CUP non valido" in out and "ha 14 caratteri" in out
    assert "riga 5, Comune = «999999»: Nessun Comune con codice ISTAT 999999." in out
    assert "riga 6, Inizio = «20241345»: data impossibile" in out
    assert "riga 7, Costo totale = «-5»: Importo negativo" in out
    assert "riga 8, Stato = «Sospeso per ferie»: Stato dell'intervento non valido" in out
    assert _db(profile) == before
    code, out, err = run(
        capsys, *d, "import", "interventi", str(path), "--al", "31/10/2026", "--conferma",
        "--scarti",
    )  # fmt: skip
    assert code == 0, err
    assert "Importati: 2 nuovi interventi" in out
    scarti = (tmp_path / "progetti_scarti.csv").read_bytes().decode("utf-8-sig")
    assert scarti.startswith("Riga;Colonna;Valore;Motivo") and scarti.count("\r\n") == 6
    assert _db(profile)[:2] == (2, 2)
    # the same file again changes nothing
    after = _db(profile)
    code, out, _ = run(
        capsys, *d, "import", "interventi", str(path), "--al", "31/10/2026", "--conferma"
    )
    assert code == 0 and "gli interventi sono già aggiornati" in out
    assert _db(profile) == after
    # a later file adds a snapshot and keeps the history
    later = oc_file(
        tmp_path / "dopo.csv",
        ["E21B22000310006;Rifugio Calvi;1.250.000,50;700.000;300.000;In corso;20240115;"
         "20261231;;003016036;3;x"],
    )  # fmt: skip
    code, out, _ = run(capsys, *d, "import", "interventi", str(later), "--conferma")
    assert code == 0 and "0 nuovi interventi, 1 aggiornati" in out
    code, out, _ = run(capsys, *d, "intervento", "mostra", "E21B22000310006", "--json")
    shown = json.loads(out)
    assert [(s["al"], s["pagamenti_cents"]) for s in shown["avanzamento"]] == [
        ("2026-10-31", 125_000_25),
        ("2026-11-20", 300_000_00),
    ]
    assert shown["comuni"] == ["016036"] and shown["area"] == "AI01"  # from the Comune


def test_a_broken_file_is_refused_with_nothing_written(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ("--data-dir", str(profile))
    before = _db(profile)
    no_cup = tmp_path / "x.csv"
    no_cup.write_text("titolo;importo\nA;1\n", encoding="utf-8")
    code, _, err = run(capsys, *d, "import", "interventi", str(no_cup), "--conferma")
    assert code == 2 and "non trovo la colonna del CUP" in err
    binary = tmp_path / "y.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, _, err = run(capsys, *d, "import", "interventi", str(binary), "--conferma")
    assert code == 2 and "binario" in err
    only_bad = oc_file(tmp_path / "z.csv", BAD)
    code, _, err = run(capsys, *d, "import", "interventi", str(only_bad), "--conferma")
    assert code == 2 and "Nessuna riga valida" in err
    code, _, err = run(
        capsys, *d, "import", "interventi", str(only_bad), "--al", "2027-01-01", "--conferma"
    )
    assert code == 2 and "nel futuro" in err
    assert _db(profile) == before


def test_create_edit_progress_and_list(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(profile))
    code, out, err = run(
        capsys, *d, "intervento", "nuovo", "--cup", "e21b22000310006", "--titolo", "Rifugio",
        "--area", "AI01", "--comuni", "Branzi, Foppolo", "--ente", "Provincia di Bergamo",
        "--costo", "1.000.000,00", "--fonte", "FESR=600.000", "--fonte", "regionale=400000.00",
        "--fine-prevista", "31/12/2027", "--indicatore", "Posti letto", "--unita", "posti",
        "--obiettivo", "24",
    )  # fmt: skip
    assert code == 0, err
    assert "Intervento E21B22000310006 creato nell'area AI01." in out
    code, out, err = run(
        capsys, *d, "intervento", "modifica", "E21B22000310006", "--fase", "lavori",
        "--fine-prevista-fase", "30/09/2026", "--stato", "in corso",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, *d, "intervento", "avanzamento", "E21B22000310006", "--al", "30/09/2026",
        "--impegni", "500.000,00", "--pagamenti", "123.456,78", "--realizzato", "10",
    )  # fmt: skip
    assert code == 0 and "pagamenti 123.456,78 €" in out, err
    code, out, _ = run(capsys, *d, "intervento", "mostra", "E21B22000310006", "--json")
    shown = json.loads(out)
    assert (shown["indicatore"], shown["unita"], shown["obiettivo"]) == ("Posti letto", "posti", 24)
    assert shown["avanzamento"][0]["realizzato"] == 10
    code, out, _ = run(capsys, *d, "interventi", "--area", "ai01", "--json")
    (row,) = json.loads(out)
    assert row["cup"] == "E21B22000310006" and row["stato"] == "in corso"
    assert (row["programmato_cents"], row["impegnato_cents"], row["pagato_cents"]) == (
        100_000_000,
        50_000_000,
        12_345_678,
    )
    assert row["fasi_in_ritardo"] == 1 and row["ente_attuatore"] == "UTS016"
    code, out, _ = run(capsys, *d, "interventi", "--cup", "E21B22000310006")
    assert "Rifugio" in out and "12,3%" in out
    code, out, _ = run(capsys, *d, "aree", "--json")
    areas = {a["codice"]: a for a in json.loads(out)}
    assert areas["AI01"]["pagato_cents"] == 12_345_678 and areas["AI02"]["interventi"] == 0
    assert {"istat": "016036", "nome": "Branzi"} in areas["AI01"]["comuni"]
    code, out, _ = run(capsys, *d, "aree")
    assert "Alta Valle Brembana" in out and "Piazza Brembana" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("intervento", "nuovo", "--cup", "ABC", "--titolo", "x", "--area", "AI01"), "CUP"),
        (
            ("intervento", "nuovo", "--cup", "E21B22000310006", "--titolo", "x", "--area", "ZZ"),
            "Area sconosciuta «ZZ»",
        ),
        (
            ("intervento", "nuovo", "--cup", "E21B22000310006", "--titolo", "x", "--area",
             "AI01", "--comuni", "Atlantide"),
            "Comune sconosciuto",
        ),
        (
            ("intervento", "nuovo", "--cup", "E21B22000310006", "--titolo", "x", "--area",
             "AI01", "--costo", "12,3456"),
            "Importo",
        ),
        (("intervento", "avanzamento", "E21B22000310006", "--al", "2026-31-12", "--impegni",
          "1", "--pagamenti", "1"), "Data non valida"),
        (("intervento", "mostra", "E21B22000310006"), "Nessun intervento con CUP"),
        (("interventi", "--area", "XX"), "Area sconosciuta"),
        (("report", "aree-interne", "-o", "r.pdf"), "formato"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_and_changes_nothing(
    profile: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    before = _db(profile)
    code, _, err = run(capsys, "--data-dir", str(profile), *args)
    assert code == 2 and message in err, err
    assert _db(profile) == before


def _two_interventions(profile: Path) -> None:
    with Store(profile / "taskforce.sqlite3") as s:
        a = s.interventions.create(
            cup="E21B22000310006", title="=HYPERLINK(\"http://x\")", area="AI01",
            total_cents=1_000_000_01,
        )  # fmt: skip
        s.interventions.add_snapshot(
            a.id, ref_date=__import__("datetime").date(2026, 9, 30), committed_cents=333_33,
            paid_cents=111_11,
        )  # fmt: skip
        s.interventions.create(cup="F11C23000000001", title="Scuola", area="AI02", total_cents=5)


def test_report_json_csv_xlsx_agree_to_the_cent(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _two_interventions(profile)
    d = ("--data-dir", str(profile))
    code, _, err = run(capsys, *d, "report", "aree-interne", "-o", str(tmp_path / "r.json"))
    assert code == 0, err
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    by_code = {a["codice"]: a for a in data["aree"]}
    assert by_code["AI01"]["programmato_cents"] == 1_000_000_01
    assert by_code["AI01"]["pagato_euro"] == "111.11"
    assert [a["codice"] for a in data["aree"]] == ["AI01", "AI02"]  # ranking by % paid
    code, _, _ = run(capsys, *d, "report", "aree-interne", "-o", str(tmp_path / "r.csv"))
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][:3] == ["Area", "CUP", "Titolo"]
    assert lines[1][2].startswith("'=")  # a formula stays text
    assert lines[1][6:9] == ["1000000,01", "333,33", "111,11"]
    code, _, _ = run(
        capsys, *d, "report", "aree-interne", "--area", "AI02", "--al", "2026-06-30",
        "-o", str(tmp_path / "r.xlsx"),
    )  # fmt: skip
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["Aree", "Interventi"]
    rows = list(book["Interventi"].iter_rows(min_row=5, values_only=True))
    assert [r[1] for r in rows] == ["F11C23000000001"]
    assert book["Aree"]["C5"].value == "Appennino Lombardo - Oltrepò"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice non installato")
def test_libreoffice_written_xlsx_imports_with_bad_rows_explained(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = oc_file(tmp_path / "oc.csv", GOOD + BAD)
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--infilter=CSV:59,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/2/9/2/10/2",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "lo"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    xlsx = tmp_path / "lo" / "oc.xlsx"
    d = ("--data-dir", str(profile))
    code, out, err = run(capsys, *d, "import", "interventi", str(xlsx), "--conferma", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["nuove"], data["scartate"], data["importato"]) == (2, 5, True)
    reasons = {r["riga"]: r["motivo"] for r in data["scarti"]}
    assert "CUP non valido" in reasons[4] and "Comune" in reasons[5]
    code, out, _ = run(capsys, *d, "interventi", "--json")
    assert {r["cup"]: r["pagato_cents"] for r in json.loads(out)} == {
        "E21B22000310006": 125_000_25,
        "F11C23000000001": 480_000_00,
    }


def test_link_practice_request_and_time_log(
    expert_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from taskforce_tui.domain.records import TimeLog

    store = with_areas(expert_store)
    store.interventions.create(cup="E21B22000310006", title="Rifugio", area="AI01")
    practice = store.practices.create(
        comune_code="016024",
        procedure_type="permesso_costruire",
        protocol_no="77/2026",
        received_on=date(2026, 10, 1),
    )
    request = store.requests.create(
        comune_code="016024", kind="tecnica", subject="Parere", opened_on=date(2026, 10, 2)
    )
    log = store.timelogs.add(
        TimeLog(
            id="",
            expert_id=store.expert_id or "",
            work_date=date(2026, 11, 19),
            minutes=90,
            activity="affiancamento",
            mode="presenza",
            comune_code="016024",
        )
    )
    folder = store.path.parent
    store.close()
    d = ("--data-dir", str(folder))
    code, out, err = run(
        capsys, *d, "intervento", "collega", "E21B22000310006", "--pratica", "77/2026"
    )
    assert code == 0 and "collegata a E21B22000310006" in out, err
    code, _, err = run(
        capsys, *d, "intervento", "collega", "E21B22000310006", "--richiesta", request.id[:8]
    )
    assert code == 0, err
    code, _, err = run(capsys, *d, "intervento", "collega", "E21B22000310006", "--ore", log.id)
    assert code == 0, err
    code, out, _ = run(capsys, *d, "intervento", "mostra", "E21B22000310006", "--json")
    assert json.loads(out)["collegati"] == {"practice": 1, "request": 1, "time_log": 1}
    code, _, err = run(
        capsys, *d, "intervento", "collega", "E21B22000310006", "--pratica", practice.id,
        "--scollega",
    )  # fmt: skip
    assert code == 0, err
    with Store(folder / "taskforce.sqlite3") as again, again.read() as conn:
        linked = conn.execute(
            "SELECT (SELECT intervention_id FROM practice WHERE id = ?), "
            "(SELECT intervention_id FROM request WHERE id = ?)",
            (practice.id, request.id),
        ).fetchone()
        assert linked[0] is None and linked[1] is not None
    code, _, err = run(capsys, *d, "intervento", "collega", "E21B22000310006", "--ore", "zz")
    assert code == 2 and "almeno i primi 4 caratteri" in err
    code, _, err = run(capsys, *d, "intervento", "collega", "E21B22000310006", "--pratica", "1/1")
    assert code == 2


def test_enti_lists_province_and_unioni(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", str(profile), "enti", "--json")
    enti = json.loads(out)
    assert code == 0 and len(enti) == 12
    milano = {"codice": "UTS215", "tipo": "citta_metropolitana", "provincia": "MI", "comuni": []}
    assert {**milano, "nome": "Città Metropolitana di Milano"} in enti
    code, out, _ = run(capsys, "--data-dir", str(profile), "enti")
    assert "Provincia di Sondrio" in out and "Città Metropolitana" in out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice non installato")
def test_libreoffice_opens_the_report(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _two_interventions(profile)
    target = tmp_path / "aree.xlsx"
    code, _, err = run(
        capsys, "--data-dir", str(profile), "report", "aree-interne", "-o", str(target)
    )
    assert code == 0, err
    out_dir = tmp_path / "lo"
    sheets_to_csv(target, out_dir, tmp_path / "lo-profile")
    areas = list(
        csv.reader(
            io.StringIO((out_dir / "aree-Aree.csv").read_text(encoding="utf-8")), delimiter=";"
        )
    )
    assert areas[0][0].startswith("Aree Interne 2021-2027")
    by_code = {r[1]: r for r in areas[4:] if len(r) > 5 and r[1]}
    assert by_code["AI01"][5] == "1000000.01"  # the amount as a number, to the cent
    interventions = list(
        csv.reader(
            io.StringIO((out_dir / "aree-Interventi.csv").read_text(encoding="utf-8")),
            delimiter=";",
        )
    )
    titles = [r[2] for r in interventions[4:] if len(r) > 2]
    assert '=HYPERLINK("http://x")' in titles  # text, never a formula


def test_import_with_a_mapping_for_unknown_headers(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "regione.csv"
    path.write_text(
        "Codice progetto;Denominazione intervento;Costo (euro);Note interne\n"
        "E21B22000310006;Rifugio;125.000,00;=1+1\n",
        encoding="utf-8",
    )
    d = ("--data-dir", str(profile))
    code, _, err = run(capsys, *d, "import", "interventi", str(path), "--area", "AI01")
    assert code == 2 and "non trovo la colonna del CUP" in err
    code, _, err = run(
        capsys, *d, "import", "interventi", str(path), "--area", "AI01",
        "--mappa", "Codice progetto=cup", "--mappa", "Costo (euro)=colore",
    )  # fmt: skip
    assert code == 2 and "campo sconosciuto «colore»" in err
    code, _, err = run(
        capsys, *d, "import", "interventi", str(path), "--mappa", "Inesistente=cup",
    )  # fmt: skip
    assert code == 2 and "non c'è la colonna inesistente" in err
    code, out, err = run(
        capsys, *d, "import", "interventi", str(path), "--area", "AI01", "--conferma",
        "--mappa", "Codice progetto=cup", "--mappa", "Denominazione intervento=titolo",
        "--mappa", "Costo (euro)=costo",
    )  # fmt: skip
    assert code == 0, err
    assert "Colonne non importate: Note interne." in out and "1 nuovi" in out
    code, out, _ = run(capsys, *d, "interventi", "--json")
    assert [(r["cup"], r["programmato_cents"]) for r in json.loads(out)] == [
        ("E21B22000310006", 125_000_00)
    ]


def test_log_hours_on_an_intervention(
    expert_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """`taskforce log ... --intervento CUP` records the hours against the intervention in
    one step; an unknown CUP records nothing."""
    store = with_areas(expert_store)
    store.interventions.create(cup="E21B22000310006", title="Rifugio", area="AI01")
    folder = store.path.parent
    store.close()
    d = ("--data-dir", str(folder))
    base = ("log", "2h", "--comune", "Bergamo", "--attivita", "affiancamento", "--data")
    code, out, err = run(capsys, *d, *base, "19/11/2026", "--intervento", "e21b22000310006",
                         "--json")  # fmt: skip
    assert code == 0, err
    logged = json.loads(out)
    assert logged["intervention_cup"] == "E21B22000310006" and logged["minutes"] == 120
    code, out, _ = run(capsys, *d, "intervento", "mostra", "E21B22000310006", "--json")
    assert json.loads(out)["collegati"]["time_log"] == 1
    code, _, err = run(capsys, *d, *base, "18/11/2026", "--intervento", "E21B22000319999")
    assert code == 2 and "Nessun intervento con CUP E21B22000319999" in err
    code, out, _ = run(capsys, *d, "ore", "--json")
    assert [e["work_date"] for e in json.loads(out)] == ["2026-11-19"]

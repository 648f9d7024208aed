"""`taskforce log`, `taskforce timer` (across processes and midnight) and
`taskforce report mensile` (XLSX read back, CSV, JSON, empty month, LibreOffice)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from taskforce_tui.cli import main
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile

BERGAMO, TREVIGLIO = "016024", "016219"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def spawn(*args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
    """A new `taskforce` process, as from the shell (same profile, fixed clock)."""
    env = dict(os.environ)
    if now:
        env["TASKFORCE_ADESSO"] = now
    return subprocess.run(
        [sys.executable, "-m", "taskforce_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def rows(store: Store) -> list[tuple[object, ...]]:
    with store.read() as conn:
        return conn.execute(
            "SELECT work_date, minutes, comune_code, activity, mode, start_time, end_time, note, "
            "practice_id FROM time_log WHERE deleted = 0 ORDER BY work_date, start_time"
        ).fetchall()


def oplog_count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0])


def test_log_from_the_shell(expert_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    practice = expert_store.practices.create(
        comune_code=TREVIGLIO,
        procedure_type="scia",
        protocol_no="12/2026",
        received_on=date(2026, 10, 1),
    )
    code, out, err = run(
        capsys, "log", "1h30", "--comune", "Bergamo", "--attivita", "affiancamento"
    )
    assert code == 0, err
    assert "Registrate 1:30 ore il 20/11/2026 - Bergamo" in out
    code, out, err = run(
        capsys,
        "log",
        "--dalle",
        "9",
        "--alle",
        "10:45",
        "--pratica",
        "12/2026",
        "--attivita",
        "istruttoria",
        "--data",
        "19/11/2026",
        "--da-remoto",
        "--nota",
        "verifica oneri",
    )
    assert code == 0, err
    assert "(09:00-10:45) - Treviglio" in out
    code, out, err = run(
        capsys, "log", "45m", "--trasversale", "--attivita", "coordinamento", "--json"
    )
    assert code == 0 and json.loads(out)["comune_code"] is None
    assert rows(expert_store) == [
        (
            "2026-11-19",
            105,
            TREVIGLIO,
            "istruttoria",
            "remoto",
            "09:00",
            "10:45",
            "verifica oneri",
            practice.id,
        ),
        ("2026-11-20", 90, BERGAMO, "affiancamento", "presenza", None, None, "", None),
        ("2026-11-20", 45, None, "coordinamento", "presenza", None, None, "", None),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0h", "--comune", "Bergamo"], "è zero"),
        (["--", "-1h", "--comune", "Bergamo"], "negativa"),
        (["dieci", "--comune", "Bergamo"], "Durata non valida"),
        (["1h", "--comune", "Bergamo", "--data", "2026-11-21"], "nel futuro"),
        (["1h", "--comune", "Bergamo", "--dalle", "9", "--alle", "11"], "non corrisponde"),
        (["1h"], "Indica il Comune"),
        (["1h", "--comune", "Bergamasco"], "Comune sconosciuto"),
        (["1h", "--comune", "Bergamo", "--pratica", "999/1999"], "Nessuna pratica"),
        (["1h", "--comune", "Bergamo", "--dalle", "10:30"], "si sovrappone"),
    ],
)
def test_log_refusals_exit_2_and_write_nothing(
    expert_store: Store, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(
        capsys,
        "log",
        "2h",
        "--comune",
        "Bergamo",
        "--attivita",
        "riunione",
        "--dalle",
        "09:00",
        "--data",
        "2026-11-20",
    )
    assert code == 0, err
    before = (rows(expert_store), oplog_count(expert_store))
    if args[0] == "--":
        args = ["--attivita", "riunione", *args]
    else:
        args = [*args, "--attivita", "riunione"]
    code, _, err = run(capsys, "log", *args)
    assert code == 2
    assert message in err
    assert (rows(expert_store), oplog_count(expert_store)) == before


def test_overlap_names_the_entry_and_long_day_needs_conferma(
    expert_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--comune", "Seriate", "--attivita", "riunione", "--data", "2026-11-19"]
    assert run(capsys, "log", "--dalle", "8:00", "--alle", "19:00", *base)[0] == 0
    code, _, err = run(capsys, "log", "--dalle", "18:00", "--alle", "20:00", *base)
    assert code == 2 and "08:00-19:00, Seriate, Riunione" in err
    code, _, err = run(capsys, "log", "--dalle", "19:00", "--alle", "20:30", *base)
    assert code == 2 and "arriva a 12:30 ore" in err and "--conferma" in err
    assert len(rows(expert_store)) == 1
    code, _, err = run(capsys, "log", "--dalle", "19:00", "--alle", "20:30", *base, "--conferma")
    assert code == 0 and len(rows(expert_store)) == 2


def test_unassigned_comune_is_a_warning(
    expert_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "log", "1h", "--comune", "Milano", "--attivita", "riunione")
    assert code == 0 and "Registrate" in out
    assert "Milano non è tra i Comuni assegnati" in err


def test_timer_survives_a_restart_across_processes(expert_store: Store) -> None:
    started = spawn(
        "timer",
        "avvia",
        "--comune",
        "Bergamo",
        "--attivita",
        "istruttoria",
        "--nota",
        "PdC 5",
        now="2026-11-20T09:10:30",
    )
    assert started.returncode == 0, started.stderr
    assert "Timer avviato alle 09:10" in started.stdout
    status = spawn("timer", "stato", "--json", now="2026-11-20T10:00")
    assert json.loads(status.stdout)["minutes"] == 50
    stopped = spawn("timer", "ferma", now="2026-11-20T10:40:59")
    assert stopped.returncode == 0, stopped.stderr
    assert "registrate 1:30 ore il 20/11/2026 (09:10-10:40)" in stopped.stdout
    assert rows(expert_store) == [
        ("2026-11-20", 90, BERGAMO, "istruttoria", "presenza", "09:10", "10:40", "PdC 5", None)
    ]
    assert expert_store.timer.current() is None
    assert "Nessun timer in corso" in spawn("timer", "stato").stdout


def test_timer_left_running_past_midnight_offers_choices(
    expert_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        spawn("timer", "avvia", "--trasversale", "--attivita", "formazione", now="2026-11-18T17:00")
    ).returncode == 0
    asked = spawn("timer", "ferma", now="2026-11-19T08:45")
    assert asked.returncode == 2
    for hint in ("è passata la mezzanotte", "--alle HH:MM", "--durata", "--scarta"):
        assert hint in asked.stderr
    assert "--tutto" not in asked.stderr and rows(expert_store) == []
    assert expert_store.timer.current() is not None
    done = spawn("timer", "ferma", "--alle", "19:30", now="2026-11-19T08:45")
    assert done.returncode == 0, done.stderr
    assert rows(expert_store) == [
        ("2026-11-18", 150, None, "formazione", "presenza", "17:00", "19:30", "", None)
    ]
    # and a discarded timer records nothing
    os.environ["TASKFORCE_ADESSO"] = "2026-11-20T08:00"
    try:
        assert (
            run(capsys, "timer", "avvia", "--comune", "Bergamo", "--attivita", "riunione")[0] == 0
        )
        code, out, _ = run(capsys, "timer", "ferma", "--scarta")
    finally:
        del os.environ["TASKFORCE_ADESSO"]
    assert code == 0 and "scartato" in out and len(rows(expert_store)) == 1


# --- the monthly report ---------------------------------------------------------------------------
def _fill_month(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["1h30", "--comune", "Bergamo", "--attivita", "affiancamento", "--data", "2026-11-02"],
        [
            "2:20",
            "--comune",
            "Treviglio",
            "--attivita",
            "istruttoria",
            "--data",
            "2026-11-02",
            "--nota",
            '=HYPERLINK("http://x";"clic")',
        ],
        [
            "20m",
            "--trasversale",
            "--attivita",
            "coordinamento",
            "--data",
            "2026-11-03",
            "--nota",
            "+39 035 123",
            "--da-remoto",
        ],
        [
            "7h",
            "--comune",
            "Seriate",
            "--attivita",
            "istruttoria",
            "--data",
            "2026-11-19",
            "--dalle",
            "8:00",
        ],
        ["1h", "--comune", "Bergamo", "--attivita", "riunione", "--data", "2026-10-31"],
    ):
        assert run(capsys, "log", *args)[0] == 0


def test_monthly_xlsx_read_back_matches_the_store(
    expert_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    _fill_month(expert_store, capsys)
    out = tmp_path / "novembre.xlsx"
    code, said, err = run(capsys, "report", "mensile", "2026-11", "-o", str(out))
    assert code == 0, err
    assert "4 registrazioni, 11:10 ore" in said
    ws = load_workbook(out).active
    cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row if c.value is not None}
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[1][:2] == ["Esperto", "Anna Verdi"]
    assert values[2][:2] == ["Email", "anna.verdi@example.it"]
    assert values[3][:2] == ["Mese", "novembre 2026"]
    assert values[4][1] == datetime(2026, 11, 20)
    header = values[7]
    assert header[:3] == ["Data", "Comune", "Prov."] and header[9] == "Ore"
    entries = values[8:12]
    assert [r[0] for r in entries] == [datetime(2026, 11, d) for d in (2, 2, 3, 19)]
    assert [r[1] for r in entries] == ["Bergamo", "Treviglio", "Attività trasversale", "Seriate"]
    # every amount is a real number; minutes round-trip exactly from hours and h:mm
    with expert_store.read() as conn:
        store_minutes = [
            r[0]
            for r in conn.execute(
                "SELECT minutes FROM time_log WHERE work_date LIKE '2026-11-%' "
                "ORDER BY work_date, start_time"
            )
        ]
    assert [round(r[9] * 60) for r in entries] == store_minutes
    assert [round(r[10].total_seconds() / 60) for r in entries] == store_minutes  # [h]:mm
    # the note beginning with "=" is text, not a formula, and so is "+39..."
    note = cells[(9 + 1, 12)]
    assert note.data_type == "s" and note.value.startswith("=HYPERLINK")
    assert note.quotePrefix
    assert cells[(11, 12)].value == "+39 035 123" and cells[(11, 12)].data_type == "s"
    assert not any(c.data_type == "f" for c in cells.values())
    # totals: month, per day, per Comune, per activity, all equal to the store's sums
    labels = {row[0]: i for i, row in enumerate(values) if isinstance(row[0], str)}
    month_row = values[labels["Totale del mese"]]
    assert round(month_row[9] * 60) == sum(store_minutes) == 670
    assert round(month_row[11] * 480) == 670  # day-equivalents of 8 hours
    per_comune = {
        row[1]: round(row[9] * 60)
        for row in values[labels["Totali per Comune"] + 1 : labels["Totali per attività"]]
        if row[1]
    }
    assert per_comune == {
        "Bergamo": 90,
        "Seriate": 420,
        "Treviglio": 140,
        "Attività trasversale": 20,
    }
    per_activity = {
        row[3]: round(row[9] * 60) for row in values[labels["Totali per attività"] + 1 :] if row[3]
    }
    assert per_activity == {
        "Affiancamento al personale del Comune": 90,
        "Coordinamento con la Segreteria Tecnica": 20,
        "Istruttoria pratiche": 560,
    }
    per_day = {
        row[0]: round(row[9] * 60)
        for row in values[labels["Totali per giorno"] + 1 : labels["Totali per Comune"]]
        if row[0]
    }
    assert per_day == {
        datetime(2026, 11, 2): 230,
        datetime(2026, 11, 3): 20,
        datetime(2026, 11, 19): 420,
    }
    flat = [v for row in values for v in row if isinstance(v, str)]
    assert "Firma dell'esperto" in flat and "Firma del coordinatore (Segreteria Tecnica)" in flat
    # printable: A4 landscape, one page wide
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["B"].width >= 20


def test_monthly_csv_json_and_hours_per_day(
    expert_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _fill_month(expert_store, capsys)
    Profile.resolve().config.write_text(
        "[registro_ore]\nore_per_giornata = 7.5\n", encoding="utf-8"
    )
    out = tmp_path / "novembre.csv"
    assert run(capsys, "report", "mensile", "2026-11", "--formato", "csv", "-o", str(out))[0] == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    import csv

    parsed = list(csv.reader(text.splitlines(), delimiter=";"))
    notes = [r[11] for r in parsed if len(r) == 12 and r[0] != "Data"]
    assert notes == ["", '\'=HYPERLINK("http://x";"clic")', "'+39 035 123", ""]
    assert "novembre 2026;;11,17;11:10;1,49\r\n" in text  # 670 min / 450 min per day
    code, said, _ = run(capsys, "report", "mensile", "2026-11", "--formato", "json")
    data = json.loads(said)
    assert data["totals"]["minutes"] == 670 and data["hours_per_day"] == 7.5
    assert data["entries"][1]["note"].startswith("=HYPERLINK")  # JSON keeps the text as is
    assert {c["comune"]: c["minutes"] for c in data["totals"]["by_comune"]}["Seriate"] == 420
    Profile.resolve().config.write_text("[registro_ore]\nore_per_giornata = 0\n", encoding="utf-8")
    code, _, err = run(capsys, "report", "mensile", "2026-11", "--formato", "json")
    assert code == 2 and "ore_per_giornata" in err


def test_a_month_with_no_entries_is_an_empty_valid_report(
    expert_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "vuoto.xlsx"
    code, said, _ = run(capsys, "report", "mensile", "2025-02", "-o", str(out))
    assert code == 0 and "0 registrazioni, 0:00 ore" in said
    values = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
    assert "Nessuna registrazione in febbraio 2025." in values
    assert "Firma dell'esperto" in values
    code, said, _ = run(capsys, "report", "mensile", "2025-02", "--formato", "json")
    data = json.loads(said)
    assert data["entries"] == [] and data["totals"]["minutes"] == 0
    assert data["totals"]["by_day"] == []
    code, _, err = run(capsys, "report", "mensile", "2025-13")
    assert code == 2 and "Mese non valido" in err


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) non installato")
def test_libreoffice_opens_the_xlsx(
    expert_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Headless LibreOffice converts it to CSV: the file opens, the totals survive."""
    _fill_month(expert_store, capsys)
    out = tmp_path / "novembre.xlsx"
    assert run(capsys, "report", "mensile", "2026-11", "-o", str(out))[0] == 0
    converted = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1",
            "--outdir",
            str(tmp_path / "csv"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = tmp_path / "csv" / "novembre.csv"
    assert result.exists(), converted.stderr
    text = result.read_text(encoding="utf-8")
    assert "Totale del mese" in text and "=HYPERLINK" in text
    assert "11:10" in text

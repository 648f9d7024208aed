"""`taskforce report semestrale` and `taskforce baseline`: formats, checks, bad input.

The demo profile's JSON report is checked against figures recomputed here from the raw
rows, in plain Python written for this test (not the app's SQL, not its domain code).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.cli import main
from taskforce_tui.domain.records import ProcedureType
from taskforce_tui.store.baselines import BaselineRepo
from taskforce_tui.store.db import Store
from tests.indicators_helpers import BERGAMO, TREVIGLIO, build_cases
from tests.office_helpers import sheets_to_csv

TODAY = date(2026, 11, 20)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(demo_store: Store) -> Path:
    folder = demo_store.path.parent
    demo_store.close()
    return folder


@pytest.fixture
def cases(expert_store: Store) -> Path:
    build_cases(expert_store)
    folder = expert_store.path.parent
    expert_store.close()
    return folder


def counts(folder: Path) -> tuple[int, int]:
    with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM baseline").fetchone()[0],
        )


# --- an independent recomputation from the raw rows ----------------------------------------------
def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def recompute(db: Path, start: date, end: date) -> dict[tuple[str, str], dict[str, Any]]:
    """Every figure of docs/indicators.md, per (Comune, type), by brute force."""
    day = min(end, TODAY)
    conn = sqlite3.connect(db)
    stops: dict[str, list[tuple[date, date | None]]] = {}
    for pid, s, e in conn.execute(
        "SELECT practice_id, start_on, end_on FROM suspension WHERE deleted = 0"
    ):
        stops.setdefault(pid, []).append((date.fromisoformat(s), _d(e)))
    assigned = {
        r[0]
        for r in conn.execute(
            "SELECT comune_code FROM assignment WHERE deleted = 0 AND expert_id = "
            "(SELECT value FROM meta WHERE key = 'expert_id')"
        )
    }
    out: dict[tuple[str, str], dict[str, Any]] = {}
    rows = conn.execute(
        "SELECT id, comune_code, procedure_type, received_on, legal_term_days, status, "
        "service_conference, concluded_on, outcome FROM practice WHERE deleted = 0"
    ).fetchall()
    for pid, comune, ptype, rec_s, term, status, conf, conc_s, outcome in rows:
        if comune not in assigned:
            continue
        received, concluded = date.fromisoformat(rec_s), _d(conc_s)

        def stopped(until: date, pid: str = pid) -> int:
            days = 0
            for s, e in stops.get(pid, []):
                stop = min(e or until, until)
                days += max(0, (stop - s).days)
            return days

        c = out.setdefault(
            (comune, ptype),
            dict.fromkeys(
                [
                    "started",
                    "tacit",
                    "express",
                    "conf",
                    "susp",
                    "archived",
                    "late",
                    "pending",
                    "backlog",
                    "gross",
                    "net",
                ],
                0,
            ),
        )
        c["started"] += start <= received <= day
        closed_in = concluded is not None and start <= concluded <= day
        if (
            closed_in
            and status == "conclusa"
            and outcome
            in (
                "silenzio_assenso",
                "favorevole",
                "sfavorevole",
            )
        ):
            assert concluded is not None
            express = outcome != "silenzio_assenso"
            c["tacit" if not express else "express"] += 1
            gross = (concluded - received).days
            c["gross"] += gross
            c["net"] += gross - stopped(concluded)
            if express:
                c["conf"] += bool(conf)
                c["susp"] += stopped(concluded) > 0
            c["late"] += (concluded - received).days > term + stopped(concluded)
        if closed_in and status == "archiviata":
            c["archived"] += 1
        closed_by_day = (
            status in ("conclusa", "archiviata") and concluded is not None and concluded <= day
        )
        if received <= day and not closed_by_day:
            c["pending"] += 1
            c["backlog"] += (day - received).days > term + stopped(day)
    conn.close()
    return {
        k: v
        for k, v in out.items()
        if v["started"] or v["tacit"] or v["express"] or v["archived"] or v["pending"]
    }


def baselines_raw(db: Path) -> dict[tuple[str, str], tuple[str, float | None, int | None]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT comune_code, procedure_type, period, avg_duration_days, backlog FROM baseline "
        "WHERE deleted = 0 ORDER BY updated_at, id"
    ).fetchall()
    conn.close()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


@pytest.mark.parametrize("semester", ["2026-H1", "2026-H2", "2025-H1"])
def test_demo_json_report_agrees_with_an_independent_recount(
    demo: Path, capsys: pytest.CaptureFixture[str], semester: str
) -> None:
    code, out, err = run(capsys, "--data-dir", str(demo), "report", "semestrale", semester)
    assert code == 0, err
    data = json.loads(out)
    year, half = int(semester[:4]), int(semester[-1])
    start, end = (
        (date(year, 1, 1), date(year, 6, 30))
        if half == 1
        else (
            date(year, 7, 1),
            date(year, 12, 31),
        )
    )
    db = demo / "taskforce.sqlite3"
    expected = recompute(db, start, end)
    bases = baselines_raw(db)
    assert data["as_of"] == min(end, TODAY).isoformat()
    assert data["complete"] == (end <= TODAY)
    got = {(r["comune_code"], r["procedure_type"]): r for r in data["rows"]}
    with_activity = {k: r for k, r in got.items() if k in expected}
    assert set(with_activity) == set(expected)
    assert set(got) - set(expected) <= set(bases)  # the others are baseline-only rows
    assert len(expected) > 40
    for key, e in expected.items():
        r = got[key]
        concluded = e["tacit"] + e["express"]
        assert (
            r["started"],
            r["concluded_tacit"],
            r["concluded_express"],
            r["express_with_conference"],
            r["express_with_suspension"],
            r["archived"],
            r["concluded_late"],
            r["pending"],
            r["backlog"],
        ) == (
            e["started"],
            e["tacit"],
            e["express"],
            e["conf"],
            e["susp"],
            e["archived"],
            e["late"],
            e["pending"],
            e["backlog"],
        ), key
        if concluded:
            assert r["avg_duration_days"] == pytest.approx(e["gross"] / concluded, abs=0.006)
            assert r["avg_net_duration_days"] == pytest.approx(e["net"] / concluded, abs=0.006)
        else:
            assert r["avg_duration_days"] is None
        base = bases.get(key)
        if base is None:
            assert r["baseline"] is None
            continue
        assert r["baseline"]["period"] == base[0]
        if concluded and base[1]:
            change = (e["gross"] / concluded / base[1] - 1) * 100
            assert r["avg_duration_change_pct"] == pytest.approx(change, abs=0.006)
        if base[2]:
            cleared = (base[2] - e["backlog"]) / base[2] * 100
            assert r["backlog_cleared_pct"] == pytest.approx(cleared, abs=0.006)
    total = data["total"]
    assert total["started"] == sum(e["started"] for e in expected.values())
    assert total["backlog"] == sum(e["backlog"] for e in expected.values())
    assert total["duration_days_total"] == sum(e["gross"] for e in expected.values())
    with_base = [(k, e) for k, e in expected.items() if k in bases and bases[k][2] is not None]
    base_backlog = sum(bases[k][2] or 0 for k in bases if k in got and bases[k][2] is not None)
    now_backlog = sum(e["backlog"] for _, e in with_base)
    assert total["baseline_backlog"] == base_backlog
    assert total["backlog_cleared_pct"] == pytest.approx(
        (base_backlog - now_backlog) / base_backlog * 100, abs=0.006
    )
    for comune in data["comuni"]:
        mine = [e for (c, _), e in expected.items() if c == comune["comune_code"]]
        assert comune["backlog"] == sum(e["backlog"] for e in mine)
        assert comune["started"] == sum(e["started"] for e in mine)


# --- formats ------------------------------------------------------------------------------------
def test_xlsx_is_laid_out_for_print_and_reads_back(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from taskforce_tui.reports.semester import DETAIL, SUMMARY

    target = tmp_path / "semestrale.xlsx"
    code, out, err = run(
        capsys, "--data-dir", str(demo), "report", "semestrale", "2026-H1", "-o", str(target)
    )
    assert code == 0, err
    assert "scritto in" in out
    _, js, _ = run(capsys, "--data-dir", str(demo), "report", "semestrale", "2026-H1")
    data = json.loads(js)
    wb = load_workbook(target)
    assert wb.sheetnames == ["Riepilogo", "Dettaglio"]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)  # 1 = default
        assert ws.print_title_rows == "$4:$4"
        assert ws.freeze_panes == "A5"
    detail = wb["Dettaglio"]
    assert [c.value for c in detail[4]] == [c.header for c in DETAIL]
    assert detail.max_row == 4 + len(data["rows"])
    for row, r in zip(detail.iter_rows(min_row=5, values_only=True), data["rows"], strict=True):
        assert row[0] == r["comune_code"] and row[3] == r["procedure_type_name"]
        assert row[4:9] == (
            r["started"],
            r["concluded_tacit"],
            r["concluded_express"],
            r["express_with_conference"],
            r["express_with_suspension"],
        )
        avg = r["avg_duration_days"]
        assert row[9] == (None if avg is None else round(avg, 1))
        assert (row[10], row[11]) == (r["legal_term_days"], r["backlog"])
    summary = wb["Riepilogo"]
    assert [c.value for c in summary[4]] == [c.header for c in SUMMARY]
    total_row = 5 + len(data["comuni"])
    assert summary.cell(total_row, 2).value == "Totale"
    assert summary.cell(total_row, 4).value == data["total"]["started"]
    assert summary.cell(total_row, 10).value == data["total"]["backlog"]
    assert "DPCM" in str(summary.cell(1, 1).value)


def test_text_is_never_a_formula(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    with Store(cases / "taskforce.sqlite3") as store:
        store.lists.save_procedure_type(
            ProcedureType("formula", '=HYPERLINK("x";"y")', "edilizia_urbanistica", 30)
        )
        store.practices.create(
            comune_code=BERGAMO,
            procedure_type="formula",
            protocol_no="F/1",
            received_on=date(2026, 2, 1),
        )
    target = cases / "f.xlsx"
    code, _, err = run(
        capsys, "--data-dir", str(cases), "report", "semestrale", "2026-H1", "-o", str(target)
    )
    assert code == 0, err
    detail = load_workbook(target)["Dettaglio"]
    cell = next(c for c in detail["D"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    code, out, _ = run(
        capsys, "--data-dir", str(cases), "report", "semestrale", "2026-H1", "--formato", "csv"
    )
    assert code == 0
    assert ';"\'=HYPERLINK(""x"";""y"")";' in out


def test_csv_follows_the_italian_convention(
    cases: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "s.csv"
    code, _, err = run(
        capsys, "--data-dir", str(cases), "report", "semestrale", "2026-H2", "-o", str(target)
    )
    assert code == 0, err
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Codice ISTAT", "Comune", "Prov.", "Tipo di procedimento", "Avviati"]
    bergamo = rows[1]
    assert bergamo[:3] == [BERGAMO, "Bergamo", "BG"]
    assert bergamo[9] == "137,0"  # durata media effettiva, decimal comma
    assert bergamo[11] == "3"  # arretrato
    assert bergamo[12] == "55,0"  # durata netta


def test_one_comune_and_json_keys(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--data-dir", str(cases), "report", "semestrale", "2026-H1", "--comune", "treviglio"
    )
    assert code == 0
    data = json.loads(out)
    assert [r["comune_code"] for r in data["rows"]] == [TREVIGLIO]
    assert data["scope"].startswith("Comune di Treviglio")
    assert set(data) == {"semester", "start", "end", "as_of", "complete", "scope", "rows",
                         "comuni", "total"}  # fmt: skip
    assert data["rows"][0]["avg_duration_days"] == 50.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2027-H1",), "non è ancora iniziato"),
        (("2026-X1",), "Semestre non valido"),
        (("2026-H1", "--formato", "xlsx"), "indica il file"),
        (("2026-H1", "-o", "report.pdf"), "Non riconosco il formato"),
        (("2026-H1", "-o", "/nessuna/cartella/r.csv"), "non esiste"),
        (("2026-H1", "--comune", "Atlantide"), "Comune sconosciuto"),
        (("2026-H1", "--comune", "Bergamo", "--tutti"), "non ammesso"),
    ],
)
def test_bad_report_requests_exit_2(
    cases: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    before = counts(cases)
    code, out, err = run(capsys, "--data-dir", str(cases), "report", "semestrale", *args)
    assert code == 2 and message in err and out == ""
    assert counts(cases) == before


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice non installato")
def test_libreoffice_opens_the_xlsx(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = demo / "lo.xlsx"
    code, _, _ = run(
        capsys, "--data-dir", str(demo), "report", "semestrale", "2026-H1", "-o", str(target)
    )
    assert code == 0
    _, js, _ = run(capsys, "--data-dir", str(demo), "report", "semestrale", "2026-H1")
    data = json.loads(js)
    out_dir = demo / "lo"
    sheets_to_csv(target, out_dir, demo / "lo-profile")
    summary = (out_dir / "lo-Riepilogo.csv").read_text(encoding="utf-8")
    assert "Monitoraggio tempi medi e arretrato" in summary and "Totale" in summary
    detail = list(
        csv.reader(io.StringIO((out_dir / "lo-Dettaglio.csv").read_text(encoding="utf-8")),
                   delimiter=";")
    )  # fmt: skip
    rows = [r for r in detail[4:] if any(r)]
    assert len(rows) == len(data["rows"])
    assert [r[0] for r in rows] == [r["comune_code"] for r in data["rows"]]
    assert [int(r[11]) for r in rows] == [r["backlog"] for r in data["rows"]]


# --- baselines from the command line -------------------------------------------------------------
def test_baseline_set_list_delete(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--data-dir", str(cases), "baseline")
    code, out, _ = run(capsys, *base)
    assert code == 0 and "Nessuna base" in out
    code, out, err = run(
        capsys,
        *base,
        "imposta",
        "--comune",
        "Bergamo",
        "--tipo",
        "SCIA",
        "--periodo",
        "2022-H1",
        "--durata",
        "40,5",
        "--arretrato",
        "6",
    )
    assert code == 0, err
    assert "40,5 gg" in out
    code, out, _ = run(capsys, *base, "--json")
    [item] = json.loads(out)
    assert (item["comune_code"], item["procedure_type"], item["avg_duration_days"]) == (
        BERGAMO,
        "scia",
        40.5,
    )
    before = counts(cases)
    code, _, err = run(
        capsys,
        *base,
        "imposta",
        "--comune",
        "Bergamo",
        "--tipo",
        "scia",
        "--periodo",
        "2022-H1",
        "--durata",
        "quaranta",
    )
    assert code == 2 and "non è un numero" in err
    assert counts(cases) == before
    code, out, _ = run(capsys, *base, "elimina", "--comune", "Bergamo", "--tipo", "scia")
    assert code == 0 and "eliminata" in out
    code, _, err = run(capsys, *base, "elimina", "--comune", "Bergamo", "--tipo", "scia")
    assert code == 2 and "niente da eliminare" in err


CSV_GOOD = (
    "Codice ISTAT;Tipo procedimento;Periodo;Durata media (gg);Arretrato\r\n"
    "016024;scia;2022-H1;41,5;6\r\n"
    "16219;Permesso di costruire;2022-h1;120;\r\n"
    ";;;;\r\n"
    "Seriate;pas;;33;2\r\n"
)


def test_baseline_import_csv(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = cases / "base.csv"
    path.write_bytes(CSV_GOOD.encode("utf-8-sig"))
    args = ("--data-dir", str(cases), "baseline", "importa", str(path))
    before = counts(cases)
    code, _, err = run(capsys, *args)
    assert code == 2 and "riga 5" in err and "periodo" in err  # Seriate has no period
    assert counts(cases) == before
    code, out, err = run(capsys, *args, "--periodo", "2022-H2", "--prova")
    assert code == 0, err
    assert "Prova" in out and "3 nuove" in out
    assert counts(cases) == before
    code, out, err = run(capsys, *args, "--periodo", "2022-H2")
    assert code == 0 and "3 nuove, 0 aggiornate" in out
    with Store(cases / "taskforce.sqlite3") as store:
        found = BaselineRepo(store).effective()
    assert found[(BERGAMO, "scia")].avg_duration_days == 41.5
    assert found[(TREVIGLIO, "permesso_costruire")].backlog is None
    assert found[("016198", "pas")].period == "2022-H2"
    assert found[(BERGAMO, "scia")].source == "importazione base.csv"
    code, out, _ = run(capsys, *args, "--periodo", "2022-H2")
    assert code == 0 and "0 nuove, 0 aggiornate, 3 invariate" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("comune;tipo;periodo;durata\r\nBergamo;scia;2022-H1;-4\r\n", "riga 2: Durata media"),
        ("comune;tipo;periodo;durata\r\nMilano;scia;2022-H1;30\r\n", "non è tra i tuoi Comuni"),
        ("comune;tipo;periodo;durata\r\nBergamo;ciclismo;2022-H1;30\r\n", "ciclismo"),
        (
            "comune;tipo;periodo;durata\r\nBergamo;scia;2022-H1;30\r\nBergamo;SCIA;2022-H1;31\r\n",
            "compare già alla riga 2",
        ),
        ("nome;valore\r\nBergamo;3\r\n", "Intestazioni non riconosciute"),
        ("", "vuoto"),
    ],
)
def test_bad_baseline_files_write_nothing(
    cases: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = cases / "bad.csv"
    path.write_text(content, encoding="cp1252")
    before = counts(cases)
    code, _, err = run(capsys, "--data-dir", str(cases), "baseline", "importa", str(path))
    assert code == 2 and message in err, err
    assert counts(cases) == before


def test_baseline_import_xlsx(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Basi fase 2"])  # a title above the header is not the header
    ws.delete_rows(1)
    ws.append(["Comune", "Tipo", "Periodo", "Durata media", "Arretrato"])
    ws.append([16024, "scia", "2022-H1", 38.25, 4])
    ws.append(["Treviglio", "aua", "2022-H1", None, 3])
    path = cases / "base.xlsx"
    wb.save(path)
    code, out, err = run(capsys, "--data-dir", str(cases), "baseline", "importa", str(path))
    assert code == 0, err
    assert "2 nuove" in out
    with Store(cases / "taskforce.sqlite3") as store:
        found = BaselineRepo(store).effective()
    assert found[(BERGAMO, "scia")].avg_duration_days == 38.25
    assert found[(TREVIGLIO, "aua")].backlog == 3
    broken = cases / "rotto.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run(capsys, "--data-dir", str(cases), "baseline", "importa", str(broken))
    assert code == 2 and "non è un file XLSX leggibile" in err
    code, _, err = run(
        capsys, "--data-dir", str(cases), "baseline", "importa", str(cases / "manca.csv")
    )
    assert code == 2 and "File non trovato" in err

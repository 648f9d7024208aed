"""Reading the Comuni's files: XLSX, Italian CSV, ODS, headers, values, hostile files."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.importer import convert
from taskforce_tui.importer.columns import build_mapping, find_header, guess_field
from taskforce_tui.importer.convert import CellError
from taskforce_tui.importer.files import Formula, ImportFileError, open_source
from tests.import_helpers import HEADER, row, write_csv, write_ods, write_xlsx


def read_all(path: Path) -> list[tuple[int, list[Any]]]:
    with open_source(path) as source:
        return source.read(source.sheet_names[0]).rows


# --- the three formats ------------------------------------------------------------------------
def test_xlsx_title_above_the_header_and_blank_trailing_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("1/2026"), row("2/2026", avvio="15/04/2026")])
    rows = read_all(path)
    assert [n for n, _ in rows] == [1, 3, 4, 5]  # title, header, two practices; blanks gone
    assert rows[0][1] == ["Elenco pratiche SUAP"]  # the merged title: one value
    header = find_header(rows)
    assert header.row == 3 and header.titles == HEADER and header.data_start == 2
    assert rows[2][1][3] == datetime(2026, 3, 2)  # a real date cell


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [
        ("cp1252", ";", "Windows-1252, separatore punto e virgola"),
        ("utf-8-sig", ";", "UTF-8 con BOM, separatore punto e virgola"),
        ("utf-8-sig", ",", "UTF-8 con BOM, separatore virgola"),
    ],
)
def test_italian_csv_encodings_and_separators(
    tmp_path: Path, encoding: str, delimiter: str, expected: str
) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [row("1/2026", termine=90.0, oggetto="Attività di verifica - però sì")],
        encoding=encoding,
        delimiter=delimiter,
    )
    with open_source(path) as source:
        assert expected in source.description
        rows = source.read(source.sheet_names[0]).rows
    assert rows[0][1] == HEADER
    cells = rows[1][1]
    assert cells[4] == "90,0" and convert.whole_number(cells[4]) == 90
    assert cells[11] == "Attività di verifica - però sì"
    assert convert.day(cells[3]) == date(2026, 3, 2)


def test_ods_typed_cells_and_repeated_blanks(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "p.ods", [row("1/2026", termine=60, conclusione=date(2026, 5, 1))])
    rows = read_all(path)
    assert len(rows) == 3  # 100,000 repeated blank rows never materialise
    assert rows[1][1] == HEADER
    cells = rows[2][1]
    assert len(cells) == len(HEADER)  # 1,000 repeated blank cells trimmed
    assert cells[3] == date(2026, 3, 2) and cells[6] == date(2026, 5, 1) and cells[4] == 60


# --- headers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Codice ISTAT", "istat"),
        ("Cod. ISTAT", "istat"),
        ("Comune", "comune"),
        ("Tipo procedimento", "tipo"),
        ("Tipologia", "tipo"),
        ("N. protocollo", "protocollo"),
        ("N° Protocollo", "protocollo"),
        ("Protocollo", "protocollo"),
        ("Prot. gen.", "protocollo"),
        ("Data avvio", "avvio"),
        ("Data presentazione", "avvio"),
        ("Data ricezione", "avvio"),
        ("Data protocollo", "avvio"),
        ("Termine (gg)", "termine"),
        ("Termine di legge", "termine"),
        ("Stato", "stato"),
        ("Stato pratica", "stato"),
        ("Data conclusione", "conclusione"),
        ("Data chiusura", "conclusione"),
        ("Esito", "esito"),
        ("Conferenza di servizi", "conferenza"),
        ("CdS", "conferenza"),
        ("Sospensione dal", "sospensione_dal"),
        ("al", "sospensione_al"),
        ("Fine sospensione", "sospensione_al"),
        ("2ª sospensione dal", "sospensione2_dal"),
        ("Oggetto", "oggetto"),
        ("Descrizione intervento", "oggetto"),
        ("Note", "note"),
        ("Giorni trascorsi", None),
        ("Data scadenza", None),
    ],
)
def test_header_variants(header: str, field: str | None) -> None:
    assert guess_field(header) == field


def test_two_row_header_is_folded() -> None:
    rows: list[tuple[int, list[Any]]] = [
        (1, ["Registro pratiche 2026"]),
        (3, ["Protocollo", "Tipo", "Data avvio", "Sospensione", None, "Oggetto"]),
        (4, [None, None, None, "dal", "al"]),
        (5, ["1/2026", "SCIA", "02/03/2026", None, None, "x"]),
    ]
    header = find_header(rows)
    assert header.row == 4 and header.data_start == 3
    mapping = build_mapping(header.titles)
    assert mapping.columns == [
        "protocollo",
        "tipo",
        "avvio",
        "sospensione_dal",
        "sospensione_al",
        "oggetto",
    ]


def test_a_field_sits_in_one_column_the_exact_header_wins() -> None:
    mapping = build_mapping(["Prot. interno", "N. protocollo", "Data avvio"])
    assert mapping.columns == [None, "protocollo", "avvio"]
    saved = build_mapping(["Prot. interno", "N. protocollo"], {"prot interno": "protocollo"})
    assert saved.columns == ["protocollo", None]


# --- values -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 3, 15),
        date(2025, 3, 15),
        45731,  # Excel serial number
        45731.5,  # a date-time serial
        "45731",  # a serial in a CSV
        "15/03/2025",
        "15/3/2025",
        "15-03-2025",
        "15.03.2025",
        "15/03/25",
        "2025-03-15",
        "2025-03-15T00:00:00",
        "15/03/2025 10:30",
    ],
)
def test_date_forms(value: Any) -> None:
    assert convert.day(value) == date(2025, 3, 15)


@pytest.mark.parametrize("value", ["31/02/2025", "marzo 2025", 12, 9_999_999, True, "#N/D"])
def test_bad_dates_are_explained(value: Any) -> None:
    with pytest.raises(CellError) as info:
        convert.day(value)
    assert info.value.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [(90, 90), (90.0, 90), ("90", 90), ("90,0", 90), ("1.200", 1200), ("30 gg", 30), (None, None)],
)
def test_whole_numbers_with_decimal_comma(value: Any, expected: int | None) -> None:
    assert convert.whole_number(value) == expected


@pytest.mark.parametrize("value", ["90,5", "novanta", 90.5, date(2025, 1, 1)])
def test_bad_numbers_are_explained(value: Any) -> None:
    with pytest.raises(CellError):
        convert.whole_number(value)


def test_words_for_status_outcome_and_yes_no() -> None:
    assert convert.status("In istruttoria") == "aperta"
    assert convert.status("EVASA") == "conclusa"
    assert convert.outcome("Silenzio-assenso") == "silenzio_assenso"
    assert convert.outcome("diniego") == "sfavorevole"
    assert convert.yes_no("Sì") is True and convert.yes_no("x") is True
    assert convert.yes_no(None) is False and convert.yes_no("no") is False
    with pytest.raises(CellError):
        convert.yes_no("forse")


# --- hostile and broken files -------------------------------------------------------------------
def test_renamed_binary(tmp_path: Path) -> None:
    png = tmp_path / "pratiche.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    with pytest.raises(ImportFileError, match="immagine PNG"):
        open_source(png)
    junk = tmp_path / "pratiche.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ImportFileError, match="binario"):
        open_source(junk)
    xls = tmp_path / "vecchio.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(ImportFileError, match=r"\.xls"):
        open_source(xls)


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = tmp_path / "bomba.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (40 * 1024 * 1024))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ImportFileError, match="zip bomb"):
        open_source(bomb)


def test_truncated_xlsx(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "p.xlsx", [row(f"{i}/2026") for i in range(50)])
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        broken = tmp_path / f"troncato{cut}.xlsx"
        broken.write_bytes(data[:cut])
        with pytest.raises(ImportFileError, match=r"incompleto|danneggiato"):
            read_all(broken)


def test_damaged_member_fails_the_integrity_check(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "p.xlsx", [row("1/2026")])
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data[start : start + 8] = b"\xff" * 8
    damaged = tmp_path / "danneggiato.xlsx"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match=r"danneggiato|incompleto"):
        read_all(damaged)


def _replace_sheet(path: Path, target: Path, sheet_xml: bytes) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else data)
    target.write_bytes(out.getvalue())
    return target


def test_one_hundred_thousand_columns(tmp_path: Path) -> None:
    # Excel stops at 16,384 columns and openpyxl cannot write more, but a crafted file
    # can hold any number: cells without a reference are counted one after the other.
    good = write_xlsx(tmp_path / "p.xlsx", [row("1/2026")], title=None)
    cells = b'<c t="inlineStr"><is><t>x</t></is></c>' * 100_000
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
        b'formats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        + cells
        + b"</row></sheetData></worksheet>"
    )
    wide = _replace_sheet(good, tmp_path / "larga.xlsx", sheet)
    with pytest.raises(ImportFileError, match="colonna 100000"):
        read_all(wide)


def test_dtd_entities_are_refused(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "p.xlsx", [row("1/2026")])
    with zipfile.ZipFile(good) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    evil = _replace_sheet(
        good,
        tmp_path / "entita.xlsx",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + sheet.split(b"?>", 1)[-1],
    )
    with pytest.raises(ImportFileError, match="DTD"):
        open_source(evil)


def test_formulas_arrive_as_formulas(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [row("1/2026", termine="=10*3")])
    cells = read_all(path)[2][1]
    assert cells[4] == Formula("=10*3")
    csv_path = write_csv(tmp_path / "f.csv", [row("1/2026", oggetto='=HYPERLINK("x")')])
    assert read_all(csv_path)[1][1][11] == Formula('=HYPERLINK("x")')
    # a CSV has no formulas: "=" then text is text; "=" then a call or a reference is not
    csv_path = write_csv(tmp_path / "t.csv", [row("1/2026", oggetto="=== RINNOVO ===")])
    assert read_all(csv_path)[1][1][11] == "=== RINNOVO ==="


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from taskforce_tui.importer import files

    monkeypatch.setattr(files, "MAX_ROWS", 10)
    path = write_csv(tmp_path / "p.csv", [row(f"{i}/2026") for i in range(20)])
    with pytest.raises(ImportFileError, match="più di 10 righe"):
        read_all(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "vuoto.csv").write_bytes(b"")
    with pytest.raises(ImportFileError, match="vuoto"):
        open_source(tmp_path / "vuoto.csv")
    with pytest.raises(ImportFileError, match="non esiste"):
        open_source(tmp_path / "manca.xlsx")
    html = tmp_path / "export.xls"
    html.write_text("<html><table><tr><td>1</td></tr></table></html>")
    with pytest.raises(ImportFileError, match="HTML"):
        open_source(html)


def test_the_importer_never_imports_textual() -> None:
    from tests.test_layering import _modules_after

    modules = _modules_after(
        "import taskforce_tui.importer.service, taskforce_tui.importer.files\n"
        "import taskforce_tui.cli.importer"
    )
    assert "taskforce_tui.importer.plan" in modules and "taskforce_tui.store.imports" in modules
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}
    assert "openpyxl" not in modules  # loaded only when an XLSX is opened

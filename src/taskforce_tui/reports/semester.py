"""The semester report (DPCM 12/11/2021 table) as JSON, CSV and XLSX files.

The figures come from `store.indicators.IndicatorRepo.report`; this module only lays
them out. XLSX (see `write_xlsx`): A4 landscape, fit to the page width, the header row
repeated on every printed page, a summary sheet first. Text is always stored as text, never
as a formula; CSV follows the Italian spreadsheet convention (docs/indicators.md).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.indicators import (
    ComuneTotal,
    Progress,
    ReportRow,
    SemesterReport,
    report_dict,
)

FORMATS = ("xlsx", "csv", "json")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: float
    kind: str  # "text", "int" or "dec"
    get: Callable[[Any], Any]


def _dec(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _base_period(r: ReportRow) -> str | None:
    return r.baseline.period if r.baseline else None


def _base_duration(r: ReportRow) -> float | None:
    return r.baseline.avg_duration_days if r.baseline else None


def _base_backlog(r: ReportRow) -> int | None:
    return r.baseline.backlog if r.baseline else None


def _change(p: Progress) -> float | None:
    return _dec(p.avg_duration_change_pct)


def _cleared(p: Progress) -> float | None:
    return _dec(p.backlog_cleared_pct)


#: The DPCM figures first, in the order of the official table, then the expert's own.
DETAIL: tuple[Column, ...] = (
    Column("Codice ISTAT", 8, "text", lambda r: r.comune_code),
    Column("Comune", 22, "text", lambda r: r.comune_name),
    Column("Prov.", 5, "text", lambda r: r.province),
    Column("Tipo di procedimento", 30, "text", lambda r: r.type_name),
    Column("Avviati", 8, "int", lambda r: r.figures.started),
    Column("Conclusi per silenzio-assenso", 11, "int", lambda r: r.figures.concluded_tacit),
    Column("Conclusi con provvedimento espresso", 11, "int", lambda r: r.figures.concluded_express),
    Column(
        "di cui con conferenza di servizi",
        11,
        "int",
        lambda r: r.figures.express_with_conference,
    ),
    Column("di cui con sospensione", 11, "int", lambda r: r.figures.express_with_suspension),
    Column("Durata media effettiva (gg)", 10, "dec", lambda r: _dec(r.figures.avg_duration)),
    Column("Termine massimo di legge (gg)", 9, "int", lambda r: r.legal_term_days),
    Column("Non conclusi entro il termine (arretrato)", 11, "int", lambda r: r.figures.backlog),
    Column("Durata media netta (gg)", 10, "dec", lambda r: _dec(r.figures.avg_net_duration)),
    Column("Conclusi oltre il termine", 10, "int", lambda r: r.figures.concluded_late),
    Column("Archiviati", 9, "int", lambda r: r.figures.archived),
    Column("Pendenti a fine periodo", 10, "int", lambda r: r.figures.pending),
    Column("Base: periodo", 9, "text", _base_period),
    Column("Base: durata media (gg)", 10, "dec", _base_duration),
    Column("Base: arretrato", 9, "int", _base_backlog),
    Column("Variazione durata media (%)", 10, "dec", lambda r: _change(r.progress)),
    Column("Arretrato di base smaltito (%)", 10, "dec", lambda r: _cleared(r.progress)),
)

SUMMARY: tuple[Column, ...] = (
    Column("Codice ISTAT", 8, "text", lambda c: c.comune_code),
    Column("Comune", 24, "text", lambda c: c.comune_name),
    Column("Prov.", 5, "text", lambda c: c.province),
    Column("Avviati", 8, "int", lambda c: c.figures.started),
    Column("Conclusi per silenzio-assenso", 11, "int", lambda c: c.figures.concluded_tacit),
    Column("Conclusi con provvedimento espresso", 11, "int", lambda c: c.figures.concluded_express),
    Column(
        "di cui con conferenza di servizi", 11, "int", lambda c: c.figures.express_with_conference
    ),
    Column("di cui con sospensione", 11, "int", lambda c: c.figures.express_with_suspension),
    Column("Durata media effettiva (gg)", 10, "dec", lambda c: _dec(c.figures.avg_duration)),
    Column("Non conclusi entro il termine (arretrato)", 11, "int", lambda c: c.figures.backlog),
    Column("Durata media netta (gg)", 10, "dec", lambda c: _dec(c.figures.avg_net_duration)),
    Column("Conclusi oltre il termine", 10, "int", lambda c: c.figures.concluded_late),
    Column("Archiviati", 9, "int", lambda c: c.figures.archived),
    Column("Pendenti a fine periodo", 10, "int", lambda c: c.figures.pending),
    Column(
        "Base: durata media (gg)",
        10,
        "dec",
        lambda c: _dec(c.progress.baseline_avg_duration_days),
    ),
    Column("Base: arretrato", 9, "int", lambda c: c.progress.baseline_backlog),
    Column("Variazione durata media (%)", 10, "dec", lambda c: _change(c.progress)),
    Column("Arretrato di base smaltito (%)", 10, "dec", lambda c: _cleared(c.progress)),
)

NOTES = (
    "Metodo: DPCM 12/11/2021, Allegato B, Appendice 2. Semestri: H1 gennaio-giugno, "
    "H2 luglio-dicembre.",
    "Avviati: pratiche ricevute nel semestre. Conclusi: con esito nel semestre, qualunque "
    "sia la data di avvio. Le archiviate non sono conclusioni.",
    "Durata media effettiva: giorni di calendario dalla ricezione alla decisione, "
    "sospensioni incluse (al lordo); la netta le esclude.",
    "Arretrato: pratiche pendenti a fine semestre (o alla data indicata) oltre il termine "
    "di legge, prorogato dei giorni di sospensione.",
    "Variazione durata: rispetto alla base, a parità di composizione delle pratiche "
    "concluse (negativa = più rapida). Arretrato smaltito: quota dell'arretrato di base "
    "eliminata.",
)


# --- file handling -----------------------------------------------------------------------------
def choose_format(fmt: str | None, output: Path | None) -> str:
    """--formato, else the extension of -o, else JSON."""
    if fmt:
        return fmt
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
        raise DomainError(
            f"Non riconosco il formato di «{output.name}»: usa l'estensione .xlsx, .csv o "
            ".json, oppure indica --formato."
        )
    return "json"


def write_atomic(path: Path, data: bytes) -> None:
    """Write a whole file or nothing (temporary file in the same folder, then rename)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError(f"La cartella {folder} non esiste: creala o scegli un altro file.")
    if path.is_dir():
        raise DomainError(f"{path} è una cartella: indica il nome del file da creare.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise DomainError(f"Impossibile scrivere in {folder}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(f"Impossibile scrivere {path}: {exc.strerror}.") from None


def render(report: SemesterReport, fmt: str) -> bytes:
    """JSON or CSV as bytes (XLSX is written straight to its file: `write`)."""
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "csv":
        return to_csv(report)
    raise DomainError(f"Formato sconosciuto: «{fmt}». Usa xlsx, csv o json.")


def write(report: SemesterReport, fmt: str, path: Path) -> None:
    """Write the report to `path` in `fmt`, whole or not at all."""
    if fmt == "xlsx":
        write_xlsx(report, path)
    else:
        write_atomic(path, render(report, fmt))


# --- JSON ----------------------------------------------------------------------------------------
def to_json(report: SemesterReport) -> str:
    """One key per line and one row per line: readable, and fast for 17,000 rows
    (an indented dump goes through the pure-Python encoder, ten times slower)."""
    data = report_dict(report)

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    lines = []
    for key, value in data.items():
        if isinstance(value, list):
            items = ",\n".join(f"    {dump(item)}" for item in value)
            lines.append(f'  "{key}": [\n{items}\n  ]' if value else f'  "{key}": []')
        else:
            lines.append(f'  "{key}": {dump(value)}')
    return "{\n" + ",\n".join(lines) + "\n}\n"


# --- CSV -----------------------------------------------------------------------------------------
def _csv_text(value: str) -> str:
    value = _CONTROL.sub(" ", value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    if any(c in value for c in ';"\n\r'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "text":
        return _csv_text(str(value))
    if kind == "dec":
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


def to_csv(report: SemesterReport) -> bytes:
    """Detail rows: `;` separated, decimal comma, UTF-8 with BOM, CRLF line ends."""
    lines = [";".join(_csv_text(c.header) for c in DETAIL)]
    for row in report.rows:
        lines.append(";".join(_csv_cell(c.get(row), c.kind) for c in DETAIL))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


# --- XLSX ----------------------------------------------------------------------------------------
def _safe_text(value: str) -> str:
    return _CONTROL.sub(" ", value)[:32_000]


#: The sheet whose data rows are streamed (see `write_xlsx`), and its first data row.
_DETAIL_SHEET = "xl/worksheets/sheet2.xml"
_FIRST_ROW = 5


def write_xlsx(report: SemesterReport, path: Path) -> None:
    """Two sheets, summary first, laid out for print; written whole or not at all.

    XlsxWriter writes the workbook (styles, print setup, the summary sheet, the detail
    sheet's title and header rows): it produces exactly what Excel itself writes.
    The detail rows (17,000 x 21 cells for the whole region) are then streamed into
    the detail sheet as plain SpreadsheetML - numbers as `<v>`, text as inline
    strings, never formulas - because XlsxWriter's per-cell cost put the region-wide
    report over its 3 s budget (docs/performance.md).
    """
    import xlsxwriter

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError(f"La cartella {folder} non esiste: creala o scegli un altro file.")
    if path.is_dir():
        raise DomainError(f"{path} è una cartella: indica il nome del file da creare.")
    try:
        fd, first = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=folder)
        os.close(fd)
        fd, final = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise DomainError(f"Impossibile scrivere in {folder}: {exc.strerror}.") from None
    base, done = Path(first), Path(final)
    try:
        workbook = xlsxwriter.Workbook(
            str(base),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "tmpdir": str(folder),
            },
        )
        workbook.set_properties(
            {
                "title": f"Monitoraggio tempi e arretrato {report.semester}",
                "author": "taskforce-tui",
            }
        )
        dec_format = _fill_workbook(workbook, report)
        workbook.close()
        rows = _rows_xml(report.rows, DETAIL, _FIRST_ROW, int(dec_format.xf_index))
        _stream_rows(base, done, rows, _FIRST_ROW + len(report.rows) - 1)
        os.replace(done, path)
    except OSError as exc:
        raise DomainError(f"Impossibile scrivere {path}: {exc.strerror}.") from None
    finally:
        base.unlink(missing_ok=True)
        done.unlink(missing_ok=True)


def _rows_xml(items: list[Any], columns: tuple[Column, ...], first: int, dec_style: int) -> str:
    """SpreadsheetML rows for `items`, starting at row `first` (1-based)."""
    from xml.sax.saxutils import escape

    from xlsxwriter.utility import xl_col_to_name

    letters = [xl_col_to_name(i) for i in range(len(columns))]
    plan = [(c.get, c.kind, letter) for c, letter in zip(columns, letters, strict=True)]
    out: list[str] = []
    for number, item in enumerate(items, start=first):
        cells = [f'<row r="{number}">']
        for get, kind, letter in plan:
            value = get(item)
            if value is None:
                continue
            if kind == "text":
                text = escape(_safe_text(str(value)))
                if not text:
                    continue
                space = ' xml:space="preserve"' if text != text.strip() else ""
                cells.append(
                    f'<c r="{letter}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
                )
            elif kind == "dec":
                cells.append(f'<c r="{letter}{number}" s="{dec_style}"><v>{float(value)!r}</v></c>')
            else:
                cells.append(f'<c r="{letter}{number}"><v>{int(value)}</v></c>')
        cells.append("</row>")
        out.append("".join(cells))
    return "".join(out)


def _stream_rows(source: Path, target: Path, rows: str, last_row: int) -> None:
    """Copy the workbook, appending `rows` to the detail sheet and fixing its range."""
    import zipfile

    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == _DETAIL_SHEET and rows:
                xml = data.decode("utf-8")
                dimension = re.search(r'<dimension ref="A1:([A-Z]+)\d+"/>', xml)
                if dimension is None or xml.count("</sheetData>") != 1:
                    raise RuntimeError("unexpected worksheet XML from XlsxWriter")
                xml = (
                    xml[: dimension.start()]
                    + f'<dimension ref="A1:{dimension.group(1)}{last_row}"/>'
                    + xml[dimension.end() :]
                ).replace("</sheetData>", rows + "</sheetData>")
                data = xml.encode("utf-8")
            zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


def _fill_workbook(workbook: Any, report: SemesterReport) -> Any:
    """Both sheets; the detail sheet gets its title and header only. Returns the
    decimal number format (its style index is known once the workbook is closed)."""
    title_fmt = workbook.add_format({"bold": True, "font_size": 13})
    header_fmt = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1}
    )
    dec_fmt = workbook.add_format({"num_format": "0.0"})
    bold = workbook.add_format({"bold": True})
    bold_dec = workbook.add_format({"bold": True, "num_format": "0.0"})
    page_header = "&C" + _safe_text(f"Tempi e arretrato - {report.semester.label}").replace(
        "&", "&&"
    )

    def sheet(
        title: str, columns: tuple[Column, ...], items: list[Any], total: Any, stream: bool
    ) -> None:
        ws = workbook.add_worksheet(title)
        for i, column in enumerate(columns):
            ws.set_column(i, i, column.width, dec_fmt if column.kind == "dec" else None)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        ws.repeat_rows(3)  # the header row on every printed page
        ws.hide_gridlines(0)  # grid lines on screen and on paper
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header(page_header)
        ws.set_footer("&CPagina &P di &N")
        ws.freeze_panes(4, 0)
        ws.autofilter(3, 0, 3 + max(len(items), 1), len(columns) - 1)
        ws.write_string(
            0,
            0,
            "Monitoraggio tempi medi e arretrato (DPCM 12/11/2021) - " + report.semester.label,
            title_fmt,
        )
        ws.write_string(1, 0, _safe_text(f"{report.scope} - {report.as_of_label}"))
        ws.set_row(3, 60)
        for i, column in enumerate(columns):
            ws.write_string(3, i, column.header, header_fmt)
        if stream:
            return  # the rows are streamed in after closing (write_xlsx)
        row = 4
        for item in items:
            for i, column in enumerate(columns):
                value = column.get(item)
                if value is None:
                    continue
                if column.kind == "text":
                    if value:
                        ws.write_string(row, i, _safe_text(str(value)))
                else:
                    ws.write_number(row, i, value)
            row += 1
        if total is not None:
            ws.write_string(row, 1, "Totale", bold)
            for i, column in enumerate(columns):
                if column.kind != "text":
                    value = column.get(total)
                    if value is not None:
                        ws.write_number(row, i, value, bold_dec if column.kind == "dec" else bold)
            row += 2
            for note in NOTES:
                ws.write_string(row, 0, note)
                row += 1

    overall = ComuneTotal(
        comune_code="",
        comune_name="Totale",
        province="",
        figures=report.total,
        progress=report.total_progress,
    )
    sheet("Riepilogo", SUMMARY, list(report.comuni), overall, stream=False)
    sheet("Dettaglio", DETAIL, list(report.rows), None, stream=True)
    return dec_fmt

"""The semester report (DPCM 12/11/2021 table) as JSON, CSV and XLSX files.

The figures come from `store.indicators.IndicatorRepo.report`; this module only lays
them out. XLSX is written with openpyxl in write-only mode (streamed: a region-wide
report has ~16,000 rows): A4 landscape, fit to the page width, header rows repeated
on every printed page, a summary sheet first. Text is always stored as text, never
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
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    raise DomainError(f"Formato sconosciuto: «{fmt}». Usa xlsx, csv o json.")


# --- JSON ----------------------------------------------------------------------------------------
def to_json(report: SemesterReport) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"


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


def to_xlsx(report: SemesterReport) -> bytes:
    """Two sheets, summary first, laid out for print; returns the file's bytes."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    workbook.properties.title = f"Monitoraggio tempi e arretrato {report.semester}"
    workbook.properties.creator = "taskforce-tui"
    thin = Side(style="thin", color="808080")
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="D9D9D9")
    header_align = Alignment(wrap_text=True, vertical="top")
    header_border = Border(bottom=thin, top=thin, left=thin, right=thin)

    def text_cell(ws: Any, value: str, **style: Any) -> Any:
        cell = WriteOnlyCell(ws, value=_safe_text(value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        for name, item in style.items():
            setattr(cell, name, item)
        return cell

    def plain(ws: Any, value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "text":
            text = _safe_text(str(value))
            return text_cell(ws, text) if text.startswith("=") else text
        return value

    def sheet(title: str, columns: tuple[Column, ...], items: list[Any], total: Any) -> None:
        ws = workbook.create_sheet(title)
        for i, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.print_title_rows = "4:4"
        ws.freeze_panes = "A5"
        ws.oddFooter.center.text = "Pagina &P di &N"
        ws.oddHeader.center.text = _safe_text(
            f"Tempi e arretrato - {report.semester.label}"
        ).replace("&", "&&")
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A4:{last}{4 + len(items)}"
        ws.append(
            [
                text_cell(
                    ws,
                    "Monitoraggio tempi medi e arretrato (DPCM 12/11/2021) - "
                    + report.semester.label,
                    font=Font(bold=True, size=13),
                )
            ]
        )
        ws.append([text_cell(ws, f"{report.scope} - {report.as_of_label}")])
        ws.append([])
        ws.append(
            [
                text_cell(
                    ws,
                    c.header,
                    font=header_font,
                    fill=header_fill,
                    alignment=header_align,
                    border=header_border,
                )
                for c in columns
            ]
        )
        for item in items:
            ws.append([plain(ws, c.get(item), c.kind) for c in columns])
        if total is not None:
            bold = Font(bold=True)
            cells: list[Any] = []
            for i, c in enumerate(columns):
                value = "Totale" if i == 1 else (None if c.kind == "text" else c.get(total))
                if value is None:
                    cells.append(None)
                elif isinstance(value, str):
                    cells.append(text_cell(ws, value, font=bold))
                else:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.font = bold
                    cells.append(cell)
            ws.append(cells)
            ws.append([])
            for note in NOTES:
                ws.append([text_cell(ws, note)])

    overall = ComuneTotal(
        comune_code="",
        comune_name="Totale",
        province="",
        figures=report.total,
        progress=report.total_progress,
    )
    sheet("Riepilogo", SUMMARY, list(report.comuni), overall)
    sheet("Dettaglio", DETAIL, list(report.rows), None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

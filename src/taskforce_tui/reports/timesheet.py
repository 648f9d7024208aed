"""The monthly timesheet from the store to a file: XLSX (openpyxl), CSV or JSON.

Shared by `taskforce report mensile` and the Registro ore screen. openpyxl is
imported only when an XLSX is written (it costs about 0.2 s to import).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.timelog import DEFAULT_HOURS_PER_DAY, Month
from taskforce_tui.domain.timesheet import (
    CROSS_CUTTING,
    ENTRY_HEADERS,
    SIGNATURES,
    Entry,
    Timesheet,
    is_risky,
    to_csv,
    to_json,
)

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.paths import Profile

FORMATS: Final = ("xlsx", "csv", "json")
#: config.toml: [registro_ore] ore_per_giornata = 7.5
CONFIG_TABLE: Final = "registro_ore"
CONFIG_KEY: Final = "ore_per_giornata"


def hours_per_day(profile: Profile) -> float:
    """Hours in a working day for day-equivalents, from the profile's config.toml."""
    path = profile.config
    if not path.exists():
        return DEFAULT_HOURS_PER_DAY
    import tomllib

    hint = f"Correggi {path} (es. [{CONFIG_TABLE}] {CONFIG_KEY} = 8) o cancellalo."
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DomainError(f"Il file di configurazione non si legge ({exc}). {hint}") from None
    table = data.get(CONFIG_TABLE, {})
    value = table.get(CONFIG_KEY, DEFAULT_HOURS_PER_DAY) if isinstance(table, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 24:
        raise DomainError(f"{CONFIG_KEY} deve essere un numero di ore tra 1 e 24. {hint}")
    return float(value)


def build(
    store: Store, month: Month, per_day: float, *, generated_on: date | None = None
) -> Timesheet:
    """The expert's entries of `month`, in date and time order."""
    me = store.experts.me()
    if me is None:
        raise DomainError(
            "Questo profilo non ha ancora un esperto: non c'è un registro ore da esportare."
        )
    rows = store.timelogs.list(me.id, month.start, month.end)
    entries = []
    for r in rows:
        log = r.log
        request = ""
        if log.request_id:
            request = log.request_id[:8] + (f" - {r.request_subject}" if r.request_subject else "")
        entries.append(
            Entry(
                day=log.work_date,
                comune=r.comune_name
                or (CROSS_CUTTING if log.comune_code is None else log.comune_code),
                province=r.province or "",
                activity=r.activity_name,
                mode=vocab.MODE_LABELS.get(log.mode, log.mode),
                practice=r.protocol_no or "",
                request=request,
                start_time=log.start_time or "",
                end_time=log.end_time or "",
                minutes=log.minutes,
                note=log.note,
            )
        )
    return Timesheet(
        expert_name=me.name,
        expert_email=me.email,
        month=month,
        generated_on=generated_on or today(),
        hours_per_day=per_day,
        entries=entries,
    )


def default_name(sheet: Timesheet, fmt: str) -> str:
    return f"registro-ore-{sheet.month}.{fmt}"


def render(sheet: Timesheet, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(sheet)
    if fmt == "csv":
        return to_csv(sheet)
    if fmt == "json":
        return to_json(sheet)
    raise DomainError(f"Formato non valido: «{fmt}». Formati: {', '.join(FORMATS)}.", "formato")


def write(sheet: Timesheet, fmt: str, path: Path) -> Path:
    """Write atomically (a temporary file in the same folder, then a rename), so a
    half-written report never replaces a good one."""
    data = render(sheet, fmt)
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError(
            f"La cartella {folder} non esiste: creala o scegli un altro percorso.", "file"
        )
    fd, tmp = tempfile.mkstemp(prefix=".~" + path.name, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except PermissionError:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(
            f"Non posso scrivere {path}: se è aperto in Excel o LibreOffice chiudilo, "
            "oppure scegli un altro nome.",
            "file",
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- XLSX ----------------------------------------------------------------------------------------
_WIDTHS: Final = (11, 22, 6, 30, 11, 12, 22, 7, 7, 8, 8, 36)
_HEADER_ROW: Final = 8
_DATE_FORMAT: Final = "DD/MM/YYYY"
_HOURS_FORMAT: Final = "0.00"
_DURATION_FORMAT: Final = "[h]:mm"
_DAYS_FORMAT: Final = '0.00" gg"'
# columns (1-based) in the entries table
_C_DATE, _C_COMUNE, _C_PROV, _C_ACTIVITY = 1, 2, 3, 4
_C_HOURS, _C_DURATION, _C_NOTE = 10, 11, 12


def to_xlsx(sheet: Timesheet) -> bytes:
    """One A4 landscape sheet: header, one row per entry, totals, signatures.

    Real dates and numbers (hours as decimals, durations as [h]:mm), no formulas:
    every total is written as a value computed from whole minutes.
    """
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Registro ore"
    wb.properties.creator = "taskforce-tui"
    wb.properties.title = sheet.title
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    thin = Side(style="thin", color="000000")
    underline = Border(bottom=thin)
    _wrap = Alignment(wrap_text=True, vertical="top")
    _top = Alignment(vertical="top")

    def put(row: int, col: int, value: Any, *, fmt: str | None = None, font: Any = None) -> Any:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            cell.value = value
            # Text is always text: never a formula, not even after editing the cell.
            cell.data_type = "s"
            if is_risky(value):
                cell.quotePrefix = True
        else:
            cell.value = value
        if fmt:
            cell.number_format = fmt
        if font is not None:
            cell.font = font
        return cell

    def amounts(row: int, minutes: int, font: Any = None) -> None:
        put(row, _C_HOURS, minutes / 60, fmt=_HOURS_FORMAT, font=font)
        put(row, _C_DURATION, minutes / 1440, fmt=_DURATION_FORMAT, font=font)
        put(row, _C_NOTE, sheet.days(minutes), fmt=_DAYS_FORMAT, font=font)

    put(1, 1, sheet.title, font=Font(bold=True, size=14))
    put(2, 1, "Esperto", font=bold)
    put(2, 2, sheet.expert_name)
    put(3, 1, "Email", font=bold)
    put(3, 2, sheet.expert_email)
    put(4, 1, "Mese", font=bold)
    put(4, 2, sheet.month.label)
    put(5, 1, "Generato il", font=bold)
    put(5, 2, sheet.generated_on, fmt=_DATE_FORMAT).alignment = Alignment(horizontal="left")
    put(6, 1, "Ore/giorno", font=bold)
    put(6, 2, sheet.hours_per_day, fmt="0.##").alignment = Alignment(horizontal="left")
    put(6, 4, "Giornate equivalenti = ore / ore per giornata")

    for col, title in enumerate(ENTRY_HEADERS, 1):
        cell = put(_HEADER_ROW, col, title, font=bold)
        cell.fill = header_fill
        cell.border = Border(top=thin, bottom=thin)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    row = _HEADER_ROW
    for e in sheet.entries:
        row += 1
        put(row, _C_DATE, e.day, fmt=_DATE_FORMAT).alignment = _top
        for col, value in enumerate(
            (
                e.comune,
                e.province,
                e.activity,
                e.mode,
                e.practice,
                e.request,
                e.start_time,
                e.end_time,
            ),
            _C_COMUNE,
        ):
            if value:
                put(row, col, value).alignment = _wrap
        put(row, _C_HOURS, e.minutes / 60, fmt=_HOURS_FORMAT).alignment = _top
        put(row, _C_DURATION, e.minutes / 1440, fmt=_DURATION_FORMAT).alignment = _top
        if e.note:
            put(row, _C_NOTE, e.note).alignment = _wrap
    if not sheet.entries:
        row += 1
        put(row, _C_COMUNE, f"Nessuna registrazione in {sheet.month.label}.")

    row += 2
    put(row, 1, "Totale del mese", font=bold)
    amounts(row, sheet.total_minutes, bold)
    for title, label_col, totals in (
        ("Totali per giorno", _C_DATE, sheet.by_day),
        ("Totali per Comune", _C_COMUNE, sheet.by_comune),
        ("Totali per attività", _C_ACTIVITY, sheet.by_activity),
    ):
        row += 2
        put(row, 1, title, font=bold)
        for col, text in ((_C_HOURS, "Ore"), (_C_DURATION, "Durata"), (_C_NOTE, "Giornate")):
            put(row, col, text, font=bold).border = underline
        for t in totals:
            row += 1
            if t.day is not None:
                put(row, label_col, t.day, fmt=_DATE_FORMAT)
            else:
                put(row, label_col, t.label)
            if t.detail:
                put(row, _C_PROV, t.detail)
            amounts(row, t.minutes)

    row += 3
    first = row
    for col, label in zip((_C_COMUNE, 7), SIGNATURES, strict=True):
        put(first, col, label, font=bold)
        put(first + 3, col, "Data")
        for c in range(col, col + 3):
            ws.cell(row=first + 2, column=c).border = underline
            ws.cell(row=first + 3, column=c + 1).border = underline
    ws.row_dimensions[first + 1].height = 30
    ws.row_dimensions[first + 2].height = 30
    last_row = first + 3

    for col, width in enumerate(_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=1)
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(len(_WIDTHS))}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    # "&" starts a header/footer code: double it in the expert's name.
    ws.oddFooter.left.text = f"{sheet.expert_name} - {sheet.month.label}".replace("&", "&&")
    ws.oddFooter.right.text = "Pagina &P di &N"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

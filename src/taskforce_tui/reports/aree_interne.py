"""`taskforce report aree-interne`: per-area and per-intervention figures on a date.

XLSX (two sheets, "Aree" and "Interventi", amounts as numbers in euro with two
decimals, text always written as text: never a formula), CSV (the per-intervention
table, `;` separated, decimal comma, UTF-8 with BOM, a text that a spreadsheet would run
as a formula is prefixed with `'`), JSON (both tables, amounts in integer cents and as
euro text). The per-area figures are SQLite's sums of the very per-intervention rows
(store/aree.py `InterventionRepo.summaries`), so they agree to the cent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from taskforce_tui.domain import aree as A
from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.reports.semester import _csv_text, _safe_text, choose_format, write_atomic

TITLE = "Aree Interne 2021-2027 - monitoraggio fisico-finanziario"
FORMATS = ("xlsx", "csv", "json")


@dataclass(slots=True)
class AreeReport:
    on: date
    scope: str
    areas: list[A.AreaSummary]
    rows: list[A.InterventionRow]
    comuni: dict[str, str]  # ISTAT code -> name
    enti: dict[str, str]  # code -> name

    @property
    def as_of_label(self) -> str:
        return f"dati al {format_date(self.on)}"

    def ranking(self) -> list[A.AreaSummary]:
        """Areas by share paid, then committed (highest first); areas with nothing
        programmed last."""
        return sorted(
            self.areas,
            key=lambda s: (
                s.paid_percent is None,
                -(s.paid_percent or 0.0),
                -(s.committed_percent or 0.0),
                s.area.code,
            ),
        )


def build(store: Any, on: date, area: str | None = None) -> AreeReport:
    """The report's data from the store (`store` is a Store)."""
    code = store.aree.get(area).code if area else None
    from taskforce_tui.store.aree import InterventionFilter

    rows = store.interventions.rows(InterventionFilter(area=code), on=on)
    areas = store.interventions.summaries(on=on, area=code)
    with store.read() as conn:
        comuni = dict(conn.execute("SELECT istat_code, name FROM comune"))
        enti = {k: v for k, v in comuni.items() if not k.isdigit()}
    scope = f"Area {code}" if code else "Tutte le aree"
    return AreeReport(on, scope, areas, rows, comuni, enti)


# --- tables ------------------------------------------------------------------------------------
AREA_HEADERS = (
    "Posizione",
    "Codice",
    "Area",
    "Tipo",
    "Interventi",
    "Programmato (€)",
    "Impegnato (€)",
    "% impegnato",
    "Pagato (€)",
    "% pagato",
    *(s.capitalize() for s in A.STATUSES),
    "Fasi in ritardo",
)
ROW_HEADERS = (
    "Area",
    "CUP",
    "Titolo",
    "Comuni",
    "Ente attuatore",
    "Stato",
    "Programmato (€)",
    "Impegnato (€)",
    "Pagato (€)",
    "% pagato",
    "Dati al",
    "Fasi in ritardo",
)


def area_table(report: AreeReport) -> list[list[Any]]:
    """Rows of the per-area table; amounts in cents (kind "eur"), percentages as floats."""
    out = []
    for rank, s in enumerate(report.ranking(), start=1):
        out.append(
            [
                rank,
                s.area.code,
                s.area.name,
                A.AREA_KINDS.get(s.area.kind, s.area.kind),
                s.interventions,
                ("eur", s.programmed_cents),
                ("eur", s.committed_cents),
                s.committed_percent,
                ("eur", s.paid_cents),
                s.paid_percent,
                *(s.by_status.get(status, 0) for status in A.STATUSES),
                s.late_phases,
            ]
        )
    return out


def total_row(report: AreeReport) -> list[Any]:
    programmed = sum(s.programmed_cents for s in report.areas)
    committed = sum(s.committed_cents for s in report.areas)
    paid = sum(s.paid_cents for s in report.areas)
    return [
        "",
        "",
        "Totale",
        "",
        sum(s.interventions for s in report.areas),
        ("eur", programmed),
        ("eur", committed),
        A.percent(committed, programmed),
        ("eur", paid),
        A.percent(paid, programmed),
        *(sum(s.by_status.get(status, 0) for s in report.areas) for status in A.STATUSES),
        sum(s.late_phases for s in report.areas),
    ]


def intervention_table(report: AreeReport) -> list[list[Any]]:
    return [
        [
            r.area_code,
            r.cup,
            r.title,
            ", ".join(report.comuni.get(c, c) for c in r.comuni),
            report.enti.get(r.ente_code or "", report.comuni.get(r.ente_code or "", "")),
            r.status,
            ("eur", r.programmed_cents),
            ("eur", r.committed_cents),
            ("eur", r.paid_cents),
            r.paid_percent,
            r.ref_date,
            r.late_phases,
        ]
        for r in report.rows
    ]


# --- writers -----------------------------------------------------------------------------------
def write(report: AreeReport, fmt: str, path: Path) -> None:
    if fmt == "xlsx":
        write_xlsx(report, path)
    elif fmt in ("csv", "json"):
        write_atomic(path, render(report, fmt))
    else:
        raise DomainError(f"Formato sconosciuto: «{fmt}». Usa xlsx, csv o json.")


def render(report: AreeReport, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "csv":
        return to_csv(report)
    raise DomainError(f"Formato sconosciuto: «{fmt}». Usa xlsx, csv o json.")


def pick_format(fmt: str | None, output: Path | None) -> str:
    return choose_format(fmt, output)


def to_json(report: AreeReport) -> str:
    def cents(value: Any) -> Any:
        return value[1] if isinstance(value, tuple) else value

    areas = []
    for line in area_table(report):
        keys = (
            "posizione",
            "codice",
            "area",
            "tipo",
            "interventi",
            "programmato_cents",
            "impegnato_cents",
            "impegnato_percento",
            "pagato_cents",
            "pagato_percento",
            *(f"stato_{s.replace(' ', '_')}" for s in A.STATUSES),
            "fasi_in_ritardo",
        )
        item = {k: cents(v) for k, v in zip(keys, line, strict=True)}
        for name in ("programmato", "impegnato", "pagato"):
            item[f"{name}_euro"] = A.euro_plain(item[f"{name}_cents"])
        areas.append(item)
    interventions = []
    for r in report.rows:
        interventions.append(
            {
                "area": r.area_code,
                "cup": r.cup,
                "titolo": r.title,
                "comuni": r.comuni,
                "ente_attuatore": r.ente_code,
                "stato": r.status,
                "programmato_cents": r.programmed_cents,
                "impegnato_cents": r.committed_cents,
                "pagato_cents": r.paid_cents,
                "programmato_euro": A.euro_plain(r.programmed_cents),
                "impegnato_euro": A.euro_plain(r.committed_cents),
                "pagato_euro": A.euro_plain(r.paid_cents),
                "pagato_percento": r.paid_percent,
                "dati_al": r.ref_date.isoformat() if r.ref_date else None,
                "fasi_in_ritardo": r.late_phases,
            }
        )
    data = {
        "titolo": TITLE,
        "ambito": report.scope,
        "dati_al": report.on.isoformat(),
        "aree": areas,
        "interventi": interventions,
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return A.euro_plain(value[1]).replace(".", ",")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, int):
        return str(value)
    return _csv_text(str(value))


def to_csv(report: AreeReport) -> bytes:
    lines = [";".join(_csv_text(h) for h in ROW_HEADERS)]
    for line in intervention_table(report):
        lines.append(";".join(_csv_value(v) for v in line))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def write_xlsx(report: AreeReport, path: Path) -> None:
    """Written to a temporary file in the same folder, then renamed: whole or nothing."""
    import os
    import tempfile

    import xlsxwriter

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError(f"La cartella {folder} non esiste: creala o scegli un altro file.")
    if path.is_dir():
        raise DomainError(f"{path} è una cartella: indica il nome del file da creare.")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=folder)
    os.close(fd)
    try:
        workbook = xlsxwriter.Workbook(
            tmp, {"strings_to_formulas": False, "strings_to_urls": False}
        )
        title_fmt = workbook.add_format({"bold": True, "font_size": 13})
        header_fmt = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1}
        )
        euro_fmt = workbook.add_format({"num_format": "#,##0.00"})
        pct_fmt = workbook.add_format({"num_format": "0.0"})
        date_fmt = workbook.add_format({"num_format": "dd/mm/yyyy"})
        bold = workbook.add_format({"bold": True})
        bold_euro = workbook.add_format({"bold": True, "num_format": "#,##0.00"})

        def sheet(name: str, headers: tuple[str, ...], lines: list[list[Any]], total: Any) -> None:
            ws = workbook.add_worksheet(name)
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(3)
            ws.freeze_panes(4, 0)
            ws.write_string(0, 0, TITLE, title_fmt)
            ws.write_string(1, 0, _safe_text(f"{report.scope} - {report.as_of_label}"))
            ws.set_row(3, 32)
            for i, header in enumerate(headers):
                ws.write_string(3, i, header, header_fmt)
                ws.set_column(i, i, 40 if header in ("Titolo", "Comuni", "Area") else 14)
            ws.autofilter(3, 0, 3 + max(len(lines), 1), len(headers) - 1)
            row = 4
            for line in [*lines, *([total] if total else [])]:
                is_total = total is not None and line is total
                for i, value in enumerate(line):
                    if value is None or value == "":
                        continue
                    if isinstance(value, tuple):
                        ws.write_number(row, i, value[1] / 100, bold_euro if is_total else euro_fmt)
                    elif isinstance(value, float):
                        ws.write_number(row, i, value, pct_fmt)
                    elif isinstance(value, bool):
                        ws.write_string(row, i, "sì" if value else "no")
                    elif isinstance(value, int):
                        ws.write_number(row, i, value, bold if is_total else None)
                    elif isinstance(value, date):
                        moment = datetime(value.year, value.month, value.day)
                        ws.write_datetime(row, i, moment, date_fmt)
                    else:
                        ws.write_string(row, i, _safe_text(str(value)), bold if is_total else None)
                row += 1

        sheet("Aree", AREA_HEADERS, area_table(report), total_row(report))
        sheet("Interventi", ROW_HEADERS, intervention_table(report), None)
        workbook.close()
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(f"Impossibile scrivere {path}: {exc.strerror or exc}.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

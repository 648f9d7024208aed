"""The monthly timesheet an expert hands in: entries, totals, and safe text.

Pure: built from plain entries, written as CSV (Italian convention) or JSON here;
the XLSX writer lives in `taskforce_tui.reports.timesheet` (it needs openpyxl). Totals are
sums of whole minutes, so every figure matches the store to the minute.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.timelog import Month, day_equivalents, format_minutes

#: What a cross-cutting entry (no Comune) shows in the Comune column.
CROSS_CUTTING = "Attività trasversale"

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_risky(text: str) -> bool:
    return text.startswith(_FORMULA_START)


def csv_safe(text: str) -> str:
    """Text a spreadsheet will show as text, never run: a leading ' before = + - @."""
    return "'" + text if is_risky(text) else text


@dataclass(frozen=True, slots=True)
class Entry:
    day: date
    comune: str
    province: str
    activity: str
    mode: str
    practice: str
    request: str
    start_time: str
    end_time: str
    minutes: int
    note: str


@dataclass(frozen=True, slots=True)
class Total:
    label: str
    minutes: int
    detail: str = ""  # the province for a Comune
    day: date | None = None


@dataclass(slots=True)
class Timesheet:
    expert_name: str
    expert_email: str
    month: Month
    generated_on: date
    hours_per_day: float
    entries: list[Entry] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(e.minutes for e in self.entries)

    def days(self, minutes: int) -> float:
        return day_equivalents(minutes, self.hours_per_day)

    @property
    def by_day(self) -> list[Total]:
        sums: dict[date, int] = defaultdict(int)
        for e in self.entries:
            sums[e.day] += e.minutes
        return [Total(format_date(d), m, day=d) for d, m in sorted(sums.items())]

    @property
    def by_comune(self) -> list[Total]:
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for e in self.entries:
            sums[(e.comune, e.province)] += e.minutes
        # Comuni by name, the cross-cutting work last.
        keys = sorted(sums, key=lambda k: (k[0] == CROSS_CUTTING, k[0].casefold(), k[1]))
        return [Total(name, sums[(name, prov)], prov) for name, prov in keys]

    @property
    def by_activity(self) -> list[Total]:
        sums: dict[str, int] = defaultdict(int)
        for e in self.entries:
            sums[e.activity] += e.minutes
        return [Total(a, sums[a]) for a in sorted(sums, key=str.casefold)]

    @property
    def title(self) -> str:
        return f"Registro mensile delle ore - {self.month.label}"


ENTRY_HEADERS = (
    "Data",
    "Comune",
    "Prov.",
    "Attività",
    "Modalità",
    "Pratica",
    "Richiesta",
    "Dalle",
    "Alle",
    "Ore",
    "Durata",
    "Nota",
)
SIGNATURES = ("Firma dell'esperto", "Firma del coordinatore (Segreteria Tecnica)")


def _decimal(value: float, places: int = 2) -> str:
    """Italian decimal comma, no thousands separator (spreadsheets read it as a number)."""
    return f"{value:.{places}f}".replace(".", ",")


def to_csv(sheet: Timesheet) -> bytes:
    """CSV in the Italian convention: semicolons, decimal comma, UTF-8 with BOM, CRLF.

    Sections (header, entries, totals, signatures) are separated by empty lines; every
    text cell that starts with = + - @ is prefixed with ' so it is never run.
    """
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def text(value: str) -> str:
        return csv_safe(value)

    out.writerow([text(sheet.title)])
    out.writerow(["Esperto", text(sheet.expert_name)])
    out.writerow(["Email", text(sheet.expert_email)])
    out.writerow(["Mese", sheet.month.label, str(sheet.month)])
    out.writerow(["Generato il", format_date(sheet.generated_on)])
    out.writerow(["Ore per giornata", _decimal(sheet.hours_per_day)])
    out.writerow([])
    out.writerow(ENTRY_HEADERS)
    for e in sheet.entries:
        out.writerow(
            [
                format_date(e.day),
                text(e.comune),
                text(e.province),
                text(e.activity),
                text(e.mode),
                text(e.practice),
                text(e.request),
                e.start_time,
                e.end_time,
                _decimal(e.minutes / 60),
                format_minutes(e.minutes),
                text(e.note),
            ]
        )
    total = sheet.total_minutes
    for title, first, totals in (
        ("Totale del mese", "", [Total(sheet.month.label, total)]),
        ("Totali per giorno", "Data", sheet.by_day),
        ("Totali per Comune", "Comune", sheet.by_comune),
        ("Totali per attività", "Attività", sheet.by_activity),
    ):
        out.writerow([])
        out.writerow([title])
        out.writerow([first, "Prov.", "Ore", "Durata", "Giornate"])
        for t in totals:
            out.writerow(
                [
                    text(t.label),
                    text(t.detail),
                    _decimal(t.minutes / 60),
                    format_minutes(t.minutes),
                    _decimal(sheet.days(t.minutes)),
                ]
            )
    out.writerow([])
    for label in SIGNATURES:
        out.writerow([label, "", "Data", ""])
        out.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_json_data(sheet: Timesheet) -> dict[str, Any]:
    """The same report as plain data (English keys, ISO dates, minutes and hours)."""

    def total(t: Total, key: str) -> dict[str, Any]:
        item: dict[str, Any] = {key: t.day.isoformat() if t.day else t.label}
        if key == "comune":
            item["province"] = t.detail
        item.update(
            minutes=t.minutes,
            hours=round(t.minutes / 60, 4),
            days=round(sheet.days(t.minutes), 4),
        )
        return item

    total_minutes = sheet.total_minutes
    return {
        "expert": {"name": sheet.expert_name, "email": sheet.expert_email},
        "month": str(sheet.month),
        "generated_on": sheet.generated_on.isoformat(),
        "hours_per_day": sheet.hours_per_day,
        "entries": [
            {
                "date": e.day.isoformat(),
                "comune": e.comune,
                "province": e.province,
                "activity": e.activity,
                "mode": e.mode,
                "practice": e.practice,
                "request": e.request,
                "start_time": e.start_time or None,
                "end_time": e.end_time or None,
                "minutes": e.minutes,
                "hours": round(e.minutes / 60, 4),
                "note": e.note,
            }
            for e in sheet.entries
        ],
        "totals": {
            "minutes": total_minutes,
            "hours": round(total_minutes / 60, 4),
            "days": round(sheet.days(total_minutes), 4),
            "by_day": [total(t, "date") for t in sheet.by_day],
            "by_comune": [total(t, "comune") for t in sheet.by_comune],
            "by_activity": [total(t, "activity") for t in sheet.by_activity],
        },
    }


def to_json(sheet: Timesheet) -> bytes:
    return (json.dumps(to_json_data(sheet), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

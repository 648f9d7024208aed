"""Dates as users type them, semesters, and the injectable "today"."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta

from taskforce_tui.domain.errors import DomainError

#: Environment variable fixing "today" (ISO date) for demos, snapshots and tests.
TODAY_ENV = "TASKFORCE_OGGI"

_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: A date in one of the accepted shapes, whatever its numbers: ISO, or day month year.
_ISO_SHAPE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_SHAPE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
#: Month names, lower case as Italian writes them inside a sentence.
MONTH_NAMES = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)


def today() -> date:
    """Today's date, unless TASKFORCE_OGGI fixes it."""
    fixed = os.environ.get(TODAY_ENV)
    if fixed:
        return date.fromisoformat(fixed)
    return date.today()


def parse_date(text: str, field: str | None = None) -> date:
    """Parse YYYY-MM-DD or DD/MM/YYYY (also DD-MM-YYYY, DD.MM.YYYY, DD/MM/YY).

    Raises DomainError with an Italian message on anything else.
    """
    value = text.strip()
    if value.lower() == "oggi":
        return today()
    if value.lower() == "ieri":
        return today() - timedelta(days=1)
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if _ISO_PREFIX.match(value):
        # A full timestamp (from a spreadsheet or JSON): keep the date part.
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    impossible = _impossible_day(value)
    if impossible:
        raise DomainError(f"Data non valida: {impossible}", field)
    raise DomainError(
        f"Data non valida: «{text}». Usa AAAA-MM-GG oppure GG/MM/AAAA "
        "(es. 2026-11-20 o 20/11/2026).",
        field,
    )


def _impossible_day(value: str) -> str | None:
    """What is wrong with a date written in the right shape ("31/02/2026": that day
    does not exist), or None if the shape itself is wrong."""
    import calendar

    iso_shape, dmy_shape = _ISO_SHAPE.match(value), _DMY_SHAPE.match(value)
    if iso_shape:
        year, month, day = (int(g) for g in iso_shape.groups())
    elif dmy_shape:
        day, month, year = int(dmy_shape[1]), int(dmy_shape[3]), int(dmy_shape[4])
        if len(dmy_shape[4]) == 2:
            year += 2000
    else:
        return None
    if not 1 <= month <= 12:
        return f"il mese {month} non esiste (i mesi vanno da 1 a 12)."
    if year < 1:
        return None
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = MONTH_NAMES[month - 1]
        return f"il {day} {name} {year} non esiste: {name} {year} ha {days} giorni."
    return None


def parse_optional_date(text: str | None, field: str | None = None) -> date | None:
    if text is None or not text.strip():
        return None
    return parse_date(text, field)


def format_date(value: date | None) -> str:
    """Italian display format, DD/MM/YYYY; empty for None."""
    return value.strftime("%d/%m/%Y") if value else ""


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class Semester:
    """A DPCM semester: H1 = January-June, H2 = July-December."""

    __slots__ = ("half", "year")

    def __init__(self, year: int, half: int) -> None:
        if half not in (1, 2):
            raise DomainError("Il semestre deve essere H1 o H2.")
        self.year = year
        self.half = half

    @classmethod
    def of(cls, day: date) -> Semester:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> Semester:
        match = re.fullmatch(r"\s*(\d{4})\s*[-/ ]?\s*[HhSs]([12])\s*", text)
        if not match:
            raise DomainError(
                f"Semestre non valido: «{text}». Usa AAAA-H1 o AAAA-H2 (es. 2026-H1)."
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def previous(self) -> Semester:
        return Semester(self.year - 1, 2) if self.half == 1 else Semester(self.year, 1)

    def next(self) -> Semester:
        return Semester(self.year, 2) if self.half == 1 else Semester(self.year + 1, 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Semester) and (self.year, self.half) == (other.year, other.half)

    def __lt__(self, other: Semester) -> bool:
        return (self.year, self.half) < (other.year, other.half)

    def __hash__(self) -> int:
        return hash((self.year, self.half))

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    def __repr__(self) -> str:
        return f"Semester({self.year}, {self.half})"

    @property
    def label(self) -> str:
        return f"{'1°' if self.half == 1 else '2°'} semestre {self.year}"

"""Time-log rules with no SQL and no UI: durations and clock times as people type
them, the span of an entry, overlaps, the injectable "now", and when a running
timer must ask before it records.

Everything a user reads is Italian and says what to type instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from taskforce_tui.domain.dates import MONTH_NAMES, TODAY_ENV, format_date
from taskforce_tui.domain.errors import DomainError

#: Environment variable fixing "now" (ISO date and time) for demos and tests.
NOW_ENV = "TASKFORCE_ADESSO"

#: One entry never exceeds a day.
MAX_ENTRY_MINUTES = 24 * 60
#: A day with more than this is suspicious: the user must confirm it.
LONG_DAY_MINUTES = 12 * 60
#: A timer running longer than this asks what to record instead of recording it.
TIMER_LIMIT_MINUTES = 10 * 60
#: Default working day for day-equivalents (the profile's config.toml can change it).
DEFAULT_HOURS_PER_DAY = 8.0

_DURATION_EXAMPLES = "es. 1h30, 1:30, 90m, 1.5h, 1,5h o 2h"

_HM = re.compile(r"(\d+)\s*(?:h|ore|ora)\s*(?:(\d+)\s*(?:m|min|minuti|')?)?")
_COLON = re.compile(r"(\d+):(\d{1,2})")
_MINUTES = re.compile(r"(\d+)\s*(?:m|min|minuti|')")
_DECIMAL_HOURS = re.compile(r"(\d+(?:[.,]\d+)?|[.,]\d+)\s*(?:h|ore|ora)")


def parse_duration(text: str, field: str = "minutes") -> int:
    """Minutes from "1h30", "1:30", "90m", "1.5h", "1,5h", "2h" (also "1h 30m",
    "90 min", "2 ore"). Zero, negative, over 24 hours or anything else: DomainError."""
    raw = text.strip().lower()
    if not raw:
        raise DomainError(f"Indica la durata ({_DURATION_EXAMPLES}).", field)
    if raw.startswith("-"):
        raise DomainError(
            f"Durata negativa: «{text.strip()}». Indica il tempo lavorato ({_DURATION_EXAMPLES}).",
            field,
        )
    value = raw.replace(" ", "")
    minutes: int | None = None
    if match := _COLON.fullmatch(value):
        hours, mins = int(match.group(1)), int(match.group(2))
        if mins >= 60:
            raise DomainError(
                f"Durata non valida: «{text.strip()}»: i minuti vanno da 0 a 59.", field
            )
        minutes = hours * 60 + mins
    elif match := _HM.fullmatch(raw.replace(" ", "")):
        hours = int(match.group(1))
        mins = int(match.group(2) or 0)
        if mins >= 60:
            raise DomainError(
                f"Durata non valida: «{text.strip()}»: dopo le ore i minuti vanno da 0 a 59 "
                "(per 90 minuti scrivi 1h30 o 90m).",
                field,
            )
        minutes = hours * 60 + mins
    elif match := _MINUTES.fullmatch(value):
        minutes = int(match.group(1))
    elif match := _DECIMAL_HOURS.fullmatch(value):
        hours_f = float(match.group(1).replace(",", "."))
        minutes = round(hours_f * 60)
    elif re.fullmatch(r"\d+(?:[.,]\d+)?", value):
        raise DomainError(
            f"Durata senza unità: «{text.strip()}». Scrivi {value}h per le ore o {value}m per "
            "i minuti.",
            field,
        )
    if minutes is None:
        raise DomainError(f"Durata non valida: «{text.strip()}». Usa {_DURATION_EXAMPLES}.", field)
    if minutes <= 0:
        raise DomainError(
            f"La durata «{text.strip()}» è zero: indica il tempo lavorato ({_DURATION_EXAMPLES}).",
            field,
        )
    if minutes > MAX_ENTRY_MINUTES:
        raise DomainError(
            f"Durata di {format_minutes(minutes)} ore: una registrazione non può superare le "
            "24 ore. Dividila per giorno.",
            field,
        )
    return minutes


def format_minutes(minutes: int) -> str:
    """ "1:30" for 90 minutes (hours are not wrapped at 24)."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def hours(minutes: int) -> float:
    return minutes / 60


# --- clock times --------------------------------------------------------------------------------
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?")


def parse_clock(text: str, field: str = "start_time") -> str:
    """ "HH:MM" from "9", "9:30", "09.30", "9h30". Anything else: DomainError."""
    raw = text.strip().lower()
    match = _CLOCK.fullmatch(raw)
    if not match:
        raise DomainError(f"Ora non valida: «{text.strip()}». Usa HH:MM (es. 09:30).", field)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise DomainError(
            f"Ora non valida: «{text.strip()}». Le ore vanno da 00:00 a 23:59.", field
        )
    return f"{hour:02d}:{minute:02d}"


def clock_minutes(clock: str) -> int:
    """Minutes after midnight of an "HH:MM" string."""
    hour, minute = clock.split(":")
    return int(hour) * 60 + int(minute)


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class TimerTooShort(DomainError):
    """Stopping a timer that ran less than a minute: nothing to record. Each face
    says how to discard it there (`how_to_discard`): the shell names its option,
    the app its key."""

    def __init__(self, how_to_discard: str = "") -> None:
        text = (
            "Il timer è partito meno di un minuto fa: non c'è niente da registrare. "
            "Aspetta almeno un minuto, oppure scarta il timer"
        )
        super().__init__(f"{text}: {how_to_discard}." if how_to_discard else f"{text}.", "minutes")


@dataclass(frozen=True, slots=True)
class Span:
    minutes: int
    start_time: str | None = None
    end_time: str | None = None


def resolve_span(minutes: int | None, start: str | None, end: str | None) -> Span:
    """Combine a duration and/or a start and end time into one consistent entry.

    - start and end: the duration is end - start (a duration given too must match);
    - start or end with a duration: the other end is computed;
    - a duration alone: no times.
    An interval must stay within one day (split it at midnight otherwise).
    """
    if start is None and end is None:
        if minutes is None:
            raise DomainError("Indica la durata oppure l'orario (dalle ... alle ...).", "minutes")
        return Span(minutes)
    if start is not None and end is not None:
        length = clock_minutes(end) - clock_minutes(start)
        if length <= 0:
            raise DomainError(
                f"L'ora di fine ({end}) deve essere dopo l'ora di inizio ({start}). Un lavoro "
                "oltre la mezzanotte va registrato in due voci, una per giorno.",
                "end_time",
            )
        if minutes is not None and minutes != length:
            raise DomainError(
                f"La durata {format_minutes(minutes)} non corrisponde all'orario {start}-{end} "
                f"({format_minutes(length)}): correggi l'una o l'altro, oppure ometti la durata.",
                "minutes",
            )
        return Span(length, start, end)
    if minutes is None:
        raise DomainError(
            "Con una sola ora indica anche la durata, oppure sia l'inizio sia la fine.",
            "end_time" if start is not None else "start_time",
        )
    if start is not None:
        stop = clock_minutes(start) + minutes
        if stop >= MAX_ENTRY_MINUTES:
            raise DomainError(
                f"Dalle {start} per {format_minutes(minutes)} si arriva oltre le 23:59: "
                "registra due voci, una per giorno.",
                "minutes",
            )
        return Span(minutes, start, clock_text(stop))
    assert end is not None
    begin = clock_minutes(end) - minutes
    if begin < 0:
        raise DomainError(
            f"{format_minutes(minutes)} fino alle {end} cominciano il giorno prima: registra "
            "due voci, una per giorno.",
            "minutes",
        )
    return Span(minutes, clock_text(begin), end)


def overlaps(start_a: str, end_a: str, start_b: str, end_b: str) -> bool:
    """Half-open intervals [start, end) on the same day: 9-10 and 10-11 do not overlap."""
    return start_a < end_b and start_b < end_a


# --- "now" and the running timer --------------------------------------------------------------
def now() -> datetime:
    """The local time, timezone-aware. TASKFORCE_ADESSO fixes it; with only
    TASKFORCE_OGGI set, today's pinned date keeps the real time of day."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.astimezone()
    current = datetime.now().astimezone()
    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        day = date.fromisoformat(pinned)
        return current.replace(year=day.year, month=day.month, day=day.day)
    return current


def truncate_to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class TimerState:
    """What a running timer would record if stopped at `at`."""

    started_at: datetime
    at: datetime
    minutes: int
    crossed_midnight: bool
    too_long: bool

    @property
    def needs_choice(self) -> bool:
        return self.crossed_midnight or self.too_long

    def explanation(self) -> str:
        started = f"{format_date(self.started_at.date())} alle {self.started_at:%H:%M}"
        reasons = []
        if self.crossed_midnight:
            reasons.append("è passata la mezzanotte")
        if self.too_long:
            reasons.append(f"sono più di {TIMER_LIMIT_MINUTES // 60} ore")
        return (
            f"Il timer è partito il {started} e corre da {format_minutes(self.minutes)} ore: "
            f"{' e '.join(reasons)}. Forse hai dimenticato di fermarlo: non registro "
            "tutto il tempo senza chiedere."
        )


def timer_state(started_at: datetime, at: datetime) -> TimerState:
    """Minutes are counted between whole minutes (the times the entry will show)."""
    start = truncate_to_minute(started_at)
    stop = truncate_to_minute(at.astimezone(started_at.tzinfo))
    minutes = max(0, int((stop - start).total_seconds() // 60))
    return TimerState(
        started_at=started_at,
        at=at,
        minutes=minutes,
        crossed_midnight=stop.date() > start.date(),
        too_long=minutes > TIMER_LIMIT_MINUTES,
    )


def timer_end_choice(
    started_at: datetime, end_clock: str | None, minutes: int | None, at: datetime
) -> tuple[int, str]:
    """Minutes and end time ("HH:MM") to record for a timer, from the user's choice.

    `end_clock` is the end time on the day the timer started; `minutes` a duration
    from the start. Without either, the time elapsed until `at` (whole minutes).
    """
    start = truncate_to_minute(started_at)
    start_clock = f"{start:%H:%M}"
    if end_clock is not None and minutes is not None:
        raise DomainError("Indica l'ora di fine oppure la durata, non entrambe.", "end_time")
    if end_clock is not None:
        length = clock_minutes(end_clock) - clock_minutes(start_clock)
        if length <= 0:
            raise DomainError(
                f"Il timer è partito alle {start_clock}: l'ora di fine deve essere successiva "
                f"(stesso giorno, {format_date(start.date())}).",
                "end_time",
            )
        end_moment = start + timedelta(minutes=length)
        if end_moment > truncate_to_minute(at.astimezone(started_at.tzinfo)):
            raise DomainError(
                f"Le {end_clock} del {format_date(start.date())} non sono ancora arrivate.",
                "end_time",
            )
        return length, end_clock
    if minutes is None:
        minutes = timer_state(started_at, at).minutes
    elif start + timedelta(minutes=minutes) > truncate_to_minute(at.astimezone(started_at.tzinfo)):
        raise DomainError(
            f"Il timer corre da {format_minutes(timer_state(started_at, at).minutes)}: non si "
            f"possono registrare {format_minutes(minutes)}.",
            "minutes",
        )
    stop = clock_minutes(start_clock) + minutes
    if stop >= MAX_ENTRY_MINUTES:
        raise DomainError(
            f"Dalle {start_clock} per {format_minutes(minutes)} si va oltre la mezzanotte: "
            f"indica un'ora di fine entro le 23:59 del {format_date(start.date())} e registra "
            "il resto a parte.",
            "minutes",
        )
    if minutes <= 0:
        raise TimerTooShort()
    return minutes, clock_text(stop)


# --- months ------------------------------------------------------------------------------------
WEEKDAY_SHORT = ("Lun", "Mar", "Mer", "Gio", "Ven", "Sab", "Dom")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """ "2026-11", "2026/11", "11/2026", "11-2026" or "novembre 2026"."""
        raw = text.strip().lower()
        year = month = None
        if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})", raw):
            year, month = int(m.group(1)), int(m.group(2))
        elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{4})", raw):
            month, year = int(m.group(1)), int(m.group(2))
        elif m := re.fullmatch(r"([a-z]+)\s+(\d{4})", raw):
            names = [i for i, n in enumerate(MONTH_NAMES, 1) if n.startswith(m.group(1)[:3])]
            if len(names) == 1 and len(m.group(1)) >= 3:
                month, year = names[0], int(m.group(2))
        if year is None or month is None or not 1 <= month <= 12 or year < 1900:
            raise DomainError(
                f"Mese non valido: «{text.strip()}». Usa AAAA-MM (es. 2026-11).", "month"
            )
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        nxt = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def week_start(day: date) -> date:
    """The Monday of the week containing `day`."""
    return day - timedelta(days=day.weekday())


def day_equivalents(minutes: int, hours_per_day: float) -> float:
    return minutes / (hours_per_day * 60)

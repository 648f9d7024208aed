"""Time-log rules without a store: durations, clock times, spans, the timer, months."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.timelog import (
    Month,
    format_minutes,
    parse_clock,
    parse_duration,
    resolve_span,
    timer_end_choice,
    timer_state,
)
from taskforce_tui.domain.timesheet import Entry, Timesheet, csv_safe, to_csv


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h30", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1 h 30", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("90m", 90),
        ("90 min", 90),
        ("90'", 90),
        ("1.5h", 90),
        ("1,5h", 90),
        ("1,25h", 75),
        (",5h", 30),
        ("2h", 120),
        ("2H", 120),
        ("2 ore", 120),
        ("1 ora", 60),
        ("24h", 1440),
        ("8:00", 480),
    ],
)
def test_every_duration_format(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0h", "è zero"),
        ("0:00", "è zero"),
        ("0m", "è zero"),
        ("0,001h", "è zero"),
        ("-1h", "negativa"),
        ("-30m", "negativa"),
        ("1h75", "da 0 a 59"),
        ("1:75", "da 0 a 59"),
        ("25h", "24 ore"),
        ("90", "senza unità"),
        ("1,5", "senza unità"),
        ("abc", "non valida"),
        ("1h30h", "non valida"),
        ("", "Indica la durata"),
        ("   ", "Indica la durata"),
    ],
)
def test_bad_durations_are_refused_in_italian(text: str, message: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_duration(text)
    assert message in exc.value.message
    assert exc.value.field == "minutes"


@given(st.integers(min_value=1, max_value=24 * 60))
def test_formatted_durations_parse_back(minutes: int) -> None:
    text = format_minutes(minutes)
    assert parse_duration(text) == minutes
    assert parse_duration(f"{minutes}m") == minutes
    hours, rest = divmod(minutes, 60)
    assert parse_duration(f"{hours}h{rest:02d}" if hours else f"{rest}m") == minutes


@pytest.mark.parametrize(
    ("text", "clock"), [("9", "09:00"), ("9:30", "09:30"), ("09.30", "09:30"), ("17h05", "17:05")]
)
def test_clock_times(text: str, clock: str) -> None:
    assert parse_clock(text) == clock


@pytest.mark.parametrize("text", ["24:00", "9:60", "nove", "9:3", ""])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(DomainError, match="Ora non valida"):
        parse_clock(text)


def test_span_from_times_duration_or_both() -> None:
    assert resolve_span(None, "09:00", "10:30").minutes == 90
    assert resolve_span(90, "09:00", None).end_time == "10:30"
    assert resolve_span(90, None, "10:30").start_time == "09:00"
    assert resolve_span(90, None, None).start_time is None
    with pytest.raises(DomainError, match="non corrisponde"):
        resolve_span(60, "09:00", "10:30")
    with pytest.raises(DomainError, match="dopo l'ora di inizio"):
        resolve_span(None, "10:00", "09:00")
    with pytest.raises(DomainError, match="23:59"):
        resolve_span(120, "23:00", None)
    with pytest.raises(DomainError, match="giorno prima"):
        resolve_span(120, None, "01:00")


ROME = timezone(timedelta(hours=1))


def test_timer_over_midnight_or_ten_hours_needs_a_choice() -> None:
    start = datetime(2026, 11, 19, 17, 0, tzinfo=ROME)
    short = timer_state(start, start + timedelta(hours=2, seconds=59))
    assert short.minutes == 120 and not short.needs_choice
    night = timer_state(start, datetime(2026, 11, 20, 0, 5, tzinfo=ROME))
    assert night.crossed_midnight and night.needs_choice
    assert "mezzanotte" in night.explanation()
    morning = datetime(2026, 11, 19, 7, 0, tzinfo=ROME)
    long_day = timer_state(morning, morning + timedelta(hours=10, minutes=1))
    assert long_day.too_long and not long_day.crossed_midnight
    assert "più di 10 ore" in long_day.explanation()


def test_timer_end_choices() -> None:
    start = datetime(2026, 11, 19, 17, 0, tzinfo=ROME)
    later = datetime(2026, 11, 20, 9, 0, tzinfo=ROME)
    assert timer_end_choice(start, "19:30", None, later) == (150, "19:30")
    assert timer_end_choice(start, None, 90, later) == (90, "18:30")
    with pytest.raises(DomainError, match="successiva"):
        timer_end_choice(start, "16:00", None, later)
    with pytest.raises(DomainError, match="mezzanotte"):
        timer_end_choice(start, None, 8 * 60, later)
    with pytest.raises(DomainError, match="non sono ancora arrivate"):
        timer_end_choice(start, "18:00", None, start + timedelta(minutes=30))
    with pytest.raises(DomainError, match="meno di un minuto"):
        timer_end_choice(start, None, None, start + timedelta(seconds=40))


def test_months() -> None:
    for text in ("2026-11", "2026/11", "11/2026", "novembre 2026", "Nov 2026"):
        assert Month.parse(text) == Month(2026, 11)
    assert Month(2026, 12).end == date(2026, 12, 31)
    assert Month(2024, 2).end == date(2024, 2, 29)
    for bad in ("2026-13", "novembre", "ieri", "2026"):
        with pytest.raises(DomainError, match="Mese non valido"):
            Month.parse(bad)


@pytest.mark.parametrize("text", ["=1+1", "+39 02", "-5 minuti", "@SUM(A1)", "\tx"])
def test_text_that_starts_a_formula_is_escaped(text: str) -> None:
    assert csv_safe(text) == "'" + text
    assert csv_safe("nota normale") == "nota normale"


def test_csv_is_italian() -> None:
    entry = Entry(
        date(2026, 11, 2), "Bergamo", "BG", "Riunione", "In presenza", "", "", "", "", 80, "=HYPER"
    )
    sheet = Timesheet("Anna", "anna@example.it", Month(2026, 11), date(2026, 11, 20), 8, [entry])
    data = to_csv(sheet)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "02/11/2026;Bergamo;BG;Riunione;In presenza;;;;;1,33;1:20;'=HYPER\r\n" in text
    assert "novembre 2026;;1,33;1:20;0,17\r\n" in text

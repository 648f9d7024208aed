"""Time-log checks and the timer in the store: refusals write nothing, warnings are
confirmable, the timer records and removes itself in one transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.store.db import Store
from taskforce_tui.store.timelogs import (
    DAY_TOTAL_SQL,
    LONG_DAY,
    NOT_ASSIGNED,
    OVERLAP_SQL,
    ConfirmationNeeded,
)
from taskforce_tui.store.timer import TimerOverrun

BERGAMO, TREVIGLIO, MILANO = "016024", "016219", "015146"
DAY = date(2026, 11, 19)


def entry(store: Store, minutes: int = 60, **kw: object) -> TimeLog:
    values: dict[str, object] = {
        "id": "",
        "expert_id": store.expert_id or "",
        "work_date": DAY,
        "minutes": minutes,
        "activity": "affiancamento",
        "mode": "presenza",
        "comune_code": BERGAMO,
    }
    values.update(kw)
    return TimeLog(**values)  # type: ignore[arg-type]


def snapshot(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM time_log").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0],
        )


def test_overlap_is_refused_naming_the_other_entry(expert_store: Store) -> None:
    first = expert_store.timelogs.add(
        entry(expert_store, 120, start_time="09:00", end_time="11:00", note="prima")
    )
    before = snapshot(expert_store)
    with pytest.raises(DomainError) as exc:
        expert_store.timelogs.add(
            entry(expert_store, 60, comune_code=TREVIGLIO, start_time="10:30", end_time="11:30")
        )
    message = exc.value.message
    assert "09:00-11:00" in message and "Bergamo" in message and first.id[:8] in message
    assert exc.value.field == "start_time"
    assert snapshot(expert_store) == before
    # touching intervals are fine, and so is an entry without times
    expert_store.timelogs.add(entry(expert_store, 60, start_time="11:00", end_time="12:00"))
    expert_store.timelogs.add(entry(expert_store, 60))
    # editing an entry never overlaps with itself
    first.note = "modificata"
    expert_store.timelogs.update(first)
    assert expert_store.timelogs.get(first.id).note == "modificata"


def test_a_day_over_12_hours_needs_confirmation(expert_store: Store) -> None:
    expert_store.timelogs.add(entry(expert_store, 11 * 60))
    before = snapshot(expert_store)
    log = entry(expert_store, 90)
    with pytest.raises(ConfirmationNeeded) as exc:
        expert_store.timelogs.add(log)
    assert "12:30" in exc.value.message and "più di 12" in exc.value.message
    assert [w.code for w in exc.value.warnings] == [LONG_DAY]
    assert snapshot(expert_store) == before
    expert_store.timelogs.add(log, confirmed=True)
    assert expert_store.timelogs.minutes_between(expert_store.expert_id, DAY, DAY) == 12 * 60 + 30


def test_a_comune_not_assigned_is_a_warning_only(expert_store: Store) -> None:
    log = entry(expert_store, comune_code=MILANO)
    warnings = expert_store.timelogs.check(log)
    assert [w.code for w in warnings] == [NOT_ASSIGNED]
    assert "Milano non è tra i Comuni assegnati" in warnings[0].message
    expert_store.timelogs.add(log)
    assert expert_store.timelogs.get(log.id).comune_code == MILANO
    assert expert_store.timelogs.check(entry(expert_store, comune_code=None)) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"work_date": date(2026, 11, 21)}, "nel futuro"),
        ({"minutes": 0}, "maggiore di zero"),
        ({"minutes": -30}, "maggiore di zero"),
        ({"start_time": "09:00", "end_time": "10:00"}, "non corrisponde"),
        ({"start_time": "09:00"}, "sia l'ora di inizio"),
        ({"practice_id": "nessuna"}, "non esiste"),
        ({"activity": "pesca"}, "Attività sconosciuta"),
    ],
)
def test_refusals_write_nothing(
    expert_store: Store, changes: dict[str, object], message: str
) -> None:
    before = snapshot(expert_store)
    log = entry(expert_store, **{"minutes": 90, **changes})  # type: ignore[arg-type]
    with pytest.raises(DomainError, match=message):
        expert_store.timelogs.add(log)
    assert snapshot(expert_store) == before


def test_practice_of_another_comune_is_refused(expert_store: Store) -> None:
    practice = expert_store.practices.create(
        comune_code=TREVIGLIO,
        procedure_type="scia",
        protocol_no="7/2026",
        received_on=date(2026, 10, 1),
    )
    with pytest.raises(DomainError, match="è del Comune di Treviglio, non di Bergamo"):
        expert_store.timelogs.add(entry(expert_store, practice_id=practice.id))
    expert_store.timelogs.add(entry(expert_store, comune_code=TREVIGLIO, practice_id=practice.id))


def test_checks_use_the_expert_date_index(expert_store: Store) -> None:
    with expert_store.read() as conn:
        for sql, params in (
            (OVERLAP_SQL, ("e", "2026-11-19", "x", "10:00", "09:00")),
            (DAY_TOTAL_SQL, ("e", "2026-11-19", "x")),
        ):
            plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "USING INDEX time_log_expert_date (expert_id=? AND work_date=?)" in plan, plan


# --- the timer ------------------------------------------------------------------------------------
def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute).astimezone()


def test_timer_start_stop_records_one_entry(expert_store: Store) -> None:
    timers = expert_store.timer
    timers.start(activity="istruttoria", comune_code=BERGAMO, note="PGT", at=at(DAY, 9, 5))
    with pytest.raises(DomainError, match="già un timer in corso"):
        timers.start(activity="riunione", at=at(DAY, 9, 10))
    stopped = timers.stop(at=at(DAY, 10, 35))
    log = expert_store.timelogs.get(stopped.log.id)
    assert (log.work_date, log.start_time, log.end_time, log.minutes) == (DAY, "09:05", "10:35", 90)
    assert (log.activity, log.comune_code, log.note) == ("istruttoria", BERGAMO, "PGT")
    assert timers.current() is None
    with pytest.raises(DomainError, match="Nessun timer in corso"):
        timers.stop(at=at(DAY, 11))


def test_timer_past_midnight_asks_and_records_nothing_until_told(expert_store: Store) -> None:
    timers = expert_store.timer
    timers.start(activity="istruttoria", comune_code=BERGAMO, at=at(DAY - timedelta(days=1), 17))
    before = snapshot(expert_store)
    with pytest.raises(TimerOverrun) as exc:
        timers.stop(at=at(DAY, 8, 30))
    assert exc.value.state.crossed_midnight
    with pytest.raises(TimerOverrun):
        timers.stop(accept_all=True, at=at(DAY, 8, 30))  # a whole night is never "all"
    assert snapshot(expert_store) == before and timers.current() is not None
    stopped = timers.stop(end_time="19:30", at=at(DAY, 8, 30))
    assert stopped.log.work_date == DAY - timedelta(days=1)
    assert (stopped.log.start_time, stopped.log.end_time, stopped.log.minutes) == (
        "17:00",
        "19:30",
        150,
    )
    assert timers.current() is None


def test_timer_over_ten_hours_can_be_kept_whole_or_cut(expert_store: Store) -> None:
    timers = expert_store.timer
    timers.start(activity="riunione", comune_code=None, at=at(DAY, 7))
    with pytest.raises(TimerOverrun):
        timers.stop(at=at(DAY, 17, 30))
    stopped = timers.stop(minutes=8 * 60, at=at(DAY, 17, 30))
    assert (stopped.log.end_time, stopped.log.minutes) == ("15:00", 480)
    timers.start(activity="riunione", comune_code=None, at=at(DAY - timedelta(days=2), 7))
    with pytest.raises(ConfirmationNeeded):  # 12:30 in one day: confirm it
        timers.stop(accept_all=True, at=at(DAY - timedelta(days=2), 19, 30))
    stopped = timers.stop(accept_all=True, confirmed=True, at=at(DAY - timedelta(days=2), 19, 30))
    assert stopped.log.minutes == 12 * 60 + 30


def test_timer_stop_refused_by_an_overlap_keeps_the_timer(expert_store: Store) -> None:
    expert_store.timelogs.add(entry(expert_store, 60, start_time="10:00", end_time="11:00"))
    timers = expert_store.timer
    timers.start(activity="riunione", comune_code=BERGAMO, at=at(DAY, 9, 30))
    before = snapshot(expert_store)
    with pytest.raises(DomainError, match="si sovrappone"):
        timers.stop(at=at(DAY, 11, 30))
    assert snapshot(expert_store) == before and timers.current() is not None
    assert timers.stop(end_time="10:00", at=at(DAY, 11, 30)).log.minutes == 30


def test_timer_discard_and_validation_on_start(expert_store: Store) -> None:
    timers = expert_store.timer
    with pytest.raises(DomainError, match="Attività sconosciuta"):
        timers.start(activity="pesca", at=at(DAY, 9))
    assert timers.current() is None
    timers.start(activity="riunione", at=at(DAY, 9))
    before = snapshot(expert_store)
    assert timers.discard().activity == "riunione"
    assert timers.current() is None and snapshot(expert_store) == before

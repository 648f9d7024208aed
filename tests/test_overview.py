"""The figures of the Oggi and Comune screens (store/overview.py), checked against the
domain's own per-practice rules on the demo data, and the timer's start/stop."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from statistics import mean

import pytest

from taskforce_tui.domain import practice as workflow
from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import Semester
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.store.db import Store
from taskforce_tui.store.overview import (
    assigned_codes,
    comuni_overview,
    day_status,
    month_end,
    month_start,
    semester_figures,
)
from taskforce_tui.store.practices import PracticeFilter
from tests.conftest import TODAY


def _practices(store: Store, code: str) -> list:  # type: ignore[type-arg]
    rows = store.practices.page(PracticeFilter(comuni=[code]), on=TODAY, limit=100_000)
    return [store.practices.get(r.id) for r in rows]


def test_semester_previous_and_next() -> None:
    assert Semester(2026, 2).previous() == Semester(2026, 1)
    assert Semester(2026, 1).previous() == Semester(2025, 2)
    assert Semester(2026, 1).next() == Semester(2026, 2)
    assert Semester(2026, 2).next() == Semester(2027, 1)


def test_month_bounds() -> None:
    assert month_start(date(2026, 2, 17)) == date(2026, 2, 1)
    assert month_end(date(2026, 2, 17)) == date(2026, 2, 28)
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)


def test_overview_matches_the_domain_rules(demo_store: Store) -> None:
    store = demo_store
    codes = store.comuni.assigned_codes(store.expert_id)
    assert assigned_codes(store) == codes
    rows = comuni_overview(store, codes, store.expert_id, TODAY)
    assert [r.code for r in rows] == codes
    semester = Semester.of(TODAY)
    for row in rows[:3]:
        code = row.code
        practices = _practices(store, code)
        open_ones = [p for p in practices if p.status in vocab.OPEN_STATUSES]
        assert row.open_practices == len(open_ones)
        assert row.overdue_practices == sum(workflow.is_overdue(p, TODAY) for p in open_ones)
        concluded = [
            p for p in practices if p.status == vocab.CONCLUSA and p.concluded_on in semester
        ]
        assert row.concluded_semester == len(concluded)
        gross = [workflow.gross_duration(p) for p in concluded]
        assert row.avg_gross_days == pytest.approx(mean(gross) if gross else None)
        requests = store.requests.list(comuni=[code], statuses=list(vocab.REQUEST_OPEN_STATUSES))
        assert row.open_requests == len(requests)
        logs = store.timelogs.list(
            store.expert_id, month_start(TODAY), month_end(TODAY), comune_code=code
        )
        assert row.month_minutes == sum(r.log.minutes for r in logs)


def test_semester_figures_match_the_domain_rules(demo_store: Store) -> None:
    store = demo_store
    code = store.comuni.assigned_codes(store.expert_id)[0]
    practices = _practices(store, code)
    for semester in (Semester.of(TODAY), Semester.of(TODAY).previous()):
        f = semester_figures(store, code, semester, TODAY)
        concluded = [
            p for p in practices if p.status == vocab.CONCLUSA and p.concluded_on in semester
        ]
        assert f.concluded == len(concluded)
        assert f.started == sum(p.received_on in semester for p in practices)
        assert f.concluded_late == sum(workflow.is_overdue(p, TODAY) for p in concluded)
        assert f.tacit == sum(p.outcome == vocab.SILENZIO_ASSENSO for p in concluded)
        assert f.with_suspension == sum(bool(p.suspensions) for p in concluded)
        gross = [workflow.gross_duration(p) or 0 for p in concluded]
        net = [workflow.net_duration(p) or 0 for p in concluded]
        assert f.avg_gross_days == pytest.approx(mean(gross))
        assert f.avg_net_days == pytest.approx(mean(net))
    now = semester_figures(store, code, Semester.of(TODAY), TODAY)
    open_ones = [p for p in practices if p.status in vocab.OPEN_STATUSES]
    assert now.open_now == sum(p.status == vocab.APERTA for p in practices)
    assert now.suspended_now == sum(p.status == vocab.SOSPESA for p in practices)
    assert now.overdue_now == sum(workflow.is_overdue(p, TODAY) for p in open_ones)


def test_day_status_and_timer_round_trip(demo_store: Store) -> None:
    store = demo_store
    code = store.comuni.assigned_codes(store.expert_id)[0]
    status = day_status(store, TODAY)
    assert status.timer_started is None
    assert status.last_sync_at is None
    assert status.pending_ops == 0
    started = datetime.combine(TODAY, datetime.min.time()).astimezone() + timedelta(hours=9)
    store.timer.start(activity="istruttoria", comune_code=code, at=started)
    with pytest.raises(DomainError, match="già un timer"):
        store.timer.start(activity="istruttoria", at=started)
    status = day_status(store, TODAY)
    assert status.timer_started == started
    assert store.timer.current().comune_code == code  # type: ignore[union-attr]
    comune = store.comuni.get(code)
    assert comune is not None and comune.name in status.timer_label
    log = store.timer.stop(at=started + timedelta(minutes=95)).log
    assert log.minutes == 95
    assert (log.start_time, log.end_time) == ("09:00", "10:35")
    assert store.timer.current() is None
    after = day_status(store, TODAY)
    assert after.today_minutes == status.today_minutes + 95
    assert after.pending_ops > 0
    store.set_meta("last_sync_at", "2026-11-19T17:03:00Z")
    assert day_status(store, TODAY).last_sync_at == "2026-11-19T17:03:00Z"


def test_overview_spells_the_open_request_statuses_like_the_vocabulary() -> None:
    from taskforce_tui.store.overview import OPEN_REQUEST_STATUSES

    assert OPEN_REQUEST_STATUSES == vocab.REQUEST_OPEN_STATUSES


def test_the_due_date_read_from_the_index_is_the_generated_column(demo_store: Store) -> None:
    """Oggi computes the due date from practice_indicators' columns (PRACTICE_DUE_ON):
    it must be the generated column's value on every practice, suspended ones too."""
    from taskforce_tui.store.schema import PRACTICE_DUE_ON

    due = PRACTICE_DUE_ON.format(p="")
    with demo_store.read() as conn:
        total, same, suspended = conn.execute(
            f"SELECT count(*), sum(due_on = {due}), sum(suspended_days > 0) FROM practice"
        ).fetchone()
        plans = [
            r[3]
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM practice INDEXED BY "
                f"practice_indicators WHERE comune_code = '016024' AND {due} < '2026-01-01'"
            )
        ]
    assert total > 0 and same == total and suspended > 0
    assert any("COVERING INDEX practice_indicators" in step for step in plans), plans

"""Workflow and derived figures on hand-computed cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from taskforce_tui.domain import practice as wf
from taskforce_tui.domain import vocab
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import Practice, Suspension

TODAY = date(2026, 11, 20)


def make(received: date = date(2026, 1, 10), term: int = 30, **kw: object) -> Practice:
    return Practice(
        id="p1",
        comune_code="016024",
        ambito="edilizia_urbanistica",
        procedure_type="scia",
        protocol_no="1/2026",
        received_on=received,
        legal_term_days=term,
        status=kw.pop("status", vocab.APERTA),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


# --- durations and due dates ----------------------------------------------------------------
def test_due_date_without_suspensions() -> None:
    p = make(date(2026, 1, 10), 30)
    assert wf.due_date(p, TODAY) == date(2026, 2, 9)


def test_due_date_across_leap_day() -> None:
    # 2024 is a leap year: 2024-02-10 + 30 days = 2024-03-11 (Feb has 29 days).
    p = make(date(2024, 2, 10), 30)
    assert wf.due_date(p, TODAY) == date(2024, 3, 11)
    # and 2025 is not: 2025-02-10 + 30 = 2025-03-12
    assert wf.due_date(make(date(2025, 2, 10), 30), TODAY) == date(2025, 3, 12)


def test_closed_suspension_moves_due_date_and_net_duration() -> None:
    # Suspended 2026-01-20 -> resumed 2026-02-01: 12 days stopped.
    s = Suspension("s1", "p1", date(2026, 1, 20), date(2026, 2, 1), "integrazioni")
    p = make(date(2026, 1, 10), 30, suspensions=[s])
    assert wf.suspended_days(p, TODAY) == 12
    assert wf.due_date(p, TODAY) == date(2026, 2, 21)
    done = replace(
        p, status=vocab.CONCLUSA, concluded_on=date(2026, 2, 25), outcome=vocab.FAVOREVOLE
    )
    assert wf.gross_duration(done) == 46  # 2026-01-10 -> 2026-02-25
    assert wf.net_duration(done) == 34  # minus 12 suspended days
    assert wf.is_overdue(done, TODAY)  # concluded 4 days after 2026-02-21


def test_open_suspension_counts_up_to_today() -> None:
    s = Suspension("s1", "p1", date(2026, 11, 1), None, "parere")
    p = make(date(2026, 10, 20), 30, status=vocab.SOSPESA, suspensions=[s])
    assert wf.suspended_days(p, TODAY) == 19
    assert wf.due_date(p, TODAY) == date(2026, 12, 8)  # 10-20 + 30 + 19
    assert not wf.is_overdue(p, TODAY)
    assert wf.days_left(p, TODAY) == 18


def test_suspended_after_the_due_date_stays_overdue() -> None:
    s = Suspension("s1", "p1", date(2026, 3, 1), None, "parere")
    p = make(date(2026, 1, 10), 30, status=vocab.SOSPESA, suspensions=[s])
    assert wf.is_overdue(p, TODAY)


def test_conclusion_on_the_due_date_is_on_time() -> None:
    p = make(date(2026, 1, 10), 30)
    on_time = replace(
        p, status=vocab.CONCLUSA, concluded_on=date(2026, 2, 9), outcome=vocab.FAVOREVOLE
    )
    assert not wf.is_overdue(on_time, TODAY)
    late = replace(on_time, concluded_on=date(2026, 2, 10))
    assert wf.is_overdue(late, TODAY)


def test_open_practice_overdue_the_day_after_due() -> None:
    p = make(date(2026, 10, 21), 30)  # due 2026-11-20 = today
    assert wf.due_date(p, TODAY) == TODAY
    assert not wf.is_overdue(p, TODAY)
    assert wf.days_left(p, TODAY) == 0
    assert wf.is_overdue(p, date(2026, 11, 21))


def test_same_day_conclusion_is_zero_days() -> None:
    p = make(date(2026, 5, 5), 30)
    done = replace(
        p, status=vocab.CONCLUSA, concluded_on=date(2026, 5, 5), outcome=vocab.SILENZIO_ASSENSO
    )
    assert wf.gross_duration(done) == 0
    assert wf.net_duration(done) == 0


def test_archived_is_never_overdue() -> None:
    p = make(date(2025, 1, 10), 30)
    archived = replace(
        p,
        status=vocab.ARCHIVIATA,
        concluded_on=date(2026, 1, 1),
        outcome=vocab.OUTCOME_ARCHIVIATA,
    )
    assert not wf.is_overdue(archived, TODAY)
    assert wf.gross_duration(archived) == 356


# --- the workflow --------------------------------------------------------------------------------
def test_full_workflow() -> None:
    p = make(date(2026, 10, 1), 60)
    t = wf.suspend(p, date(2026, 10, 5), "integrazioni", "s1", TODAY)
    assert t.practice.status == vocab.SOSPESA
    assert t.new_suspension is not None and t.changed == {"status": vocab.SOSPESA}
    t = wf.resume(t.practice, date(2026, 10, 15), TODAY)
    assert t.practice.status == vocab.APERTA
    assert t.closed_suspension is not None and t.closed_suspension.end_on == date(2026, 10, 15)
    t = wf.conclude(t.practice, date(2026, 11, 2), vocab.FAVOREVOLE, TODAY)
    assert t.practice.status == vocab.CONCLUSA
    assert wf.net_duration(t.practice) == 22
    t = wf.reopen(t.practice, "ricorso al TAR", TODAY)
    assert t.practice.status == vocab.APERTA and t.practice.concluded_on is None
    assert t.practice.reopen_reason == "ricorso al TAR"
    t = wf.archive(t.practice, date(2026, 11, 10), TODAY)
    assert t.practice.outcome == vocab.OUTCOME_ARCHIVIATA


def test_archive_closes_an_open_suspension() -> None:
    p = make(date(2026, 10, 1), 60)
    t = wf.suspend(p, date(2026, 10, 5), "integrazioni", "s1", TODAY)
    t = wf.archive(t.practice, date(2026, 11, 5), TODAY)
    assert t.closed_suspension is not None
    assert t.closed_suspension.end_on == date(2026, 11, 5)
    assert t.practice.status == vocab.ARCHIVIATA


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (vocab.SOSPESA, "suspend"),
        (vocab.CONCLUSA, "suspend"),
        (vocab.ARCHIVIATA, "suspend"),
        (vocab.APERTA, "resume"),
        (vocab.CONCLUSA, "resume"),
        (vocab.ARCHIVIATA, "resume"),
        (vocab.SOSPESA, "conclude"),
        (vocab.CONCLUSA, "conclude"),
        (vocab.ARCHIVIATA, "conclude"),
        (vocab.CONCLUSA, "archive"),
        (vocab.ARCHIVIATA, "archive"),
        (vocab.APERTA, "reopen"),
        (vocab.SOSPESA, "reopen"),
    ],
)
def test_refused_transitions(status: str, action: str) -> None:
    p = make(date(2026, 10, 1), 60, status=status)
    if status == vocab.SOSPESA:
        p.suspensions = [Suspension("s0", "p1", date(2026, 10, 2), None, "x")]
    if status in (vocab.CONCLUSA, vocab.ARCHIVIATA):
        p.concluded_on = date(2026, 10, 20)
        p.outcome = vocab.FAVOREVOLE if status == vocab.CONCLUSA else vocab.OUTCOME_ARCHIVIATA
    steps = {
        "suspend": lambda: wf.suspend(p, date(2026, 11, 1), "motivo", "s1", TODAY),
        "resume": lambda: wf.resume(p, date(2026, 11, 1), TODAY),
        "conclude": lambda: wf.conclude(p, date(2026, 11, 1), vocab.FAVOREVOLE, TODAY),
        "archive": lambda: wf.archive(p, date(2026, 11, 1), TODAY),
        "reopen": lambda: wf.reopen(p, "motivo", TODAY),
    }
    with pytest.raises(DomainError) as err:
        steps[action]()
    assert err.value.field == "status"
    assert p.protocol_no in err.value.message or "sospesa" in err.value.message


def test_conclusion_before_receipt_is_refused() -> None:
    p = make(date(2026, 10, 10), 60)
    with pytest.raises(DomainError, match="precedente alla data di avvio"):
        wf.conclude(p, date(2026, 10, 9), vocab.FAVOREVOLE, TODAY)


def test_conclusion_in_the_future_is_refused() -> None:
    with pytest.raises(DomainError, match="nel futuro"):
        wf.conclude(make(), date(2026, 11, 21), vocab.FAVOREVOLE, TODAY)


def test_conclusion_needs_a_conclusion_outcome() -> None:
    with pytest.raises(DomainError) as err:
        wf.conclude(make(), date(2026, 2, 1), vocab.OUTCOME_ARCHIVIATA, TODAY)
    assert err.value.field == "outcome"


def test_overlapping_suspension_is_refused() -> None:
    p = make(date(2026, 9, 1), 60)
    t = wf.suspend(p, date(2026, 9, 10), "a", "s1", TODAY)
    t = wf.resume(t.practice, date(2026, 9, 20), TODAY)
    with pytest.raises(DomainError, match="si sovrappongono"):
        wf.suspend(t.practice, date(2026, 9, 15), "b", "s2", TODAY)


def test_resume_before_suspension_start_is_refused() -> None:
    t = wf.suspend(make(date(2026, 9, 1), 60), date(2026, 9, 10), "a", "s1", TODAY)
    with pytest.raises(DomainError, match="precedente all'inizio"):
        wf.resume(t.practice, date(2026, 9, 9), TODAY)


def test_suspension_before_receipt_is_refused() -> None:
    with pytest.raises(DomainError, match="prima dell'avvio"):
        wf.suspend(make(date(2026, 9, 1), 60), date(2026, 8, 31), "a", "s1", TODAY)


def test_suspension_needs_a_reason_and_reopen_too() -> None:
    with pytest.raises(DomainError, match="motivo"):
        wf.suspend(make(), date(2026, 2, 1), "  ", "s1", TODAY)
    done = wf.conclude(make(), date(2026, 2, 1), vocab.FAVOREVOLE, TODAY).practice
    with pytest.raises(DomainError, match="motivo"):
        wf.reopen(done, "", TODAY)


def test_edit_cannot_move_receipt_after_a_suspension() -> None:
    t = wf.suspend(make(date(2026, 9, 1), 60), date(2026, 9, 10), "a", "s1", TODAY)
    with pytest.raises(DomainError, match="prima dell'avvio"):
        wf.edit(t.practice, TODAY, received_on=date(2026, 9, 15))


def test_edit_refuses_status_and_future_dates() -> None:
    with pytest.raises(DomainError, match="non modificabili"):
        wf.edit(make(), TODAY, status=vocab.CONCLUSA)
    with pytest.raises(DomainError, match="nel futuro"):
        wf.edit(make(), TODAY, received_on=date(2027, 1, 1))
    with pytest.raises(DomainError, match="termine"):
        wf.edit(make(), TODAY, legal_term_days=0)

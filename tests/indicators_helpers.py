"""Shared fixtures for the indicator tests: a store with hand-computed cases.

Every case of docs/indicators.md is one practice, written through the ordinary
workflow (create, suspend, resume, conclude, archive, reopen, delete) so triggers and
derived columns are exercised as in real use. Today is pinned to 2026-11-20.
"""

from __future__ import annotations

from datetime import date

from taskforce_tui.domain import vocab
from taskforce_tui.domain.indicators import Figures
from taskforce_tui.store.db import Store

BERGAMO = "016024"
TREVIGLIO = "016219"
SERIATE = "016198"


def build_cases(store: Store) -> dict[str, str]:
    """Create the hand-computed practices; returns case letter -> practice id."""
    repo = store.practices
    ids: dict[str, str] = {}

    def new(letter: str, received: date, ptype: str = "scia", comune: str = BERGAMO) -> str:
        practice = repo.create(
            comune_code=comune,
            procedure_type=ptype,
            protocol_no=f"{letter}/2026",
            received_on=received,
            subject=f"caso {letter}",
        )
        ids[letter] = practice.id
        return practice.id

    # A: received and concluded the same day, silenzio-assenso
    repo.conclude(new("A", date(2026, 2, 10)), date(2026, 2, 10), vocab.SILENZIO_ASSENSO)
    # B: concluded exactly on its due date (2026-03-01 + 30 = 2026-03-31)
    repo.conclude(new("B", date(2026, 3, 1)), date(2026, 3, 31), vocab.FAVOREVOLE)
    # C: concluded one day late, with a conferenza di servizi
    c = new("C", date(2026, 3, 1))
    repo.edit(c, service_conference=True)
    repo.conclude(c, date(2026, 4, 1), vocab.SFAVOREVOLE)
    # D: received in 2025-H2, concluded in 2026-H1 after its due date (2025-12-31)
    repo.conclude(new("D", date(2025, 12, 1)), date(2026, 1, 20), vocab.FAVOREVOLE)
    # E: archived within the semester it was received in
    repo.archive(new("E", date(2026, 4, 10)), date(2026, 5, 10))
    # F: pending past its term at the end of H1, archived in H2
    repo.archive(new("F", date(2026, 1, 5)), date(2026, 8, 1))
    # G: concluded in H1, then reopened: pending since its receipt
    g = new("G", date(2026, 1, 15))
    repo.conclude(g, date(2026, 2, 1), vocab.FAVOREVOLE)
    repo.reopen(g, "annullamento in autotutela")
    # H: suspension spanning two semesters (20/05 - 10/08), concluded 15/09
    h = new("H", date(2026, 5, 1))
    repo.suspend(h, date(2026, 5, 20), "richiesta integrazioni")
    repo.resume(h, date(2026, 8, 10))
    repo.conclude(h, date(2026, 9, 15), vocab.FAVOREVOLE)
    # I: pending, due exactly at the end of H1 (2026-05-31 + 30 = 2026-06-30)
    new("I", date(2026, 5, 31))
    # J: pending, due the day before the end of H1
    new("J", date(2026, 5, 30))
    # K: a suspension resumed the same day (0 days), concluded in time
    k = new("K", date(2026, 2, 1))
    repo.suspend(k, date(2026, 2, 5), "chiarimenti")
    repo.resume(k, date(2026, 2, 5))
    repo.conclude(k, date(2026, 2, 20), vocab.FAVOREVOLE)
    # L: received in H2 and still suspended today (clock stopped since 20/10)
    repo.suspend(new("L", date(2026, 10, 1)), date(2026, 10, 20), "attesa parere")
    # M: deleted: counts nowhere
    repo.delete(new("M", date(2026, 2, 1)))
    # N: another Comune and type (permesso di costruire, term 90)
    repo.conclude(
        new("N", date(2026, 1, 10), "permesso_costruire", TREVIGLIO),
        date(2026, 3, 1),
        vocab.FAVOREVOLE,
    )
    return ids


#: The figures worked out by hand in tests/test_indicators.py's comments.
EXPECTED: dict[str, dict[tuple[str, str], Figures]] = {
    "2026-H1": {
        (BERGAMO, "scia"): Figures(
            started=10,
            concluded_tacit=1,
            concluded_express=4,
            express_with_conference=1,
            express_with_suspension=0,
            archived=1,
            concluded_late=2,
            pending=5,
            backlog=3,
            duration_days_total=130,
            net_duration_days_total=130,
        ),
        (TREVIGLIO, "permesso_costruire"): Figures(
            started=1,
            concluded_express=1,
            duration_days_total=50,
            net_duration_days_total=50,
        ),
    },
    "2026-H2": {
        (BERGAMO, "scia"): Figures(
            started=1,
            concluded_express=1,
            express_with_suspension=1,
            archived=1,
            concluded_late=1,
            pending=4,
            backlog=3,
            duration_days_total=137,
            net_duration_days_total=55,
        ),
    },
    "2025-H2": {
        (BERGAMO, "scia"): Figures(started=1, pending=1, backlog=0),
    },
}

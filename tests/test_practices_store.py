"""Practice lists in SQL: filters, text search, sorting, and agreement with the domain."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforce_tui.domain import practice as wf
from taskforce_tui.domain import vocab
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.store.db import Store
from taskforce_tui.store.practices import PracticeFilter

TODAY = date(2026, 11, 20)


def test_text_filter_matches_protocol_subject_comune_and_type(expert_store: Store) -> None:
    make = expert_store.practices.create
    a = make(
        comune_code="016024",
        procedure_type="pas",
        protocol_no="PG-4411/2026",
        received_on=date(2026, 10, 1),
        subject="Impianto fotovoltaico su capannone",
    )
    b = make(
        comune_code="016219",
        procedure_type="scia",
        protocol_no="77/2026",
        received_on=date(2026, 10, 2),
        subject="Frazionamento",
    )

    def found(text: str) -> set[str]:
        return {r.id for r in expert_store.practices.page(PracticeFilter(text=text), on=TODAY)}

    assert found("fotovolt") == {a.id}
    assert found("FOTOVOLTAICO") == {a.id}  # case-insensitive
    assert found("4411") == {a.id}
    assert found("77") == {b.id}  # short text falls back to LIKE
    assert found("Trevig") == {b.id}  # by Comune name
    assert found("Segnalazione certificata") == {b.id}  # by type name
    assert found("nessuna corrispondenza") == set()
    expert_store.practices.edit(a.id, protocol_no="PG-9999/2026", subject="Tettoia")
    assert found("4411") == set()
    assert found("9999") == {a.id}
    assert found("fotovolt") == set()
    expert_store.practices.delete(b.id)
    assert found("Frazionamento") == set()


def test_facets_sort_count_and_paging(demo_store: Store) -> None:
    repo = demo_store.practices
    mine = demo_store.comuni.assigned_codes(demo_store.expert_id)
    everything = PracticeFilter(comuni=mine)
    assert repo.count(everything, on=TODAY) == 1500
    page1 = repo.page(everything, on=TODAY, sort="avvio", descending=True, limit=50)
    page2 = repo.page(everything, on=TODAY, sort="avvio", descending=True, limit=50, offset=50)
    assert len(page1) == 50 and not {r.id for r in page1} & {r.id for r in page2}
    dates = [r.received_on for r in page1 + page2]
    assert dates == sorted(dates, reverse=True)
    open_late = PracticeFilter(comuni=mine, overdue_only=True)
    rows = repo.page(open_late, on=TODAY, limit=10_000)
    assert rows and all(r.overdue and r.status in vocab.OPEN_STATUSES for r in rows)
    assert repo.count(open_late, on=TODAY) == len(rows)
    summaries = demo_store.comuni.summaries(mine, TODAY)
    assert sum(s.overdue_practices for s in summaries) == len(rows)
    scia = repo.page(
        PracticeFilter(comuni=mine, procedure_type="scia", statuses=["conclusa"]),
        on=TODAY,
        sort="scadenza",
        descending=False,
        limit=10_000,
    )
    assert scia and all(r.procedure_type == "scia" and r.status == "conclusa" for r in scia)
    by_comune = repo.page(PracticeFilter(comuni=["016024"]), on=TODAY, sort="comune", limit=5)
    assert all(r.comune_code == "016024" for r in by_comune)


def test_sql_derived_figures_agree_with_the_domain(demo_store: Store) -> None:
    rows = demo_store.practices.page(PracticeFilter(), on=TODAY, limit=10_000)
    assert len(rows) == 1500
    for row in rows:
        practice = demo_store.practices.get(row.id)
        wf.check_consistency(practice, TODAY)
        derived = wf.derive(practice, TODAY)
        assert row.due_on == derived.due_on, practice
        assert row.overdue == derived.overdue, practice
        assert row.days_left == derived.days_left, practice


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    received=st.dates(date(2023, 1, 1), date(2026, 11, 1)),
    term=st.integers(1, 400),
    steps=st.lists(
        st.tuples(st.sampled_from(["s", "r", "c", "a", "o"]), st.integers(0, 120)), max_size=8
    ),
)
def test_sql_and_domain_agree_on_any_history(
    expert_store: Store, received: date, term: int, steps: list[tuple[str, int]]
) -> None:
    repo = expert_store.practices
    practice = repo.create(
        comune_code="016024",
        procedure_type="scia",
        protocol_no=f"h-{received}-{term}-{len(steps)}-{id(steps)}",
        received_on=received,
        legal_term_days=term,
    )
    day = received
    for action, gap in steps:
        day = min(day + timedelta(days=gap), TODAY)
        try:
            if action == "s":
                repo.suspend(practice.id, day, "motivo")
            elif action == "r":
                repo.resume(practice.id, day)
            elif action == "c":
                repo.conclude(practice.id, day, vocab.FAVOREVOLE)
            elif action == "a":
                repo.archive(practice.id, day)
            else:
                repo.reopen(practice.id, "motivo")
        except DomainError:
            pass
    current = repo.get(practice.id)
    derived = wf.derive(current, TODAY)
    [row] = [
        r
        for r in repo.page(PracticeFilter(text=current.protocol_no), on=TODAY)
        if r.id == practice.id
    ]
    assert (row.due_on, row.overdue, row.days_left, row.suspended_days) == (
        derived.due_on,
        derived.overdue,
        derived.days_left,
        sum((s.end_on - s.start_on).days for s in current.suspensions if s.end_on),
    )
    repo.delete(practice.id)

"""Semester figures: hand-computed cases (docs/indicators.md), SQL = domain, progress.

Hand computation for Bergamo / SCIA (term 30 days) in 2026-H1, measured at 30/06:
  avviati: A B C E F G H I J K (D was received in 2025, L in H2, M deleted) = 10
  silenzio-assenso: A = 1; espresso: B C D K = 4 (H concludes in H2), CdS: C = 1,
  con sospensione: none (K's suspension lasted 0 days)
  durations: A 0 + B 30 + C 31 + D 50 + K 19 = 130 over 5 -> 26.0 (net the same)
  late: C (31 > 30) and D (due 31/12/2025) = 2; B on its due date is on time
  archived in H1: E = 1
  pending at 30/06: F (archived 01/08), G (reopened), H (concluded 15/09), I, J = 5
  arretrato: F (due 04/02), G (due 14/02), J (due 29/06) = 3; H's due date as of 30/06
  is 11/07 (41 days suspended so far) and I's is 30/06 itself: both within the term.
In 2026-H2, at 20/11: avviati L; H concluded (137 days gross, 55 net, with suspension,
late: final due date 21/08); F archived; pending G I J L, arretrato G I J (L is
suspended: due 01/12).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import Semester
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.indicators import (
    Baseline,
    Figures,
    as_of,
    check_baseline,
    compute,
    fmt_dec,
    fmt_int,
    fmt_pct,
    parse_decimal,
    pick_baseline,
    progress,
)
from taskforce_tui.domain.practice import check_consistency
from taskforce_tui.domain.records import Practice, Suspension
from taskforce_tui.store.baselines import BaselineRepo
from taskforce_tui.store.db import Store
from taskforce_tui.store.indicators import IndicatorRepo, recent_semesters
from tests.indicators_helpers import BERGAMO, EXPECTED, TREVIGLIO, build_cases

TODAY = date(2026, 11, 20)


@pytest.fixture
def case_store(expert_store: Store) -> Store:
    build_cases(expert_store)
    return expert_store


def all_practices(store: Store) -> list[Practice]:
    with store.read() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM practice WHERE deleted = 0")]
    return [store.practices.get(i) for i in ids]


# --- semesters -----------------------------------------------------------------------------------
def test_semester_previous_and_next() -> None:
    assert Semester(2026, 1).previous() == Semester(2025, 2)
    assert Semester(2026, 2).previous() == Semester(2026, 1)
    assert Semester(2026, 1).next() == Semester(2026, 2)
    assert Semester(2026, 2).next() == Semester(2027, 1)
    assert [str(s) for s in recent_semesters(Semester(2026, 2), 4)] == [
        "2025-H1",
        "2025-H2",
        "2026-H1",
        "2026-H2",
    ]


def test_as_of_is_the_last_day_or_today() -> None:
    assert as_of(Semester(2026, 1), TODAY) == date(2026, 6, 30)
    assert as_of(Semester(2026, 2), TODAY) == TODAY
    with pytest.raises(DomainError, match="non è ancora iniziato") as err:
        as_of(Semester(2027, 1), TODAY)
    assert err.value.field == "semester"


# --- hand-computed cases -------------------------------------------------------------------------
@pytest.mark.parametrize("semester", sorted(EXPECTED))
def test_sql_figures_match_the_hand_computed_ones(case_store: Store, semester: str) -> None:
    got = IndicatorRepo(case_store).by_type(Semester.parse(semester), today=TODAY)
    assert got == EXPECTED[semester]


@pytest.mark.parametrize("semester", sorted(EXPECTED))
def test_domain_figures_match_the_hand_computed_ones(case_store: Store, semester: str) -> None:
    got = compute(all_practices(case_store), Semester.parse(semester), TODAY)
    assert got == EXPECTED[semester]


def test_means_and_per_comune_sums(case_store: Store) -> None:
    repo = IndicatorRepo(case_store)
    h1 = repo.by_type(Semester(2026, 1), today=TODAY)[(BERGAMO, "scia")]
    assert h1.concluded == 5
    assert h1.avg_duration == 26.0
    h2 = repo.by_type(Semester(2026, 2), today=TODAY)[(BERGAMO, "scia")]
    assert (h2.avg_duration, h2.avg_net_duration) == (137.0, 55.0)
    per_comune = repo.by_comune(Semester(2026, 1), today=TODAY)
    assert per_comune[BERGAMO] == EXPECTED["2026-H1"][(BERGAMO, "scia")]
    assert set(per_comune) == {BERGAMO, TREVIGLIO}
    only = repo.by_comune(Semester(2026, 1), [TREVIGLIO], today=TODAY)
    assert set(only) == {TREVIGLIO}
    assert repo.by_type(Semester(2026, 1), [], today=TODAY) == {}


def test_semester_without_activity_is_empty(case_store: Store) -> None:
    assert IndicatorRepo(case_store).by_type(Semester(2024, 1), today=TODAY) == {}


def test_the_query_reads_the_covering_index(case_store: Store) -> None:
    from taskforce_tui.store import indicators

    sql = indicators._SQL.format(keys="p.comune_code, p.procedure_type", where="")
    with case_store.read() as conn:
        plan = " ".join(
            str(r[3])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN " + sql,
                {"start": "2026-01-01", "asof": "2026-06-30", "asof_jd": 0, "current": 0},
            )
        )
    assert "COVERING INDEX practice_indicators" in plan
    assert "TEMP B-TREE" not in plan


# --- progress ------------------------------------------------------------------------------------
def _baseline(comune: str, ptype: str, avg: float | None, backlog: int | None) -> Baseline:
    return Baseline(f"{comune}-{ptype}", comune, ptype, "2022-H1", avg, backlog, "test")


def test_progress_of_one_row_and_of_a_sum() -> None:
    scia = EXPECTED["2026-H1"][(BERGAMO, "scia")]
    pdc = EXPECTED["2026-H1"][(TREVIGLIO, "permesso_costruire")]
    b_scia = _baseline(BERGAMO, "scia", 40.0, 6)
    b_pdc = _baseline(TREVIGLIO, "permesso_costruire", 100.0, None)
    one = progress([(scia, b_scia)])
    assert one.avg_duration_change_pct == pytest.approx(-35.0)  # 26 / 40 - 1
    assert one.backlog_cleared_pct == pytest.approx(50.0)  # (6 - 3) / 6
    assert progress([(pdc, b_pdc)]).backlog_cleared_pct is None
    both = progress([(scia, b_scia), (pdc, b_pdc)])
    # today's days 130 + 50 against 5 x 40 + 1 x 100 at baseline speed
    assert both.avg_duration_change_pct == pytest.approx(-40.0)
    assert both.baseline_avg_duration_days == pytest.approx(50.0)
    assert both.baseline_backlog == 6
    assert both.backlog_cleared_pct == pytest.approx(50.0)


def test_progress_edge_cases() -> None:
    nothing_concluded = Figures(pending=4, backlog=4)
    grown = progress([(nothing_concluded, _baseline(BERGAMO, "scia", 30.0, 2))])
    assert grown.avg_duration_change_pct is None  # no conclusion to compare
    assert grown.baseline_avg_duration_days == 30.0  # plain mean when nothing weighs
    assert grown.backlog_cleared_pct == pytest.approx(-100.0)  # doubled
    zero = progress([(nothing_concluded, _baseline(BERGAMO, "scia", 0.0, 0))])
    assert zero.avg_duration_change_pct is None and zero.backlog_cleared_pct is None
    assert not progress([(nothing_concluded, None)]).has_baseline


def test_report_rows_totals_and_progress(case_store: Store) -> None:
    baselines = BaselineRepo(case_store)
    baselines.save(BERGAMO, "scia", "2022-H1", "40", "6")
    baselines.save(TREVIGLIO, "permesso_costruire", "2022-H1", "100", None)
    baselines.save(TREVIGLIO, "aua", "2022-H1", "80,5", "2")  # baseline, no activity
    report = IndicatorRepo(case_store).report(Semester(2026, 1), today=TODAY, scope="test")
    assert report.complete and report.as_of == date(2026, 6, 30)
    keys = [(r.comune_name, r.procedure_type) for r in report.rows]
    assert keys == [("Bergamo", "scia"), ("Treviglio", "aua"), ("Treviglio", "permesso_costruire")]
    aua = report.rows[1]
    assert aua.figures == Figures() and aua.progress.backlog_cleared_pct == 100.0
    assert aua.legal_term_days == 90
    assert report.total.started == 11 and report.total.backlog == 3
    assert report.total.avg_duration == pytest.approx(30.0)
    # weighted change: (130 + 50) / (5 x 40 + 1 x 100) - 1; backlog (6 + 2 - 3) / 8
    assert report.total_progress.avg_duration_change_pct == pytest.approx(-40.0)
    assert report.total_progress.backlog_cleared_pct == pytest.approx(62.5)
    treviglio = next(c for c in report.comuni if c.comune_code == TREVIGLIO)
    assert treviglio.figures.concluded == 1
    assert treviglio.progress.avg_duration_change_pct == pytest.approx(-50.0)
    current = IndicatorRepo(case_store).report(Semester(2026, 2), today=TODAY)
    assert not current.complete and "in corso" in current.as_of_label


# --- SQL and domain agree on random practices ----------------------------------------------------
@st.composite
def practices(draw: st.DrawFn) -> Practice:
    term = draw(st.sampled_from([1, 10, 30, 60, 90]))
    if draw(st.booleans()):
        received = date(2025, 3, 1) + timedelta(days=draw(st.integers(0, 620)))
    else:  # due around a semester's last day: the boundary cases
        end = draw(st.sampled_from([date(2025, 6, 30), date(2025, 12, 31), date(2026, 6, 30)]))
        received = end - timedelta(days=term + draw(st.integers(-2, 2)))
    status = draw(st.sampled_from(vocab.PRACTICE_STATUSES))
    cursor = received
    suspensions: list[Suspension] = []
    for n in range(draw(st.integers(0, 3))):
        start = cursor + timedelta(days=draw(st.integers(0, 60)))
        end = start + timedelta(days=draw(st.integers(0, 90)))
        if start > TODAY:
            break
        suspensions.append(Suspension(f"s{n}", "p", start, min(end, TODAY), "x"))
        cursor = min(end, TODAY)
    practice = Practice(
        id="p",
        comune_code=draw(st.sampled_from([BERGAMO, TREVIGLIO])),
        ambito="edilizia_urbanistica",
        procedure_type=draw(st.sampled_from(["scia", "pas"])),
        protocol_no="1",
        received_on=received,
        legal_term_days=term,
        status=status,
        service_conference=draw(st.booleans()),
        suspensions=suspensions,
    )
    if status == vocab.SOSPESA and suspensions:
        last = suspensions[-1]
        suspensions[-1] = Suspension(last.id, "p", last.start_on, None, "x")
    if status in (vocab.CONCLUSA, vocab.ARCHIVIATA):
        practice.concluded_on = cursor + timedelta(days=draw(st.integers(0, 200)))
        practice.outcome = (
            draw(st.sampled_from(vocab.CONCLUSION_OUTCOMES))
            if status == vocab.CONCLUSA
            else vocab.OUTCOME_ARCHIVIATA
        )
    return practice


def _valid(p: Practice) -> bool:
    try:
        check_consistency(p, TODAY)
    except DomainError:
        return False
    return True


def _insert(store: Store, items: list[Practice]) -> None:
    with store.bulk() as conn:
        conn.execute("DELETE FROM suspension")
        conn.execute("DELETE FROM practice")
        for i, p in enumerate(items):
            pid = f"p{i}"
            conn.execute(
                "INSERT INTO practice(id, comune_code, ambito, procedure_type, protocol_no, "
                "received_on, legal_term_days, status, service_conference, concluded_on, "
                "outcome, created_at, updated_at, deleted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?)",
                (
                    pid,
                    p.comune_code,
                    p.ambito,
                    p.procedure_type,
                    str(i),
                    p.received_on.isoformat(),
                    p.legal_term_days,
                    p.status,
                    int(p.service_conference),
                    p.concluded_on.isoformat() if p.concluded_on else None,
                    p.outcome,
                    int(i % 11 == 10),  # every eleventh is a tombstone
                ),
            )
            for j, s in enumerate(p.suspensions):
                conn.execute(
                    "INSERT INTO suspension(id, practice_id, start_on, end_on, reason, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, 'x', '', '')",
                    (
                        f"{pid}-{j}",
                        pid,
                        s.start_on.isoformat(),
                        s.end_on.isoformat() if s.end_on else None,
                    ),
                )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(items=st.lists(practices().filter(_valid), min_size=1, max_size=25))
def test_sql_and_domain_agree_on_random_practices(store: Store, items: list[Practice]) -> None:
    _insert(store, items)
    live = [p for i, p in enumerate(items) if i % 11 != 10]
    repo = IndicatorRepo(store)
    for semester in recent_semesters(Semester(2026, 2), 4):
        assert repo.by_type(semester, today=TODAY) == compute(live, semester, TODAY), semester


# --- baselines -----------------------------------------------------------------------------------
def test_baseline_input_is_validated() -> None:
    assert check_baseline(" 2022 h1 ", "87,5", "12") == check_baseline("2022-H1", 87.5, 12)
    assert check_baseline("2023-H2", "1.234,5", None).avg_duration_days == 1234.5
    assert check_baseline("2023-H2", None, "0").backlog == 0
    cases = [
        (("", "10", "1"), "period"),
        (("2022-X1", "10", "1"), "period"),
        (("1999-H1", "10", "1"), "period"),
        (("2022-H1", "dieci", "1"), "avg_duration_days"),
        (("2022-H1", "-3", "1"), "avg_duration_days"),
        (("2022-H1", "99999", "1"), "avg_duration_days"),
        (("2022-H1", "10", "1,5"), "backlog"),
        (("2022-H1", "10", "-1"), "backlog"),
        (("2022-H1", "", ""), "avg_duration_days"),
    ]
    for args, field in cases:
        with pytest.raises(DomainError) as err:
            check_baseline(*args)
        assert err.value.field == field, args


def test_decimal_parsing_and_italian_formatting() -> None:
    assert parse_decimal("12,5", "f", "x") == 12.5
    assert parse_decimal("12.5", "f", "x") == 12.5
    assert parse_decimal("1.234", "f", "x") == 1234.0  # Italian thousands
    assert parse_decimal("87.25", "f", "x") == 87.25
    assert parse_decimal("1.234,0", "f", "x") == 1234.0
    assert parse_decimal("  ", "f", "x") is None
    assert (fmt_int(1234567), fmt_dec(1234.56), fmt_pct(-16.06), fmt_pct(5)) == (
        "1.234.567",
        "1.234,6",
        "-16,1%",
        "+5,0%",
    )
    assert fmt_dec(None) == "-"


def test_baseline_save_update_delete_are_op_logged(expert_store: Store) -> None:
    repo = BaselineRepo(expert_store)
    before = expert_store.pending_ops()
    saved = repo.save(BERGAMO, "scia", "2022-H1", "40,5", "6")
    assert (saved.avg_duration_days, saved.backlog, saved.source) == (40.5, 6, "esperto")
    assert expert_store.pending_ops() > before
    with expert_store.read() as conn:
        fields = {
            r[0]
            for r in conn.execute(
                "SELECT field FROM oplog WHERE tbl = 'baseline' AND pk = ?", (saved.id,)
            )
        }
    assert {"comune_code", "procedure_type", "period", "avg_duration_days", "backlog"} <= fields
    again = expert_store.pending_ops()
    repo.save(BERGAMO, "scia", "2022-H1", "40.5", "6")  # the same values: no change
    assert expert_store.pending_ops() == again
    updated = repo.save(BERGAMO, "scia", "2022-H1", "38", "")
    assert updated.id == saved.id and (updated.avg_duration_days, updated.backlog) == (38.0, None)
    assert repo.delete(BERGAMO, "scia")
    assert repo.get(BERGAMO, "scia") is None
    assert not repo.delete(BERGAMO, "scia")


def test_baseline_refused_outside_the_experts_comuni(expert_store: Store) -> None:
    before = expert_store.pending_ops()
    with pytest.raises(DomainError, match="non è tra i tuoi Comuni") as err:
        BaselineRepo(expert_store).save("015146", "scia", "2022-H1", "30", "1")  # Milano
    assert err.value.field == "comune"
    with pytest.raises(DomainError) as err:
        BaselineRepo(expert_store).save(BERGAMO, "nessuno", "2022-H1", "30", "1")
    assert err.value.field == "procedure_type"
    assert expert_store.pending_ops() == before
    with expert_store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM baseline").fetchone()[0] == 0


def test_duplicate_baselines_from_sync_the_latest_wins(expert_store: Store) -> None:
    rows = [
        ("b1", "2022-H1", 50.0, 9, "centro", "2026-01-01T00:00:00Z"),
        ("b2", "2022-H2", 45.0, 7, "esperto", "2026-03-01T00:00:00Z"),
        ("b3", "2021-H2", 60.0, 1, "centro", "2026-05-01T00:00:00Z"),
    ]
    with expert_store.bulk() as conn:
        for pk, period, avg, backlog, source, stamp in rows:
            conn.execute(
                "INSERT INTO baseline(id, comune_code, procedure_type, period, "
                "avg_duration_days, backlog, source, created_at, updated_at, deleted) "
                "VALUES (?, ?, 'scia', ?, ?, ?, ?, ?, ?, ?)",
                (pk, BERGAMO, period, avg, backlog, source, stamp, stamp, int(pk == "b3")),
            )
    assert BaselineRepo(expert_store).get(BERGAMO, "scia") == Baseline(
        "b2", BERGAMO, "scia", "2022-H2", 45.0, 7, "esperto"
    )
    b = _baseline(BERGAMO, "scia", 1.0, 1)
    assert pick_baseline([("2026", "a", b), ("2026", "b", b)]) is b
    assert pick_baseline([]) is None


def test_a_change_that_rounds_to_zero_has_no_sign_and_is_unchanged() -> None:
    """Seen in tmux on Indicatori (120x40): Romano di Lombardia «Var. durata -0,0%»,
    and the panel would call it «più rapida»."""
    from taskforce_tui.widgets.indicators import duration_change_text

    assert (fmt_pct(-0.02), fmt_pct(0.04), fmt_dec(-0.04)) == ("0,0%", "0,0%", "0,0")
    assert fmt_pct(-0.06) == "-0,1%"
    assert duration_change_text(-0.02) == "0,0% (invariata)"
    assert duration_change_text(-0.06) == "-0,1% (più rapida)"

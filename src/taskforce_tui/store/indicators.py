"""Semester figures in SQL: one grouped pass over the `practice_indicators` index.

The definitions are in docs/indicators.md and their reference implementation in
domain/indicators.py; tests check that this SQL gives the same numbers. Every figure is
a conditional SUM over the practices that can matter for the semester (received by the
as-of day, and not closed before the semester started), grouped by Comune (and type) in
index order. Only the arretrato of a pending practice that has suspensions needs the
suspension rows (the days suspended up to the as-of day), through a correlated lookup
on `suspension_practice`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.dates import Semester
from taskforce_tui.domain.dates import today as real_today
from taskforce_tui.domain.indicators import (
    Figures,
    SemesterReport,
    as_of,
    build_report,
)

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

# Predicates on one practice row `p`, for semester [:start, :asof].
_IN_S = "p.concluded_on >= :start AND p.concluded_on <= :asof"
_TACIT = f"(p.status = 'conclusa' AND p.outcome = 'silenzio_assenso' AND {_IN_S})"
_EXPRESS = f"(p.status = 'conclusa' AND p.outcome IN ('favorevole', 'sfavorevole') AND {_IN_S})"
_CONCLUDED = (
    "(p.status = 'conclusa' AND p.outcome IN ('silenzio_assenso', 'favorevole', "
    f"'sfavorevole') AND {_IN_S})"
)
_PENDING = (
    "NOT (p.status IN ('conclusa', 'archiviata') AND p.concluded_on IS NOT NULL "
    "AND p.concluded_on <= :asof)"
)
# Days past the legal term at :asof if the clock had never stopped.
_SLACK = "(:asof_jd - julianday(p.received_on) - p.legal_term_days)"
# At least the days suspended up to :asof: every closed suspension whole, plus the
# open one up to :asof (exact when :asof is today, as no suspension ends after today).
_UPPER = (
    "(p.suspended_days + CASE WHEN p.suspended_since < :asof "
    "THEN :asof_jd - julianday(p.suspended_since) ELSE 0 END)"
)
# Exactly the days suspended up to :asof (each suspension cut at :asof).
_EXACT = (
    "(SELECT TOTAL(MAX(0, julianday(MIN(COALESCE(s.end_on, :asof), :asof)) "
    "- julianday(s.start_on))) FROM suspension s WHERE s.practice_id = p.id AND s.deleted = 0)"
)
# Past the term at :asof; the suspension rows are read only when the bounds cannot tell.
_PAST_TERM = f"""CASE
        WHEN {_SLACK} <= 0 THEN 0
        WHEN {_SLACK} - {_UPPER} > 0 THEN 1
        WHEN :current THEN 0
        ELSE {_SLACK} - {_EXACT} > 0 END"""

_SQL = f"""
SELECT {{keys}},
    SUM(p.received_on >= :start),
    TOTAL({_TACIT}),
    TOTAL({_EXPRESS}),
    TOTAL({_EXPRESS} AND p.service_conference),
    TOTAL({_EXPRESS} AND p.suspended_days > 0),
    TOTAL(p.status = 'archiviata' AND {_IN_S}),
    TOTAL(CASE WHEN {_CONCLUDED} THEN julianday(p.concluded_on) - julianday(p.received_on)
          - p.legal_term_days - p.suspended_days > 0 END),
    TOTAL({_PENDING}),
    TOTAL(CASE WHEN {_PENDING} THEN {_PAST_TERM} END),
    TOTAL(CASE WHEN {_CONCLUDED} THEN julianday(p.concluded_on) - julianday(p.received_on) END),
    TOTAL(CASE WHEN {_CONCLUDED} THEN p.suspended_days END)
FROM practice p
WHERE p.deleted = 0 AND p.received_on <= :asof
    AND (p.concluded_on IS NULL OR p.concluded_on >= :start
         OR p.status NOT IN ('conclusa', 'archiviata'))
    {{where}}
GROUP BY {{keys}}
"""

#: Julian day number of 0001-01-01 minus one (date.toordinal() -> SQLite julianday()).
_JULIAN_OFFSET = 1721424.5


def _figures(row: Sequence[Any]) -> Figures:
    n = [int(v or 0) for v in row[:9]]
    gross = int(row[9] or 0)
    stopped = int(row[10] or 0)
    return Figures(
        started=n[0],
        concluded_tacit=n[1],
        concluded_express=n[2],
        express_with_conference=n[3],
        express_with_suspension=n[4],
        archived=n[5],
        concluded_late=n[6],
        pending=n[7],
        backlog=n[8],
        duration_days_total=gross,
        net_duration_days_total=gross - stopped,
    )


class IndicatorRepo:
    """Semester figures per Comune and procedure type, per Comune, over semesters."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _query(
        self,
        semester: Semester,
        comuni: Sequence[str] | None,
        today: date | None,
        keys: str,
    ) -> list[tuple[Any, ...]]:
        now = today or real_today()
        day = as_of(semester, now)
        params: dict[str, object] = {
            "start": semester.start.isoformat(),
            "asof": day.isoformat(),
            "asof_jd": day.toordinal() + _JULIAN_OFFSET,
            "current": int(day == now),
        }
        where = ""
        if comuni is not None:
            if not comuni:
                return []
            names = []
            for i, code in enumerate(dict.fromkeys(comuni)):
                params[f"c{i}"] = code
                names.append(f":c{i}")
            where = f"AND p.comune_code IN ({', '.join(names)})"
        sql = _SQL.format(keys=keys, where=where)
        with self.store.read() as conn:
            return conn.execute(sql, params).fetchall()

    def by_type(
        self, semester: Semester, comuni: Sequence[str] | None = None, today: date | None = None
    ) -> dict[tuple[str, str], Figures]:
        """Figures per (Comune, procedure type); cells with nothing in them left out."""
        out: dict[tuple[str, str], Figures] = {}
        for row in self._query(semester, comuni, today, "p.comune_code, p.procedure_type"):
            figures = _figures(row[2:])
            if not figures.is_empty:
                out[(str(row[0]), str(row[1]))] = figures
        return out

    def by_comune(
        self, semester: Semester, comuni: Sequence[str] | None = None, today: date | None = None
    ) -> dict[str, Figures]:
        """Figures per Comune, all procedure types together."""
        out: dict[str, Figures] = {}
        for row in self._query(semester, comuni, today, "p.comune_code"):
            figures = _figures(row[1:])
            if not figures.is_empty:
                out[str(row[0])] = figures
        return out

    def series(
        self, comuni: Sequence[str], semesters: Sequence[Semester], today: date | None = None
    ) -> dict[Semester, dict[str, Figures]]:
        """Per-Comune figures for each semester (the Indicatori screen's trend)."""
        day = today or real_today()
        return {s: self.by_comune(s, comuni, day) for s in semesters if s.start <= day}

    def report(
        self,
        semester: Semester,
        comuni: Sequence[str] | None = None,
        today: date | None = None,
        scope: str = "",
    ) -> SemesterReport:
        """The semester table: every figure per Comune and type, baselines, progress."""
        from taskforce_tui.store.baselines import BaselineRepo

        day = today or real_today()
        cells = self.by_type(semester, comuni, day)
        baselines = BaselineRepo(self.store).effective(comuni)
        codes = {c for c, _ in cells} | {c for c, _ in baselines}
        with self.store.read() as conn:
            names = {
                r[0]: (r[1], r[2])
                for r in conn.execute("SELECT istat_code, name, province FROM comune")
                if r[0] in codes
            }
            types = {
                r[0]: (r[1], int(r[2]))
                for r in conn.execute("SELECT code, name, legal_term_days FROM procedure_type")
            }
        return build_report(semester, as_of(semester, day), scope, cells, baselines, names, types)


def recent_semesters(current: Semester, count: int) -> list[Semester]:
    """`count` semesters ending with `current`, oldest first."""
    out = [current]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]

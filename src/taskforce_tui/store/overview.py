"""What the Oggi and Comune screens show: per-Comune figures in a few indexed queries.

Plain functions over a Store (no new repository on the Store object): each one runs a
handful of grouped queries that use the existing indexes (practice_comune_status,
request_comune, time_log_comune_date, time_log_expert_date), so the home screen of
an expert with a dozen Comuni reads in a few milliseconds even on the region-scale
dataset.

Counting rules (see DOMAIN.md): a practice is "concluded in the semester" when its
status is `conclusa` and its conclusion date falls in the semester (archived
practices have no decision and are not counted); gross duration = calendar days from
receipt to decision, suspensions included; net = gross minus the suspended days
(all suspensions of a concluded practice are closed, within its life).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import Semester

if TYPE_CHECKING:
    from taskforce_tui.domain.records import Comune
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.timer import RunningTimer

#: Meta key the sync writes after a successful exchange (UTC ISO 8601).
LAST_SYNC_KEY = "last_sync_at"


@dataclass(slots=True)
class ComuneOverview:
    """One line of the Oggi table."""

    comune: Comune
    open_practices: int
    overdue_practices: int
    concluded_semester: int
    avg_gross_days: float | None
    open_requests: int
    month_minutes: int


@dataclass(slots=True)
class DayStatus:
    """The expert's day: hours, the running timer, the state of the sync."""

    expert_name: str | None
    today_minutes: int
    month_minutes: int
    timer: RunningTimer | None
    timer_label: str
    last_sync_at: str | None
    pending_ops: int


@dataclass(slots=True)
class SemesterFigures:
    """The DPCM figures of one Comune for one semester, computed from the store."""

    semester: Semester
    started: int
    concluded: int
    concluded_late: int
    tacit: int
    with_conference: int
    with_suspension: int
    avg_gross_days: float | None
    avg_net_days: float | None
    open_now: int
    suspended_now: int
    overdue_now: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _marks(codes: list[str]) -> str:
    return ", ".join("?" for _ in codes)


def comuni_overview(
    store: Store, codes: list[str], expert_id: str | None, day: date
) -> list[ComuneOverview]:
    """The Oggi line of each Comune in `codes` (ordered by name)."""
    if not codes:
        return []
    summaries = store.comuni.summaries(codes, day)
    semester = Semester.of(day)
    marks = _marks(codes)
    with store.read() as conn:
        durations = {
            r[0]: (int(r[1]), r[2])
            for r in conn.execute(
                "SELECT comune_code, COUNT(*), "
                "AVG(julianday(concluded_on) - julianday(received_on)) "
                "FROM practice WHERE comune_code IN (" + marks + ") AND status = 'conclusa' "
                "AND deleted = 0 AND concluded_on BETWEEN ? AND ? GROUP BY comune_code",
                [*codes, semester.start.isoformat(), semester.end.isoformat()],
            )
        }
        requests = dict(
            conn.execute(
                "SELECT comune_code, COUNT(*) FROM request WHERE comune_code IN (" + marks + ") "
                f"AND status IN ({_marks(list(vocab.REQUEST_OPEN_STATUSES))}) AND deleted = 0 "
                "GROUP BY comune_code",
                [*codes, *vocab.REQUEST_OPEN_STATUSES],
            ).fetchall()
        )
        minutes = dict(
            conn.execute(
                "SELECT comune_code, SUM(minutes) FROM time_log WHERE expert_id = ? "
                "AND work_date BETWEEN ? AND ? AND deleted = 0 "
                "AND comune_code IN (" + marks + ") GROUP BY comune_code",
                [
                    expert_id or "",
                    month_start(day).isoformat(),
                    month_end(day).isoformat(),
                    *codes,
                ],
            ).fetchall()
        )
    result = []
    for s in summaries:
        code = s.comune.istat_code
        concluded, avg = durations.get(code, (0, None))
        result.append(
            ComuneOverview(
                comune=s.comune,
                open_practices=s.open_practices,
                overdue_practices=s.overdue_practices,
                concluded_semester=concluded,
                avg_gross_days=float(avg) if avg is not None else None,
                open_requests=int(requests.get(code, 0)),
                month_minutes=int(minutes.get(code, 0)),
            )
        )
    return result


def day_status(store: Store, day: date) -> DayStatus:
    """Today's and this month's hours, the running timer, last sync and unsent changes."""
    expert_id = store.expert_id
    me = store.experts.me()
    timer = store.timer.current()
    label = ""
    if timer is not None:
        parts = []
        with store.read() as conn:
            row = conn.execute(
                "SELECT name FROM activity WHERE code = ?", (timer.activity,)
            ).fetchone()
            parts.append(row[0] if row else timer.activity)
            if timer.comune_code:
                row = conn.execute(
                    "SELECT name FROM comune WHERE istat_code = ?", (timer.comune_code,)
                ).fetchone()
                parts.append(row[0] if row else timer.comune_code)
            if timer.practice_id:
                row = conn.execute(
                    "SELECT protocol_no FROM practice WHERE id = ?", (timer.practice_id,)
                ).fetchone()
                if row:
                    parts.append(f"pratica {row[0]}")
        label = ", ".join(parts)
    return DayStatus(
        expert_name=me.name if me else None,
        today_minutes=store.timelogs.minutes_between(expert_id, day, day),
        month_minutes=store.timelogs.minutes_between(expert_id, month_start(day), day),
        timer=timer,
        timer_label=label,
        last_sync_at=store.get_meta(LAST_SYNC_KEY),
        pending_ops=store.pending_ops(),
    )


def semester_figures(
    store: Store, comune_code: str, semester: Semester, day: date
) -> SemesterFigures:
    """Concluded count, average gross and net duration, lateness of one Comune."""
    start, end = semester.start.isoformat(), semester.end.isoformat()
    with store.read() as conn:
        row = conn.execute(
            "SELECT COUNT(*), "
            "COALESCE(SUM(concluded_on > due_on), 0), "
            "COALESCE(SUM(outcome = 'silenzio_assenso'), 0), "
            "COALESCE(SUM(service_conference), 0), "
            "COALESCE(SUM(suspended_days > 0), 0), "
            "AVG(julianday(concluded_on) - julianday(received_on)), "
            "AVG(julianday(concluded_on) - julianday(received_on) - suspended_days) "
            "FROM practice WHERE comune_code = ? AND status = 'conclusa' AND deleted = 0 "
            "AND concluded_on BETWEEN ? AND ?",
            (comune_code, start, end),
        ).fetchone()
        started = conn.execute(
            "SELECT COUNT(*) FROM practice WHERE comune_code = ? AND deleted = 0 "
            "AND received_on BETWEEN ? AND ?",
            (comune_code, start, end),
        ).fetchone()[0]
        now = conn.execute(
            "SELECT COALESCE(SUM(status = 'aperta'), 0), COALESCE(SUM(status = 'sospesa'), 0), "
            "COALESCE(SUM(CASE WHEN status = 'aperta' THEN due_on < ? "
            "ELSE suspended_since > due_on END), 0) "
            "FROM practice WHERE comune_code = ? AND status IN ('aperta', 'sospesa') "
            "AND deleted = 0",
            (day.isoformat(), comune_code),
        ).fetchone()
    return SemesterFigures(
        semester=semester,
        started=int(started),
        concluded=int(row[0]),
        concluded_late=int(row[1]),
        tacit=int(row[2]),
        with_conference=int(row[3]),
        with_suspension=int(row[4]),
        avg_gross_days=float(row[5]) if row[5] is not None else None,
        avg_net_days=float(row[6]) if row[6] is not None else None,
        open_now=int(now[0]),
        suspended_now=int(now[1]),
        overdue_now=int(now[2]),
    )

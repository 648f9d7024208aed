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
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from taskforce_tui.store.schema import PRACTICE_DUE_ON

if TYPE_CHECKING:
    from taskforce_tui.domain.dates import Semester
    from taskforce_tui.store.db import Store

#: Meta key the sync writes after a successful exchange (UTC ISO 8601).
LAST_SYNC_KEY = "last_sync_at"
#: vocab.REQUEST_OPEN_STATUSES, spelled out: this module is on the start-up path and
#: imports nothing of the domain (tests/test_overview.py checks they agree).
OPEN_REQUEST_STATUSES = ("nuova", "in_lavorazione", "in_attesa_comune")


@dataclass(slots=True)
class ComuneOverview:
    """One line of the Oggi table."""

    code: str
    name: str
    province: str
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
    timer_started: datetime | None
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


def semester_bounds(day: date) -> tuple[date, date]:
    """First and last day of the DPCM semester holding `day` (H1 Jan-Jun, H2 Jul-Dec)."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def _marks(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


def assigned_codes(store: Store) -> list[str]:
    """This installation's expert's Comuni (as ComuneRepo.assigned_codes, without
    importing it and the domain records on the start-up path)."""
    with store.read() as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT a.comune_code FROM assignment a JOIN comune c "
                "ON c.istat_code = a.comune_code JOIN meta m ON m.key = 'expert_id' "
                "AND a.expert_id = m.value WHERE a.deleted = 0 ORDER BY c.name"
            )
        ]


def comuni_overview(
    store: Store, codes: list[str], expert_id: str | None, day: date
) -> list[ComuneOverview]:
    """The Oggi line of each Comune in `codes` (ordered by name)."""
    if not codes:
        return []
    marks = _marks(codes)
    start, end = semester_bounds(day)
    due = PRACTICE_DUE_ON.format(p="p.")
    with store.read() as conn:
        # Open and overdue as ComuneRepo.summaries counts them. Both practice queries
        # read only the covering index practice_indicators (the due date computed from
        # its columns, as the generated column is): a Comune's practices are one
        # contiguous range of it, where the rows themselves are scattered over the file
        # (with a cold disk cache the home queries took 0.25-0.4 s, docs/performance.md).
        base = conn.execute(
            "SELECT c.istat_code, c.name, c.province, COUNT(p.id), "
            f"COALESCE(SUM(CASE WHEN p.status = 'aperta' THEN {due} < ? "
            f"ELSE p.suspended_since > {due} END), 0) "
            "FROM comune c LEFT JOIN practice p INDEXED BY practice_indicators "
            "ON p.comune_code = c.istat_code "
            "AND p.status IN ('aperta', 'sospesa') AND p.deleted = 0 "
            f"WHERE c.istat_code IN ({marks}) GROUP BY c.istat_code ORDER BY c.name",
            [day.isoformat(), *codes],
        ).fetchall()
        durations = {
            r[0]: (int(r[1]), r[2])
            for r in conn.execute(
                "SELECT comune_code, COUNT(*), "
                "AVG(julianday(concluded_on) - julianday(received_on)) "
                "FROM practice INDEXED BY practice_indicators "
                f"WHERE comune_code IN ({marks}) AND status = 'conclusa' "
                "AND deleted = 0 AND concluded_on BETWEEN ? AND ? GROUP BY comune_code",
                [*codes, start.isoformat(), end.isoformat()],
            )
        }
        requests = dict(
            conn.execute(
                f"SELECT comune_code, COUNT(*) FROM request WHERE comune_code IN ({marks}) "
                f"AND status IN ({_marks(OPEN_REQUEST_STATUSES)}) AND deleted = 0 "
                "GROUP BY comune_code",
                [*codes, *OPEN_REQUEST_STATUSES],
            ).fetchall()
        )
        minutes = dict(
            conn.execute(
                "SELECT comune_code, SUM(minutes) FROM time_log WHERE expert_id = ? "
                "AND work_date BETWEEN ? AND ? AND deleted = 0 "
                f"AND comune_code IN ({marks}) GROUP BY comune_code",
                [
                    expert_id or "",
                    month_start(day).isoformat(),
                    month_end(day).isoformat(),
                    *codes,
                ],
            ).fetchall()
        )
    result = []
    for code, name, province, open_count, overdue in base:
        concluded, avg = durations.get(code, (0, None))
        result.append(
            ComuneOverview(
                code=code,
                name=name,
                province=province,
                open_practices=int(open_count),
                overdue_practices=int(overdue),
                concluded_semester=concluded,
                avg_gross_days=float(avg) if avg is not None else None,
                open_requests=int(requests.get(code, 0)),
                month_minutes=int(minutes.get(code, 0)),
            )
        )
    return result


def day_status(store: Store, day: date) -> DayStatus:
    """Today's and this month's hours, the running timer, last sync and unsent changes."""
    expert_id = store.expert_id or ""
    with store.read() as conn:
        name = conn.execute(
            "SELECT name FROM expert WHERE id = ? AND deleted = 0", (expert_id,)
        ).fetchone()
        today_minutes, month_minutes = conn.execute(
            "SELECT COALESCE(SUM(CASE WHEN work_date = ? THEN minutes END), 0), "
            "COALESCE(SUM(minutes), 0) FROM time_log WHERE deleted = 0 AND expert_id = ? "
            "AND work_date BETWEEN ? AND ?",
            (day.isoformat(), expert_id, month_start(day).isoformat(), day.isoformat()),
        ).fetchone()
        timer = conn.execute(
            "SELECT t.started_at, COALESCE(a.name, t.activity), c.name, p.protocol_no "
            "FROM timer t LEFT JOIN activity a ON a.code = t.activity "
            "LEFT JOIN comune c ON c.istat_code = t.comune_code "
            "LEFT JOIN practice p ON p.id = t.practice_id WHERE t.id = 1"
        ).fetchone()
    label = ""
    started = None
    if timer is not None:
        started = datetime.fromisoformat(timer[0])
        parts = [timer[1], timer[2], f"pratica {timer[3]}" if timer[3] else None]
        label = ", ".join(p for p in parts if p)
    return DayStatus(
        expert_name=name[0] if name else None,
        today_minutes=int(today_minutes),
        month_minutes=int(month_minutes),
        timer_started=started,
        timer_label=label,
        last_sync_at=store.get_meta(LAST_SYNC_KEY),
        pending_ops=store.pending_ops(),
    )


def home(store: Store, day: date) -> tuple[DayStatus, list[ComuneOverview]]:
    """Everything the Oggi screen shows."""
    status = day_status(store, day)
    return status, comuni_overview(store, assigned_codes(store), store.expert_id, day)


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

"""Time logs (registro ore): the expert's own hours, by Comune, activity and mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, from_iso, today
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.store.db import new_id

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

_COLUMNS = (
    "id, expert_id, work_date, minutes, comune_code, activity, mode, practice_id, "
    "request_id, note, start_time, end_time"
)
FIELDS = (
    "work_date",
    "minutes",
    "comune_code",
    "activity",
    "mode",
    "practice_id",
    "request_id",
    "note",
    "start_time",
    "end_time",
)


def _timelog(row: tuple[Any, ...]) -> TimeLog:
    day = from_iso(row[2])
    assert day is not None
    return TimeLog(
        id=row[0],
        expert_id=row[1],
        work_date=day,
        minutes=int(row[3]),
        comune_code=row[4],
        activity=row[5],
        mode=row[6],
        practice_id=row[7],
        request_id=row[8],
        note=row[9],
        start_time=row[10],
        end_time=row[11],
    )


@dataclass(slots=True)
class TimeLogRow:
    log: TimeLog
    comune_name: str | None
    province: str | None
    activity_name: str
    protocol_no: str | None


class TimeLogRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, log_id: str) -> TimeLog:
        with self.store.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM time_log WHERE id = ? AND deleted = 0", (log_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Registrazione non trovata: {log_id}.", "ore")
        return _timelog(row)

    def list(
        self,
        expert_id: str | None,
        start: date | None = None,
        end: date | None = None,
        comune_code: str | None = None,
    ) -> list[TimeLogRow]:
        clauses = ["t.deleted = 0", "t.expert_id = ?"]
        params: list[object] = [expert_id or ""]
        if start:
            clauses.append("t.work_date >= ?")
            params.append(start.isoformat())
        if end:
            clauses.append("t.work_date <= ?")
            params.append(end.isoformat())
        if comune_code:
            clauses.append("t.comune_code = ?")
            params.append(comune_code)
        cols = ", ".join("t." + c.strip() for c in _COLUMNS.split(","))
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {cols}, c.name, c.province, COALESCE(a.name, t.activity), p.protocol_no "
                "FROM time_log t LEFT JOIN comune c ON c.istat_code = t.comune_code "
                "LEFT JOIN activity a ON a.code = t.activity "
                "LEFT JOIN practice p ON p.id = t.practice_id "
                f"WHERE {' AND '.join(clauses)} "
                "ORDER BY t.work_date, t.start_time, t.rowid",
                params,
            ).fetchall()
        return [TimeLogRow(_timelog(r[:12]), r[12], r[13], r[14], r[15]) for r in rows]

    def minutes_between(
        self, expert_id: str | None, start: date, end: date, comune_code: str | None = None
    ) -> int:
        sql = (
            "SELECT COALESCE(SUM(minutes), 0) FROM time_log WHERE deleted = 0 "
            "AND expert_id = ? AND work_date BETWEEN ? AND ?"
        )
        params: list[object] = [expert_id or "", start.isoformat(), end.isoformat()]
        if comune_code:
            sql += " AND comune_code = ?"
            params.append(comune_code)
        with self.store.read() as conn:
            return int(conn.execute(sql, params).fetchone()[0])

    def validate(self, log: TimeLog) -> None:
        """Refusals shared by every path that writes a time log."""
        if log.minutes <= 0:
            raise DomainError("La durata deve essere maggiore di zero.", "minutes")
        if log.minutes > 24 * 60:
            raise DomainError("Una registrazione non può superare le 24 ore.", "minutes")
        if log.work_date > today():
            raise DomainError(
                f"La data {format_date(log.work_date)} è nel futuro: si registrano solo ore "
                "già lavorate.",
                "work_date",
            )
        if log.mode not in vocab.MODES:
            raise DomainError("La modalità è «presenza» o «remoto».", "mode")
        with self.store.read() as conn:
            if (
                log.comune_code is not None
                and conn.execute(
                    "SELECT 1 FROM comune WHERE istat_code = ?", (log.comune_code,)
                ).fetchone()
                is None
            ):
                raise NotFoundError(f"Comune sconosciuto: {log.comune_code}.", "comune")
            if (
                conn.execute(
                    "SELECT 1 FROM activity WHERE code = ? AND deleted = 0", (log.activity,)
                ).fetchone()
                is None
            ):
                codes = [
                    r[0]
                    for r in conn.execute(
                        "SELECT code FROM activity WHERE deleted = 0 AND active = 1 ORDER BY code"
                    )
                ]
                raise NotFoundError(
                    f"Attività sconosciuta: «{log.activity}». Attività disponibili: "
                    f"{', '.join(codes)}.",
                    "activity",
                    codes,
                )

    def add(self, log: TimeLog) -> TimeLog:
        if not log.id:
            log.id = new_id()
        self.validate(log)
        with self.store.write() as tx:
            tx.insert(
                "time_log",
                {
                    "id": log.id,
                    "expert_id": log.expert_id,
                    **{name: getattr(log, name) for name in FIELDS},
                },
            )
        return log

    def update(self, log: TimeLog) -> TimeLog:
        current = self.get(log.id)
        if current.expert_id != log.expert_id:
            raise DomainError("Si possono modificare solo le proprie registrazioni.", "ore")
        self.validate(log)
        with self.store.write() as tx:
            tx.update("time_log", log.id, {name: getattr(log, name) for name in FIELDS})
        return log

    def delete(self, log_id: str) -> None:
        self.get(log_id)
        with self.store.write() as tx:
            tx.delete("time_log", log_id)

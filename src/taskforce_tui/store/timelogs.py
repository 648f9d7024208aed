"""Time logs (registro ore): the expert's own hours, by Comune, activity and mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, from_iso, today
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.domain.timelog import LONG_DAY_MINUTES, clock_minutes, format_minutes
from taskforce_tui.store.ids import new_id

if TYPE_CHECKING:
    import sqlite3

    from taskforce_tui.store.db import Store
    from taskforce_tui.store.tx import Tx

_COLUMNS = (
    "id, expert_id, work_date, minutes, comune_code, activity, mode, practice_id, "
    "request_id, note, start_time, end_time, intervention_id"
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
    "intervention_id",
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
        intervention_id=row[12],
    )


@dataclass(slots=True)
class TimeLogRow:
    log: TimeLog
    comune_name: str | None
    province: str | None
    activity_name: str
    protocol_no: str | None
    request_subject: str | None = None
    intervention_cup: str | None = None


@dataclass(frozen=True, slots=True)
class LogWarning:
    """Something unusual about an entry that is still allowed.

    `needs_confirmation`: the entry is written only when the user confirms it
    (`confirmed=True`; `--conferma` in the CLI, a confirm dialog in the TUI).
    """

    code: str
    message: str
    needs_confirmation: bool = False


Warnings = list[LogWarning]

#: Warning codes.
LONG_DAY = "giornata_lunga"
NOT_ASSIGNED = "comune_non_assegnato"


class ConfirmationNeeded(DomainError):
    """The entry is valid but unusual: nothing was written; ask, then retry confirmed."""

    def __init__(self, warnings: list[LogWarning]) -> None:
        asked = [w for w in warnings if w.needs_confirmation]
        super().__init__(" ".join(w.message for w in asked), "minutes")
        self.warnings = warnings


#: Overlap and day-total checks: both are served by the index time_log_expert_date.
OVERLAP_SQL = (
    "SELECT id, start_time, end_time, comune_code, activity FROM time_log "
    "WHERE expert_id = ? AND work_date = ? AND deleted = 0 AND id <> ? "
    "AND start_time IS NOT NULL AND end_time IS NOT NULL "
    "AND start_time < ? AND end_time > ? ORDER BY start_time LIMIT 1"
)
DAY_TOTAL_SQL = (
    "SELECT COALESCE(SUM(minutes), 0) FROM time_log "
    "WHERE expert_id = ? AND work_date = ? AND deleted = 0 AND id <> ?"
)


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
                f"SELECT {cols}, c.name, c.province, COALESCE(a.name, t.activity), p.protocol_no, "
                "r.subject, i.cup "
                "FROM time_log t LEFT JOIN comune c ON c.istat_code = t.comune_code "
                "LEFT JOIN intervention i ON i.id = t.intervention_id "
                "LEFT JOIN activity a ON a.code = t.activity "
                "LEFT JOIN practice p ON p.id = t.practice_id "
                "LEFT JOIN request r ON r.id = t.request_id "
                f"WHERE {' AND '.join(clauses)} "
                "ORDER BY t.work_date, t.start_time, t.rowid",
                params,
            ).fetchall()
        return [TimeLogRow(_timelog(r[:13]), *r[13:]) for r in rows]

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
            self._validate_links(conn, log)
        self._validate_times(log)

    def _validate_links(self, conn: sqlite3.Connection, log: TimeLog) -> None:
        if (
            conn.execute(
                "SELECT 1 FROM expert WHERE id = ? AND deleted = 0", (log.expert_id,)
            ).fetchone()
            is None
        ):
            raise DomainError(
                "Questo profilo non ha ancora un esperto: apri l'applicazione (`taskforce`) per "
                "configurarlo, oppure prova la demo (`taskforce demo`).",
                "ore",
            )
        for table, column, ref, field, what in (
            ("practice", "protocol_no", log.practice_id, "practice_id", "La pratica"),
            ("request", "subject", log.request_id, "request_id", "La richiesta"),
        ):
            if ref is None:
                continue
            row = conn.execute(
                f"SELECT comune_code, {column} FROM {table} WHERE id = ? AND deleted = 0", (ref,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"{what} indicata non esiste (id {ref}).", field)
            if log.comune_code is not None and row[0] != log.comune_code:
                names = dict(
                    conn.execute(
                        "SELECT istat_code, name FROM comune WHERE istat_code IN (?, ?)",
                        (row[0], log.comune_code),
                    ).fetchall()
                )
                raise DomainError(
                    f"{what} «{row[1]}» è del Comune di {names.get(row[0], row[0])}, non di "
                    f"{names.get(log.comune_code, log.comune_code)}: correggi il Comune o "
                    "togli il collegamento.",
                    field,
                )

    @staticmethod
    def _validate_times(log: TimeLog) -> None:
        if (log.start_time is None) != (log.end_time is None):
            raise DomainError(
                "Indica sia l'ora di inizio sia quella di fine, o nessuna.", "end_time"
            )
        if log.start_time is not None and log.end_time is not None:
            length = clock_minutes(log.end_time) - clock_minutes(log.start_time)
            if length <= 0:
                raise DomainError(
                    f"L'ora di fine ({log.end_time}) deve essere dopo l'ora di inizio "
                    f"({log.start_time}).",
                    "end_time",
                )
            if length != log.minutes:
                raise DomainError(
                    f"La durata {format_minutes(log.minutes)} non corrisponde all'orario "
                    f"{log.start_time}-{log.end_time} ({format_minutes(length)}).",
                    "minutes",
                )

    # --- checks ------------------------------------------------------------------------------
    def check(self, log: TimeLog) -> Warnings:
        """Raise DomainError for what is refused; return the warnings of an allowed entry.

        Refused: zero or negative durations, future dates, unknown Comune / activity /
        practice / request, times that do not match the duration, and an overlap with
        another entry of the same expert (when times are given), naming that entry.
        Warnings: a day over 12 hours (must be confirmed), a Comune the expert is not
        assigned to on that date (allowed).
        """
        with self.store.read() as conn:
            return self._check(conn, log)

    def _check(self, conn: sqlite3.Connection, log: TimeLog) -> Warnings:
        self.validate(log)
        day = log.work_date.isoformat()
        if log.start_time is not None and log.end_time is not None:
            other = conn.execute(
                OVERLAP_SQL, (log.expert_id, day, log.id, log.end_time, log.start_time)
            ).fetchone()
            if other is not None:
                raise DomainError(
                    f"L'orario {log.start_time}-{log.end_time} si sovrappone a un'altra "
                    f"registrazione del {format_date(log.work_date)}: {other[1]}-{other[2]}, "
                    f"{self._describe(conn, other[3], other[4])} (id {other[0][:8]}). Cambia "
                    "l'orario, oppure modifica o elimina quella registrazione.",
                    "start_time",
                )
        warnings: Warnings = []
        total = int(conn.execute(DAY_TOTAL_SQL, (log.expert_id, day, log.id)).fetchone()[0])
        if total + log.minutes > LONG_DAY_MINUTES:
            warnings.append(
                LogWarning(
                    LONG_DAY,
                    f"Con questa registrazione il {format_date(log.work_date)} arriva a "
                    f"{format_minutes(total + log.minutes)} ore, più di "
                    f"{LONG_DAY_MINUTES // 60}: conferma che è giusto.",
                    needs_confirmation=True,
                )
            )
        if log.comune_code is not None and log.comune_code not in self.store.comuni.assigned_codes(
            log.expert_id, log.work_date
        ):
            name = conn.execute(
                "SELECT name FROM comune WHERE istat_code = ?", (log.comune_code,)
            ).fetchone()
            warnings.append(
                LogWarning(
                    NOT_ASSIGNED,
                    f"Attenzione: {name[0] if name else log.comune_code} non è tra i Comuni "
                    f"assegnati a te il {format_date(log.work_date)}; la registrazione è "
                    "comunque ammessa.",
                )
            )
        return warnings

    @staticmethod
    def _describe(conn: sqlite3.Connection, comune_code: str | None, activity: str) -> str:
        comune = (
            conn.execute("SELECT name FROM comune WHERE istat_code = ?", (comune_code,)).fetchone()
            if comune_code
            else None
        )
        act = conn.execute("SELECT name FROM activity WHERE code = ?", (activity,)).fetchone()
        return f"{comune[0] if comune else 'attività trasversale'}, {act[0] if act else activity}"

    # --- writing -----------------------------------------------------------------------------
    def insert_in(self, tx: Tx, log: TimeLog, *, confirmed: bool = False) -> Warnings:
        """Check and insert within a transaction the caller holds (e.g. stopping the timer
        removes the timer in the same transaction). Returns the warnings."""
        if not log.id:
            log.id = new_id()
        warnings = self._check(tx.conn, log)
        if not confirmed and any(w.needs_confirmation for w in warnings):
            raise ConfirmationNeeded(warnings)
        tx.insert(
            "time_log",
            {
                "id": log.id,
                "expert_id": log.expert_id,
                **{name: getattr(log, name) for name in FIELDS},
            },
        )
        return warnings

    def add(self, log: TimeLog, *, confirmed: bool = False) -> TimeLog:
        """Write a new entry (checked as `check` says). A warning that needs confirmation
        raises ConfirmationNeeded, writing nothing, unless `confirmed`."""
        with self.store.write() as tx:
            self.insert_in(tx, log, confirmed=confirmed)
        return log

    def update(self, log: TimeLog, *, confirmed: bool = False) -> TimeLog:
        current = self.get(log.id)
        mine = self.store.expert_id
        if current.expert_id != log.expert_id or (mine is not None and current.expert_id != mine):
            raise DomainError("Si possono modificare solo le proprie registrazioni.", "ore")
        with self.store.write() as tx:
            warnings = self._check(tx.conn, log)
            if not confirmed and any(w.needs_confirmation for w in warnings):
                raise ConfirmationNeeded(warnings)
            tx.update("time_log", log.id, {name: getattr(log, name) for name in FIELDS})
        return log

    def delete(self, log_id: str) -> None:
        current = self.get(log_id)
        mine = self.store.expert_id
        if mine is not None and current.expert_id != mine:
            raise DomainError("Si possono eliminare solo le proprie registrazioni.", "ore")
        with self.store.write() as tx:
            tx.delete("time_log", log_id)

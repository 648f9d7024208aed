"""The running timer: local to this installation (never synced), one at a time.

Stored in the `timer` table, so it survives closing the app, a crash or a reboot,
and is shared by the shell (`taskforce timer ...`) and the TUI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskforce_tui.domain.records import TimeLog
    from taskforce_tui.store.db import Store


@dataclass(slots=True)
class RunningTimer:
    started_at: datetime  # local time, timezone-aware
    activity: str
    mode: str
    comune_code: str | None = None
    practice_id: str | None = None
    request_id: str | None = None
    note: str = ""


def now_local() -> datetime:
    """The local wall-clock time on "today" (so a date fixed by TASKFORCE_OGGI holds)."""
    from taskforce_tui.domain.dates import today

    return datetime.combine(today(), datetime.now().time()).astimezone()


class TimerRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    def current(self) -> RunningTimer | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT started_at, activity, mode, comune_code, practice_id, request_id, note "
                "FROM timer WHERE id = 1"
            ).fetchone()
        if row is None:
            return None
        return RunningTimer(datetime.fromisoformat(row[0]), *row[1:])

    # --- start / stop (used by the TUI's timer key) ---------------------------------------
    def start(
        self,
        activity: str,
        *,
        comune_code: str | None = None,
        practice_id: str | None = None,
        request_id: str | None = None,
        mode: str = "presenza",
        note: str = "",
        at: datetime | None = None,
    ) -> RunningTimer:
        """Start the timer; refused while one is running (stop it first)."""
        from taskforce_tui.domain.errors import DomainError

        started = (at or now_local()).astimezone().replace(microsecond=0)
        timer = RunningTimer(started, activity, mode, comune_code, practice_id, request_id, note)
        with self.store.write() as tx:
            if tx.conn.execute("SELECT 1 FROM timer WHERE id = 1").fetchone():
                raise DomainError("C'è già un timer in corso: fermalo prima di avviarne un altro.")
            if (
                tx.conn.execute(
                    "SELECT 1 FROM activity WHERE code = ? AND deleted = 0", (activity,)
                ).fetchone()
                is None
            ):
                raise DomainError(f"Attività sconosciuta: «{activity}».", "activity")
            tx.conn.execute(
                "INSERT INTO timer(id, started_at, comune_code, activity, mode, practice_id, "
                "request_id, note) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (started.isoformat(), comune_code, activity, mode, practice_id, request_id, note),
            )
        return timer

    def stop(self, at: datetime | None = None) -> TimeLog | None:
        """Stop the timer and log its time (one transaction). None if it ran under a
        minute: the timer is discarded and nothing is logged."""
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.domain.records import TimeLog

        running = self.current()
        if running is None:
            raise DomainError("Nessun timer in corso.")
        end = (at or now_local()).astimezone()
        minutes = int((end - running.started_at).total_seconds() // 60)
        log: TimeLog | None = None
        if minutes >= 1:
            from taskforce_tui.store.db import new_id

            log = TimeLog(
                id=new_id(),
                expert_id=self.store.expert_id or "",
                work_date=running.started_at.date(),
                minutes=min(minutes, 24 * 60),
                activity=running.activity,
                mode=running.mode,
                comune_code=running.comune_code,
                practice_id=running.practice_id,
                request_id=running.request_id,
                note=running.note,
                start_time=running.started_at.strftime("%H:%M"),
                end_time=end.strftime("%H:%M"),
            )
            self.store.timelogs.validate(log)
        from taskforce_tui.store.timelogs import FIELDS

        with self.store.write() as tx:
            if log is not None:
                tx.insert(
                    "time_log",
                    {
                        "id": log.id,
                        "expert_id": log.expert_id,
                        **{name: getattr(log, name) for name in FIELDS},
                    },
                )
            tx.conn.execute("DELETE FROM timer WHERE id = 1")
        return log

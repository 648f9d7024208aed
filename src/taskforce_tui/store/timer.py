"""The running timer: local to this installation (never synced), one at a time.

Stored in the `timer` table, so it survives closing the app, a crash or a reboot,
and is shared by the shell (`taskforce timer ...`) and the TUI. Stopping it writes
the time log and removes the timer in one transaction, so a crash in between can
neither lose the hours nor record them twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.domain.timelog import (
    TimerState,
    now,
    timer_end_choice,
    timer_state,
    truncate_to_minute,
)

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.timelogs import LogWarning


@dataclass(slots=True)
class RunningTimer:
    started_at: datetime  # local time, timezone-aware
    activity: str
    mode: str
    comune_code: str | None = None
    practice_id: str | None = None
    request_id: str | None = None
    note: str = ""


class TimerOverrun(DomainError):
    """The timer ran past midnight or over the limit: the user must say what to record."""

    def __init__(self, state: TimerState) -> None:
        super().__init__(state.explanation(), "end_time")
        self.state = state


@dataclass(slots=True)
class Stopped:
    log: TimeLog
    warnings: list[LogWarning]


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

    def state(self, at: datetime | None = None) -> TimerState | None:
        """What stopping now would record (None when no timer runs)."""
        timer = self.current()
        return None if timer is None else timer_state(timer.started_at, at or now())

    def start(
        self,
        *,
        activity: str,
        mode: str = vocab.MODE_PRESENZA,
        comune_code: str | None = None,
        practice_id: str | None = None,
        request_id: str | None = None,
        note: str = "",
        at: datetime | None = None,
    ) -> RunningTimer:
        """Start the timer; refused while another runs (in any process)."""
        moment = truncate_to_minute(at or now())
        timer = RunningTimer(moment, activity, mode, comune_code, practice_id, request_id, note)
        expert_id = self.store.expert_id or ""
        # The same rules as the entry it will become (except the length, not known yet).
        probe = self._log(timer, 1, f"{moment:%H:%M}", expert_id)
        probe.start_time = probe.end_time = None
        self.store.timelogs.validate(probe)
        with self.store.bulk() as conn:
            running = conn.execute("SELECT started_at FROM timer WHERE id = 1").fetchone()
            if running is not None:
                since = datetime.fromisoformat(running[0])
                raise DomainError(
                    f"C'è già un timer in corso dal {format_date(since.date())} alle "
                    f"{since:%H:%M}: fermalo (`taskforce timer ferma`, o il tasto t "
                    "nell'applicazione) prima di avviarne un altro.",
                    "timer",
                )
            conn.execute(
                "INSERT INTO timer(id, started_at, comune_code, activity, mode, practice_id, "
                "request_id, note) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (
                    moment.isoformat(),
                    comune_code,
                    activity,
                    mode,
                    practice_id,
                    request_id,
                    note,
                ),
            )
        return timer

    def stop(
        self,
        *,
        end_time: str | None = None,
        minutes: int | None = None,
        accept_all: bool = False,
        confirmed: bool = False,
        at: datetime | None = None,
    ) -> Stopped:
        """Record the running timer as a time log and remove it, in one transaction.

        A timer that ran past midnight or over 10 hours is not recorded blindly:
        without `end_time` (HH:MM on the start day), `minutes` (from the start) or
        `accept_all` it raises TimerOverrun and changes nothing. A day over 12 hours
        raises ConfirmationNeeded unless `confirmed`.
        """
        moment = at or now()
        timer = self.current()
        if timer is None:
            raise DomainError(
                "Nessun timer in corso: avvialo con `taskforce timer avvia --comune C "
                "--attivita A` (o il tasto t nell'applicazione).",
                "timer",
            )
        state = timer_state(timer.started_at, moment)
        chosen = end_time is not None or minutes is not None
        if state.needs_choice and not chosen and (not accept_all or state.crossed_midnight):
            raise TimerOverrun(state)
        length, end_clock = timer_end_choice(timer.started_at, end_time, minutes, moment)
        log = self._log(timer, length, end_clock, self.store.expert_id or "")
        with self.store.write() as tx:
            warnings = self.store.timelogs.insert_in(tx, log, confirmed=confirmed)
            gone = tx.conn.execute(
                "DELETE FROM timer WHERE id = 1 AND started_at = ?",
                (timer.started_at.isoformat(),),
            ).rowcount
            if not gone:
                raise DomainError(
                    "Il timer è stato fermato o cambiato da un'altra finestra nel frattempo: "
                    "nulla è stato registrato due volte. Controlla il registro ore.",
                    "timer",
                )
        return Stopped(log, warnings)

    def discard(self) -> RunningTimer:
        """Forget the running timer without recording anything."""
        with self.store.bulk() as conn:
            timer = self.current()
            if timer is None:
                raise DomainError("Nessun timer in corso da scartare.", "timer")
            conn.execute("DELETE FROM timer WHERE id = 1")
        return timer

    @staticmethod
    def _log(timer: RunningTimer, minutes: int, end_clock: str, expert_id: str) -> TimeLog:
        start = truncate_to_minute(timer.started_at)
        return TimeLog(
            id="",
            expert_id=expert_id,
            work_date=start.date(),
            minutes=minutes,
            activity=timer.activity,
            mode=timer.mode,
            comune_code=timer.comune_code,
            practice_id=timer.practice_id,
            request_id=timer.request_id,
            note=timer.note,
            start_time=f"{start:%H:%M}",
            end_time=end_clock,
        )

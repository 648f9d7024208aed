"""The running timer: local to this installation (never synced), one at a time.

Stored in the `timer` table, so it survives closing the app, a crash or a reboot,
and is shared by the shell (`taskforce timer ...`) and the TUI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

"""The timer key (t), from any screen: start with a small form, stop and record.

A timer left running past midnight or over 10 hours is never recorded blindly:
the StopTimerModal asks what to record. Runs as an app worker (see
timelog_forms.py for why async workers with `asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.timelog import TimerTooShort, format_minutes, now, timer_state

if TYPE_CHECKING:
    from textual.app import App

    from taskforce_tui.store.db import Store
    from taskforce_tui.store.timer import RunningTimer, Stopped

#: Worker group of the timer flow (one at a time).
TIMER_GROUP = "timer"


def timer_label(store: Store, timer: RunningTimer | None) -> str:
    """ "dalle 14:05 - Treviglio": blocking (names from the store), call from a thread."""
    if timer is None:
        return ""
    comune = store.comuni.get(timer.comune_code) if timer.comune_code else None
    where = comune.name if comune else "attività trasversale"
    since = f"dalle {timer.started_at:%H:%M}"
    if timer.started_at.date() != now().date():
        since = f"dal {format_date(timer.started_at.date())} {since}"
    return f"{since} - {where}"


def _stopped_message(stopped: Stopped) -> str:
    log = stopped.log
    return (
        f"Registrate {format_minutes(log.minutes)} ore il {format_date(log.work_date)} "
        f"({log.start_time}-{log.end_time})."
    )


async def toggle_timer(app: App[Any], comune_code: str | None = None) -> None:
    """Start the timer if none runs (on `comune_code` by default), otherwise stop it
    (asking when needed)."""
    # The forms only when the key is pressed: this module is also read on the first
    # frame (app.dialog_pending, the timer line), and the forms cost ~35 ms to import.
    from taskforce_tui.screens.timelog_forms import TimerStartForm, load_choices

    store: Store | None = getattr(app, "store", None)
    if store is None:
        app.notify("Il profilo si sta ancora aprendo: riprova tra un attimo.", severity="warning")
        return
    timer = await asyncio.to_thread(store.timer.current)
    if timer is None:
        choices = await asyncio.to_thread(load_choices, store)
        comune = await asyncio.to_thread(store.comuni.get, comune_code) if comune_code else None
        started = await app.push_screen_wait(
            TimerStartForm(choices, comune.name if comune else None)
        )
        if started is not None:
            app.notify(
                f"Timer avviato alle {started.started_at:%H:%M}. Premi t per fermarlo.",
                title="Timer",
            )
    else:
        result = await _stop(app, store, timer)
        if result is None:
            return
        if isinstance(result, str):
            app.notify("Timer scartato: nulla è stato registrato.", title="Timer")
        else:
            app.notify(_stopped_message(result), title="Timer")
            for w in result.warnings:
                if not w.needs_confirmation:
                    app.notify(w.message, severity="warning", timeout=8)
    await refresh_timer_status(app)


async def _stop(app: App[Any], store: Store, timer: RunningTimer) -> Stopped | str | None:
    from taskforce_tui.screens.modals.confirm import ConfirmModal
    from taskforce_tui.screens.timelog_forms import DISCARD_HOW, StopTimerModal
    from taskforce_tui.store.timelogs import ConfirmationNeeded

    state = timer_state(timer.started_at, now())
    if state.needs_choice:
        result: Stopped | str | None = await app.push_screen_wait(StopTimerModal(state))
        return result
    try:
        try:
            return await asyncio.to_thread(store.timer.stop)
        except ConfirmationNeeded as exc:
            if not await app.push_screen_wait(ConfirmModal(exc.message, "Sì, registra")):
                return None
            return await asyncio.to_thread(lambda: store.timer.stop(confirmed=True))
    except DomainError as exc:
        # An overlap, or less than a minute: let the user choose what to record.
        problem = exc.message
        if isinstance(exc, TimerTooShort):
            problem = TimerTooShort(DISCARD_HOW).message
        result = await app.push_screen_wait(StopTimerModal(state, problem))
        return result


async def refresh_timer_status(app: App[Any]) -> None:
    """Show a running timer on every screen: the places bar watches `running_timer`
    (text, not colour); the subtitle says the same for a Header."""
    store: Store | None = getattr(app, "store", None)
    if store is None:
        return

    def label() -> str:
        return timer_label(store, store.timer.current())

    text = await asyncio.to_thread(label)
    app.sub_title = f"Timer in corso {text}" if text else type(app).SUB_TITLE or ""
    if hasattr(app, "running_timer"):
        app.running_timer = text

"""The timer key (t), from any screen: start with a small form, stop and record.

A timer left running past midnight or over 10 hours is never recorded blindly:
the StopTimerModal asks what to record. The whole flow runs in one thread worker
of the app (group TIMER_GROUP), asking with `screens.base.ask`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.timelog import TimerTooShort, format_minutes, now, timer_state
from taskforce_tui.screens.base import ask

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


def toggle_timer(app: App[Any], context: dict[str, str | None] | None = None) -> None:
    """Start the timer if none runs (on the Comune of `context`, a screen's
    work_context, by default), otherwise stop it (asking when needed). Blocking: runs
    in a thread worker."""
    # The forms only when the key is pressed: this module is also read on the first
    # frame (app.dialog_pending, the timer line), and the forms cost ~35 ms to import.
    from taskforce_tui.screens.timelog_forms import TimerStartForm, context_names, load_choices

    store: Store | None = getattr(app, "store", None)
    if store is None:
        app.call_from_thread(
            app.notify,
            "Il profilo si sta ancora aprendo: riprova tra un attimo.",
            severity="warning",
        )
        return
    timer = store.timer.current()
    if timer is None:
        choices = load_choices(store)
        comune_name, _ = context_names(store, context or {})
        started = ask(app, TimerStartForm(choices, comune_name or None))
        if started is not None:
            app.call_from_thread(
                app.notify,
                f"Timer avviato alle {started.started_at:%H:%M}. Premi t per fermarlo.",
                title="Timer",
            )
    else:
        result = _stop(app, store, timer)
        if isinstance(result, str):
            app.call_from_thread(
                app.notify, "Timer scartato: nulla è stato registrato.", title="Timer"
            )
        elif result is not None:
            app.call_from_thread(app.notify, _stopped_message(result), title="Timer")
            for w in result.warnings:
                if not w.needs_confirmation:
                    app.call_from_thread(app.notify, w.message, severity="warning", timeout=8)
    refresh_timer_status(app)


def _stop(app: App[Any], store: Store, timer: RunningTimer) -> Stopped | str | None:
    from taskforce_tui.screens.modals.confirm import ConfirmModal
    from taskforce_tui.screens.timelog_forms import DISCARD_HOW, StopTimerModal
    from taskforce_tui.store.timelogs import ConfirmationNeeded

    state = timer_state(timer.started_at, now())
    if state.needs_choice:
        return ask(app, StopTimerModal(state))
    try:
        try:
            return store.timer.stop()
        except ConfirmationNeeded as exc:
            if not ask(app, ConfirmModal(exc.message, "Sì, registra")):
                return None
            return store.timer.stop(confirmed=True)
    except DomainError as exc:
        # An overlap, or less than a minute: let the user choose what to record.
        problem = exc.message
        if isinstance(exc, TimerTooShort):
            problem = TimerTooShort(DISCARD_HOW).message
        return ask(app, StopTimerModal(state, problem))


def refresh_timer_status(app: App[Any]) -> None:
    """Show a running timer on every screen: the places bar watches `running_timer`
    (text, not colour); the subtitle says the same for a Header. Blocking: runs in a
    thread worker."""
    store: Store | None = getattr(app, "store", None)
    if store is None:
        return
    text = timer_label(store, store.timer.current())
    app.call_from_thread(_show_timer_status, app, text)


def _show_timer_status(app: App[Any], text: str) -> None:
    app.sub_title = f"Timer in corso {text}" if text else type(app).SUB_TITLE or ""
    if hasattr(app, "running_timer"):
        app.running_timer = text

"""`taskforce log` and `taskforce timer`: the expert's hours from the shell.

`taskforce log` has a 300 ms budget end to end on a profile with a million time
logs: only the standard library and the store are imported, inside the handlers.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from taskforce_tui.cli.base import Context, FreeText, date_arg, emit_json, say, warn
from taskforce_tui.domain.errors import DomainError

if TYPE_CHECKING:
    from taskforce_tui.domain.records import TimeLog
    from taskforce_tui.store.timelogs import LogWarning


def _domain_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except DomainError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return convert


def _duration(text: str) -> int:
    from taskforce_tui.domain.timelog import parse_duration

    return int(parse_duration(text))


def _clock(text: str) -> str:
    from taskforce_tui.domain.timelog import parse_clock

    return str(parse_clock(text))


duration_arg = _domain_type(_duration)
clock_arg = _domain_type(_clock)


def _add_target(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--comune", help="codice ISTAT o nome del Comune")
    where.add_argument(
        "--trasversale",
        action="store_true",
        help="attività non legata a un Comune (coordinamento, formazione...)",
    )
    p.add_argument("--attivita", required=True, help="attività (codice o nome, es. affiancamento)")
    p.add_argument(
        "--pratica", action=FreeText, metavar="PROTOCOLLO", help="pratica (protocollo o id)"
    )
    p.add_argument(
        "--richiesta", metavar="ID", help="richiesta di assistenza (id o inizio dell'id)"
    )
    p.add_argument("--nota", action=FreeText, default="", help="nota libera")
    p.add_argument("--da-remoto", action="store_true", help="lavoro svolto da remoto")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "log",
        help="registra ore lavorate (es. taskforce log 1h30 --comune Bergamo --attivita "
        "affiancamento)",
        description=(
            "Registra ore lavorate. DURATA: 1h30, 1:30, 90m, 1.5h, 1,5h, 2h. Con --dalle e "
            "--alle la durata si può omettere."
        ),
    )
    p.add_argument("durata", nargs="?", type=duration_arg, metavar="DURATA")
    _add_target(p)
    p.add_argument("--data", type=date_arg, help="giorno del lavoro (default oggi)")
    p.add_argument("--dalle", type=clock_arg, metavar="HH:MM", help="ora di inizio")
    p.add_argument("--alle", type=clock_arg, metavar="HH:MM", help="ora di fine")
    p.add_argument("--conferma", action="store_true", help="conferma una giornata di più di 12 ore")
    p.add_argument(
        "--intervento",
        metavar="CUP",
        help="l'intervento delle Aree Interne su cui si è lavorato (CUP)",
    )
    p.add_argument("--json", action="store_true", help="stampa la registrazione in JSON")
    p.set_defaults(handler=cmd_log)

    t = sub.add_parser("timer", help="avvia, ferma o mostra il timer delle ore")
    tsub = t.add_subparsers(dest="timer_command", metavar="AZIONE", required=True)
    a = tsub.add_parser("avvia", help="avvia il timer su un Comune e un'attività")
    _add_target(a)
    a.set_defaults(handler=cmd_timer_avvia)
    f = tsub.add_parser(
        "ferma",
        help="ferma il timer e registra le ore",
        description=(
            "Ferma il timer e registra il tempo. Se il timer è rimasto acceso oltre la "
            "mezzanotte o per più di 10 ore, indica cosa registrare con --alle, --durata, "
            "--tutto oppure --scarta."
        ),
    )
    choice = f.add_mutually_exclusive_group()
    choice.add_argument(
        "--alle", type=clock_arg, metavar="HH:MM", help="ora di fine (giorno di avvio)"
    )
    choice.add_argument("--durata", type=duration_arg, metavar="DURATA", help="durata dall'avvio")
    choice.add_argument(
        "--tutto", action="store_true", help="registra tutto il tempo trascorso (oltre 10 ore)"
    )
    choice.add_argument("--scarta", action="store_true", help="ferma senza registrare nulla")
    f.add_argument("--conferma", action="store_true", help="conferma una giornata di più di 12 ore")
    f.set_defaults(handler=cmd_timer_ferma)
    s = tsub.add_parser("stato", help="mostra il timer in corso")
    s.add_argument("--json", action="store_true", help="uscita JSON")
    s.set_defaults(handler=cmd_timer_stato)


# --- shared ------------------------------------------------------------------------------------
class _Target:
    __slots__ = ("activity", "comune_code", "mode", "note", "practice_id", "request_id")

    def __init__(self, ctx: Context) -> None:
        from taskforce_tui.domain import vocab

        args = ctx.args
        store = ctx.store
        comune = ctx.comune(args.comune).istat_code if args.comune else None
        practice_id = request_id = None
        if args.pratica:
            scope = [comune] if comune else ctx.scope()
            practice = store.practices.find(args.pratica, scope)
            practice_id = practice.id
            comune = comune or practice.comune_code
        if args.richiesta:
            request = store.requests.find(args.richiesta)
            request_id = request.id
            comune = comune or request.comune_code
        if comune is None and not args.trasversale:
            raise DomainError(
                "Indica il Comune (--comune NOME o codice ISTAT), oppure --trasversale per "
                "un'attività non legata a un Comune."
            )
        self.comune_code = comune
        self.practice_id = practice_id
        self.request_id = request_id
        self.activity = store.lists.resolve_activity(args.attivita).code
        self.mode = vocab.MODE_REMOTO if args.da_remoto else vocab.MODE_PRESENZA
        self.note = args.nota.strip()


def _describe(ctx: Context, log: TimeLog) -> str:
    from taskforce_tui.domain.dates import format_date
    from taskforce_tui.domain.timelog import format_minutes

    store = ctx.store
    comune = store.comuni.get(log.comune_code) if log.comune_code else None
    activity = store.lists.resolve_activity(log.activity).name
    times = f" ({log.start_time}-{log.end_time})" if log.start_time else ""
    where = comune.name if comune else "attività trasversale"
    return (
        f"{format_minutes(log.minutes)} ore il {format_date(log.work_date)}{times} - {where}, "
        f"{activity} (id {log.id[:8]})"
    )


def _warn_all(warnings: list[LogWarning]) -> None:
    for w in warnings:
        if not w.needs_confirmation:
            warn(w.message)


def _confirm_hint(exc: DomainError, command: str) -> DomainError:
    return DomainError(f"{exc.message} Nulla è stato registrato: ripeti {command} con --conferma.")


# --- taskforce log -------------------------------------------------------------------------
def cmd_log(ctx: Context) -> int:
    from taskforce_tui.domain.dates import today
    from taskforce_tui.domain.records import TimeLog
    from taskforce_tui.domain.serialize import timelog_dict
    from taskforce_tui.domain.timelog import resolve_span
    from taskforce_tui.store.timelogs import ConfirmationNeeded

    args = ctx.args
    span = resolve_span(args.durata, args.dalle, args.alle)
    store = ctx.store
    target = _Target(ctx)
    # checked before anything is written: an unknown CUP records nothing
    intervention = store.interventions.find(args.intervento) if args.intervento else None
    log = TimeLog(
        id="",
        expert_id=store.expert_id or "",
        work_date=args.data or today(),
        minutes=span.minutes,
        activity=target.activity,
        mode=target.mode,
        comune_code=target.comune_code,
        practice_id=target.practice_id,
        request_id=target.request_id,
        note=target.note,
        start_time=span.start_time,
        end_time=span.end_time,
        intervention_id=intervention.id if intervention else None,
    )
    repo = store.timelogs
    try:
        with store.write() as tx:
            warnings = repo.insert_in(tx, log, confirmed=args.conferma)
    except ConfirmationNeeded as exc:
        raise _confirm_hint(exc, "il comando") from None
    _warn_all(warnings)
    if args.json:
        extra = {"intervention_cup": intervention.cup} if intervention is not None else {}
        emit_json(timelog_dict(log, **extra))
    else:
        say(f"Registrate {_describe(ctx, log)}.")
    return 0


# --- taskforce timer -----------------------------------------------------------------------
def cmd_timer_avvia(ctx: Context) -> int:
    target = _Target(ctx)
    timer = ctx.store.timer.start(
        activity=target.activity,
        mode=target.mode,
        comune_code=target.comune_code,
        practice_id=target.practice_id,
        request_id=target.request_id,
        note=target.note,
    )
    comune = ctx.store.comuni.get(timer.comune_code) if timer.comune_code else None
    activity = ctx.store.lists.resolve_activity(timer.activity).name
    say(
        f"Timer avviato alle {timer.started_at:%H:%M} - "
        f"{comune.name if comune else 'attività trasversale'}, {activity}. "
        "Fermalo con `taskforce timer ferma`."
    )
    return 0


def overrun_options(state: Any) -> str:
    """The choices offered when a timer ran past midnight or over 10 hours."""
    from taskforce_tui.domain.dates import format_date

    started = state.started_at
    lines = [
        "Scegli cosa registrare:",
        f"  taskforce timer ferma --alle HH:MM   ora di fine del lavoro il "
        f"{format_date(started.date())} (es. --alle 18:00)",
        f"  taskforce timer ferma --durata 2h30  durata dall'avvio delle {started:%H:%M}",
    ]
    if not state.crossed_midnight:
        lines.append("  taskforce timer ferma --tutto        tutto il tempo trascorso")
    lines.append("  taskforce timer ferma --scarta       non registrare nulla")
    return "\n".join(lines)


def cmd_timer_ferma(ctx: Context) -> int:
    from taskforce_tui.domain.timelog import TimerTooShort
    from taskforce_tui.store.timelogs import ConfirmationNeeded
    from taskforce_tui.store.timer import TimerOverrun

    args = ctx.args
    timers = ctx.store.timer
    if args.scarta:
        timer = timers.discard()
        say(f"Timer partito alle {timer.started_at:%H:%M} scartato: nulla è stato registrato.")
        return 0
    try:
        stopped = timers.stop(
            end_time=args.alle,
            minutes=args.durata,
            accept_all=args.tutto,
            confirmed=args.conferma,
        )
    except TimerOverrun as exc:
        raise DomainError(
            f"{exc.message} Il timer resta in corso.\n{overrun_options(exc.state)}"
        ) from None
    except TimerTooShort:
        raise TimerTooShort("`taskforce timer ferma --scarta`") from None
    except ConfirmationNeeded as exc:
        raise _confirm_hint(exc, "`taskforce timer ferma`") from None
    _warn_all(stopped.warnings)
    say(f"Timer fermato: registrate {_describe(ctx, stopped.log)}.")
    return 0


def cmd_timer_stato(ctx: Context) -> int:
    from taskforce_tui.domain.dates import format_date
    from taskforce_tui.domain.timelog import format_minutes, now, timer_state

    store = ctx.store
    timer = store.timer.current()
    if timer is None:
        if ctx.args.json:
            emit_json(None)
        else:
            say("Nessun timer in corso.")
        return 0
    state = timer_state(timer.started_at, now())
    comune = store.comuni.get(timer.comune_code) if timer.comune_code else None
    activity = store.lists.resolve_activity(timer.activity).name
    if ctx.args.json:
        emit_json(
            {
                "started_at": timer.started_at.isoformat(),
                "comune_code": timer.comune_code,
                "comune_name": comune.name if comune else None,
                "activity": timer.activity,
                "mode": timer.mode,
                "practice_id": timer.practice_id,
                "request_id": timer.request_id,
                "note": timer.note,
                "minutes": state.minutes,
                "needs_choice": state.needs_choice,
            }
        )
        return 0
    say(
        f"Timer in corso dal {format_date(timer.started_at.date())} alle "
        f"{timer.started_at:%H:%M} ({format_minutes(state.minutes)} ore) - "
        f"{comune.name if comune else 'attività trasversale'}, {activity}."
    )
    if state.needs_choice:
        warn(state.explanation())
        warn(overrun_options(state))
    return 0

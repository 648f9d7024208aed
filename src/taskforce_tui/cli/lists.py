"""Editable reference lists from the shell: procedure types (with legal terms), activities."""

from __future__ import annotations

from typing import Any

from taskforce_tui.cli.base import Context, FreeText, emit_json, emit_table, positive_int, say


def register(sub: Any) -> None:
    p = sub.add_parser("tipi", help="tipi di procedimento e termini di legge")
    p.add_argument("--tutti", action="store_true", help="anche quelli disattivati")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_tipi)
    tsub = p.add_subparsers(dest="tipi_command", metavar="AZIONE")
    s = tsub.add_parser("imposta", help="aggiunge o modifica un tipo di procedimento")
    s.add_argument("codice", nargs="?", default="", help="codice (nuovo: ricavato dal nome)")
    s.add_argument("--nome", action=FreeText, required=True)
    s.add_argument("--ambito", required=True)
    s.add_argument("--termine", required=True, type=positive_int, help="giorni")
    s.add_argument("--disattiva", action="store_true", help="non proporlo per nuove pratiche")
    s.set_defaults(handler=cmd_tipi_imposta)

    p = sub.add_parser("attivita", help="attività per il registro ore")
    p.add_argument("--tutte", action="store_true", help="anche quelle disattivate")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_attivita)
    asub = p.add_subparsers(dest="attivita_command", metavar="AZIONE")
    s = asub.add_parser("imposta", help="aggiunge o modifica un'attività")
    s.add_argument("codice", nargs="?", default="", help="codice (nuova: ricavato dal nome)")
    s.add_argument("--nome", action=FreeText, required=True)
    s.add_argument("--disattiva", action="store_true")
    s.set_defaults(handler=cmd_attivita_imposta)


def cmd_tipi(ctx: Context) -> int:
    types = ctx.store.lists.procedure_types(include_inactive=ctx.args.tutti)
    ambiti = ctx.store.lists.ambiti()
    if ctx.args.json:
        emit_json(
            [
                {
                    "code": t.code,
                    "name": t.name,
                    "ambito": t.ambito,
                    "legal_term_days": t.legal_term_days,
                    "active": t.active,
                }
                for t in types
            ]
        )
        return 0
    emit_table(
        ("Codice", "Tipo di procedimento", "Ambito", "Termine (gg)", "Attivo"),
        [
            (t.code, t.name, ambiti.get(t.ambito, t.ambito), t.legal_term_days, t.active)
            for t in types
        ],
    )
    return 0


def cmd_tipi_imposta(ctx: Context) -> int:
    from taskforce_tui.domain.records import ProcedureType
    from taskforce_tui.domain.vocab import choose

    args = ctx.args
    ambito = choose(args.ambito, ctx.store.lists.ambiti(), "Ambito", "ambito")
    code = args.codice.strip().lower()
    ctx.store.lists.save_procedure_type(
        ProcedureType(code, args.nome, ambito, args.termine, not args.disattiva)
    )
    say(f"Tipo di procedimento «{args.nome}» salvato ({args.termine} giorni).")
    return 0


def cmd_attivita(ctx: Context) -> int:
    items = ctx.store.lists.activities(include_inactive=ctx.args.tutte)
    if ctx.args.json:
        emit_json([{"code": a.code, "name": a.name, "active": a.active} for a in items])
        return 0
    emit_table(("Codice", "Attività", "Attiva"), [(a.code, a.name, a.active) for a in items])
    return 0


def cmd_attivita_imposta(ctx: Context) -> int:
    from taskforce_tui.domain.records import Activity

    ctx.store.lists.save_activity(
        Activity(ctx.args.codice.strip().lower(), ctx.args.nome, not ctx.args.disattiva)
    )
    say(f"Attività «{ctx.args.nome}» salvata.")
    return 0

"""`taskforce baseline`: the reference figures each Comune's progress is measured against."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import Context, emit_json, emit_table, say


def register(sub: Any) -> None:
    p = sub.add_parser(
        "baseline",
        help="basi di riferimento (durata media e arretrato) per Comune e tipo",
        description=(
            "Senza azione elenca le basi di riferimento dei tuoi Comuni. Le basi arrivano "
            "dalla Segreteria Tecnica con la sincronizzazione, oppure le inserisci o importi tu."
        ),
    )
    p.add_argument("--comune", help="un solo Comune (codice ISTAT o nome)")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_baseline)
    bsub = p.add_subparsers(dest="baseline_command", metavar="AZIONE")

    s = bsub.add_parser("imposta", help="inserisce o modifica la base di un Comune e tipo")
    s.add_argument("--comune", required=True, help="codice ISTAT o nome")
    s.add_argument("--tipo", required=True, help="tipo di procedimento (codice o nome)")
    s.add_argument("--periodo", required=True, help="semestre di riferimento, es. 2022-H1")
    s.add_argument("--durata", help="durata media in giorni (es. 87,5)")
    s.add_argument("--arretrato", help="arretrato (numero di pratiche)")
    s.set_defaults(handler=cmd_baseline_imposta)

    d = bsub.add_parser("elimina", help="elimina la base di un Comune e tipo")
    d.add_argument("--comune", required=True, help="codice ISTAT o nome")
    d.add_argument("--tipo", required=True, help="tipo di procedimento (codice o nome)")
    d.set_defaults(handler=cmd_baseline_elimina)

    i = bsub.add_parser(
        "importa",
        help="importa le basi da un file CSV o XLSX",
        description=(
            "Colonne: comune (codice ISTAT o nome), tipo, periodo, durata media, arretrato "
            "(vedi docs/indicators.md). Il file è controllato per intero: se una riga è "
            "sbagliata non viene scritto nulla."
        ),
    )
    i.add_argument("file", type=Path, metavar="FILE", help="file .csv o .xlsx")
    i.add_argument("--periodo", help="periodo per le righe senza colonna periodo, es. 2022-H1")
    i.add_argument("--prova", action="store_true", help="controlla il file senza scrivere")
    i.set_defaults(handler=cmd_baseline_importa)


def cmd_baseline(ctx: Context) -> int:
    from taskforce_tui.domain.indicators import fmt_dec, fmt_int
    from taskforce_tui.store.baselines import BaselineRepo

    args = ctx.args
    scope = [ctx.comune(args.comune).istat_code] if args.comune else ctx.scope()
    baselines = BaselineRepo(ctx.store).effective(scope)
    names = {c.istat_code: c.name for c in ctx.store.comuni.all()}
    items = sorted(
        baselines.values(), key=lambda b: (names.get(b.comune_code, ""), b.procedure_type)
    )
    if args.json:
        emit_json(
            [
                {
                    "id": b.id,
                    "comune_code": b.comune_code,
                    "comune_name": names.get(b.comune_code, b.comune_code),
                    "procedure_type": b.procedure_type,
                    "period": b.period,
                    "avg_duration_days": b.avg_duration_days,
                    "backlog": b.backlog,
                    "source": b.source,
                }
                for b in items
            ]
        )
        return 0
    if not items:
        say(
            "Nessuna base di riferimento: inseriscila con `taskforce baseline imposta` o "
            "importala con `taskforce baseline importa FILE`."
        )
        return 0
    emit_table(
        ("Comune", "Tipo", "Periodo", "Durata media gg", "Arretrato", "Fonte"),
        [
            (
                names.get(b.comune_code, b.comune_code),
                b.procedure_type,
                b.period,
                fmt_dec(b.avg_duration_days),
                fmt_int(b.backlog),
                b.source,
            )
            for b in items
        ],
    )
    return 0


def cmd_baseline_imposta(ctx: Context) -> int:
    from taskforce_tui.domain.indicators import fmt_dec, fmt_int
    from taskforce_tui.store.baselines import BaselineRepo

    args = ctx.args
    comune = ctx.comune(args.comune)
    ptype = ctx.store.lists.resolve_procedure_type(args.tipo)
    saved = BaselineRepo(ctx.store).save(
        comune.istat_code, ptype.code, args.periodo, args.durata, args.arretrato
    )
    say(
        f"Base {saved.period} di {comune.name}, {ptype.name}: durata media "
        f"{fmt_dec(saved.avg_duration_days)} gg, arretrato {fmt_int(saved.backlog)}."
    )
    return 0


def cmd_baseline_elimina(ctx: Context) -> int:
    from taskforce_tui.domain.errors import DomainError
    from taskforce_tui.store.baselines import BaselineRepo

    args = ctx.args
    comune = ctx.comune(args.comune)
    ptype = ctx.store.lists.resolve_procedure_type(args.tipo)
    if not BaselineRepo(ctx.store).delete(comune.istat_code, ptype.code):
        raise DomainError(f"{comune.name} non ha una base per {ptype.name}: niente da eliminare.")
    say(f"Base di {comune.name}, {ptype.name} eliminata.")
    return 0


def cmd_baseline_importa(ctx: Context) -> int:
    from taskforce_tui.store.baselines import BaselineRepo

    args = ctx.args
    result = BaselineRepo(ctx.store).import_file(args.file, period=args.periodo, dry_run=args.prova)
    prefix = "Prova (nessuna modifica): " if result.dry_run else ""
    verb = "sarebbero" if result.dry_run else "sono"
    say(
        f"{prefix}{result.rows} basi di {len(result.comuni)} Comuni in {args.file.name}: "
        f"{result.added} nuove, {result.updated} aggiornate, {result.unchanged} invariate "
        f"({verb} scritte {result.added + result.updated})."
    )
    return 0

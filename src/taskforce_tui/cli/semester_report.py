"""`taskforce report semestrale`: the DPCM 12/11/2021 semester table (docs/indicators.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import Context, say
from taskforce_tui.domain.errors import DomainError


def semester_arg(text: str) -> Any:
    from taskforce_tui.domain.dates import Semester

    try:
        return Semester.parse(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(rsub: Any) -> None:
    p = rsub.add_parser(
        "semestrale",
        help="tabella semestrale DPCM 12/11/2021: tempi medi e arretrato per Comune e tipo",
        description=(
            "Per ogni Comune e tipo di procedimento: avviati, conclusi per silenzio-assenso e "
            "con provvedimento espresso (di cui con conferenza di servizi e con sospensione), "
            "durata media effettiva, termine di legge, arretrato, più base di riferimento e "
            "progressi. Definizioni in docs/indicators.md."
        ),
    )
    p.add_argument("semestre", type=semester_arg, metavar="SEMESTRE", help="es. 2026-H1")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--comune", help="un solo Comune (codice ISTAT o nome)")
    which.add_argument("--tutti", action="store_true", help="tutti i Comuni con dati")
    p.add_argument(
        "--formato",
        choices=("xlsx", "csv", "json"),
        help="xlsx, csv o json (default: dall'estensione di -o, altrimenti json)",
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="file da scrivere")
    p.set_defaults(handler=cmd_semestrale)


def cmd_semestrale(ctx: Context) -> int:
    from taskforce_tui.domain.dates import today
    from taskforce_tui.reports import semester as semester_report
    from taskforce_tui.store.indicators import IndicatorRepo

    args = ctx.args
    fmt = semester_report.choose_format(args.formato, args.output)
    if fmt == "xlsx" and args.output is None:
        raise DomainError(
            f"Per il formato xlsx indica il file da creare, es. -o semestrale-{args.semestre}.xlsx"
        )
    store = ctx.store
    comuni: list[str] | None
    if args.comune:
        comune = ctx.comune(args.comune)
        comuni, scope = [comune.istat_code], f"Comune di {comune.name} ({comune.province})"
    elif args.tutti:
        comuni, scope = None, "Tutti i Comuni"
    else:
        comuni = store.comuni.assigned_codes(store.expert_id)
        me = store.experts.me()
        if comuni and me is not None:
            scope = f"Comuni seguiti da {me.name} ({len(comuni)})"
        else:
            comuni, scope = None, "Tutti i Comuni"
    report = IndicatorRepo(store).report(args.semestre, comuni, today(), scope)
    if args.output is None:
        data = semester_report.render(report, fmt)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    semester_report.write(report, fmt, args.output)
    say(
        f"Report {report.semester} scritto in {args.output}: {len(report.rows)} righe, "
        f"{len(report.comuni)} Comuni ({report.as_of_label})."
    )
    return 0

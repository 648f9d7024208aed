"""`taskforce report mensile AAAA-MM`: the monthly timesheet an expert hands in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import Context, say
from taskforce_tui.domain.errors import DomainError


def _month(text: str) -> Any:
    from taskforce_tui.domain.timelog import Month

    try:
        return Month.parse(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(rsub: Any) -> None:
    p = rsub.add_parser(
        "mensile",
        help="registro mensile delle ore (XLSX, CSV o JSON)",
        description=(
            "Il registro mensile delle ore da consegnare: una riga per registrazione, totali "
            "per giorno, Comune e attività, ore e giornate equivalenti, spazi per le firme. "
            "Le ore per giornata si impostano nel config.toml del profilo "
            "([registro_ore] ore_per_giornata = 8)."
        ),
    )
    p.add_argument("mese", type=_month, metavar="AAAA-MM", help="il mese, es. 2026-11")
    p.add_argument(
        "--formato",
        choices=("xlsx", "csv", "json"),
        default=None,
        help="xlsx (default), csv (punto e virgola, virgola decimale) o json",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="file da scrivere (default registro-ore-AAAA-MM.xlsx; JSON senza -o: a video)",
    )
    p.set_defaults(handler=cmd_mensile)


def cmd_mensile(ctx: Context) -> int:
    from taskforce_tui.reports import timesheet

    args = ctx.args
    fmt = args.formato
    if fmt is None:
        suffix = args.output.suffix.lower().lstrip(".") if args.output else ""
        fmt = suffix if suffix in timesheet.FORMATS else "xlsx"
    sheet = timesheet.build(ctx.store, args.mese, timesheet.hours_per_day(ctx.profile))
    if fmt == "json" and args.output is None:
        sys.stdout.write(timesheet.render(sheet, "json").decode("utf-8"))
        return 0
    path = args.output or Path(timesheet.default_name(sheet, fmt))
    written = timesheet.write(sheet, fmt, path)
    total = sheet.total_minutes
    days = f"{sheet.days(total):.2f}".replace(".", ",")
    per_day = f"{sheet.hours_per_day:g}".replace(".", ",")
    say(
        f"Registro ore di {sheet.month.label} scritto in {written}: {len(sheet.entries)} "
        f"registrazioni, {total // 60}:{total % 60:02d} ore ({days} giornate da {per_day} ore)."
    )
    return 0

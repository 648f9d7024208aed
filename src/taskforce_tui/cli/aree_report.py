"""`taskforce report aree-interne`: per-area and per-intervention tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import Context, date_arg, say


# --- the report -----------------------------------------------------------------------------------
def register(rsub: Any) -> None:
    p = rsub.add_parser(
        "aree-interne",
        help="Aree Interne: programmato, impegnato, pagato per area e per intervento",
    )
    p.add_argument("--area", metavar="CODICE", help="una sola area")
    p.add_argument("--al", type=date_arg, metavar="DATA", help="dati a questa data (default oggi)")
    p.add_argument("--formato", choices=("xlsx", "csv", "json"), help="default: dall'estensione")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    p.set_defaults(handler=cmd_report)


def cmd_report(ctx: Context) -> int:
    from taskforce_tui.domain.dates import today
    from taskforce_tui.reports import aree_interne

    args = ctx.args
    fmt = aree_interne.pick_format(args.formato, args.output)
    report = aree_interne.build(ctx.store, args.al or today(), args.area)
    aree_interne.write(report, fmt, args.output)
    say(
        f"Report Aree Interne ({report.scope}, {report.as_of_label}): {len(report.areas)} aree, "
        f"{len(report.rows)} interventi in {args.output}."
    )
    return 0

"""`taskforce report ...`: one parent command; each report registers its own subcommand."""

from __future__ import annotations

import importlib
from typing import Any

#: Modules with a `register(report_subparsers)` function, in help order.
REPORT_MODULES: tuple[str, ...] = (
    "taskforce_tui.cli.timesheet",
    "taskforce_tui.cli.semester_report",
    "taskforce_tui.cli.aree_report",
)


def register(sub: Any) -> None:
    if not REPORT_MODULES:
        return
    p = sub.add_parser("report", help="produce i report (mensile delle ore, semestrale)")
    rsub = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    for name in REPORT_MODULES:
        importlib.import_module(name).register(rsub)

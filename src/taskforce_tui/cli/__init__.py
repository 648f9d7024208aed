"""The `taskforce` command: subcommands for scripts, and the TUI when none is given.

Each group of subcommands lives in its own module with a `register(subparsers)`
function; imports inside handlers stay lazy so the command starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from taskforce_tui import __version__
from taskforce_tui.cli.base import Context, Parser

#: Modules contributing subcommands, in help order.
COMMAND_MODULES = (
    "taskforce_tui.cli.core",
    "taskforce_tui.cli.lists",
    "taskforce_tui.cli.aree",
    "taskforce_tui.cli.time",
    "taskforce_tui.cli.report",
    "taskforce_tui.cli.importer",
    "taskforce_tui.cli.baseline",
    "taskforce_tui.cli.sync",
)


def build_parser() -> Parser:
    parser = Parser(
        prog="taskforce",
        description=(
            "taskforce-tui: Comuni, pratiche, richieste e ore degli esperti PNRR della task "
            "force di Regione Lombardia. Senza comando apre l'applicazione."
        ),
    )
    parser.add_argument(
        "--data-dir",
        metavar="CARTELLA",
        help="cartella del profilo (altrimenti $TASKFORCE_HOME o la cartella dati utente)",
    )
    parser.add_argument("--version", action="version", version=f"taskforce-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMANDO", title="comandi")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    ctx = Context(args)
    from taskforce_tui.domain.errors import DomainError
    from taskforce_tui.store.db import StoreError

    try:
        if handler is None:
            from taskforce_tui.cli.core import run_tui

            return run_tui(ctx)
        return int(handler(ctx) or 0)
    except DomainError as exc:
        sys.stderr.write(f"errore: {exc.message}\n")
        return 2
    except StoreError as exc:
        sys.stderr.write(f"errore: {exc}\n")
        return 2
    except BrokenPipeError:
        # Output piped into `head` or similar: the reader has gone, nothing to report.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("interrotto.\n")
        return 130
    except Exception as exc:
        from taskforce_tui.store.crashlog import write_crash_log

        path = write_crash_log(ctx.profile, exc)
        sys.stderr.write(
            f"errore inatteso: {exc.__class__.__name__}. Nessun dato salvato è andato perso. "
            f"Dettagli in {path}\n"
        )
        return 1
    finally:
        ctx.close()


__all__ = ["argparse", "build_parser", "main"]

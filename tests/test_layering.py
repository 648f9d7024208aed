"""The core (store, domain) never imports Textual; the CLI's hot path stays light."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_core_never_imports_textual() -> None:
    modules = _modules_after(
        "import pkgutil, importlib, taskforce_tui.store, taskforce_tui.domain\n"
        "import taskforce_tui.sync, taskforce_tui.importer\n"
        "for pkg in (taskforce_tui.store, taskforce_tui.domain, taskforce_tui.sync,\n"
        "            taskforce_tui.importer):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        if m.name != 'models':\n"
        "            importlib.import_module(pkg.__name__ + '.' + m.name)"
    )
    assert "taskforce_tui.store.practices" in modules
    assert "taskforce_tui.sync.merge" in modules and "taskforce_tui.importer.plan" in modules
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}


def test_cli_parser_does_not_import_the_orm_or_textual() -> None:
    modules = _modules_after("from taskforce_tui.cli import build_parser\nbuild_parser()")
    heavy = {
        "textual",
        "sqlalchemy",
        "sqlmodel",
        "pydantic",
        "rich",
        "openpyxl",
        "xlsxwriter",
        "odf",
    }
    assert not heavy & modules

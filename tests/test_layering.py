"""The core (store, domain) never imports Textual; the CLI's hot path stays light."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path


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
        "import taskforce_tui.sync, taskforce_tui.importer, taskforce_tui.reports\n"
        "for pkg in (taskforce_tui.store, taskforce_tui.domain, taskforce_tui.sync,\n"
        "            taskforce_tui.importer, taskforce_tui.reports):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)"
    )
    assert "taskforce_tui.store.practices" in modules
    assert "taskforce_tui.sync.merge" in modules and "taskforce_tui.importer.plan" in modules
    assert "taskforce_tui.reports.timesheet" in modules
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


# --- dependencies point one way ---------------------------------------------------------------
SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "taskforce_tui"


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules `name` imports, at the top or inside functions (an import
    in a function is a dependency too, only a later one); `if TYPE_CHECKING:` blocks
    are types only and do not count."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name in modules)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, *([child.module] if child.module else [])])
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    if full in modules:
                        found.add(full)
                    elif base in modules:
                        found.add(base)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


def test_no_import_cycle_in_the_package() -> None:
    """app -> screens -> messages / places, store/db.py -> repositories -> store/ids.py:
    every dependency points one way."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "taskforce_tui.store.ids" in graph["taskforce_tui.store.practices"]
    assert "taskforce_tui.messages" in graph["taskforce_tui.screens.base"]
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b[^\n]*\b(FROM|INTO|SET|WHERE)\b")


def test_screens_and_widgets_hold_no_sql() -> None:
    """Every query is a store method: the faces never import sqlite3 nor hold SQL."""
    offenders = []
    for folder in ("screens", "widgets"):
        for path in sorted((SRC / PACKAGE / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                    names += [a.name for a in node.names]
                    if "sqlite3" in names:
                        offenders.append(f"{path.name}: import sqlite3")
                elif (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and (SQL.search(node.value) or ".execute(" in node.value)
                ):
                    offenders.append(f"{path.name}:{node.lineno}: {node.value[:40]!r}")
            if ".execute(" in text:
                offenders.append(f"{path.name}: .execute(")
    assert offenders == []


def test_one_confirm_dialog() -> None:
    """Every yes/no question is modals/confirm.py ConfirmModal."""
    found = [
        f"{path.relative_to(SRC)}"
        for path in sorted((SRC / PACKAGE / "screens").rglob("*.py"))
        if "ModalScreen[bool]" in path.read_text(encoding="utf-8")
    ]
    assert found == ["taskforce_tui/screens/modals/confirm.py"]

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


# --- one way to load, one form base -----------------------------------------------------------
FACES = [
    *sorted((SRC / PACKAGE / "screens").rglob("*.py")),
    *sorted((SRC / PACKAGE / "widgets").rglob("*.py")),
    SRC / PACKAGE / "app.py",
    SRC / PACKAGE / "commands.py",
]
#: Other ways to reach the store or wait for a dialog than the house one (a thread
#: worker ending in call_from_thread; screens.base.ask inside it).
OTHER_IDIOMS = (
    "to_thread",
    "run_in_executor",
    "push_screen_wait",
    "wait_for_dismiss",
    "with_store",
)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _threaded(call: ast.Call) -> bool:
    return any(
        k.arg == "thread" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def _loading_offenders(path: Path) -> list[str]:
    offenders = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute | ast.Name) and _name(node) in OTHER_IDIOMS:
            offenders.append(f"{where}: {_name(node)}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if _name(deco) == "work" and not (isinstance(deco, ast.Call) and _threaded(deco)):
                    offenders.append(f"{where}: @work without thread=True")
        elif isinstance(node, ast.Call) and _name(node) == "run_worker" and not _threaded(node):
            offenders.append(f"{where}: run_worker without thread=True")
    return offenders


def test_screens_read_the_store_one_way() -> None:
    """Thread workers only (docs/architecture.md): no async worker, no asyncio.to_thread,
    no push_screen_wait; a flow that asks waits with screens.base.ask in its thread."""
    assert [o for path in FACES for o in _loading_offenders(path)] == []


def test_the_loading_check_finds_the_other_idioms(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "@work(exclusive=True)\n"
        "async def a(self):\n"
        "    x = await asyncio.to_thread(f)\n"
        "    y = await self.app.push_screen_wait(s)\n"
        "@work(thread=True)\n"
        "def b(self):\n"
        "    self.run_worker(c())\n"
        "    self.run_worker(c, thread=True)\n"
    )
    assert sorted(o.split(": ", 1)[1] for o in _loading_offenders(sample)) == [
        "@work without thread=True",
        "push_screen_wait",
        "run_worker without thread=True",
        "to_thread",
    ]


#: Modal screens with an input that are not forms of fields: the first-run wizard (a
#: search and two lists of Comuni), the sync dialog (a folder, then a progress bar).
NOT_FORMS = {"WizardScreen", "SyncScreen"}
FIELD_WIDGETS = {"Input", "Select", "Checkbox", "Tick", "TextArea"}


def _hand_built_forms(files: list[Path]) -> list[str]:
    """Classes that are ModalScreens (through any base in `files`), not FormModals,
    and compose a field widget."""
    classes: dict[str, ast.ClassDef] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node

    def bases(name: str) -> set[str]:
        node = classes.get(name)
        if node is None:
            return set()
        direct = {_name(b.value if isinstance(b, ast.Subscript) else b) for b in node.bases}
        return direct.union(*(bases(b) for b in direct if b != name))

    found = []
    for name, node in sorted(classes.items()):
        ancestry = bases(name)
        if name == "FormModal" or "ModalScreen" not in ancestry or "FormModal" in ancestry:
            continue
        calls = {_name(n) for n in ast.walk(node) if isinstance(n, ast.Call)}
        if calls & FIELD_WIDGETS:
            found.append(name)
    return found


def test_every_form_is_a_form_modal() -> None:
    """One form base: a modal screen with fields is a modals/forms.py FormModal (inline
    errors that clear as the user types, F2/Enter saves, Escape cancels)."""
    files = sorted((SRC / PACKAGE / "screens").rglob("*.py"))
    assert set(_hand_built_forms(files)) == NOT_FORMS
    subclasses = {
        "TimeLogForm",
        "TimerStartForm",
        "StopTimerModal",
        "ExportForm",
        "BaselineForm",
        "ResolveConflictModal",
    }
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    for name in subclasses:
        assert re.search(rf"class {name}\(FormModal\[", text), name


def test_the_form_check_finds_a_hand_built_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class Base(ModalScreen[None]): pass\n"
        "class Hand(Base):\n"
        "    def compose(self):\n"
        "        yield Input(id='x')\n"
        "class Fine(FormModal[int]):\n"
        "    def compose(self):\n"
        "        yield Input(id='x')\n"
        "class Question(ModalScreen[bool]):\n"
        "    def compose(self):\n"
        "        yield Button('ok')\n"
    )
    assert _hand_built_forms([sample]) == ["Hand"]


def test_the_laptop_never_loads_the_server_drivers() -> None:
    """Issue 17: the laptop stays on SQLite and its start-up pays nothing for the centre
    on PostgreSQL. The app, the laptop's sync and even the centre's module (imported
    by the CLI's sync commands) load neither psycopg nor SQLAlchemy; only a centre
    opened on a URL does (store/pg.py)."""
    modules = _modules_after(
        "import taskforce_tui.app, taskforce_tui.sync.laptop, taskforce_tui.sync.central\n"
        "import taskforce_tui.cli.sync, taskforce_tui.store.db"
    )
    assert "taskforce_tui.sync.central" in modules
    assert not {m for m in modules if m.split(".")[0] in ("psycopg", "sqlalchemy")}
    assert "taskforce_tui.store.pg" not in modules

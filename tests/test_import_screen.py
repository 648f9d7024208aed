"""The import screen (Pilot): preview, mapping fix, conflicts, confirmation, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.importer.service import ImportSession
from taskforce_tui.screens.importer import FieldPicker, ImportScreen
from taskforce_tui.screens.modals.confirm import ConfirmModal
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile
from tests.import_helpers import row, snapshot, write_xlsx


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 15) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    await pilot.pause()
    assert condition(), "condition never met"


def text(app: TaskforceApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def import_screen(pilot: Pilot[Any]) -> ImportScreen:
    """The app's profile open, then `i`: the import screen."""
    app = pilot.app
    await until(pilot, lambda: getattr(app, "store", None) is not None)
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, ImportScreen))
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def open_import(pilot: Pilot[Any], path: Path) -> ImportScreen:
    screen = await import_screen(pilot)
    screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    return screen


async def test_preview_then_confirm_writes_the_practices(
    expert_store: Store, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "pratiche.xlsx", [row("1/2026"), row("2/2026"), row("3/2026", tipo="Boh")]
    )
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, path)
        await until(pilot, lambda: screen.session is not None)
        summary = text(app, "#summary")
        assert "Nuove 2, aggiornate 0, invariate 0, scartate 1" in summary
        rejections = screen.query_one("#rejections", DataTable)
        assert rejections.row_count == 1
        assert rejections.get_row_at(0)[:3] == [6, "Tipo procedimento (B)", "Boh"]
        with Store(folder / "taskforce.sqlite3") as s:
            assert s.practices.count(_all()) == 0  # nothing written by the preview
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "Importare 2 nuove pratiche" in text(app, "#question")
        await pilot.press("s")
        await until(pilot, lambda: screen.imported)
        assert "Importate 2 nuove pratiche" in text(app, "#summary")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ImportScreen))
    with Store(folder / "taskforce.sqlite3") as s:
        assert s.practices.find("2/2026").subject == "Ampliamento"
        assert s.practices.count(_all()) == 2


def _all() -> Any:
    from taskforce_tui.store.practices import PracticeFilter

    return PracticeFilter()


async def test_a_column_mapped_by_hand(expert_store: Store, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "pratiche.xlsx",
        [["016024", "SCIA", "1/2026", datetime(2026, 3, 2)]],
        header=["Codice ISTAT", "Procedura", "N. protocollo", "Data avvio"],
    )
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_import(pilot, path)
        await until(pilot, lambda: screen.session is not None)
        assert "MANCANO le colonne: Tipo procedimento" in text(app, "#summary")
        columns = screen.query_one("#columns", DataTable)
        columns.move_cursor(row=1)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, FieldPicker))
        picker = app.screen.query_one("#fields", OptionList)
        picker.highlighted = picker.get_option_index("tipo")
        await pilot.press("enter")
        await until(pilot, lambda: "Nuove 1" in text(app, "#summary"))
        assert columns.get_row_at(1)[2] == "Tipo procedimento"
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("s")
        await until(pilot, lambda: screen.imported)
    with Store(folder / "taskforce.sqlite3") as s:
        assert s.practices.find("1/2026").procedure_type == "scia"
        assert s.conn.execute("SELECT key FROM import_mapping").fetchall() == [("016024",)]


async def test_differences_with_the_app_are_decided_by_the_user(
    expert_store: Store, tmp_path: Path
) -> None:
    first = ImportSession(expert_store, write_xlsx(tmp_path / "v1.xlsx", [row("1/2026")]))
    first.load()
    first.apply()
    practice = expert_store.practices.find("1/2026")
    expert_store.practices.edit(practice.id, subject="Scritto dall'esperto")
    newer = write_xlsx(tmp_path / "v2.xlsx", [row("1/2026", oggetto="Dal Comune")])
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_import(pilot, newer)
        await until(pilot, lambda: screen.session is not None)
        conflicts = screen.query_one("#conflicts", DataTable)
        assert conflicts.get_row_at(0)[2:] == [
            "Oggetto",
            "Scritto dall'esperto",
            "Dal Comune",
            "tieni l'app",
        ]
        await pilot.press("f")
        await until(pilot, lambda: conflicts.get_row_at(0)[5] == "usa il file")
        assert "aggiornate 1" in text(app, "#summary")
        await pilot.press("A")  # all of them: the app's
        await until(pilot, lambda: conflicts.get_row_at(0)[5] == "tieni l'app")
        await pilot.press("F")  # all of them: the file's
        await until(pilot, lambda: conflicts.get_row_at(0)[5] == "usa il file")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("s")
        await until(pilot, lambda: screen.imported)
    with Store(folder / "taskforce.sqlite3") as s:
        assert s.practices.get(practice.id).subject == "Dal Comune"


async def test_a_broken_file_is_explained_next_to_the_field(
    expert_store: Store, tmp_path: Path
) -> None:
    broken = tmp_path / "pratiche.xlsx"
    broken.write_bytes(write_xlsx(tmp_path / "ok.xlsx", [row("1/2026")]).read_bytes()[:2000])
    before = snapshot(expert_store)
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, broken)
        await until(pilot, lambda: "incompleto" in text(app, "#error"))
        assert screen.session is None
        assert app.focused is screen.query_one("#path", Input)
        await pilot.press("c")  # typed into the field: no import without a preview
        assert screen.session is None
    with Store(folder / "taskforce.sqlite3") as s:
        after = snapshot(s)
    assert {k: v for k, v in after.items() if k != "replica"} == {
        k: v for k, v in before.items() if k != "replica"
    }


async def test_reachable_from_the_command_palette(expert_store: Store) -> None:
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"importa pratiche")

        def offered() -> bool:
            options = app.screen.query_one(OptionList)
            prompts = [
                str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
            ]
            return any("Importa pratiche da file" in p for p in prompts)

        await until(pilot, offered)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))


async def test_browsing_to_the_file(expert_store: Store, tmp_path: Path) -> None:
    from textual.widgets import DirectoryTree

    from taskforce_tui.screens.importer import FileBrowser

    folder = tmp_path / "dal-comune"
    folder.mkdir()
    path = write_xlsx(folder / "pratiche.xlsx", [row("1/2026")])
    (folder / "note.txt.bak").write_text("non un foglio")
    profile = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(profile))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await import_screen(pilot)
        screen.query_one("#path", Input).value = str(folder)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, FileBrowser))
        tree = app.screen.query_one(DirectoryTree)
        await until(pilot, lambda: len(tree.root.children) > 0)
        names = [str(node.label) for node in tree.root.children]
        assert names == ["pratiche.xlsx"]  # only spreadsheets are offered
        tree.move_cursor(tree.root.children[0])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))
        assert screen.query_one("#path", Input).value == str(path)
        await pilot.press("enter")
        await until(pilot, lambda: screen.session is not None)
        assert "Nuove 1" in text(app, "#summary")


async def test_interventions_previewed_confirmed_and_their_bad_rows_explained(
    expert_store: Store, tmp_path: Path
) -> None:
    """The same screen imports Aree Interne interventions (OpenCoesione's columns) with
    the service of `taskforce import interventi`: preview, bad rows with their reasons,
    confirm, and the interventions are in the store."""
    from textual.widgets import Select

    from tests.aree_helpers import with_areas
    from tests.test_aree_cli import BAD, GOOD, oc_file

    with_areas(expert_store)
    path = oc_file(tmp_path / "progetti.csv", GOOD + BAD[:2])
    folder = expert_store.path.parent
    expert_store.close()
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await import_screen(pilot)
        screen.query_one("#kind", Select).value = "interventi"
        await until(pilot, lambda: screen.kind == "interventi")
        assert "Area, se manca" in str(screen.query_one("#comune", Input).placeholder)
        screen.query_one("#path", Input).value = str(path)
        screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.job is not None)
        summary = text(app, "#summary")
        assert "Anteprima: 2 nuovi, 0 aggiornati, 0 invariati, 2 righe scartate." in summary
        assert "Colonne non importate: OC_COD_CICLO, ALTRA_COLONNA." in summary
        rejections = screen.query_one("#rejections", DataTable)
        shown = [rejections.get_row_at(i) for i in range(rejections.row_count)]
        assert [r[:3] for r in shown] == [
            [4, "CUP", "E21B2200031000"],
            [5, "Comune", "999999"],
        ]
        assert "ha 14 caratteri" in shown[0][3]
        assert "Nessun Comune con codice ISTAT 999999" in shown[1][3]
        with Store(folder / "taskforce.sqlite3") as s:
            assert s.interventions.rows() == []  # nothing written by the preview
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "Importare 2 nuovi interventi e aggiornarne 0?" in text(app, "#question")
        assert "2 righe scartate non saranno importate" in text(app, "#question")
        await pilot.press("s")
        await until(pilot, lambda: screen.imported)
        assert "Importati: 2 nuovi interventi" in text(app, "#summary")
    with Store(folder / "taskforce.sqlite3") as s:
        rows = {r.cup: r for r in s.interventions.rows()}
        assert set(rows) == {"E21B22000310006", "F11C23000000001"}
        assert rows["E21B22000310006"].programmed_cents == 1_250_000_50
        assert rows["F11C23000000001"].paid_cents == 480_000_00

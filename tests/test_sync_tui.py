"""The TUI parts of sync: F5 runs it with a summary, F6 lists conflicts and resolves one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from taskforce_tui.app import TaskforceApp
from taskforce_tui.screens.conflicts import ConflictsScreen, ResolveConflictModal
from taskforce_tui.screens.sync import SyncScreen
from taskforce_tui.screens.wizard import WizardScreen
from taskforce_tui.store.db import Store
from taskforce_tui.store.paths import Profile
from taskforce_tui.sync.folder import SyncFolder
from tests.sync_helpers import World, world_with_a_conflict


async def until(pilot: Pilot[Any], check: Callable[[], bool], timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("condizione mai vera")


def _text(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def _open(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: getattr(pilot.app, "store", None) is not None)


async def _sync_with_f5(pilot: Pilot[Any]) -> None:
    """F5, then wait for the sync screen to say it is done."""
    await pilot.press("f5")
    await until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, SyncScreen) and "completata" in _text(pilot, "#sync-step")
        ),
    )


async def _sync_without_a_folder(pilot: Pilot[Any]) -> None:
    """F5 on a profile with no sync folder, Enter on the empty field: asked for it."""
    await _open(pilot)
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(pilot.app.screen, SyncScreen))
    await pilot.press("enter")
    await until(pilot, lambda: "Scrivi il percorso" in _text(pilot, "#sync-error"))


async def _open_conflicts(pilot: Pilot[Any]) -> DataTable[Any]:
    """F6 with the store open: the list with its one conflict."""
    await _open(pilot)
    await pilot.press("f6")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConflictsScreen))
    table: DataTable[Any] = pilot.app.screen.query_one("#conflicts", DataTable)
    await until(pilot, lambda: table.row_count == 1)
    return table


async def test_f5_syncs_in_a_worker_and_shows_the_summary(tmp_path: Path) -> None:
    world = World(tmp_path / "w", 2)
    a = world.laptops[0]
    pid = a.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    with a.write() as tx:
        tx.update("practice", pid, {"subject": "dalla TUI"})
    world.laptops[0].close()
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await _sync_with_f5(pilot)
        summary = _text(pilot, "#sync-summary")
        assert "Modifiche inviate: 1." in summary
        assert "Modifiche in attesa di conferma: 1." in summary
        await pilot.press("escape")
        assert not isinstance(app.screen, SyncScreen)
    outboxes = SyncFolder(world.folder).outboxes()
    assert len(outboxes) == 1 and outboxes[0][0] == world.experts[0]
    world.merge()
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await _sync_with_f5(pilot)
        assert "Modifiche in attesa di conferma: 0." in _text(pilot, "#sync-summary")
        assert app.store is not None and app.store.pending_ops() == 0
    world.laptops[0] = Store(tmp_path / "w" / "laptop0" / "taskforce.sqlite3")
    world.close()


async def test_first_sync_asks_for_the_folder_and_checks_it(tmp_path: Path) -> None:
    world = World(tmp_path / "w", 2)
    world.laptops[1].set_meta("sync_folder", None)
    world.laptops[1].close()
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _sync_without_a_folder(pilot)
        app.screen.query_one("#sync-folder").value = str(tmp_path / "nessuna")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: "non è raggiungibile" in _text(pilot, "#sync-error"))
        app.screen.query_one("#sync-folder").value = str(world.folder)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: "completata" in _text(pilot, "#sync-step"))
        assert app.store is not None and app.store.get_meta("sync_folder") == str(world.folder)
    world.laptops[1] = Store(tmp_path / "w" / "laptop1" / "taskforce.sqlite3")
    world.close()


async def test_conflicts_screen_shows_both_values_and_resolves_with_an_edit(tmp_path: Path) -> None:
    world, pid = world_with_a_conflict(tmp_path / "w")
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_conflicts(pilot)
        row = [str(v) for v in table.get_row_at(0)]
        assert row[1] == "oggetto"
        assert {row[2], row[4]} == {"versione di A", "versione di B"}
        assert "Esperto 0" in row[3] + row[5] and "Esperto 1" in row[3] + row[5]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResolveConflictModal))
        app.screen.query_one("#f-value").focus()
        await pilot.press(*"finale 2")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ConflictsScreen)
                and "Nessun conflitto" in _text(pilot, "#conflicts-status")
            ),
        )
        store = app.store
        assert store is not None
        assert store.practices.get(pid).subject == "finale 2"
        assert store.pending_ops() == 1  # an ordinary edit, sent with the next sync
    world.laptops[0] = Store(tmp_path / "w" / "laptop0" / "taskforce.sqlite3")
    world.full_round()
    with world.central.store.read() as conn:
        assert (
            conn.execute("SELECT subject FROM practice WHERE id = ?", (pid,)).fetchone()[0]
            == "finale 2"
        )
        assert conn.execute("SELECT resolved_at FROM conflict").fetchone()[0] is not None
    world.close()


async def test_the_command_palette_offers_sync_and_conflicts(tmp_path: Path) -> None:
    world = World(tmp_path / "w", 2)
    world.laptops[0].close()
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"conflitti")
        await asyncio.sleep(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConflictsScreen))
    world.laptops[0] = Store(tmp_path / "w" / "laptop0" / "taskforce.sqlite3")
    world.close()


async def test_f5_on_a_device_waiting_for_enrolment_says_so_then_syncs(tmp_path: Path) -> None:
    """A second device of expert 1 has left its request: F5 says it waits (nothing is
    sent, the edit stays pending); after the centre's merge F5 enrols it and syncs."""
    from tests.sync_helpers import request_enrolment

    world = World(tmp_path / "w", 2)
    home = tmp_path / "tablet"
    store = Store(home / "taskforce.sqlite3")
    request_enrolment(world.central, store, world.folder, "e1@example.it", "tablet")
    store.close()
    app = TaskforceApp(Profile(home))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await pilot.pause()
        # not the first-run wizard: it would make a second, local identity
        assert not isinstance(app.screen, WizardScreen)
        assert any("attende l'iscrizione" in n.message for n in app._notifications)
        await pilot.press("f5")
        await until(
            pilot,
            lambda: isinstance(app.screen, SyncScreen) and bool(_text(pilot, "#sync-summary")),
        )
        summary = _text(pilot, "#sync-summary")
        assert "in attesa di iscrizione" in summary.replace("\n", " ")
        assert "Modifiche inviate" not in summary
    assert SyncFolder(world.folder).outboxes() == []
    world.merge()
    app = TaskforceApp(Profile(home))
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await _sync_with_f5(pilot)
        summary = _text(pilot, "#sync-summary").replace("\n", " ")
        assert "Dispositivo iscritto" in summary and "Generazione centrale" in summary
        assert app.store is not None and app.store.expert_id == world.experts[1]


async def test_a_message_about_the_folder_or_the_value_clears_as_it_is_corrected(
    tmp_path: Path,
) -> None:
    """Seen in tmux: the sync dialog's and the conflict's messages stayed while the
    user typed the correction (as the forms did before issue 14)."""
    world, _ = world_with_a_conflict(tmp_path / "w")
    store = Store(tmp_path / "w" / "laptop0" / "taskforce.sqlite3")
    folder = store.get_meta("sync_folder")
    store.set_meta("sync_folder", None)
    store.close()
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _sync_without_a_folder(pilot)
        await pilot.press("x")
        await until(pilot, lambda: _text(pilot, "#sync-error") == "")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SyncScreen))
        await _open_conflicts(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResolveConflictModal))
        app.screen.query_one("#f-value").focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Scrivi un valore" in _text(pilot, "#e-value"))
        await pilot.press("f")
        await until(pilot, lambda: _text(pilot, "#e-value") == "")
        await pilot.press("escape")
    assert folder  # the world's laptop had one (put back for world.close)
    store = Store(tmp_path / "w" / "laptop0" / "taskforce.sqlite3")
    store.set_meta("sync_folder", folder)
    world.laptops[0] = store
    world.close()


async def test_a_conflict_is_settled_with_2_and_the_dialog_fits_in_80_columns(
    tmp_path: Path,
) -> None:
    """The resolution on the one form base: its four buttons inside the border at
    80x24, 2 takes the other value (written by the form, Conflitti reloads)."""
    world, pid = world_with_a_conflict(tmp_path / "w")
    app = TaskforceApp(Profile(tmp_path / "w" / "laptop0"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_conflicts(pilot)
        kept, other = str(table.get_row_at(0)[2]), str(table.get_row_at(0)[4])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResolveConflictModal))
        box = app.screen.query_one("#form-buttons").content_region
        buttons = list(app.screen.query("#form-buttons Button"))
        assert len(buttons) == 4
        for button in buttons:
            assert box.contains_region(button.region), str(button.label)
        assert kept in _text(pilot, "#form-intro") and other in _text(pilot, "#form-intro")
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, ConflictsScreen))
        await until(pilot, lambda: "Nessun conflitto" in _text(pilot, "#conflicts-status"))
        assert app.store is not None and app.store.practices.get(pid).subject == other
    world.laptops[0] = Store(tmp_path / "w" / "laptop0" / "taskforce.sqlite3")
    world.close()

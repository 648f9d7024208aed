"""The Textual application: opens the store off the UI thread, then shows Oggi."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from taskforce_tui.store.paths import Profile

if TYPE_CHECKING:
    from textual.command import Provider

    from taskforce_tui.store.db import Store


class StoreReady(Message, bubble=False):
    """The profile's store is open: sent by the app to the screen that waits for it."""


class StoreFailed(Message, bubble=False):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


# --- spreadsheet import (screens/importer.py), loaded on first use ------------------------
def _import_commands() -> type[Provider]:
    from taskforce_tui.screens.importer import ImportCommands

    return ImportCommands


def _indicators_commands() -> type[Provider]:
    """The Indicatori palette commands, imported when the palette first opens."""
    from taskforce_tui.screens.indicators import IndicatorsCommands

    return IndicatorsCommands


def _sync_commands() -> type[Provider]:
    from taskforce_tui.screens.sync_commands import SyncCommands

    return SyncCommands


class TaskforceApp(App[int]):
    TITLE = "taskforce-tui"
    SUB_TITLE = "Task force PNRR - Regione Lombardia"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {_import_commands, _indicators_commands, _sync_commands}
    BINDINGS = [
        Binding("q", "quit", "Esci", id="app.quit"),
        # --- time tracking (Registro ore, timer) ---
        Binding("o", "registro_ore", "Registro ore", id="app.registro_ore"),
        Binding("t", "timer", "Timer", id="app.timer"),
        Binding("i", "import_practices", "Importa pratiche", id="app.import"),
        Binding("4", "indicators", "Indicatori", id="app.indicators"),
        # --- sync (issue 5) ---
        Binding("f5", "sync", "Sincronizza", id="app.sync"),
        Binding("f6", "conflicts", "Conflitti", id="app.conflicts"),
    ]

    def __init__(self, profile: Profile) -> None:
        super().__init__()
        self.profile = profile
        self.store: Store | None = None

    def on_mount(self) -> None:
        from taskforce_tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        self.open_store()

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def open_store(self) -> None:
        from taskforce_tui.store.db import Store, StoreError

        try:
            self.store = Store(self.profile.db)
        except StoreError as exc:
            self.post_message(StoreFailed(str(exc)))
            return
        self.post_message(StoreReady())

    def action_indicators(self) -> None:
        from taskforce_tui.screens.indicators import IndicatorsScreen

        if not isinstance(self.screen, IndicatorsScreen):
            self.push_screen(IndicatorsScreen())

    def on_store_ready(self, message: StoreReady) -> None:
        self.screen.post_message(StoreReady())
        self.run_worker(self._timer_status(), group="timer-status", exit_on_error=False)

    def on_store_failed(self, message: StoreFailed) -> None:
        self.notify(message.message, title="Profilo non utilizzabile", severity="error", timeout=30)

    # --- time tracking: the Registro ore screen and the timer key, from any screen ---
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("registro_ore", "timer"):
            from textual.screen import ModalScreen

            return not isinstance(self.screen, ModalScreen)
        return True

    def action_registro_ore(self) -> None:
        from taskforce_tui.screens.timelog import TimeLogScreen

        if not isinstance(self.screen, TimeLogScreen):
            self.push_screen(TimeLogScreen())

    def action_timer(self) -> None:
        from taskforce_tui.screens.timer import TIMER_GROUP, toggle_timer

        if any(w.group == TIMER_GROUP and w.is_running for w in self.workers):
            return
        self.run_worker(toggle_timer(self), group=TIMER_GROUP, exit_on_error=False)

    async def _timer_status(self) -> None:
        from taskforce_tui.screens.timer import refresh_timer_status

        await refresh_timer_status(self)

    def action_import_practices(self) -> None:
        from taskforce_tui.screens.importer import ImportScreen

        if isinstance(self.screen, ImportScreen):
            return

        def done(imported: bool | None) -> None:
            load = getattr(self.screen, "load", None)
            if imported and callable(load):
                load()  # the screen below shows the new counts

        self.push_screen(ImportScreen(), done)

    # --- sync (issue 5) ---------------------------------------------------------------------
    def action_sync(self) -> None:
        from taskforce_tui.screens.sync import SyncScreen

        def refresh(report: object) -> None:
            # new data may have arrived: let the screen underneath reload if it can
            reload = getattr(self.screen, "load", None)
            if report is not None and callable(reload):
                reload()

        if self.store is not None and not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen(), refresh)

    def action_conflicts(self) -> None:
        from taskforce_tui.screens.conflicts import ConflictsScreen

        if self.store is not None and not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()

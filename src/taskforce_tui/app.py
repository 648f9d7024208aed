"""The Textual application: opens the store off the UI thread, then shows Oggi."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from taskforce_tui.screens.sync_commands import SyncCommands
from taskforce_tui.store.paths import Profile

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store


class StoreReady(Message, bubble=False):
    """The profile's store is open: sent by the app to the screen that waits for it."""


class StoreFailed(Message, bubble=False):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class TaskforceApp(App[int]):
    TITLE = "taskforce-tui"
    SUB_TITLE = "Task force PNRR - Regione Lombardia"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("q", "quit", "Esci", id="app.quit"),
        # --- sync (issue 5) ---
        Binding("f5", "sync", "Sincronizza", id="app.sync"),
        Binding("f6", "conflicts", "Conflitti", id="app.conflicts"),
    ]
    COMMANDS = App.COMMANDS | {SyncCommands}

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

    def on_store_ready(self, message: StoreReady) -> None:
        self.screen.post_message(StoreReady())

    def on_store_failed(self, message: StoreFailed) -> None:
        self.notify(message.message, title="Profilo non utilizzabile", severity="error", timeout=30)

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

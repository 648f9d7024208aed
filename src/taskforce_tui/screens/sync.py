"""Sincronizza (F5): runs the sync in a worker with progress, then shows the summary.

The first time, when the profile has no sync folder yet, the modal asks for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from taskforce_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.sync.laptop import SyncReport


class SyncScreen(ModalScreen["SyncReport | None"]):
    """Progress and summary of one sync (sent, received, conflicts)."""

    DEFAULT_CSS = """
    SyncScreen { align: center middle; }
    SyncScreen > Vertical {
        width: 76; height: auto; max-height: 22; border: thick $accent;
        background: $surface; padding: 1 2;
    }
    SyncScreen #sync-title { text-style: bold; }
    SyncScreen #sync-folder-row { height: auto; }
    SyncScreen #sync-error { color: $error; }
    SyncScreen #sync-summary { height: auto; margin: 1 0; }
    SyncScreen Horizontal { height: auto; }
    SyncScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "close", "Chiudi", id="sync.close"),
        Binding("f6", "conflicts", "Conflitti", id="sync.conflicts"),
    ]

    def __init__(self, *, dry_run: bool = False) -> None:
        super().__init__()
        self.dry_run = dry_run
        self.report: SyncReport | None = None
        self.running = False
        #: The folder the message under the field is about.
        self._wrong_folder: str | None = None

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sincronizzazione", id="sync-title")
            with Vertical(id="sync-folder-row"):
                yield Label("Cartella di sincronizzazione (indicata dalla Segreteria Tecnica):")
                yield Input(
                    placeholder="es. S:\\taskforce o /media/chiavetta/taskforce", id="sync-folder"
                )
                yield Static("", id="sync-error")
            yield Static("", id="sync-step")
            yield ProgressBar(total=100, show_eta=False, id="sync-progress")
            yield Static("", id="sync-summary")
            with Horizontal():
                yield Button("Sincronizza", id="sync-start", variant="primary")
                yield Button("Vedi conflitti (F6)", id="sync-conflicts")
                yield Button("Chiudi (Esc)", id="sync-close")
        yield KeysFooter()

    def on_mount(self) -> None:
        store = self.tf_app.store
        self.query_one("#sync-conflicts").display = False
        folder = store.get_meta("sync_folder") if store is not None else None
        if folder:
            self.query_one("#sync-folder-row").display = False
            self.query_one("#sync-start").display = False
            self.start(None)
        else:
            self.query_one("#sync-folder", Input).focus()

    @on(Button.Pressed, "#sync-start")
    @on(Input.Submitted, "#sync-folder")
    def submit_folder(self) -> None:
        text = self.query_one("#sync-folder", Input).value.strip()
        if not text:
            self._folder_error("Scrivi il percorso della cartella condivisa.")
            return
        self._folder_error("")
        self.start(Path(text).expanduser())

    def _folder_error(self, message: str) -> None:
        self.query_one("#sync-error", Static).update(message)
        self._wrong_folder = self.query_one("#sync-folder", Input).value if message else None

    @on(Input.Changed, "#sync-folder")
    def _folder_changed(self, event: Input.Changed) -> None:
        """A folder being corrected loses its message at once (as in every form)."""
        if event.input.value != self._wrong_folder:
            self._folder_error("")

    def start(self, folder: Path | None) -> None:
        if self.running:
            return
        self.running = True
        self.query_one("#sync-summary", Static).update("")
        self.run_sync(folder)

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def run_sync(self, folder: Path | None) -> None:
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.sync import laptop

        store = self.tf_app.store
        if store is None:
            self.app.call_from_thread(
                self.failed, "Il profilo non è ancora aperto: riprova fra poco.", False
            )
            return

        def progress(label: str, fraction: float) -> None:
            self.app.call_from_thread(self.show_progress, label, fraction)

        try:
            report = laptop.sync(
                store,
                folder,
                dry_run=self.dry_run,
                backups=self.tf_app.profile.backups,
                progress=progress,
            )
        except DomainError as exc:
            self.app.call_from_thread(self.failed, exc.message, exc.field == "cartella")
            return
        self.app.call_from_thread(self.done, report)

    def show_progress(self, label: str, fraction: float) -> None:
        self.query_one("#sync-step", Static).update(label.capitalize() + "...")
        self.query_one("#sync-progress", ProgressBar).update(progress=round(fraction * 100))

    def failed(self, message: str, ask_folder: bool) -> None:
        self.running = False
        self.query_one("#sync-step", Static).update("Sincronizzazione non eseguita.")
        if ask_folder:
            self.query_one("#sync-folder-row").display = True
            self.query_one("#sync-start").display = True
            self._folder_error(message)
            self.query_one("#sync-folder", Input).focus()
        else:
            self.query_one("#sync-summary", Static).update(f"ATTENZIONE: {message}")
            self.query_one("#sync-close", Button).focus()

    def done(self, report: SyncReport) -> None:
        from taskforce_tui.sync.status import describe_report

        self.running = False
        self.report = report
        self.query_one("#sync-folder-row").display = False
        self.query_one("#sync-start").display = False
        self.query_one("#sync-step", Static).update("Sincronizzazione completata.")
        self.query_one("#sync-progress", ProgressBar).update(progress=100)
        self.query_one("#sync-summary", Static).update(describe_report(report))
        self.query_one("#sync-conflicts").display = report.conflicts > 0
        self.query_one("#sync-close", Button).focus()

    @on(Button.Pressed, "#sync-close")
    def action_close(self) -> None:
        if not self.running:
            self.dismiss(self.report)

    @on(Button.Pressed, "#sync-conflicts")
    def action_conflicts(self) -> None:
        if self.running:
            return
        from taskforce_tui.screens.conflicts import ConflictsScreen

        self.dismiss(self.report)
        self.app.push_screen(ConflictsScreen())


def summary_line(counts: Any) -> str:
    """One line for the Oggi screen: last sync, changes not confirmed, open conflicts."""
    from taskforce_tui.sync.status import when

    text = f"Ultima sincronizzazione: {when(counts.last_sync_at)}"
    text += f" - modifiche da confermare: {counts.pending}"
    if counts.open_conflicts:
        text += f" - conflitti aperti: {counts.open_conflicts} (F6)"
    return text

"""The Textual application.

- Places (Textual modes) on digit keys: 1 Oggi, 2 Pratiche, 3 Richieste; each keeps its
  own screen stack, so going back to a place finds it as it was left. Other areas add
  one line to PLACES.
- The store is opened off the UI thread; screens load from workers and reload when
  `data_changed()` says the data moved on.
- Errors: a refused operation is a plain Italian notification; an unexpected one is
  written to a log file under the profile's log folder and the user is told where.
  Every write is a committed SQLite transaction, so nothing saved is lost.
- Keys can be remapped in the profile's config.toml ([keys] binding id = "key").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from taskforce_tui import textual_fixes  # noqa: F401  (before any widget renders)
from taskforce_tui.messages import DataChanged, StoreFailed, StoreReady
from taskforce_tui.places import PLACES
from taskforce_tui.store.paths import Profile

if TYPE_CHECKING:
    from textual.command import Provider

    from taskforce_tui.store.db import Store

T = TypeVar("T")

#: Worker group of the dialogs being prepared (app.open_dialog).
DIALOG_GROUP = "dialog"


def _place(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A place's base screen, imported on first visit (keeps start-up light)."""

    def make() -> Screen[Any]:
        screen: Screen[Any] = getattr(importlib.import_module(module), name)()
        return screen

    return make


def _commands() -> type[Provider]:
    from taskforce_tui.commands import TaskforceCommands

    return TaskforceCommands


def _import_commands() -> type[Provider]:
    from taskforce_tui.screens.importer import ImportCommands

    return ImportCommands


def _indicators_commands() -> type[Provider]:
    from taskforce_tui.screens.indicators import IndicatorsCommands

    return IndicatorsCommands


def _sync_commands() -> type[Provider]:
    from taskforce_tui.screens.sync_commands import SyncCommands

    return SyncCommands


def freeze_startup_heap() -> None:
    """Take what start-up built (modules, classes, styles, the first screen, the store)
    out of the garbage collector's sight, once the store is open and the first screen drawn.

    CPython's full collection walks every object it tracks: with the app loaded that
    is about 50 ms, and every so often it falls in the middle of a key's work (it was
    50 of the 110 ms of one opening of Aree interne, benchmarks/bench_aree.py). What
    start-up built lives as long as the app, so a full collection has nothing to find
    there; what is built later (places, details, dialogs) is collected as before. The
    young generations are collected first so that the garbage of start-up is not kept.
    `on_unmount` gives the frozen objects back to the collector."""
    import gc

    gc.collect(1)
    gc.freeze()


class TaskforceApp(App[int]):
    TITLE = "taskforce-tui"
    SUB_TITLE = "Task force PNRR - Regione Lombardia"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    COMMANDS = App.COMMANDS | {_commands, _import_commands, _indicators_commands, _sync_commands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        mode: _place(module, cls) for mode, _key, _label, module, cls in PLACES
    }
    DEFAULT_MODE = "oggi"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"go('{mode}')", label, show=False, id=f"go.{mode}")
            for mode, key, label, _module, _cls in PLACES
        ),
        Binding("f1", "open_help", "Aiuto", id="app.help"),
        Binding("question_mark", "open_help", "Aiuto", show=False, id="app.help_alt"),
        Binding("4", "registro_ore", "Registro ore", show=False, id="app.registro_ore"),
        Binding("5", "indicators", "Indicatori", show=False, id="app.indicators"),
        Binding("o", "log_time", "Ore", id="app.log_time"),
        Binding("t", "toggle_timer", "Timer", id="app.timer"),
        Binding("i", "import_practices", "Importa", show=False, id="app.import"),
        Binding("f5", "sync", "Sincronizza", id="app.sync"),
        Binding("f6", "conflicts", "Conflitti", show=False, id="app.conflicts"),
        Binding("q", "quit", "Esci", id="app.quit"),
        # Declared here (Textual would add its own, in English) to give it an id.
        Binding(
            "ctrl+p", "command_palette", "comandi", show=False, priority=True, id="app.palette"
        ),
    ]

    #: "dalle 14:05 - Treviglio" while the timer runs, else "" (shown by PlacesBar).
    running_timer: reactive[str] = reactive("")

    def __init__(self, profile: Profile) -> None:
        super().__init__()
        self.profile = profile
        self.store: Store | None = None
        #: Bumped by every write; screens compare it with the version they show.
        self.data_version = 0
        #: Where the last unexpected error was written (None if none).
        self.crash_log: Path | None = None
        self._prefetched: tuple[int, Any] | None = None
        self._timer_idle_at_start = False
        self._heap_frozen = False  # see freeze_startup_heap
        #: Throwaway folders (the demo opened from the wizard), removed on exit.
        self.temp_folders: list[Path] = []
        self._keymap_warnings: list[str] = []
        if profile.config.exists():
            from taskforce_tui.keys import load_keymap

            keymap, self._keymap_warnings = load_keymap(profile.config)
            if keymap:
                self.set_keymap(keymap)

    # --- start-up ---------------------------------------------------------------------
    def on_load(self) -> None:
        # Before the stylesheet is parsed and the first screen composed, so the profile
        # opens while Textual starts. The modules are imported here, on the UI thread:
        # the worker then spends its time in SQLite (which releases the GIL) and its
        # data is usually ready for the first frame.
        from taskforce_tui.domain import dates  # noqa: F401
        from taskforce_tui.store import db, overview  # noqa: F401

        self.open_store()

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def open_store(self) -> None:
        from taskforce_tui.store.db import StoreError

        try:
            store = self.profile.open_store()
        except StoreError as exc:
            self.post_message(StoreFailed(str(exc)))
            return
        # Oggi's data, read while the first screen is still being built (the screen
        # takes it once, if nothing was written in between; see take_prefetched).
        from taskforce_tui.domain.dates import today
        from taskforce_tui.store import overview

        with store.read() as conn:
            # A larger page cache keeps the expert's practices in memory between
            # keystrokes of the filter (~3x faster scans on the region dataset).
            conn.execute("PRAGMA cache_size = -65536")
        status, rows = overview.home(store, today())
        self._prefetched = (self.data_version, (status, rows))
        # no timer running: nothing for the timer line to read while the first frame
        # is drawn (its module, a thread and a query: ~10 ms of the start-up)
        self._timer_idle_at_start = status.timer_started is None
        self.store = store
        self.post_message(StoreReady())

    @property
    def keymap(self) -> dict[str, str]:
        """The user's key remapping (binding id -> keys), as set from config.toml."""
        return dict(self._keymap)

    def take_prefetched(self) -> Any:
        """The Oggi data read at start-up, once, if still current; else None."""
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is None or prefetched[0] != self.data_version:
            return None
        return prefetched[1]

    def on_store_ready(self, message: StoreReady) -> None:
        self.announce_store()
        assert self.store is not None
        if self.store.expert_id is None:
            from taskforce_tui.sync.device import pending_state

            if pending_state(self.store) is not None:
                # joined with a code (`taskforce init --da`): the data come with the
                # enrolment, the wizard would make a second, local identity
                self.notify(
                    "Questo dispositivo attende l'iscrizione della Segreteria Tecnica: dopo la "
                    "prossima unione premi F5 per ricevere i tuoi Comuni e le pratiche.",
                    title="In attesa di iscrizione",
                    timeout=20,
                )
            else:
                from taskforce_tui.screens.wizard import WizardScreen

                self.push_screen(WizardScreen())
        self.call_after_refresh(self._check_keymap)
        if not self._heap_frozen:
            self._heap_frozen = True
            self.call_after_refresh(freeze_startup_heap)
        if not self._timer_idle_at_start:
            from taskforce_tui.screens.timer import refresh_timer_status

            self.run_worker(
                partial(refresh_timer_status, self),
                thread=True,
                group="timer-status",
                exit_on_error=False,
            )
        self._timer_idle_at_start = False  # a store opened later (wizard, demo): read it

    def announce_store(self) -> None:
        """Tell every screen already built that the store is (newly) open."""
        for stack in self._screen_stacks.values():
            for screen in stack:
                screen.post_message(StoreReady())

    def on_store_failed(self, message: StoreFailed) -> None:
        self.notify(message.message, title="Profilo non utilizzabile", severity="error", timeout=30)

    def _check_keymap(self) -> None:
        if not self._keymap and not self._keymap_warnings:
            return
        from taskforce_tui.keys import unknown_ids

        warnings = list(self._keymap_warnings)
        unknown = unknown_ids(dict(self._keymap), type(self))
        if unknown:
            warnings.append(
                f"In {self.profile.config} questi identificativi di tasto non esistono e sono "
                f"stati ignorati: {', '.join(unknown)}. L'elenco è nell'aiuto (F1)."
            )
        for text in warnings:
            self.notify(text, title="Configurazione dei tasti", severity="warning", timeout=20)

    def use_store(self, store: Store) -> None:
        """Switch to another open store (the demo chosen in the first-run wizard)."""
        old, self.store = self.store, store
        if old is not None and old is not store:
            old.close()
        self.data_changed()
        self.announce_store()

    def on_unmount(self) -> None:
        if self._heap_frozen:
            import gc

            gc.unfreeze()  # what start-up built is collected again once the app is gone
        if self.store is not None:
            self.store.close()
        import shutil

        for folder in self.temp_folders:
            shutil.rmtree(folder, ignore_errors=True)

    # --- data versions ------------------------------------------------------------------
    def data_changed(self, *what: str) -> None:
        """Record that data was written (`what`: see DataChanged); the visible screen
        reloads, the others on return."""
        self.data_version += 1
        self.screen.post_message(DataChanged(*what))

    # --- errors -------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)
        if event.worker.group in (DIALOG_GROUP, "timer") and event.worker.is_finished:
            self.refresh_bindings()  # the global keys work again

    def report_error(self, error: BaseException) -> None:
        """Show an error in plain Italian; an unexpected one is logged to a file."""
        import sqlite3

        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.store.db import StoreError

        if isinstance(error, DomainError):
            self.notify(error.message, title="Operazione non eseguita", severity="error")
        elif isinstance(error, StoreError):
            self.notify(str(error), title="Profilo non utilizzabile", severity="error", timeout=30)
        elif isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            self.notify(
                "Il database è occupato (forse una sincronizzazione in corso): riprova tra "
                "qualche secondo. Nulla è stato modificato.",
                title="Operazione non eseguita",
                severity="error",
            )
        else:
            from taskforce_tui.store.crashlog import write_crash_log

            self.crash_log = write_crash_log(self.profile, error)
            self.notify(
                f"Errore inatteso ({error.__class__.__name__}). I dati già salvati non sono "
                f"andati persi. Dettagli in {self.crash_log}: inviali all'assistenza.",
                title="Errore inatteso",
                severity="error",
                timeout=60,
            )

    def _handle_exception(self, error: Exception) -> None:
        """An exception escaped a UI handler: the widget that raised is no longer
        reliable, so log it, leave cleanly and say where the log is (never a traceback).
        Work already saved is on disk: every write is one committed SQLite transaction."""
        from textual.worker import WorkerFailed

        from taskforce_tui.store.crashlog import write_crash_log

        original = error.error if isinstance(error, WorkerFailed) else error
        self.crash_log = write_crash_log(self.profile, original)
        if self._exception is None:
            # Test runs re-raise it, so a bug cannot pass unnoticed.
            self._exception = error
            self._exception_event.set()
        self.exit(
            return_code=1,
            message=(
                f"taskforce-tui si è chiuso per un errore inatteso "
                f"({original.__class__.__name__}). I dati già salvati non sono andati persi.\n"
                f"Dettagli in {self.crash_log}: inviali all'assistenza."
            ),
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette commands, in Italian."""
        yield SystemCommand("Tema", "cambia i colori dell'applicazione", self.action_change_theme)
        yield SystemCommand("Esci", "chiude l'applicazione (tasto q)", self.action_quit)
        yield SystemCommand(
            "Salva schermata",
            "salva un'immagine SVG della schermata nella cartella corrente",
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )

    # --- global actions -------------------------------------------------------------------
    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from taskforce_tui.widgets.italian import PALETTE_PLACEHOLDER, ItalianPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(
                ItalianPalette(placeholder=PALETTE_PLACEHOLDER, id="--command-palette")
            )

    def action_open_help(self) -> None:
        from taskforce_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_comune(self, comune_code: str) -> None:
        from taskforce_tui.screens.comune import ComuneScreen

        self.push_screen(ComuneScreen(comune_code))

    def open_practice(self, practice_id: str) -> None:
        from taskforce_tui.screens.practice import PracticeScreen

        self.push_screen(PracticeScreen(practice_id))

    def open_request(self, request_id: str) -> None:
        from taskforce_tui.screens.requests import RequestScreen

        self.push_screen(RequestScreen(request_id))

    def new_practice(self, comune_code: str | None = None) -> None:
        from taskforce_tui.screens.modals.practice_forms import new_practice_form

        def opened(practice_id: str | None) -> None:
            if practice_id:
                self.open_practice(practice_id)

        self.open_dialog(lambda store: new_practice_form(store, comune_code), opened)

    def work_context(self) -> dict[str, str | None]:
        """Comune, practice and request the current screen is about (for time logs)."""
        from taskforce_tui.screens.base import context_of

        return context_of(self.screen)

    # --- time logging (Registro ore, time-log form, timer) ------------------------------
    #: Actions that open a window over the current screen: never while a dialog is
    #: open or about to open (a second letter typed quickly would stack another).
    DIALOG_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "registro_ore",
            "toggle_timer",
            "log_time",
            "indicators",
            "import_practices",
            "sync",
            "conflicts",
        }
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.DIALOG_ACTIONS:
            from textual.screen import ModalScreen

            return not isinstance(self.screen, ModalScreen) and not self.dialog_pending
        return True

    @property
    def dialog_pending(self) -> bool:
        """A window is being prepared (its data read in a worker) and not shown yet."""
        from taskforce_tui.screens.timer import TIMER_GROUP

        return any(
            w.group in (DIALOG_GROUP, TIMER_GROUP) and not w.is_finished for w in self.workers
        )

    def open_dialog(
        self,
        prepare: Callable[[Store], Screen[T]],
        then: Callable[[T | None], object] | None = None,
    ) -> None:
        """Build a dialog from the store in a worker, then show it: one at a time (the
        global keys wait until it is shown, see check_action)."""
        if self.dialog_pending:
            return
        self._open_dialog(prepare, then)
        self.refresh_bindings()

    @work(thread=True, group="dialog", exit_on_error=False)
    def _open_dialog(
        self, prepare: Callable[[Store], Screen[Any]], then: Callable[[Any], object] | None
    ) -> None:
        store = self.store
        if store is None:
            self.call_from_thread(
                self.notify, "Il profilo non è ancora aperto: riprova tra un attimo.", timeout=5
            )
            return
        dialog = prepare(store)
        self.call_from_thread(self.push_screen, dialog, then)

    async def action_go(self, mode: str, from_top_line: bool = False) -> None:
        """A place's key shows that place. The screens only browsed (details, Registro
        ore, Indicatori, Conflitti) are closed on the way; a form, an import or a sync
        in progress is never closed (the key then does what switch_mode does: the
        place it leaves keeps its stack). Opened with a click on the top line, a place
        with a search box has it focused, ready to type."""
        while len(self.screen_stack) > 1 and getattr(self.screen, "CLOSED_BY_PLACE_KEYS", False):
            self.pop_screen()
        if mode != self.current_mode:
            await self.switch_mode(mode)
        focus_search = getattr(self.screen, "focus_search", None)
        if from_top_line and callable(focus_search):
            focus_search()

    def _open_pushed_place(self, screen: Screen[Any]) -> None:
        """Registro ore and Indicatori go over the current place; one replaces the
        other, so going back and forth between them never piles screens up."""
        if type(self.screen) is type(screen):
            return
        if getattr(self.screen, "PUSHED_PLACE", False):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_registro_ore(self) -> None:
        from taskforce_tui.screens.timelog import TimeLogScreen

        self._open_pushed_place(TimeLogScreen())

    def log_time(
        self,
        *,
        comune_code: str | None = None,
        practice_id: str | None = None,
        request_id: str | None = None,
    ) -> None:
        """Open the time-log form with the Comune / practice the screen is about."""
        from taskforce_tui.screens.timelog_forms import TimeLogForm, context_names, load_choices

        context = {"comune_code": comune_code, "practice_id": practice_id, "request_id": request_id}

        def prepare(store: Store) -> TimeLogForm:
            comune_name, protocol_no = context_names(store, context)
            return TimeLogForm(
                load_choices(store), comune_name=comune_name, protocol_no=protocol_no
            )

        def saved(result: object) -> None:
            if result is not None:
                self.data_changed("timelogs")
                self.notify("Ore registrate.", title="Registro ore")

        self.open_dialog(prepare, saved)

    def action_log_time(self) -> None:
        context = self.work_context()
        self.log_time(
            comune_code=context.get("comune_code"),
            practice_id=context.get("practice_id"),
            request_id=context.get("request_id"),
        )

    def action_toggle_timer(self) -> None:
        """Start the timer (choosing Comune and activity) or stop it and log the time."""
        from taskforce_tui.screens.timer import TIMER_GROUP, toggle_timer

        if self.dialog_pending:
            return

        context = self.work_context()

        def run() -> None:
            toggle_timer(self, context)
            self.call_from_thread(self.data_changed, "timer", "timelogs")

        self.run_worker(run, thread=True, group=TIMER_GROUP, exit_on_error=False)
        self.refresh_bindings()

    # --- indicators, import, sync -------------------------------------------------------
    def action_indicators(self) -> None:
        from taskforce_tui.screens.indicators import IndicatorsScreen

        self._open_pushed_place(IndicatorsScreen())

    def action_import_practices(self) -> None:
        from taskforce_tui.screens.importer import ImportScreen

        if isinstance(self.screen, ImportScreen):
            return

        def done(imported: bool | None) -> None:
            if imported:
                self.data_changed()  # the screen below shows the new counts

        self.push_screen(ImportScreen(), done)

    def action_sync(self) -> None:
        from taskforce_tui.screens.sync import SyncScreen

        def refresh(report: object) -> None:
            if report is not None:
                self.data_changed()  # new data may have arrived

        if self.store is not None and not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen(), refresh)

    def action_conflicts(self) -> None:
        from taskforce_tui.screens.conflicts import ConflictsScreen

        if self.store is not None and not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

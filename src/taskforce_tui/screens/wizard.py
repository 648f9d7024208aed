"""First run: a profile without an expert. Asks name, email and the Comuni followed
(searchable among all the Comuni of Lombardy), or opens the demo in a throwaway
profile, leaving this one empty."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from textual.worker import Worker

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.domain.records import Comune


class WizardScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "create", "Crea profilo", id="wizard.create"),
        Binding("f3", "demo", "Prova la demo", id="wizard.demo"),
        Binding("f10", "app.quit", "Esci", id="wizard.quit"),
        Binding("down", "field_down", "Campo successivo", show=False, id="wizard.down"),
    ]
    DEFAULT_CSS = """
    WizardScreen { align: center middle; }
    WizardScreen #wizard {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    WizardScreen #title { text-style: bold; }
    WizardScreen #intro { color: $text-muted; margin-bottom: 1; }
    WizardScreen .row { height: 1; }
    WizardScreen .row Label { width: 18; }
    WizardScreen .row Input { width: 1fr; }
    WizardScreen .error { color: $text-error; padding-left: 18; display: none; }
    WizardScreen .error.-shown { display: block; }
    WizardScreen #lists { height: 9; margin-top: 1; }
    WizardScreen #lists Vertical { width: 1fr; }
    WizardScreen #lists OptionList { height: 1fr; }
    WizardScreen #buttons { height: auto; margin-top: 1; }
    WizardScreen #buttons Button { margin-right: 2; }
    WizardScreen #progress { display: none; }
    WizardScreen #progress.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.chosen: dict[str, str] = {}  # code -> label
        self._busy = False

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard"):
            yield Static("Benvenuto in taskforce-tui", id="title")
            yield Static(
                "Questo profilo è vuoto. Indica chi sei e i Comuni che segui, "
                "oppure prova l'applicazione sui dati dimostrativi (F3): il profilo "
                "resta vuoto.",
                id="intro",
            )
            with Horizontal(classes="row"):
                yield Label("Nome e cognome *")
                yield Input(placeholder="es. Anna Verdi", id="name", compact=True)
            yield Static("", id="e-name", classes="error")
            with Horizontal(classes="row"):
                yield Label("Email *")
                yield Input(placeholder="nome@esempio.it", id="email", compact=True)
            yield Static("", id="e-email", classes="error")
            with Horizontal(classes="row"):
                yield Label("Cerca Comune")
                yield Input(placeholder="nome o codice ISTAT", id="search", compact=True)
            with Horizontal(id="lists"):
                with Vertical():
                    yield Label("Risultati (Invio aggiunge)")
                    yield OptionList(id="results")
                with Vertical():
                    yield Label("Comuni scelti * (Invio toglie)")
                    yield OptionList(id="chosen")
            yield Static("", id="e-comuni", classes="error")
            with Horizontal(id="buttons"):
                yield Button("Crea profilo (F2)", variant="primary", id="create", compact=True)
                yield Button("Prova la demo (F3)", id="demo", compact=True)
            yield Static("", id="e-_form", classes="error")
            yield ProgressBar(total=100, id="progress", show_eta=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self._search("")

    # --- searching the Comuni ------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one("#results", OptionList).focus()

    @on(Input.Changed, "#name, #email")
    def _field_changed(self, event: Input.Changed) -> None:
        """A field being corrected loses its message at once (as in every form)."""
        self._error(str(event.input.id), "")

    @on(Input.Submitted, "#name")
    def _name_submitted(self) -> None:
        self.query_one("#email", Input).focus()

    @on(Input.Submitted, "#email")
    def _email_submitted(self) -> None:
        self.query_one("#search", Input).focus()

    def action_field_down(self) -> None:
        """↓ in a field goes on: from the search to its results, as Enter does."""
        focused = self.focused
        if isinstance(focused, Input):
            if focused.id == "search":
                self.query_one("#results", OptionList).focus()
            else:
                self.focus_next()

    @work(thread=True, exclusive=True, group="wizard-search", exit_on_error=False)
    def _search(self, text: str) -> None:
        from textual.worker import get_current_worker

        store = self.tf_app.store
        if store is None:
            return
        found = store.comuni.search(text, limit=60)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_results, found)

    def _show_results(self, found: list[Comune]) -> None:
        results = self.query_one("#results", OptionList)
        results.clear_options()
        results.add_options(
            Option(f"{c.name} ({c.province})", id=c.istat_code) for c in found if c.active
        )
        if results.option_count:
            results.highlighted = 0

    @on(OptionList.OptionSelected, "#results")
    def _add(self, event: OptionList.OptionSelected) -> None:
        code = event.option.id
        if code and code not in self.chosen:
            self.chosen[code] = str(event.option.prompt)
            self._show_chosen()

    @on(OptionList.OptionSelected, "#chosen")
    def _remove(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.chosen.pop(event.option.id, None)
            self._show_chosen()

    def _show_chosen(self) -> None:
        chosen = self.query_one("#chosen", OptionList)
        chosen.clear_options()
        chosen.add_options(Option(label, id=code) for code, label in self.chosen.items())
        self._error("comuni", "")

    # --- errors ----------------------------------------------------------------------------
    def _error(self, name: str, message: str) -> None:
        target = name if name in ("name", "email", "comuni") else "_form"
        error = self.query_one(f"#e-{target}", Static)
        error.update(f"✗ {message}" if message else "")
        error.set_class(bool(message), "-shown")

    # --- create the profile -------------------------------------------------------------------
    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self._busy:
            return
        from taskforce_tui.store.experts import EMAIL

        name = self.query_one("#name", Input).value.strip()
        email = self.query_one("#email", Input).value.strip()
        for field in ("name", "email", "comuni", "_form"):
            self._error(field, "")
        bad = False
        if not name:
            self._error("name", "Scrivi il tuo nome e cognome.")
            bad = True
        if not EMAIL.match(email):
            self._error("email", "Indirizzo email non valido: es. nome@esempio.it.")
            bad = True
        if not self.chosen:
            self._error("comuni", "Scegli almeno un Comune: cercalo e premi Invio.")
            bad = True
        if bad:
            return
        self._busy = True
        self._create(name, email, list(self.chosen))

    @work(thread=True, exclusive=True, group="wizard", exit_on_error=False)
    def _create(self, name: str, email: str, codes: list[str]) -> None:
        store = self.tf_app.store
        assert store is not None
        try:
            store.experts.setup_profile(name, email, codes)
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._done, f"Profilo creato: benvenuto, {name}.")

    def _refused(self, exc: DomainError) -> None:
        self._busy = False
        self._error(exc.field or "_form", exc.message)

    def _done(self, message: str) -> None:
        self._busy = False
        self.tf_app.data_changed()
        self.dismiss(None)
        self.app.notify(message, title="taskforce-tui")

    # --- the demo ---------------------------------------------------------------------------
    @on(Button.Pressed, "#demo")
    def action_demo(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.query_one("#progress", ProgressBar).add_class("-shown")
        self._error("_form", "")
        self._demo()

    @work(thread=True, exclusive=True, group="wizard", exit_on_error=False)
    def _demo(self) -> None:
        from taskforce_tui.store import dataset
        from taskforce_tui.store.db import Store

        folder = Path(tempfile.mkdtemp(prefix="taskforce-demo-"))
        self.tf_app.temp_folders.append(folder)
        try:
            store = Store(folder / "taskforce.sqlite3")

            def progress(label: str, fraction: float) -> None:
                self.app.call_from_thread(self._progress, fraction)

            dataset.generate(store, dataset.demo_spec(), progress)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.app.call_from_thread(self._demo_ready, store)

    def _progress(self, fraction: float) -> None:
        self.query_one("#progress", ProgressBar).update(progress=fraction * 100)

    def _demo_ready(self, store: object) -> None:
        self.tf_app.use_store(store)  # type: ignore[arg-type]
        self._done("Demo aperta: i dati sono dimostrativi e spariscono all'uscita.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            self._busy = False
            self.query_one("#progress", ProgressBar).remove_class("-shown")
        from taskforce_tui.screens.base import report_worker_error

        report_worker_error(self, event)

"""Conflitti (F6): fields that two people changed differently. The expert sees both
values, who and when, and keeps one, takes the other or writes a new one: the
choice is an ordinary op-logged edit and syncs like any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Label, Static

from taskforce_tui.screens.base import PlacesBar
from taskforce_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.sync.status import ConflictView


@dataclass(frozen=True, slots=True)
class Choice:
    kind: str  # "kept", "other" or "edit"
    value: str | None = None


class ResolveConflictModal(ModalScreen[Choice | None]):
    """Both values side by side; 1 keeps, 2 takes the other, or write a new value."""

    DEFAULT_CSS = """
    ResolveConflictModal { align: center middle; }
    ResolveConflictModal > Vertical {
        width: 78; height: auto; max-height: 24; border: thick $warning;
        background: $surface; padding: 1 2;
    }
    ResolveConflictModal .title { text-style: bold; }
    ResolveConflictModal .value { margin: 0 0 1 2; }
    ResolveConflictModal #resolve-error { color: $error; }
    ResolveConflictModal Horizontal { height: auto; }
    ResolveConflictModal Button { margin-right: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Annulla", id="conflict.cancel"),
        Binding("1", "keep", "Tieni il valore attuale", id="conflict.keep"),
        Binding("2", "other", "Scegli l'altro", id="conflict.other"),
    ]

    def __init__(self, conflict: ConflictView) -> None:
        super().__init__()
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        from taskforce_tui.sync.status import show_value

        c = self.conflict
        with Vertical():
            yield Label(f"{c.record}: {c.field_label}", classes="title")
            yield Label(f"1) Valore tenuto per ora - {c.kept_author}, {c.kept_when}:")
            yield Static(show_value(c.field, c.kept_value), classes="value", id="resolve-kept")
            yield Label(f"2) Altro valore - {c.other_author}, {c.other_when}:")
            yield Static(show_value(c.field, c.other_value), classes="value", id="resolve-other")
            yield Label("3) Oppure scrivi il valore giusto e premi Invio:")
            yield Input(id="resolve-value")
            yield Static("", id="resolve-error")
            with Horizontal():
                yield Button("1 Tieni", id="resolve-keep", variant="primary")
                yield Button("2 Scegli l'altro", id="resolve-take")
                yield Button("Annulla (Esc)", id="resolve-cancel")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#resolve-keep", Button).focus()
        if self.conflict.field == "deleted":
            self.query_one("#resolve-value").display = False

    @on(Button.Pressed, "#resolve-keep")
    def action_keep(self) -> None:
        self.dismiss(Choice("kept"))

    @on(Button.Pressed, "#resolve-take")
    def action_other(self) -> None:
        self.dismiss(Choice("other"))

    @on(Button.Pressed, "#resolve-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#resolve-value")
    def _value_changed(self) -> None:
        """The value being written loses the message at once (as in every form)."""
        self.query_one("#resolve-error", Static).update("")

    @on(Input.Submitted, "#resolve-value")
    def submit_value(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#resolve-error", Static).update("Scrivi un valore, o scegli 1 o 2.")
            return
        self.dismiss(Choice("edit", event.value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # digits typed in the value field belong to the field, not to the bindings
        return not (
            action in ("keep", "other") and self.focused is self.query_one("#resolve-value")
        )


class ConflictsScreen(Screen[None]):
    """The list of open conflicts."""

    #: Only browsed (a resolution is a modal form): place keys close it.
    CLOSED_BY_PLACE_KEYS: ClassVar[bool] = True

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Indietro", id="conflicts.back"),
        Binding("enter", "resolve", "Risolvi", id="conflicts.resolve", show=True),
        Binding("f5", "app.sync", "Sincronizza", id="conflicts.sync"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[ConflictView] = []

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield PlacesBar(None, "Conflitti da sincronizzazione")
        yield Static("Caricamento dei conflitti...", id="conflicts-status")
        table: DataTable[str] = DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        table.add_columns("Record", "Campo", "Tenuto", "Di", "Altro valore", "Di")
        yield table
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Conflitti da sincronizzazione"
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="conflicts", exit_on_error=False)
    def load(self) -> None:
        from taskforce_tui.sync.status import list_conflicts

        store = self.tf_app.store
        if store is None:
            return
        conflicts = list_conflicts(store)
        self.app.call_from_thread(self.show, conflicts)

    def show(self, conflicts: list[ConflictView]) -> None:
        from taskforce_tui.sync.status import show_value

        self.conflicts = conflicts
        table = self.query_one("#conflicts", DataTable)
        table.clear()
        for c in conflicts:
            table.add_row(
                c.record,
                c.field_label,
                show_value(c.field, c.kept_value)[:30],
                f"{c.kept_author}, {c.kept_when}",
                show_value(c.field, c.other_value)[:30],
                f"{c.other_author}, {c.other_when}",
                key=c.id,
            )
        status = self.query_one("#conflicts-status", Static)
        if conflicts:
            status.update(
                f"{len(conflicts)} conflitti: due persone hanno cambiato lo stesso dato in modo "
                "diverso. Invio per scegliere il valore giusto."
            )
            table.focus()
        else:
            status.update("Nessun conflitto aperto.")

    def action_resolve(self) -> None:
        table = self.query_one("#conflicts", DataTable)
        if not self.conflicts or table.cursor_row < 0:
            return
        conflict = self.conflicts[min(table.cursor_row, len(self.conflicts) - 1)]

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self.resolve(conflict.id, choice)

        self.app.push_screen(ResolveConflictModal(conflict), chosen)

    @on(DataTable.RowSelected, "#conflicts")
    def row_selected(self) -> None:
        self.action_resolve()

    @work(thread=True, exclusive=True, group="conflicts-resolve", exit_on_error=False)
    def resolve(self, conflict_id: str, choice: Choice) -> None:
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.sync.status import list_conflicts, resolve_conflict, show_value

        store = self.tf_app.store
        assert store is not None
        try:
            done = resolve_conflict(store, conflict_id, choice.kind, choice.value)
        except DomainError as exc:
            self.app.call_from_thread(
                self.app.notify, exc.message, title="Scelta non salvata", severity="error"
            )
            return
        self.app.call_from_thread(
            self.app.notify,
            f"{done.field_label}: {show_value(done.field, done.current_value)}. La scelta parte "
            "con la prossima sincronizzazione (F5).",
            title="Conflitto risolto",
        )
        self.app.call_from_thread(self.show, list_conflicts(store))

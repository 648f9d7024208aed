"""Conflitti (F6): fields that two people changed differently. The expert sees both
values, who and when, and keeps one, takes the other or writes a new one: the
choice is an ordinary op-logged edit and syncs like any other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.screens.base import PlacesBar
from taskforce_tui.screens.modals.forms import Field, FormModal
from taskforce_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from textual.widget import Widget

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.db import Store
    from taskforce_tui.sync.status import ConflictView


class ResolveConflictModal(FormModal["ConflictView"]):
    """Both values, who and when; 1 keeps, 2 takes the other, or write a new value and
    save (Enter, F2). The choice is written by the form (an op-logged edit); a refusal
    shows in the form. Dismisses with the resolved conflict."""

    CHANGES: ClassVar[tuple[str, ...] | None] = ()
    DEFAULT_CLASSES = "-many-buttons"  # four: they fit in 80 columns
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "keep", "Tieni il valore attuale", id="conflict.keep"),
        Binding("2", "other", "Scegli l'altro", id="conflict.other"),
    ]

    def __init__(self, conflict: ConflictView) -> None:
        from taskforce_tui.sync.status import show_value

        c = self.conflict = conflict
        intro = (
            f"1) Valore tenuto per ora - {c.kept_author}, {c.kept_when}:\n"
            f"   {show_value(c.field, c.kept_value)}\n"
            f"2) Altro valore - {c.other_author}, {c.other_when}:\n"
            f"   {show_value(c.field, c.other_value)}"
            + ("" if c.field == "deleted" else "\n3) Oppure scrivi il valore giusto e salva.")
        )
        fields = [
            Field(
                "value",
                "Valore giusto",
                also=("valore",),
                disabled=c.field == "deleted",
            )
        ]
        super().__init__(
            f"{c.record}: {c.field_label}",
            fields,
            intro=intro,
            submit_label="Salva il valore",
            form_id="conflict-resolve",
        )

    def more_buttons(self) -> ComposeResult:
        yield Button("1 Tieni", id="resolve-keep", compact=True)
        yield Button("2 Scegli l'altro", id="resolve-take", compact=True)

    def first_focus(self) -> Widget | None:
        # The choice first: 1 and 2 work at once, Enter keeps.
        return self.query_one("#resolve-keep", Button)

    def on_mount(self) -> None:
        if self.conflict.field == "deleted":
            self.query_one("#f-value").display = False
            self.query_one("#form-save").display = False

    def check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        if not values["value"]:
            raise DomainError("Scrivi un valore, o scegli 1 o 2.", "value")
        return values

    def save(self, store: Store, values: dict[str, Any]) -> ConflictView:
        return self._resolve(store, "edit", values["value"])

    def _resolve(self, store: Store, kind: str, value: str | None = None) -> ConflictView:
        from taskforce_tui.sync.status import resolve_conflict

        return resolve_conflict(store, self.conflict.id, kind, value)

    @on(Button.Pressed, "#resolve-keep")
    def action_keep(self) -> None:
        self.run_save(lambda store: self._resolve(store, "kept"))

    @on(Button.Pressed, "#resolve-take")
    def action_other(self) -> None:
        self.run_save(lambda store: self._resolve(store, "other"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # digits typed in the value field belong to the field, not to the bindings
        return not (action in ("keep", "other") and self.focused is self.query_one("#f-value"))


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
        self.app.push_screen(ResolveConflictModal(conflict), self._resolved)

    def _resolved(self, done: ConflictView | None) -> None:
        from taskforce_tui.sync.status import show_value

        if done is None:
            return
        self.app.notify(
            f"{done.field_label}: {show_value(done.field, done.current_value)}. La scelta parte "
            "con la prossima sincronizzazione (F5).",
            title="Conflitto risolto",
        )
        self.load()

    @on(DataTable.RowSelected, "#conflicts")
    def row_selected(self) -> None:
        self.action_resolve()

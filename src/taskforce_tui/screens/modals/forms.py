"""Modal forms (as posting's new_request_modal): fields checked on submit with Textual
Validators, the error shown next to the field, the save done in a thread worker; a
refusal from the core (DomainError) lands beside the field it names. A field's error
clears as the user types in it. F2 or Enter saves, Escape cancels: nothing is written
until the core accepts the whole form.

A form is data: a list of Fields and a `save(store, values)` function. A form that
needs more (checks across fields, a save that asks a question, extra buttons)
subclasses FormModal and overrides `check_values`, `save` or `more_buttons`: every
form of the app is a FormModal (tests/test_layering.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label, Select, Static

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.widgets import italian  # noqa: F401  (Select's menu in Italian)
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.tick import Tick

if TYPE_CHECKING:
    from textual.widget import Widget
    from textual.worker import Worker

    from taskforce_tui.store.db import Store

R = TypeVar("R")


# --- validators -------------------------------------------------------------------------
class Required(Validator):
    def validate(self, value: str) -> ValidationResult:
        return self.success() if value.strip() else self.failure("Campo obbligatorio.")


class DateValidator(Validator):
    """AAAA-MM-GG or GG/MM/AAAA (also «oggi», «ieri»), via the domain's parser."""

    def validate(self, value: str) -> ValidationResult:
        from taskforce_tui.domain.dates import parse_date

        if not value.strip():
            return self.success()
        try:
            parse_date(value)
        except DomainError as exc:
            return self.failure(exc.message)
        return self.success()


class IntegerRange(Validator):
    def __init__(self, low: int, high: int) -> None:
        super().__init__()
        self.low = low
        self.high = high

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            number = int(value.strip())
        except ValueError:
            return self.failure(f"«{value}» non è un numero intero.")
        if not self.low <= number <= self.high:
            return self.failure(f"Serve un numero tra {self.low} e {self.high}.")
        return self.success()


class DurationValidator(Validator):
    """Durations as people type them: 90, 1h30, 1:30, 1,5h, 45m (the domain's parser)."""

    def validate(self, value: str) -> ValidationResult:
        from taskforce_tui.domain.timelog import parse_duration

        if not value.strip():
            return self.success()
        try:
            parse_duration(value)
        except DomainError as exc:
            return self.failure(exc.message)
        return self.success()


class KeepOpen(Exception):
    """Raised by a form's `save` when the user said no to a question it asked: the
    form stays open as it is, nothing written and no message."""


# --- dropdowns inside the dialog --------------------------------------------------------
class DropdownRoom(Static):
    """Empty lines at the foot of a dialog, as many as an open Select's list needs to
    stay inside the dialog's border (Textual draws it over whatever is below)."""

    DEFAULT_CSS = "DropdownRoom { height: 0; }"

    def watch_select(self, box: Widget, select: Select[Any]) -> None:
        self.watch(select, "expanded", lambda open_: self._make_room(box, select, open_))

    def _make_room(self, box: Widget, select: Select[Any], expanded: bool) -> None:
        if not expanded:
            self.styles.height = 0
            return
        from textual.widgets._select import SelectOverlay

        overlay = select.query_one(SelectOverlay)
        wanted = min(overlay.option_count + 2, 12)  # the list's border, its max-height
        list_bottom = select.region.y + 1 + wanted
        inside_bottom = box.region.bottom - box.styles.gutter.bottom
        self.styles.height = max(list_bottom - inside_bottom + self.region.height, 0)


# --- fields -------------------------------------------------------------------------------
@dataclass
class Field:
    """One input of a form.

    kind: text | date | int | minutes | select | check. `name` is the key in the
    values handed to `save` and the DomainError.field shown beside it; `also` lists
    other DomainError fields that belong here. `parse` turns a text field's value
    into what `save` receives (a DomainError it raises is the field's message);
    `suggestions` complete what is typed; `blank=False`: a select with a value
    cannot go back to none.
    """

    name: str
    label: str
    kind: str = "text"
    value: Any = None
    options: Sequence[tuple[str, Any]] = ()
    required: bool = False
    placeholder: str = ""
    low: int = 1
    high: int = 3650
    also: tuple[str, ...] = ()
    disabled: bool = False
    validators: list[Validator] = field(default_factory=list)
    parse: Callable[[str], Any] | None = None
    suggestions: Sequence[str] = ()
    blank: bool = True


def _safe_id(name: str) -> str:
    return name.replace(".", "_")


class FormModal(ModalScreen[R | None], Generic[R]):
    """A form; dismissed with the result of `save`, or None when cancelled."""

    #: What a save changes, for `app.data_changed` (empty: anything); None when the
    #: form writes no data (a report file) or its caller announces the change.
    CHANGES: ClassVar[tuple[str, ...] | None] = ()

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annulla", id="form.cancel"),
        Binding("f2", "submit", "Salva", id="form.save"),
    ]
    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal #form {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FormModal #form-title { text-style: bold; margin-bottom: 1; }
    FormModal #form-intro { color: $text-muted; margin-bottom: 1; }
    FormModal #form-fields { height: auto; max-height: 16; }
    FormModal .form-row { height: auto; }
    FormModal .form-label { width: 20; padding-top: 0; }
    FormModal .form-row Input, FormModal .form-row Select { width: 1fr; }
    FormModal .form-row Checkbox { width: 1fr; }
    FormModal .form-error { color: $text-error; padding-left: 20; display: none; }
    FormModal .form-error.-shown { display: block; }
    FormModal #e-_form { padding-left: 0; }
    FormModal #form-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FormModal #form-buttons Button { margin-left: 2; }
    FormModal.-many-buttons #form-buttons Button { min-width: 0; margin-left: 1; }
    """

    def __init__(
        self,
        title: str,
        fields: list[Field],
        save: Callable[[Store, dict[str, Any]], R] | None = None,
        *,
        intro: str = "",
        submit_label: str = "Salva",
        cancel_label: str = "Annulla",
        form_id: str | None = None,
        focus: str | None = None,
    ) -> None:
        super().__init__(id=form_id)
        self.form_title = title
        self.fields = fields
        self.save_fn = save
        self.intro = intro
        self.submit_label = submit_label
        self.cancel_label = cancel_label
        #: The field focused on opening (default: the first required one still empty).
        self.focus_field = focus
        self._saving = False
        #: Fields the user has typed in (checked again when left).
        self._touched: set[str] = set()
        #: The value each field had when its error was shown.
        self._wrong: dict[str, Any] = {}

    # --- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(self.form_title, id="form-title", markup=False)
            if self.intro:
                yield Static(self.intro, id="form-intro", markup=False)
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(f.label + (" *" if f.required else ""), classes="form-label")
                        yield self._widget(f)
                    yield Static("", id=f"e-{_safe_id(f.name)}", classes="form-error")
            yield Static("", id="e-_form", classes="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(self.submit_label, variant="primary", id="form-save", compact=True)
                yield from self.more_buttons()
                yield Button(self.cancel_label, id="form-cancel", compact=True)
            yield DropdownRoom(id="form-room")
        yield KeysFooter()

    def more_buttons(self) -> ComposeResult:
        """Buttons between Save and Cancel (a subclass's other ways out; with
        `DEFAULT_CLASSES = "-many-buttons"` they are as wide as their words, to fit
        in 80 columns)."""
        yield from ()

    def on_mount(self) -> None:
        room = self.query_one(DropdownRoom)
        for select in self.query(Select):
            room.watch_select(self.query_one("#form"), select)
        first = self.first_focus()
        if first is not None:
            first.focus()

    def first_focus(self) -> Widget | None:
        """What has the focus on opening: the field named by `focus`, else the first
        field still to fill (a date prefilled with today is not), else the first one."""
        enabled = [f for f in self.fields if not f.disabled]
        chosen = [f for f in enabled if f.name == self.focus_field]
        to_fill = [f for f in enabled if f.required and f.value in (None, "")]
        for first in (chosen or to_fill or enabled)[:1]:
            return self.query_one(f"#f-{_safe_id(first.name)}")
        return None

    def _widget(self, f: Field) -> Widget:
        wid = f"f-{_safe_id(f.name)}"
        if f.kind == "select":
            select: Select[Any] = Select(
                list(f.options),
                value=f.value if f.value is not None else Select.NULL,
                allow_blank=f.blank or f.value is None,
                prompt="(scegli)",
                id=wid,
                compact=True,
                disabled=f.disabled,
            )
            return select
        if f.kind == "check":
            return Tick("", bool(f.value), id=wid, compact=True, disabled=f.disabled)
        validators: list[Validator] = list(f.validators)
        if f.required:
            validators.append(Required())
        if f.kind == "date":
            validators.append(DateValidator())
        elif f.kind == "int":
            validators.append(IntegerRange(f.low, f.high))
        elif f.kind == "minutes":
            validators.append(DurationValidator())
        value = f.value
        if isinstance(value, date):
            value = value.strftime("%d/%m/%Y")
        placeholder = f.placeholder or ("GG/MM/AAAA" if f.kind == "date" else "")
        suggester = None
        if f.suggestions:
            from textual.suggester import SuggestFromList

            suggester = SuggestFromList(f.suggestions, case_sensitive=False)
        return Input(
            "" if value is None else str(value),
            placeholder=placeholder,
            suggester=suggester,
            validators=validators,
            validate_on=["submitted"],
            id=wid,
            compact=True,
            disabled=f.disabled,
        )

    # --- errors ------------------------------------------------------------------------
    def show_error(self, name: str | None, message: str, *, focus: bool = True) -> None:
        target = "_form"
        for f in self.fields:
            if name is not None and (name == f.name or name in f.also):
                target = f.name
                break
        error = self.query_one(f"#e-{_safe_id(target)}", Static)
        error.update(f"✗ {message}")
        error.add_class("-shown")
        if target == "_form":
            return
        widget = self.query_one(f"#f-{_safe_id(target)}")
        self._wrong[target] = getattr(widget, "value", None)
        if focus:
            widget.focus()
            widget.scroll_visible()

    def clear_errors(self) -> None:
        for error in self.query(".form-error"):
            if isinstance(error, Static):
                error.update("")
            error.remove_class("-shown")

    def clear_error(self, name: str) -> None:
        for error in self.query(f"#e-{_safe_id(name)}, #e-_form"):
            if isinstance(error, Static):
                error.update("")
            error.remove_class("-shown")

    def _field_of(self, widget: Widget) -> Field | None:
        return next((f for f in self.fields if widget.id == f"f-{_safe_id(f.name)}"), None)

    # --- errors follow the typing ----------------------------------------------------------
    @on(Input.Changed)
    @on(Select.Changed)
    @on(Tick.Changed)
    def _field_changed(self, event: Input.Changed | Select.Changed | Tick.Changed) -> None:
        """A field being corrected loses its message at once (a change that arrives
        after the check, with the value it checked, is no correction)."""
        f = self._field_of(event.control)
        if f is None:
            return
        self._touched.add(f.name)
        value = getattr(event.control, "value", None)
        if f.name in self._wrong and self._wrong[f.name] == value:
            return
        self._wrong.pop(f.name, None)
        self.clear_error(f.name)

    @on(Input.Blurred)
    def _field_left(self, event: Input.Blurred) -> None:
        """Leaving a field the user typed in for another field checks it again. Not
        for a button: its press checks the whole form, and a message appearing on
        mouse down would move the button from under the pointer (the click lost)."""
        if isinstance(self.focused, Button):
            return
        f = self._field_of(event.input)
        if f is not None and f.name in self._touched:
            _, message = self._check(f, event.input)
            if message:
                self.show_error(f.name, message, focus=False)

    # --- submit ------------------------------------------------------------------------
    def _check(self, f: Field, widget: Widget) -> tuple[Any, str | None]:
        """A field's parsed value, or the message saying what is wrong with it."""
        from taskforce_tui.domain.dates import parse_date

        if isinstance(widget, Select):
            chosen = widget.value
            if chosen is Select.NULL or chosen == Select.NULL:
                return None, "Scegli un valore." if f.required else None
            return chosen, None
        if isinstance(widget, Tick):
            return widget.value, None
        if not isinstance(widget, Input):
            return None, None
        result = widget.validate(widget.value)
        text = widget.value.strip()
        if result is not None and not result.is_valid:
            return None, " ".join(result.failure_descriptions)
        if not text:
            return None, None
        if f.parse is not None:
            try:
                return f.parse(text), None
            except DomainError as exc:
                return None, exc.message
        if f.kind == "date":
            return parse_date(text, f.name), None
        if f.kind == "int":
            return int(text), None
        if f.kind == "minutes":
            from taskforce_tui.domain.timelog import parse_duration

            return parse_duration(text, f.name), None
        return text, None

    def collect(self) -> dict[str, Any] | None:
        """Values parsed and checked field by field; None (errors shown) if any is bad."""
        self.clear_errors()
        values: dict[str, Any] = {}
        first_bad: str | None = None
        for f in self.fields:
            value, message = self._check(f, self.query_one(f"#f-{_safe_id(f.name)}"))
            values[f.name] = value
            if message:
                self.show_error(f.name, message)
                first_bad = first_bad or f.name
        if first_bad is not None:
            self.query_one(f"#f-{_safe_id(first_bad)}").focus()
            return None
        return values

    def check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """Checks across fields, on the UI thread once every field is right: return
        the values to save, or raise a DomainError naming the field at fault."""
        return values

    def save(self, store: Store, values: dict[str, Any]) -> R:
        """Write the form (in a thread worker); may ask with `screens.base.ask` and
        raise KeepOpen when the answer is no."""
        assert self.save_fn is not None, "a FormModal needs a save function"
        return self.save_fn(store, values)

    def action_submit(self) -> None:
        if self._saving:
            return
        values = self.collect()
        if values is None:
            return
        try:
            values = self.check_values(values)
        except DomainError as exc:
            self.show_error(exc.field, exc.message)
            return
        self.run_save(lambda store: self.save(store, values))

    def run_save(self, work: Callable[[Store], R]) -> None:
        """Run `work` in the form's worker (one at a time); dismiss with its result."""
        if self._saving:
            return
        self._saving = True
        self._save(work)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, work: Callable[[Store], R]) -> None:
        from textual.worker import get_current_worker

        store = self.app.store  # type: ignore[attr-defined]
        answer: Callable[[], None]
        try:
            result = work(store)
        except KeepOpen:
            answer = self._kept
        except DomainError as exc:
            answer = partial(self._refused, exc)
        else:
            answer = partial(self._saved, result)
        if not get_current_worker().is_cancelled:  # else the app is closing
            self.app.call_from_thread(answer)

    def _kept(self) -> None:
        self._saving = False

    def _refused(self, exc: DomainError) -> None:
        self._saving = False
        self.show_error(exc.field, exc.message)

    def _saved(self, result: R) -> None:
        self._saving = False
        if self.CHANGES is not None:
            self.app.data_changed(*self.CHANGES)  # type: ignore[attr-defined]
        self.dismiss(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            self._saving = False
        from taskforce_tui.screens.base import report_worker_error

        report_worker_error(self, event)

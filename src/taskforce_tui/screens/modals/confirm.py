"""The one yes/no dialog of the app (a `ModalScreen[bool]`): s or the first button
says yes; n, Escape or the second button says no. The No button has the focus, so
an Enter typed by habit never confirms."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from taskforce_tui.widgets.footer import KeysFooter


class ConfirmModal(ModalScreen[bool]):
    """A question; dismissed with True (yes) or False (no)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "answer(True)", "Sì", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Annulla", id="confirm.cancel"),
    ]
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal #confirm {
        width: 70; max-width: 100%; height: auto; border: thick $warning;
        background: $surface; padding: 0 1;
    }
    ConfirmModal #question { height: auto; margin-bottom: 1; }
    ConfirmModal #confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmModal #confirm-buttons Button { margin-left: 2; }
    """

    def __init__(self, question: str, yes: str = "Sì", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question, id="question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (s)", variant="warning", id="yes", compact=True)
                yield Button(f"{self.no_label} (Esc)", id="no", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

"""The baseline form: reference average duration and backlog of a Comune and type."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.indicators import Baseline, BaselineInput, check_baseline

FIELDS = ("procedure_type", "period", "avg_duration_days", "backlog")


@dataclass(frozen=True, slots=True)
class BaselineFormResult:
    procedure_type: str
    values: BaselineInput


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


class BaselineForm(ModalScreen[BaselineFormResult | None]):
    """Validated on submit; the error is shown next to its field; Escape cancels."""

    DEFAULT_CSS = """
    BaselineForm {
        align: center middle;
    }
    BaselineForm #dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    BaselineForm #form-title {
        text-style: bold;
        margin-bottom: 1;
    }
    BaselineForm .row {
        height: auto;
    }
    BaselineForm .row Label {
        width: 24;
        padding-top: 1;
    }
    BaselineForm .row Input, BaselineForm .row Select {
        width: 1fr;
    }
    BaselineForm .error {
        color: $error;
        padding-left: 24;
        display: none;
    }
    BaselineForm .error.visible {
        display: block;
    }
    BaselineForm #buttons {
        height: auto;
        align-horizontal: right;
    }
    BaselineForm #buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Annulla", id="baseline_form.cancel"),
    ]

    def __init__(
        self,
        comune_name: str,
        types: list[tuple[str, str]],
        existing: dict[str, Baseline],
        initial_type: str | None = None,
    ) -> None:
        super().__init__()
        self.comune_name = comune_name
        self.types = types
        self.existing = existing
        codes = [code for code, _ in types]
        self.initial_type = initial_type if initial_type in codes else (codes[0] if codes else None)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Base di riferimento - {self.comune_name}", id="form-title", markup=False)
            with Horizontal(classes="row"):
                yield Label("Tipo di procedimento")
                yield Select(
                    [(_short(name), code) for code, name in self.types],
                    value=self.initial_type if self.initial_type else Select.BLANK,
                    allow_blank=self.initial_type is None,
                    id="procedure_type",
                )
            yield Static("", id="error-procedure_type", classes="error", markup=False)
            with Horizontal(classes="row"):
                yield Label("Periodo (es. 2022-H1)")
                yield Input(placeholder="2022-H1", id="period")
            yield Static("", id="error-period", classes="error", markup=False)
            with Horizontal(classes="row"):
                yield Label("Durata media (giorni)")
                yield Input(placeholder="es. 87,5", id="avg_duration_days")
            yield Static("", id="error-avg_duration_days", classes="error", markup=False)
            with Horizontal(classes="row"):
                yield Label("Arretrato (pratiche)")
                yield Input(placeholder="es. 12", id="backlog")
            yield Static("", id="error-backlog", classes="error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Salva", variant="primary", id="save")
                yield Button("Annulla", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._fill(self.initial_type)
        self.query_one("#period", Input).focus()

    def _fill(self, code: str | None) -> None:
        current = self.existing.get(code or "")
        period = current.period if current else ""
        if not period and self.existing:
            period = sorted(b.period for b in self.existing.values())[-1]
        self.query_one("#period", Input).value = period
        self.query_one("#avg_duration_days", Input).value = _number(
            current.avg_duration_days if current else None
        )
        self.query_one("#backlog", Input).value = (
            str(current.backlog) if current and current.backlog is not None else ""
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._fill(event.value)
            self._clear_errors()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _clear_errors(self) -> None:
        for name in FIELDS:
            error = self.query_one(f"#error-{name}", Static)
            error.update("")
            error.remove_class("visible")

    def _show_error(self, field: str | None, message: str) -> None:
        name = field if field in FIELDS else "avg_duration_days"
        error = self.query_one(f"#error-{name}", Static)
        error.update(message)
        error.add_class("visible")
        self.query_one(f"#{name}").focus()

    def submit(self) -> None:
        self._clear_errors()
        selected = self.query_one("#procedure_type", Select).value
        if not isinstance(selected, str):
            self._show_error("procedure_type", "Scegli il tipo di procedimento.")
            return
        try:
            values = check_baseline(
                self.query_one("#period", Input).value,
                self.query_one("#avg_duration_days", Input).value,
                self.query_one("#backlog", Input).value,
            )
        except DomainError as exc:
            self._show_error(exc.field, exc.message)
            return
        self.dismiss(BaselineFormResult(selected, values))

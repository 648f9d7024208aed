"""F1: the help, written in packaged Markdown (help/aiuto.md, as harlequin's help
screen), preceded by the keys active on the screen the user came from (with any
remapping from config.toml)."""

from __future__ import annotations

from importlib import resources
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

from taskforce_tui.widgets.footer import KeysFooter


def help_text() -> str:
    return resources.files("taskforce_tui.help").joinpath("aiuto.md").read_text(encoding="utf-8")


def _key_label(app: Any, key: str) -> str:
    return ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in key.split(","))


def keys_table(screen: Screen[Any]) -> str:
    """The keys active on `screen`, as a Markdown table (id for config.toml): the
    ones the footer shows first, then the others (a table's movement keys...)."""
    shown: list[str] = []
    hidden: list[str] = []
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        # Only the app's own keys (they have ids); Textual's widgets' are in the help.
        if not binding.id or not binding.description or binding.id in seen:
            continue
        if not active.enabled:
            continue
        seen.add(binding.id)
        label = _key_label(screen.app, key).replace("|", "\\|")
        row = f"| {label} | {binding.description} | `{binding.id}` |"
        (shown if binding.show else hidden).append(row)
    return "\n".join(["| Tasto | Azione | Identificativo |", "|---|---|---|", *shown, *hidden])


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Chiudi", id="help.close"),
        Binding("f1", "close", "Chiudi", show=False, id="help.close_f1"),
        Binding("q", "close", "Chiudi", show=False, id="help.close_q"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help {
        width: 100; max-width: 100%; height: 100%;
        border: thick $primary; background: $surface;
    }
    HelpScreen #help-title { text-style: bold; padding: 0 1; }
    HelpScreen #help-scroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, origin: Screen[Any]) -> None:
        super().__init__()
        self.origin = origin
        # Read now, while the origin is the screen: once the help (a modal) is, the
        # app disables its dialog keys (o, t, F5...) and they would be left out.
        self.origin_keys = keys_table(origin)

    def compose(self) -> ComposeResult:
        title = getattr(self.origin, "TITLE", None) or "taskforce-tui"
        text = f"## Tasti di questa schermata\n\n{self.origin_keys}\n\n" + help_text()
        with Vertical(id="help"):
            yield Static(f"Aiuto - {title} (Esc per chiudere)", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(text, id="help-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)

"""Italian for the few English words Textual's own widgets put on screen.

Textual is pinned exactly (pyproject.toml), so these small overrides of its widgets'
key descriptions and messages stay valid; tests/test_app.py checks the palette and
the Select menu speak Italian. Imported by the modules that use those widgets.
"""

from __future__ import annotations

from typing import ClassVar

from rich.align import Align
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette
from textual.widgets._select import SelectOverlay
from textual.widgets.option_list import Option

SelectOverlay.BINDINGS = [Binding("escape", "dismiss", "Chiudi elenco")]
SelectOverlay._merged_bindings = SelectOverlay._merge_bindings()

#: What the palette shows in its empty search box.
PALETTE_PLACEHOLDER = "Cerca un comando: «vai al Comune ...», «nuova pratica», «registra ore»..."


class ItalianPalette(CommandPalette):
    """Textual's command palette with Italian keys and messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+end, shift+end", "command_list('last')", "Ultimo", show=False),
        Binding("ctrl+home, shift+home", "command_list('first')", "Primo", show=False),
        Binding("down", "cursor_down", "Comando successivo", show=False),
        Binding("escape", "escape", "Chiudi"),
        Binding("pagedown", "command_list('page_down')", "Pagina giù", show=False),
        Binding("pageup", "command_list('page_up')", "Pagina su", show=False),
        Binding("up", "command_list('cursor_up')", "Comando precedente", show=False),
    ]

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text("Nessun comando trovato", style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)

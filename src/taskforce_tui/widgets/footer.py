"""The footer of every screen: the keys that work here, clickable, in one line.

Why not Textual's Footer: it builds one widget per key and rebuilds them all on
every "bindings changed" signal (each focus change, each screen push). Measured with
benchmarks/bench_tui.py's method on the Oggi screen, that was 35 ms of CPU out of a
~370 ms start-up, a tenth of the budget the issue allows over a bare app. This widget
draws the same information (the screen's active bindings with `show=True`, disabled
ones dimmed, the command palette key on the right) as one line of text, and a click
on a key presses it, as Footer does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.markup import escape
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


def _escape(text: str) -> str:
    """Markup-escape, including a lone "[" (a key such as `[`, which Textual's escape
    leaves alone and which would then swallow the closing tag)."""
    if text.endswith("["):
        return escape(text[:-1]) + "\\["
    return escape(text)


class KeysFooter(Widget):
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        link-style: none;
        link-style-hover: reverse;
        link-background-hover: $footer-background;
        link-color-hover: $footer-foreground;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen:
            self.refresh()

    def _key(self, key: str, display: str, description: str, enabled: bool) -> str:
        action = f"app.simulate_key({key!r})"
        label = f"[b]{_escape(display)}[/b] {_escape(description)}"
        if not enabled:
            return f"[dim]{label}[/]"
        return f"[@click={action}]{label}[/]"

    def render(self) -> Content:
        app = self.app
        palette_key = getattr(app, "COMMAND_PALETTE_BINDING", "ctrl+p")
        shown: list[str] = []
        palette = ""
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if key == palette_key and app.ENABLE_COMMAND_PALETTE:
                palette = self._key(
                    key, app.get_key_display(binding), binding.description, active.enabled
                )
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            shown.append(
                self._key(key, app.get_key_display(binding), binding.description, active.enabled)
            )
        left = Content.from_markup(" " + "  ".join(shown))
        if not palette:
            return left
        right = Content.from_markup(palette + " ")
        room = self.size.width - right.cell_length - 1
        if left.cell_length > room:
            left = left.truncate(max(room - 1, 0), ellipsis=True)
        return Content.assemble(left, " " * max(room - left.cell_length, 0), "▏", right)

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
        shown: list[tuple[str, str]] = []
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
                (
                    binding.action,
                    self._key(
                        key, app.get_key_display(binding), binding.description, active.enabled
                    ),
                )
            )
        right = Content.from_markup(palette + " ") if palette else Content("")
        room = self.size.width - (right.cell_length + 1 if palette else 0)
        left = _fit([(action, Content.from_markup(markup)) for action, markup in shown], room)
        if not palette:
            return left
        return Content.assemble(left, " " * max(room - left.cell_length, 0), "▏", right)


def _fit(items: list[tuple[str, Content]], room: int) -> Content:
    """The keys that fit in `room` cells, whole: when some do not, the last ones go
    (shown as "…"), but the help key stays, since the help lists every key."""
    gap = Content("  ")

    def line(chosen: list[Content]) -> Content:
        return Content.assemble(" ", *[part for c in chosen for part in (c, gap)][:-1])

    everything = [content for _, content in items]
    whole = line(everything)
    if whole.cell_length <= room:
        return whole
    helper = next((c for action, c in items if action.endswith("open_help")), None)
    reserved = 3 + (helper.cell_length + 2 if helper is not None else 0)  # "…" and gaps
    chosen: list[Content] = []
    used = 1
    for content in everything:
        if content is helper:
            continue
        if used + content.cell_length + 2 > room - reserved:
            break
        chosen.append(content)
        used += content.cell_length + 2
    chosen.append(Content("…"))
    if helper is not None:
        chosen.append(helper)
    return line(chosen)

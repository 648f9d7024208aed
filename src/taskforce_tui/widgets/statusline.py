"""A one-line text that repaints without asking the screen for a new layout.

Static.update() refreshes the layout of the whole screen (its size may change); the
count above the practice list changes on every keystroke, always on one line.
Given as parts (`set_parts`), the line keeps the first ones whole and drops the
last ones that do not fit, so a narrow terminal never shows half a sentence.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

SEPARATOR = " · "


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._text = text
        self._parts: tuple[str, ...] = (text,)

    @property
    def text(self) -> str:
        return self._text

    def set(self, text: str) -> None:
        self.set_parts(text)

    def set_parts(self, *parts: str) -> None:
        """The line as parts in order of importance, joined by " · "."""
        if parts != self._parts:
            self._parts = parts
            self._text = SEPARATOR.join(parts)
            self.refresh()

    def render(self) -> Text:
        room = self.content_size.width
        parts = list(self._parts)
        while len(parts) > 1 and cell_len(SEPARATOR.join(parts)) > room:
            parts.pop()
        return Text(SEPARATOR.join(parts), no_wrap=True, overflow="ellipsis")

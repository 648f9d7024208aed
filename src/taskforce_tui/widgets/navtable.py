"""A DataTable with j/k/g/G (as posting's widgets/datatable.py), for the small tables.

Kept apart from the practice list so the first screen imports only this.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable

#: Marks lateness everywhere, so it never rests on colour alone.
OVERDUE_MARK = "⚠"


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class NavTable(DataTable[Any]):
    """A row-cursor DataTable with j/k/g/G, and helpers to work with row keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Giù", show=False, id="table.down"),
        Binding("k", "cursor_up", "Su", show=False, id="table.up"),
        Binding("g", "scroll_top", "Prima riga", show=False, id="table.first"),
        Binding("G", "scroll_bottom", "Ultima riga", show=False, id="table.last"),
    ]

    def current_key(self) -> str | None:
        """The key of the row under the cursor (None on an empty table)."""
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # the cursor can briefly point past a table being refilled
            return None
        return row_key.value

    def select_key(self, key: str) -> bool:
        """Put the cursor on the row with this key, if it is there."""
        try:
            index = self.get_row_index(key)
        except Exception:
            return False
        self.move_cursor(row=index)
        return True

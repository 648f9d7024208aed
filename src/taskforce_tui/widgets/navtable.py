"""A DataTable with j/k/g/G (as posting's widgets/datatable.py), for the small tables.

Used where a small table is filled once (history, a Comune's requests and hours).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from taskforce_tui.widgets.fasttable import OVERDUE_MARK, clip

__all__ = ["OVERDUE_MARK", "NavTable", "clip"]


class NavTable(DataTable[Any]):
    """A row-cursor DataTable with j/k/g/G, and helpers to work with row keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Giù", show=False, id="table.down"),
        Binding("k", "cursor_up", "Su", show=False, id="table.up"),
        Binding("g", "scroll_top", "Prima riga", show=False, id="table.first"),
        Binding("G", "scroll_bottom", "Ultima riga", show=False, id="table.last"),
    ]

    def add_column(
        self, label: Any, *, width: int | None = None, key: str | None = None, default: Any = None
    ) -> ColumnKey:
        return super().add_column(
            Text(label) if isinstance(label, str) else label, width=width, key=key, default=default
        )

    def add_row(
        self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None
    ) -> RowKey:
        """Strings are shown as they are: DataTable would read them as markup (a
        subject like "[bozza] ..." would lose its brackets), and parsing costs time."""
        return super().add_row(
            *(Text(c) if isinstance(c, str) else c for c in cells),
            height=height,
            key=key,
            label=label,
        )

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

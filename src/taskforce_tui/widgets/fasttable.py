"""A light table for lists that change on every keystroke (the practice filter).

Measured here (benchmarks/bench_tui.py, docs/performance.md): Textual's DataTable
repaints a 25-row screen of 6 columns in about 60 ms on these shared 2-core machines,
because every cell goes through Rich's measure and render; the filter's budget is
50 ms from key to screen. This widget draws with the Line API (a ScrollView whose
`render_line` builds one Strip from pre-fitted strings): columns have fixed widths,
one flexible column takes the rest, so a line costs microseconds and nothing is
measured. It keeps what the list needs from DataTable: a row cursor, j/k/g/G,
arrows and pages, Enter, mouse clicks on rows and headers, zebra stripes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text

#: Marks lateness everywhere, so it never rests on colour alone.
OVERDUE_MARK = "⚠"


def clip(text: str, width: int) -> str:
    """The text in `width` characters, «…» marking what was cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


@dataclass(slots=True)
class Column:
    key: str
    label: str
    width: int = 0  # 0: flexible, takes the width left by the others
    justify: str = "left"


def fit(text: str, width: int, justify: str = "left") -> str:
    """Clip with an ellipsis or pad `text` to exactly `width` cells."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    if justify == "right":
        return " " * (width - length) + text
    return text + " " * (width - length)


class FastTable(ScrollView, can_focus=True):
    """Rows of (key, cells); the header is the first line and never scrolls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Giù", show=False, id="table.arrow_down"),
        Binding("up", "cursor_up", "Su", show=False, id="table.arrow_up"),
        Binding("j", "cursor_down", "Giù", show=False, id="table.down"),
        Binding("k", "cursor_up", "Su", show=False, id="table.up"),
        Binding("pagedown", "page_down", "Pagina giù", show=False, id="table.page_down"),
        Binding("pageup", "page_up", "Pagina su", show=False, id="table.page_up"),
        Binding("home", "first", "Prima riga", show=False, id="table.home"),
        Binding("end", "last", "Ultima riga", show=False, id="table.end"),
        Binding("g", "first", "Prima riga", show=False, id="table.first"),
        Binding("G", "last", "Ultima riga", show=False, id="table.last"),
        Binding("enter", "select", "Apri", id="table.open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fasttable--header",
        "fasttable--cursor",
        "fasttable--cursor-blurred",
        "fasttable--even-row",
    }
    DEFAULT_CSS = """
    FastTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow-x: hidden;
        &:focus { background-tint: $foreground 5%; }
        & > .fasttable--header { text-style: bold; background: $panel; color: $foreground; }
        & > .fasttable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .fasttable--cursor-blurred { background: $block-cursor-blurred-background; }
        &:dark > .fasttable--even-row { background: $surface-darken-1 40%; }
        &:light > .fasttable--even-row { background: $surface-lighten-1 40%; }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class RowMessage(Message):
        """About one row: its key and its index in the table."""

        def __init__(self, table: FastTable, key: str, index: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.index = index

        @property
        def control(self) -> FastTable:
            return self.table

    class RowHighlighted(RowMessage):
        """The cursor moved to the row."""

    class RowSelected(RowMessage):
        """Enter, or a click on the row under the cursor."""

    class HeaderSelected(Message):
        def __init__(self, table: FastTable, column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key

        @property
        def control(self) -> FastTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.columns: list[Column] = []
        self._keys: list[str] = []
        self._cells: list[list[Cell]] = []
        self._index: dict[str, int] = {}
        self._widths: tuple[int, tuple[int, ...]] | None = None
        self._styles: dict[object, Style] = {}

    # --- data --------------------------------------------------------------------------
    def add_column(self, label: str, key: str, width: int = 0, justify: str = "left") -> None:
        self.columns.append(Column(key, label, width, justify))
        self._widths = None
        self.refresh()

    def set_label(self, key: str, label: str) -> None:
        for column in self.columns:
            if column.key == key:
                column.label = label
        self.refresh_line(0)

    def clear(self, columns: bool = False) -> None:
        self._keys.clear()
        self._cells.clear()
        self._index.clear()
        if columns:
            self.columns.clear()
            self._widths = None
        self.set_reactive(FastTable.cursor_row, 0)
        self._update_size()

    def add_rows(self, rows: list[tuple[str, list[Cell]]]) -> None:
        for key, cells in rows:
            self._index[key] = len(self._keys)
            self._keys.append(key)
            self._cells.append(cells)
        self._update_size()

    def add_row(self, *cells: Cell, key: str) -> None:
        self.add_rows([(key, list(cells))])

    @property
    def _width(self) -> int:
        """The width rows are drawn in (the vertical scrollbar takes the rest)."""
        return self.scrollable_content_region.width

    def _update_size(self) -> None:
        """New row count: scrollbars and a repaint, but a new screen layout only if
        the vertical scrollbar appears or goes (the widget's own size never depends on
        its rows). Setting `virtual_size` as usual would lay out the whole screen on
        every keystroke of the filter."""
        size = Size(self._width, len(self._keys) + 1)
        if size != self.virtual_size:
            had_scrollbar = self.show_vertical_scrollbar
            self.set_reactive(ScrollView.virtual_size, size)
            if self.is_mounted:
                self._scroll_update(size)
                if self.show_vertical_scrollbar != had_scrollbar:
                    self._widths = None
                    self.refresh(layout=True)
        self.refresh()

    # --- reading -----------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    def get_row(self, key: str) -> list[Cell]:
        return list(self._cells[self._index[key]])

    def get_row_at(self, index: int) -> list[Cell]:
        return list(self._cells[index])

    def get_cell(self, row_key: str, column_key: str) -> Cell:
        position = [c.key for c in self.columns].index(column_key)
        return self._cells[self._index[row_key]][position]

    def get_column(self, key: str) -> list[Cell]:
        position = [c.key for c in self.columns].index(key)
        return [cells[position] for cells in self._cells]

    def current_key(self) -> str | None:
        if not self._keys:
            return None
        return self._keys[min(self.cursor_row, len(self._keys) - 1)]

    def select_key(self, key: str) -> bool:
        index = self._index.get(key)
        if index is None:
            return False
        self.cursor_row = index
        return True

    def move_cursor(self, row: int) -> None:
        self.cursor_row = row

    # --- cursor ------------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._keys) - 1)) if self._keys else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        body = max(self.size.height - 1, 1)
        top = round(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + body:
            self.scroll_to(y=new - body + 1, animate=False)
        self.refresh()
        if self._keys:
            self.post_message(self.RowHighlighted(self, self._keys[new], new))

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_page_down(self) -> None:
        self.cursor_row += max(self.size.height - 2, 1)

    def action_page_up(self) -> None:
        self.cursor_row -= max(self.size.height - 2, 1)

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self._keys) - 1

    def action_select(self) -> None:
        key = self.current_key()
        if key is not None:
            self.post_message(self.RowSelected(self, key, self.cursor_row))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._widths = None
        self._update_size()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None:
                self.post_message(self.HeaderSelected(self, column.key))
            return
        index = round(self.scroll_offset.y) + offset.y - 1
        if 0 <= index < len(self._keys):
            if index == self.cursor_row:
                self.action_select()
            else:
                self.cursor_row = index

    def _column_at(self, x: int) -> Column | None:
        widths = self._layout(self._width)
        start = 0
        for column, width in zip(self.columns, widths, strict=True):
            if start <= x < start + width + 2:
                return column
            start += width + 2
        return None

    # --- drawing -----------------------------------------------------------------------
    def _layout(self, width: int) -> tuple[int, ...]:
        if self._widths is not None and self._widths[0] == width:
            return self._widths[1]
        fixed = sum(c.width + 2 for c in self.columns if c.width)
        flexible = [c for c in self.columns if not c.width]
        share = max((width - fixed - 2 * len(flexible)) // max(len(flexible), 1), 8)
        widths = tuple(c.width or share for c in self.columns)
        self._widths = (width, widths)
        return widths

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _cell_style(self, base: Style, extra: str | Style) -> Style:
        key = (base, extra)
        found = self._styles.get(key)
        if found is None:
            found = base + (Style.parse(extra) if isinstance(extra, str) else extra)
            self._styles[key] = found
        return found

    def render_line(self, y: int) -> Strip:
        width = self._width
        widths = self._layout(width)
        base = self.rich_style
        if y == 0:
            style = base + self._style("fasttable--header")
            cells: list[Cell] = [c.label for c in self.columns]
            index = -1
        else:
            index = round(self.scroll_offset.y) + y - 1
            if index >= len(self._keys):
                return Strip.blank(width, base)
            cells = self._cells[index]
            style = base
            if index == self.cursor_row:
                style = base + self._style(
                    "fasttable--cursor" if self.has_focus else "fasttable--cursor-blurred"
                )
            elif index % 2:
                style = base + self._style("fasttable--even-row")
        segments = []
        for column, cell_width, cell in zip(self.columns, widths, cells, strict=False):
            if isinstance(cell, Text):
                text, extra = cell.plain, cell.style
                justify = cell.justify or column.justify
            else:
                text, extra, justify = cell, "", column.justify
            cell_style = (
                self._cell_style(style, extra) if extra and index != self.cursor_row else style
            )
            segments.append(Segment(" " + fit(text, cell_width, justify) + " ", cell_style))
        return Strip(segments).adjust_cell_length(width, style)

    def refresh_styles(self) -> None:
        self._styles.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self._keys) + 1

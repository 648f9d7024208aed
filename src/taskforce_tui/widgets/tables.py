"""Paged lists (on FastTable): the practice list and the helpers of its cells.

A paged list never holds the whole store: it asks SQL for one page (LIMIT / OFFSET
with the filter and sort in SQL) and asks for the next one in a worker when the
cursor or the scroll gets near the end of what is loaded (`PagedTable`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.message import Message

from taskforce_tui.widgets.fasttable import Cell, FastTable
from taskforce_tui.widgets.navtable import OVERDUE_MARK

if TYPE_CHECKING:
    from textual.worker import Worker

    from taskforce_tui.store.practices import PracticeFilter, PracticeRow


#: Columns of the practice list: key (also the sort key in PracticeRepo.SORT_KEYS),
#: label, and whether the column is shown only on wide terminals.
PRACTICE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("protocollo", "Protocollo", False),
    ("comune", "Comune", False),
    ("tipo", "Tipo", False),
    ("oggetto", "Oggetto", False),
    ("avvio", "Avvio", True),
    ("stato", "Stato", False),
    ("scadenza", "Scadenza", True),
    ("giorni", "Giorni", False),
)
_WIDTHS = {
    "protocollo": 10,
    "comune": 14,
    "tipo": 12,
    "avvio": 10,
    "stato": 10,
    "scadenza": 10,
    "giorni": 8,
}
#: Narrower Comune and type columns below this width (80-column terminals).
NARROW = 100
_NARROW_WIDTHS = {**_WIDTHS, "comune": 11, "tipo": 9}
WIDE = 110


def type_label(name: str) -> str:
    """The short form of a procedure type name: "VIA - Valutazione ..." -> "VIA"."""
    return name.split(" - ")[0]


def days_cell(row: PracticeRow) -> Cell:
    """Days left for an open practice; ⚠ marks lateness (never colour alone)."""
    if row.days_left is not None:
        if row.overdue:
            return Text(f"{OVERDUE_MARK} {row.days_left}", style="bold red", justify="right")
        return Text(str(row.days_left), justify="right")
    if row.overdue:
        return Text(f"{OVERDUE_MARK} tardi", style="red", justify="right")
    return Text("—", justify="right")


class PagedTable(FastTable):
    """Rows page by page from SQL, read in an exclusive thread worker. A subclass says
    what its query is now (`page_query`, a copy the worker may keep), how to read a page and
    count the rows of a query (`read_page`, `read_count`, called in the worker) and how
    to show a page (`_fill`, on the UI thread, ending with `page_loaded`). `reload`
    starts again from the first page (a new filter); a page or a count of an older
    query is recognised by its token and dropped."""

    #: Rows of the first page (a screenful or two: it is what a keystroke waits for)
    #: and of each following page, loaded as the cursor or the scroll nears the end.
    FIRST_PAGE = 60
    PAGE = 100

    class Counted(Message):
        """How many rows match the query (counted after the first page)."""

        def __init__(self, table: PagedTable, total: int) -> None:
            super().__init__()
            self.table = table
            self.total = total

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._token = 0
        self._loading = False
        self._complete = False

    #: Each paged list defines these: its query now, or None before the screen sets one;
    #: a page of rows from `offset` (at most `limit`) and the count of all of them,
    #: read from the store in the worker; the page shown (token, offset, rows, limit).
    page_query: Callable[[], Any]
    read_page: Callable[[Any, Any, int, int], list[Any]]
    read_count: Callable[[Any, Any], int]
    _fill: Callable[[int, int, list[Any], int], None]

    def reload(self) -> None:
        started = self.restart()
        if started is not None:
            self._fetch(*started, 0)

    def restart(self) -> tuple[int, Any] | None:
        """A new query, from its first page: its token and a copy of it, for a caller
        that reads the first page itself (`read_first`) and hands it to `_fill`."""
        query = self.page_query()
        if query is None:
            return None
        self._token += 1
        self._loading = True
        self._complete = False
        return self._token, query

    def read_first(self, store: Any, query: Any) -> tuple[list[Any], int]:
        """The first page of a query and the count of all its rows (in a worker)."""
        return self.read_page(store, query, self.FIRST_PAGE, 0), self.read_count(store, query)

    def load_more(self) -> None:
        query = self.page_query()
        if query is None or self._loading or self._complete:
            return
        self._loading = True
        self._fetch(self._token, query, self.row_count)

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _fetch(self, token: int, query: Any, offset: int) -> None:
        from textual.worker import get_current_worker

        store = self.app.store  # type: ignore[attr-defined]
        limit = self.FIRST_PAGE if offset == 0 else self.PAGE
        rows = self.read_page(store, query, limit, offset)
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._fill, token, offset, rows, limit)
        if offset == 0 and not worker.is_cancelled:
            # After the page, so a keystroke never waits for a count.
            total = self.read_count(store, query)
            if not worker.is_cancelled:
                self.app.call_from_thread(self.counted, token, total)

    def wanted(self, token: int) -> bool:
        """Whether a page or count of query `token` is still wanted."""
        return token == self._token

    def page_loaded(self, rows: int, limit: int) -> None:
        """A page of `rows` rows was added (fewer than `limit`: the last one)."""
        self._complete = rows < limit
        self._loading = False

    def counted(self, token: int, total: int) -> None:
        if self.wanted(token):
            self.post_message(self.Counted(self, total))

    # --- paging as the user moves -----------------------------------------------------
    def watch_cursor_row(self, old: int, new: int) -> None:
        super().watch_cursor_row(old, new)
        if new >= self.row_count - 20:
            self.load_more()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y - self.size.height:
            self.load_more()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from taskforce_tui.screens.base import report_worker_error

        report_worker_error(self, event)


class PracticeTable(PagedTable):
    """Practices page by page from SQL; the filter runs in an exclusive worker."""

    class Opened(Message):
        """Enter or click on a practice."""

        def __init__(self, practice_id: str) -> None:
            super().__init__()
            self.practice_id = practice_id

    class Sorted(Message):
        def __init__(self, sort: str, descending: bool) -> None:
            super().__init__()
            self.sort = sort
            self.descending = descending

    def __init__(self, *, show_comune: bool = True, table_id: str | None = None) -> None:
        super().__init__(id=table_id)
        self.show_comune = show_comune
        self.flt: PracticeFilter | None = None
        self.sort_key = "avvio"
        self.descending = True
        self._layout_keys: tuple[str, ...] = ()

    # --- what to show ---------------------------------------------------------------
    def set_query(
        self, flt: PracticeFilter, sort: str | None = None, descending: bool | None = None
    ) -> None:
        self.flt = flt
        if sort is not None:
            self.sort_key = sort
        if descending is not None:
            self.descending = descending
        self.reload()

    def page_query(self) -> tuple[PracticeFilter, str, bool] | None:
        if self.flt is None:
            return None
        return replace(self.flt), self.sort_key, self.descending

    @staticmethod
    def read_page(
        store: Any, query: tuple[PracticeFilter, str, bool], limit: int, offset: int
    ) -> list[PracticeRow]:
        flt, sort, descending = query
        rows: list[PracticeRow] = store.practices.page(
            flt, sort=sort, descending=descending, limit=limit, offset=offset
        )
        return rows

    @staticmethod
    def read_count(store: Any, query: tuple[PracticeFilter, str, bool]) -> int:
        return int(store.practices.count(query[0]))

    def _columns_for_width(self) -> tuple[str, ...]:
        width = self.app.size.width
        keys = tuple(
            key
            for key, _label, wide_only in PRACTICE_COLUMNS
            if (width >= WIDE or not wide_only) and (self.show_comune or key != "comune")
        )
        return (*keys, "narrow" if width < NARROW else "normal")

    def _ensure_columns(self) -> tuple[str, ...]:
        layout = self._columns_for_width()
        if layout != self._layout_keys:
            self.clear(columns=True)
            widths = self._widths_for_width()
            for key, label, _ in PRACTICE_COLUMNS:
                if key in layout:
                    self.add_column(
                        self._header(key, label),
                        key=key,
                        width=widths.get(key, 0),
                        justify="right" if key == "giorni" else "left",
                    )
            self._layout_keys = layout
        return layout

    def _header(self, key: str, label: str) -> str:
        if key == self.sort_key or (key == "giorni" and self.sort_key == "scadenza"):
            return f"{label} {'▼' if self.descending else '▲'}"
        return label

    def _widths_for_width(self) -> dict[str, int]:
        return _NARROW_WIDTHS if self.app.size.width < NARROW else _WIDTHS

    def _fill(self, token: int, offset: int, rows: list[PracticeRow], limit: int) -> None:
        if not self.wanted(token):
            return
        layout = self._ensure_columns()
        if offset == 0:
            selected = self.current_key()
            self.clear()
        else:
            selected = None
        batch: list[tuple[str, list[Cell]]] = []
        for r in rows:
            values: dict[str, Cell] = {
                "protocollo": r.protocol_no,
                "comune": r.comune_name,
                "tipo": type_label(r.type_name),
                "oggetto": r.subject,
                "avvio": r.received_on.strftime("%d/%m/%Y"),
                "stato": _STATUS[r.status],
                "scadenza": r.due_on.strftime("%d/%m/%Y"),
                "giorni": days_cell(r),
            }
            batch.append((r.id, [values[k] for k in layout if k in values]))
        self.add_rows(batch)
        if selected is not None:
            self.select_key(selected)
        self.page_loaded(len(rows), limit)

    def on_resize(self) -> None:
        if self._layout_keys and self._columns_for_width() != self._layout_keys:
            self._layout_keys = ()
            self.reload()

    # --- opening and sorting ------------------------------------------------------------
    def on_fast_table_row_selected(self, event: FastTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Opened(event.key))

    def on_fast_table_header_selected(self, event: FastTable.HeaderSelected) -> None:
        event.stop()
        key = event.column_key
        self.sort_by("scadenza" if key == "giorni" else key)

    def sort_by(self, key: str) -> None:
        """Sort by a column; the same column again flips the direction."""
        if key == self.sort_key:
            self.descending = not self.descending
        else:
            self.sort_key = key
            self.descending = key in ("avvio", "scadenza", "conclusione")
        self._layout_keys = ()
        self.post_message(self.Sorted(self.sort_key, self.descending))
        self.reload()


_STATUS = {
    "aperta": "Aperta",
    "sospesa": "Sospesa",
    "conclusa": "Conclusa",
    "archiviata": "Archiviata",
}

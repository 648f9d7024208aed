"""Registro ore: the week's hours, Comuni by days with totals, and its entries.

Keys: p / s previous and next week, c this week, n new entry (Enter on a cell of the
grid: for that Comune and day), e (or Enter on an entry) edit, d delete, x export the
monthly timesheet; t starts or stops the timer anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.timelog import WEEKDAY_SHORT, Month, format_minutes, week_start
from taskforce_tui.domain.timesheet import CROSS_CUTTING
from taskforce_tui.messages import DataChanged
from taskforce_tui.screens.base import PlacesBar
from taskforce_tui.screens.modals.confirm import ConfirmModal
from taskforce_tui.screens.timelog_forms import (
    ExportForm,
    FormChoices,
    TimeLogForm,
    load_choices,
)
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.navtable import clip

if TYPE_CHECKING:
    from pathlib import Path

    from taskforce_tui.domain.records import TimeLog
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.timelogs import TimeLogRow


@dataclass(slots=True)
class WeekGrid:
    """Minutes per (Comune, day) of one week, with row and column totals."""

    start: date
    rows: list[str] = field(default_factory=list)  # Comune names, cross-cutting last
    cells: dict[tuple[str, date], int] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    def row_total(self, name: str) -> int:
        return sum(self.cells.get((name, d), 0) for d in self.days)

    def day_total(self, day: date) -> int:
        return sum(self.cells.get((name, day), 0) for name in self.rows)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def build_grid(start: date, rows: list[TimeLogRow], assigned: list[str]) -> WeekGrid:
    """Every assigned Comune gets a row (even with no hours); others appear if used."""
    grid = WeekGrid(start)
    names: list[str] = list(assigned)
    for r in rows:
        name = r.comune_name or (CROSS_CUTTING if r.log.comune_code is None else r.log.comune_code)
        key = (name, r.log.work_date)
        grid.cells[key] = grid.cells.get(key, 0) + r.log.minutes
        if name not in names:
            names.append(name)
    grid.rows = sorted(names, key=lambda n: (n == CROSS_CUTTING, n.casefold()))
    return grid


@dataclass(slots=True)
class WeekData:
    grid: WeekGrid
    rows: list[TimeLogRow]
    choices: FormChoices


class TimeLogScreen(Screen[None]):
    TITLE = "Registro ore"
    #: A place (4, 5) pushed over the current one; place keys close it (app.action_go).
    PUSHED_PLACE: ClassVar[bool] = True
    CLOSED_BY_PLACE_KEYS: ClassVar[bool] = True
    DEFAULT_CSS = """
    TimeLogScreen #week-title, TimeLogScreen #entries-title { height: 1; padding: 0 1; }
    TimeLogScreen #week-title { text-style: bold; }
    TimeLogScreen #week { height: auto; max-height: 60%; }
    TimeLogScreen #entries { height: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("n", "new", "Nuova", id="timelog.new"),
        Binding("e", "edit", "Modifica", id="timelog.edit"),
        Binding("d", "delete", "Elimina", id="timelog.delete"),
        Binding("p", "week(-1)", "Prec.", id="timelog.prev_week"),
        Binding("s", "week(1)", "Succ.", id="timelog.next_week"),
        Binding("c", "this_week", "Corrente", id="timelog.this_week"),
        Binding("x", "export", "Esporta mese", id="timelog.export"),
        Binding("escape", "back", "Indietro", id="timelog.back"),
    ]

    def __init__(self, start: date | None = None) -> None:
        super().__init__()
        self.start = week_start(start or today())
        self.data: WeekData | None = None

    def compose(self) -> ComposeResult:
        yield PlacesBar("registro_ore", "")
        yield Static("Caricamento...", id="week-title")
        week: DataTable[str | Text] = DataTable(id="week", cursor_type="cell", zebra_stripes=True)
        yield week
        yield Static("Registrazioni della settimana (Invio o e per modificare)", id="entries-title")
        entries: DataTable[str] = DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        entries.add_columns("Data", "Orario", "Ore", "Comune", "Attività", "Modalità", "Nota")
        yield entries
        yield KeysFooter()

    @property
    def store(self) -> Store | None:
        return getattr(self.app, "store", None)

    def on_mount(self) -> None:
        if self.store is not None:
            self.load()

    def on_store_ready(self) -> None:
        self.load()

    def on_data_changed(self, message: DataChanged) -> None:
        if message.concerns("timelogs"):
            self.load()

    # --- loading --------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="timelog-week", exit_on_error=False)
    def load(self) -> None:
        store = self.store
        if store is None:
            return
        start = self.start
        rows = store.timelogs.list(store.expert_id, start, start + timedelta(days=6))
        choices = load_choices(store)
        data = WeekData(build_grid(start, rows, choices.comuni), rows, choices)
        self.app.call_from_thread(self.show, data)

    def show(self, data: WeekData) -> None:
        if data.grid.start != self.start:
            return  # a newer week was asked for meanwhile
        self.data = data
        grid = data.grid
        end = grid.start + timedelta(days=6)
        self.query_one("#week-title", Static).update(
            f"Settimana dal {format_date(grid.start)} al {format_date(end)} - totale "
            f"{format_minutes(grid.total)} ore in {len(data.rows)} registrazioni"
        )
        week = self.query_one("#week", DataTable)
        week.clear(columns=True)
        week.add_column("Comune", key="comune")
        for d in grid.days:
            week.add_column(f"{WEEKDAY_SHORT[d.weekday()][:2]} {d.day:02d}", key=d.isoformat())
        week.add_column("Totale", key="totale")

        def cell(minutes: int, bold: bool = False) -> Text:
            text = format_minutes(minutes) if minutes else "-"
            return Text(text, style="bold" if bold else "", justify="right")

        for name in grid.rows:
            week.add_row(
                name if len(name) <= 16 else name[:15] + "…",
                *[cell(grid.cells.get((name, d), 0)) for d in grid.days],
                cell(grid.row_total(name), True),
                key=name,
            )
        week.styles.height = len(grid.rows) + 2  # header, Comuni, totals: no scrolling
        week.add_row(
            Text("Totale", style="bold"),
            *[cell(grid.day_total(d), True) for d in grid.days],
            cell(grid.total, True),
            key="__totale__",
        )
        entries = self.query_one("#entries", DataTable)
        previous = entries.cursor_row
        entries.clear()
        for r in data.rows:
            log = r.log
            entries.add_row(
                f"{WEEKDAY_SHORT[log.work_date.weekday()][:2]} {log.work_date:%d/%m}",
                f"{log.start_time}-{log.end_time}" if log.start_time else "",
                format_minutes(log.minutes),
                # Clipped (as on the Comune's Ore tab) so that the entry up to its
                # activity fits in 80 columns; Enter opens it whole.
                clip(r.comune_name or CROSS_CUTTING, 20),
                clip(r.activity_name, 24),
                "remoto" if log.mode == vocab.MODE_REMOTO else "presenza",
                clip(log.note, 30),
                key=log.id,
            )
        if data.rows:
            entries.move_cursor(row=min(previous, len(data.rows) - 1))

    # --- navigation -----------------------------------------------------------------------------
    def action_week(self, step: int) -> None:
        self.start += timedelta(days=7 * step)
        self.load()

    def action_this_week(self) -> None:
        self.start = week_start(today())
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # --- editing --------------------------------------------------------------------------------
    def _selected(self) -> TimeLogRow | None:
        if self.data is None or not self.data.rows:
            return None
        entries = self.query_one("#entries", DataTable)
        if entries.row_count == 0:
            return None
        key = entries.coordinate_to_cell_key(entries.cursor_coordinate).row_key.value
        return next((r for r in self.data.rows if r.log.id == key), None)

    def _default_day(self) -> date:
        """The day under the cursor in the week grid, else today (or the week's Monday)."""
        week = self.query_one("#week", DataTable)
        if week.row_count and week.has_focus:
            col = week.cursor_coordinate.column
            if 1 <= col <= 7:
                day = self.start + timedelta(days=col - 1)
                if day <= today():
                    return day
        current = today()
        return current if self.start <= current <= self.start + timedelta(days=6) else self.start

    def action_new(self) -> None:
        if self.data is None:
            return
        self.app.push_screen(TimeLogForm(self.data.choices, day=self._default_day()), self._saved)

    @on(DataTable.RowSelected, "#entries")
    def action_edit(self) -> None:
        row = self._selected()
        if row is None or self.data is None:
            self.notify("Nessuna registrazione selezionata.", severity="warning")
            return
        self.app.push_screen(
            TimeLogForm(
                self.data.choices,
                log=row.log,
                comune_name=row.comune_name or "",
                protocol_no=row.protocol_no or "",
                intervention_cup=row.intervention_cup or "",
            ),
            self._saved,
        )

    @on(DataTable.CellSelected, "#week")
    def cell_chosen(self, event: DataTable.CellSelected) -> None:
        """Enter on a Comune and a day: a new entry for them."""
        name = event.cell_key.row_key.value
        column = event.coordinate.column
        if self.data is None or name == "__totale__" or not 1 <= column <= 7:
            return
        day = self.start + timedelta(days=column - 1)
        if day > today():
            self.notify(
                f"Il {format_date(day)} è nel futuro: si registrano solo ore già lavorate.",
                severity="warning",
            )
            return
        self.app.push_screen(
            TimeLogForm(
                self.data.choices, day=day, comune_name="" if name == CROSS_CUTTING else name or ""
            ),
            self._saved,
        )

    def _saved(self, log: TimeLog | None) -> None:
        if log is not None:
            self.notify(
                f"Registrate {format_minutes(log.minutes)} ore il {format_date(log.work_date)}.",
                title="Registro ore",
            )
            self.start = week_start(log.work_date)
            self._changed()

    def action_delete(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("Nessuna registrazione selezionata.", severity="warning")
            return
        log = row.log
        question = (
            f"Eliminare la registrazione del {format_date(log.work_date)}: "
            f"{format_minutes(log.minutes)} ore, {row.comune_name or CROSS_CUTTING}, "
            f"{row.activity_name}?"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete(log.id)

        self.app.push_screen(ConfirmModal(question, "Sì, elimina"), answered)

    @work(thread=True, exclusive=True, group="timelog-write", exit_on_error=False)
    def delete(self, log_id: str) -> None:
        store = self.store
        assert store is not None
        try:
            store.timelogs.delete(log_id)
        except DomainError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self.notify, "Registrazione eliminata.", title="Registro ore")
        self.app.call_from_thread(self._changed)

    def _changed(self) -> None:
        """A write here: the other screens learn it too (Oggi's hours), and this one
        reloads on the same message."""
        self.app.data_changed("timelogs")  # type: ignore[attr-defined]

    def action_export(self) -> None:
        current = today()
        inside = self.start <= current <= self.start + timedelta(days=6)
        month = Month.of(current if inside else self.start)

        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Registro mensile scritto in {path}", title="Esportato", timeout=10)

        self.app.push_screen(ExportForm(month), done)

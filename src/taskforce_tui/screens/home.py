"""Oggi: the expert's Comuni (open, overdue, semester duration, requests, hours), today's
hours and the running timer, the state of the sync.

Kept light on purpose: it is the first paint, so it imports only what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from taskforce_tui.screens.base import DataScreen
from taskforce_tui.widgets.fasttable import OVERDUE_MARK, FastTable
from taskforce_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from taskforce_tui.store.overview import ComuneOverview, DayStatus


def count(n: int, one: str, many: str) -> str:
    """1 pratica aperta, 3 pratiche aperte."""
    return f"{n} {one if n == 1 else many}"


def hours(minutes: int) -> str:
    """1 h 05 min, 45 min, 0."""
    if minutes <= 0:
        return "0"
    h, m = divmod(minutes, 60)
    if not h:
        return f"{m} min"
    return f"{h} h {m:02d} min" if m else f"{h} h"


def short_hours(minutes: int) -> str:
    """Decimal hours with a comma, as people write them: 7,5."""
    value = round(minutes / 60, 1)
    return f"{value:.1f}".replace(".", ",") if value % 1 else f"{int(value)}"


def sync_line(status: DayStatus) -> str:
    from datetime import datetime

    if status.last_sync_at:
        try:
            when = datetime.fromisoformat(status.last_sync_at.replace("Z", "+00:00"))
            last = when.astimezone().strftime("%d/%m/%Y %H:%M")
        except ValueError:
            last = status.last_sync_at
    else:
        last = "mai"
    pending = status.pending_ops
    changes = (
        "nessuna modifica da inviare"
        if pending == 0
        else "1 modifica da inviare"
        if pending == 1
        else f"{pending} modifiche da inviare"
    )
    return f"Ultima sincronizzazione: {last} · {changes}"


def timer_line(status: DayStatus) -> str:
    started = status.timer_started
    if started is None:
        return "nessun timer (t lo avvia)"
    from taskforce_tui.domain.timelog import now

    elapsed = max(int((now() - started).total_seconds() // 60), 0)
    what = f" - {status.timer_label}" if status.timer_label else ""
    return f"⏱ timer dalle {started:%H:%M} ({hours(elapsed)}){what}"


#: Oggi's columns: key, label, width (0: as wide as the longest Comune name).
COLUMNS = (
    ("comune", "Comune", 0),
    ("prov", "Prov.", 5),
    ("aperte", "Aperte", 6),
    ("ritardo", "Ritardo", 7),
    ("durata", "Durata", 6),
    ("richieste", "Rich.", 5),
    ("ore", "Ore mese", 8),
)


class HomeScreen(DataScreen):
    TITLE = "Oggi"
    PLACE = "oggi"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_practice", "Nuova pratica", id="home.new_practice"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._status: DayStatus | None = None
        self._rows: list[ComuneOverview] = []

    def compose(self) -> ComposeResult:
        yield self.places_bar()
        # One widget for the four lines above the table: each widget costs start-up time.
        yield Static("Apertura del profilo...", id="summary")
        # A FastTable, like the lists: DataTable measures and renders every cell with
        # Rich, ~20 ms of the start-up budget for these 8 rows.
        yield FastTable(id="comuni")
        yield KeysFooter()

    def work_context(self) -> dict[str, str | None]:
        table = self.query_one("#comuni", FastTable)
        return {"comune_code": table.current_key()}

    def on_mount(self) -> None:
        # The timer line counts the minutes (DataScreen.on_mount loads the data).
        self.set_interval(30, self._tick, name="timer-tick")

    def _tick(self) -> None:
        if self._status is not None and self._status.timer_started is not None:
            self._show_summary()

    def load(self) -> None:
        prefetched = self.tf_app.take_prefetched()
        if prefetched is not None:
            self.show(*prefetched)
        else:
            self._load()

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def _load(self) -> None:
        from taskforce_tui.domain.dates import today
        from taskforce_tui.store.overview import home

        status, rows = home(self.store, today())
        self.app.call_from_thread(self.show, status, rows)

    def _day_text(self, status: DayStatus) -> str:
        from taskforce_tui.domain.dates import today

        day = today()
        return (
            f"{day:%d/%m/%Y} · ore oggi {hours(status.today_minutes)}, nel mese "
            f"{short_hours(status.month_minutes)} · {timer_line(status)}"
        )

    def show(self, status: DayStatus, rows: list[ComuneOverview]) -> None:
        self._status = status
        table = self.query_one("#comuni", FastTable)
        selected = table.current_key()
        table.clear(columns=True)
        name_width = max([len("Comune"), *(len(r.name) for r in rows)])
        for key, label, width in COLUMNS:
            table.add_column(
                label,
                key=key,
                width=width or min(name_width, 32),
                justify="left" if key in ("comune", "prov") else "right",
            )
        table.add_rows(
            [
                (
                    r.code,
                    [
                        r.name,
                        r.province,
                        str(r.open_practices),
                        Text(f"{OVERDUE_MARK} {r.overdue_practices}", style="bold red")
                        if r.overdue_practices
                        else "0",
                        f"{r.avg_gross_days:.0f} gg" if r.avg_gross_days is not None else "—",
                        str(r.open_requests),
                        short_hours(r.month_minutes),
                    ],
                )
                for r in rows
            ]
        )
        if selected is not None:
            table.select_key(selected)
        self._rows = rows
        self._show_summary()
        # The indicators panel comes a moment after the table is on screen: importing
        # and composing it would otherwise delay the first paint by ~25 ms.
        codes = [r.code for r in rows]
        self.set_timer(0.15, lambda: self._show_indicators(codes))

    def _show_indicators(self, codes: list[str]) -> None:
        """The semester's DPCM indicators against the baseline, for all the expert's
        Comuni."""
        from taskforce_tui.widgets.indicators import IndicatorsPanel

        if not codes:
            return
        found = self.query(IndicatorsPanel)
        if found:
            found.first().set_comuni(codes)
        else:
            self.mount(
                IndicatorsPanel(codes, title="Indicatori dei tuoi Comuni", id="indicators"),
                before=self.query_one(KeysFooter),
            )

    def _show_summary(self) -> None:
        status, rows = self._status, self._rows
        if status is None:
            return
        text = Text()
        if status.expert_name is None:
            text.append("Profilo senza esperto: completa la configurazione iniziale.", "bold")
        else:
            total_open = sum(r.open_practices for r in rows)
            late = sum(r.overdue_practices for r in rows)
            text.append(
                f"{status.expert_name} - {count(len(rows), 'Comune', 'Comuni')}, "
                f"{count(total_open, 'pratica aperta', 'pratiche aperte')}, "
                f"{late} oltre il termine",
                "bold",
            )
        text.append(f"\n{self._day_text(status)}\n{sync_line(status)}")
        text.append(
            "\nRitardo: pratiche aperte oltre il termine (⚠). Durata: media lorda in giorni "
            "delle pratiche concluse nel semestre. Rich.: richieste aperte.",
            "dim",
        )
        self.query_one("#summary", Static).update(text)

    def on_fast_table_row_selected(self, event: FastTable.RowSelected) -> None:
        event.stop()
        self.tf_app.open_comune(event.key)

    def action_new_practice(self) -> None:
        self.tf_app.new_practice(self.query_one("#comuni", FastTable).current_key())

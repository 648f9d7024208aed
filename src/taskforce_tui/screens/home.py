"""Oggi: the expert's Comuni with their open and overdue practices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from taskforce_tui.app import StoreReady

if TYPE_CHECKING:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.comuni import ComuneSummary


class HomeScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Apertura del profilo...", id="status")
        table: DataTable[str | int] = DataTable(id="comuni", cursor_type="row", zebra_stripes=True)
        table.add_columns("Comune", "Prov.", "Aperte", "In ritardo")
        yield table
        yield Footer()

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def on_store_ready(self, message: StoreReady) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def load(self) -> None:
        from taskforce_tui.domain.dates import today

        store = self.tf_app.store
        assert store is not None
        me = store.experts.me()
        codes = store.comuni.assigned_codes(store.expert_id)
        summaries = store.comuni.summaries(codes, today())
        self.app.call_from_thread(self.show, me.name if me else None, summaries)

    def show(self, name: str | None, summaries: list[ComuneSummary]) -> None:
        table = self.query_one("#comuni", DataTable)
        table.clear()
        for s in summaries:
            table.add_row(
                s.comune.name,
                s.comune.province,
                s.open_practices,
                s.overdue_practices,
                key=s.comune.istat_code,
            )
        status = self.query_one("#status", Static)
        if name is None:
            status.update("Nessun esperto in questo profilo: prova `taskforce demo`.")
        else:
            total_open = sum(s.open_practices for s in summaries)
            overdue = sum(s.overdue_practices for s in summaries)
            status.update(
                f"{name} - {len(summaries)} Comuni, {total_open} pratiche aperte, "
                f"{overdue} oltre il termine"
            )

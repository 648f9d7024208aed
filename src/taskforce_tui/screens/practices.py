"""Pratiche: every practice of the expert's Comuni, filtered as you type.

The text filter (protocol, subject, type, Comune) and the facets (status, ambito,
type, Comune, overdue only) become one PracticeFilter; the table asks SQL for the
first page in an exclusive worker, so typing never waits for a query, and loads the
next pages as the cursor moves down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Select

from taskforce_tui.domain import vocab
from taskforce_tui.screens.base import ListScreen
from taskforce_tui.widgets import italian  # noqa: F401  (Select's menu in Italian)
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.statusline import StatusLine
from taskforce_tui.widgets.tables import PracticeTable
from taskforce_tui.widgets.tick import Tick

if TYPE_CHECKING:
    from taskforce_tui.store.practices import PracticeFilter

#: Status facet choices -> statuses.
STATUS_CHOICES: dict[str, list[str]] = {
    "in_corso": [vocab.APERTA, vocab.SOSPESA],
    "aperta": [vocab.APERTA],
    "sospesa": [vocab.SOSPESA],
    "conclusa": [vocab.CONCLUSA],
    "archiviata": [vocab.ARCHIVIATA],
}
STATUS_LABELS = {
    "in_corso": "Aperte e sospese",
    "aperta": "Aperte",
    "sospesa": "Sospese",
    "conclusa": "Concluse",
    "archiviata": "Archiviate",
}
SORT_LABELS = {
    "avvio": "data di avvio",
    "protocollo": "protocollo",
    "comune": "Comune",
    "tipo": "tipo",
    "oggetto": "oggetto",
    "stato": "stato",
    "scadenza": "scadenza",
}
SORT_CYCLE = ("avvio", "scadenza", "protocollo", "comune", "tipo", "stato", "oggetto")


@dataclass(slots=True)
class Facets:
    comuni: list[tuple[str, str]]
    types: list[tuple[str, str]]
    ambiti: list[tuple[str, str]]
    scope: list[str] | None  # None: every Comune (a profile with none assigned)


class PracticesScreen(ListScreen):
    TITLE = "Pratiche"
    PLACE = "pratiche"
    AUTO_FOCUS = "#practices"
    LIST = "#practices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Cerca", id="practices.search"),
        # From the search field (which has no use for it) down goes to the list.
        Binding("down", "focus_list", "All'elenco", show=False, id="practices.to_list"),
        Binding("n", "new_practice", "Nuova", id="practices.new"),
        Binding("x", "toggle_overdue", "Ritardo", id="practices.overdue"),
        Binding("s", "cycle_sort", "Ordina", id="practices.sort"),
        Binding("i", "invert_sort", "Inverti", id="practices.invert"),
        Binding("escape", "clear", "Azzera", id="practices.clear"),
    ]
    DEFAULT_CSS = """
    PracticesScreen #overdue { width: auto; }
    PracticesScreen #facets { height: 1; }
    PracticesScreen #facets Select { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.facets: Facets | None = None
        self._total: int | None = None

    def compose(self) -> ComposeResult:
        yield self.places_bar()
        with Horizontal(id="filters"):
            yield self.search_box("/ Cerca protocollo, oggetto, tipo, Comune...")
            yield Tick("Solo in ritardo ⚠", id="overdue", compact=True)
        with Horizontal(id="facets"):
            yield Select(
                [(label, key) for key, label in STATUS_LABELS.items()],
                prompt="Stato: tutti",
                id="status",
                compact=True,
            )
            yield Select([], prompt="Ambito: tutti", id="ambito", compact=True)
            yield Select([], prompt="Tipo: tutti", id="type", compact=True)
            yield Select([], prompt="Comune: tutti", id="comune", compact=True)
        yield StatusLine(id="count")
        yield PracticeTable(table_id="practices")
        yield KeysFooter()

    # --- loading ----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="practices-facets", exit_on_error=False)
    def load(self) -> None:
        store = self.store
        assigned = store.comuni.assigned(store.expert_id)
        comuni = assigned or store.comuni.all(active_only=True)
        facets = Facets(
            comuni=[(c.name, c.istat_code) for c in comuni],
            types=[(t.name.split(" - ")[0], t.code) for t in store.lists.procedure_types()],
            ambiti=[(name, code) for code, name in store.lists.ambiti().items()],
            scope=[c.istat_code for c in assigned] if assigned else None,
        )
        self.app.call_from_thread(self.show, facets)

    def show(self, facets: Facets) -> None:
        first = self.facets is None
        self.facets = facets
        if first:
            self.query_one("#comune", Select).set_options(facets.comuni)
            self.query_one("#type", Select).set_options(facets.types)
            self.query_one("#ambito", Select).set_options(facets.ambiti)
        self.apply()

    def current_filter(self) -> PracticeFilter:
        from taskforce_tui.store.practices import PracticeFilter

        assert self.facets is not None
        comune = self._select("#comune")
        status = self._select("#status")
        return PracticeFilter(
            comuni=[comune] if comune else self.facets.scope,
            statuses=STATUS_CHOICES[status] if status else None,
            ambito=self._select("#ambito"),
            procedure_type=self._select("#type"),
            overdue_only=self.query_one("#overdue", Tick).value,
            text=self.query_one("#filter", Input).value,
        )

    def _select(self, selector: str) -> Any:
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL else value

    def apply(self) -> None:
        """Filter changed: ask for the first page and the count."""
        if self.facets is None:
            return
        flt = self.current_filter()
        self._total = None
        self.query_one("#practices", PracticeTable).set_query(flt)

    @on(PracticeTable.Counted)
    def _counted(self, event: PracticeTable.Counted) -> None:
        self._total = event.total
        self._update_count()

    def _update_count(self) -> None:
        table = self.query_one("#practices", PracticeTable)
        total = self._total
        found = (
            "Nessuna pratica con questi filtri (Esc li azzera)"
            if total == 0
            else "1 pratica"
            if total == 1
            else f"{total:,} pratiche".replace(",", ".")
            if total is not None
            else "..."
        )
        arrow = "▼" if table.descending else "▲"
        order = f"{SORT_LABELS.get(table.sort_key, table.sort_key)} {arrow}"
        self.query_one("#count", StatusLine).set_parts(
            found, f"per {order}", "⚠ = oltre il termine"
        )

    # --- events ---------------------------------------------------------------------------
    def search_changed(self) -> None:
        self.apply()

    @on(Select.Changed)
    def _facet_changed(self) -> None:
        self.apply()

    @on(Tick.Changed, "#overdue")
    def _overdue_changed(self) -> None:
        self.apply()

    @on(PracticeTable.Opened)
    def _opened(self, event: PracticeTable.Opened) -> None:
        self.tf_app.open_practice(event.practice_id)

    @on(PracticeTable.Sorted)
    def _sorted(self) -> None:
        self._update_count()

    # --- actions ----------------------------------------------------------------------------
    def work_context(self) -> dict[str, str | None]:
        table = self.query_one("#practices", PracticeTable)
        return {"practice_id": table.current_key(), "comune_code": self._select("#comune")}

    def action_focus_list(self) -> None:
        self.query_one("#practices", PracticeTable).focus()

    def action_new_practice(self) -> None:
        self.tf_app.new_practice(self._select("#comune"))

    def action_toggle_overdue(self) -> None:
        self.query_one("#overdue", Tick).toggle()

    def action_cycle_sort(self) -> None:
        table = self.query_one("#practices", PracticeTable)
        current = table.sort_key if table.sort_key in SORT_CYCLE else SORT_CYCLE[-1]
        following = SORT_CYCLE[(SORT_CYCLE.index(current) + 1) % len(SORT_CYCLE)]
        table.sort_by(following)

    def action_invert_sort(self) -> None:
        table = self.query_one("#practices", PracticeTable)
        table.sort_by(table.sort_key)

    def clear_filters(self) -> None:
        self.query_one("#overdue", Tick).value = False
        for selector in ("#status", "#ambito", "#type", "#comune"):
            self.query_one(selector, Select).clear()

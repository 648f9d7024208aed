"""Richieste: the assistance requests of the expert's Comuni (as in the PAsS portal),
their status and the practices they concern."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.text import normalize
from taskforce_tui.screens.base import DetailScreen, ListScreen
from taskforce_tui.widgets import italian  # noqa: F401  (Select's menu in Italian)
from taskforce_tui.widgets.fasttable import Cell, FastTable
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.navtable import NavTable, clip
from taskforce_tui.widgets.statusline import StatusLine

if TYPE_CHECKING:
    from taskforce_tui.domain.records import Comune, Request
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.requests import RequestRow

STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "aperte": vocab.REQUEST_OPEN_STATUSES,
    **{s: (s,) for s in vocab.REQUEST_STATUSES},
}
STATUS_FILTER_LABELS = {
    "aperte": "Stato: aperte",
    **{key: f"Stato: {label.lower()}" for key, label in vocab.REQUEST_STATUS_LABELS.items()},
}


def _scope(store: Store) -> list[str] | None:
    codes = store.comuni.assigned_codes(store.expert_id)
    return codes or None


class RequestsScreen(ListScreen):
    TITLE = "Richieste"
    PLACE = "richieste"
    AUTO_FOCUS = "#requests"
    LIST = "#requests"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Cerca", id="requests.search"),
        Binding("n", "new_request", "Nuova", id="requests.new"),
        Binding("s", "change_status", "Stato", id="requests.status"),
        Binding("escape", "clear", "Azzera", id="requests.clear"),
    ]
    DEFAULT_CSS = """
    RequestsScreen #status { width: 30; }
    RequestsScreen #requests { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RequestRow] = []

    def compose(self) -> ComposeResult:
        yield self.places_bar()
        with Horizontal(id="filters"):
            yield self.search_box("/ Cerca oggetto, Comune...")
            yield Select(
                [(label, key) for key, label in STATUS_FILTER_LABELS.items()],
                value="aperte",
                prompt="Stato: tutti",
                id="status",
                compact=True,
            )
        yield StatusLine(id="count")
        table = FastTable(id="requests")
        for key, label, width in (
            ("opened", "Aperta il", 10),
            ("comune", "Comune", 14),
            ("subject", "Oggetto", 0),
            ("kind", "Tipo", 9),
            ("status", "Stato", 14),
            ("links", "Prat.", 5),
        ):
            table.add_column(
                label, key=key, width=width, justify="right" if key == "links" else "left"
            )
        yield table
        yield KeysFooter()

    def _statuses(self) -> list[str] | None:
        value = self.query_one("#status", Select).value
        return None if value is Select.NULL else list(STATUS_FILTERS[str(value)])

    def load(self) -> None:
        self._load(self._statuses())

    @work(thread=True, exclusive=True, group="requests", exit_on_error=False)
    def _load(self, statuses: list[str] | None) -> None:
        store = self.store
        rows = store.requests.list(comuni=_scope(store), statuses=statuses)
        self.app.call_from_thread(self.show, rows)

    def show(self, rows: list[RequestRow]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        wanted = normalize(self.query_one("#filter", Input).value)
        table = self.query_one("#requests", FastTable)
        selected = table.current_key()
        table.clear()
        batch: list[tuple[str, list[Cell]]] = []
        for r in self.rows:
            q = r.request
            if wanted and wanted not in normalize(f"{q.subject} {q.description} {r.comune_name}"):
                continue
            batch.append(
                (
                    q.id,
                    [
                        q.opened_on.strftime("%d/%m/%Y"),
                        r.comune_name,
                        q.subject,
                        vocab.REQUEST_KIND_LABELS.get(q.kind, q.kind),
                        vocab.REQUEST_STATUS_LABELS.get(q.status, q.status),
                        str(len(q.practice_ids)),
                    ],
                )
            )
        table.add_rows(batch)
        shown = len(batch)
        if selected:
            table.select_key(selected)
        self.query_one("#count", StatusLine).set(
            "Nessuna richiesta con questi filtri (Esc li azzera)"
            if shown == 0
            else f"{shown} richieste · n nuova, s cambia stato, Invio apre"
            if shown != 1
            else "1 richiesta · n nuova, s cambia stato, Invio apre"
        )

    def search_changed(self) -> None:
        self._fill()

    @on(Select.Changed, "#status")
    def _status_changed(self) -> None:
        self.reload()

    @on(FastTable.RowSelected, "#requests")
    def _row_selected(self, event: FastTable.RowSelected) -> None:
        self.tf_app.open_request(event.key)

    def work_context(self) -> dict[str, str | None]:
        key = self.query_one("#requests", FastTable).current_key()
        row = next((r for r in self.rows if r.request.id == key), None)
        if row is None:
            return {}
        return {"request_id": key, "comune_code": row.request.comune_code}

    def action_new_request(self) -> None:
        from taskforce_tui.screens.modals.request_forms import new_request_form

        def created(request_id: str | None) -> None:
            if request_id:
                self.tf_app.open_request(request_id)

        self.tf_app.open_dialog(new_request_form, created)

    def action_change_status(self) -> None:
        from taskforce_tui.screens.modals.request_forms import status_form

        key = self.query_one("#requests", FastTable).current_key()
        row = next((r for r in self.rows if r.request.id == key), None)
        if row is not None:
            self.app.push_screen(status_form(row.request))

    def clear_filters(self) -> None:
        self.query_one("#status", Select).value = "aperte"


@dataclass(slots=True)
class RequestView:
    request: Request
    comune: Comune | None
    ambito_name: str
    practices: list[tuple[str, str, str, str]]  # id, protocol, type, status label


def load_request(store: Store, request_id: str) -> RequestView:
    request = store.requests.get(request_id)
    practices = [
        (p.id, p.protocol_no, p.type_name, vocab.PRACTICE_STATUS_LABELS.get(p.status, p.status))
        for p in store.requests.linked_practices(request_id)
    ]
    ambiti = store.lists.ambiti()
    return RequestView(
        request=request,
        comune=store.comuni.get(request.comune_code),
        ambito_name=ambiti.get(request.ambito or "", request.ambito or "—"),
        practices=practices,
    )


class RequestScreen(DetailScreen):
    """One request: its text, status and linked practices (Enter opens one)."""

    TITLE = "Richiesta"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Modifica", id="request.edit"),
        Binding("s", "change_status", "Stato", id="request.status"),
        Binding("l", "link_practice", "Collega", id="request.link"),
        Binding("u", "unlink_practice", "Scollega", id="request.unlink"),
        Binding("o", "log_time", "Ore", id="request.log_time"),
        Binding("v", "open_comune", "Comune", id="request.open_comune"),
    ]
    DEFAULT_CSS = """
    RequestScreen #summary { height: auto; padding: 0 1; }
    RequestScreen #links-title { padding: 0 1; text-style: bold; }
    RequestScreen #links { height: 1fr; }
    """

    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.view: RequestView | None = None

    def compose(self) -> ComposeResult:
        yield self.places_bar("Richiesta")
        yield Static("Caricamento...", id="summary")
        yield Static("Pratiche collegate (Invio apre)", id="links-title")
        table = NavTable(id="links", cursor_type="row", zebra_stripes=True)
        table.add_column("Protocollo", key="protocol")
        table.add_column("Tipo", key="type")
        table.add_column("Stato", key="status")
        yield table
        yield KeysFooter()

    def work_context(self) -> dict[str, str | None]:
        if self.view is None:
            return {"request_id": self.request_id}
        return {"request_id": self.request_id, "comune_code": self.view.request.comune_code}

    @work(thread=True, exclusive=True, group="request", exit_on_error=False)
    def load(self) -> None:
        view = load_request(self.store, self.request_id)
        self.app.call_from_thread(self.show, view)

    def show(self, view: RequestView) -> None:
        self.view = view
        q = view.request
        comune = f"{view.comune.name} ({view.comune.province})" if view.comune else q.comune_code
        text = Text()
        text.append(q.subject, style="bold")
        text.append(f"\n{comune} · richiesta {vocab.REQUEST_KIND_LABELS.get(q.kind, q.kind)}")
        text.append(f" · ambito {view.ambito_name}")
        text.append("\nStato: ")
        text.append(vocab.REQUEST_STATUS_LABELS.get(q.status, q.status), style="bold")
        text.append(f" · aperta il {format_date(q.opened_on)}")
        if q.closed_on:
            text.append(f" · chiusa il {format_date(q.closed_on)}")
        if q.description:
            text.append(f"\n{q.description}")
        self.query_one("#summary", Static).update(text)
        table = self.query_one("#links", NavTable)
        table.clear()
        for pid, protocol, type_name, status in view.practices:
            table.add_row(protocol, clip(type_name, 40), status, key=pid)
        if not view.practices:
            self.query_one("#links-title", Static).update(
                "Nessuna pratica collegata: l per collegarne una"
            )
        else:
            self.query_one("#links-title", Static).update("Pratiche collegate (Invio apre)")
        table.focus()

    @on(NavTable.RowSelected, "#links")
    def _practice_selected(self, event: NavTable.RowSelected) -> None:
        if event.row_key.value:
            self.tf_app.open_practice(event.row_key.value)

    def _push(self, form: Any) -> None:
        self.app.push_screen(form)

    def action_edit(self) -> None:
        from taskforce_tui.screens.modals.request_forms import edit_request_form

        if self.view is not None:
            request = self.view.request
            self.tf_app.open_dialog(lambda s: edit_request_form(s, request))

    def action_change_status(self) -> None:
        from taskforce_tui.screens.modals.request_forms import status_form

        if self.view is not None:
            self._push(status_form(self.view.request))

    def action_link_practice(self) -> None:
        from taskforce_tui.screens.modals.request_forms import link_practice_form

        if self.view is not None:
            self._push(link_practice_form(self.view.request))

    def action_unlink_practice(self) -> None:
        from taskforce_tui.screens.modals.confirm import ConfirmModal

        table = self.query_one("#links", NavTable)
        practice_id = table.current_key()
        if self.view is None or practice_id is None:
            self.notify("Scegli prima la pratica da scollegare.", timeout=4)
            return
        protocol = next((p[1] for p in self.view.practices if p[0] == practice_id), "")
        request_id = self.request_id

        def answered(yes: bool | None) -> None:
            if yes:
                self._unlink(request_id, practice_id)

        self.app.push_screen(
            ConfirmModal(f"Scollegare la pratica {protocol} da questa richiesta?"), answered
        )

    @work(thread=True, group="request-write", exit_on_error=False)
    def _unlink(self, request_id: str, practice_id: str) -> None:
        self.store.requests.unlink(request_id, practice_id)
        self.app.call_from_thread(self.tf_app.data_changed)

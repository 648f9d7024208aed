"""Comune: one Comune in depth, with tabs for its practices, requests, the expert's
hours there and its semester indicators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane

from taskforce_tui.domain import vocab
from taskforce_tui.domain.aree import ENTE_KINDS
from taskforce_tui.domain.timelog import format_minutes
from taskforce_tui.screens.base import DetailScreen, PlacesBar
from taskforce_tui.screens.home import OVERDUE_MARK, count, hours, short_hours
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.indicators import IndicatorsPanel
from taskforce_tui.widgets.navtable import NavTable, clip
from taskforce_tui.widgets.tables import PracticeTable

if TYPE_CHECKING:
    from taskforce_tui.domain.records import Comune
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.overview import ComuneOverview, SemesterFigures
    from taskforce_tui.store.requests import RequestRow
    from taskforce_tui.store.timelogs import TimeLogRow

TABS = ("tab-practices", "tab-requests", "tab-hours", "tab-indicators")
#: Days of time logs shown in the Ore tab.
HOURS_DAYS = 90


@dataclass(slots=True)
class ComuneView:
    comune: Comune
    assigned: bool
    overview: ComuneOverview | None
    semesters: list[SemesterFigures]
    requests: list[RequestRow]
    logs: list[TimeLogRow]


def load_view(store: Store, code: str) -> ComuneView:
    from taskforce_tui.domain.dates import Semester, today
    from taskforce_tui.domain.errors import NotFoundError
    from taskforce_tui.store.overview import comuni_overview, semester_figures

    comune = store.comuni.get(code)
    if comune is None:
        raise NotFoundError(f"Comune sconosciuto: {code}.", "comune")
    day = today()
    current = Semester.of(day)
    overview = comuni_overview(store, [code], store.expert_id, day)
    logs = store.timelogs.list(
        store.expert_id, day - timedelta(days=HOURS_DAYS), day, comune_code=code
    )
    return ComuneView(
        comune=comune,
        assigned=code in store.comuni.assigned_codes(store.expert_id),
        overview=overview[0] if overview else None,
        semesters=[semester_figures(store, code, s, day) for s in (current, current.previous())],
        requests=store.requests.list(comuni=[code]),
        logs=list(reversed(logs)),
    )


def _days(value: float | None) -> str:
    return f"{value:.0f} gg" if value is not None else "—"


def indicators_text(figures: list[SemesterFigures]) -> Text:
    """The semester figures side by side, current semester first."""
    rows = [
        ("Pratiche avviate", lambda f: str(f.started)),
        ("Concluse nel semestre", lambda f: str(f.concluded)),
        ("  di cui per silenzio-assenso", lambda f: str(f.tacit)),
        ("  con conferenza di servizi", lambda f: str(f.with_conference)),
        ("  con sospensioni", lambda f: str(f.with_suspension)),
        ("  concluse oltre il termine", lambda f: str(f.concluded_late)),
        ("Durata media lorda (DPCM)", lambda f: _days(f.avg_gross_days)),
        ("Durata media netta", lambda f: _days(f.avg_net_days)),
    ]
    text = Text()
    text.append(f"{'':32}", style="bold")
    for f in figures:
        text.append(f"{f.semester.label:>22}", style="bold")
    text.append("\n")
    for label, value in rows:
        text.append(f"{label:32}")
        for f in figures:
            text.append(f"{value(f):>22}")
        text.append("\n")
    now = figures[0]
    text.append("\nOggi: ", style="bold")
    text.append(f"{now.open_now} aperte, {now.suspended_now} sospese, ")
    overdue = f"{now.overdue_now} oltre il termine"
    text.append(
        f"{OVERDUE_MARK} {overdue}" if now.overdue_now else overdue,
        style="bold red" if now.overdue_now else "",
    )
    text.append(
        "\n\nDurata lorda: giorni di calendario dalla ricezione alla decisione, sospensioni "
        "incluse, sulle pratiche concluse (non archiviate) nel semestre."
    )
    return text


class ComuneScreen(DetailScreen):
    TITLE = "Comune"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("greater_than_sign", "next_tab", "Scheda", id="comune.next_tab"),
        Binding("less_than_sign", "previous_tab", "Scheda prec.", show=False, id="comune.prev_tab"),
        Binding("n", "new_practice", "Pratica", id="comune.new_practice"),
        Binding("r", "new_request", "Richiesta", id="comune.new_request"),
        Binding("f", "toggle_all", "Tutte", id="comune.toggle_all"),
        Binding("o", "log_time", "Ore", id="comune.log_time"),
    ]
    DEFAULT_CSS = """
    ComuneScreen #head { height: auto; padding: 0 1; }
    ComuneScreen TabbedContent { height: 1fr; }
    ComuneScreen TabPane { padding: 0; }
    ComuneScreen #indicators { padding: 0 1; }
    """

    def __init__(self, comune_code: str) -> None:
        super().__init__()
        self.comune_code = comune_code
        self.view: ComuneView | None = None
        self.show_all = False

    def compose(self) -> ComposeResult:
        yield self.places_bar("Comune")
        yield Static("Caricamento...", id="head")
        with TabbedContent(id="tabs"):
            with TabPane("Pratiche", id="tab-practices"):
                yield PracticeTable(show_comune=False, table_id="practices")
            with TabPane("Richieste", id="tab-requests"):
                table = NavTable(id="requests", cursor_type="row", zebra_stripes=True)
                for key, label in (
                    ("opened", "Aperta il"),
                    ("subject", "Oggetto"),
                    ("kind", "Tipo"),
                    ("status", "Stato"),
                    ("links", "Prat."),
                ):
                    table.add_column(label, key=key)
                yield table
            with TabPane("Ore", id="tab-hours"):
                yield Static("", id="hours-total")
                logs = NavTable(id="hours", cursor_type="row", zebra_stripes=True)
                for key, label in (
                    ("date", "Data"),
                    ("time", "Ore"),
                    ("activity", "Attività"),
                    ("mode", "Modalità"),
                    ("practice", "Pratica"),
                    ("note", "Nota"),
                ):
                    logs.add_column(label, key=key)
                yield logs
            with TabPane("Indicatori", id="tab-indicators"):
                yield IndicatorsPanel(
                    [self.comune_code], title="Semestre corrente", id="indicators-panel"
                )
                yield Static("", id="indicators")
        yield KeysFooter()

    def work_context(self) -> dict[str, str | None]:
        context: dict[str, str | None] = {"comune_code": self.comune_code}
        if self.query_one("#tabs", TabbedContent).active == "tab-practices":
            context["practice_id"] = self.query_one("#practices", PracticeTable).current_key()
        return context

    def _practice_filter(self) -> None:
        from taskforce_tui.store.practices import PracticeFilter

        statuses = None if self.show_all else list(vocab.OPEN_STATUSES)
        table = self.query_one("#practices", PracticeTable)
        sort = "avvio" if self.show_all else "scadenza"
        table.set_query(
            PracticeFilter(comuni=[self.comune_code], statuses=statuses),
            sort=sort,
            descending=self.show_all,
        )

    @work(thread=True, exclusive=True, group="comune", exit_on_error=False)
    def load(self) -> None:
        view = load_view(self.store, self.comune_code)
        self.app.call_from_thread(self.show, view)

    def show(self, view: ComuneView) -> None:
        first = self.view is None
        self.view = view
        # the same screen serves the enti that are not Comuni (a Provincia, an Unione)
        self.query_one(PlacesBar).set_title(ENTE_KINDS.get(view.comune.kind, "Comune"))
        if not first:  # data changed: the panel reads the new figures too
            self.query_one(IndicatorsPanel).reload()
        c, o = view.comune, view.overview
        head = Text()
        head.append(f"{c.name} ({c.province})", style="bold")
        head.append(f" · ISTAT {c.istat_code}")
        if c.phase:
            head.append(f" · fase {c.phase}")
        if c.inner_area:
            head.append(f" · area interna {c.inner_area}")
        if not c.active:
            head.append(" · Comune soppresso", style="bold")
        if not view.assigned:
            head.append(" · non assegnato a te: solo consultazione", style="italic")
        if o is not None:
            head.append(f"\n{count(o.open_practices, 'pratica aperta', 'pratiche aperte')}, ")
            late = f"{o.overdue_practices} oltre il termine"
            head.append(
                f"{OVERDUE_MARK} {late}" if o.overdue_practices else late,
                style="bold red" if o.overdue_practices else "",
            )
            requests = count(o.open_requests, "richiesta aperta", "richieste aperte")
            head.append(f", {requests}, {short_hours(o.month_minutes)} h nel mese")
        self.query_one("#head", Static).update(head)
        self._fill_requests(view.requests)
        self._fill_hours(view.logs)
        self.query_one("#indicators", Static).update(indicators_text(view.semesters))
        if first:
            self.query_one("#practices", PracticeTable).focus()
        self._practice_filter()

    def _fill_requests(self, rows: list[RequestRow]) -> None:
        table = self.query_one("#requests", NavTable)
        table.clear()
        # The subject takes what the other columns leave (date 10, kind 9, status 20,
        # count 5, two cells of padding each, a scrollbar): 24 at 80 columns.
        subject = min(max(self.size.width - 56, 16), 60)
        for r in rows:
            q = r.request
            table.add_row(
                q.opened_on.strftime("%d/%m/%Y"),
                clip(q.subject, subject),
                vocab.REQUEST_KIND_LABELS.get(q.kind, q.kind),
                vocab.REQUEST_STATUS_LABELS.get(q.status, q.status),
                str(len(q.practice_ids)),
                key=q.id,
            )

    def _fill_hours(self, logs: list[TimeLogRow]) -> None:
        table = self.query_one("#hours", NavTable)
        table.clear()
        # Activity and note share what the others leave (date 10, hours 5, mode 11,
        # protocol 10, two cells of padding each, a scrollbar): 18 + 12 at 80 columns.
        room = self.size.width - 50
        activity = min(max(room * 3 // 5, 12), 28)
        note = min(max(room - activity, 6), 40)
        total = 0
        for row in logs:
            log = row.log
            total += log.minutes
            table.add_row(
                log.work_date.strftime("%d/%m/%Y"),
                format_minutes(log.minutes),  # as in Registro ore
                clip(row.activity_name, activity),
                vocab.MODE_LABELS.get(log.mode, log.mode),
                clip(row.protocol_no or "", 10),
                clip(log.note, note),
                key=log.id,
            )
        self.query_one("#hours-total", Static).update(
            f" Le tue ore qui negli ultimi {HOURS_DAYS} giorni: {hours(total)} "
            f"({len(logs)} registrazioni)"
        )

    # --- events and actions -------------------------------------------------------------------
    @on(PracticeTable.Opened)
    def _practice_opened(self, event: PracticeTable.Opened) -> None:
        self.tf_app.open_practice(event.practice_id)

    @on(NavTable.RowSelected, "#requests")
    def _request_opened(self, event: NavTable.RowSelected) -> None:
        if event.row_key.value:
            self.tf_app.open_request(event.row_key.value)

    def action_next_tab(self) -> None:
        self._move_tab(1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, step: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        index = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(index + step) % len(TABS)]
        pane = tabs.get_pane(tabs.active)
        focusable = pane.query("NavTable, FastTable")
        if focusable:
            focusable.first().focus()

    def action_new_practice(self) -> None:
        self.tf_app.new_practice(self.comune_code)

    def action_new_request(self) -> None:
        from taskforce_tui.screens.modals.request_forms import new_request_form

        code = self.comune_code
        self.tf_app.open_dialog(lambda s: new_request_form(s, code))

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.query_one("#tabs", TabbedContent).active = "tab-practices"
        self._practice_filter()
        self.notify(
            "Tutte le pratiche del Comune." if self.show_all else "Solo pratiche in corso.",
            timeout=3,
        )

"""Aree interne: per area programmed, committed and paid (amount and %), interventions
by status, phases late, the ranking by spending; the interventions below, filtered as
you type; an intervention's detail with its funding, its timetable as bars and its
spending curve over the monitoring snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Select, Static

from taskforce_tui.domain import aree as A
from taskforce_tui.domain.dates import format_date, today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.screens.base import DataScreen, DetailScreen
from taskforce_tui.store.aree import InterventionFilter
from taskforce_tui.widgets import italian  # noqa: F401  (Select's menu in Italian)
from taskforce_tui.widgets.aree import curve_width, spending_curve, timetable, timetable_width
from taskforce_tui.widgets.fasttable import Cell, FastTable
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.navtable import NavTable
from taskforce_tui.widgets.statusline import StatusLine
from taskforce_tui.widgets.tables import PagedTable

if TYPE_CHECKING:
    from taskforce_tui.screens.modals.forms import FormModal
    from taskforce_tui.store.db import Store

ALL_AREAS = "*"
LATE = "__late__"  # the status filter's "phases late" choice
#: The areas table: (label, key, width; 0 = flexible). Under WIDE columns the screen
#: keeps NARROW ones only (80 columns: amounts and shares stay, counts go).
AREA_COLUMNS = (
    ("N.", "rank", 2),
    ("Area", "area", 0),
    ("Int.", "n", 4),
    ("Programmato", "programmed", 15),
    ("Impegnato", "committed", 15),
    ("% imp.", "committed_pct", 6),
    ("Pagato", "paid", 15),
    ("% pag.", "paid_pct", 6),
    ("Stati", "status", 9),
    ("Rit.", "late", 4),
)
NARROW = ("rank", "area", "programmed", "committed_pct", "paid", "paid_pct", "late")
WIDE = 110


@dataclass(slots=True)
class AreeView:
    on: date
    summaries: list[A.AreaSummary]  # ranked by share paid
    area_cells: list[tuple[str, list[Cell]]]


def load_aree(store: Store, on: date) -> AreeView:
    """The areas' figures (added up by SQLite in one query), ranked and formatted, from
    a worker. The interventions come page by page (`InterventionTable`)."""
    summaries = store.interventions.summaries(on=on)
    summaries.sort(key=lambda s: (s.paid_percent is None, -(s.paid_percent or 0.0), s.area.code))
    euro = A.euro
    area_cells: list[tuple[str, list[Cell]]] = []
    for rank, s in enumerate(summaries, start=1):
        area_cells.append(
            (
                s.area.code,
                [
                    str(rank),
                    f"{s.area.code} {s.area.name}",
                    str(s.interventions),
                    euro(s.programmed_cents),
                    euro(s.committed_cents),
                    _pct(s.committed_percent),
                    euro(s.paid_cents),
                    _pct(s.paid_percent),
                    "/".join(str(s.by_status.get(st, 0)) for st in A.STATUSES),
                    Text(str(s.late_phases), style="bold red") if s.late_phases else "0",
                ],
            )
        )
    return AreeView(on, summaries, area_cells)


def intervention_cells(r: A.InterventionRow) -> list[Cell]:
    return [
        r.cup,
        r.title,
        r.status,
        A.euro(r.programmed_cents),
        _share(r.paid_cents, r.programmed_cents),
        str(r.late_phases) if r.late_phases else "",
    ]


def _share(part: int, whole: int) -> str:
    """part / whole as "12,3%" (the same figure as `A.percent`, formatted directly)."""
    return "-" if whole <= 0 else f"{part * 100 / whole:.1f}%".replace(".", ",")


def _pct(value: float | None) -> str:
    return A.percent_text(value)


class InterventionTable(PagedTable):
    """The interventions page by page, filtered and ordered (area, CUP) in SQL: the
    place opens on its first page, the next ones load as the cursor or the scroll
    nears the end."""

    COLUMNS = (
        ("cup", "CUP", 15),
        ("title", "Titolo", 0),
        ("status", "Stato", 11),
        ("programmed", "Programmato", 15),
        ("pct", "% pag.", 6),
        ("late", "Rit.", 4),
    )

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.flt: InterventionFilter | None = None
        self.on = today()
        for key, label, width in self.COLUMNS:
            right = key in ("programmed", "pct", "late")
            self.add_column(label, key=key, width=width, justify="right" if right else "left")

    def set_query(self, flt: InterventionFilter, on: date) -> None:
        self.flt, self.on = flt, on
        self.reload()

    def page_query(self) -> tuple[InterventionFilter, date] | None:
        return None if self.flt is None else (self.flt, self.on)

    @staticmethod
    def read_page(
        store: Store, query: tuple[InterventionFilter, date], limit: int, offset: int
    ) -> list[tuple[str, list[Cell]]]:
        flt, on = query
        rows = store.interventions.rows(flt, on=on, limit=limit, offset=offset)
        return [(r.id, intervention_cells(r)) for r in rows]

    @staticmethod
    def read_count(store: Store, query: tuple[InterventionFilter, date]) -> int:
        return store.interventions.count(query[0], on=query[1])

    def _fill(
        self, token: int, offset: int, rows: list[tuple[str, list[Cell]]], limit: int
    ) -> None:
        if not self.wanted(token):
            return
        selected = self.current_key() if offset == 0 else None
        if offset == 0:
            self.clear()
        self.add_rows(rows)
        if selected is not None:
            self.select_key(selected)
        self.page_loaded(len(rows), limit)


class AreeScreen(DataScreen):
    TITLE = "Aree interne"
    PLACE = "aree"
    AUTO_FOCUS = "#interventions"
    SEARCH = "#filter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Cerca", id="aree.search"),
        Binding("escape", "clear", "Azzera", id="aree.clear"),
    ]
    DEFAULT_CSS = """
    AreeScreen #filters { height: 1; }
    AreeScreen #filter { width: 1fr; }
    AreeScreen #area, AreeScreen #area-wait { width: 30; }
    AreeScreen #status, AreeScreen #status-wait { width: 24; }
    AreeScreen .wait { padding: 0 1; background: $surface; }
    AreeScreen #areas { height: 3; }
    AreeScreen #interventions { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.view: AreeView | None = None
        self.on = today()
        self.total: int | None = None  # interventions the filters keep, once counted
        self._table = InterventionTable(id="interventions")

    def compose(self) -> ComposeResult:
        yield self.places_bar("Aree interne")
        with Horizontal(id="filters"):
            yield Input(
                placeholder="/ Cerca CUP, titolo...",
                id="filter",
                compact=True,
                select_on_focus=False,
            )
            # the two Selects' prompts until they mount (`_mount_filters`)
            yield Static("Area: tutte ▼", id="area-wait", classes="wait")
            yield Static("Stato: tutti ▼", id="status-wait", classes="wait")
        yield FastTable(id="areas")
        yield StatusLine(id="count")
        yield self._table
        yield KeysFooter()

    def load(self) -> None:
        """The areas' figures and the first page of interventions, read in one worker
        and shown together (one paint)."""
        self.on = today()
        table = self._table
        table.flt, table.on = self._filter(), self.on
        started = table.restart()
        assert started is not None
        self._load(self.on, *started)

    @work(thread=True, exclusive=True, group="aree", exit_on_error=False)
    def _load(self, on: date, token: int, query: tuple[InterventionFilter, date]) -> None:
        page, total = self._table.read_first(self.store, query)
        view = load_aree(self.store, on)
        self.app.call_from_thread(self.show, view, token, page, total)

    def show(
        self, view: AreeView, token: int, page: list[tuple[str, list[Cell]]], total: int
    ) -> None:
        if self.view is None:  # the first data: the Selects once it is on screen
            self.call_after_refresh(self._mount_filters)
        self.view = view
        self._area_options()
        self._fill_areas()
        self._table._fill(token, 0, page, self._table.FIRST_PAGE)
        self._table.counted(token, total)

    async def _mount_filters(self) -> None:
        """The area and status filters, mounted once the first data is painted: a
        Select costs a screen 25-50 ms to mount on these machines (as much as the rest
        of the place with its data, benchmarks/bench_aree.py), so the tables come
        first and the line shows the Selects' prompts until then."""
        self.query(".wait").remove()
        await self.query_one("#filters").mount(
            Select([], prompt="Area: tutte", id="area", compact=True, allow_blank=True),
            Select(
                [*((f"Stato: {st}", st) for st in A.STATUSES), ("Fasi in ritardo", LATE)],
                prompt="Stato: tutti",
                id="status",
                compact=True,
                allow_blank=True,
            ),
        )
        self._area_options()

    def _select(self, selector: str) -> Select[str] | None:
        """A filter's Select, None before it is mounted."""
        found = self.query(selector)
        select = found.first(Select) if found else None
        return select if select is not None and select.is_mounted else None

    def _area_options(self) -> None:
        select = self._select("#area")
        if select is None or self.view is None:
            return
        current = select.value
        options = [(f"{s.area.code} {s.area.name}", s.area.code) for s in self.view.summaries]
        select.set_options(options)
        if current is not Select.NULL and any(v == current for _, v in options):
            select.value = current

    def _fill_areas(self) -> None:
        view = self.view
        if view is None:
            return
        areas = self.query_one("#areas", FastTable)
        wide = self.size.width >= WIDE
        keep = [i for i, c in enumerate(AREA_COLUMNS) if wide or c[1] in NARROW]
        selected = areas.current_key()
        areas.clear(columns=True)
        for i in keep:
            label, key, width = AREA_COLUMNS[i]
            right = key not in ("area", "status")
            areas.add_column(label, key=key, width=width, justify="right" if right else "left")
        areas.add_rows([(k, [cells[i] for i in keep]) for k, cells in view.area_cells])
        areas.styles.height = min(len(view.area_cells), 15) + 1
        if selected:
            areas.select_key(selected)

    def on_resize(self) -> None:
        self._fill_areas()

    def _filter(self) -> InterventionFilter:
        """What the search box and the two filters keep (the Selects may not be
        mounted yet: no filter)."""
        search, area_select, status_select = (
            self.query("#filter"),
            self._select("#area"),
            self._select("#status"),
        )
        area = Select.NULL if area_select is None else area_select.value
        status = Select.NULL if status_select is None else status_select.value
        return InterventionFilter(
            area=None if area is Select.NULL else str(area),
            text=search.first(Input).value if search else "",
            status=None if status is Select.NULL or status == LATE else str(status),
            late=status == LATE,
        )

    def _query(self) -> None:
        flt = self._filter()
        if flt != self._table.flt:  # (a Select mounting says it changed, and did not)
            self._table.set_query(flt, self.on)

    @on(PagedTable.Counted, "#interventions")
    def _counted(self, event: PagedTable.Counted) -> None:
        self.total = event.total
        self._show_count()

    def _show_count(self) -> None:
        view, shown = self.view, self.total
        if view is None:
            return
        line = self.query_one("#count", StatusLine)
        if not view.summaries:
            line.set(
                "Nessuna area: l'elenco delle Aree Interne arriva dalla Segreteria Tecnica "
                "con la sincronizzazione (F5)"
            )
        elif shown is not None:
            line.set_parts(
                "Nessun intervento con questi filtri (Esc li azzera)"
                if shown == 0
                else f"{shown} interventi"
                if shown != 1
                else "1 intervento",
                f"dati al {format_date(view.on)}",
                "Invio apre la scheda",
                "Stati: non avviati/in corso/conclusi/liquidati",
            )

    @on(Input.Changed, "#filter")
    def _text_changed(self) -> None:
        self._query()

    @on(Input.Submitted, "#filter")
    def _text_submitted(self) -> None:
        self.query_one("#interventions", FastTable).focus()

    @on(Select.Changed, "#area")
    @on(Select.Changed, "#status")
    def _area_changed(self) -> None:
        self._query()

    @on(FastTable.RowSelected, "#areas")
    def _area_selected(self, event: FastTable.RowSelected) -> None:
        select = self._select("#area")
        if select is not None:
            select.value = event.key
        self.query_one("#interventions", FastTable).focus()

    @on(FastTable.RowSelected, "#interventions")
    def _row_selected(self, event: FastTable.RowSelected) -> None:
        self.app.push_screen(InterventionScreen(event.key))

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear(self) -> None:
        self.query_one("#filter", Input).value = ""
        for selector in ("#area", "#status"):
            select = self._select(selector)
            if select is not None:
                select.clear()
        self.query_one("#interventions", FastTable).focus()


# --- one intervention ------------------------------------------------------------------------
@dataclass(slots=True)
class InterventionView:
    item: A.Intervention
    area_name: str
    ente_name: str
    comuni: list[str]
    linked: dict[str, int]
    on: date


def load_intervention(store: Store, intervention_id: str) -> InterventionView:
    item = store.interventions.find(intervention_id)
    try:
        area_name = store.aree.get(item.area_code).name
    except DomainError:
        area_name = item.area_code
    comuni = []
    for code in item.comuni:
        comune = store.comuni.get(code)
        comuni.append(comune.name if comune else code)
    return InterventionView(
        item=item,
        area_name=area_name,
        ente_name=store.aree.ente_name(item.ente_code),
        comuni=comuni,
        linked=store.interventions.linked(item.id),
        on=today(),
    )


class InterventionScreen(DetailScreen):
    """An intervention: figures, funding table, timetable bars, spending curve."""

    TITLE = "Intervento"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "progress", "Avanzamento", id="intervention.progress"),
        Binding("l", "link", "Collega pratica", id="intervention.link"),
    ]
    DEFAULT_CSS = """
    InterventionScreen #body { height: 1fr; }
    InterventionScreen #summary { height: auto; padding: 0 1; }
    InterventionScreen .section { padding: 1 1 0 1; text-style: bold; }
    InterventionScreen #funding { height: 2; }
    InterventionScreen #timetable, InterventionScreen #curve { height: auto; padding: 0 1; }
    """

    def __init__(self, intervention_id: str) -> None:
        super().__init__()
        self.intervention_id = intervention_id
        self.view: InterventionView | None = None

    def compose(self) -> ComposeResult:
        yield self.places_bar("Intervento")
        with VerticalScroll(id="body"):
            yield Static("Caricamento...", id="summary")
            yield Static("Fonti di finanziamento", classes="section")
            funding = NavTable(id="funding", cursor_type="row", zebra_stripes=True)
            funding.add_column("Fonte", key="source", width=18)
            funding.add_column("Importo", key="amount", width=18)
            funding.add_column("% del costo", key="share", width=11)
            yield funding
            yield Static("Cronoprogramma (░ previsto, █ effettivo, │ oggi)", classes="section")
            yield Static("", id="timetable")
            yield Static("Curva di spesa (impegnato e pagato sul costo)", classes="section")
            yield Static("", id="curve")
        yield KeysFooter()

    @work(thread=True, exclusive=True, group="intervention", exit_on_error=False)
    def load(self) -> None:
        view = load_intervention(self.store, self.intervention_id)
        self.app.call_from_thread(self.show, view)

    def show(self, view: InterventionView) -> None:
        self.view = view
        item = view.item
        latest = item.latest(view.on)
        text = Text()
        text.append(f"{item.cup}  ", style="bold")
        text.append(item.title, style="bold")
        text.append(f"\nArea {item.area_code} {view.area_name} · stato {item.status}")
        if item.theme:
            text.append(f" · {item.theme}")
        if view.ente_name:
            text.append(f" · attuatore {view.ente_name}")
        if view.comuni:
            text.append(f"\nComuni: {', '.join(view.comuni)}")
        text.append(f"\nCosto totale {A.euro(item.total_cents)}")
        if latest is not None:
            text.append(
                f" · impegnato {A.euro(latest.committed_cents)} "
                f"({_pct(A.percent(latest.committed_cents, item.total_cents))})"
                f" · pagato {A.euro(latest.paid_cents)} "
                f"({_pct(A.percent(latest.paid_cents, item.total_cents))})"
                f" · dati al {format_date(latest.ref_date)}"
            )
        else:
            text.append(" · nessun dato di monitoraggio (a per aggiungerlo)")
        if item.indicator:
            done = next((x.achieved for x in reversed(item.snapshots) if x.achieved), None)
            target = f"{item.target:g}" if item.target is not None else "-"
            achieved = f"{done:g}" if done is not None else "-"
            text.append(
                f"\nIndicatore: {item.indicator}: realizzato {achieved} su {target} {item.unit}"
            )
        if item.end_planned_on:
            text.append(f"\nFine prevista {format_date(item.end_planned_on)}")
            if item.end_actual_on:
                text.append(f", effettiva {format_date(item.end_actual_on)}")
        linked = view.linked
        if any(linked.values()):
            text.append(
                f"\nCollegati: {linked['practice']} pratiche, {linked['request']} richieste, "
                f"{linked['time_log']} registrazioni di ore"
            )
        self.query_one("#summary", Static).update(text)
        table = self.query_one("#funding", NavTable)
        table.clear()
        for f in item.funding:
            table.add_row(
                f.label,
                Text(A.euro(f.amount_cents), justify="right"),
                Text(_pct(A.percent(f.amount_cents, item.total_cents)), justify="right"),
                key=f.source,
            )
        funded = sum(f.amount_cents for f in item.funding)
        if item.funding:
            table.add_row(
                Text("Totale fonti", style="bold"),
                Text(A.euro(funded), justify="right", style="bold"),
                Text(_pct(A.percent(funded, item.total_cents)), justify="right", style="bold"),
                key="__total__",
            )
        if funded != item.total_cents and item.funding:
            table.add_row(
                "Da ripartire",
                Text(A.euro(item.total_cents - funded), justify="right"),
                "",
                key="__rest__",
            )
        # Its own height (header + rows): `height: auto` inside the scrolling body gave it
        # one line at 80x24, the header without a row.
        table.styles.height = max(2, table.row_count + 1)
        self._draw_charts()

    def _draw_charts(self) -> None:
        """The timetable and the spending curve, their bars as wide as the screen allows
        (at 80 columns a line must not wrap: dates and delays stay on it)."""
        if self.view is None:
            return
        item, room = self.view.item, max(self.size.width - 4, 40)
        self.query_one("#timetable", Static).update(
            timetable(item.phases, self.view.on, timetable_width(room))
        )
        self.query_one("#curve", Static).update(spending_curve(item, curve_width(room)))

    def on_resize(self) -> None:
        self._draw_charts()

    def action_progress(self) -> None:
        if self.view is not None:
            self.app.push_screen(progress_form(self.view.item))

    def action_link(self) -> None:
        if self.view is not None:
            self.app.push_screen(link_form(self.view.item))


class AmountValidator(Validator):
    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            A.parse_amount(value)
        except DomainError as exc:
            return self.failure(exc.message)
        return self.success()


def progress_form(item: A.Intervention) -> FormModal[str]:
    """A monitoring update (dated snapshot) typed in."""
    from taskforce_tui.screens.modals.forms import Field, FormModal

    latest = item.latest()
    fields = [
        Field("ref_date", "Dati al", "date", today(), required=True, also=("al",)),
        Field(
            "committed",
            "Impegni (€)",
            value=A.euro(latest.committed_cents).removesuffix(" €") if latest else "",
            required=True,
            validators=[AmountValidator()],
        ),
        Field(
            "paid",
            "Pagamenti (€)",
            value=A.euro(latest.paid_cents).removesuffix(" €") if latest else "",
            required=True,
            validators=[AmountValidator()],
        ),
        Field(
            "status",
            "Stato",
            "select",
            item.status,
            [(s, s) for s in A.STATUSES],
            required=True,
        ),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.interventions.add_snapshot(
            item.id,
            ref_date=v["ref_date"],
            committed_cents=A.parse_amount(v["committed"], "committed"),
            paid_cents=A.parse_amount(v["paid"], "paid"),
            status=v["status"],
        )
        if v["status"] != item.status:
            store.interventions.update(item.id, status=v["status"])
        return item.id

    return FormModal(
        f"Avanzamento di {item.cup}",
        fields,
        save,
        intro="Un aggiornamento con la sua data: quelli precedenti restano nella storia.",
        form_id="intervention-progress",
    )


def link_form(item: A.Intervention) -> FormModal[str]:
    """Link a practice (the VIA, the permesso di costruire of the works) or a request."""
    from taskforce_tui.screens.modals.forms import Field, FormModal

    fields = [
        Field(
            "what",
            "Collega",
            "select",
            "practice",
            [("una pratica (protocollo o id)", "practice"), ("una richiesta (id)", "request")],
            required=True,
        ),
        Field("ref", "Protocollo o id", required=True, also=("pratica", "richiesta", "comune")),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        if v["what"] == "practice":
            scope = store.comuni.assigned_codes(store.expert_id) or None
            record = store.practices.find(v["ref"], scope).id
        else:
            record = store.requests.find(v["ref"]).id
        store.interventions.link(v["what"], record, item.id)
        return item.id

    return FormModal(
        f"Collega a {item.cup}",
        fields,
        save,
        intro="La pratica o la richiesta resta nel suo Comune; la scheda ne conta i collegamenti.",
        submit_label="Collega",
        form_id="intervention-link",
    )

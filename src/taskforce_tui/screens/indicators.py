"""Indicatori: trend of backlog and average duration per Comune, ranking, baselines.

For the selected semester (the current one to start with) the screen shows:
the trend of the highlighted Comune (or of all the expert's Comuni) over the last six
semesters as bars with their numbers, the baseline as the first bar; where it stands
against the baseline; and the ranking of the expert's Comuni by backlog. `b` enters or
changes a baseline; `[` and `]` move between semesters. Definitions: docs/indicators.md.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.widgets import Static

from taskforce_tui.domain.dates import Semester, format_date
from taskforce_tui.domain.indicators import (
    Baseline,
    Figures,
    Progress,
    as_of,
    fmt_dec,
    fmt_int,
    fmt_pct,
    progress,
)
from taskforce_tui.messages import StoreReady
from taskforce_tui.screens.base import PlacesBar
from taskforce_tui.widgets.fasttable import Cell, FastTable
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.indicators import (
    TrendChart,
    TrendPoint,
    backlog_cleared_text,
    duration_change_text,
    duration_text,
)

if TYPE_CHECKING:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.db import Store

#: Semesters in the trend (fits 80x24 with the ranking below).
TREND_SEMESTERS = 6
ALL = "__tutti__"


@dataclass(slots=True)
class IndicatorsData:
    """Everything the screen shows for one selected semester (loaded in a worker)."""

    semester: Semester
    day: date
    codes: list[str]
    names: dict[str, str]
    semesters: list[Semester]
    series: dict[Semester, dict[str, Figures]]
    cells: dict[tuple[str, str], Figures]
    baselines: dict[tuple[str, str], Baseline]
    types: list[tuple[str, str]]
    _standing: dict[str, tuple[Figures, Progress]] = field(default_factory=dict)

    def standing(self, code: str) -> tuple[Figures, Progress]:
        """A Comune's (or, with ALL, every Comune's) figures and progress."""
        if not self._standing:
            by_comune: dict[str, list[tuple[str, str]]] = {}
            for key in set(self.cells) | set(self.baselines):
                by_comune.setdefault(key[0], []).append(key)
            empty = Figures()
            everything = [k for keys in by_comune.values() for k in keys]
            for name, keys in [*by_comune.items(), (ALL, everything)]:
                self._standing[name] = (
                    Figures.total(self.cells.get(k, empty) for k in keys),
                    progress((self.cells.get(k, empty), self.baselines.get(k)) for k in keys),
                )
        return self._standing.get(code, (Figures(), Progress()))

    def trend(self, code: str) -> list[TrendPoint]:
        points: list[TrendPoint] = []
        _, prog = self.standing(code)
        if prog.has_baseline:
            periods = Counter(
                b.period for k, b in self.baselines.items() if code == ALL or k[0] == code
            )
            period = periods.most_common(1)[0][0] if len(periods) == 1 else "di rif."
            points.append(
                TrendPoint(f"Base {period}", prog.baseline_backlog, prog.baseline_avg_duration_days)
            )
        started = False
        for semester in self.semesters:
            per_comune = self.series.get(semester, {})
            if not started and not any(
                not f.is_empty for c, f in per_comune.items() if code == ALL or c == code
            ):
                continue  # before the first practice: nothing to show
            started = True
            if code == ALL:
                figures = Figures.total(per_comune.values())
            else:
                figures = per_comune.get(code, Figures())
            label = str(semester) + ("*" if semester.end > self.day else "")
            points.append(
                TrendPoint(label, figures.backlog, figures.avg_duration, figures.avg_net_duration)
            )
        return points

    def ranking(self) -> list[tuple[str, Figures, Progress]]:
        rows = [(code, *self.standing(code)) for code in self.codes]
        rows.sort(key=lambda r: (-r[1].backlog, self.names.get(r[0], r[0]).casefold()))
        return rows


def load_indicators(
    store: Store, codes: list[str], semester: Semester, today: date
) -> IndicatorsData:
    """Blocking: run it in a worker."""
    from taskforce_tui.store.baselines import BaselineRepo
    from taskforce_tui.store.indicators import IndicatorRepo, recent_semesters

    repo = IndicatorRepo(store)
    semesters = recent_semesters(semester, TREND_SEMESTERS)
    names = store.comuni.names(codes)
    types = [(t.code, t.name) for t in store.lists.procedure_types()]
    cells = repo.by_type(semester, codes, today)
    # The selected semester's per-Comune figures are the sums of its cells; the
    # earlier semesters of the trend need only per-Comune figures.
    series = repo.series(codes, [s for s in semesters if s != semester], today)
    per_comune: dict[str, list[Figures]] = {}
    for (code, _), figures in cells.items():
        per_comune.setdefault(code, []).append(figures)
    series[semester] = {code: Figures.total(items) for code, items in per_comune.items()}
    return IndicatorsData(
        semester=semester,
        day=as_of(semester, today),
        codes=codes,
        names=names,
        semesters=semesters,
        series=series,
        cells=cells,
        baselines=BaselineRepo(store).effective(codes),
        types=types,
    )


def _cleared(value: float | None) -> str:
    return "-" if value is None else f"{fmt_dec(value)}%"


class IndicatorsScreen(Screen[None]):
    #: A place (4, 5) pushed over the current one; place keys close it (app.action_go).
    PUSHED_PLACE: ClassVar[bool] = True
    CLOSED_BY_PLACE_KEYS: ClassVar[bool] = True
    DEFAULT_CSS = """
    IndicatorsScreen #ind-title {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    IndicatorsScreen #ind-progress {
        height: auto;
        padding: 0 1;
        color: $text;
    }
    IndicatorsScreen #ranking {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Indietro", id="indicators.back"),
        Binding("b", "baseline", "Base di rif.", id="indicators.baseline"),
        Binding(
            "left_square_bracket",
            "semester(-1)",
            "Sem. prec.",
            key_display="[",
            id="indicators.previous",
        ),
        Binding(
            "right_square_bracket",
            "semester(1)",
            "Sem. succ.",
            key_display="]",
            id="indicators.next",
        ),
    ]

    def __init__(self, comune: str | None = None, semester: Semester | None = None) -> None:
        super().__init__()
        self.focus_code = comune or ALL
        self.semester = semester
        self.data: IndicatorsData | None = None
        #: Set once the first data has been painted (tests and benchmarks wait on it).
        self.ready = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield PlacesBar("indicators", "")
        yield Static("Indicatori: apertura del profilo...", id="ind-title", markup=False)
        yield TrendChart(id="trend")
        yield Static("", id="ind-progress", markup=False)
        # FastTable (Line API) rather than DataTable: the screen must open in < 100 ms
        # and DataTable's first render of even 9 rows costs ~40 ms.
        table = FastTable(id="ranking")
        table.add_column("N.", key="rank", width=3, justify="right")
        table.add_column("Comune", key="comune", width=20)
        table.add_column("Arretrato", key="backlog", width=9, justify="right")
        table.add_column("Base", key="base", width=5, justify="right")
        table.add_column("Smaltito", key="cleared", width=8, justify="right")
        table.add_column("Durata gg", key="duration", width=9, justify="right")
        table.add_column("Var. durata", key="change", width=11, justify="right")
        yield table
        yield KeysFooter()

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        if self.tf_app.store is not None:
            self.load()

    def on_store_ready(self, message: StoreReady) -> None:
        self.load()

    # --- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        store = self.tf_app.store
        if store is None:
            return
        self._load(store, self.semester)

    @work(thread=True, exclusive=True, group="indicators", exit_on_error=False)
    def _load(self, store: Store, semester: Semester | None) -> None:
        from taskforce_tui.domain.dates import today

        day = today()
        codes = store.comuni.assigned_codes(store.expert_id)
        if not codes and self.focus_code != ALL:
            codes = [self.focus_code]
        if not codes:
            self.app.call_from_thread(
                self._message,
                "Nessun Comune assegnato a questo profilo: gli indicatori riguardano i "
                "Comuni che segui.",
            )
            return
        data = load_indicators(store, codes, semester or Semester.of(day), day)
        self.app.call_from_thread(self.show, data)

    def _message(self, text: str) -> None:
        self.query_one("#ind-title", Static).update(text)
        self.ready.set()

    def show(self, data: IndicatorsData) -> None:
        self.data = data
        self.semester = data.semester
        table = self.query_one("#ranking", FastTable)
        table.clear()
        all_figures, all_progress = data.standing(ALL)
        rows = [self._row(ALL, "", f"Tutti ({len(data.codes)})", all_figures, all_progress)]
        for rank, (code, figures, prog) in enumerate(data.ranking(), start=1):
            rows.append(self._row(code, f"{rank}.", data.names.get(code, code), figures, prog))
        table.add_rows(rows)
        if self.focus_code not in data.codes:
            self.focus_code = ALL
        table.select_key(self.focus_code)
        self.show_focus()
        table.focus()
        self.call_after_refresh(self.ready.set)

    @staticmethod
    def _row(
        key: str, rank: str, name: str, figures: Figures, prog: Progress
    ) -> tuple[str, list[Cell]]:
        return (
            key,
            [
                rank,
                name,
                fmt_int(figures.backlog),
                fmt_int(prog.baseline_backlog),
                _cleared(prog.backlog_cleared_pct),
                fmt_dec(figures.avg_duration),
                fmt_pct(prog.avg_duration_change_pct),
            ],
        )

    def show_focus(self) -> None:
        data = self.data
        if data is None:
            return
        code = self.focus_code
        name = (
            f"tutti i tuoi Comuni ({len(data.codes)})"
            if code == ALL
            else data.names.get(code, code)
        )
        when = (
            f"in corso al {format_date(data.day)}"
            if data.day < data.semester.end
            else f"al {format_date(data.day)}"
        )
        self.query_one("#ind-title", Static).update(f"Indicatori {data.semester}, {when} - {name}")
        self.query_one("#trend", TrendChart).show_points(data.trend(code))
        figures, prog = data.standing(code)
        duration = duration_text(figures.avg_duration)
        if prog.baseline_avg_duration_days is not None:
            duration += (
                f", base {fmt_dec(prog.baseline_avg_duration_days)}: "
                f"{duration_change_text(prog.avg_duration_change_pct)}"
            )
        backlog = f"arretrato {fmt_int(figures.backlog)} su {fmt_int(figures.pending)} pendenti"
        if prog.baseline_backlog is not None:
            backlog += (
                f", base {fmt_int(prog.baseline_backlog)}: "
                f"{backlog_cleared_text(prog.backlog_cleared_pct)}"
            )
        if not prog.has_baseline:
            backlog += " - nessuna base di riferimento (b per inserirla)"
        self.query_one("#ind-progress", Static).update(
            f"{duration}\n{backlog[0].upper()}{backlog[1:]}"
        )

    def on_fast_table_row_highlighted(self, event: FastTable.RowHighlighted) -> None:
        key = event.key
        if key is not None and key != self.focus_code:
            self.focus_code = key
            self.show_focus()

    def on_fast_table_row_selected(self, event: FastTable.RowSelected) -> None:
        """Enter on a Comune of the ranking opens it (the total row has none)."""
        if event.key != ALL:
            self.tf_app.open_comune(event.key)

    # --- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_semester(self, step: int) -> None:
        from taskforce_tui.domain.dates import today

        if self.data is None:
            return
        target = self.data.semester.next() if step > 0 else self.data.semester.previous()
        if target.start > today():
            self.notify("Il semestre successivo non è ancora iniziato.", timeout=4)
            return
        self.semester = target
        self.load()

    def action_baseline(self) -> None:
        from taskforce_tui.screens.baseline_form import BaselineForm

        data = self.data
        if data is None:
            return
        code = self.focus_code
        if code == ALL:
            self.notify(
                "Scegli un Comune nella classifica, poi premi b.",
                title="Base di riferimento",
                timeout=5,
            )
            return
        existing = {t: b for (c, t), b in data.baselines.items() if c == code}
        own = [(t, f) for (c, t), f in data.cells.items() if c == code]
        initial = max(own, key=lambda item: item[1].backlog)[0] if own else None
        self.app.push_screen(
            BaselineForm(code, data.names.get(code, code), data.types, existing, initial),
            self._baseline_done,
        )

    def _baseline_done(self, baseline: Baseline | None) -> None:
        if baseline is not None:
            self.notify("Base di riferimento salvata.", title="Indicatori", timeout=4)
            self.load()


# --- command palette ----------------------------------------------------------------------------
class IndicatorsCommands(Provider):
    """ "Indicatori" and "Indicatori di <Comune>" for each of the expert's Comuni."""

    async def startup(self) -> None:
        self.comuni: list[tuple[str, str]] = []
        store = getattr(self.app, "store", None)
        if store is None:
            return

        def names() -> list[tuple[str, str]]:
            return [(c.istat_code, c.name) for c in store.comuni.assigned(store.expert_id)]

        worker = self.app.run_worker(names, thread=True, group="palette", exit_on_error=False)
        self.comuni = await worker.wait()

    def _open(self, code: str | None = None) -> None:
        self.app.push_screen(IndicatorsScreen(comune=code))

    def _commands(self) -> list[tuple[str, str, str | None]]:
        items: list[tuple[str, str, str | None]] = [
            ("Indicatori", "Tempi medi e arretrato dei tuoi Comuni, per semestre", None)
        ]
        items += [
            (f"Indicatori di {name}", f"Tempi medi e arretrato di {name}", code)
            for code, name in self.comuni
        ]
        return items

    async def discover(self) -> Hits:
        label, help_text, _ = self._commands()[0]
        yield DiscoveryHit(label, self._open, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, code in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(label), partial(self._open, code), help=help_text
                )

"""Indicator widgets: terminal bar charts with their numbers, and the current
semester's panel for any set of Comuni (for the Oggi and Comune screens).

Nothing is conveyed by colour alone: every bar carries its number, every change its
sign and a word (più rapida / più lenta, smaltito / cresciuto).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import Static

from taskforce_tui.domain.dates import Semester, format_date
from taskforce_tui.domain.indicators import (
    Figures,
    Progress,
    fmt_dec,
    fmt_int,
    fmt_pct,
    progress,
)

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

_EIGHTHS = " ▏▎▍▌▋▊▉"


def hbar(value: float | None, maximum: float, width: int) -> str:
    """A horizontal bar `width` cells long at most, in eighths of a cell."""
    if value is None or value <= 0 or maximum <= 0 or width <= 0:
        return ""
    eighths = round(min(value / maximum, 1.0) * width * 8)
    eighths = max(eighths, 1)  # a value above zero is never invisible
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def duration_text(avg: float | None) -> str:
    """ "Durata media 82,6 gg", or words when no practice was concluded."""
    if avg is None:
        return "Durata media: nessuna pratica conclusa"
    return f"Durata media {fmt_dec(avg)} gg"


def duration_change_text(change: float | None) -> str:
    if change is None:
        return "-"
    change = round(change, 1)  # as shown: what reads 0,0% is unchanged
    if change < 0:
        return f"{fmt_pct(change)} (più rapida)"
    if change > 0:
        return f"{fmt_pct(change)} (più lenta)"
    return f"{fmt_pct(change)} (invariata)"


def backlog_cleared_text(cleared: float | None) -> str:
    if cleared is None:
        return "-"
    if cleared < 0:
        return f"{fmt_dec(-cleared)}% in più (cresciuto)"
    return f"{fmt_dec(cleared)}% smaltito"


# --- trend chart ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One line of the trend: a semester (or the baseline) and its two figures."""

    label: str
    backlog: int | None
    avg_duration: float | None
    avg_net_duration: float | None = None


def trend_lines(points: Sequence[TrendPoint], width: int = 78) -> list[str]:
    """Two bar charts side by side, one line per point, numbers beside the bars."""
    label_w = max([12, *(len(p.label) for p in points)])
    fixed = label_w + 1 + 1 + 5 + 3 + 1 + 9 + 11
    space = max(width - fixed, 8)
    backlog_w = space // 2
    duration_w = space - backlog_w
    top_backlog = max([p.backlog or 0 for p in points] + [1])
    top_duration = max([p.avg_duration or 0.0 for p in points] + [1.0])
    lines = [
        f"{'Semestre':<{label_w}} {'Arretrato':<{backlog_w + 6}} │ "
        f"Durata media effettiva gg (netta)"
    ]
    for p in points:
        backlog = f"{fmt_int(p.backlog) if p.backlog is not None else 'n.d.':>5}"
        if p.avg_duration is None:
            duration = "n.d.".rjust(9)
            net = ""
        else:
            duration = f"{fmt_dec(p.avg_duration)} gg".rjust(9)
            net = f" ({fmt_dec(p.avg_net_duration)})" if p.avg_net_duration is not None else ""
        lines.append(
            f"{p.label:<{label_w}} {hbar(p.backlog, top_backlog, backlog_w):<{backlog_w}} "
            f"{backlog} │ {hbar(p.avg_duration, top_duration, duration_w):<{duration_w}} "
            f"{duration}{net}".rstrip()
        )
    return lines


class TrendChart(Static):
    """The trend of backlog and average duration over semesters (text bars)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__("", markup=False, id=id)

    DEFAULT_CSS = """
    TrendChart {
        height: auto;
        padding: 0 1;
    }
    """

    def show_points(self, points: Sequence[TrendPoint]) -> None:
        width = max((self.size.width or 80) - 2, 40)
        self.update("\n".join(trend_lines(points, width)))


# --- the current semester's panel -----------------------------------------------------------------
def panel_text(
    title: str,
    semester: Semester,
    day: date,
    figures: Figures,
    prog: Progress,
) -> str:
    """Four lines: the semester's figures and where they stand against the baseline."""
    when = f"in corso, al {format_date(day)}" if day < semester.end else f"al {format_date(day)}"
    lines = [
        f"{title} - {semester.label} ({when})",
        f"Avviati {fmt_int(figures.started)} · conclusi {fmt_int(figures.concluded)} "
        f"(silenzio-assenso {fmt_int(figures.concluded_tacit)}, espresso "
        f"{fmt_int(figures.concluded_express)}) · archiviati {fmt_int(figures.archived)}",
    ]
    duration = duration_text(figures.avg_duration)
    if figures.avg_net_duration is not None:
        duration += f" (netta {fmt_dec(figures.avg_net_duration)})"
    if prog.baseline_avg_duration_days is not None:
        duration += (
            f" · base {fmt_dec(prog.baseline_avg_duration_days)} gg: "
            f"{duration_change_text(prog.avg_duration_change_pct)}"
        )
    else:
        duration += " · nessuna base"
    lines.append(duration)
    backlog = f"Arretrato {fmt_int(figures.backlog)} su {fmt_int(figures.pending)} pendenti"
    if prog.baseline_backlog is not None:
        backlog += (
            f" · base {fmt_int(prog.baseline_backlog)}: "
            f"{backlog_cleared_text(prog.backlog_cleared_pct)}"
        )
    lines.append(backlog)
    return "\n".join(lines)


def load_panel(
    store: Store, codes: Sequence[str], today: date
) -> tuple[Semester, date, Figures, Progress]:
    """The current semester's figures and progress for `codes` (blocking: use a worker)."""
    from taskforce_tui.domain.indicators import as_of
    from taskforce_tui.store.baselines import BaselineRepo
    from taskforce_tui.store.indicators import IndicatorRepo

    semester = Semester.of(today)
    cells = IndicatorRepo(store).by_type(semester, codes, today)
    baselines = BaselineRepo(store).effective(codes)
    empty = Figures()
    keys = set(cells) | set(baselines)
    figures = Figures.total(cells.values())
    prog = progress((cells.get(k, empty), baselines.get(k)) for k in keys)
    return semester, as_of(semester, today), figures, prog


class IndicatorsPanel(Static):
    """The current semester's indicators for a set of Comuni, with the change against
    the baseline. Mount it anywhere under a TaskforceApp:

        panel = IndicatorsPanel(["016024"], title="Bergamo")
        ...
        panel.set_comuni(codes, "I tuoi Comuni")   # loads in a worker

    It loads on mount if the store is open; call `reload()` when it opens later
    (StoreReady) or after an edit.
    """

    DEFAULT_CSS = """
    IndicatorsPanel {
        height: auto;
        min-height: 4;
        padding: 0 1;
        border-left: tall $accent;
    }
    """

    def __init__(
        self,
        comuni: Sequence[str] | None = None,
        *,
        title: str = "Indicatori",
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
    ) -> None:
        super().__init__(
            "Indicatori: caricamento...", markup=False, name=name, id=id, classes=classes
        )
        self.comuni: list[str] = list(comuni or [])
        self.title = title
        self.loaded: tuple[Figures, Progress] | None = None

    def on_mount(self) -> None:
        if self.comuni:
            self.reload()

    def set_comuni(self, codes: Sequence[str], title: str | None = None) -> None:
        self.comuni = list(codes)
        if title is not None:
            self.title = title
        self.reload()

    def reload(self) -> None:
        store = getattr(self.app, "store", None)
        if store is None:
            self.update("Indicatori: in attesa del profilo...")
            return
        if not self.comuni:
            self.update("Indicatori: nessun Comune.")
            return
        self._load(store, list(self.comuni), self.title)

    @work(thread=True, exclusive=True, group="indicators-panel", exit_on_error=False)
    def _load(self, store: Store, codes: list[str], title: str) -> None:
        from taskforce_tui.domain.dates import today

        semester, day, figures, prog = load_panel(store, codes, today())
        text = panel_text(title, semester, day, figures, prog)
        self.app.call_from_thread(self._show, text, figures, prog)

    def _show(self, text: str, figures: Figures, prog: Progress) -> None:
        self.loaded = (figures, prog)
        self.update(text)

"""Text charts of an intervention: the timetable as bars (planned and actual, one line
each, with today marked) and the spending curve over the monitoring snapshots. Plain
characters carry the meaning (░ planned, █ actual, │ today, "ritardo N gg"); colour
only repeats it."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from taskforce_tui.domain import aree as A
from taskforce_tui.domain.dates import format_date

LABEL = 24


#: What a timetable line holds besides its bar: the label and kind, " fine 31/12/2027",
#: " ritardo 999 gg".
TIMETABLE_TEXT = LABEL + 6 + 16 + 15
#: What a spending-curve line holds besides its two bars: the date, two percentages
#: and the amount paid.
CURVE_TEXT = 12 + 2 * 9 + 16


def timetable_width(room: int) -> int:
    """The bar width for a timetable whose lines must fit in `room` columns."""
    return max(10, min(60, room - TIMETABLE_TEXT))


def curve_width(room: int) -> int:
    """The width of each bar of a spending curve whose lines fit in `room` columns."""
    return max(8, min(30, (room - CURVE_TEXT) // 2))


def _scale(start: date, end: date, width: int) -> tuple[date, float]:
    days = max((end - start).days, 1)
    return start, (width - 1) / days


def timetable(phases: list[A.Phase], on: date, width: int = 40) -> Text:
    """Two lines per phase: planned (░) and actual (█) on one time axis; │ is today."""
    out = Text()
    dates = [
        d
        for p in phases
        for d in (p.planned_start, p.planned_end, p.actual_start, p.actual_end)
        if d is not None
    ]
    if not dates:
        out.append("Nessuna fase con date: il cronoprogramma è vuoto.", style="dim")
        return out
    first, last = min([*dates, on]), max([*dates, on])
    origin, per_day = _scale(first, last, width)

    def col(day: date) -> int:
        return round((day - origin).days * per_day)

    today_col = col(on)
    left, right = format_date(first), format_date(last)
    if width >= len(left) + len(right) + 1:
        out.append(" " * (LABEL + 6) + left.ljust(width - len(right)))
        out.append(f"{right}\n", style="dim")
    else:  # a narrow bar: the span on one line, not two dates run together
        out.append(" " * (LABEL + 6) + f"{left} - ")
        out.append(f"{right}\n", style="dim")
    for p in phases:
        late = p.days_late(on)
        for kind, start, end, char in (
            ("prev.", p.planned_start, p.planned_end, "░"),
            ("eff.", p.actual_start, p.actual_end if p.actual_end else None, "█"),
        ):
            label = (p.label if kind == "prev." else "").ljust(LABEL)[:LABEL]
            out.append(label + f" {kind:<5}")
            cells = [" "] * width
            if start is not None or end is not None:
                a = col(start or end or on)
                # an actual phase still open runs up to today
                b = col(end) if end is not None else (today_col if kind == "eff." else a)
                for i in range(min(a, b), max(a, b) + 1):
                    cells[i] = char
            if cells[today_col] == " ":
                cells[today_col] = "│"
            style = "red" if late and kind == "eff." else ("cyan" if kind == "prev." else "green")
            out.append("".join(cells), style=style)
            if kind == "prev.":
                shown = format_date(p.planned_end) if p.planned_end else "-"
                out.append(f" fine {shown}")
            elif p.actual_end is not None:
                out.append(f" fine {format_date(p.actual_end)}")
            elif p.actual_start is not None:
                out.append(" in corso")
            if kind == "eff." and late:
                out.append(f" ritardo {late} gg", style="bold red")
            out.append("\n")
    out.rstrip()
    return out


def spending_curve(item: A.Intervention, width: int = 30) -> Text:
    """One line per snapshot, oldest first: committed and paid as bars of the cost."""
    out = Text()
    if not item.snapshots:
        out.append("Nessun dato di monitoraggio: nessuna curva di spesa.", style="dim")
        return out
    out.append("Dati al     ", style="bold")
    out.append("Impegnato".ljust(width + 8), style="bold")
    out.append("Pagato\n", style="bold")
    for s in item.snapshots:
        total = s.total_cents if s.total_cents is not None else item.total_cents
        out.append(f"{format_date(s.ref_date)}  ")
        for cents, style in ((s.committed_cents, "cyan"), (s.paid_cents, "green")):
            share = A.percent(cents, total)
            filled = round(min(share or 0.0, 100.0) * width / 100)
            out.append("█" * filled, style=style)
            out.append("░" * (width - filled), style="dim")
            out.append(f" {A.percent_text(share):>6}  ")
        out.append(f"{A.euro(s.paid_cents)}\n")
    out.rstrip()
    return out

"""DPCM 12/11/2021 semester figures, baselines and progress (pure, no I/O).

The definitions are in docs/indicators.md; this module is their reference
implementation, written for clarity over one practice at a time. The store computes
the same figures in SQL (store/indicators.py) and the tests check that both agree.

In short, for a semester S measured at D = min(end of S, today):

* avviati: received in S; conclusi per silenzio-assenso / con provvedimento espresso
  (di cui con conferenza di servizi, con sospensione): concluded in S with that outcome;
* durata media effettiva: mean gross duration of the practices concluded in S,
  whatever their receipt date (net duration, suspensions excluded, as a second figure);
* arretrato (non conclusi entro il termine): pending at D and past their term at D.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import Semester, format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.practice import suspended_days
from taskforce_tui.domain.records import Practice

EXPRESS_OUTCOMES = (vocab.FAVOREVOLE, vocab.SFAVOREVOLE)
#: Sanity limits for baselines typed by hand or imported.
MAX_BASELINE_DAYS = 10_000
MAX_BASELINE_BACKLOG = 1_000_000


# --- the figures -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Figures:
    """Counts and day totals of one cell (Comune x type, or any sum of cells)."""

    started: int = 0
    concluded_tacit: int = 0
    concluded_express: int = 0
    express_with_conference: int = 0
    express_with_suspension: int = 0
    archived: int = 0
    concluded_late: int = 0
    pending: int = 0
    backlog: int = 0
    duration_days_total: int = 0
    net_duration_days_total: int = 0

    @property
    def concluded(self) -> int:
        return self.concluded_tacit + self.concluded_express

    @property
    def avg_duration(self) -> float | None:
        """Durata media effettiva: mean gross days over the concluded practices."""
        return self.duration_days_total / self.concluded if self.concluded else None

    @property
    def avg_net_duration(self) -> float | None:
        return self.net_duration_days_total / self.concluded if self.concluded else None

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the semester and nothing is pending."""
        return not (self.started or self.concluded or self.archived or self.pending)

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Figures)))

    @staticmethod
    def total(items: Iterable[Figures]) -> Figures:
        rows = [
            (
                f.started,
                f.concluded_tacit,
                f.concluded_express,
                f.express_with_conference,
                f.express_with_suspension,
                f.archived,
                f.concluded_late,
                f.pending,
                f.backlog,
                f.duration_days_total,
                f.net_duration_days_total,
            )
            for f in items
        ]
        if not rows:
            return Figures()
        return Figures(*(sum(column) for column in zip(*rows, strict=True)))


def as_of(semester: Semester, today: date) -> date:
    """The day a semester is measured at: its last day, or today while it runs."""
    if semester.start > today:
        raise DomainError(
            f"Il semestre {semester} non è ancora iniziato: scegli un semestre fino a "
            f"{Semester.of(today)}.",
            "semester",
        )
    return min(semester.end, today)


def closed_by(practice: Practice, day: date) -> bool:
    """Concluded or archived on or before `day`."""
    return (
        practice.status in (vocab.CONCLUSA, vocab.ARCHIVIATA)
        and practice.concluded_on is not None
        and practice.concluded_on <= day
    )


def pending_at(practice: Practice, day: date) -> bool:
    return practice.received_on <= day and not closed_by(practice, day)


def due_date_at(practice: Practice, day: date) -> date:
    """Receipt + term + the days suspended up to `day` (an open suspension runs to it)."""
    return practice.received_on + timedelta(
        days=practice.legal_term_days + suspended_days(practice, day)
    )


def past_term_at(practice: Practice, day: date) -> bool:
    """Past its term at `day` (on the due date itself it is still within the term)."""
    return day > due_date_at(practice, day)


def practice_figures(practice: Practice, semester: Semester, day: date) -> Figures:
    """What one practice contributes to semester `semester` measured at `day`."""
    start = semester.start
    started = int(start <= practice.received_on <= day)
    concluded_in = practice.concluded_on is not None and start <= practice.concluded_on <= day
    tacit = express = archived = 0
    if concluded_in and practice.status == vocab.CONCLUSA:
        tacit = int(practice.outcome == vocab.SILENZIO_ASSENSO)
        express = int(practice.outcome in EXPRESS_OUTCOMES)
    elif concluded_in and practice.status == vocab.ARCHIVIATA:
        archived = 1
    gross = net = late = with_suspension = 0
    if (tacit or express) and practice.concluded_on is not None:
        gross = (practice.concluded_on - practice.received_on).days
        stopped = suspended_days(practice, practice.concluded_on)
        net = gross - stopped
        with_suspension = int(express and stopped > 0)
        late = int(practice.concluded_on > due_date_at(practice, practice.concluded_on))
    pending = int(pending_at(practice, day))
    return Figures(
        started=started,
        concluded_tacit=tacit,
        concluded_express=express,
        express_with_conference=int(bool(express) and practice.service_conference),
        express_with_suspension=with_suspension,
        archived=archived,
        concluded_late=late,
        pending=pending,
        backlog=int(bool(pending) and past_term_at(practice, day)),
        duration_days_total=gross,
        net_duration_days_total=net,
    )


def compute(
    practices: Iterable[Practice],
    semester: Semester,
    today: date,
    key: Callable[[Practice], Hashable] | None = None,
) -> dict[Any, Figures]:
    """Figures per key (default: (comune_code, procedure_type)); empty cells left out."""
    day = as_of(semester, today)
    keyer: Callable[[Practice], Any] = key or (lambda p: (p.comune_code, p.procedure_type))
    out: dict[Any, Figures] = {}
    for practice in practices:
        one = practice_figures(practice, semester, day)
        if one.is_empty:
            continue
        k = keyer(practice)
        out[k] = out[k] + one if k in out else one
    return out


# --- baselines and progress ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Baseline:
    """Reference figures of one Comune and procedure type (e.g. Phase 2, 2022-H1)."""

    id: str
    comune_code: str
    procedure_type: str
    period: str
    avg_duration_days: float | None
    backlog: int | None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a cell (or a sum of cells) stands against its baseline."""

    baseline_avg_duration_days: float | None = None
    baseline_backlog: int | None = None
    avg_duration_change_pct: float | None = None
    backlog_cleared_pct: float | None = None

    @property
    def has_baseline(self) -> bool:
        return self.baseline_avg_duration_days is not None or self.baseline_backlog is not None


def progress(pairs: Iterable[tuple[Figures, Baseline | None]]) -> Progress:
    """Progress of one cell or of a sum of cells (docs/indicators.md, "Baseline").

    Duration: today's durations against the baseline ones weighted with today's mix of
    concluded practices; backlog: the share of the summed baseline backlog cleared.
    """
    weighted_now = 0.0
    weighted_base = 0.0
    weight = 0
    plain: list[float] = []
    base_backlog: int | None = None
    backlog_now = 0
    for figures, baseline in pairs:
        if baseline is None:
            continue
        if baseline.avg_duration_days is not None:
            plain.append(baseline.avg_duration_days)
            if figures.concluded and baseline.avg_duration_days > 0:
                weighted_now += figures.duration_days_total
                weighted_base += figures.concluded * baseline.avg_duration_days
                weight += figures.concluded
        if baseline.backlog is not None:
            base_backlog = (base_backlog or 0) + baseline.backlog
            backlog_now += figures.backlog
    base_duration: float | None = None
    change: float | None = None
    if weight:
        base_duration = weighted_base / weight
        change = (weighted_now / weighted_base - 1) * 100
    elif plain:
        base_duration = sum(plain) / len(plain)
    cleared: float | None = None
    if base_backlog:
        cleared = (base_backlog - backlog_now) / base_backlog * 100
    return Progress(base_duration, base_backlog, change, cleared)


def pick_baseline(candidates: Iterable[tuple[str, str, Baseline]]) -> Baseline | None:
    """The live baseline that wins among duplicates: latest change, then highest id.

    `candidates` are (updated_at, id, baseline) triples.
    """
    best = max(candidates, key=lambda c: (c[0], c[1]), default=None)
    return best[2] if best else None


# --- baseline input (form, CLI, import) -------------------------------------------------------
_PLAIN = re.compile(r"^\d+([.,]\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_decimal(text: str | float | int | None, field: str, what: str) -> float | None:
    """A number typed the Italian way ("12,5", "1.234,5") or with a decimal point ("12.5").

    A comma is the decimal mark; points followed by groups of exactly three digits
    group thousands ("1.234" = 1234); any other point is a decimal mark ("87.5").
    Empty means unknown (None). Negative, not a number or absurd: DomainError naming
    `field`.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise DomainError(f"{what}: «{text}» non è un numero.", field)
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = text.strip().replace(" ", "").replace("\u00a0", "")
        if not raw:
            return None
        negative = raw.startswith("-")
        body = raw.lstrip("+-")
        if _GROUPED.match(body):
            body = body.replace(".", "")
        elif not _PLAIN.match(body):
            raise DomainError(
                f"{what}: «{text.strip()}» non è un numero (es. 87,5 oppure 87.5).", field
            )
        value = float(body.replace(",", "."))
        if negative:
            value = -value
    if math.isnan(value) or math.isinf(value):
        raise DomainError(f"{what}: serve un numero.", field)
    if value < 0:
        raise DomainError(f"{what}: non può essere negativo.", field)
    return value


def parse_count(text: str | float | int | None, field: str, what: str) -> int | None:
    """A whole number >= 0; empty means unknown (None)."""
    value = parse_decimal(text, field, what)
    if value is None:
        return None
    if value != int(value):
        raise DomainError(f"{what}: serve un numero intero (es. 12).", field)
    return int(value)


@dataclass(frozen=True, slots=True)
class BaselineInput:
    period: str
    avg_duration_days: float | None
    backlog: int | None


def check_baseline(
    period: str | None,
    avg_duration: str | float | int | None,
    backlog: str | float | int | None,
) -> BaselineInput:
    """Validate a baseline as typed in the form, on the command line or in a file."""
    text = (period or "").strip()
    if not text:
        raise DomainError("Indica il periodo di riferimento, es. 2022-H1.", "period")
    try:
        semester = Semester.parse(text)
    except DomainError as exc:
        raise DomainError(exc.message, "period") from None
    if not 2000 <= semester.year <= 2100:
        raise DomainError(f"Periodo non plausibile: {semester}.", "period")
    avg = parse_decimal(avg_duration, "avg_duration_days", "Durata media")
    if avg is not None and avg > MAX_BASELINE_DAYS:
        raise DomainError(
            f"Durata media: {avg:g} giorni non è plausibile (massimo {MAX_BASELINE_DAYS}).",
            "avg_duration_days",
        )
    count = parse_count(backlog, "backlog", "Arretrato")
    if count is not None and count > MAX_BASELINE_BACKLOG:
        raise DomainError(f"Arretrato: {count} non è plausibile.", "backlog")
    if avg is None and count is None:
        raise DomainError(
            "Indica almeno la durata media o l'arretrato del periodo di riferimento.",
            "avg_duration_days",
        )
    return BaselineInput(str(semester), None if avg is None else round(avg, 2), count)


# --- the semester report -------------------------------------------------------------------------
@dataclass(slots=True)
class ReportRow:
    comune_code: str
    comune_name: str
    province: str
    procedure_type: str
    type_name: str
    legal_term_days: int | None
    figures: Figures
    baseline: Baseline | None
    progress: Progress


@dataclass(slots=True)
class ComuneTotal:
    comune_code: str
    comune_name: str
    province: str
    figures: Figures
    progress: Progress


@dataclass(slots=True)
class SemesterReport:
    semester: Semester
    as_of: date
    scope: str
    rows: list[ReportRow]
    comuni: list[ComuneTotal]
    total: Figures
    total_progress: Progress

    @property
    def complete(self) -> bool:
        """The semester has ended (figures measured at its last day)."""
        return self.as_of >= self.semester.end

    @property
    def as_of_label(self) -> str:
        if self.complete:
            return f"{self.semester.label}, dati al {format_date(self.as_of)}"
        return f"{self.semester.label}, in corso: dati al {format_date(self.as_of)}"


def build_report(
    semester: Semester,
    day: date,
    scope: str,
    cells: dict[tuple[str, str], Figures],
    baselines: dict[tuple[str, str], Baseline],
    comuni: dict[str, tuple[str, str]],
    types: dict[str, tuple[str, int]],
) -> SemesterReport:
    """Rows (one per Comune and type with activity or a baseline), per-Comune totals and
    the overall total. `comuni`: code -> (name, province); `types`: code -> (name, term)."""
    keys = set(cells) | set(baselines)

    def order(key: tuple[str, str]) -> tuple[str, str, str, str]:
        name = comuni.get(key[0], (key[0], ""))[0]
        tname = types.get(key[1], (key[1], 0))[0]
        return (name.casefold(), key[0], tname.casefold(), key[1])

    rows: list[ReportRow] = []
    empty = Figures()
    for key in sorted(keys, key=order):
        figures = cells.get(key, empty)
        baseline = baselines.get(key)
        name, province = comuni.get(key[0], (key[0], ""))
        tname, term = types.get(key[1], (key[1], 0))
        rows.append(
            ReportRow(
                comune_code=key[0],
                comune_name=name,
                province=province,
                procedure_type=key[1],
                type_name=tname,
                legal_term_days=term or None,
                figures=figures,
                baseline=baseline,
                progress=progress([(figures, baseline)]),
            )
        )
    by_comune: dict[str, list[ReportRow]] = {}
    for row in rows:
        by_comune.setdefault(row.comune_code, []).append(row)
    totals = [
        ComuneTotal(
            comune_code=code,
            comune_name=group[0].comune_name,
            province=group[0].province,
            figures=Figures.total(r.figures for r in group),
            progress=progress((r.figures, r.baseline) for r in group),
        )
        for code, group in by_comune.items()
    ]
    return SemesterReport(
        semester=semester,
        as_of=day,
        scope=scope,
        rows=rows,
        comuni=totals,
        total=Figures.total(r.figures for r in rows),
        total_progress=progress((r.figures, r.baseline) for r in rows),
    )


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def figures_dict(figures: Figures) -> dict[str, Any]:
    """English keys, as documented in docs/indicators.md."""
    return {
        "started": figures.started,
        "concluded_tacit": figures.concluded_tacit,
        "concluded_express": figures.concluded_express,
        "express_with_conference": figures.express_with_conference,
        "express_with_suspension": figures.express_with_suspension,
        "concluded": figures.concluded,
        "avg_duration_days": _round(figures.avg_duration),
        "avg_net_duration_days": _round(figures.avg_net_duration),
        "duration_days_total": figures.duration_days_total,
        "net_duration_days_total": figures.net_duration_days_total,
        "backlog": figures.backlog,
        "archived": figures.archived,
        "concluded_late": figures.concluded_late,
        "pending": figures.pending,
    }


def progress_dict(p: Progress) -> dict[str, Any]:
    return {
        "avg_duration_change_pct": _round(p.avg_duration_change_pct),
        "backlog_cleared_pct": _round(p.backlog_cleared_pct),
    }


def report_dict(report: SemesterReport) -> dict[str, Any]:
    """The JSON form of the semester report (English keys, ISO dates)."""
    rows = []
    for r in report.rows:
        b = r.baseline
        rows.append(
            {
                "comune_code": r.comune_code,
                "comune_name": r.comune_name,
                "province": r.province,
                "procedure_type": r.procedure_type,
                "procedure_type_name": r.type_name,
                "legal_term_days": r.legal_term_days,
                **figures_dict(r.figures),
                "baseline": None
                if b is None
                else {
                    "period": b.period,
                    "avg_duration_days": b.avg_duration_days,
                    "backlog": b.backlog,
                    "source": b.source,
                },
                **progress_dict(r.progress),
            }
        )
    comuni = [
        {
            "comune_code": c.comune_code,
            "comune_name": c.comune_name,
            "province": c.province,
            **figures_dict(c.figures),
            "baseline_avg_duration_days": _round(c.progress.baseline_avg_duration_days),
            "baseline_backlog": c.progress.baseline_backlog,
            **progress_dict(c.progress),
        }
        for c in report.comuni
    ]
    return {
        "semester": str(report.semester),
        "start": report.semester.start.isoformat(),
        "end": report.semester.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "complete": report.complete,
        "scope": report.scope,
        "rows": rows,
        "comuni": comuni,
        "total": {
            **figures_dict(report.total),
            "baseline_avg_duration_days": _round(report.total_progress.baseline_avg_duration_days),
            "baseline_backlog": report.total_progress.baseline_backlog,
            **progress_dict(report.total_progress),
        },
    }


# --- Italian number formatting (screens, CLI, CSV) -----------------------------------------------
def fmt_int(value: int | None) -> str:
    """1234 -> "1.234"; None -> "-"."""
    if value is None:
        return "-"
    return f"{value:,}".replace(",", ".")


def fmt_dec(value: float | None, digits: int = 1) -> str:
    """1234.56 -> "1.234,6"; None -> "-"."""
    if value is None:
        return "-"
    # + 0.0: what rounds to zero is "0,0", never "-0,0".
    text = f"{round(value, digits) + 0.0:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """Signed percentage: -16.06 -> "-16,1%", 5 -> "+5,0%", 0.04 -> "0,0%"; None -> "-"."""
    if value is None:
        return "-"
    sign = "+" if round(value, digits) > 0 else ""
    return f"{sign}{fmt_dec(value, digits)}%"

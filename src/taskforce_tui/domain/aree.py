"""Aree Interne: areas, interventions by CUP, funding, phases, monitoring snapshots.

Pure: vocabularies, validation (CUP, amounts in cents, dates), the plain records the
store returns, and the figures computed from them (lateness, percentages). Amounts are
integer cents everywhere, so a total agrees to the cent with the rows it sums.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from taskforce_tui.domain.errors import DomainError

# --- vocabularies ------------------------------------------------------------------------------
AREA_KINDS: Final = {"snai": "Nazionale (SNAI)", "regionale": "Regionale"}

#: Sources of funding, in the order a funding table shows them.
FUNDING_SOURCES: Final = {
    "FESR": "FESR",
    "FSE+": "FSE+",
    "nazionale": "Fondi nazionali",
    "regionale": "Fondi regionali",
    "altro": "Altre fonti",
}

#: The procedural timetable, in order.
PHASES: Final = {
    "fattibilita": "Fattibilità tecnico-economica",
    "progettazione_definitiva": "Progettazione definitiva",
    "progettazione_esecutiva": "Progettazione esecutiva",
    "affidamento": "Gara e aggiudicazione",
    "lavori": "Lavori",
    "collaudo": "Collaudo",
    "chiusura": "Chiusura",
}

STATUSES: Final = ("non avviato", "in corso", "concluso", "liquidato")
#: OpenCoesione's OC_STATO_PROGETTO and everyday words -> a status.
_STATUS_WORDS: Final = {
    "non avviato": "non avviato",
    "non avviati": "non avviato",
    "da avviare": "non avviato",
    "programmato": "non avviato",
    "in corso": "in corso",
    "avviato": "in corso",
    "in esecuzione": "in corso",
    "concluso": "concluso",
    "conclusi": "concluso",
    "completato": "concluso",
    "liquidato": "liquidato",
    "liquidati": "liquidato",
}

ENTE_KINDS: Final = {
    "comune": "Comune",
    "provincia": "Provincia",
    "citta_metropolitana": "Città Metropolitana",
    "unione": "Unione di Comuni",
    "comunita_montana": "Comunità Montana",
}

_CUP: Final = re.compile(r"^[A-Z0-9]{15}$")
_ENTE_CODE: Final = re.compile(r"^[A-Z][A-Z0-9]{5}$")
_AREA_CODE: Final = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
MAX_CENTS: Final = 10**15  # ten thousand billion euro: anything above is a typing error


# --- validation ---------------------------------------------------------------------------------
def normalize_cup(text: str) -> str:
    """A CUP as stored: 15 letters and digits, upper-cased. No check digit is verified:
    none is documented publicly (DIPE's rules for the CUP's structure are not)."""
    cup = re.sub(r"\s+", "", str(text)).upper()
    if not cup:
        raise DomainError("Manca il CUP (15 caratteri, lettere e cifre).", "cup")
    if not _CUP.match(cup):
        detail = (
            f"ha {len(cup)} caratteri"
            if len(cup) != 15
            else "contiene caratteri che non sono lettere o cifre"
        )
        raise DomainError(
            f"CUP non valido «{text}»: {detail}. Il CUP ha 15 caratteri, lettere e cifre "
            "(es. E21B22000310006).",
            "cup",
        )
    return cup


def normalize_area_code(text: str) -> str:
    code = str(text).strip().upper()
    if not _AREA_CODE.match(code):
        raise DomainError(
            f"Codice area non valido «{text}»: lettere, cifre, «-» o «_», al massimo 20.",
            "area",
        )
    return code


def normalize_ente_code(text: str) -> str:
    """The code of an Unione or Comunità Montana: 6 letters and digits starting with a
    letter (it shares the table of the Comuni, whose ISTAT codes are 6 digits; UTS... is
    kept for the Province)."""
    code = str(text).strip().upper()
    if not _ENTE_CODE.match(code) or code.startswith("UTS"):
        raise DomainError(
            f"Codice ente non valido «{text}»: 6 caratteri, lettere e cifre, il primo una "
            "lettera (es. UCBREM); UTS... è riservato alle Province.",
            "ente",
        )
    return code


def parse_amount(value: object, field_name: str = "importo") -> int:
    """An amount in euro -> integer cents. Accepts Italian ("1.234.567,89"), plain
    ("1234567.89") and spreadsheet numbers; refuses negatives, more than two decimals
    and anything else with an Italian message."""
    if isinstance(value, bool):
        raise DomainError(f"Importo non valido «{value}».", field_name)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raw = str(value).strip().replace("€", "").replace("EUR", "").replace(" ", "")
        raw = raw.replace("\u00a0", "").replace("'", "")
        if not raw:
            raise DomainError("Manca l'importo.", field_name)
        number = _decimal(raw, str(value), field_name)
    if number < 0:
        raise DomainError(f"Importo negativo «{value}»: indica un importo positivo.", field_name)
    cents = number * 100
    if cents != cents.to_integral_value():
        raise DomainError(
            f"Importo «{value}» con più di due decimali: gli importi sono in euro e centesimi.",
            field_name,
        )
    if cents > MAX_CENTS:
        raise DomainError(f"Importo fuori misura «{value}».", field_name)
    return int(cents)


def _decimal(raw: str, shown: str, field_name: str) -> Decimal:
    bad = DomainError(
        f"Importo non valido «{shown}»: scrivi per esempio 1.234.567,89 oppure 1234567.89.",
        field_name,
    )
    if not re.fullmatch(r"[+-]?[\d.,]+", raw):
        raise bad
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:
        decimal_sep = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        whole, _, frac = raw.rpartition(decimal_sep)
        if decimal_sep in whole or not re.fullmatch(
            r"[+-]?\d{1,3}(" + re.escape(thousands) + r"\d{3})*", whole
        ):
            raise bad
        text = whole.replace(thousands, "") + "." + frac
    elif dots > 1 or commas > 1:
        sep = "." if dots else ","
        if not re.fullmatch(r"[+-]?\d{1,3}(" + re.escape(sep) + r"\d{3})+", raw):
            raise bad
        text = raw.replace(sep, "")
    elif dots == 1 or commas == 1:
        sep = "." if dots else ","
        whole, _, frac = raw.partition(sep)
        # "1.234" is Italian for one thousand two hundred and thirty-four; "1,234" too
        # in English: three digits after a single separator are thousands.
        text = whole + frac if len(frac) == 3 and whole.lstrip("+-") else whole + "." + frac
    else:
        text = raw
    try:
        return Decimal(text)
    except InvalidOperation:
        raise bad from None


def parse_status(text: str) -> str:
    key = re.sub(r"\s+", " ", str(text).strip().lower().replace("_", " "))
    found = _STATUS_WORDS.get(key)
    if found is None:
        raise DomainError(
            f"Stato dell'intervento non valido «{text}»: usa {', '.join(STATUSES)}.", "stato"
        )
    return found


def parse_phase(text: str) -> str:
    key = str(text).strip().lower().replace(" ", "_").replace("à", "a")
    if key in PHASES:
        return key
    for code, label in PHASES.items():
        if label.lower() == str(text).strip().lower():
            return code
    raise DomainError(f"Fase sconosciuta «{text}»: usa {', '.join(PHASES)}.", "fase")


def parse_source(text: str) -> str:
    key = str(text).strip()
    for code, label in FUNDING_SOURCES.items():
        if key.lower() in (code.lower(), label.lower()):
            return code
    raise DomainError(
        f"Fonte di finanziamento sconosciuta «{text}»: usa {', '.join(FUNDING_SOURCES)}.", "fonte"
    )


# --- formatting ---------------------------------------------------------------------------------
def euro(cents: int) -> str:
    """1234567 -> "12.345,67 €" (Italian)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{rest:02d} €"


def euro_plain(cents: int) -> str:
    """1234567 -> "12345.67" (exports: a machine-readable amount)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def percent(part: int, whole: int) -> float | None:
    """part / whole in %, one decimal; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return round(part * 100 / whole, 1)


def percent_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%".replace(".", ",")


# --- records ------------------------------------------------------------------------------------
@dataclass(slots=True)
class Area:
    code: str
    name: str
    kind: str
    lead_comune: str | None = None
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Ente:
    code: str
    kind: str
    name: str
    province: str = ""
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Funding:
    source: str
    amount_cents: int

    @property
    def label(self) -> str:
        return FUNDING_SOURCES.get(self.source, self.source)


@dataclass(slots=True)
class Phase:
    phase: str
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None

    @property
    def label(self) -> str:
        return PHASES.get(self.phase, self.phase)

    def days_late(self, on: date) -> int:
        """Days behind the planned end: still open after it, or closed after it."""
        if self.planned_end is None:
            return 0
        end = self.actual_end
        if end is None:
            return max(0, (on - self.planned_end).days)
        return max(0, (end - self.planned_end).days)


@dataclass(slots=True)
class Snapshot:
    ref_date: date
    committed_cents: int
    paid_cents: int
    total_cents: int | None = None
    achieved: float | None = None
    status: str | None = None
    source: str = ""


@dataclass(slots=True)
class Intervention:
    id: str
    cup: str
    title: str
    area_code: str
    status: str = "non avviato"
    total_cents: int = 0
    comuni: list[str] = field(default_factory=list)
    ente_code: str | None = None
    theme: str = ""
    indicator: str = ""
    unit: str = ""
    target: float | None = None
    start_on: date | None = None
    end_planned_on: date | None = None
    end_actual_on: date | None = None
    notes: str = ""
    funding: list[Funding] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)

    def latest(self, on: date | None = None) -> Snapshot | None:
        """The snapshot in force on a date (the last with ref_date <= on)."""
        chosen = None
        for s in sorted(self.snapshots, key=lambda s: s.ref_date):
            if on is None or s.ref_date <= on:
                chosen = s
        return chosen

    def late_phases(self, on: date) -> list[Phase]:
        return [p for p in self.phases if p.days_late(on) > 0]


@dataclass(slots=True)
class InterventionRow:
    """One line of a list of interventions, with the figures in force on a date."""

    id: str
    cup: str
    title: str
    area_code: str
    status: str
    programmed_cents: int
    committed_cents: int
    paid_cents: int
    ref_date: date | None
    late_phases: int
    comuni: list[str] = field(default_factory=list)
    ente_code: str | None = None

    @property
    def paid_percent(self) -> float | None:
        return percent(self.paid_cents, self.programmed_cents)


@dataclass(slots=True)
class AreaSummary:
    """An area's figures on a date: sums of its interventions' rows, to the cent."""

    area: Area
    interventions: int
    programmed_cents: int
    committed_cents: int
    paid_cents: int
    by_status: dict[str, int]
    late_phases: int

    @property
    def committed_percent(self) -> float | None:
        return percent(self.committed_cents, self.programmed_cents)

    @property
    def paid_percent(self) -> float | None:
        return percent(self.paid_cents, self.programmed_cents)

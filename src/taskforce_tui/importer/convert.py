"""One cell to one typed value, the way Italian spreadsheets write them.

Dates arrive as real spreadsheet dates, as Excel serial numbers (a date column left in
"General" format, or a CSV exported from one), or as text: DD/MM/YYYY (also with - or
., two-digit years, a time after it) or ISO. Numbers use the decimal comma and the
thousands dot. Every refusal is a `CellError` whose reason is Italian and says what
is wrong with the value.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, parse_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.text import normalize
from taskforce_tui.importer.files import Formula

#: Excel's day zero (serial 1 = 1900-01-01, with Lotus' phantom 29 February before March).
_EXCEL_EPOCH: Final = date(1899, 12, 30)
#: Serial numbers accepted as dates: 1950-01-01 .. 2099-12-31. A smaller or larger
#: number in a date column is a number in the wrong column, not a date.
_SERIAL_MIN: Final = (date(1950, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_MAX: Final = (date(2099, 12, 31) - _EXCEL_EPOCH).days
MAX_PROTOCOL_CHARS: Final = 100
MAX_TEXT_CHARS: Final = 10_000

_EXCEL_ERROR = re.compile(
    r"^#(N/?[AD]|VALU?E!?|VALORE!?|DIV/0!?|RIF!?|REF!?|NOME\??|NAME\??|NUM!?|NULLO?!?)"
)
_INTEGER = re.compile(r"^[+]?\d+$")
_THOUSANDS = re.compile(r"^[+]?\d{1,3}(\.\d{3})+(,\d+)?$")
_DECIMAL = re.compile(r"^[+]?\d+([.,]\d+)?$")
_DAYS_SUFFIX = re.compile(r"\s*(gg|giorni|gg\.|g)$", re.IGNORECASE)


class CellError(Exception):
    """A cell whose value cannot be used; `reason` is Italian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def display(value: Any) -> str:
    """A cell as the user would recognise it in a list of rejected rows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VERO" if value else "FALSO"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return format_date(value.date())
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float):
        shown = repr(value)
        return shown[:-2] if shown.endswith(".0") else shown.replace(".", ",")
    if isinstance(value, Formula):
        return value.text
    shown = str(value).replace("\r\n", "\n").replace("\n", " ").strip()
    return shown if len(shown) <= 80 else shown[:79] + "…"


def _check_excel_error(value: Any) -> None:
    # Every Excel error starts with "#": the regex runs only for those (600,000 cells
    # in a 50,000-row import).
    if isinstance(value, str) and "#" in value and _EXCEL_ERROR.match(value.strip().upper()):
        raise CellError("la cella contiene un errore di Excel: correggi il valore nel file")


def text(value: Any, *, limit: int = MAX_TEXT_CHARS) -> str:
    """Any cell as text: whole numbers without ".0", dates as DD/MM/YYYY."""
    _check_excel_error(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        out = "sì" if value else "no"
    elif isinstance(value, float) and value.is_integer():
        out = str(int(value))
    elif isinstance(value, datetime):
        out = display(value)
    elif isinstance(value, date):
        out = format_date(value)
    else:
        out = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(out) > limit:
        raise CellError(f"testo troppo lungo ({len(out)} caratteri, al massimo {limit})")
    return out


def day(value: Any) -> date | None:
    """A date from a real date cell, an Excel serial, DD/MM/YYYY or ISO text; None if blank."""
    _check_excel_error(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise CellError("la cella contiene un orario, non una data")
    if isinstance(value, bool):
        raise CellError("la cella contiene VERO/FALSO, non una data")
    if isinstance(value, int | float):
        return _serial(value)
    raw = str(value).strip()
    if not raw:
        return None
    if raw.isdigit() and len(raw) == 5:
        return _serial(int(raw))
    first = raw.split()[0] if " " in raw and ":" in raw else raw
    try:
        return parse_date(first)
    except DomainError:
        raise CellError(
            "data non valida: usa GG/MM/AAAA (es. 15/03/2025), AAAA-MM-GG o una cella di tipo data"
        ) from None


def _serial(number: float) -> date:
    if not float(number).is_integer() and number > 0:
        number = int(number)  # a date-time serial: keep the day
    if not _SERIAL_MIN <= number <= _SERIAL_MAX:
        raise CellError(
            f"il numero {display(number)} non è una data plausibile (come numero seriale di "
            "Excel sarebbe prima del 1950 o dopo il 2099)"
        )
    return _EXCEL_EPOCH + timedelta(days=int(number))


def whole_number(value: Any) -> int | None:
    """A whole number of days, decimal comma and thousands dot accepted ("90", "90,0",
    "1.200"). A negative one is refused as such (a legal term is never negative)."""
    _check_excel_error(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("la cella contiene VERO/FALSO, non un numero")
    if isinstance(value, int | float) and value < 0:
        raise _negative(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"{display(value)} non è un numero intero di giorni")
    if isinstance(value, date | time):
        raise CellError("la cella contiene una data, non un numero di giorni")
    raw = _DAYS_SUFFIX.sub("", str(value).strip().replace("\u00a0", "").replace(" ", ""))
    if not raw:
        return None
    negative = raw[0] in "-\u2212"  # a hyphen, or the minus sign of a word processor
    if negative:
        raw = raw[1:]
    number: float | None = None
    if _INTEGER.match(raw):
        number = int(raw)
    else:
        if _THOUSANDS.match(raw):
            raw = raw.replace(".", "")
        if _DECIMAL.match(raw):
            number = float(raw.replace(",", "."))
    if number is None:
        raise CellError(f"«{display(value)}» non è un numero")
    if negative and number:
        raise _negative(value)
    if not float(number).is_integer():
        raise CellError(f"«{display(value)}» non è un numero intero di giorni")
    return int(number)


def _negative(value: Any) -> CellError:
    return CellError(
        f"Termine negativo: «{display(value)}». Il termine di legge è un numero di giorni "
        "maggiore di zero"
    )


_TRUE = {"si", "s", "x", "vero", "true", "yes", "y", "1", "ok", "con cds", "si cds"}
_FALSE = {"no", "n", "falso", "false", "0", "", "senza", "nessuna"}


def yes_no(value: Any) -> bool:
    """A yes/no cell ("sì", "x", "VERO", 1...); blank is no."""
    _check_excel_error(value)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = _word_key(str(value))
    if not key or key in _FALSE:
        return False
    if key in _TRUE:
        return True
    raise CellError(f"«{display(value)}» non è sì o no (valori ammessi: sì, no, x, vuoto)")


def _vocabulary(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_word_key(word): code for code, words in groups.items() for word in words}


@lru_cache(maxsize=4096)
def _word_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", normalize(text)).split())


_STATUSES: Final = _vocabulary(
    {
        vocab.APERTA: (
            "aperta",
            "aperto",
            "in corso",
            "in istruttoria",
            "istruttoria",
            "avviata",
            "avviato",
            "in lavorazione",
            "da istruire",
            "attiva",
            "pendente",
            "in attesa",
        ),
        vocab.SOSPESA: ("sospesa", "sospeso", "in sospensione", "sospensione"),
        vocab.CONCLUSA: (
            "conclusa",
            "concluso",
            "chiusa",
            "chiuso",
            "evasa",
            "evaso",
            "definita",
            "definito",
            "terminata",
            "completata",
        ),
        vocab.ARCHIVIATA: ("archiviata", "archiviato", "archiviazione"),
    }
)

_OUTCOMES: Final = _vocabulary(
    {
        vocab.FAVOREVOLE: (
            "favorevole",
            "espresso favorevole",
            "positivo",
            "positiva",
            "esito positivo",
            "accolta",
            "accolto",
            "rilasciato",
            "rilasciata",
            "approvato",
            "approvata",
            "autorizzato",
            "autorizzata",
        ),
        vocab.SFAVOREVOLE: (
            "sfavorevole",
            "espresso sfavorevole",
            "non favorevole",
            "negativo",
            "negativa",
            "esito negativo",
            "respinta",
            "respinto",
            "diniego",
            "rigettata",
            "rigettato",
            "non accolta",
        ),
        vocab.SILENZIO_ASSENSO: (
            "silenzio assenso",
            "silenzio-assenso",
            "silenzio_assenso",
            "tacito assenso",
            "silenzio assenso formato",
        ),
        vocab.OUTCOME_ARCHIVIATA: (
            "archiviata",
            "archiviato",
            "archiviazione",
            "ritirata",
            "rinuncia",
            "improcedibile",
            "decaduta",
        ),
    }
)


def status(value: Any) -> str | None:
    """A practice status from the usual words ("in istruttoria", "evasa"...); None if blank."""
    raw = text(value)
    if not raw:
        return None
    found = _STATUSES.get(_word_key(raw))
    if found is None:
        raise CellError(
            f"stato «{display(value)}» sconosciuto: usa aperta, sospesa, conclusa o archiviata"
        )
    return found


def outcome(value: Any) -> str | None:
    """An outcome from the usual words ("positivo", "diniego", "silenzio assenso"...)."""
    raw = text(value)
    if not raw:
        return None
    found = _OUTCOMES.get(_word_key(raw))
    if found is None:
        raise CellError(
            f"esito «{display(value)}» sconosciuto: usa favorevole, sfavorevole, "
            "silenzio-assenso o archiviata"
        )
    return found

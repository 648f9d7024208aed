"""The coordinator's two spreadsheets: experts and assignments (CSV or XLSX).

Experts (one row per expert; headers case-insensitive, Italian or English):
    nome | name          full name (required)
    email                 the expert's email, their identity when joining (required)
    ambiti                ambito codes separated by `,` or `;` (optional)

Assignments (one row per expert and Comune):
    email                 the expert's email (required, must be in the experts file)
    comune                ISTAT code or name of the Comune (required; `Nome (BG)` for homonyms)
    ambito                ambito code (optional)
    dal | from            first day, AAAA-MM-GG or GG/MM/AAAA (optional)
    al | to               last day (optional)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from taskforce_tui.domain.dates import parse_date
from taskforce_tui.domain.errors import DomainError

MAX_FILE_BYTES = 20 * 1024 * 1024

_ALIASES = {
    "nome": "name",
    "name": "name",
    "nome e cognome": "name",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "ambiti": "ambiti",
    "ambito": "ambito",
    "comune": "comune",
    "codice istat": "comune",
    "istat": "comune",
    "dal": "from",
    "da": "from",
    "from": "from",
    "inizio": "from",
    "al": "to",
    "a": "to",
    "to": "to",
    "fine": "to",
}


@dataclass(frozen=True, slots=True)
class ExpertRow:
    name: str
    email: str
    ambiti: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    email: str
    comune: str
    ambito: str | None
    valid_from: date | None
    valid_to: date | None
    line: int


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV (comma or semicolon, UTF-8 or Windows-1252) or XLSX file, keyed by
    the canonical column names; the row's line number is under "_line"."""
    if not path.is_file():
        raise DomainError(f"File non trovato: {path}.", "file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DomainError(f"{path.name} è troppo grande (massimo 20 MB).", "file")
    raw = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    if not raw:
        raise DomainError(f"{path.name} è vuoto: serve una riga di intestazione.", "file")
    header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in raw[0]]
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        row["_line"] = str(number)
        rows.append(row)
    return rows


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[str]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise DomainError("Per leggere file XLSX serve openpyxl: salva il file come CSV.") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a bad file
        raise DomainError(f"{path.name} non è un file XLSX leggibile ({exc}).", "file") from None
    try:
        sheet = book.worksheets[0]
        out = []
        for values in sheet.iter_rows(values_only=True):
            out.append([_cell(v) for v in values])
        return out
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_experts(path: Path) -> list[ExpertRow]:
    from taskforce_tui.store.experts import EMAIL

    rows = read_table(path)
    out: list[ExpertRow] = []
    seen: set[str] = set()
    for row in rows:
        where = f"{path.name}, riga {row['_line']}"
        if "email" not in row or "name" not in row:
            raise DomainError(
                f"{path.name}: servono le colonne «nome» ed «email» (trovate: "
                f"{', '.join(k for k in row if k != '_line')}).",
                "esperti",
            )
        name, email = row["name"], row["email"].lower()
        if not name:
            raise DomainError(f"{where}: manca il nome.", "esperti")
        if not EMAIL.match(email):
            raise DomainError(f"{where}: email non valida «{row['email']}».", "esperti")
        if email in seen:
            raise DomainError(f"{where}: email ripetuta «{email}».", "esperti")
        seen.add(email)
        ambiti = tuple(a.strip() for a in row.get("ambiti", "").replace(";", ",").split(","))
        out.append(ExpertRow(name, email, tuple(a for a in ambiti if a)))
    if not out:
        raise DomainError(f"{path.name}: nessun esperto.", "esperti")
    return out


def read_assignments(path: Path) -> list[AssignmentRow]:
    rows = read_table(path)
    out: list[AssignmentRow] = []
    for row in rows:
        where = f"{path.name}, riga {row['_line']}"
        if "email" not in row or "comune" not in row:
            raise DomainError(
                f"{path.name}: servono le colonne «email» e «comune» (trovate: "
                f"{', '.join(k for k in row if k != '_line')}).",
                "assegnazioni",
            )
        if not row["email"] or not row["comune"]:
            raise DomainError(f"{where}: servono email e Comune.", "assegnazioni")
        try:
            start = parse_date(row["from"]) if row.get("from") else None
            end = parse_date(row["to"]) if row.get("to") else None
        except DomainError as exc:
            raise DomainError(f"{where}: {exc.message}", "assegnazioni") from None
        if start and end and end < start:
            raise DomainError(f"{where}: la data di fine precede l'inizio.", "assegnazioni")
        out.append(
            AssignmentRow(
                row["email"].lower(),
                row["comune"],
                row.get("ambito") or None,
                start,
                end,
                int(row["_line"]),
            )
        )
    return out

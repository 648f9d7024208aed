"""The coordinator's two spreadsheets: experts and assignments (CSV or XLSX).

Experts (one row per expert; headers case-insensitive, Italian or English):
    nome | name          full name (required)
    email                 the expert's email, their identity when joining (required)
    ambiti                ambito codes separated by `,` or `;` (optional)

Assignments (one row per expert and Comune, or per expert and Aree Interne area):
    email                 the expert's email (required, must be in the experts file)
    comune                ISTAT code or name of the Comune (`Nome (BG)` for homonyms)
    area                  code of an Aree Interne area (a row needs a Comune, an area or both)
    ambito                ambito code (optional)
    dal | from            first day, AAAA-MM-GG or GG/MM/AAAA (optional)
    al | to               last day (optional)

Aree Interne (one row per area; the file is the full list):
    codice                the area's code (required)
    nome                  its name (required)
    tipo                  snai (national strategy) or regionale (required)
    capofila              the lead Comune (optional)
    comuni                member Comuni, ISTAT codes or names separated by `,` or `;`

Unioni and Comunità Montane (one row per ente; the file is the full list):
    codice                the ente's code: 6 letters and digits, the first a letter (required)
    nome                  its name (required)
    tipo                  unione or comunità montana (required)
    comuni                member Comuni, as for the areas
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
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
    "codice": "code",
    "codice area": "code",
    "codice ente": "code",
    "tipo": "kind",
    "capofila": "lead",
    "comune capofila": "lead",
    "comuni": "members",
    "comuni membri": "members",
    "area interna": "area",
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
    area: str | None = None


@dataclass(frozen=True, slots=True)
class AreaRow:
    code: str
    name: str
    kind: str
    lead: str | None
    members: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class EnteRow:
    code: str
    name: str
    kind: str
    members: tuple[str, ...]
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
        if "email" not in row or ("comune" not in row and "area" not in row):
            raise DomainError(
                f"{path.name}: servono le colonne «email» e «comune» (o «area») (trovate: "
                f"{', '.join(k for k in row if k != '_line')}).",
                "assegnazioni",
            )
        if not row["email"] or not (row.get("comune") or row.get("area")):
            raise DomainError(f"{where}: servono email e Comune (o area).", "assegnazioni")
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
                row.get("comune", ""),
                row.get("ambito") or None,
                start,
                end,
                int(row["_line"]),
                row.get("area", "").upper() or None,
            )
        )
    return out


def _members(text: str) -> tuple[str, ...]:
    parts = (p.strip() for p in text.replace(";", ",").split(","))
    return tuple(p for p in parts if p)


def _required(path: Path, rows: list[dict[str, str]], what: str, names: dict[str, str]) -> None:
    for row in rows[:1]:
        missing = [label for key, label in names.items() if key not in row]
        if missing:
            raise DomainError(
                f"{path.name}: mancano le colonne {', '.join(missing)} (trovate: "
                f"{', '.join(k for k in row if k != '_line')}).",
                what,
            )


def _coded(
    path: Path,
    rows: list[dict[str, str]],
    normalize: Callable[[str], str],
    what: str,
    label: str,
) -> Iterator[tuple[dict[str, str], str, str]]:
    """Each row of a file of coded reference data (areas, enti) with where it is and its
    code, checked: a valid code, not repeated, and a name."""
    seen: set[str] = set()
    for row in rows:
        where = f"{path.name}, riga {row['_line']}"
        try:
            code = normalize(row["code"])
        except DomainError as exc:
            raise DomainError(f"{where}: {exc.message}", what) from None
        if code in seen:
            raise DomainError(f"{where}: codice {label} ripetuto «{code}».", what)
        seen.add(code)
        if not row["name"]:
            raise DomainError(f"{where}: manca il nome dell'{label}.", what)
        yield row, where, code


def read_areas(path: Path) -> list[AreaRow]:
    from taskforce_tui.domain import aree

    rows = read_table(path)
    _required(path, rows, "aree", {"code": "«codice»", "name": "«nome»", "kind": "«tipo»"})
    out: list[AreaRow] = []
    for row, where, code in _coded(path, rows, aree.normalize_area_code, "aree", "area"):
        kind = row["kind"].strip().lower()
        kind = {"nazionale": "snai", "snai": "snai", "regionale": "regionale"}.get(kind, "")
        if not kind:
            raise DomainError(
                f"{where}: tipo «{row['kind']}» non valido: snai (nazionale) o regionale.", "aree"
            )
        out.append(
            AreaRow(
                code,
                row["name"],
                kind,
                row.get("lead") or None,
                _members(row.get("members", "")),
                int(row["_line"]),
            )
        )
    if not out:
        raise DomainError(f"{path.name}: nessuna area.", "aree")
    return out


def read_enti(path: Path) -> list[EnteRow]:
    from taskforce_tui.domain import aree

    rows = read_table(path)
    _required(path, rows, "enti", {"code": "«codice»", "name": "«nome»", "kind": "«tipo»"})
    out: list[EnteRow] = []
    for row, where, code in _coded(path, rows, aree.normalize_ente_code, "enti", "ente"):
        words = row["kind"].strip().lower().replace("à", "a")
        kind = (
            "unione"
            if words.startswith("unione")
            else "comunita_montana"
            if words.startswith("comunita")
            else ""
        )
        if not kind:
            raise DomainError(
                f"{where}: tipo «{row['kind']}» non valido: unione o comunità montana.", "enti"
            )
        out.append(
            EnteRow(code, row["name"], kind, _members(row.get("members", "")), int(row["_line"]))
        )
    return out

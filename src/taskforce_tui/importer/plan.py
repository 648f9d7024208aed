"""From rows of cells to a plan: new, updated, unchanged and rejected practices.

Two pure steps:

* `read_rows` turns each data row into the practice fields it carries, resolving the
  Comune and the procedure type, and explains every cell it cannot use;
* `make_plan` matches each row to the practice it updates - by Comune, type and
  protocol number, also as they were when last imported - and compares, field by field,
  three values: the file's, the app's and the one last imported (the "base"):

  - file = app: nothing to do;
  - file = base: the file did not change it, so an edit made in the app stays;
  - app = base: the app did not change it, so the file's new value is taken;
  - otherwise the practice was edited in the app since the last import (or never
    imported) and the file says something else: a `Conflict` the user decides
    (by default the app's value is kept).

  Status, conclusion date, outcome and suspensions move together (the workflow
  fields): they are compared and taken as one unit, so a choice can never mix the
  app's conclusion with the file's open suspension. The resulting practice is validated
  by the domain's own `check_consistency`, the rule every write in the app obeys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.practice import check_consistency
from taskforce_tui.domain.records import Comune, Practice, ProcedureType, Suspension
from taskforce_tui.importer import convert
from taskforce_tui.importer.columns import Header, Mapping
from taskforce_tui.importer.convert import CellError
from taskforce_tui.importer.files import Formula

Key = tuple[str, str, str]  # (comune_code, procedure_type, protocol_no)

#: Merge units: a plain field, or the workflow fields that move together.
WORKFLOW: Final = "workflow"
WORKFLOW_FIELDS: Final = ("status", "concluded_on", "outcome", "suspensions")
PLAIN_FIELDS: Final = (
    "received_on",
    "legal_term_days",
    "service_conference",
    "subject",
    "notes",
    "ambito",
)
UNIT_LABELS: Final = {
    "received_on": "Data avvio",
    "legal_term_days": "Termine (gg)",
    "service_conference": "Conferenza di servizi",
    "subject": "Oggetto",
    "notes": "Note",
    "ambito": "Ambito",
    WORKFLOW: "Stato, conclusione e sospensioni",
}
#: Domain error fields -> the import field whose column shows the value at fault.
_ERROR_COLUMNS: Final = {
    "protocol_no": "protocollo",
    "procedure_type": "tipo",
    "received_on": "avvio",
    "legal_term_days": "termine",
    "status": "stato",
    "concluded_on": "conclusione",
    "outcome": "esito",
    "start_on": "sospensione_dal",
    "end_on": "sospensione_al",
    "comune": "comune",
    "ambito": "ambito",
}
_SUSPENSION_PAIRS: Final = (
    ("sospensione_dal", "sospensione_al"),
    ("sospensione2_dal", "sospensione2_al"),
    ("sospensione3_dal", "sospensione3_al"),
)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that will not be imported, and why (Italian)."""

    row: int
    column: str  # the column as the user sees it, "" for the whole row
    value: str
    reason: str


@dataclass(slots=True)
class FileRow:
    """One valid-looking data row: its key and the practice fields it carries."""

    row: int
    key: Key
    values: dict[str, Any]  # practice field -> value (only fields the file has)
    cells: dict[str, Any] = field(default_factory=dict)  # import field -> raw cell

    def shown(self, fld: str) -> str:
        return convert.display(self.cells.get(fld))


@dataclass(slots=True)
class Lookups:
    """What rows are resolved against (built from the store by the service)."""

    resolve_comune: Callable[[str], Comune]  # by ISTAT code or name; raises DomainError
    resolve_type: Callable[[str], ProcedureType]  # by code or name; raises DomainError
    ambiti: dict[str, str]
    assigned: set[str] | None  # the expert's Comuni (None = no restriction)
    default_comune: Comune | None
    today: date
    expert_id: str | None = None


# --- step 1: rows of cells -> file rows --------------------------------------------------
#: Why a row with a formula in a column being imported is rejected: the importer reads
#: values and never computes a formula (a formula in a column not imported is ignored).
FORMULA_REASON: Final = (
    "la cella contiene una formula e l'importazione legge solo valori: in Excel o "
    "LibreOffice copia la colonna e usa «Incolla speciale > Valori», poi salva e riprova"
)


def read_rows(
    rows: list[tuple[int, list[Any]]],
    header: Header,
    mapping: Mapping,
    lookups: Lookups,
    progress: Callable[[float], None] | None = None,
) -> tuple[list[FileRow], list[Rejection]]:
    """Convert every data row; a row with any bad cell is rejected, each cell explained
    (a formula in a column being imported too: FORMULA_REASON)."""
    reader = _RowReader(header, mapping, lookups)
    good: list[FileRow] = []
    rejected: list[Rejection] = []
    seen: dict[Key, int] = {}
    data = rows[header.data_start :]
    titles = [t or None for t in header.titles]
    for n, (number, cells) in enumerate(data):
        if progress is not None and n % 2000 == 0:
            progress(n / max(len(data), 1))
        if _is_header_copy(cells, titles):
            rejected.append(Rejection(number, "", "", "riga di intestazione ripetuta: ignorata"))
            continue
        result = reader.read(number, cells)
        if isinstance(result, list):
            rejected.extend(result)
            continue
        first = seen.get(result.key)
        if first is not None:
            rejected.append(
                Rejection(
                    number,
                    mapping.column_name(mapping.index_of("protocollo") or 0),
                    result.key[2],
                    f"pratica ripetuta: stessi Comune, tipo e protocollo della riga {first}",
                )
            )
            continue
        seen[result.key] = number
        good.append(result)
    return good, rejected


def _is_header_copy(cells: list[Any], titles: list[str | None]) -> bool:
    """A header printed again further down (a file made of pasted pages)."""
    if not cells or not isinstance(cells[0], str) or cells[0].strip() != (titles[0] or ""):
        return False
    return [c.strip() if isinstance(c, str) else c for c in cells] == titles[: len(cells)]


class _RowReader:
    def __init__(self, header: Header, mapping: Mapping, lookups: Lookups) -> None:
        self.mapping = mapping
        self.lookups = lookups
        self.columns = {f: i for i, f in enumerate(mapping.columns) if f}
        self._comuni: dict[str, Comune | str] = {}
        self._types: dict[str, ProcedureType | str] = {}

    def _cell(self, cells: list[Any], fld: str) -> Any:
        index = self.columns.get(fld)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def _column(self, fld: str) -> str:
        index = self.columns.get(fld)
        return "" if index is None else self.mapping.column_name(index)

    def _comune(self, text: str) -> Comune | str:
        if text not in self._comuni:
            try:
                self._comuni[text] = self.lookups.resolve_comune(text)
            except DomainError as exc:
                self._comuni[text] = exc.message
        return self._comuni[text]

    def _type(self, text: str) -> ProcedureType | str:
        if text not in self._types:
            try:
                self._types[text] = self.lookups.resolve_type(text)
            except DomainError as exc:
                self._types[text] = exc.message
        return self._types[text]

    def read(self, number: int, cells: list[Any]) -> FileRow | list[Rejection]:
        errors: list[Rejection] = []
        raw_cells: dict[str, Any] = {}

        def get(fld: str, convert_fn: Callable[[Any], Any]) -> Any:
            raw = self._cell(cells, fld)
            raw_cells[fld] = raw
            if isinstance(raw, Formula):
                errors.append(Rejection(number, self._column(fld), raw.text, FORMULA_REASON))
                return MISSING
            try:
                return convert_fn(raw)
            except CellError as exc:
                errors.append(
                    Rejection(number, self._column(fld), convert.display(raw), exc.reason)
                )
                return MISSING

        if all(
            self._cell(cells, f) is None or not str(self._cell(cells, f)).strip()
            for f in self.columns
        ):
            return [Rejection(number, "", "", "la riga non ha valori nelle colonne da importare")]
        values: dict[str, Any] = {}
        comune = self._read_comune(number, cells, get, errors)
        type_text = get("tipo", convert.text)
        ptype: ProcedureType | None = None
        if isinstance(type_text, str):
            if not type_text:
                errors.append(
                    Rejection(number, self._column("tipo"), "", "manca il tipo di procedimento")
                )
            else:
                found_type = self._type(type_text)
                if isinstance(found_type, str):
                    errors.append(Rejection(number, self._column("tipo"), type_text, found_type))
                else:
                    ptype = found_type
        protocol = get("protocollo", lambda v: convert.text(v, limit=convert.MAX_PROTOCOL_CHARS))
        if protocol == "":
            errors.append(
                Rejection(number, self._column("protocollo"), "", "manca il numero di protocollo")
            )
        received = get("avvio", convert.day)
        if received is None:
            errors.append(Rejection(number, self._column("avvio"), "", "manca la data di avvio"))
        values["received_on"] = received
        if "termine" in self.columns:
            term = get("termine", convert.whole_number)
            if term is not None:
                values["legal_term_days"] = term
        if "conferenza" in self.columns:
            values["service_conference"] = get("conferenza", convert.yes_no)
        if "oggetto" in self.columns:
            values["subject"] = get("oggetto", convert.text)
        if "note" in self.columns:
            values["notes"] = get("note", convert.text)
        if "ambito" in self.columns:
            ambito_text = get("ambito", convert.text)
            if ambito_text:
                try:
                    values["ambito"] = vocab.choose(
                        ambito_text, self.lookups.ambiti, "Ambito", "ambito"
                    )
                except DomainError as exc:
                    errors.append(
                        Rejection(number, self._column("ambito"), ambito_text, exc.message)
                    )
        self._read_workflow(number, get, values, errors)
        if errors or comune is None or ptype is None:
            return errors or [Rejection(number, "", "", "riga incompleta")]
        key = (comune.istat_code, ptype.code, str(protocol))
        return FileRow(number, key, values, raw_cells)

    def _read_comune(
        self,
        number: int,
        cells: list[Any],
        get: Callable[[str, Callable[[Any], Any]], Any],
        errors: list[Rejection],
    ) -> Comune | None:
        found: Comune | None = None
        for fld in ("istat", "comune"):
            if fld not in self.columns:
                continue
            raw = get(fld, convert.text)
            if not isinstance(raw, str) or not raw:
                continue
            ente_code = len(raw.strip()) == 6 and raw.strip()[:1].isalpha()
            if fld == "istat" and not ente_code:  # (an ente's code: UTS016, an Unione's)
                digits = raw.strip()
                if not digits.isdigit() or len(digits) > 6:
                    errors.append(
                        Rejection(
                            number,
                            self._column(fld),
                            raw,
                            "il codice ISTAT è fatto di 6 cifre (es. 016024)",
                        )
                    )
                    return None
                raw = digits.zfill(6)
            comune = self._comune(raw)
            if isinstance(comune, str):
                errors.append(Rejection(number, self._column(fld), raw, comune))
                return None
            if found is not None and comune.istat_code != found.istat_code:
                errors.append(
                    Rejection(
                        number,
                        self._column(fld),
                        raw,
                        f"il Comune non corrisponde al codice ISTAT {found.istat_code} "
                        f"({found.name})",
                    )
                )
                return None
            found = comune
        default = self.lookups.default_comune
        if found is None:
            if default is None:
                errors.append(
                    Rejection(
                        number,
                        self._column("comune") or self._column("istat"),
                        "",
                        "manca il Comune: indica il Comune del file (--comune)",
                    )
                )
            return default
        if default is not None and found.istat_code != default.istat_code:
            errors.append(
                Rejection(
                    number,
                    self._column("istat") or self._column("comune"),
                    found.name,
                    f"la riga è di {found.name}, ma stai importando il file di {default.name}",
                )
            )
            return None
        return found

    def _read_workflow(
        self,
        number: int,
        get: Callable[[str, Callable[[Any], Any]], Any],
        values: dict[str, Any],
        errors: list[Rejection],
    ) -> None:
        has = self.columns.__contains__
        explicit = get("stato", convert.status) if has("stato") else None
        if has("conclusione"):
            values["concluded_on"] = get("conclusione", convert.day)
        if has("esito"):
            values["outcome"] = get("esito", convert.outcome)
        pairs = [p for p in _SUSPENSION_PAIRS if has(p[0]) or has(p[1])]
        if pairs:
            suspensions: list[tuple[date, date | None]] = []
            for start_field, end_field in pairs:
                start = get(start_field, convert.day) if has(start_field) else None
                end = get(end_field, convert.day) if has(end_field) else None
                if start is MISSING or end is MISSING:
                    continue
                if start is None and end is not None:
                    errors.append(
                        Rejection(
                            number,
                            self._column(end_field),
                            convert.display(end),
                            "c'è la fine della sospensione ma manca la data di inizio",
                        )
                    )
                    continue
                if start is not None:
                    suspensions.append((start, end))
            values["suspensions"] = tuple(sorted(suspensions, key=lambda pair: pair[0]))
        if not (has("stato") or has("conclusione") or has("esito") or pairs):
            return
        if explicit is MISSING:
            return
        if explicit is None:
            explicit = _derive_status(values)
        values["status"] = explicit


def _derive_status(values: dict[str, Any]) -> str:
    """The status a row implies when it has no Stato column (or the cell is blank)."""
    if values.get("concluded_on") not in (None, MISSING):
        if values.get("outcome") == vocab.OUTCOME_ARCHIVIATA:
            return vocab.ARCHIVIATA
        return vocab.CONCLUSA
    if any(end is None for _, end in values.get("suspensions") or ()):
        return vocab.SOSPESA
    return vocab.APERTA


# --- step 2: the plan ---------------------------------------------------------------------
@dataclass(slots=True)
class Existing:
    """A practice already in the store, with what was last imported into it."""

    practice: Practice
    version: str  # changes whenever the practice or its suspensions change
    base: dict[str, Any] | None = None  # canonical field values as last imported
    base_key: Key | None = None  # the key the file used, as last imported


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field edited in the app since the last import that the file also changes."""

    row: int
    practice_id: str
    protocol_no: str
    unit: str  # a PLAIN_FIELDS name or WORKFLOW
    app_value: str  # shown in Italian
    file_value: str

    @property
    def label(self) -> str:
        return UNIT_LABELS[self.unit]


@dataclass(slots=True)
class SuspensionOps:
    insert: list[Suspension] = field(default_factory=list)
    update: list[tuple[str, date | None]] = field(default_factory=list)  # (id, end_on)
    delete: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.insert or self.update or self.delete)


@dataclass(slots=True)
class Planned:
    """What the import does with one row."""

    row: int
    kind: str  # "new" | "update" | "unchanged"
    key: Key
    practice: Practice  # as it will be
    changes: dict[str, Any] = field(default_factory=dict)  # practice columns that change
    suspensions: SuspensionOps = field(default_factory=SuspensionOps)
    record: dict[str, Any] = field(default_factory=dict)  # the new base (canonical)
    record_changed: bool = True
    version: str = ""  # the Existing.version the plan was made against
    file_key: Key | None = None


@dataclass(slots=True)
class Plan:
    new: list[Planned] = field(default_factory=list)
    updated: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def has_writes(self) -> bool:
        return bool(self.new or self.updated or any(p.record_changed for p in self.unchanged))

    def counts(self) -> dict[str, int]:
        return {
            "nuove": len(self.new),
            "aggiornate": len(self.updated),
            "invariate": len(self.unchanged),
            "scartate": len({r.row for r in self.rejected}),
            "conflitti": len(self.conflicts),
        }


def canonical(fld: str, value: Any) -> Any:
    """A field value in the JSON-able form kept as the import base."""
    if value is None:
        return None
    if fld == "suspensions":
        return [[s.isoformat(), e.isoformat() if e else None] for s, e in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _app_value(practice: Practice, fld: str) -> Any:
    if fld == "suspensions":
        return tuple(
            sorted(((s.start_on, s.end_on) for s in practice.suspensions), key=lambda p: p[0])
        )
    return getattr(practice, fld)


def _show(fld: str, value: Any) -> str:
    if value is None or value == "":
        return "(vuoto)"
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def show_workflow(values: dict[str, Any]) -> str:
    """The workflow fields in words: "Conclusa il 01/10/2026 (favorevole)"."""
    parts: list[str] = []
    if "status" in values:
        parts.append(vocab.PRACTICE_STATUS_LABELS.get(values["status"], str(values["status"])))
    if values.get("concluded_on") is not None:
        parts.append(f"il {format_date(values['concluded_on'])}")
    if values.get("outcome") is not None:
        parts.append(f"({vocab.OUTCOME_LABELS.get(values['outcome'], values['outcome'])})")
    for start, end in values.get("suspensions") or ():
        parts.append(f"sosp. dal {format_date(start)}" + (f" al {format_date(end)}" if end else ""))
    if "suspensions" in values and not values["suspensions"]:
        parts.append("nessuna sospensione")
    return " ".join(parts) or "(vuoto)"


def make_plan(
    rows: list[FileRow],
    existing: dict[Key, Existing],
    lookups: Lookups,
    mapping: Mapping,
    decisions: dict[tuple[str, str], str] | None = None,
    *,
    new_id: Callable[[], str],
    progress: Callable[[float], None] | None = None,
) -> Plan:
    """Match, compare and validate every row. `decisions[(practice id, unit)]` is "file"
    or "app" (the default) for each conflict."""
    decisions = decisions or {}
    plan = Plan()
    matched: dict[str, int] = {}  # practice id -> the row that updates it
    for n, row in enumerate(rows):
        if progress is not None and n % 2000 == 0:
            progress(n / max(len(rows), 1))
        comune_code = row.key[0]
        if lookups.assigned and comune_code not in lookups.assigned:
            comune = lookups.resolve_comune(comune_code)
            plan.rejected.append(
                Rejection(
                    row.row,
                    _column_for(mapping, "istat", "comune"),
                    comune.name,
                    f"{comune.name} non è tra i tuoi Comuni assegnati: chiedi l'assegnazione "
                    "alla Segreteria Tecnica",
                )
            )
            continue
        found = existing.get(row.key)
        if found is not None:
            first = matched.setdefault(found.practice.id, row.row)
            if first != row.row:
                plan.rejected.append(
                    Rejection(
                        row.row,
                        _column_for(mapping, "protocollo"),
                        row.key[2],
                        f"aggiorna la stessa pratica della riga {first} (il tipo o il "
                        "protocollo è stato corretto nell'app)",
                    )
                )
                continue
        try:
            if found is None:
                plan.new.append(_plan_new(row, lookups, new_id))
            else:
                planned, conflicts = _plan_update(row, found, lookups, decisions, new_id)
                plan.conflicts.extend(conflicts)
                (plan.updated if planned.kind == "update" else plan.unchanged).append(planned)
        except DomainError as exc:
            fld = _ERROR_COLUMNS.get(exc.field or "", "")
            if fld == "comune":
                fld = "istat" if mapping.index_of("istat") is not None else "comune"
            plan.rejected.append(
                Rejection(
                    row.row,
                    _column_for(mapping, fld) if fld else "",
                    row.shown(fld) if fld else "",
                    exc.message,
                )
            )
    plan.rejected.sort(key=lambda r: r.row)
    return plan


def _column_for(mapping: Mapping, *fields: str) -> str:
    for fld in fields:
        index = mapping.index_of(fld)
        if index is not None:
            return mapping.column_name(index)
    return ""


def _record(row: FileRow) -> dict[str, Any]:
    return {f: canonical(f, v) for f, v in row.values.items()}


def _suspensions(practice_id: str, pairs: Any, new_id: Callable[[], str]) -> list[Suspension]:
    return [Suspension(new_id(), practice_id, start, end, "") for start, end in pairs]


def _plan_new(row: FileRow, lookups: Lookups, new_id: Callable[[], str]) -> Planned:
    comune_code, type_code, protocol = row.key
    comune = lookups.resolve_comune(comune_code)
    if not comune.active:
        raise DomainError(
            f"{comune.name} è un Comune soppresso: registra la pratica nel Comune che lo ha "
            "incorporato.",
            "comune",
        )
    ptype = lookups.resolve_type(type_code)
    values = row.values
    practice_id = new_id()
    practice = Practice(
        id=practice_id,
        comune_code=comune_code,
        ambito=values.get("ambito") or ptype.ambito,
        procedure_type=type_code,
        protocol_no=protocol,
        received_on=values["received_on"],
        legal_term_days=values.get("legal_term_days", ptype.legal_term_days),
        status=values.get("status", vocab.APERTA),
        subject=values.get("subject", ""),
        service_conference=values.get("service_conference", False),
        concluded_on=values.get("concluded_on"),
        outcome=values.get("outcome"),
        expert_id=lookups.expert_id,
        notes=values.get("notes", ""),
        suspensions=_suspensions(practice_id, values.get("suspensions", ()), new_id),
    )
    check_consistency(practice, lookups.today)
    return Planned(
        row.row,
        "new",
        row.key,
        practice,
        suspensions=SuspensionOps(insert=list(practice.suspensions)),
        record=_record(row),
        file_key=row.key,
    )


def _plan_update(
    row: FileRow,
    found: Existing,
    lookups: Lookups,
    decisions: dict[tuple[str, str], str],
    new_id: Callable[[], str],
) -> tuple[Planned, list[Conflict]]:
    app = found.practice
    base = found.base
    values = row.values
    take: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    units: list[tuple[str, tuple[str, ...]]] = [(f, (f,)) for f in PLAIN_FIELDS if f in values]
    workflow = tuple(f for f in WORKFLOW_FIELDS if f in values)
    if workflow:
        units.append((WORKFLOW, workflow))
    for unit, fields in units:
        file_v = {f: canonical(f, values[f]) for f in fields}
        app_v = {f: canonical(f, _app_value(app, f)) for f in fields}
        if file_v == app_v:
            continue
        base_v = {f: base.get(f, MISSING) for f in fields} if base is not None else None
        if base_v is not None and MISSING not in base_v.values():
            if file_v == base_v:
                continue  # edited in the app, the file did not change it: keep the app's
            if app_v == base_v:
                take.update({f: values[f] for f in fields})
                continue
        conflicts.append(
            Conflict(
                row.row,
                app.id,
                app.protocol_no,
                unit,
                _describe(unit, {f: _app_value(app, f) for f in fields}),
                _describe(unit, {f: values[f] for f in fields}),
            )
        )
        if decisions.get((app.id, unit)) == "file":
            take.update({f: values[f] for f in fields})
    changes = {f: v for f, v in take.items() if f != "suspensions"}
    after = replace(app, **changes)
    ops = SuspensionOps()
    if "suspensions" in take:
        ops, after.suspensions = _suspension_ops(app, take["suspensions"], new_id)
    check_consistency(after, lookups.today)
    record = _record(row)
    kind = "update" if changes or ops else "unchanged"
    planned = Planned(
        row.row,
        kind,
        (app.comune_code, app.procedure_type, app.protocol_no),
        after,
        changes=changes,
        suspensions=ops,
        record=record,
        record_changed=record != base or found.base_key != row.key,
        version=found.version,
        file_key=row.key,
    )
    return planned, conflicts


def _describe(unit: str, values: dict[str, Any]) -> str:
    if unit == WORKFLOW:
        return show_workflow(values)
    return _show(unit, values[unit])


def _suspension_ops(
    app: Practice, wanted: Any, new_id: Callable[[], str]
) -> tuple[SuspensionOps, list[Suspension]]:
    """Make the app's suspensions equal the file's: match by start date, update the end,
    add the missing ones, tombstone the ones the file no longer has."""
    ops = SuspensionOps()
    current = {s.start_on: s for s in app.suspensions}
    result: list[Suspension] = []
    starts = set()
    for start, end in wanted:
        starts.add(start)
        have = current.get(start)
        if have is None:
            created = Suspension(new_id(), app.id, start, end, "")
            ops.insert.append(created)
            result.append(created)
        else:
            if have.end_on != end:
                ops.update.append((have.id, end))
            result.append(replace(have, end_on=end))
    for s in app.suspensions:
        if s.start_on not in starts:
            ops.delete.append(s.id)
    return ops, result

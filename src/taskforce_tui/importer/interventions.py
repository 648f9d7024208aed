"""`taskforce import interventi FILE`: monitoring data of Aree Interne interventions.

The same machinery as the practices' import: the file is opened and checked by
`importer.files.open_source` (XLSX, CSV with `;` or `,`, ODS; hostile files refused),
cells are converted by `importer.convert`, every row is checked and a bad one is
rejected with its row, column and an Italian reason; the preview counts new, updated,
unchanged and rejected rows, nothing is written before `apply` (one op-logged
transaction), the rejected rows can be saved as CSV, and importing the same file again
changes nothing.

Columns (header names compared without case, accents or punctuation; unknown columns
are ignored): OpenCoesione's project export (`CUP`, `OC_TITOLO_PROGETTO`,
`OC_FINANZ_TOT_PUB_NETTO`, `IMPEGNI`, `TOT_PAGAMENTI`, `OC_STATO_PROGETTO`,
`OC_DATA_INIZIO_PROGETTO`, `OC_DATA_FINE_PROGETTO_PREVISTA`,
`OC_DATA_FINE_PROGETTO_EFFETTIVA`, `COD_COMUNE`) or Italian headers (`cup`, `titolo`,
`costo totale`, `impegni`, `pagamenti`, `stato`, `inizio`, `fine prevista`, `fine
effettiva`, `comune`, `area`, `ente attuatore`, `FESR`, `FSE+`, `fondi nazionali`,
`fondi regionali`, `altre fonti`). Each row's commitments and payments become a
monitoring snapshot dated by the import's reference date (`--al`): a later file adds
its own snapshot and never erases an older one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import aree as A
from taskforce_tui.domain.dates import format_date, today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.importer import convert
from taskforce_tui.importer.columns import header_key
from taskforce_tui.importer.files import Formula, open_source
from taskforce_tui.importer.plan import FORMULA_REASON, Rejection

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

#: field -> (label shown to the user, header synonyms after header_key)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cup": ("CUP", ("cup", "codice cup", "codice unico di progetto")),
    "titolo": (
        "Titolo",
        ("oc titolo progetto", "titolo", "titolo progetto", "denominazione", "intervento"),
    ),
    "costo": (
        "Costo totale",
        (
            "oc finanz tot pub netto",
            "finanziamento pubblico",
            "costo totale",
            "costo",
            "programmato",
            "importo programmato",
            "finanziamento totale",
        ),
    ),
    "impegni": ("Impegni", ("impegni", "impegnato", "totale impegni")),
    "pagamenti": ("Pagamenti", ("tot pagamenti", "pagamenti", "pagato", "totale pagamenti")),
    "stato": ("Stato", ("oc stato progetto", "stato", "stato progetto", "stato intervento")),
    "inizio": ("Inizio", ("oc data inizio progetto", "inizio", "data inizio")),
    "fine_prevista": (
        "Fine prevista",
        ("oc data fine progetto prevista", "fine prevista", "data fine prevista"),
    ),
    "fine_effettiva": (
        "Fine effettiva",
        ("oc data fine progetto effettiva", "fine effettiva", "data fine effettiva"),
    ),
    "comune": ("Comune", ("cod comune", "comune", "comuni", "codice comune", "codice istat")),
    "area": ("Area", ("area", "codice area", "area interna")),
    "ente": ("Ente attuatore", ("ente attuatore", "soggetto attuatore", "ente")),
    "FESR": ("FESR", ("fesr", "fin ue fesr")),
    "FSE+": ("FSE+", ("fse", "fse plus", "fin ue fse")),
    "nazionale": ("Fondi nazionali", ("fondi nazionali", "nazionale", "fin stato")),
    "regionale": ("Fondi regionali", ("fondi regionali", "regionale", "fin regione")),
    "altro": ("Altre fonti", ("altre fonti", "altro", "fin altro")),
}
_BY_HEADER = {syn: key for key, (_, syns) in COLUMNS.items() for syn in syns}
_YYYYMMDD = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SPLIT = re.compile(r":::|[;,|]")


@dataclass(slots=True)
class Row:
    """One valid row: the intervention's fields and its snapshot."""

    row: int
    cup: str
    area: str
    values: dict[str, Any]
    funding: dict[str, int]
    snapshot: dict[str, Any] | None
    existing_id: str | None = None
    outcome: str = "nuova"  # nuova, aggiornata, invariata


@dataclass(slots=True)
class InterventionImport:
    """One import of interventions, from the file to the written records."""

    store: Store
    path: Path
    ref_date: date
    area: str | None = None
    #: --mappa "COLONNA=campo" pairs: a column the synonyms do not know, or "ignora"
    overrides: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # header key -> field
    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    description: str = ""

    # --- reading -------------------------------------------------------------------------------
    def load(self) -> None:
        if self.ref_date > today():
            raise DomainError(
                f"La data dei dati ({format_date(self.ref_date)}) è nel futuro.", "al"
            )
        if self.area:
            self.area = self.store.aree.get(self.area).code
        self.mapped = parse_mapping(self.overrides)
        with open_source(self.path) as source:
            self.description = source.description
            sheet = source.sheet_names[0]
            for name in source.sheet_names:
                if self._find_header(source.head(name)) is not None:
                    sheet = name
                    break
            head = source.head(sheet)
            found = self._find_header(head)
            if found is None and self.mapped and head:
                self._check_mapped(head[0][1])
            if found is None:
                raise DomainError(
                    f"{self.path.name}: non trovo la colonna del CUP nelle prime righe. Servono "
                    "almeno le colonne CUP e titolo (es. CUP; OC_TITOLO_PROGETTO). Nulla è "
                    "stato scritto.",
                    "file",
                )
            self.header_row, titles = found
            rows = source.read(sheet).rows
        self._check_mapped(titles)
        for index, title in enumerate(titles):
            key = self._field_of(title)
            if key is not None and key not in self.columns.values():
                self.columns[index] = key
            elif str(title or "").strip():
                self.ignored.append(str(title).strip())
        if "titolo" not in self.columns.values():
            raise DomainError(
                f"{self.path.name}: manca la colonna del titolo (OC_TITOLO_PROGETTO o «titolo»). "
                "Nulla è stato scritto.",
                "file",
            )
        self._check(rows)

    def _check_mapped(self, titles: list[Any]) -> None:
        unknown = set(self.mapped) - {header_key(t) for t in titles}
        if unknown:
            shown = ", ".join(f"«{t}»" for t in titles if str(t or "").strip())
            raise DomainError(
                f"--mappa: nel file non c'è la colonna {', '.join(sorted(unknown))} (colonne: "
                f"{shown}). Nulla è stato scritto.",
                "mappa",
            )

    def _field_of(self, title: Any) -> str | None:
        key = header_key(title)
        if key in self.mapped:
            mapped = self.mapped[key]
            return None if mapped == IGNORE else mapped
        return _BY_HEADER.get(key)

    def _find_header(self, head: list[tuple[int, list[Any]]]) -> tuple[int, list[Any]] | None:
        for number, cells in head[:30]:
            keys = {self._field_of(c) for c in cells if isinstance(c, str)}
            if "cup" in keys:
                return number, cells
        return None

    def _check(self, rows: list[tuple[int, list[Any]]]) -> None:
        from taskforce_tui.store.aree import intervention_ids_by_cup

        with self.store.read() as conn:
            known = intervention_ids_by_cup(conn)
        area_of_comune: dict[str, str] = {}
        for area in self.store.aree.all():
            for code in area.members:
                area_of_comune.setdefault(code, area.code)
        seen: dict[str, int] = {}
        for number, cells in rows:
            if number <= self.header_row:
                continue
            cell = {key: cells[i] if i < len(cells) else None for i, key in self.columns.items()}
            if all(v is None or str(v).strip() == "" for v in cell.values()):
                continue
            problems: list[Rejection] = []
            parsed = self._row(number, cell, problems, area_of_comune)
            if parsed is not None and parsed.cup in seen:
                problems.append(
                    self._reject(
                        number,
                        "cup",
                        parsed.cup,
                        f"CUP ripetuto: è già alla riga {seen[parsed.cup]}",
                    )
                )
            if problems or parsed is None:
                self.rejections.extend(problems)
                continue
            seen[parsed.cup] = number
            existing = known.get(parsed.cup)
            if existing is not None:
                parsed.existing_id = existing[0]
                if existing[1] != parsed.area and ("area" in cell or self.area):
                    self.rejections.append(
                        self._reject(
                            number,
                            "area",
                            parsed.area,
                            f"l'intervento {parsed.cup} è nell'area {existing[1]}: cambiala "
                            "con «taskforce intervento modifica»",
                        )
                    )
                    continue
                parsed.area = existing[1]
            try:
                self.store.aree.check_writable(parsed.area)
            except DomainError as exc:
                self.rejections.append(self._reject(number, "area", parsed.area, exc.message))
                continue
            parsed.outcome = self._outcome(parsed)
            self.rows.append(parsed)

    def _reject(self, number: int, key: str, value: Any, reason: str) -> Rejection:
        label = COLUMNS[key][0] if key in COLUMNS else ""
        return Rejection(number, label, convert.display(value), reason)

    def _row(
        self,
        number: int,
        cell: dict[str, Any],
        problems: list[Rejection],
        area_of_comune: dict[str, str],
    ) -> Row | None:
        def get(key: str, fn: Callable[[Any], Any]) -> Any:
            value = cell.get(key)
            if isinstance(value, Formula):
                problems.append(self._reject(number, key, value, FORMULA_REASON))
                return None
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            try:
                return fn(value)
            except convert.CellError as exc:
                problems.append(self._reject(number, key, value, exc.reason))
            except DomainError as exc:
                problems.append(self._reject(number, key, value, exc.message))
            return None

        cup = get("cup", A.normalize_cup)
        if cup is None and not any(p.column == "CUP" for p in problems):
            problems.append(self._reject(number, "cup", None, "manca il CUP"))
        title = get("titolo", convert.text)
        if not title and "titolo" in cell and not problems:
            problems.append(self._reject(number, "titolo", None, "manca il titolo"))
        values: dict[str, Any] = {}
        if title:
            values["title"] = title
        for key, name in (("costo", "total_cents"),):
            amount = get(key, A.parse_amount)
            if amount is not None:
                values[name] = amount
        status = get("stato", A.parse_status)
        if status is not None:
            values["status"] = status
        for key, name in (
            ("inizio", "start_on"),
            ("fine_prevista", "end_planned_on"),
            ("fine_effettiva", "end_actual_on"),
        ):
            day = get(key, _day)
            if day is not None:
                values[name] = day
        start, end = values.get("start_on"), values.get("end_planned_on")
        if start and end and end < start:
            problems.append(
                self._reject(number, "fine_prevista", end, "la fine prevista precede l'inizio")
            )
        comuni = get("comune", self._comuni) or []
        if comuni:
            values["comuni"] = comuni
        ente = get("ente", lambda v: self.store.aree.resolve_ente(convert.text(v)).code)
        if ente:
            values["ente_code"] = ente
        funding = {}
        for source in A.FUNDING_SOURCES:
            amount = get(source, A.parse_amount)
            if amount is not None:
                funding[source] = amount
        committed = get("impegni", A.parse_amount)
        paid = get("pagamenti", A.parse_amount)
        area = get("area", lambda v: self.store.aree.get(convert.text(v)).code) or self.area
        if area is None and comuni:
            area = next((area_of_comune[c] for c in comuni if c in area_of_comune), None)
        if problems or cup is None:
            return None
        if area is None:
            problems.append(
                self._reject(
                    number,
                    "area",
                    None,
                    "non so a quale area appartiene: aggiungi la colonna «area», indica --area "
                    "oppure un Comune dell'area",
                )
            )
            return None
        snapshot = None
        if committed is not None or paid is not None:
            snapshot = {
                "committed_cents": committed or 0,
                "paid_cents": paid or 0,
                "total_cents": values.get("total_cents"),
                "status": values.get("status"),
            }
        return Row(number, cup, area, values, funding, snapshot)

    def _comuni(self, value: Any) -> list[str]:
        out = []
        for part in _SPLIT.split(convert.text(value)):
            text = part.strip()
            if not text:
                continue
            if text.isdigit() and len(text) == 9 and text.startswith("003"):
                text = text[3:]  # OpenCoesione: region 003 (Lombardia) + ISTAT code
            code = self.store.comuni.resolve(text).istat_code
            if code not in out:
                out.append(code)
        return out

    def _outcome(self, row: Row) -> str:
        if row.existing_id is None:
            return "nuova"
        item = self.store.interventions.find(row.existing_id)
        for name, value in row.values.items():
            if getattr(item, name) != value:
                return "aggiornata"
        current = {f.source: f.amount_cents for f in item.funding}
        if any(current.get(s) != c for s, c in row.funding.items()):
            return "aggiornata"
        if row.snapshot is not None:
            same = next((s for s in item.snapshots if s.ref_date == self.ref_date), None)
            if same is None or (
                same.committed_cents,
                same.paid_cents,
                same.total_cents,
                same.status,
            ) != (
                row.snapshot["committed_cents"],
                row.snapshot["paid_cents"],
                row.snapshot["total_cents"],
                row.snapshot["status"],
            ):
                return "aggiornata"
        return "invariata"

    # --- preview -------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        out = {"nuove": 0, "aggiornate": 0, "invariate": 0, "scartate": 0}
        for r in self.rows:
            out[{"nuova": "nuove", "aggiornata": "aggiornate"}.get(r.outcome, "invariate")] += 1
        out["scartate"] = len({r.row for r in self.rejections})
        return out

    def save_rejections(self, target: Path | None = None) -> Path:
        """The rejected rows as a CSV Excel opens in the Italian locale."""
        from taskforce_tui.importer.service import write_rejections

        path = target or self.path.with_name(f"{self.path.stem}_scarti.csv")
        return write_rejections(self.path, path, self.rejections)

    # --- writing -------------------------------------------------------------------------------
    def apply(self) -> dict[str, int]:
        """Write the new and updated interventions in ONE op-logged transaction."""
        from taskforce_tui.store.aree import InterventionRepo
        from taskforce_tui.store.ids import new_id

        counts = self.counts()
        source = f"import {self.path.name}"
        with self.store.write() as tx:
            for r in self.rows:
                if r.outcome == "invariata":
                    continue
                if r.existing_id is None:
                    r.existing_id = new_id()
                    tx.insert(
                        "intervention",
                        {"id": r.existing_id, "cup": r.cup, "area_code": r.area, **r.values},
                    )
                else:
                    tx.update("intervention", r.existing_id, r.values)
                for src, cents in r.funding.items():
                    InterventionRepo.write_funding(tx, r.existing_id, src, cents)
                if r.snapshot is not None:
                    InterventionRepo.write_snapshot(
                        tx, r.existing_id, ref_date=self.ref_date, source=source, **r.snapshot
                    )
        return counts


def preview_text(counts: dict[str, int]) -> str:
    """What the file would do (the CLI's and the import screen's preview line)."""
    return (
        f"Anteprima: {counts['nuove']} nuovi, {counts['aggiornate']} aggiornati, "
        f"{counts['invariate']} invariati, {counts['scartate']} righe scartate."
    )


def question_text(counts: dict[str, int]) -> str:
    return f"Importare {counts['nuove']} nuovi interventi e aggiornarne {counts['aggiornate']}?"


def applied_text(counts: dict[str, int]) -> str:
    return (
        f"Importati: {counts['nuove']} nuovi interventi, {counts['aggiornate']} "
        f"aggiornati, {counts['invariate']} invariati; {counts['scartate']} righe scartate."
    )


IGNORE = "ignora"


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """--mappa "COLONNA=campo" -> {header key: field}; fields are the keys of COLUMNS
    (cup, titolo, costo, impegni, pagamenti, stato, inizio, fine_prevista, fine_effettiva,
    comune, area, ente, FESR, FSE+, nazionale, regionale, altro) or their labels, or
    "ignora"."""
    fields = {k.lower(): k for k in COLUMNS} | {
        header_key(label): k for k, (label, _) in COLUMNS.items()
    }
    out = {}
    for pair in pairs:
        title, sep, name = pair.rpartition("=")
        if not sep or not title.strip():
            raise DomainError(
                f'--mappa «{pair}»: scrivi COLONNA=campo, es. --mappa "Codice progetto=cup".',
                "mappa",
            )
        wanted = name.strip()
        if wanted.lower() == IGNORE:
            out[header_key(title)] = IGNORE
            continue
        key = fields.get(wanted.lower()) or fields.get(header_key(wanted))
        if key is None:
            raise DomainError(
                f"--mappa «{pair}»: campo sconosciuto «{wanted}». Campi: "
                f"{', '.join(COLUMNS)}, oppure {IGNORE}.",
                "mappa",
            )
        out[header_key(title)] = key
    return out


def _day(value: Any) -> date | None:
    if isinstance(value, str):
        match = _YYYYMMDD.match(value.strip())
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise convert.CellError(f"data impossibile «{value}»") from None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 19000000:
        return _day(str(int(value)))
    return convert.day(value)

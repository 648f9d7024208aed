"""One import, from the file to the written practices: what the CLI and the TUI call.

    session = ImportSession(store, path, comune="Bergamo")
    session.load(progress)            # read, find the header, map, check every row
    session.remap(3, "protocollo")    # the user fixes a column (cheap: no re-read)
    session.decide(practice_id, unit, "file")   # a conflict with an edit made in the app
    session.save_rejections()         # the rejected rows, next to the source file
    session.apply(progress)           # ONE op-logged transaction; nothing before this

`load` and `apply` can take seconds on a big file: call them from a worker.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from taskforce_tui.domain.dates import today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import Comune, ProcedureType
from taskforce_tui.importer.columns import (
    FIELD_BY_KEY,
    FIELDS,
    Header,
    Mapping,
    build_mapping,
    column_letter,
    find_header,
    header_key,
    parse_overrides,
)
from taskforce_tui.importer.convert import display
from taskforce_tui.importer.files import ImportFileError, Source, open_source
from taskforce_tui.importer.plan import (
    Conflict,
    FileRow,
    Lookups,
    Plan,
    Rejection,
    make_plan,
    read_rows,
)
from taskforce_tui.store.ids import new_id
from taskforce_tui.store.imports import ApplyResult, ImportRepo

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

#: progress(phase, fraction): phase is an Italian label, fraction 0..1 within it.
Progress = Callable[[str, float], None]
READING = "Lettura del file"
CHECKING = "Controllo delle righe"
WRITING = "Scrittura"
ANY_COMUNE = "*"
#: Abbreviations the Comuni's registers use for procedure types (after header_key).
TYPE_ALIASES = {
    "pdc": "permesso_costruire",
    "p d c": "permesso_costruire",
    "permesso a costruire": "permesso_costruire",
    "aut paesaggistica": "paesaggistica",
    "autorizzazione unica": "au_rinnovabili",
    "au": "au_rinnovabili",
    "verifica di assoggettabilita": "verifica_via",
}


@dataclass(slots=True)
class ColumnInfo:
    """One column of the file as the mapping screen shows it."""

    index: int
    letter: str
    title: str
    field: str | None
    label: str  # the field's Italian label, or "(non importata)"
    sample: str
    guessed: bool


_F = TypeVar("_F", bound=Callable[..., Any])
_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_resume = False


def _gc_paused(method: _F) -> _F:
    """Run a bulk step with Python's cyclic garbage collector paused.

    A 50,000-row file becomes 600,000 cells and 50,000 records that stay alive for the
    whole step; every few thousand new objects the collector runs, and its full passes
    walk all of them again. Measured on the preview of that file: checking the rows
    took 1.9 + 2.4 s with the collector and 0.9 + 0.7 s without. Reference counting
    still frees everything that is not a cycle; cycles left over are collected when the
    collector resumes. Pauses nest and overlap (the TUI runs steps in worker threads):
    the collector resumes when the last one ends, and only if it was running before.
    """

    @functools.wraps(method)
    def paused(*args: Any, **kwargs: Any) -> Any:
        global _gc_pauses, _gc_resume
        with _gc_lock:
            if _gc_pauses == 0:
                _gc_resume = gc.isenabled()
                gc.disable()
            _gc_pauses += 1
        try:
            return method(*args, **kwargs)
        finally:
            with _gc_lock:
                _gc_pauses -= 1
                if _gc_pauses == 0 and _gc_resume:
                    gc.enable()

    return cast(_F, paused)


class ImportSession:
    def __init__(
        self,
        store: Store,
        path: Path | str,
        *,
        comune: str | None = None,
        sheet: str | None = None,
        overrides: list[str] | None = None,
    ) -> None:
        self.store = store
        self.path = Path(path)
        self.repo = ImportRepo(store)
        self.comune_text = comune
        self.sheet_wanted = sheet
        self.override_pairs = list(overrides or [])
        self.overrides: dict[str, str] = {}
        self.decisions: dict[tuple[str, str], str] = {}
        self.description = ""
        self.sheet = ""
        self.sheet_names: list[str] = []
        self.rows: list[tuple[int, list[Any]]] = []
        self.header: Header | None = None
        self.mapping: Mapping | None = None
        self.saved: dict[str, str] = {}
        self.mapping_key = ANY_COMUNE
        self.default_comune: Comune | None = None
        self.file_rows: list[FileRow] = []
        self.read_rejections: list[Rejection] = []
        self.plan = Plan()
        self._lookups: Lookups | None = None

    # --- loading -------------------------------------------------------------------------
    @_gc_paused
    def load(self, progress: Progress | None = None) -> None:
        """Read the file, find the header and the mapping, check every row, plan.

        Raises ImportFileError for a file that cannot be read, DomainError for a Comune
        or a --mappa that is wrong. A mapping missing required fields is not an error
        here: see `missing` (the user fixes it, then `remap`).
        """

        def report(phase: str) -> Callable[[float], None] | None:
            if progress is None:
                return None
            return lambda fraction: progress(phase, fraction)

        if self.comune_text:
            self.default_comune = self.store.comuni.resolve(self.comune_text)
            if self.default_comune is not None:
                self.mapping_key = self.default_comune.istat_code
        if progress is not None:
            progress(READING, 0.0)
        with open_source(self.path) as source:
            self.description = source.description
            self.sheet_names = list(source.sheet_names)
            extra = self.repo.saved_headers()
            self.sheet = self._choose_sheet(source, extra)
            self.rows = source.read(self.sheet, report(READING)).rows
        if not self.rows:
            raise ImportFileError(f"Il foglio «{self.sheet}» di {self.path.name} è vuoto.")
        self.header = find_header(self.rows, extra)
        self.overrides = parse_overrides(self.override_pairs, self.header.titles)
        if self.default_comune is None:
            guessed = build_mapping(self.header.titles, overrides=self.overrides)
            found = self._peek_comune(guessed)
            if found is not None:
                self.mapping_key = found.istat_code
        self.saved = (
            self.repo.saved_mapping(self.mapping_key) or self.repo.saved_mapping(ANY_COMUNE) or {}
        )
        self._check(report(CHECKING))

    def _choose_sheet(self, source: Source, extra: dict[str, str]) -> str:
        names = source.sheet_names
        if self.sheet_wanted:
            for name in names:
                if header_key(name) == header_key(self.sheet_wanted):
                    return name
            raise DomainError(
                f"Nel file non c'è il foglio «{self.sheet_wanted}». Fogli: {', '.join(names)}.",
                "foglio",
            )
        if len(names) == 1:
            return names[0]
        best, best_score = names[0], -1
        for name in names:
            head = source.head(name)
            try:
                header = find_header(head, extra)
            except DomainError:
                continue
            score = len(build_mapping(header.titles, extra).fields)
            if score > best_score:
                best, best_score = name, score
        return best

    def _peek_comune(self, mapping: Mapping) -> Comune | None:
        """The Comune of the first data rows, to pick the mapping saved for it."""
        assert self.header is not None
        for fld in ("istat", "comune"):
            index = mapping.index_of(fld)
            if index is None:
                continue
            for _, cells in self.rows[self.header.data_start : self.header.data_start + 20]:
                if index < len(cells) and cells[index] is not None:
                    raw = display(cells[index])
                    if fld == "istat" and raw.isdigit():
                        raw = raw.zfill(6)
                    try:
                        return self.store.comuni.resolve(raw)
                    except DomainError:
                        continue
        return None

    def _lookups_for(self) -> Lookups:
        if self._lookups is None:
            comuni: dict[str, Comune] = {}
            types: dict[str, ProcedureType] = {}

            def resolve_comune(text: str) -> Comune:
                if text not in comuni:
                    comuni[text] = self.store.comuni.resolve(text)
                return comuni[text]

            def resolve_type(text: str) -> ProcedureType:
                if text not in types:
                    wanted = TYPE_ALIASES.get(header_key(text), text)
                    types[text] = self.store.lists.resolve_procedure_type(wanted, "procedure_type")
                return types[text]

            assigned = set(self.store.comuni.assigned_codes(self.store.expert_id))
            self._lookups = Lookups(
                resolve_comune=resolve_comune,
                resolve_type=resolve_type,
                ambiti=self.store.lists.ambiti(),
                assigned=assigned or None,
                default_comune=self.default_comune,
                today=today(),
                expert_id=self.store.expert_id,
            )
        return self._lookups

    @_gc_paused
    def _check(self, progress: Callable[[float], None] | None = None) -> None:
        assert self.header is not None
        self.mapping = build_mapping(self.header.titles, self.saved, self.overrides)
        self.file_rows, self.read_rejections = [], []
        self.plan = Plan()
        if self.missing:
            return
        lookups = self._lookups_for()
        self.file_rows, self.read_rejections = read_rows(
            self.rows,
            self.header,
            self.mapping,
            lookups,
            None if progress is None else (lambda f: progress(f * 0.6)),
        )
        self._plan(None if progress is None else (lambda f: progress(0.6 + f * 0.4)))
        if progress is not None:
            progress(1.0)

    @_gc_paused
    def _plan(self, progress: Callable[[float], None] | None = None) -> None:
        assert self.mapping is not None
        lookups = self._lookups_for()
        existing = self.repo.existing({r.key[0] for r in self.file_rows})
        self.plan = make_plan(
            self.file_rows,
            existing,
            lookups,
            self.mapping,
            self.decisions,
            new_id=new_id,
            progress=progress,
        )

    # --- what the user sees ----------------------------------------------------------------
    @property
    def missing(self) -> list[str]:
        """Italian labels of the required fields no column holds yet."""
        if self.mapping is None:
            return []
        return [f.label for f in self.mapping.missing(self.default_comune is not None)]

    @property
    def rejections(self) -> list[Rejection]:
        return sorted([*self.read_rejections, *self.plan.rejected], key=lambda r: r.row)

    @property
    def conflicts(self) -> list[Conflict]:
        return self.plan.conflicts

    def counts(self) -> dict[str, int]:
        out = self.plan.counts()
        out["scartate"] = len({r.row for r in self.rejections})
        return out

    def columns(self) -> list[ColumnInfo]:
        assert self.header is not None and self.mapping is not None
        start = self.header.data_start
        first = self.rows[start][1] if len(self.rows) > start else []
        out = []
        for index, title in enumerate(self.mapping.titles):
            fld = self.mapping.columns[index]
            out.append(
                ColumnInfo(
                    index,
                    column_letter(index),
                    title,
                    fld,
                    FIELD_BY_KEY[fld].label if fld else "(non importata)",
                    display(first[index]) if index < len(first) else "",
                    index in self.mapping.guessed,
                )
            )
        return out

    def ignored_columns(self) -> list[str]:
        assert self.mapping is not None
        return [
            self.mapping.column_name(i)
            for i, (title, fld) in enumerate(
                zip(self.mapping.titles, self.mapping.columns, strict=True)
            )
            if title and not fld
        ]

    # --- the user's choices ------------------------------------------------------------------
    def remap(self, index: int, fld: str | None) -> None:
        """Put field `fld` (a key of FIELDS, or None to ignore) in column `index`."""
        assert self.header is not None
        if fld is not None and fld not in FIELD_BY_KEY:
            raise DomainError(f"Campo sconosciuto: «{fld}».", "mappa")
        self.overrides[f"#{index}"] = fld or ""
        if fld:
            # the field moves here: no other column keeps it
            assert self.mapping is not None
            for other, current in enumerate(self.mapping.columns):
                if current == fld and other != index:
                    self.overrides[f"#{other}"] = ""
        self._check()

    def decide(self, practice_id: str, unit: str, choice: str) -> None:
        """Keep the app's value ("app") or take the file's ("file") for one conflict."""
        if choice not in ("app", "file"):
            raise DomainError("Scegli «app» o «file».")
        self.decisions[(practice_id, unit)] = choice
        self._plan()

    def decide_all(self, choice: str) -> None:
        if choice not in ("app", "file"):
            raise DomainError("Scegli «app» o «file».")
        for c in self.plan.conflicts:
            self.decisions[(c.practice_id, c.unit)] = choice
        self._plan()

    def choice(self, conflict: Conflict) -> str:
        return self.decisions.get((conflict.practice_id, conflict.unit), "app")

    # --- output ------------------------------------------------------------------------------
    def default_rejections_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}_scarti.csv")

    def save_rejections(self, target: Path | None = None) -> Path:
        """The rejected rows as a CSV Excel opens in the Italian locale (UTF-8 with BOM,
        semicolons), next to the source file unless told otherwise."""
        path = Path(target) if target is not None else self.default_rejections_path()
        return write_rejections(self.path, path, self.rejections)

    def final_mapping_key(self) -> str:
        if self.default_comune is not None:
            return self.default_comune.istat_code
        codes = {r.key[0] for r in self.file_rows}
        return codes.pop() if len(codes) == 1 else ANY_COMUNE

    @_gc_paused
    def apply(self, progress: Progress | None = None) -> ApplyResult:
        """Write the plan (new and updated practices, import records, the mapping)."""
        if self.mapping is None or self.missing:
            raise DomainError(
                "Associa prima le colonne obbligatorie: " + ", ".join(self.missing) + ".",
                "mappa",
            )
        return self.repo.apply(
            self.plan,
            source=self.path.name,
            mapping_key=self.final_mapping_key(),
            mapping=self.mapping.saved_form(),
            progress=None if progress is None else (lambda f: progress(WRITING, f)),
        )


def applied_text(result: ApplyResult, rejected: int = 0) -> str:
    """What the user reads once an import is written (the CLI and the screen)."""
    created = (
        "Importata 1 nuova pratica"
        if result.created == 1
        else f"Importate {result.created} nuove pratiche"
    )
    updated = "aggiornata 1" if result.updated == 1 else f"aggiornate {result.updated}"
    text = f"{created}, {updated}"
    if rejected:
        text += ", 1 riga scartata" if rejected == 1 else f", {rejected} righe scartate"
    if result.ops:
        return text + ": le modifiche partiranno con la prossima sincronizzazione."
    return text + "."


def _safe(text: str) -> str:
    """Neutralise a value a spreadsheet would run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def field_choices() -> list[tuple[str, str]]:
    """(key, label) of every field a column can hold, for pickers."""
    return [(f.key, f.label) for f in FIELDS]


def write_rejections(source: Path, path: Path, rejections: Iterable[Any]) -> Path:
    """Rejected rows (row, column, value, reason) as a CSV Excel opens in the Italian
    locale (UTF-8 with BOM, semicolons); never over the imported file itself."""
    if path.resolve() == source.resolve():
        raise DomainError("Il file degli scarti non può sostituire il file importato.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Riga", "Colonna", "Valore", "Motivo"])
    for r in rejections:
        writer.writerow([r.row, _safe(r.column), _safe(r.value), _safe(r.reason)])
    try:
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    except OSError as exc:
        raise DomainError(
            f"Non riesco a scrivere {path}: {exc.strerror or exc}. Scegli un'altra cartella."
        ) from None
    return path

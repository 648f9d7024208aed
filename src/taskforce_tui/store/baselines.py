"""Baselines: reference average duration and backlog per Comune and procedure type.

Rows come from the centre through sync (they are ordinary rows of the synced
`baseline` table) or are entered and imported by the expert for their own Comuni;
every change made here goes through `Store.write()` and is op-logged. One baseline per
Comune and type counts: if sync leaves duplicates, the most recently changed wins
(docs/indicators.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.indicators import (
    Baseline,
    BaselineInput,
    check_baseline,
    pick_baseline,
)
from taskforce_tui.domain.text import normalize
from taskforce_tui.store.ids import new_id

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

SOURCE_EXPERT = "esperto"
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Errors listed before "... e altri N".
MAX_ERRORS_SHOWN = 20

_SELECT = (
    "SELECT id, comune_code, procedure_type, period, avg_duration_days, backlog, source, "
    "updated_at FROM baseline WHERE deleted = 0"
)


def _baseline(row: Sequence[Any]) -> Baseline:
    return Baseline(
        id=row[0],
        comune_code=row[1],
        procedure_type=row[2],
        period=row[3],
        avg_duration_days=None if row[4] is None else float(row[4]),
        backlog=None if row[5] is None else int(row[5]),
        source=row[6] or "",
    )


@dataclass(slots=True)
class ImportResult:
    """What an import did (or, with dry_run, would do)."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    comuni: set[str] = field(default_factory=set)


class BaselineRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -----------------------------------------------------------------------------
    def effective(self, comuni: Sequence[str] | None = None) -> dict[tuple[str, str], Baseline]:
        """The baseline that counts for each (Comune, type), optionally for some Comuni."""
        sql = _SELECT
        params: list[object] = []
        if comuni is not None:
            if not comuni:
                return {}
            codes = list(dict.fromkeys(comuni))
            sql += f" AND comune_code IN ({', '.join('?' for _ in codes)})"
            params = list(codes)
        # Oldest first, so the row changed last (then the highest id) wins.
        sql += " ORDER BY updated_at, id"
        with self.store.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return {(row[1], row[2]): _baseline(row) for row in rows}

    def get(self, comune_code: str, procedure_type: str) -> Baseline | None:
        return self.effective([comune_code]).get((comune_code, procedure_type))

    # --- writing -----------------------------------------------------------------------------
    def _scope_check(
        self, comune_code: str, assigned: Sequence[str] | set[str] | None = None
    ) -> str:
        """Refuse a Comune the expert is not assigned to; returns its name."""
        comune = self.store.comuni.get(comune_code)
        if comune is None:
            raise NotFoundError(f"Comune sconosciuto: {comune_code}.", "comune")
        if assigned is None:
            assigned = self.store.comuni.assigned_codes(self.store.expert_id)
        if assigned and comune_code not in assigned:
            raise DomainError(
                f"{comune.name} non è tra i tuoi Comuni assegnati: la base di riferimento "
                "sarebbe respinta dalla sincronizzazione. Chiedi l'assegnazione alla "
                "Segreteria Tecnica.",
                "comune",
            )
        return comune.name

    def _type_check(self, procedure_type: str) -> None:
        with self.store.read() as conn:
            found = conn.execute(
                "SELECT 1 FROM procedure_type WHERE code = ? AND deleted = 0", (procedure_type,)
            ).fetchone()
        if found is None:
            raise NotFoundError(
                f"Tipo di procedimento sconosciuto: «{procedure_type}».", "procedure_type"
            )

    def save(
        self,
        comune_code: str,
        procedure_type: str,
        period: str | None,
        avg_duration_days: str | float | None,
        backlog: str | int | None,
        source: str = SOURCE_EXPERT,
    ) -> Baseline:
        """Create or change the baseline of one Comune and type (validated, op-logged)."""
        values = check_baseline(period, avg_duration_days, backlog)
        self._scope_check(comune_code)
        self._type_check(procedure_type)
        with self.store.write() as tx:
            baseline, _ = self._upsert(tx, comune_code, procedure_type, values, source)
        return baseline

    def _upsert(
        self,
        tx: Any,
        comune_code: str,
        procedure_type: str,
        values: BaselineInput,
        source: str,
    ) -> tuple[Baseline, str]:
        rows = tx.conn.execute(
            _SELECT + " AND comune_code = ? AND procedure_type = ?",
            (comune_code, procedure_type),
        ).fetchall()
        current = pick_baseline((r[7], r[0], _baseline(r)) for r in rows)
        fields: dict[str, object] = {
            "period": values.period,
            "avg_duration_days": values.avg_duration_days,
            "backlog": values.backlog,
        }
        after = (values.period, values.avg_duration_days, values.backlog)
        if current is None:
            pk = new_id()
            tx.insert(
                "baseline",
                {
                    "id": pk,
                    "comune_code": comune_code,
                    "procedure_type": procedure_type,
                    **fields,
                    "source": source,
                },
            )
            return Baseline(pk, comune_code, procedure_type, *after, source=source), "added"
        changed = tx.update("baseline", current.id, fields)
        if changed:
            tx.update("baseline", current.id, {"source": source})
            return (
                Baseline(current.id, comune_code, procedure_type, *after, source=source),
                "updated",
            )
        return current, "unchanged"

    def delete(self, comune_code: str, procedure_type: str) -> bool:
        """Tombstone the baseline(s) of one Comune and type. False if there was none."""
        self._scope_check(comune_code)
        with self.store.write() as tx:
            ids = [
                r[0]
                for r in tx.conn.execute(
                    "SELECT id FROM baseline WHERE deleted = 0 AND comune_code = ? "
                    "AND procedure_type = ?",
                    (comune_code, procedure_type),
                )
            ]
            for pk in ids:
                tx.delete("baseline", pk)
        return bool(ids)

    # --- import ------------------------------------------------------------------------------
    def import_file(
        self, path: Path, *, period: str | None = None, dry_run: bool = False
    ) -> ImportResult:
        """Import baselines from CSV or XLSX: all rows or none (docs/indicators.md)."""
        header, records = read_table(path)
        return self.import_rows(
            header, records, period=period, dry_run=dry_run, source=f"importazione {path.name}"
        )

    def import_rows(
        self,
        header: list[str],
        records: list[tuple[int, list[Any]]],
        *,
        period: str | None = None,
        dry_run: bool = False,
        source: str = "importazione",
    ) -> ImportResult:
        columns = map_columns(header)
        if "periodo" not in columns and not period:
            raise DomainError(
                "Il file non ha la colonna «periodo»: aggiungila oppure indica il periodo "
                "di riferimento con --periodo (es. --periodo 2022-H1)."
            )
        default_period = period
        if default_period:
            default_period = check_baseline(default_period, None, 0).period
        errors: list[str] = []
        assigned = set(self.store.comuni.assigned_codes(self.store.expert_id))
        seen: dict[tuple[str, str], int] = {}
        planned: list[tuple[str, str, BaselineInput]] = []

        def cell(record: list[Any], key: str) -> Any:
            index = columns.get(key)
            if index is None or index >= len(record):
                return None
            value = record[index]
            return value.strip() if isinstance(value, str) else value

        for line, record in records:
            try:
                comune_text = cell(record, "comune")
                if comune_text is None or str(comune_text).strip() == "":
                    raise DomainError("manca il Comune.")
                if isinstance(comune_text, float) and comune_text.is_integer():
                    comune_text = int(comune_text)
                comune = self.store.comuni.resolve(str(comune_text))
                type_text = cell(record, "tipo")
                if type_text is None or str(type_text).strip() == "":
                    raise DomainError("manca il tipo di procedimento.")
                ptype = self.store.lists.resolve_procedure_type(str(type_text))
                row_period = cell(record, "periodo")
                values = check_baseline(
                    str(row_period) if row_period not in (None, "") else default_period,
                    cell(record, "durata"),
                    cell(record, "arretrato"),
                )
                self._scope_check(comune.istat_code, assigned)
                key = (comune.istat_code, ptype.code)
                if key in seen:
                    raise DomainError(
                        f"{comune.name}, {ptype.code} compare già alla riga {seen[key]}."
                    )
                seen[key] = line
                planned.append((comune.istat_code, ptype.code, values))
            except DomainError as exc:
                errors.append(f"riga {line}: {exc.message}")
        if errors:
            shown = errors[:MAX_ERRORS_SHOWN]
            more = len(errors) - len(shown)
            tail = f"\n  ... e altri {more} errori" if more else ""
            raise DomainError(
                f"Importazione annullata, nessuna base scritta: {len(errors)} righe da "
                "correggere.\n  " + "\n  ".join(shown) + tail
            )
        if not planned:
            raise DomainError("Il file non contiene righe da importare.")
        result = ImportResult(rows=len(planned), dry_run=dry_run)
        result.comuni = {c for c, _, _ in planned}
        if dry_run:
            current = self.effective(sorted(result.comuni))
            for comune_code, ptype_code, values in planned:
                old = current.get((comune_code, ptype_code))
                if old is None:
                    result.added += 1
                elif (old.period, old.avg_duration_days, old.backlog) == (
                    values.period,
                    values.avg_duration_days,
                    values.backlog,
                ):
                    result.unchanged += 1
                else:
                    result.updated += 1
            return result
        with self.store.write() as tx:
            for comune_code, ptype_code, values in planned:
                _, what = self._upsert(tx, comune_code, ptype_code, values, source)
                setattr(result, what, getattr(result, what) + 1)
        return result


# --- reading CSV / XLSX files ---------------------------------------------------------------------
_ALIASES: dict[str, tuple[str, ...]] = {
    "comune": ("codice istat", "istat", "codice comune", "comune"),
    "tipo": ("tipo", "tipo procedimento", "tipo di procedimento", "procedimento"),
    "periodo": ("periodo", "semestre", "periodo di riferimento"),
    "durata": (
        "durata media",
        "durata",
        "tempo medio",
        "durata media gg",
        "durata media giorni",
        "durata media effettiva",
    ),
    "arretrato": ("arretrato", "backlog", "non conclusi entro il termine"),
}


def _header_key(text: object) -> str:
    import re

    value = normalize(str(text or ""))
    value = re.sub(r"\(.*?\)|\[.*?\]", " ", value)
    value = re.sub(r"[_\-./:]+", " ", value)
    return " ".join(value.split())


def map_columns(header: list[str]) -> dict[str, int]:
    """Column index of each known field; refuses a file without Comune and type."""
    found = {}
    for i, h in enumerate(header):
        key = _header_key(h)
        if key and key not in found:
            found[key] = i
    columns: dict[str, int] = {}
    for name, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in found:
                columns[name] = found[alias]
                break
    missing = [n for n in ("comune", "tipo") if n not in columns]
    if missing or not {"durata", "arretrato"} & columns.keys():
        raise DomainError(
            "Intestazioni non riconosciute: servono le colonne «comune», «tipo», «periodo», "
            "«durata media» e/o «arretrato» (vedi docs/indicators.md). Trovate: "
            + ", ".join(f"«{h}»" for h in header if str(h or "").strip())
            + "."
        )
    return columns


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header and (row number, cells) of a CSV or XLSX file; empty rows skipped."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DomainError(f"File non trovato: {path}.") from None
    except OSError as exc:
        raise DomainError(f"Impossibile leggere {path}: {exc.strerror}.") from None
    if path.is_dir():
        raise DomainError(f"{path} è una cartella: indica un file CSV o XLSX.")
    if size > MAX_FILE_BYTES:
        raise DomainError(f"Il file {path.name} è troppo grande (massimo 20 MB).")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"Impossibile leggere {path}: {exc.strerror}.") from None
    if raw.startswith(b"PK"):
        rows = _xlsx_rows(raw, path.name)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise DomainError(f"{path.name} non è un file XLSX leggibile: salvalo come .xlsx o .csv.")
    else:
        if b"\x00" in raw[:4096]:
            raise DomainError(f"{path.name} non è un file CSV (sembra un file binario).")
        rows = _csv_rows(_decode(raw), path.name)
    numbered = [
        (i + 1, r)
        for i, r in enumerate(rows)
        if any(v is not None and str(v).strip() != "" for v in r)
    ]
    if not numbered:
        raise DomainError(f"{path.name}: il file è vuoto.")
    header_line, header = numbered[0]
    del header_line
    return [str(h) if h is not None else "" for h in header], numbered[1:]


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _csv_rows(text: str, name: str) -> list[list[Any]]:
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise DomainError(f"{name}: CSV non leggibile ({exc}).") from None


def _xlsx_rows(raw: bytes, name: str) -> list[list[Any]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DomainError(
            f"{name} non è un file XLSX leggibile ({exc.__class__.__name__}): aprilo e "
            "salvalo di nuovo come .xlsx, oppure esportalo in CSV."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()

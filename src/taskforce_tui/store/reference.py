"""Reference data: the Comuni of Lombardy (ISTAT, CC BY) and the editable lists.

Seeding a new profile writes base data, identical on every installation, so it is
not an edit and is not op-logged. Updating from a newer ISTAT list *is* an edit and
goes through the operation log like any other change.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from taskforce_tui.domain import vocab
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.text import normalize
from taskforce_tui.store.ids import now_utc

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

LOMBARDIA_REGION_CODE = "03"
MAX_ISTAT_FILE_BYTES = 50 * 1024 * 1024


@dataclass(slots=True, frozen=True)
class ComuneRow:
    istat_code: str
    name: str
    province: str
    province_name: str
    cadastral_code: str
    is_capoluogo: bool
    nuts3: str


def packaged_comuni() -> list[ComuneRow]:
    text = (
        resources.files("taskforce_tui.data")
        .joinpath("istat_comuni_lombardia.csv")
        .read_text(encoding="utf-8")
    )
    return parse_istat_text(text)


def seed(conn: sqlite3.Connection) -> None:
    """Fill a brand-new store with the Comuni and the default reference lists."""
    stamp = now_utc()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "INSERT INTO comune(istat_code, name, province, province_name, "
            "cadastral_code, is_capoluogo, nuts3, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.istat_code,
                    c.name,
                    c.province,
                    c.province_name,
                    c.cadastral_code,
                    int(c.is_capoluogo),
                    c.nuts3,
                    stamp,
                    stamp,
                )
                for c in packaged_comuni()
            ],
        )
        conn.executemany(
            "INSERT INTO ambito(code, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(code, name, stamp, stamp) for code, name in vocab.DEFAULT_AMBITI],
        )
        conn.executemany(
            "INSERT INTO procedure_type(code, name, ambito, legal_term_days, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(c, n, a, t, stamp, stamp) for c, n, a, t in vocab.DEFAULT_PROCEDURE_TYPES],
        )
        conn.executemany(
            "INSERT INTO activity(code, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(code, name, stamp, stamp) for code, name in vocab.DEFAULT_ACTIVITIES],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# --- reading an ISTAT list ---------------------------------------------------------------
# Column headers are matched after normalize(); ISTAT's national file and our packaged
# Lombardy extract use different names, and ISTAT's headers carry line breaks.
_HEADER_KEYS: dict[str, tuple[str, ...]] = {
    "istat_code": ("codice comune formato alfanumerico", "istat_code", "codice istat"),
    "name": ("denominazione in italiano", "name", "denominazione", "comune"),
    "province": ("sigla automobilistica", "province_sigla", "sigla"),
    "province_name": (
        "denominazione dell'unita territoriale sovracomunale (valida a fini statistici)",
        "province_name",
    ),
    "cadastral_code": ("codice catastale del comune", "cadastral_code", "codice catastale"),
    "is_capoluogo": (
        "flag comune capoluogo di provincia/citta metropolitana/libero consorzio",
        "is_capoluogo",
    ),
    "nuts3": ("codice nuts3 2024", "nuts3", "codice nuts3 2021"),
    "region": ("codice regione",),
}
_REQUIRED = ("istat_code", "name", "province")


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_istat_file(path: Path) -> list[ComuneRow]:
    """Read an ISTAT list (national `Elenco-comuni-italiani.csv` or our extract)."""
    try:
        size = path.stat().st_size
        if size > MAX_ISTAT_FILE_BYTES:
            raise DomainError(f"Il file {path.name} è troppo grande per un elenco ISTAT.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DomainError(f"File non trovato: {path}.") from None
    except IsADirectoryError:
        raise DomainError(f"{path} è una cartella, non un file CSV.") from None
    except OSError as exc:
        raise DomainError(f"Impossibile leggere {path}: {exc.strerror}.") from None
    if b"\x00" in raw[:4096]:
        raise DomainError(f"{path.name} non è un file CSV (sembra un file binario).")
    return parse_istat_text(_decode(raw), path.name)


def parse_istat_text(text: str, name: str = "elenco") -> list[ComuneRow]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError(f"{name}: il file è vuoto.") from None
    except csv.Error as exc:
        raise DomainError(f"{name}: CSV non leggibile ({exc}).") from None
    wanted = {n: i for i, h in enumerate(header) if (n := normalize(h.replace("\n", " ")))}
    columns: dict[str, int] = {}
    for key, aliases in _HEADER_KEYS.items():
        for alias in aliases:
            if alias in wanted:
                columns[key] = wanted[alias]
                break
    missing = [k for k in _REQUIRED if k not in columns]
    if missing:
        raise DomainError(
            f"{name}: non sembra un elenco ISTAT dei Comuni (mancano le colonne del codice "
            "ISTAT, della denominazione o della sigla automobilistica). Scarica "
            "«Elenco-comuni-italiani.csv» dal sito dell'ISTAT."
        )
    rows: list[ComuneRow] = []
    seen: set[str] = set()

    def cell(record: list[str], key: str) -> str:
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    try:
        for line_no, record in enumerate(reader, start=2):
            if not any(v.strip() for v in record):
                continue
            region = cell(record, "region")
            if region and region.zfill(2) != LOMBARDIA_REGION_CODE:
                continue
            code = cell(record, "istat_code")
            if code.isdigit() and len(code) < 6:
                code = code.zfill(6)
            if not (code.isdigit() and len(code) == 6):
                raise DomainError(f"{name}, riga {line_no}: codice ISTAT non valido «{code}».")
            if code in seen:
                raise DomainError(f"{name}, riga {line_no}: codice ISTAT {code} ripetuto.")
            seen.add(code)
            comune_name = cell(record, "name")
            province = cell(record, "province").upper()
            if not comune_name or len(province) != 2:
                raise DomainError(
                    f"{name}, riga {line_no}: mancano la denominazione o la sigla della provincia."
                )
            rows.append(
                ComuneRow(
                    istat_code=code,
                    name=comune_name,
                    province=province,
                    province_name=cell(record, "province_name"),
                    cadastral_code=cell(record, "cadastral_code"),
                    is_capoluogo=cell(record, "is_capoluogo") in ("1", "true", "True"),
                    nuts3=cell(record, "nuts3"),
                )
            )
    except csv.Error as exc:
        raise DomainError(f"{name}: CSV non leggibile ({exc}).") from None
    if not rows:
        raise DomainError(f"{name}: nessun Comune della Lombardia nel file.")
    return rows


@dataclass(slots=True)
class ComuniUpdate:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total_changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.suppressed) + len(self.reactivated)


# A list this much smaller than what we hold is a wrong file, not a wave of mergers.
_MIN_KEPT_RATIO = 0.8


def update_comuni(store: Store, rows: list[ComuneRow], *, dry_run: bool = False) -> ComuniUpdate:
    """Bring the Comuni in line with a newer ISTAT list, through the operation log.

    New Comuni are added; Comuni missing from the list are marked inactive (never
    deleted: their practices, time logs and assignments keep pointing at them);
    renamed ones are updated.
    """
    report = ComuniUpdate()
    incoming = {r.istat_code: r for r in rows}
    with store.read() as conn:
        current = {
            r[0]: r
            for r in conn.execute(
                "SELECT istat_code, name, province, province_name, cadastral_code, "
                "is_capoluogo, nuts3, active FROM comune WHERE deleted = 0 AND kind = 'comune'"
            )
        }
    active_now = sum(1 for r in current.values() if r[7])
    if active_now and len(incoming) < _MIN_KEPT_RATIO * active_now:
        raise DomainError(
            f"Il file contiene solo {len(incoming)} Comuni lombardi contro i {active_now} attivi: "
            "non sembra un elenco completo, nessuna modifica effettuata."
        )
    plan: list[tuple[str, str, dict[str, object]]] = []
    for code, r in incoming.items():
        values: dict[str, object] = {
            "name": r.name,
            "province": r.province,
            "province_name": r.province_name,
            "cadastral_code": r.cadastral_code,
            "is_capoluogo": int(r.is_capoluogo),
            "nuts3": r.nuts3,
            "active": 1,
        }
        old = current.get(code)
        if old is None:
            plan.append(("add", code, values))
            report.added.append(code)
            continue
        before = dict(
            zip(
                (
                    "name",
                    "province",
                    "province_name",
                    "cadastral_code",
                    "is_capoluogo",
                    "nuts3",
                    "active",
                ),
                old[1:],
                strict=True,
            )
        )
        diff = {k: v for k, v in values.items() if before[k] != v and (v or k == "active")}
        if not diff:
            report.unchanged += 1
            continue
        plan.append(("update", code, diff))
        if not old[7]:
            report.reactivated.append(code)
        else:
            report.changed.append(code)
    for code, old in current.items():
        if code not in incoming and old[7]:
            plan.append(("update", code, {"active": 0}))
            report.suppressed.append(code)
    if dry_run or not plan:
        return report
    with store.write() as tx:
        for action, code, values in plan:
            if action == "add":
                tx.insert("comune", {"istat_code": code, **values})
            else:
                tx.update("comune", code, values)
    return report

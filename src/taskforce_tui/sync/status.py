"""What the screens and `stato-sync` / `conflitti` show: counts, conflicts, resolving.

`sync_counts(store)` is the small function the Oggi screen calls for "last sync,
changes not yet acknowledged, open conflicts".
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.store import jsonio
from taskforce_tui.store.db import Store, now_utc
from taskforce_tui.store.schema import SYNCED_TABLES
from taskforce_tui.sync.merge import COMUNE_TABLES, PARENT_OF

FIELD_LABELS = {
    "subject": "oggetto",
    "status": "stato",
    "notes": "note",
    "protocol_no": "protocollo",
    "received_on": "data di avvio",
    "legal_term_days": "termine (giorni)",
    "concluded_on": "data di conclusione",
    "outcome": "esito",
    "procedure_type": "tipo di procedimento",
    "service_conference": "conferenza di servizi",
    "reopen_reason": "motivo della riapertura",
    "deleted": "eliminazione",
    "description": "descrizione",
    "closed_on": "data di chiusura",
    "minutes": "minuti",
    "work_date": "giorno",
    "note": "nota",
    "start_on": "inizio sospensione",
    "end_on": "fine sospensione",
    "reason": "motivo",
    "comune_code": "Comune",
    "expert_id": "esperto",
    "activity": "attività",
}
TABLE_LABELS = {
    "practice": "Pratica",
    "request": "Richiesta",
    "suspension": "Sospensione",
    "time_log": "Registro ore",
    "baseline": "Baseline",
    "request_practice": "Collegamento richiesta-pratica",
}


@dataclass(frozen=True, slots=True)
class SyncCounts:
    last_sync_at: str | None  # UTC ISO 8601
    generation: int | None
    pending: int
    open_conflicts: int
    rejected: int
    folder: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_counts(store: Store) -> SyncCounts:
    """Last sync, generation held, changes not yet acknowledged, open conflicts."""
    with store.read() as conn:
        pending = int(conn.execute("SELECT COUNT(*) FROM oplog WHERE acked = 0").fetchone()[0])
        conflicts = int(
            conn.execute("SELECT COUNT(*) FROM conflict WHERE resolved_at IS NULL").fetchone()[0]
        )
        rejected = int(conn.execute("SELECT COUNT(*) FROM sync_rejected").fetchone()[0])
    generation = store.get_meta("last_generation")
    return SyncCounts(
        last_sync_at=store.get_meta("last_sync_at"),
        generation=int(generation) if generation else None,
        pending=pending,
        open_conflicts=conflicts,
        rejected=rejected,
        folder=store.get_meta("sync_folder"),
    )


def when(stamp: str | None) -> str:
    """A UTC ISO stamp or an HLC as local 'GG/MM/AAAA HH:MM' ('mai' if none)."""
    if not stamp:
        return "mai"
    try:
        if "T" in stamp:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        else:
            moment = datetime.fromtimestamp(int(stamp.split("-")[0]) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return stamp
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


@dataclass(frozen=True, slots=True)
class ConflictView:
    id: str
    table: str
    pk: str
    field: str
    record: str  # a readable label of the record
    field_label: str
    kept_value: object
    kept_author: str
    kept_when: str
    other_value: object
    other_author: str
    other_when: str
    current_value: object
    generation: int | None
    resolved_at: str | None
    resolution: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def show_value(field: str, value: object) -> str:
    if field == "deleted":
        return "eliminato" if value else "presente"
    if value is None or value == "":
        return "(vuoto)"
    return str(value)


def _decode(text: str | None) -> object:
    if text is None:
        return None
    try:
        return jsonio.loads(text)
    except ValueError:
        return text


def _label(conn: sqlite3.Connection, tbl: str, pk: str) -> str:
    title = TABLE_LABELS.get(tbl, tbl)
    if tbl == "practice":
        row = conn.execute(
            "SELECT p.protocol_no, c.name FROM practice p LEFT JOIN comune c "
            "ON c.istat_code = p.comune_code WHERE p.id = ?",
            (pk,),
        ).fetchone()
        if row:
            return f"{title} {row[0]} ({row[1]})"
    elif tbl == "request":
        row = conn.execute("SELECT subject FROM request WHERE id = ?", (pk,)).fetchone()
        if row:
            return f"{title} «{row[0]}»"
    elif tbl == "suspension":
        row = conn.execute(
            "SELECT p.protocol_no FROM suspension s JOIN practice p ON p.id = s.practice_id "
            "WHERE s.id = ?",
            (pk,),
        ).fetchone()
        if row:
            return f"{title} della pratica {row[0]}"
    elif tbl == "time_log":
        row = conn.execute("SELECT work_date, minutes FROM time_log WHERE id = ?", (pk,)).fetchone()
        if row:
            return f"{title} del {row[0]} ({row[1]} min)"
    return f"{title} {pk[:8]}"


def _who(conn: sqlite3.Connection, author: str | None) -> str:
    if not author:
        return "sconosciuto"
    row = conn.execute("SELECT name FROM expert WHERE id = ?", (author,)).fetchone()
    return str(row[0]) if row else author


def list_conflicts(store: Store, *, include_resolved: bool = False) -> list[ConflictView]:
    where = "" if include_resolved else "WHERE resolved_at IS NULL"
    with store.read() as conn:
        rows = conn.execute(
            "SELECT id, tbl, pk, field, kept_value, kept_author, kept_hlc, other_value, "
            "other_author, other_hlc, generation, resolved_at, resolution FROM conflict "
            f"{where} ORDER BY resolved_at IS NOT NULL, generation DESC, tbl, pk, field"
        ).fetchall()
        out = []
        for r in rows:
            tbl, pk, name = r[1], r[2], r[3]
            current: object = None
            spec = SYNCED_TABLES.get(tbl)
            if spec is not None and name in spec[1]:
                found = conn.execute(
                    f"SELECT {name} FROM {tbl} WHERE {spec[0]} = ?", (pk,)
                ).fetchone()
                current = found[0] if found else None
            out.append(
                ConflictView(
                    id=r[0],
                    table=tbl,
                    pk=pk,
                    field=name,
                    record=_label(conn, tbl, pk),
                    field_label=FIELD_LABELS.get(name, name),
                    kept_value=_decode(r[4]),
                    kept_author=_who(conn, r[5]),
                    kept_when=when(r[6]),
                    other_value=_decode(r[7]),
                    other_author=_who(conn, r[8]),
                    other_when=when(r[9]),
                    current_value=current,
                    generation=r[10],
                    resolved_at=r[11],
                    resolution=r[12],
                )
            )
    return out


def get_conflict(store: Store, conflict_id: str) -> ConflictView:
    for c in list_conflicts(store, include_resolved=True):
        if c.id == conflict_id or (len(conflict_id) >= 6 and c.id.startswith(conflict_id)):
            return c
    raise NotFoundError(f"Conflitto non trovato: {conflict_id}.", "conflitto")


def _convert(conn: sqlite3.Connection, tbl: str, name: str, text: str) -> object:
    info = {
        r[1]: (str(r[2]).upper(), bool(r[3])) for r in conn.execute(f"PRAGMA table_info({tbl})")
    }
    kind, not_null = info.get(name, ("TEXT", False))
    text = text.strip()
    if text == "" and not not_null:
        return None
    if kind.startswith("INT"):
        try:
            return int(text)
        except ValueError:
            raise DomainError(f"«{text}» non è un numero intero.", "valore") from None
    if kind.startswith("REAL"):
        try:
            return float(text.replace(",", "."))
        except ValueError:
            raise DomainError(f"«{text}» non è un numero.", "valore") from None
    return text


def _scope_check(store: Store, conn: sqlite3.Connection, tbl: str, pk: str) -> None:
    expert = store.expert_id
    if tbl == "time_log":
        row = conn.execute("SELECT expert_id FROM time_log WHERE id = ?", (pk,)).fetchone()
        if row and expert and row[0] != expert:
            raise DomainError("Questo registro ore è di un altro esperto.", "valore")
        return
    comune = None
    if tbl in COMUNE_TABLES:
        row = conn.execute(f"SELECT comune_code FROM {tbl} WHERE id = ?", (pk,)).fetchone()
        comune = row[0] if row else None
    elif tbl in PARENT_OF:
        column, parent = PARENT_OF[tbl]
        row = conn.execute(
            f"SELECT p.comune_code FROM {tbl} t JOIN {parent} p ON p.id = t.{column} "
            "WHERE t.id = ?",
            (pk,),
        ).fetchone()
        comune = row[0] if row else None
    assigned = store.comuni.assigned_codes(expert)
    if comune is not None and assigned and comune not in assigned:
        raise DomainError(
            "Questo record è di un Comune che non ti è assegnato: la scelta sarebbe respinta "
            "dalla centrale. Chiedi l'assegnazione alla Segreteria Tecnica.",
            "valore",
        )


def resolve_conflict(
    store: Store, conflict_id: str, choice: str, value: str | None = None
) -> ConflictView:
    """Choose the kept value, the other value, or a new one: an ordinary op-logged edit
    of the field (synced like any edit), and the conflict is marked resolved."""
    conflict = get_conflict(store, conflict_id)
    if conflict.resolved_at:
        raise DomainError("Questo conflitto è già stato risolto.", "conflitto")
    spec = SYNCED_TABLES.get(conflict.table)
    if spec is None or conflict.field not in spec[1]:
        raise DomainError("Campo sconosciuto: aggiorna l'applicazione.", "conflitto")
    with store.read() as conn:
        exists = conn.execute(
            f"SELECT 1 FROM {conflict.table} WHERE {spec[0]} = ?", (conflict.pk,)
        ).fetchone()
        if exists is None:
            raise DomainError(
                "Il record non è su questo computer (Comune non più assegnato?).", "conflitto"
            )
        _scope_check(store, conn, conflict.table, conflict.pk)
        if choice == "kept":
            chosen = conflict.kept_value
            text = f"tenuto il valore di {conflict.kept_author}"
        elif choice == "other":
            chosen = conflict.other_value
            text = f"scelto il valore di {conflict.other_author}"
        elif choice == "edit":
            if value is None:
                raise DomainError("Scrivi il nuovo valore.", "valore")
            chosen = _convert(conn, conflict.table, conflict.field, value)
            text = "nuovo valore"
        else:
            raise DomainError("Scelta non valida: tenuto, altro o nuovo valore.", "scelta")
    if conflict.field == "deleted":
        chosen = 1 if chosen else 0
    stamp = now_utc()
    try:
        with store.write() as tx:
            tx.update(conflict.table, conflict.pk, {conflict.field: chosen})
            tx.conn.execute(
                "INSERT INTO sync_resolution(conflict_id, resolution, author, at) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT(conflict_id) DO UPDATE SET resolution = excluded.resolution, "
                "at = excluded.at",
                (conflict.id, text, store.expert_id, stamp),
            )
            tx.conn.execute(
                "UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?",
                (stamp, text, conflict.id),
            )
    except sqlite3.IntegrityError:
        raise DomainError(
            f"Valore non ammesso per {conflict.field_label}: «{value}».", "valore"
        ) from None
    return get_conflict(store, conflict.id)


def describe_report(report: Any) -> str:
    """The Italian summary of a SyncReport (CLI and TUI)."""
    lines = []
    if report.dry_run:
        lines.append("Prova: non è stato cambiato nulla.")
    if getattr(report, "enrolment", ""):
        # not enrolled yet: the note says why and what to do; nothing left this computer
        lines.extend(report.notes)
        lines.append(f"Modifiche che partiranno dopo l'iscrizione: {report.pending}.")
        return "\n".join(lines)
    verb = "da inviare" if report.dry_run else "inviate"
    lines.append(f"Modifiche {verb}: {report.sent}.")
    if report.generation is not None:
        verb = "da ricevere" if report.dry_run else "ricevute"
        lines.append(
            f"Generazione centrale {report.generation}: {report.received} modifiche {verb}."
        )
    if report.resent:
        lines.append(
            f"{report.resent} modifiche non risultano alla centrale: verranno inviate di nuovo."
        )
    lines.extend(report.notes)
    lines.append(f"Modifiche in attesa di conferma: {report.pending}.")
    if report.conflicts:
        lines.append(
            f"Conflitti da guardare: {report.conflicts} (`taskforce conflitti`, o F6 nell'app)."
        )
    else:
        lines.append("Nessun conflitto aperto.")
    if report.rejected:
        lines.append(
            f"Modifiche respinte dalla centrale: {report.rejected} (Comune non assegnato o dato "
            "della Segreteria): vedi `taskforce stato-sync`."
        )
    return "\n".join(lines)

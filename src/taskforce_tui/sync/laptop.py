"""The expert's side: export pending ops as an outbox, import the newest extract.

`sync()` is what the `taskforce sync` command and the F5 key run:
1. check the folder (missing, unmounted or without its marker: nothing to do);
2. keep a backup of the local database (the last 10);
3. export every op not yet acknowledged (ops stay pending until a generation
   acknowledges them, so a lost outbox is simply sent again);
4. import the newest extract for this expert that validates (older or equal
   generations are refused: no rollback; a bad file is quarantined and the next
   older one is tried), in one transaction: acknowledged ops leave the pending
   set, every field without a pending local edit takes the central value and
   version, conflicts, history and refused ops are replaced, and the generation
   is recorded. Ops the centre no longer acknowledges (a coordinator restored
   from an older backup) become pending again and are sent again.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from taskforce_tui.store import jsonio
from taskforce_tui.store.bulk import deferred
from taskforce_tui.store.db import Store, now_utc
from taskforce_tui.store.oplog import expand, pending_fields
from taskforce_tui.store.schema import SYNCED_TABLES
from taskforce_tui.store.tx import Hlc
from taskforce_tui.sync import crypto, device, trust
from taskforce_tui.sync import rows as R
from taskforce_tui.sync.bundle import Bundle, BundleWriter
from taskforce_tui.sync.crypto import NotForMe, SealWriter
from taskforce_tui.sync.errors import BundleError, NewerFormatError, SyncError, os_reason
from taskforce_tui.sync.folder import OUTBOX_NAME, SyncFolder
from taskforce_tui.sync.fsio import (
    backup_database,
    clean_temps,
    crashpoint,
    publish,
    quarantine,
)

Progress = Callable[[str, float], None]
#: Ops per outbox file (a bigger backlog is split over several files).
OPS_PER_FILE = 100_000
IMPORTS_SENT = 100
KEEP_BACKUPS = 10
#: From this many rows into an empty table, the import loads it in bulk (store/bulk.py).
BULK_ROWS = 1000
#: A clock value from the centre further ahead of the generation's own time than this
#: is not followed by this laptop's clock (docs/sync.md, "Clocks").
CLOCK_BOUND_MS = 6 * 3600 * 1000


def _nop(label: str, fraction: float) -> None:
    return None


@dataclass(slots=True)
class SyncReport:
    folder: str = ""
    # changes as the op log stores them: an edited field, or a record created in bulk
    sent: int = 0  # changes written to new outbox files
    files: list[str] = field(default_factory=list)
    resolutions: int = 0
    generation: int | None = None  # generation imported by this run
    received: int = 0  # records added + fields changed by the import
    conflicts: int = 0  # open conflicts after the sync
    rejected: int = 0  # of my changes, refused by the centre (recent)
    pending: int = 0  # changes still waiting for an acknowledgement
    resent: int = 0  # changes the centre no longer had, pending again
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    backup: str | None = None
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    # "" (enrolled), "attesa" (waiting for the centre), "rifiutato", "nessuna"
    enrolment: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rollback(Exception):
    """Raised inside the import transaction of a dry run, to undo everything."""


@contextmanager
def _transaction(store: Store) -> Iterator[sqlite3.Connection]:
    with store.lock:
        conn = store.conn
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with store.bulk() as c:
                yield c
                crashpoint("commit")
            crashpoint("committed")
        finally:
            conn.execute("PRAGMA foreign_keys = ON")


def _my_replicas(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM replica ORDER BY created_at, id")]


def require_expert(store: Store) -> str:
    expert = store.expert_id
    if not expert:
        raise SyncError(
            "Questo profilo non è collegato a una cartella di sincronizzazione: usa "
            "`taskforce init --da CARTELLA --email EMAIL`.",
            "profilo",
        )
    return expert


def resolve_folder(store: Store, folder: Path | None) -> SyncFolder:
    chosen = folder or (Path(p) if (p := store.get_meta("sync_folder")) else None)
    if chosen is None:
        raise SyncError(
            "Nessuna cartella di sincronizzazione: indicala la prima volta con "
            "`taskforce sync CARTELLA`.",
            "cartella",
        )
    sync_folder = SyncFolder(Path(chosen).expanduser())
    folder_id = sync_folder.folder_id()  # FolderUnavailable: nothing to do
    known = store.get_meta("sync_folder_id")
    if known and folder_id and known != folder_id:
        raise SyncError(
            f"{sync_folder.root} è un'altra cartella di sincronizzazione, non quella di questo "
            "profilo: controlla il percorso. Non è stato fatto nulla.",
            "cartella",
        )
    return sync_folder


# --- the whole sync -------------------------------------------------------------------------------
def sync(
    store: Store,
    folder: Path | None = None,
    *,
    dry_run: bool = False,
    backups: Path | None = None,
    progress: Progress = _nop,
) -> SyncReport:
    progress("controllo della cartella", 0.02)
    sync_folder = resolve_folder(store, folder)
    report = SyncReport(folder=str(sync_folder.root), dry_run=dry_run)
    if not device.enrolled(store):
        outcome, note = device.check_answer(store, sync_folder)
        if outcome == "iscritto":
            report.notes.append(f"Dispositivo iscritto per {note}: la sincronizzazione parte.")
        else:
            # not enrolled yet: nothing leaves this laptop, nothing is lost
            report.enrolment = outcome
            report.notes.append(note)
            _count(store, report)
            if not dry_run:
                store.set_meta("last_sync_report", jsonio.dumps(report.as_dict()).decode())
            return report
    expert = require_expert(store)
    if not dry_run:
        progress("copia di sicurezza del database", 0.1)
        with store.lock:
            target = backups or store.path.parent / "backup"
            report.backup = str(backup_database(store.conn, target, "taskforce", KEEP_BACKUPS))
    progress("invio delle modifiche", 0.3)
    export(store, sync_folder, expert, report, dry_run=dry_run)
    progress("ricezione della generazione centrale", 0.5)
    import_newest(store, sync_folder, expert, report, dry_run=dry_run)
    if not dry_run:
        store.set_meta("sync_folder", str(sync_folder.root))
        store.set_meta("sync_folder_id", sync_folder.folder_id())
        store.set_meta("last_sync_at", now_utc())
        store.set_meta("last_sync_report", jsonio.dumps(report.as_dict()).decode())
    _count(store, report)
    progress("fatto", 1.0)
    return report


def _count(store: Store, report: SyncReport) -> None:
    with store.read() as conn:
        report.pending = int(
            conn.execute("SELECT COUNT(*) FROM oplog WHERE acked = 0").fetchone()[0]
        )
        report.conflicts = int(
            conn.execute("SELECT COUNT(*) FROM conflict WHERE resolved_at IS NULL").fetchone()[0]
        )
        report.rejected = int(conn.execute("SELECT COUNT(*) FROM sync_rejected").fetchone()[0])


# --- export ---------------------------------------------------------------------------------------
def export(
    store: Store, folder: SyncFolder, expert: str, report: SyncReport, *, dry_run: bool = False
) -> None:
    with store.read() as conn:
        replicas = _my_replicas(conn)
        marks = ", ".join("?" for _ in replicas)
        rows = conn.execute(
            f"SELECT {R.OP_COLUMNS} FROM oplog WHERE acked = 0 AND replica IN ({marks}) "
            "ORDER BY replica, seq",
            replicas,
        ).fetchall()
        # a record created in bulk is one row here and one op per field in the outbox
        pending = [op for row in rows for op in expand(row)]
        resolutions = [
            {"conflict_id": r[0], "resolution": r[1], "author": r[2], "at": r[3]}
            for r in conn.execute(
                "SELECT conflict_id, resolution, author, at FROM sync_resolution "
                "ORDER BY conflict_id"
            )
        ]
        # what each replica had seen: its own imports, and for a replica made later (a
        # copied or restored database) every import made before it existed
        imports: dict[str, list[list[int]]] = {}
        recorded = conn.execute(
            "SELECT generation, replica, last_seq, at FROM sync_import "
            "ORDER BY generation DESC LIMIT ?",
            (IMPORTS_SENT,),
        ).fetchall()
        for replica, created_at in conn.execute("SELECT id, created_at FROM replica"):
            for generation, owner, last_seq, at in recorded:
                if owner == replica:
                    imports.setdefault(replica, []).append([int(generation), int(last_seq)])
                elif at < created_at:
                    imports.setdefault(replica, []).append([int(generation), 0])
    report.resolutions = len(resolutions)
    if not pending and not resolutions:
        return
    signature = jsonio.dumps(
        [[r[0], r[1]] for r in pending[-1:]] + [[r[0], r[1]] for r in pending[:1]] + [resolutions]
    ).decode()
    outbox = folder.outbox_dir(expert)
    clean_temps(outbox)
    last = store.get_meta("last_export")
    if last:
        name, _, sig = last.partition(" ")
        already = (outbox / name).exists() or (folder.archive_dir(expert) / name).exists()
        if sig == signature and already:
            report.notes.append("Le modifiche in attesa sono già nella cartella: nulla da inviare.")
            return
    if dry_run:
        report.sent = len(rows)
        return
    generation = int(store.get_meta("last_generation") or 0)
    trusted = device.pinned(store)
    assert trusted is not None  # sync() exports only from an enrolled device
    pair = device.device_keys(store)
    folder_id = str(trusted["folder_id"])
    recipients = trust.boxes(trusted["coordinators"])
    chunks = _files(pending)
    names = []
    for i, chunk in enumerate(chunks):
        first = chunk[0] if chunk else None
        lastop = chunk[-1] if chunk else None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + uuid.uuid4().hex[:6]
        replica = store.replica_id
        low, high = (first[1] if first else 0), (lastop[1] if lastop else 0)
        name = f"{replica}-{low:09d}-{high:09d}-{stamp}.zip"
        assert OUTBOX_NAME.match(name), name
        ranges: dict[str, list[int]] = {}
        for r in chunk:
            span = ranges.setdefault(r[0], [r[1], r[1]])
            span[1] = r[1]

        def write(
            fh: BinaryIO,
            chunk: list[Any] = chunk,
            ranges: dict[str, list[int]] = ranges,
            first_file: bool = i == 0,
        ) -> None:
            seal = SealWriter(fh, {"kind": "outbox", "folder_id": folder_id}, recipients)
            w = BundleWriter(
                seal,  # type: ignore[arg-type]
                "outbox",
                {
                    "writer": {
                        "role": "esperto",
                        "expert_id": expert,
                        "replica": store.replica_id,
                        "device": pair.id,
                    },
                    "folder_id": folder_id,
                    "replicas": ranges,
                    "imports": imports,
                    "imported_generation": generation,
                },
                signer=pair,
            )
            w.member("ops.jsonl", (R.op_row(r) for r in chunk))
            w.member("resolutions.jsonl", resolutions if first_file else [])
            w.close()
            seal.finish()

        publish(outbox / name, write)
        names.append(name)
    mine = [r[1] for r in pending if r[0] == store.replica_id]
    if mine:
        store.note_exported(max(mine))
    store.set_meta("last_export", f"{names[-1]} {signature}")
    report.sent = len(rows)
    report.files = names


def _files(pending: list[Any]) -> list[list[Any]]:
    """The pending ops in files of about OPS_PER_FILE ops. A file ends only between two
    records: a creation's ops never straddle two files, so a merge that sees only the
    first files of an export never gets half a record (which it would have to refuse).
    Only a run of twice as many ops on one record (edits, never a creation) is cut."""
    files: list[list[Any]] = [[]]
    for op in pending:
        current = files[-1]
        if len(current) >= OPS_PER_FILE:
            last = current[-1]
            new_record = (op[0], op[2], op[3]) != (last[0], last[2], last[3])
            if new_record or len(current) >= 2 * OPS_PER_FILE:
                files.append(current := [])
        current.append(op)
    return files


# --- import ---------------------------------------------------------------------------------------
def import_newest(
    store: Store, folder: SyncFolder, expert: str, report: SyncReport, *, dry_run: bool = False
) -> None:
    last = int(store.get_meta("last_generation") or 0)
    candidates = folder.extracts(expert)
    if not candidates:
        report.notes.append(
            "Nessuna generazione centrale per te nella cartella: la Segreteria Tecnica non ha "
            "ancora pubblicato. Le tue modifiche sono state inviate."
        )
        return
    trusted = device.pinned(store)
    assert trusted is not None  # sync() imports only on an enrolled device
    pair = device.device_keys(store)
    for generation, path in candidates:
        if generation <= last:
            report.notes.append(f"Nessuna generazione nuova (hai già la {last}).")
            return
        try:
            manifest, data = _read_extract(path, generation, expert, trusted, pair)
            apply_extract(store, manifest, data, report, dry_run=dry_run)
            if not dry_run:
                device.update_coordinators(store, manifest.get("coordinators"))
            warning = manifest.get("clock_warning")
            if isinstance(warning, str) and warning:
                report.notes.append(
                    "L'orologio di questo computer era avanti rispetto a quello della Segreteria "
                    f"Tecnica ({warning[:200]}): correggi data e ora di Windows. Le tue modifiche "
                    "sono state accettate con l'ora della centrale; non è andato perso nulla."
                )
            report.generation = generation
            return
        except NotForMe:
            report.notes.append(
                f"{path.name}: non è cifrato per questo dispositivo (revocato, o iscritto dopo "
                "quella generazione): lasciato dov'è."
            )
            continue
        except BundleError as exc:
            if not dry_run:
                moved = quarantine(path, folder.quarantine_dir, exc.reason)
                where = (
                    "messo in quarantena" if moved else "lasciato dov'è (cartella in sola lettura)"
                )
            else:
                where = "da mettere in quarantena"
            report.quarantined.append((path.name, exc.reason))
            report.notes.append(f"{path.name}: {exc.reason} ({where}).")
        except NewerFormatError:
            raise
    report.notes.append("Nessuna generazione valida da importare: riprova dopo il prossimo merge.")


def _read_extract(
    path: Path,
    generation: int,
    expert: str,
    trusted: dict[str, Any],
    pair: crypto.KeyPair,
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """An extract, decrypted with this device's key and verified against the pinned
    coordinator keys, meant for this expert; BundleError (quarantine) otherwise."""
    try:
        with open(path, "rb") as fh:
            header, _ = crypto.read_header(fh)
    except OSError as exc:
        raise BundleError(f"file illeggibile ({os_reason(exc)})") from None
    if header.get("expert_id") != expert:
        raise BundleError("il file è destinato a un altro esperto")
    signers = trust.signers(trusted.get("coordinators", {}))
    bundle, header = Bundle.open_sealed(path, "extract", [pair])
    with bundle:
        if bundle.signer not in signers:
            raise BundleError(
                "firmato da una chiave che non è della Segreteria Tecnica (file contraffatto)"
            )
        manifest = bundle.manifest
        if manifest.get("generation") != generation or header.get("generation") != generation:
            raise BundleError("numero di generazione diverso dal nome del file")
        if manifest.get("folder_id") != trusted.get("folder_id"):
            raise BundleError("generazione di un'altra cartella di sincronizzazione")
        who = manifest.get("expert")
        if not isinstance(who, dict) or who.get("id") != expert:
            raise BundleError("il file è destinato a un altro esperto")
        data = bundle.read_all()
    return manifest, data


def apply_extract(
    store: Store,
    manifest: dict[str, Any],
    data: dict[str, list[dict[str, Any]]],
    report: SyncReport,
    *,
    dry_run: bool = False,
) -> None:
    """Import a validated extract in one transaction (rolled back for a dry run)."""
    generation = manifest.get("generation")
    if not isinstance(generation, int):
        raise BundleError("generazione mancante nel manifest")
    acks_raw = manifest.get("acks", {})
    if not isinstance(acks_raw, dict):
        raise BundleError("conferme non valide nel manifest")
    try:
        with _transaction(store) as conn:
            if int(store.get_meta("last_generation") or 0) >= generation:
                return  # imported meanwhile (another window): nothing to do
            _apply(conn, store, generation, acks_raw, data, report, _clock_limit(manifest))
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass


def _clock_limit(manifest: dict[str, Any]) -> str:
    created = manifest.get("created_at")
    try:
        moment = datetime.strptime(str(created)[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return Hlc.format(int(datetime.now(UTC).timestamp() * 1000) + CLOCK_BOUND_MS, 0)
    return Hlc.format(int(moment.timestamp() * 1000) + CLOCK_BOUND_MS, 0)


def _apply(
    conn: sqlite3.Connection,
    store: Store,
    generation: int,
    acks: dict[str, Any],
    data: dict[str, list[dict[str, Any]]],
    report: SyncReport,
    clock_limit: str = "9",
) -> None:
    # acknowledgements: mine leave the pending set; ops the centre lost become pending
    for replica in _my_replicas(conn):
        ack = acks.get(replica, 0)
        ack = ack if isinstance(ack, int) and not isinstance(ack, bool) else 0
        conn.execute(
            "UPDATE oplog SET acked = 1 WHERE replica = ? AND seq <= ? AND acked = 0",
            (replica, ack),
        )
        before = conn.total_changes
        conn.execute(
            "UPDATE oplog SET acked = 0 WHERE replica = ? AND seq > ? AND acked = 1", (replica, ack)
        )
        report.resent += conn.total_changes - before
    pending = pending_fields(conn)
    # A table still empty that receives many rows (the first import after joining) is
    # loaded bare, its indexes and derived data built once afterwards (store/bulk.py)
    bulk = [
        tbl
        for tbl in SYNCED_TABLES
        if len(data.get(f"{tbl}.jsonl") or ()) >= BULK_ROWS
        and conn.execute(f"SELECT 1 FROM {tbl} LIMIT 1").fetchone() is None
    ]
    with deferred(conn, bulk):
        max_hlc = _apply_tables(conn, data, pending, report)
    # conflicts: the centre's list, with the resolutions chosen here and not yet confirmed
    conn.execute("DELETE FROM conflict")
    conflicts = data.get("conflicts.jsonl", [])
    conn.executemany(
        f"INSERT OR REPLACE INTO conflict({R.CONFLICT_COLUMNS}) VALUES ({', '.join('?' * 16)})",
        [R.conflict_params(r) for r in conflicts],
    )
    still_open = {r["id"] for r in conflicts if not r.get("resolved_at")}
    for cid, resolution, at in conn.execute(
        "SELECT conflict_id, resolution, at FROM sync_resolution"
    ).fetchall():
        if cid in still_open:
            conn.execute(
                "UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?",
                (at, resolution, cid),
            )
        else:
            conn.execute("DELETE FROM sync_resolution WHERE conflict_id = ?", (cid,))
    # history (who changed what) and my refused changes
    history = data.get("ops.jsonl", [])
    R.insert_ops(conn, history, with_generation=True)
    for r in history:
        hlc = r.get("hlc")
        if isinstance(hlc, str) and hlc > max_hlc:
            max_hlc = hlc
    conn.execute("DELETE FROM sync_rejected")
    conn.executemany(
        "INSERT OR IGNORE INTO sync_rejected(replica, seq, expert_id, tbl, pk, field, value, "
        "reason, generation, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            tuple(
                r.get(k)
                for k in (
                    "replica",
                    "seq",
                    "expert_id",
                    "tbl",
                    "pk",
                    "field",
                    "value",
                    "reason",
                    "generation",
                    "at",
                )
            )
            for r in data.get("rejected.jsonl", [])
            if isinstance(r.get("replica"), str) and isinstance(r.get("seq"), int)
        ],
    )
    # my clock moves past everything seen, so my next edits sort after them
    replica = store.replica_id
    row = conn.execute(
        "SELECT last_seq, hlc_wall, hlc_counter FROM replica WHERE id = ?", (replica,)
    ).fetchone()
    if max_hlc > clock_limit:
        max_hlc = clock_limit  # never dragged past the bound by a clock far ahead
    if max_hlc:
        clock = Hlc(int(row[1]), int(row[2]))
        try:
            clock.observe(max_hlc)
        except ValueError:
            raise BundleError("orologio logico non valido") from None
        conn.execute(
            "UPDATE replica SET hlc_wall = ?, hlc_counter = ? WHERE id = ?",
            (clock.wall, clock.counter, replica),
        )
    conn.execute(
        "INSERT OR REPLACE INTO sync_import(generation, replica, last_seq, at) VALUES (?, ?, ?, ?)",
        (generation, replica, int(row[0]), now_utc()),
    )
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('last_generation', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(generation),),
    )


def _apply_tables(
    conn: sqlite3.Connection,
    data: dict[str, list[dict[str, Any]]],
    pending: set[tuple[str, str, str]],
    report: SyncReport,
) -> str:
    """Every synced table of the extract against the local rows and versions; returns
    the highest clock value seen."""
    max_hlc = ""
    for tbl, (pk_name, fields) in SYNCED_TABLES.items():
        rows = data.get(f"{tbl}.jsonl")
        if rows is None:
            continue
        local = {
            r[0]: r[1:] for r in conn.execute(f"SELECT {', '.join((pk_name, *fields))} FROM {tbl}")
        }
        local_v = {
            (r[0], r[1]): (r[2], r[3], r[4])
            for r in conn.execute(
                "SELECT pk, field, replica, seq, hlc FROM field_version WHERE tbl = ?", (tbl,)
            )
        }
        inserts: list[tuple[Any, ...]] = []
        updates: dict[tuple[str, ...], list[list[Any]]] = {}
        fv_set: list[tuple[Any, ...]] = []
        fv_del: list[tuple[Any, ...]] = []
        for i, row in enumerate(rows):
            pk, values = R.checked_values(tbl, row, f"{tbl}.jsonl riga {i + 1}")
            versions = row.get("_v", {})
            have = local.get(pk)
            if have is None:
                inserts.append(
                    (
                        pk,
                        *values,
                        row.get("created_at") or now_utc(),
                        row.get("updated_at") or now_utc(),
                    )
                )
                for name, v in versions.items():
                    fv_set.append((tbl, pk, name, v[0], v[1], v[2]))
                    max_hlc = max(max_hlc, v[2])
                report.received += 1
                continue
            changed = []
            for name, value, old in zip(fields, values, have, strict=True):
                if (tbl, pk, name) in pending:
                    continue
                if value != old:
                    changed.append(name)
                want = versions.get(name)
                got = local_v.get((pk, name))
                if want is None:
                    if got is not None:
                        fv_del.append((tbl, pk, name))
                else:
                    max_hlc = max(max_hlc, want[2])
                    if got is None or (got[0], got[1]) != (want[0], want[1]):
                        fv_set.append((tbl, pk, name, want[0], want[1], want[2]))
            if changed:
                updates.setdefault(tuple(changed), []).append(
                    [*(row[n] for n in changed), row.get("updated_at") or now_utc(), pk]
                )
                report.received += len(changed)
        if inserts:
            cols = [pk_name, *fields, "created_at", "updated_at"]
            conn.executemany(
                f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                inserts,
            )
        for names, params in updates.items():
            sets = ", ".join(f"{n} = ?" for n in names)
            conn.executemany(f"UPDATE {tbl} SET {sets}, updated_at = ? WHERE {pk_name} = ?", params)
        conn.executemany(
            "INSERT INTO field_version(tbl, pk, field, replica, seq, hlc) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(tbl, pk, field) DO UPDATE SET replica = excluded.replica, "
            "seq = excluded.seq, hlc = excluded.hlc",
            fv_set,
        )
        conn.executemany("DELETE FROM field_version WHERE tbl = ? AND pk = ? AND field = ?", fv_del)
    return max_hlc


# --- joining: `taskforce init --da CARTELLA --email EMAIL --codice CODICE` ------------------------
def join(
    store: Store,
    folder_path: Path,
    email: str,
    code: str,
    device_name: str = "",
    progress: Progress = _nop,
) -> SyncReport:
    """Link the profile to the folder and leave this device's enrolment request. The
    centre binds the device at its next merge; the next sync then pins the centre's
    keys, sends what is pending and imports the extract. A profile already in use (an
    upgrade, or a device re-enrolled) keeps all its data."""
    folder = SyncFolder(folder_path.expanduser())
    folder_id = folder.folder_id()
    known = store.get_meta("sync_folder_id")
    if known and known != folder_id:
        raise SyncError(
            "Questo profilo è già collegato a un'altra cartella di sincronizzazione.", "cartella"
        )
    name = device_name.strip() or f"dispositivo del {datetime.now(UTC):%d/%m/%Y}"
    device.request(store, folder, email, code, name[:80])
    store.set_meta("sync_trust", None)  # trusted again only through the centre's answer
    store.set_meta("sync_folder", str(folder.root))
    store.set_meta("sync_folder_id", folder_id)
    return sync(store, folder.root, progress=progress)


def last_report(store: Store) -> dict[str, Any] | None:
    raw = store.get_meta("last_sync_report")
    if not raw:
        return None
    try:
        value = jsonio.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None

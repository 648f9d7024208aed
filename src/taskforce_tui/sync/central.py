"""The coordinator's side: its own local central database (never a live SQLite file
on the share), the merge of the outboxes into the next generation, publishing the
full generation and one extract per expert, and the status report.

Order of a merge, and what a crash at each point leaves (tests/test_sync_crash.py):
1. publish any generation committed locally but not yet published (crash after 4);
2. adopt the newest central generation on the share if it is ahead of the local
   database (another coordinator, a restored machine, a crash between 5 and 4);
3. read and validate every outbox (bad files: quarantine, whole, with the reason);
4. merge in one local transaction, committing generation N+1 as "not published";
5. publish central-N+1 (the commit point on the share), then the extracts, then
   mark N+1 published; 6. move the outboxes now fully acknowledged to archive/.
Every step can be repeated: files are deterministic for a given generation, and
ops at or below a replica's ack are ignored.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.text import normalize
from taskforce_tui.store.aree import AreaInput, AreaRepo, EnteInput
from taskforce_tui.store.db import Store, new_id, now_utc
from taskforce_tui.store.oplog import expand
from taskforce_tui.store.schema import SYNCED_TABLES
from taskforce_tui.store.tx import Hlc, Tx
from taskforce_tui.sync import crypto, enrolment, reporting, trust
from taskforce_tui.sync import merge as merging
from taskforce_tui.sync import rows as R
from taskforce_tui.sync.bundle import Bundle, BundleWriter
from taskforce_tui.sync.crypto import KeyPair, NotForMe, SealWriter
from taskforce_tui.sync.errors import BundleError, NewerFormatError, SyncError
from taskforce_tui.sync.folder import KEEP_CENTRAL, KEEP_EXTRACTS, OUTBOX_NAME, SyncFolder
from taskforce_tui.sync.fsio import (
    PublishCollision,
    clean_temps,
    crashpoint,
    move_no_replace,
    publish,
    quarantine,
)
from taskforce_tui.sync.people import AreaRow, AssignmentRow, EnteRow, ExpertRow

Progress = Callable[[str, float], None]
MergeFn = Callable[[merging.MergeInput, list[merging.OutboxOps]], merging.Plan]
CENTRE_AUTHOR = "Segreteria Tecnica"
#: History (accepted ops) carried by bundles: the ops of the last N generations.
HISTORY_GENERATIONS = 7
#: Extracts written at the same time (each with its own read-only connection).
EXTRACT_THREADS = max(1, min(2, os.cpu_count() or 1))
REFERENCE_TABLES = (
    "comune",
    "ambito",
    "procedure_type",
    "activity",
    "expert",
    "assignment",
    "area",
    "area_expert",
)
#: An expert receives the interventions of the Aree Interne assigned to them.
_MY_AREAS = "SELECT area_code FROM area_expert WHERE expert_id = ? AND deleted = 0"
COMUNE_SCOPED = ("practice", "request", "baseline")
#: An op whose clock is further ahead of the merge's own clock than this cannot win a
#: conflict as it is: its clock is taken as the merge's (docs/sync.md, "Clocks").
CLOCK_BOUND_MS = 6 * 3600 * 1000


def _nop(label: str, fraction: float) -> None:
    return None


@dataclass(slots=True)
class MergeReport:
    generation: int | None = None  # the generation published by this run (None: nothing new)
    outboxes: int = 0
    accepted: int = 0
    rejected: int = 0
    conflicts: int = 0
    waiting: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    newer: list[str] = field(default_factory=list)
    not_for_me: list[str] = field(default_factory=list)
    enrolled: int = 0  # experts' devices
    coordinators_joined: int = 0
    enrol_refused: int = 0
    clock_ahead: list[str] = field(default_factory=list)
    archived: int = 0
    extracts: int = 0
    adopted: int | None = None
    people: int = 0


@dataclass(slots=True)
class People:
    experts: list[ExpertRow] | None = None
    assignments: list[AssignmentRow] | None = None
    areas: list[AreaRow] | None = None
    enti: list[EnteRow] | None = None


def default_db(profile_root: Path, folder_id: str) -> Path:
    return profile_root / "centrale" / f"centrale-{folder_id}.sqlite3"


def default_keys(profile_root: Path) -> Path:
    """The coordinator's key pair: in the profile, never on the share or in a backup."""
    return profile_root / "centrale" / "chiavi" / "coordinatore.key"


#: Where the centre lives: its SQLite file, or a PostgreSQL URL (store/pg.py).
Db = Path | str


def is_server(db: Db | None) -> bool:
    """True for a PostgreSQL URL: the centre on a server, shared by coordinators."""
    return isinstance(db, str)


def open_store(db: Db) -> Store:
    """The centre's store: the SQLite file, or the PostgreSQL database (its schema made
    on first use)."""
    if isinstance(db, str):
        from taskforce_tui.store.pg import PgStore

        return PgStore(db)
    return Store(db)


def _keys_for(db: Db | None, profile_root: Path, keys_path: Path | None) -> Path:
    """The coordinator's key: beside a centre's file given with --db (as ever), in the
    profile for the default file and for a server (never in the database)."""
    if keys_path is not None:
        return keys_path
    if isinstance(db, Path):
        return db.parent / "chiavi" / "coordinatore.key"
    return default_keys(profile_root)


@contextmanager
def transaction(store: Store) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction with foreign keys off (a merge may legitimately leave a
    reference dangling, e.g. a time log pointing at a practice whose creation was
    refused; nothing is ever lost for it)."""
    with store.lock:
        conn = store.conn
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                crashpoint("commit")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            crashpoint("committed")
        finally:
            conn.execute("PRAGMA foreign_keys = ON")


class Central:
    """The coordinator's central state for one sync folder."""

    def __init__(
        self,
        folder: SyncFolder,
        db: Db,
        store: Store | None = None,
        keys_path: Path | None = None,
    ) -> None:
        self.folder = folder
        self.db = db
        self.store = store or open_store(db)
        if keys_path is None:
            if isinstance(db, str):
                raise ValueError("a centre on a server needs its key's path (default_keys)")
            keys_path = db.parent / "chiavi" / "coordinatore.key"  # as `_keys_for`
        self.keys_path = keys_path
        self.keys = KeyPair.load_or_create(self.keys_path)
        if not is_server(db):  # on a server: made with the schema (store/pg.py)
            with self.store.lock:
                trust.ensure_tables(self.store.conn)
                reporting.ensure_views(self.store.conn)

    @property
    def where(self) -> str:
        """The database as it may be printed: its path, or its URL without password."""
        if isinstance(self.db, str):
            from taskforce_tui.sync.migrate import shown

            return shown(self.db)
        return str(self.db)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Central:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- opening ----------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, folder_path: Path, db: Db | None, profile_root: Path, keys_path: Path | None = None
    ) -> Central:
        keys_path = _keys_for(db, profile_root, keys_path)
        folder = SyncFolder(folder_path)
        folder_id = folder.folder_id()
        path = db or default_db(profile_root, folder_id)
        new_file = not is_server(path) and not Path(path).exists()
        if new_file and not folder.centrals():
            raise SyncError(
                f"Nessun database centrale in {path} e nessuna generazione in {folder.root}: "
                "crea la cartella con `taskforce centrale init`.",
                "cartella",
            )
        central = cls(folder, path, keys_path=keys_path)
        mine = central.store.get_meta("central_folder_id")
        if mine is None and (new_file or is_server(path)) and folder.centrals():
            # a new database: rebuilt from the share by the next merge (adoption)
            central.store.set_meta("central_folder_id", folder_id)
            mine = folder_id
        if mine != folder_id:
            central.close()
            raise SyncError(
                f"Il database centrale {central.where} appartiene a un'altra cartella di "
                "sincronizzazione: indica quella giusta, o un altro database con --db."
                if mine is not None
                else f"Nessun centro nel database {central.where} e nessuna generazione in "
                f"{folder.root}: crea la cartella con `taskforce centrale init`.",
                "cartella",
            )
        return central

    @classmethod
    def init(
        cls,
        folder_path: Path,
        db: Db | None,
        profile_root: Path,
        people: People,
        progress: Progress = _nop,
        email: str = "",
        keys_path: Path | None = None,
    ) -> tuple[Central, MergeReport]:
        folder = SyncFolder(folder_path)
        if folder.marker.exists():
            raise SyncError(
                f"{folder.root} è già una cartella di sincronizzazione: per aggiornare esperti e "
                "assegnazioni usa `taskforce centrale merge CARTELLA --esperti FILE "
                "--assegnazioni FILE`.",
                "cartella",
            )
        if isinstance(db, Path) and db.exists():
            raise SyncError(f"Il database {db} esiste già: scegline un altro con --db.", "db")
        if is_server(db):
            _refuse_used_server(str(db))
        staging = folder_path.parent / f".{folder_path.name}-init.sqlite3"
        for suffix in ("", "-wal", "-shm", ".replica.json"):
            Path(str(staging) + suffix).unlink(missing_ok=True)
        store = Store(staging)
        try:
            resolved = _resolve_people(store, people)  # bad input: nothing written
        finally:
            store.close()
            for suffix in ("", "-wal", "-shm", ".replica.json"):
                Path(str(staging) + suffix).unlink(missing_ok=True)
        folder_id = folder.create()
        path = db or default_db(profile_root, folder_id)
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        central = cls(folder, path, keys_path=_keys_for(db, profile_root, keys_path))
        central.store.set_meta("central_folder_id", folder_id)
        with central.store.lock:
            enrolment.add_founder(central.store.conn, central.keys, email, CENTRE_AUTHOR)
        central._pin_coordinators()
        report = central.merge(people=resolved, progress=progress, force=True)
        return central, report

    # --- generations ------------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        with self.store.read() as conn:
            row = conn.execute("SELECT MAX(generation) FROM sync_generation").fetchone()
        return int(row[0] or 0)

    def _generation_row(self, generation: int) -> tuple[str, str | None, str | None] | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT created_at, sha256, published_at FROM sync_generation WHERE generation = ?",
                (generation,),
            ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    # --- merge ------------------------------------------------------------------------------------
    def merge(
        self,
        *,
        people: People | None = None,
        progress: Progress = _nop,
        merge_fn: MergeFn = merging.plan,
        force: bool = False,
    ) -> MergeReport:
        """Validate and merge every outbox into the next generation, and publish it."""
        self.folder.check()
        with self._only_merge():
            return self._merge_attempts(people, progress, merge_fn, force)

    @contextmanager
    def _only_merge(self) -> Iterator[None]:
        """On a server several coordinators share the database: one merge at a time, by
        a session advisory lock (docs/sync.md). The second is told, and writes nothing."""
        if not self.store.try_exclusive():
            raise SyncError(
                "Un'altra unione è in corso su questo database (un altro coordinatore): "
                "riprova quando è finita. Non è stato scritto nulla.",
                "db",
            )
        try:
            yield
        finally:
            self.store.release_exclusive()

    def _merge_attempts(
        self, people: People | None, progress: Progress, merge_fn: MergeFn, force: bool
    ) -> MergeReport:
        report = MergeReport()
        for _attempt in range(3):
            try:
                return self._merge_once(report, people, progress, merge_fn, force)
            except PublishCollision as exc:
                # Another coordinator published this generation first: take theirs, and
                # merge again on top of it (the outboxes are still there).
                progress(f"generazione già pubblicata da altri ({exc.path.name}): riallineo", 0.0)
                self._discard_unpublished()
        raise SyncError(
            "Un'altra postazione sta pubblicando generazioni in questa cartella: riprova fra "
            "qualche minuto.",
            "cartella",
        )

    def _merge_once(
        self,
        report: MergeReport,
        people: People | None,
        progress: Progress,
        merge_fn: MergeFn,
        force: bool,
    ) -> MergeReport:
        if people and not isinstance(people, ResolvedPeople):
            people = _resolve_people(self.store, people)  # bad input: nothing written
        progress("controllo delle generazioni", 0.02)
        self._publish_pending(progress)
        adopted = self._adopt_if_behind(progress)
        if adopted:
            report.adopted = adopted
        progress("richieste di iscrizione", 0.08)
        folder_id = str(self.store.get_meta("central_folder_id") or "")
        enrolments = enrolment.decide(self.store, self.folder, folder_id)
        dirty = self.store.get_meta("trust_dirty") == "1" or enrolments.changed
        progress("lettura dei file in arrivo", 0.1)
        outboxes, files = self._read_outboxes(report)
        report.outboxes = len(outboxes)
        inp = self._gather(outboxes)
        result = merge_fn(inp, outboxes)
        report.waiting = result.waiting
        stamp = now_utc()
        changes = 0
        if not (result.changed or people or force or dirty):
            self._touch_replicas(outboxes, files)
            report.archived = self._archive(files)
            self._answer(enrolments, report)
            return report
        progress("unione delle modifiche", 0.3)
        with transaction(self.store) as conn:
            if people:
                changes = _apply_people(conn, self.store, people)
            _apply_plan(conn, self.store, result)
            enrolment.apply(conn, enrolments, self.keys)
            if not (result.changed or changes or force or dirty):
                return report
            conn.execute("DELETE FROM meta WHERE key = 'trust_dirty'")
            generation = inp.generation
            conn.execute(
                "INSERT INTO sync_generation(generation, created_at, outboxes, accepted, rejected, "
                "conflicts) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    generation,
                    stamp,
                    len(outboxes),
                    len(result.accepted),
                    len(result.rejected),
                    len(result.conflicts),
                ),
            )
            conn.execute(
                "UPDATE oplog SET generation = ?, acked = 1 WHERE generation IS NULL AND replica "
                "IN (SELECT id FROM replica)",
                (generation,),
            )
            self._touch_replicas(outboxes, files, conn)
        report.generation = generation
        report.accepted = len(result.accepted)
        report.rejected = len(result.rejected)
        report.conflicts = len(result.conflicts)
        report.people = changes
        self._publish(generation, progress)
        self._pin_coordinators()
        with self.store.read() as conn:
            report.extracts = len(
                [e for e in self._experts() if e[0] in enrolment.device_boxes(conn)]
            )
        report.archived = self._archive(files)
        self._answer(enrolments, report)
        progress("fatto", 1.0)
        return report

    def _answer(self, enrolments: enrolment.Enrolments, report: MergeReport) -> None:
        """Answer the enrolment requests (after the generation is published)."""
        accepted, report.enrol_refused = enrolment.answer(
            self.store, self.folder, enrolments, self.keys
        )
        report.coordinators_joined = sum(
            d.outcome == "iscritto" and d.request.role == "coordinatore"
            for d in enrolments.decisions
        )
        report.enrolled = accepted - report.coordinators_joined

    # --- outboxes ---------------------------------------------------------------------------------
    def _read_outboxes(
        self, report: MergeReport
    ) -> tuple[list[merging.OutboxOps], list[tuple[str, Path, dict[str, int]]]]:
        outboxes: list[merging.OutboxOps] = []
        files: list[tuple[str, Path, dict[str, int]]] = []
        with self.store.read() as conn:
            owners = dict(conn.execute("SELECT replica, expert_id FROM sync_replica"))
            experts = dict(conn.execute("SELECT id, name FROM expert WHERE deleted = 0"))
            devices = enrolment.device_names(conn)
            bound = dict(conn.execute("SELECT replica, device_id FROM trust_replica"))
            reported = {r[0] for r in conn.execute("SELECT file FROM trust_reported")}
        ctx = _OutboxContext(
            keys=self.keys,
            folder_id=str(self.store.get_meta("central_folder_id") or ""),
            owners=owners,
            experts=experts,
            devices=devices,
            bound=bound,
            clock_limit=Hlc.format(int(time.time() * 1000) + CLOCK_BOUND_MS, 0),
            clamp_to=Hlc.format(int(time.time() * 1000), 0),
        )
        newly_reported: list[str] = []
        for expert_id, path in self.folder.outboxes():
            try:
                ob, ranges, device_id = _read_outbox(path, expert_id, ctx)
            except NotForMe:
                report.not_for_me.append(path.name)
                continue
            except NewerFormatError:
                if path.name not in reported:
                    report.newer.append(path.name)
                    newly_reported.append(path.name)
                continue
            except BundleError as exc:
                quarantine(path, self.folder.quarantine_dir, exc.reason)
                report.quarantined.append((path.name, exc.reason))
                continue
            for op in ob.ops:
                owners.setdefault(op.replica, expert_id)
                bound.setdefault(op.replica, device_id)
            outboxes.append(ob)
            files.append((expert_id, path, ranges))
        report.clock_ahead = sorted(ctx.clock_ahead)
        self._bindings = {r: bound[r] for f in files for r in f[2]}
        self._clock_notes = ctx.clock_notes
        if newly_reported:
            with self.store.lock:
                self.store.conn.executemany(
                    "INSERT INTO trust_reported(file, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [(name, now_utc()) for name in newly_reported],
                )
        return outboxes, files

    def _touch_replicas(
        self,
        outboxes: list[merging.OutboxOps],
        files: list[tuple[str, Path, dict[str, int]]],
        conn: sqlite3.Connection | None = None,
    ) -> None:
        """Remember each replica's newest outbox (for `centrale stato`), bind each replica
        to the device that first sent it (never rebound), note clocks found ahead."""
        latest: dict[str, tuple[str, str]] = {}
        for expert_id, path, ranges in files:
            stamp = _stamp_of(path)
            for replica in ranges:
                if replica not in latest or latest[replica][0] < stamp:
                    latest[replica] = (stamp, expert_id)
        if not latest:
            return
        sql = (
            "INSERT INTO sync_replica(replica, expert_id, last_outbox_at) VALUES (?, ?, ?) "
            "ON CONFLICT(replica) DO UPDATE SET last_outbox_at = "
            "greatest(COALESCE(sync_replica.last_outbox_at, ''), excluded.last_outbox_at)"
        )
        params = [(r, e, s) for r, (s, e) in latest.items()]
        bindings = getattr(self, "_bindings", {})
        notes = getattr(self, "_clock_notes", [])

        def run(c: sqlite3.Connection) -> None:
            c.executemany(sql, params)
            c.executemany(
                "INSERT INTO trust_replica(replica, device_id, bound_at) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(r, d, now_utc()) for r, d in bindings.items()],
            )
            c.executemany(
                "UPDATE trust_device SET "
                "last_outbox_at = greatest(COALESCE(last_outbox_at, ''), ?) WHERE device_id = ?",
                [(latest[r][0], d) for r, d in bindings.items() if r in latest],
            )
            c.executemany(
                "INSERT INTO trust_event(at, who, device, outcome, reason) "
                "VALUES (?, ?, ?, 'orologio', ?)",
                notes,
            )

        if conn is not None:
            run(conn)
        else:
            with self.store.lock:
                run(self.store.conn)

    def _archive(self, files: list[tuple[str, Path, dict[str, int]]]) -> int:
        """Move the outboxes whose every op is now acknowledged into archive/."""
        with self.store.read() as conn:
            acks = dict(conn.execute("SELECT replica, acked_seq FROM sync_replica"))
        moved = 0
        for expert_id, path, ranges in files:
            if all(acks.get(r, 0) >= last for r, last in ranges.items()):
                try:
                    move_no_replace(path, self.folder.archive_dir(expert_id))
                    moved += 1
                except OSError:
                    continue  # left in place: merged again next time, harmlessly
                crashpoint("archive")
        return moved

    # --- gathering the state the merge needs ------------------------------------------------------
    def _gather(self, outboxes: list[merging.OutboxOps]) -> merging.MergeInput:
        touched: dict[str, set[str]] = defaultdict(set)
        parents: dict[str, set[str]] = defaultdict(set)
        interventions: set[str] = set()
        for ob in outboxes:
            for op in ob.ops:
                if op.tbl in SYNCED_TABLES:
                    touched[op.tbl].add(op.pk)
                    link = merging.PARENT_OF.get(op.tbl)
                    if link and op.field == link[0] and isinstance(op.value, str):
                        parents[link[1]].add(op.value)
                    if (
                        op.tbl in merging.INTERVENTION_CHILDREN
                        and op.field == "intervention_id"
                        and isinstance(op.value, str)
                    ):
                        interventions.add(op.value)
        with self.store.read() as conn:
            acks = dict(conn.execute("SELECT replica, acked_seq FROM sync_replica"))
            owners = dict(conn.execute("SELECT replica, expert_id FROM sync_replica"))
            current: dict[merging.Key, merging.Current] = {}
            for tbl, pks in touched.items():
                _load_current(conn, tbl, sorted(pks), current)
            for tbl, link in merging.PARENT_OF.items():
                for (t, _pk, name), cur in current.items():
                    if t == tbl and name == link[0] and isinstance(cur.value, str):
                        parents[link[1]].add(cur.value)
            parent_comune: dict[merging.Rec, str | None] = {}
            for tbl, pks in parents.items():
                for chunk in R.chunks(sorted(pks)):
                    marks = ", ".join("?" for _ in chunk)
                    for pk, comune in conn.execute(
                        f"SELECT id, comune_code FROM {tbl} WHERE id IN ({marks})", list(chunk)
                    ):
                        parent_comune[(tbl, pk)] = comune
            assignments: dict[str, dict[str, list[tuple[str | None, str | None]]]] = {}
            for expert, comune, start, end in conn.execute(
                "SELECT expert_id, comune_code, valid_from, valid_to FROM assignment "
                "WHERE deleted = 0"
            ):
                assignments.setdefault(expert, {}).setdefault(comune, []).append((start, end))
            for (t, _pk, name), cur in current.items():
                if (
                    t in merging.INTERVENTION_CHILDREN
                    and name == "intervention_id"
                    and isinstance(cur.value, str)
                ):
                    interventions.add(cur.value)
            parent_area: dict[merging.Rec, str | None] = {}
            for chunk in R.chunks(sorted(interventions)):
                marks = ", ".join("?" for _ in chunk)
                for pk, area in conn.execute(
                    f"SELECT id, area_code FROM intervention WHERE id IN ({marks})", list(chunk)
                ):
                    parent_area[("intervention", pk)] = area
            area_assignments: dict[str, set[str]] = {}
            for expert, area in conn.execute(
                "SELECT expert_id, area_code FROM area_expert WHERE deleted = 0"
            ):
                area_assignments.setdefault(expert, set()).add(area)
            generation = int(
                conn.execute("SELECT COALESCE(MAX(generation), 0) FROM sync_generation").fetchone()[
                    0
                ]
            )
        return merging.MergeInput(
            generation=generation + 1,
            acks=acks,
            owners=owners,
            current=current,
            parent_comune=parent_comune,
            assignments=assignments,
            parent_area=parent_area,
            area_assignments=area_assignments,
        )

    # --- publishing -------------------------------------------------------------------------------
    def _experts(self) -> list[tuple[str, str, str]]:
        with self.store.read() as conn:
            return list(
                conn.execute("SELECT id, email, name FROM expert WHERE deleted = 0 ORDER BY id")
            )

    def _publish_pending(self, progress: Progress) -> None:
        with self.store.read() as conn:
            pending = [
                r[0]
                for r in conn.execute(
                    "SELECT generation FROM sync_generation WHERE published_at IS NULL "
                    "ORDER BY generation"
                )
            ]
        for generation in pending:
            self._publish(generation, progress)

    def _publish(self, generation: int, progress: Progress) -> None:
        """Publish central-N, then the extracts. The extracts are written while the
        central file is being written (both cores), but each is given its name only
        once central-N is published: central-N is the commit point on the share."""
        row = self._generation_row(generation)
        assert row is not None
        created_at = row[0]
        parent = self._generation_row(generation - 1)
        central_path = self.folder.central_path(generation)
        clean_temps(self.folder.central_dir)
        progress(f"pubblicazione della generazione {generation}", 0.4)
        with self.store.read() as conn:
            boxes = enrolment.device_boxes(conn)
            entries = enrolment.coordinators(conn)
            clock_notes = {
                r[0]: r[1]
                for r in conn.execute(
                    "SELECT who, string_agg(device || ': ' || reason, '; ') FROM trust_event "
                    "WHERE outcome = 'orologio' AND at >= ? GROUP BY who",
                    (created_at[:19],),
                )
            }
        experts = [e for e in self._experts() if e[0] in boxes]
        history = self._history(generation)
        acks = {e[0]: self._acks(e[0]) for e in experts}
        fixed = {
            "central": central_path.name,
            "folder_id": self.store.get_meta("central_folder_id"),
            "writer": {"role": "centrale", "replica": self.store.replica_id, "key": self.keys.id},
            "coordinators": list(entries.values()),
        }
        self._seal_to = {"central": trust.boxes(entries), **boxes}
        self._clock_for = clock_notes
        with self.store.read() as conn:
            # the same in every extract: read once, not once per expert
            self._reference = {
                tbl: [line for _, line in R.table_lines(conn, tbl)] for tbl in REFERENCE_TABLES
            }
        todo = []
        for expert in experts:
            path = self.folder.extract_path(expert[0], generation)
            if not (path.exists() and path.stat().st_size):
                todo.append((expert, path))
        central_out = threading.Event()
        central_failed: list[BaseException] = []
        done = 0
        lock = threading.Lock()

        def wait_for_central() -> None:
            central_out.wait()
            if central_failed:
                raise SyncError("Generazione centrale non pubblicata: estratti annullati.")

        def central() -> str:
            conn = _reader(self.db)
            sealed: list[SealWriter] = []
            try:
                # a re-run after a crash seals the same content anew: same content, new bytes
                return publish(
                    central_path,
                    lambda fh: sealed.append(
                        self._write_central(conn, fh, generation, created_at, parent)
                    ),
                    same=lambda p: (
                        crypto.plain_sha256(p, [self.keys]) == sealed[-1].plain.hexdigest()
                    ),
                )
            except BaseException as exc:
                central_failed.append(exc)
                raise
            finally:
                conn.close()
                central_out.set()

        def one(item: tuple[tuple[str, str, str], Path]) -> None:
            nonlocal done
            who, path = item
            clean_temps(path.parent)
            conn = _reader(self.db)
            try:

                def write(fh: BinaryIO) -> None:
                    self._write_extract(
                        conn, fh, generation, created_at, who, history, acks[who[0]], fixed
                    )

                publish(path, write, wait_for_central)
            finally:
                conn.close()
            with lock:
                done += 1
                progress(
                    f"estratti per gli esperti ({done}/{len(todo)})",
                    0.5 + 0.45 * done / max(1, len(todo)),
                )

        # SQLite and zlib release the GIL: the central file and the extracts are
        # written side by side, on every core
        with ThreadPoolExecutor(max_workers=1 + EXTRACT_THREADS) as pool:
            central_job = pool.submit(central)
            jobs = [pool.submit(one, item) for item in todo]
            sha = central_job.result()  # a PublishCollision surfaces here
            with self.store.lock:
                self.store.conn.execute(
                    "UPDATE sync_generation SET sha256 = ? WHERE generation = ?", (sha, generation)
                )
            for job in jobs:
                job.result()
        with self.store.lock:
            self.store.conn.execute(
                "UPDATE sync_generation SET published_at = ? WHERE generation = ?",
                (now_utc(), generation),
            )
        crashpoint("published")
        self._prune(generation, [e[0] for e in experts])

    def _prune(self, generation: int, experts: list[str]) -> None:
        for number, path in self.folder.centrals():
            if number <= generation - KEEP_CENTRAL:
                path.unlink(missing_ok=True)
        for expert_id in experts:
            for number, path in self.folder.extracts(expert_id):
                if number <= generation - KEEP_EXTRACTS:
                    path.unlink(missing_ok=True)

    def _history(self, generation: int) -> list[tuple[Any, ...]]:
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {R.OP_COLUMNS}, generation FROM oplog WHERE generation > ? "
                "AND generation <= ? ORDER BY generation, replica, seq",
                (generation - HISTORY_GENERATIONS, generation),
            )
            # the centre's own records created in bulk, if any, go out one op per field
            return [op for row in rows for op in expand(row)]

    def _acks(self, expert_id: str | None = None) -> dict[str, int]:
        sql = "SELECT replica, acked_seq FROM sync_replica"
        params: tuple[str, ...] = ()
        if expert_id is not None:
            sql += " WHERE expert_id = ?"
            params = (expert_id,)
        with self.store.read() as conn:
            return {r: int(s) for r, s in conn.execute(sql + " ORDER BY replica", params)}

    def _write_central(
        self,
        conn: sqlite3.Connection,
        fh: BinaryIO,
        generation: int,
        created_at: str,
        parent: tuple[str, str | None, str | None] | None,
    ) -> SealWriter:
        folder_id = self.store.get_meta("central_folder_id")
        seal = SealWriter(
            fh,
            {"kind": "central", "folder_id": folder_id, "generation": generation},
            self._seal_to["central"],
        )
        writer = BundleWriter(
            seal,  # type: ignore[arg-type]
            "central",
            {
                "created_at": created_at,
                "generation": generation,
                "parent_generation": generation - 1 if parent else None,
                "parent_sha256": parent[1] if parent else None,
                "folder_id": folder_id,
                "writer": {
                    "role": "centrale",
                    "replica": self.store.replica_id,
                    "key": self.keys.id,
                },
                "acks": self._acks(),
            },
            signer=self.keys,
        )
        for tbl, cols in trust.PUBLISHED.items():
            writer.member(
                f"{tbl}.jsonl",
                (
                    dict(zip(cols, r, strict=True))
                    for r in conn.execute(f"SELECT {', '.join(cols)} FROM {tbl} ORDER BY 1")
                ),
            )
        for tbl in SYNCED_TABLES:
            lines = (line for _, line in R.table_lines(conn, tbl))
            writer.member_lines(f"{tbl}.jsonl", lines, R.member_columns(tbl))
        writer.member(
            "conflicts.jsonl",
            (
                R.conflict_row(r)
                for r in conn.execute(f"SELECT {R.CONFLICT_COLUMNS} FROM conflict ORDER BY id")
            ),
        )
        writer.member(
            "replicas.jsonl",
            (
                {"replica": r[0], "expert_id": r[1], "acked_seq": r[2], "last_outbox_at": r[3]}
                for r in conn.execute(
                    "SELECT replica, expert_id, acked_seq, last_outbox_at FROM sync_replica "
                    "ORDER BY replica"
                )
            ),
        )
        writer.member("rejected.jsonl", _rejected_rows(conn, None))
        writer.member(
            "generations.jsonl",
            (
                {
                    "generation": r[0],
                    "created_at": r[1],
                    "sha256": r[2] if r[0] != generation else None,
                    "outboxes": r[3],
                    "accepted": r[4],
                    "rejected": r[5],
                    "conflicts": r[6],
                }
                for r in conn.execute(
                    "SELECT generation, created_at, sha256, outboxes, accepted, rejected, "
                    "conflicts FROM sync_generation WHERE generation <= ? ORDER BY generation",
                    (generation,),
                )
            ),
        )
        writer.member("ops.jsonl", (R.op_row(r[:11], r[11]) for r in self._history(generation)))
        writer.close()
        seal.finish()
        return seal

    def _write_extract(
        self,
        conn: sqlite3.Connection,
        fh: BinaryIO,
        generation: int,
        created_at: str,
        expert: tuple[str, str, str],
        history: list[tuple[Any, ...]],
        acks: dict[str, int],
        fixed: dict[str, Any],
    ) -> None:
        expert_id, email, name = expert
        seal = SealWriter(
            fh,
            {
                "kind": "extract",
                "folder_id": fixed["folder_id"],
                "generation": generation,
                "expert_id": expert_id,
            },
            self._seal_to[expert_id],
        )
        writer = BundleWriter(
            seal,  # type: ignore[arg-type]
            "extract",
            {
                "created_at": created_at,
                "generation": generation,
                "expert": {"id": expert_id, "email": email, "name": name},
                "acks": acks,
                "clock_warning": self._clock_for.get(expert_id),
                **fixed,
            },
            signer=self.keys,
        )
        keys: dict[str, set[str]] = defaultdict(set)

        def noting(tbl: str, rows: Iterable[tuple[str, str]]) -> Iterator[str]:
            seen = keys[tbl]
            for pk, line in rows:
                seen.add(pk)
                yield line

        scope = _scope(conn, expert_id, created_at[:10])
        marks = ", ".join("?" for _ in scope) or "NULL"
        for tbl in REFERENCE_TABLES:
            writer.member_lines(f"{tbl}.jsonl", iter(self._reference[tbl]), R.member_columns(tbl))
        closure_p, closure_r = _closure(conn, expert_id, scope)
        ids_p = ", ".join("?" for _ in closure_p) or "NULL"
        ids_r = ", ".join("?" for _ in closure_r) or "NULL"
        scoped: dict[str, tuple[str, str, list[Any]]] = {
            "baseline": ("", f"WHERE t.comune_code IN ({marks})", scope),
            "practice": (
                "",
                f"WHERE t.comune_code IN ({marks}) OR t.id IN ({ids_p})",
                [*scope, *closure_p],
            ),
            "suspension": (
                "JOIN practice p ON p.id = t.practice_id",
                f"WHERE p.comune_code IN ({marks})",
                scope,
            ),
            "request": (
                "",
                f"WHERE t.comune_code IN ({marks}) OR t.id IN ({ids_r})",
                [*scope, *closure_r],
            ),
            "request_practice": (
                "JOIN request r ON r.id = t.request_id",
                f"WHERE r.comune_code IN ({marks})",
                scope,
            ),
            "time_log": ("", "WHERE t.expert_id = ?", [expert_id]),
            "intervention": ("", f"WHERE t.area_code IN ({_MY_AREAS})", [expert_id]),
            **{
                child: (
                    "JOIN intervention i ON i.id = t.intervention_id",
                    f"WHERE i.area_code IN ({_MY_AREAS})",
                    [expert_id],
                )
                for child in merging.INTERVENTION_CHILDREN
            },
        }
        for tbl, (join, clause, params) in scoped.items():
            rows = R.table_lines(conn, tbl, clause, params, join)
            writer.member_lines(f"{tbl}.jsonl", noting(tbl, rows), R.member_columns(tbl))
        conflicts = [
            R.conflict_row(r)
            for r in conn.execute(
                f"SELECT {R.CONFLICT_COLUMNS} FROM conflict WHERE resolved_at IS NULL "
                "OR generation > ? ORDER BY id",
                (generation - HISTORY_GENERATIONS,),
            )
        ]
        writer.member(
            "conflicts.jsonl", (c for c in conflicts if c["pk"] in keys.get(c["tbl"], ()))
        )
        writer.member("rejected.jsonl", _rejected_rows(conn, expert_id, generation))
        writer.member(
            "ops.jsonl",
            (R.op_row(r[:11], r[11]) for r in history if r[3] in keys.get(r[2], ())),
        )
        writer.close()
        seal.finish()

    # --- adoption: the share is ahead of the local database ---------------------------------------
    def catch_up(self, progress: Progress = _nop) -> int:
        """Bring the local database up to the newest generation on the share, without
        merging anything (a coordinator who has just joined). Returns the generation."""
        self.folder.check()
        self._publish_pending(progress)
        self._adopt_if_behind(progress)
        return self.generation

    def _adopt_if_behind(self, progress: Progress) -> int | None:
        local = self.generation
        mine = self._generation_row(local)
        for number, path in self.folder.centrals():
            if number < local:
                return None
            if number == local and mine is not None and mine[1] is not None:
                from taskforce_tui.sync.fsio import sha256_file

                if sha256_file(path) == mine[1]:
                    return None
            try:
                self._adopt(path, number, progress)
                return number
            except NewerFormatError:
                raise
            except NotForMe:
                raise SyncError(
                    f"La generazione {number} nella cartella non è cifrata per questa postazione: "
                    "non è tra i coordinatori. Chiedi un codice a un coordinatore "
                    "(`taskforce centrale invita CARTELLA EMAIL --coordinatore`) e usa "
                    "`taskforce centrale unisciti`.",
                    "cartella",
                ) from None
            except BundleError as exc:
                quarantine(path, self.folder.quarantine_dir, exc.reason)
                continue
        return None

    def _discard_unpublished(self) -> None:
        """After losing a publish race: forget the local unpublished generation."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT MIN(generation) FROM sync_generation WHERE published_at IS NULL"
            ).fetchone()
        if row[0] is None:
            return
        path = self.folder.central_path(int(row[0]))
        self._adopt(path, int(row[0]), _nop)

    def _adopt(self, path: Path, generation: int, progress: Progress) -> None:
        """Rebuild the local central database from a published central generation."""
        progress(f"riallineamento alla generazione {generation} pubblicata", 0.05)
        if isinstance(self.db, str):
            with tempfile.TemporaryDirectory(prefix="taskforce-adopt-") as tmp:
                self._adopt_into(Path(tmp) / "centrale.sqlite3", path, generation)
            return
        self._adopt_into(self.db.with_name(self.db.name + ".adopt"), path, generation)

    def _adopt_into(self, staging: Path, path: Path, generation: int) -> None:
        """Build the generation in `staging`, then make it the centre: the file moved in
        place, or on a server its rows put in place of the old ones in one transaction."""
        for suffix in ("", "-wal", "-shm", ".replica.json"):
            Path(str(staging) + suffix).unlink(missing_ok=True)
        folder_id = self.store.get_meta("central_folder_id")
        trusted = self._trusted_signers()
        bundle, header = Bundle.open_sealed(path, "central", [self.keys])
        fresh = Store(staging)
        try:
            with bundle:
                if bundle.signer not in trusted:
                    raise BundleError(
                        "generazione firmata da una chiave che non è di un coordinatore"
                    )
                if (
                    bundle.manifest.get("generation") != generation
                    or header.get("generation") != generation
                ):
                    raise BundleError("numero di generazione diverso dal nome del file")
                if folder_id and bundle.manifest.get("folder_id") not in (None, folder_id):
                    raise BundleError("generazione di un'altra cartella")
                load_central(fresh, bundle)
            with self.store.read() as old:
                _carry_local(old, fresh)
            fresh.set_meta("central_folder_id", folder_id)
            fresh.set_meta("central_folder", str(self.folder.root))
            fresh.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            fresh.close()
            for suffix in ("", "-wal", "-shm", ".replica.json"):
                Path(str(staging) + suffix).unlink(missing_ok=True)
            raise
        fresh.close()
        if isinstance(self.db, str):
            from taskforce_tui.store.pg import PgStore

            assert isinstance(self.store, PgStore)
            with self.store.lock:
                self.store.replace_contents(staging)
            crashpoint("adopted")
            self.store.close()
            self.store = open_store(self.db)
            self._pin_coordinators()
            return
        self.store.close()
        for suffix in ("-wal", "-shm"):
            Path(str(self.db) + suffix).unlink(missing_ok=True)
        os.replace(staging, self.db)
        for suffix in ("-wal", "-shm", ".replica.json"):
            Path(str(staging) + suffix).unlink(missing_ok=True)
        crashpoint("adopted")
        self.store = Store(self.db)
        self._pin_coordinators()

    # --- keys -------------------------------------------------------------------------------------
    def _trusted_signers(self) -> set[bytes]:
        """Coordinator keys this postazione trusts: its own, those pinned in its profile
        (from its enrolment answer, or from the last generation it published or adopted),
        and those of its database."""
        with self.store.read() as conn:
            entries = enrolment.coordinators(conn)
        pinned = enrolment.read_pinned(self.keys_path)
        return {self.keys.public.sign, *trust.signers(pinned), *trust.signers(entries)}

    def _pin_coordinators(self) -> None:
        with self.store.read() as conn:
            entries = enrolment.coordinators(conn)
        if entries:
            enrolment.write_pinned(self.keys_path, entries)

    # --- identity: invitations, devices, revocation ---------------------------------------------
    def invite(self, email: str, role: str = "esperto") -> dict[str, str]:
        folder_id = str(self.store.get_meta("central_folder_id") or "")
        return enrolment.invite(self.store, folder_id, email, role)

    def revoke(self, email: str, device: str | None = None) -> list[str]:
        return enrolment.revoke(self.store, email, device, self.keys)

    def devices(self) -> list[dict[str, Any]]:
        return enrolment.devices(self.store)

    # --- status -----------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        with self.store.read() as conn:
            generations = [
                {
                    "generation": r[0],
                    "created_at": r[1],
                    "published_at": r[2],
                    "outboxes": r[3],
                    "accepted": r[4],
                    "rejected": r[5],
                    "conflicts": r[6],
                }
                for r in conn.execute(
                    "SELECT generation, created_at, published_at, outboxes, accepted, rejected, "
                    "conflicts FROM sync_generation ORDER BY generation DESC LIMIT 10"
                )
            ]
            experts = [
                {
                    "expert_id": r[0],
                    "name": r[1],
                    "email": r[2],
                    "replicas": r[3],
                    "acked_seq": r[4],
                    "last_outbox_at": r[5],
                    "rejected": r[6],
                }
                for r in conn.execute(
                    "SELECT e.id, e.name, e.email, COUNT(s.replica), "
                    "COALESCE(SUM(s.acked_seq), 0), "
                    "MAX(s.last_outbox_at), (SELECT COUNT(*) FROM sync_rejected j "
                    "WHERE j.expert_id = e.id) FROM expert e LEFT JOIN sync_replica s "
                    "ON s.expert_id = e.id WHERE e.deleted = 0 GROUP BY e.id ORDER BY e.name"
                )
            ]
            rejected = [
                {
                    "expert_id": r[0],
                    "table": r[1],
                    "pk": r[2],
                    "field": r[3],
                    "reason": r[4],
                    "generation": r[5],
                    "at": r[6],
                }
                for r in conn.execute(
                    "SELECT expert_id, tbl, pk, field, reason, generation, at FROM sync_rejected "
                    "ORDER BY generation DESC, at DESC LIMIT 50"
                )
            ]
            open_conflicts = int(
                conn.execute("SELECT COUNT(*) FROM conflict WHERE resolved_at IS NULL").fetchone()[
                    0
                ]
            )
        quarantined = []
        try:
            for path in sorted(self.folder.quarantine_dir.iterdir()):
                if path.name.endswith(".motivo.txt"):
                    continue
                note = path.with_name(path.name + ".motivo.txt")
                reason = ""
                if note.exists():
                    for line in note.read_text(encoding="utf-8", errors="replace").splitlines():
                        if line.startswith("Motivo: "):
                            reason = line[8:]
                quarantined.append({"file": path.name, "reason": reason})
        except OSError:
            pass
        waiting = [p.name for _, p in self.folder.outboxes()]
        return {
            "folder": str(self.folder.root),
            "database": self.where,
            "generation": self.generation,
            "generations": generations,
            "experts": experts,
            "rejected": rejected,
            "open_conflicts": open_conflicts,
            "quarantine": quarantined,
            "waiting_outboxes": waiting,
            "devices": self.devices(),
            **enrolment.status(self.store),
        }


def _refuse_used_server(url: str) -> None:
    """`centrale init` on a server writes nothing into a database already in use."""
    from taskforce_tui.store.pg import PgStore

    with PgStore(url) as store:
        if store.get_meta("central_folder_id") is not None:
            raise SyncError(
                "Il database PostgreSQL indicato contiene già un centro: scegline un altro "
                "con --db (CREATE DATABASE).",
                "db",
            )


def _reader(db: Db) -> sqlite3.Connection:
    """A read-only connection of its own, for a writer thread (WAL: readers never block;
    on PostgreSQL a connection of its own, reading the committed generation)."""
    if isinstance(db, str):
        from taskforce_tui.store.pg import PgConnection

        return PgConnection(db)  # type: ignore[return-value]
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


# --- helpers --------------------------------------------------------------------------------------
def _stamp_of(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OSError:
        return ""


@dataclass(slots=True)
class _OutboxContext:
    keys: KeyPair
    folder_id: str
    owners: dict[str, str]  # replica -> expert
    experts: dict[str, str]  # expert id -> name
    devices: dict[str, tuple[str, str, str, str | None]]  # sign key -> device
    bound: dict[str, str]  # replica -> device id
    clock_limit: str
    clamp_to: str
    clock_ahead: set[str] = field(default_factory=set)
    clock_notes: list[tuple[str, str, str, str]] = field(default_factory=list)

    def who(self, expert_id: str) -> str:
        return self.experts.get(expert_id) or "un esperto non più in elenco"

    def device_name(self, device_id: str) -> str:
        for dev, expert, name, _revoked in self.devices.values():
            if dev == device_id:
                return f"«{name}» di {self.who(expert)}"
        return f"«{device_id}»"


def _read_outbox(
    path: Path, expert_id: str, ctx: _OutboxContext
) -> tuple[merging.OutboxOps, dict[str, int], str]:
    """An outbox, decrypted, its signature verified against a device enrolled for the
    expert of the folder it is in; its replicas bound to that device. Raises NotForMe
    (left in place), NewerFormatError, or BundleError (quarantine)."""
    if not OUTBOX_NAME.match(path.name):
        raise BundleError(f"nome di file inatteso nella cartella in uscita: {path.name}")
    if expert_id not in ctx.experts:
        raise BundleError("esperto sconosciuto alla centrale")
    bundle, header = Bundle.open_sealed(path, "outbox", [ctx.keys])
    with bundle:
        if header.get("folder_id") != ctx.folder_id:
            raise BundleError("il file non è un invio di questa cartella di sincronizzazione")
        signer = crypto.b64(bundle.signer or b"")
        device = ctx.devices.get(signer)
        if device is None:
            raise BundleError(
                f"firmato da un dispositivo non iscritto (nella cartella di {ctx.who(expert_id)})"
            )
        device_id, owner, name, revoked = device
        if revoked:
            raise BundleError(
                f"firmato dal dispositivo «{name}» di {ctx.who(owner)}, revocato il "
                f"{enrolment.short_date(revoked)}"
            )
        if owner != expert_id:
            raise BundleError(
                f"firmato dal dispositivo «{name}» di {ctx.who(owner)}, ma si trova nella "
                f"cartella di {ctx.who(expert_id)}"
            )
        manifest = bundle.manifest
        writer = manifest.get("writer")
        if (
            not isinstance(writer, dict)
            or writer.get("expert_id") != expert_id
            or writer.get("device") != device_id
            or manifest.get("folder_id") != ctx.folder_id
        ):
            raise BundleError(
                f"il contenuto firmato dal dispositivo «{name}» di {ctx.who(owner)} non "
                "corrisponde alla cartella in cui si trova"
            )
        data = bundle.read_all()
    ops = [
        R.parse_op(r, f"ops.jsonl riga {i + 1}") for i, r in enumerate(data.get("ops.jsonl", []))
    ]
    ranges: dict[str, int] = {}
    ahead = ""
    for i, op in enumerate(ops):
        owner_of = ctx.owners.get(op.replica)
        if owner_of is not None and owner_of != expert_id:
            raise BundleError(
                f"la replica {op.replica} appartiene a {ctx.who(owner_of)}, non a "
                f"{ctx.who(expert_id)}"
            )
        bound_to = ctx.bound.get(op.replica)
        if bound_to is not None and bound_to != device_id:
            raise BundleError(
                f"la replica {op.replica} è del dispositivo {ctx.device_name(bound_to)}, non di "
                f"«{name}»"
            )
        if op.hlc > ctx.clock_limit:
            ahead = max(ahead, op.hlc)
            ops[i] = dataclasses.replace(op, hlc=ctx.clamp_to)
        ranges[op.replica] = max(ranges.get(op.replica, 0), op.seq)
    if ahead:
        ctx.clock_ahead.add(f"{ctx.who(expert_id)}, dispositivo «{name}»")
        ctx.clock_notes.append(
            (
                now_utc(),
                expert_id,
                f"{name} ({device_id})",
                f"orologio avanti: {_hlc_date(ahead)}",
            )
        )
    imports: dict[str, list[tuple[int, int]]] = {}
    raw_imports = manifest.get("imports", {})
    if isinstance(raw_imports, dict):
        for replica, pairs in raw_imports.items():
            if isinstance(pairs, list):
                imports[str(replica)] = [
                    (int(p[0]), int(p[1]))
                    for p in pairs
                    if isinstance(p, list) and len(p) == 2 and all(isinstance(x, int) for x in p)
                ]
    resolutions = []
    for r in data.get("resolutions.jsonl", []):
        cid, res, at = r.get("conflict_id"), r.get("resolution"), r.get("at")
        if isinstance(cid, str) and isinstance(res, str) and isinstance(at, str):
            author = r.get("author")
            resolutions.append(
                merging.Resolution(cid, res[:500], author if isinstance(author, str) else None, at)
            )
    imported = manifest.get("imported_generation", 0)
    ob = merging.OutboxOps(
        name=path.name,
        expert_id=expert_id,
        ops=ops,
        imports=imports,
        imported_generation=imported if isinstance(imported, int) else 0,
        resolutions=resolutions,
    )
    return ob, ranges, device_id


def _hlc_date(hlc: str) -> str:
    try:
        wall, _ = Hlc.parse(hlc)
        return datetime.fromtimestamp(wall / 1000, UTC).strftime("%d/%m/%Y %H:%M UTC")
    except (ValueError, OverflowError, OSError):
        return hlc[:20]


def _load_current(
    conn: sqlite3.Connection, tbl: str, pks: list[str], out: dict[merging.Key, merging.Current]
) -> None:
    pk_name, fields = SYNCED_TABLES[tbl]
    for chunk in R.chunks(pks):
        marks = ", ".join("?" for _ in chunk)
        versions: dict[tuple[str, str], tuple[Any, ...]] = {}
        for pk, name, replica, seq, hlc, author, gen, at in conn.execute(
            "SELECT fv.pk, fv.field, fv.replica, fv.seq, fv.hlc, o.author, o.generation, o.at "
            "FROM field_version fv LEFT JOIN oplog o ON o.replica = fv.replica AND o.seq = fv.seq "
            f"WHERE fv.tbl = ? AND fv.pk IN ({marks})",
            [tbl, *chunk],
        ):
            versions[(pk, name)] = (replica, seq, hlc, author, gen, at)
        cols = ", ".join((pk_name, *fields))
        for row in conn.execute(
            f"SELECT {cols} FROM {tbl} WHERE {pk_name} IN ({marks})", list(chunk)
        ):
            pk = row[0]
            for name, value in zip(fields, row[1:], strict=True):
                v = versions.get((pk, name))
                if v is None:
                    out[(tbl, pk, name)] = merging.Current(value, None)
                else:
                    out[(tbl, pk, name)] = merging.Current(
                        value, (v[0], int(v[1])), v[2], v[3], int(v[4] or 0), v[5] or ""
                    )


def _write_statement(
    tbl: str, new: bool, names: list[str], recs: list[merging.Rec], plan: merging.Plan
) -> tuple[str, list[list[Any]]]:
    """The INSERT (new records) or UPDATE writing `names` of `tbl`, and each record's
    parameters."""
    pk_name = SYNCED_TABLES[tbl][0]
    params = []
    for rec in recs:
        writes = plan.writes[rec]
        stamps = sorted(w.at for w in writes.values())
        values = [writes[n].value for n in names]
        params.append(
            [rec[1], *values, stamps[0], stamps[-1]] if new else [*values, stamps[-1], rec[1]]
        )
    if new:
        cols = [pk_name, *names, "created_at", "updated_at"]
        marks = ", ".join("?" for _ in cols)
        return f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({marks})", params
    sets = ", ".join(f"{n} = ?" for n in names)
    return (
        f"UPDATE {tbl} SET {sets}, updated_at = greatest(updated_at, ?) WHERE {pk_name} = ?",
        params,
    )


def _apply_plan(conn: sqlite3.Connection, store: Store, plan: merging.Plan) -> None:
    generation = plan.generation
    bad: dict[merging.Rec, str] = {}
    fv_rows: list[tuple[Any, ...]] = []
    # One statement per shape (table, new or not, fields written), its records in one
    # executemany: a round trip per shape, not per record, on a server. A shape with
    # a value the database refuses is redone record by record, to refuse just those.
    shapes: dict[tuple[str, bool, tuple[str, ...]], list[merging.Rec]] = {}
    for rec in sorted(plan.writes):  # tables in order: a practice before its suspensions
        names = tuple(n for n in SYNCED_TABLES[rec[0]][1] if n in plan.writes[rec])
        shapes.setdefault((rec[0], rec in plan.new_records, names), []).append(rec)
    for (tbl, new, names), recs in shapes.items():
        sql, params = _write_statement(tbl, new, list(names), recs, plan)
        conn.execute("SAVEPOINT shape")
        try:
            conn.executemany(sql, params)
            conn.execute("RELEASE shape")
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO shape")
            conn.execute("RELEASE shape")
            for rec, one in zip(recs, params, strict=True):
                conn.execute("SAVEPOINT rec")
                try:
                    conn.execute(sql, one)
                    conn.execute("RELEASE rec")
                except sqlite3.IntegrityError as exc:
                    conn.execute("ROLLBACK TO rec")
                    conn.execute("RELEASE rec")
                    bad[rec] = f"valori non accettati ({exc})"
        for rec in recs:
            if rec in bad:
                continue
            writes = plan.writes[rec]
            for n in names:
                w = writes[n]
                if w.version is not None:
                    fv_rows.append((tbl, rec[1], n, w.version[0], w.version[1], w.hlc))
    if bad:
        keep = []
        for op in plan.accepted:
            reason = bad.get((op.tbl, op.pk))
            if reason is None:
                keep.append(op)
            else:
                plan.rejected.append((op, reason))
        plan.accepted = keep
        plan.conflicts = [c for c in plan.conflicts if (c.tbl, c.pk) not in bad]
        plan.restores = [r for r in plan.restores if (r[0], r[1]) not in bad]
    conn.executemany(
        "INSERT INTO field_version(tbl, pk, field, replica, seq, hlc) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(tbl, pk, field) DO UPDATE SET replica = excluded.replica, "
        "seq = excluded.seq, hlc = excluded.hlc",
        fv_rows,
    )
    conn.executemany(
        f"INSERT INTO oplog({R.OP_COLUMNS}, acked, generation) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING",
        [
            (
                op.replica,
                op.seq,
                op.tbl,
                op.pk,
                op.field,
                R.encode_value(op.value),
                op.prev[0] if op.prev else None,
                op.prev[1] if op.prev else None,
                op.hlc,
                op.author,
                op.at,
                generation,
            )
            for op in plan.accepted
        ],
    )
    restored = _apply_restores(conn, store, plan)
    conn.executemany(
        f"INSERT INTO conflict({R.CONFLICT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT DO NOTHING",
        [_conflict_params(c, generation, restored) for c in plan.conflicts],
    )
    conn.executemany(
        "INSERT INTO sync_rejected(replica, seq, expert_id, tbl, pk, field, value, "
        "reason, generation, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (
                op.replica,
                op.seq,
                plan.owners.get(op.replica) or _owner(conn, op.replica),
                op.tbl,
                op.pk,
                op.field,
                R.encode_value(op.value),
                reason,
                generation,
                op.at,
            )
            for op, reason in plan.rejected
        ],
    )
    for replica, expert in plan.owners.items():
        conn.execute(
            "INSERT INTO sync_replica(replica, expert_id) VALUES (?, ?) "
            "ON CONFLICT(replica) DO NOTHING",
            (replica, expert),
        )
    conn.executemany(
        "UPDATE sync_replica SET acked_seq = greatest(acked_seq, ?) WHERE replica = ?",
        [(seq, replica) for replica, seq in plan.acks.items()],
    )
    stamp = now_utc()
    for r in plan.resolutions:
        conn.execute(
            "UPDATE conflict SET resolved_at = ?, resolution = ? "
            "WHERE id = ? AND resolved_at IS NULL",
            (r.at or stamp, f"{r.resolution} ({r.author or 'esperto'})", r.conflict_id),
        )


def _owner(conn: sqlite3.Connection, replica: str) -> str | None:
    row = conn.execute(
        "SELECT expert_id FROM sync_replica WHERE replica = ?", (replica,)
    ).fetchone()
    return row[0] if row else None


def _apply_restores(
    conn: sqlite3.Connection, store: Store, plan: merging.Plan
) -> dict[merging.Rec, tuple[str, int, str]]:
    """The centre's own op `deleted = 0` for each record brought back (deterministic
    clock: just after the newest edit involved)."""
    done: dict[merging.Rec, tuple[str, int, str]] = {}
    if not plan.restores:
        return done
    replica = store.replica_id
    last_seq = int(
        conn.execute("SELECT last_seq FROM replica WHERE id = ?", (replica,)).fetchone()[0]
    )
    by_rec = {
        (c.tbl, c.pk): c for c in plan.conflicts if c.field == "deleted" and c.kept.version is None
    }
    for tbl, pk, prev in plan.restores:
        pk_name = SYNCED_TABLES[tbl][0]
        conflict = by_rec.get((tbl, pk))
        base = conflict.kept.hlc if conflict else ""
        wall, counter = Hlc.parse(base) if base else (0, 0)
        hlc = Hlc.format(wall, counter + 1)
        at = conflict.kept.at if conflict else now_utc()
        last_seq += 1
        conn.execute(f"UPDATE {tbl} SET deleted = 0 WHERE {pk_name} = ?", (pk,))
        conn.execute(
            f"INSERT INTO oplog({R.OP_COLUMNS}, acked, generation) "
            "VALUES (?, ?, ?, ?, 'deleted', '0', ?, ?, ?, ?, ?, 1, ?)",
            (
                replica,
                last_seq,
                tbl,
                pk,
                prev[0] if prev else None,
                prev[1] if prev else None,
                hlc,
                CENTRE_AUTHOR,
                at,
                plan.generation,
            ),
        )
        conn.execute(
            "INSERT INTO field_version(tbl, pk, field, replica, seq, hlc) VALUES (?, ?, 'deleted', "
            "?, ?, ?) ON CONFLICT(tbl, pk, field) DO UPDATE SET replica = excluded.replica, "
            "seq = excluded.seq, hlc = excluded.hlc",
            (tbl, pk, replica, last_seq, hlc),
        )
        done[(tbl, pk)] = (replica, last_seq, hlc)
    conn.execute("UPDATE replica SET last_seq = ? WHERE id = ?", (last_seq, replica))
    return done


def _conflict_params(
    c: merging.Conflict, generation: int, restored: dict[merging.Rec, tuple[str, int, str]]
) -> tuple[Any, ...]:
    def ver(v: merging.Version | None) -> str | None:
        return f"{v[0]}:{v[1]}" if v else None

    kept_version = ver(c.kept.version)
    kept_hlc = c.kept.hlc
    kept_author = c.kept.author
    if c.kept.version is None and (c.tbl, c.pk) in restored and c.field == "deleted":
        replica, seq, kept_hlc = restored[(c.tbl, c.pk)]
        kept_version = f"{replica}:{seq}"
        kept_author = CENTRE_AUTHOR
    return (
        c.id,
        c.tbl,
        c.pk,
        c.field,
        R.encode_value(c.kept.value),
        kept_version,
        kept_author,
        kept_hlc,
        R.encode_value(c.other.value),
        ver(c.other.version),
        c.other.author,
        c.other.hlc,
        generation,
        max(c.kept.at, c.other.at) or now_utc(),
    )


def _rejected_rows(
    conn: sqlite3.Connection, expert_id: str | None, generation: int | None = None
) -> Iterator[dict[str, Any]]:
    sql = (
        "SELECT replica, seq, expert_id, tbl, pk, field, value, reason, generation, at "
        "FROM sync_rejected"
    )
    params: list[Any] = []
    if expert_id is not None:
        sql += " WHERE expert_id = ? AND generation > ?"
        params = [expert_id, (generation or 0) - HISTORY_GENERATIONS]
    for r in conn.execute(sql + " ORDER BY replica, seq", params):
        yield {
            "replica": r[0],
            "seq": r[1],
            "expert_id": r[2],
            "tbl": r[3],
            "pk": r[4],
            "field": r[5],
            "value": r[6],
            "reason": r[7],
            "generation": r[8],
            "at": r[9],
        }


def _scope(conn: sqlite3.Connection, expert_id: str, on: str) -> list[str]:
    """The Comuni an extract covers: live assignments not ended before `on`."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT comune_code FROM assignment WHERE expert_id = ? AND deleted = 0 "
            "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY comune_code",
            (expert_id, on),
        )
    ]


def _closure(
    conn: sqlite3.Connection, expert_id: str, scope: list[str]
) -> tuple[list[str], list[str]]:
    """Practices and requests outside the scope that the expert's own time logs point
    at (sent along read-only, so nothing on the laptop points at nothing)."""
    marks = ", ".join("?" for _ in scope) or "NULL"
    practices = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT t.practice_id FROM time_log t JOIN practice p ON p.id = t.practice_id "
            f"WHERE t.expert_id = ? AND p.comune_code NOT IN ({marks}) ORDER BY 1",
            [expert_id, *scope],
        )
    ]
    requests = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT t.request_id FROM time_log t JOIN request q ON q.id = t.request_id "
            f"WHERE t.expert_id = ? AND q.comune_code NOT IN ({marks}) ORDER BY 1",
            [expert_id, *scope],
        )
    ]
    return practices, requests


# --- people (experts and assignments from the coordinator's spreadsheets) -------------------------
@dataclass(slots=True)
class ResolvedPeople(People):
    comuni: dict[int, str] = field(default_factory=dict)  # assignment line -> ISTAT code
    area_inputs: list[AreaInput] | None = None
    ente_inputs: list[EnteInput] | None = None


def _resolve_members(store: Store, codes: Iterable[str], where: str, what: str) -> list[str]:
    out: list[str] = []
    for text in codes:
        try:
            code = store.comuni.resolve(text).istat_code
        except DomainError as exc:
            raise DomainError(f"{where}: {exc.message}", what) from None
        if code not in out:
            out.append(code)
    return out


def _resolve_areas(store: Store, people: People, resolved: ResolvedPeople) -> None:
    """Areas and enti: every Comune named must exist; nothing is written on a bad row."""
    if people.areas is not None:
        resolved.area_inputs = []
        for a in people.areas:
            where = f"Aree, riga {a.line}"
            members = _resolve_members(store, a.members, where, "aree")
            lead = _resolve_members(store, [a.lead], where, "aree")[0] if a.lead else None
            if lead and lead not in members:
                members.insert(0, lead)
            resolved.area_inputs.append(AreaInput(a.code, a.name, a.kind, lead, members))
    if people.enti is not None:
        resolved.ente_inputs = [
            EnteInput(
                e.code,
                e.kind,
                e.name,
                _resolve_members(store, e.members, f"Enti, riga {e.line}", "enti"),
            )
            for e in people.enti
        ]
    if people.assignments is not None:
        if resolved.area_inputs is not None:
            known = {a.code for a in resolved.area_inputs}
        else:
            with store.read() as conn:
                known = {r[0] for r in conn.execute("SELECT code FROM area WHERE deleted = 0")}
        for row in people.assignments:
            if row.area and row.area not in known:
                raise DomainError(
                    f"Assegnazioni, riga {row.line}: area sconosciuta «{row.area}» (aree: "
                    f"{', '.join(sorted(known)) or 'nessuna'}).",
                    "assegnazioni",
                )


def _resolve_people(store: Store, people: People) -> ResolvedPeople:
    resolved = ResolvedPeople(people.experts, people.assignments, people.areas, people.enti)
    _resolve_areas(store, people, resolved)
    emails = {e.email for e in people.experts or []}
    if people.assignments is not None:
        new_enti = {e.code: e.code for e in people.enti or []}
        new_enti |= {normalize(e.name): e.code for e in people.enti or []}
        if people.experts is None:
            with store.read() as conn:
                emails = {
                    r[0] for r in conn.execute("SELECT lower(email) FROM expert WHERE deleted = 0")
                }
        for a in people.assignments:
            if a.email not in emails:
                raise DomainError(
                    f"Assegnazioni, riga {a.line}: l'email {a.email} non è tra gli esperti.",
                    "assegnazioni",
                )
            if not a.comune:
                continue  # an area assignment only
            listed = new_enti.get(a.comune.strip().upper()) or new_enti.get(normalize(a.comune))
            if listed is not None:  # an Unione of the enti file given with this merge
                resolved.comuni[a.line] = listed
                continue
            try:
                resolved.comuni[a.line] = store.comuni.resolve(a.comune).istat_code
            except DomainError as exc:
                raise DomainError(
                    f"Assegnazioni, riga {a.line}: {exc.message}", "assegnazioni"
                ) from None
    return resolved


def resolve_people(central: Central, people: People) -> ResolvedPeople:
    return _resolve_people(central.store, people)


def _apply_people(conn: sqlite3.Connection, store: Store, people: People) -> int:
    """Experts and assignments as the centre's own ops: the files are the full lists,
    so rows missing from them are tombstoned."""
    assert isinstance(people, ResolvedPeople)
    tx = Tx(conn, store.replica_id, CENTRE_AUTHOR)
    by_email = {
        r[1].lower(): (r[0], r[2], r[3])
        for r in conn.execute("SELECT id, email, name, ambiti FROM expert WHERE deleted = 0")
    }
    from taskforce_tui.store import jsonio

    # the enti and areas first: assignments may name them
    if people.ente_inputs is not None:
        AreaRepo.apply_enti(tx, people.ente_inputs)
    if people.area_inputs is not None:
        AreaRepo.apply_areas(tx, people.area_inputs)
    if people.experts is not None:
        listed = set()
        for e in people.experts:
            listed.add(e.email)
            ambiti = jsonio.dumps(list(e.ambiti)).decode()
            if e.email in by_email:
                expert_id = by_email[e.email][0]
                tx.update("expert", expert_id, {"name": e.name, "ambiti": ambiti})
            else:
                expert_id = new_id()
                tx.insert(
                    "expert", {"id": expert_id, "name": e.name, "email": e.email, "ambiti": ambiti}
                )
                by_email[e.email] = (expert_id, e.name, ambiti)
        for email, (expert_id, _, _) in list(by_email.items()):
            if email not in listed:
                tx.delete("expert", expert_id)
                del by_email[email]
    if people.assignments is not None:
        existing = {
            (r[1], r[2], r[3] or ""): (r[0], r[4], r[5])
            for r in conn.execute(
                "SELECT id, expert_id, comune_code, ambito, valid_from, valid_to FROM assignment "
                "WHERE deleted = 0"
            )
        }
        wanted = set()
        area_pairs: set[tuple[str, str]] = set()
        for a in people.assignments:
            expert_id = by_email[a.email][0]
            if a.area:
                area_pairs.add((expert_id, a.area))
            if not a.comune:
                continue
            code = people.comuni[a.line]
            key = (expert_id, code, a.ambito or "")
            wanted.add(key)
            start = a.valid_from.isoformat() if a.valid_from else None
            end = a.valid_to.isoformat() if a.valid_to else None
            if key in existing:
                tx.update("assignment", existing[key][0], {"valid_from": start, "valid_to": end})
            else:
                tx.insert(
                    "assignment",
                    {
                        "id": new_id(),
                        "expert_id": expert_id,
                        "comune_code": code,
                        "ambito": a.ambito,
                        "valid_from": start,
                        "valid_to": end,
                    },
                )
                existing[key] = ("", start, end)
        for key, (assignment_id, _, _) in existing.items():
            if key not in wanted and assignment_id:
                tx.delete("assignment", assignment_id)
        AreaRepo.apply_area_experts(tx, area_pairs)
    tx.flush()
    return tx.ops


# --- loading a central generation into an empty store (adoption) ----------------------------------
def load_central(store: Store, bundle: Bundle) -> None:
    with transaction(store) as conn:
        for tbl in SYNCED_TABLES:
            conn.execute(f"DELETE FROM {tbl}")
        conn.execute("DELETE FROM field_version")
        conn.execute("DELETE FROM practice_fts")
        for tbl, (pk_name, fields) in SYNCED_TABLES.items():
            cols = [pk_name, *fields, "created_at", "updated_at"]
            sql = f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
            batch: list[list[Any]] = []
            versions: list[tuple[Any, ...]] = []
            for i, row in enumerate(bundle.rows(f"{tbl}.jsonl")):
                pk = R.check_row(tbl, row, f"{tbl}.jsonl riga {i + 1}")
                batch.append(
                    [
                        pk,
                        *(row[f] for f in fields),
                        row.get("created_at") or "",
                        row.get("updated_at") or "",
                    ]
                )
                for name, v in row.get("_v", {}).items():
                    versions.append((tbl, pk, name, v[0], v[1], v[2]))
                if len(batch) >= 20000:
                    conn.executemany(sql, batch)
                    batch.clear()
            conn.executemany(sql, batch)
            conn.executemany(
                "INSERT INTO field_version(tbl, pk, field, replica, seq, hlc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                versions,
            )
        conn.executemany(
            f"INSERT INTO conflict({R.CONFLICT_COLUMNS}) VALUES ({', '.join('?' * 16)})",
            [R.conflict_params(r) for r in bundle.rows("conflicts.jsonl")],
        )
        conn.executemany(
            "INSERT INTO sync_replica(replica, expert_id, acked_seq, last_outbox_at) "
            "VALUES (?, ?, ?, ?)",
            [
                (r["replica"], r["expert_id"], int(r["acked_seq"]), r.get("last_outbox_at"))
                for r in bundle.rows("replicas.jsonl")
            ],
        )
        conn.executemany(
            "INSERT INTO sync_rejected(replica, seq, expert_id, tbl, pk, field, value, reason, "
            "generation, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                for r in bundle.rows("rejected.jsonl")
            ],
        )
        stamp = now_utc()
        generation = bundle.manifest.get("generation")
        for r in bundle.rows("generations.jsonl"):
            conn.execute(
                "INSERT INTO sync_generation(generation, created_at, sha256, published_at, "
                "outboxes, accepted, rejected, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r["generation"],
                    r["created_at"],
                    r.get("sha256"),
                    stamp,
                    r.get("outboxes", 0),
                    r.get("accepted", 0),
                    r.get("rejected", 0),
                    r.get("conflicts", 0),
                ),
            )
        conn.execute(
            "UPDATE sync_generation SET sha256 = ? WHERE generation = ?",
            (_sha_of(bundle.path), generation),
        )
        R.insert_ops(conn, bundle.rows("ops.jsonl"), with_generation=True)
        trust.ensure_tables(conn)
        for tbl, names in trust.PUBLISHED.items():
            conn.execute(f"DELETE FROM {tbl}")
            conn.executemany(
                f"INSERT INTO {tbl}({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                [[r.get(c) for c in names] for r in bundle.rows(f"{tbl}.jsonl")],
            )


def _carry_local(old: sqlite3.Connection, fresh: Store) -> None:
    """What never leaves a coordinator's database survives an adoption: its invitations
    (the codes' keys), the enrolment log, the files already reported."""
    with fresh.lock:
        conn = fresh.conn
        trust.ensure_tables(conn)
        for tbl in ("trust_invite", "trust_event", "trust_reported"):
            try:
                rows = old.execute(f"SELECT * FROM {tbl}").fetchall()
            except sqlite3.OperationalError:
                continue
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                conn.executemany(f"INSERT INTO {tbl} VALUES ({marks}) ON CONFLICT DO NOTHING", rows)


def _sha_of(path: Path) -> str:
    from taskforce_tui.sync.fsio import sha256_file

    return sha256_file(path)

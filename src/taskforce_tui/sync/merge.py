"""The merge, as a pure function: the central state of the records touched + the
outboxes (in any order, duplicated, partial) -> the decisions for the next generation.

No I/O here: `central.py` gathers the state from its database, calls `plan`, and
applies the plan in one transaction. The rules (docs/sync.md, "Merge"):

1. Per replica, drop ops already acknowledged and accept only the gap-free run after
   the ack (duplicates and reordering are harmless; ops after a gap wait).
2. Check who may write what; refused ops are acknowledged, recorded and reported,
   never applied.
3. Per (field, replica) collapse the chain: its last value, its first op's `prev`.
4. Candidates: each chain's value, unless another chain's `prev` is that version,
   plus the current central value unless some chain's `prev` is its version (that
   writer saw it and replaced it on purpose).
5. One distinct value: apply it. Several: the highest (hlc, replica, seq) wins
   provisionally and every other value is recorded as a conflict. Nothing is dropped.
6. A delete concurrent with an edit of the same record (by a writer who had not seen
   it) is a conflict, and the record stays visible.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from taskforce_tui.store.schema import CENTRE_ONLY_TABLES, SYNCED_TABLES

Version = tuple[str, int]
Key = tuple[str, str, str]  # (table, pk, field)
Rec = tuple[str, str]  # (table, pk)

#: Tables scoped by their own Comune, and those scoped through a parent record.
COMUNE_TABLES = frozenset({"practice", "request", "baseline"})
PARENT_OF: dict[str, tuple[str, str]] = {
    "suspension": ("practice_id", "practice"),
    "request_practice": ("request_id", "request"),
}
#: Tables scoped by the Aree Interne area of their intervention (issue 15): the
#: intervention itself (its `area_code`) and its children (through `intervention_id`).
AREA_TABLES = frozenset({"intervention"})
INTERVENTION_CHILDREN = frozenset(
    {"intervention_funding", "intervention_phase", "intervention_snapshot"}
)
_CONFLICT_NS = uuid.UUID("6f1c1f0e-5b7a-4c1e-9a55-2f1d0c6a8e01")


@dataclass(frozen=True, slots=True)
class Op:
    replica: str
    seq: int
    tbl: str
    pk: str
    field: str
    value: object
    prev: Version | None
    hlc: str
    author: str | None
    at: str

    @property
    def version(self) -> Version:
        return (self.replica, self.seq)


@dataclass(frozen=True, slots=True)
class Current:
    """A field's value in the central state, with the version that set it."""

    value: object
    version: Version | None  # None: the base version (never edited)
    hlc: str = ""
    author: str | None = None
    generation: int = 0  # the generation that accepted the version (0: base)
    at: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    conflict_id: str
    resolution: str
    author: str | None
    at: str


@dataclass(slots=True)
class OutboxOps:
    """One validated outbox: its writer, ops and what its laptop had imported."""

    name: str
    expert_id: str
    ops: list[Op]
    #: replica -> [(generation, replica's last seq when that generation was imported)]
    imports: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: the newest generation the laptop had imported when it wrote the outbox
    imported_generation: int = 0
    resolutions: list[Resolution] = field(default_factory=list)


@dataclass(slots=True)
class MergeInput:
    """What the merge needs to know about the central state (gathered by the caller)."""

    generation: int  # the generation being made
    acks: dict[str, int]
    owners: dict[str, str]  # replica -> expert id
    #: every synced field of every touched record that exists centrally
    current: dict[Key, Current]
    #: Comune of parent records (practices and requests) referenced by the ops
    parent_comune: dict[Rec, str | None] = field(default_factory=dict)
    #: expert -> Comune -> [(valid_from, valid_to)] (ISO dates or None)
    assignments: dict[str, dict[str, list[tuple[str | None, str | None]]]] = field(
        default_factory=dict
    )
    #: Area of the interventions the ops' children point at
    parent_area: dict[Rec, str | None] = field(default_factory=dict)
    #: expert -> the Aree Interne assigned to them
    area_assignments: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    value: object
    version: Version | None
    hlc: str
    author: str | None
    at: str

    def rank(self) -> tuple[str, str, int]:
        replica, seq = self.version or ("", 0)
        return (self.hlc, replica, seq)


@dataclass(slots=True)
class Chain:
    """One replica's unacknowledged ops on one field, collapsed."""

    replica: str
    first: Op
    last: Op
    seen_generation: int  # generation the writer had imported before its first op
    imported_generation: int  # newest generation the writer's outbox reports

    @property
    def prev(self) -> Version | None:
        return self.first.prev

    def candidate(self) -> Candidate:
        op = self.last
        return Candidate(op.value, op.version, op.hlc, op.author, op.at)


@dataclass(slots=True)
class Conflict:
    tbl: str
    pk: str
    field: str
    kept: Candidate
    other: Candidate

    @property
    def id(self) -> str:
        def ver(c: Candidate) -> str:
            return f"{c.version[0]}:{c.version[1]}" if c.version else "base"

        text = f"{self.tbl}|{self.pk}|{self.field}|{ver(self.kept)}|{ver(self.other)}"
        return str(uuid.uuid5(_CONFLICT_NS, text))


@dataclass(slots=True)
class Write:
    value: object
    version: Version | None  # None: a centre op to allocate (a restored record)
    hlc: str
    author: str | None
    at: str


@dataclass(slots=True)
class Plan:
    generation: int
    acks: dict[str, int] = field(default_factory=dict)  # replicas whose ack moves
    owners: dict[str, str] = field(default_factory=dict)  # replicas seen for the first time
    accepted: list[Op] = field(default_factory=list)
    rejected: list[tuple[Op, str]] = field(default_factory=list)
    writes: dict[Rec, dict[str, Write]] = field(default_factory=dict)
    new_records: set[Rec] = field(default_factory=set)
    conflicts: list[Conflict] = field(default_factory=list)
    #: records brought back because a delete met an edit made without seeing it:
    #: (table, pk, version of the delete) -> the centre writes `deleted = 0`
    restores: list[tuple[str, str, Version | None]] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    waiting: int = 0  # ops after a gap, left for a later merge

    @property
    def changed(self) -> bool:
        return bool(self.acks or self.accepted or self.rejected or self.resolutions)


# --- the rule that the prototype got wrong --------------------------------------------------------
def saw(chain: Chain, current: Current) -> bool:
    """Did this writer see the current central value when it started its chain?

    Decided by `prev` (the version the writer saw), never by which generation the
    writer had imported: a writer with an earlier unacknowledged edit on the same
    field keeps its own value on import, so it has not seen the central one even
    though it imported that generation (the trap described in SYNC.md).
    """
    return chain.prev == current.version


def seen_generation(imports: Sequence[tuple[int, int]], seq: int) -> int:
    """The newest generation imported before the op with this seq was made."""
    best = 0
    for generation, last_seq in imports:
        if last_seq < seq and generation > best:
            best = generation
    return best


# --- scope: who may write what --------------------------------------------------------------------
def _assigned(inp: MergeInput, expert: str, comune: str | None, on: str) -> bool:
    if comune is None:
        return False
    for valid_from, valid_to in inp.assignments.get(expert, {}).get(comune, ()):
        if (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to):
            return True
    return False


class _Scope:
    """Resolves a record's Comune (or owner) from the central state and the batch."""

    def __init__(self, inp: MergeInput, batch: Mapping[Key, object]) -> None:
        self.inp = inp
        self.batch = batch  # (tbl, pk, field) -> value set by the record's creator in the batch

    def value(self, tbl: str, pk: str, name: str) -> object:
        cur = self.inp.current.get((tbl, pk, name))
        if cur is not None:
            return cur.value
        return self.batch.get((tbl, pk, name))

    def comune_of(self, tbl: str, pk: str) -> str | None:
        if tbl in COMUNE_TABLES:
            found = self.value(tbl, pk, "comune_code")
            if found is None and (tbl, pk) in self.inp.parent_comune:
                return self.inp.parent_comune[(tbl, pk)]
            return found if isinstance(found, str) else None
        link = PARENT_OF.get(tbl)
        if link is not None:
            parent = self.value(tbl, pk, link[0])
            return self.parent(link[1], parent) if isinstance(parent, str) else None
        return None

    def area_of(self, tbl: str, pk: str) -> str | None:
        if tbl in AREA_TABLES:
            found = self.value(tbl, pk, "area_code")
            return found if isinstance(found, str) else None
        parent = self.value(tbl, pk, "intervention_id")
        return self.intervention_area(parent) if isinstance(parent, str) else None

    def intervention_area(self, pk: str) -> str | None:
        if ("intervention", pk) in self.inp.parent_area:
            return self.inp.parent_area[("intervention", pk)]
        found = self.value("intervention", pk, "area_code")
        return found if isinstance(found, str) else None

    def parent(self, tbl: str, pk: str) -> str | None:
        if (tbl, pk) in self.inp.parent_comune:
            return self.inp.parent_comune[(tbl, pk)]
        found = self.value(tbl, pk, "comune_code")
        return found if isinstance(found, str) else None


def check(op: Op, expert: str, scope: _Scope) -> str | None:
    """Why this op may not be applied (Italian), or None if it may."""
    spec = SYNCED_TABLES.get(op.tbl)
    if spec is None or op.field not in spec[1]:
        return f"campo sconosciuto {op.tbl}.{op.field}"
    if op.tbl in CENTRE_ONLY_TABLES:
        return "dato di riferimento: lo modifica solo la Segreteria Tecnica"
    if isinstance(op.value, bool) or not (
        op.value is None or isinstance(op.value, str | int | float)
    ):
        return "valore non valido"
    on = op.at[:10]
    if op.tbl == "time_log":
        owner = scope.value(op.tbl, op.pk, "expert_id")
        if owner != expert or (op.field == "expert_id" and op.value != expert):
            return "registro ore di un altro esperto"
        return None
    if op.tbl in AREA_TABLES or op.tbl in INTERVENTION_CHILDREN:
        return _check_area(op, expert, scope)
    comune = scope.comune_of(op.tbl, op.pk)
    if comune is None:
        return "record collegato sconosciuto alla centrale"
    if not _assigned(scope.inp, expert, comune, on):
        return f"Comune {comune} non assegnato all'esperto"
    if op.field == "comune_code" and not _assigned(scope.inp, expert, str(op.value), on):
        return f"Comune {op.value} non assegnato all'esperto"
    link = PARENT_OF.get(op.tbl)
    if link is not None and op.field == link[0]:
        target = scope.parent(link[1], str(op.value))
        if not _assigned(scope.inp, expert, target, on):
            return "record collegato di un Comune non assegnato"
    return None


def _check_area(op: Op, expert: str, scope: _Scope) -> str | None:
    """Interventions and their funding, phases and snapshots: an expert assigned to the
    intervention's area (docs/sync.md, "Who may write what")."""
    area = scope.area_of(op.tbl, op.pk)
    if area is None:
        return "intervento sconosciuto alla centrale"
    mine = scope.inp.area_assignments.get(expert, set())
    if area not in mine:
        return f"area {area} non assegnata all'esperto"
    if op.tbl in AREA_TABLES and op.field == "area_code" and op.value not in mine:
        return f"area {op.value} non assegnata all'esperto"
    if (
        op.tbl in INTERVENTION_CHILDREN
        and op.field == "intervention_id"
        and scope.intervention_area(str(op.value)) not in mine
    ):
        return "intervento di un'area non assegnata"
    return None


# --- the plan -------------------------------------------------------------------------------------
def plan(inp: MergeInput, outboxes: Iterable[OutboxOps]) -> Plan:
    result = Plan(inp.generation)
    by_replica: dict[str, dict[int, Op]] = defaultdict(dict)
    writer: dict[str, str] = {}
    imports: dict[str, set[tuple[int, int]]] = defaultdict(set)
    imported_gen: dict[str, int] = defaultdict(int)
    resolutions: dict[str, Resolution] = {}
    for ob in sorted(outboxes, key=lambda o: o.name):
        for op in ob.ops:
            owner = inp.owners.get(op.replica, writer.get(op.replica, ob.expert_id))
            if owner != ob.expert_id:
                continue  # the caller quarantines such files; never trust them here
            writer[op.replica] = owner
            by_replica[op.replica].setdefault(op.seq, op)
            imported_gen[op.replica] = max(imported_gen[op.replica], ob.imported_generation)
        for replica, pairs in ob.imports.items():
            imports[replica].update(pairs)
        for r in ob.resolutions:
            resolutions.setdefault(r.conflict_id, r)
    result.resolutions = [resolutions[k] for k in sorted(resolutions)]

    # 1. the gap-free run after each replica's ack
    runs: dict[str, list[Op]] = {}
    for replica in sorted(by_replica):
        ops = by_replica[replica]
        seq = inp.acks.get(replica, 0) + 1
        run = []
        while seq in ops:
            run.append(ops[seq])
            seq += 1
        result.waiting += sum(1 for s in ops if s >= seq)
        if run:
            runs[replica] = run
            result.acks[replica] = run[-1].seq
            if replica not in inp.owners:
                result.owners[replica] = writer[replica]

    # 2. who may write what (a new record's Comune or owner comes from its creator's ops)
    batch: dict[Key, object] = {}
    for run in runs.values():
        for op in run:
            batch[(op.tbl, op.pk, op.field)] = op.value
    scope = _Scope(inp, batch)
    chains: dict[Key, dict[str, Chain]] = defaultdict(dict)
    for replica, run in runs.items():
        expert = writer[replica]
        pairs = sorted(imports.get(replica, ()))
        for op in run:
            reason = check(op, expert, scope)
            if reason is not None:
                result.rejected.append((op, reason))
                continue
            result.accepted.append(op)
            key = (op.tbl, op.pk, op.field)
            chain = chains[key].get(replica)
            if chain is None:
                chains[key][replica] = Chain(
                    replica, op, op, seen_generation(pairs, op.seq), imported_gen[replica]
                )
            else:
                chain.last = op

    # 3-5. per field: candidates, winner, conflicts
    deleted_by: dict[Rec, Chain] = {}
    touched_by: dict[Rec, list[Chain]] = defaultdict(list)
    for key in sorted(chains):
        tbl, pk, name = key
        field_chains = [chains[key][r] for r in sorted(chains[key])]
        rec = (tbl, pk)
        cur = inp.current.get(key)
        if (tbl, pk, "deleted") not in inp.current:
            result.new_records.add(rec)
        candidates: list[Candidate] = []
        cur_candidate = None
        if cur is not None:
            cur_candidate = Candidate(cur.value, cur.version, cur.hlc, cur.author, cur.at)
            if not any(saw(c, cur) for c in field_chains):
                candidates.append(cur_candidate)
        for c in field_chains:
            mine = c.last.version
            if any(o is not c and o.prev == mine for o in field_chains):
                continue  # another writer saw this value and replaced it
            candidates.append(c.candidate())
        if not candidates:  # only possible with inconsistent prevs: keep the newest
            candidates = [max((c.candidate() for c in field_chains), key=Candidate.rank)]
        winner = max(candidates, key=Candidate.rank)
        for other in candidates:
            if other is not winner and other.value != winner.value:
                result.conflicts.append(Conflict(tbl, pk, name, winner, other))
        if winner is not cur_candidate:
            result.writes.setdefault(rec, {})[name] = Write(
                winner.value, winner.version, winner.hlc, winner.author, winner.at
            )
        if name == "deleted":
            win_chain = next((c for c in field_chains if c.last.version == winner.version), None)
            if win_chain is not None and winner.value and not (cur and cur.value):
                deleted_by[rec] = win_chain
        else:
            touched_by[rec].extend(field_chains)

    # 6. a delete concurrent with an edit: a conflict, and the record stays visible
    for rec, delete in sorted(deleted_by.items()):
        if not _delete_is_concurrent(inp, rec, delete, touched_by.get(rec, [])):
            continue
        cur = inp.current[(*rec, "deleted")]
        kept = Candidate(cur.value, cur.version, cur.hlc, cur.author, cur.at)
        result.writes[rec].pop("deleted", None)
        if not result.writes[rec]:
            del result.writes[rec]
        result.conflicts = [
            c for c in result.conflicts if (c.tbl, c.pk, c.field) != (*rec, "deleted")
        ]
        result.conflicts.append(Conflict(*rec, "deleted", kept, delete.candidate()))
    for rec, edits in sorted(touched_by.items()):
        cur = inp.current.get((*rec, "deleted"))
        if rec in deleted_by or cur is None or not cur.value or cur.version is None:
            continue
        if (*rec, "deleted") in chains:
            continue
        unseen = [
            c for c in edits if c.replica != cur.version[0] and c.seen_generation < cur.generation
        ]
        if unseen:
            result.restores.append((rec[0], rec[1], cur.version))
            latest = max(unseen, key=lambda c: c.last.hlc)
            restored = Candidate(0, None, latest.last.hlc, None, latest.last.at)
            other = Candidate(cur.value, cur.version, cur.hlc, cur.author, cur.at)
            result.conflicts.append(Conflict(*rec, "deleted", restored, other))
    return result


def _delete_is_concurrent(inp: MergeInput, rec: Rec, delete: Chain, edits: list[Chain]) -> bool:
    """Had the deleter not seen some edit of another field of the same record?"""
    if inp.current.get((*rec, "deleted")) is None:
        return False  # created in this batch: nobody else can have edited it yet
    if any(c.replica != delete.replica for c in edits):
        return True  # an edit in this same merge: the deleter cannot have seen it
    fields = SYNCED_TABLES[rec[0]][1]
    for name in fields:
        if name == "deleted":
            continue
        cur = inp.current.get((*rec, name))
        if cur is None or cur.version is None or cur.version[0] == delete.replica:
            continue
        if cur.generation > delete.seen_generation:
            return True
    return False

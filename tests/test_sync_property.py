"""Property tests of the whole sync (real laptops, real bundles, real central merges).

- broad: 2-5 experts with skewed clocks, random edits, deletes, creations (one by one
  and in bulk, as the spreadsheet import writes them), exports,
  syncs, duplicated / reordered / partial merges and stale imports;
- focused: 2 experts, 1 field, few ops (the generator that catches the trap);
- the trap itself, as a fixed history.
(test_sync_merge_model.py runs the focused generator over thousands of histories
against a model of the laptops, and shows the property fails on a merge that decides
by generation instead of prev.)

After two full rounds every laptop equals the centre for the data it covers, and no
value vanishes unless the write that replaced it saw it, or it is a recorded conflict.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforce_tui.store.oplog import expand
from taskforce_tui.sync import laptop
from taskforce_tui.sync.folder import SyncFolder
from tests.sync_helpers import (
    COMUNE_A,
    COMUNE_B,
    World,
    bulk_create,
    data_digest,
    open_bundle,
    rows,
    scope_practices,
    versions,
)

#: the centre on its SQLite file and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("centre_backend")

VALUES = ("a", "b", "c", "")


def focused_step() -> st.SearchStrategy[tuple[Any, ...]]:
    """2 experts, 1 field: edits with fresh values, syncs, merges of what is there."""
    expert = st.integers(0, 1)
    return st.one_of(
        st.tuples(st.just("edit"), expert, st.just(0), st.just("subject"), st.none()),
        st.tuples(st.just("sync"), expert),
        st.tuples(st.just("merge"), st.just([True] * 8), st.just(-1)),
    )


def step(n: int, fields: tuple[str, ...], deletes: bool) -> st.SearchStrategy[tuple[Any, ...]]:
    expert = st.integers(0, n - 1)
    kinds = [
        st.tuples(
            st.just("edit"),
            expert,
            st.integers(0, 7),
            st.sampled_from(fields),
            st.sampled_from(VALUES),
        ),
        st.tuples(st.just("export"), expert),
        st.tuples(st.just("sync"), expert),
        st.tuples(
            st.just("merge"),
            st.lists(st.booleans(), min_size=8, max_size=8),
            st.integers(-1, 7),
        ),
    ]
    if deletes:
        kinds += [
            st.tuples(st.just("delete"), expert, st.integers(0, 7)),
            st.tuples(st.just("create"), expert),
            st.tuples(st.just("bulk"), expert, st.integers(1, 3)),
            st.tuples(st.just("stale"), expert),
        ]
    return st.one_of(*kinds)


@st.composite
def scenario(
    draw: st.DrawFn, n_min: int, n_max: int, fields: tuple[str, ...], deletes: bool, steps: int
) -> dict[str, Any]:
    n = draw(st.integers(n_min, n_max))
    # some experts work from two devices (laptop n + j is expert j's second one)
    extra = draw(st.integers(0, min(2, n))) if deletes else 0
    skews = draw(
        st.lists(
            st.sampled_from([0, 3_600_000, 86_400_000]), min_size=n + extra, max_size=n + extra
        )
    )
    focused = fields == ("subject",) and not deletes
    kind = focused_step() if focused else step(n + extra, fields, deletes)
    return {"n": n, "extra": extra, "skews": skews, "steps": draw(st.lists(kind, max_size=steps))}


def _visible(world: World, i: int) -> list[str]:
    s = world.laptops[i]
    comuni = [COMUNE_A, COMUNE_B] if world.owner[i] % 2 == 0 else [COMUNE_A]
    with s.read() as conn:
        marks = ", ".join("?" for _ in comuni)
        return [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM practice WHERE deleted = 0 AND comune_code IN ({marks}) "
                "ORDER BY protocol_no, id",
                comuni,
            )
        ]


def _merge(world: World, mask: list[bool], dup: int) -> None:
    files = world.outboxes()
    hold = world.root / "hold"
    hold.mkdir(exist_ok=True)
    held = []
    for k, path in enumerate(files):
        if not mask[k % len(mask)]:
            target = hold / f"{path.parent.parent.name}__{path.name}"
            path.rename(target)
            held.append((target, path))
    if 0 <= dup < len(files) and files[dup].exists():
        src = files[dup]
        shutil.copy(src, src.with_name(src.name.replace(".zip", "dup.zip")))
    world.merge()
    for target, path in held:
        target.rename(path)


def _stale(world: World, i: int) -> None:
    """Importing a generation older than (or equal to) the one held changes nothing."""
    s = world.laptops[i]
    extracts = SyncFolder(world.folder).extracts(world.experts[i])
    held = int(s.get_meta("last_generation") or 0)
    old = [(g, p) for g, p in extracts if g <= held]
    if not old:
        return
    before = data_digest(s)
    with open_bundle(world, old[-1][1], "extract", i) as bundle:
        manifest, data = bundle.manifest, bundle.read_all()
    laptop.apply_extract(s, manifest, data, laptop.SyncReport())
    assert data_digest(s) == before


def run_scenario(world: World, sc: dict[str, Any]) -> None:
    for i, skew in enumerate(sc["skews"]):
        if skew:
            s = world.laptops[i]
            with s.lock:
                s.conn.execute(
                    "UPDATE replica SET hlc_wall = hlc_wall + ? WHERE id = ?", (skew, s.replica_id)
                )
    ptype = (
        world.laptops[0].conn.execute("SELECT code FROM procedure_type ORDER BY code").fetchone()[0]
    )
    created = 0
    for number, st_ in enumerate(sc["steps"]):
        kind = st_[0]
        if kind == "edit":
            _, i, j, name, value = st_
            value = f"{i}.{number}" if value is None else value
            ids = _visible(world, i)
            if ids:
                with world.laptops[i].write() as tx:
                    tx.update("practice", ids[j % len(ids)], {name: value})
        elif kind == "delete":
            _, i, j = st_
            ids = _visible(world, i)
            if ids:
                with world.laptops[i].write() as tx:
                    tx.delete("practice", ids[j % len(ids)])
        elif kind == "create":
            created += 1
            world.laptops[st_[1]].practices.create(
                comune_code=COMUNE_A,
                procedure_type=ptype,
                protocol_no=f"N{created}/{st_[1]}",
                received_on=date(2026, 11, 2),
            )
        elif kind == "bulk":
            # as the spreadsheet import writes them: one op-log row per record
            _, i, count = st_
            created += count
            bulk_create(world.laptops[i], [f"B{created - k}/{i}" for k in range(count)])
        elif kind == "export":
            world.export(st_[1])
        elif kind == "sync":
            world.sync(st_[1])
        elif kind == "merge":
            _merge(world, st_[1], st_[2])
        elif kind == "stale":
            _stale(world, st_[1])
    world.full_round()
    world.full_round()


def check_converged(world: World) -> None:
    with world.central.store.read() as cconn:
        for i, s in enumerate(world.laptops):
            comuni = [COMUNE_A, COMUNE_B] if world.owner[i] % 2 == 0 else [COMUNE_A]
            pks = scope_practices(cconn, comuni)
            with s.read() as lconn:
                assert s.pending_ops() == 0
                assert scope_practices(lconn, comuni) == pks
                assert rows(lconn, "practice", pks) == rows(cconn, "practice", pks)
                assert versions(lconn, "practice", pks) == versions(cconn, "practice", pks)
                mine = {
                    r[0] for r in lconn.execute("SELECT id FROM conflict WHERE resolved_at IS NULL")
                }
            central_open = {
                r[0]
                for r in cconn.execute(
                    "SELECT id, pk FROM conflict WHERE resolved_at IS NULL AND tbl = 'practice'"
                )
                if r[1] in pks
            }
            assert mine == central_open


def check_nothing_vanished(world: World) -> None:
    """Every value written anywhere is the current one, or was seen by a later write
    (its `prev`), or is recorded in a conflict, or was refused and reported."""
    ops: dict[tuple[str, int], tuple[str, str, str, str]] = {}
    seen: set[tuple[str, int]] = set()
    for s in [*world.laptops, world.central.store]:
        with s.read() as conn:
            stored = conn.execute(
                "SELECT replica, seq, tbl, pk, field, value, prev_replica, prev_seq, hlc FROM oplog"
            )
            for r in (op for row in stored for op in expand(row)):
                ops[(r[0], r[1])] = (r[2], r[3], r[4], r[5])
                if r[6] is not None:
                    seen.add((r[6], r[7]))
    with world.central.store.read() as conn:
        current = {(r[0], r[1]) for r in conn.execute("SELECT replica, seq FROM field_version")}
        recorded: set[tuple[str, int]] = set()
        for kept, other in conn.execute("SELECT kept_version, other_version FROM conflict"):
            for v in (kept, other):
                if v:
                    replica, _, seq = v.rpartition(":")
                    recorded.add((replica, int(seq)))
        refused = {(r[0], r[1]) for r in conn.execute("SELECT replica, seq FROM sync_rejected")}
    covered = {v for v in ops if v in current or v in seen or v in recorded or v in refused}
    # the same value written twice (by two writers) survives if either write does
    kept_values = {ops[v] for v in covered}
    lost = [(v, ops[v]) for v in ops if v not in covered and ops[v] not in kept_values]
    assert not lost, f"valori spariti: {lost[:5]}"


def check(sc: dict[str, Any]) -> None:
    root = Path(tempfile.mkdtemp(prefix="tf-sync-prop-"))
    world = World(root, sc["n"], extra=sc.get("extra", 0))
    try:
        run_scenario(world, sc)
        check_nothing_vanished(world)
        check_converged(world)
    finally:
        world.close()
        shutil.rmtree(root, ignore_errors=True)


COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "derandomize": True,
}


@settings(max_examples=15, **COMMON)
@given(scenario(2, 5, ("subject", "notes"), deletes=True, steps=18))
def test_broad_random_sync_converges_and_loses_nothing(sc: dict[str, Any]) -> None:
    check(sc)


@settings(max_examples=10, **COMMON)
@given(scenario(2, 2, ("subject",), deletes=False, steps=10))
def test_focused_two_experts_one_field(sc: dict[str, Any]) -> None:
    check(sc)


def test_the_trap_itself_is_a_recorded_conflict(tmp_path: Path) -> None:
    """A edits (not merged yet); B edits and is merged; A imports, edits again, exports
    both edits: B's value must survive as a conflict, not vanish."""
    world = World(tmp_path / "w", 2)
    try:
        a, b = world.laptops
        pid = _visible(world, 0)[0]
        with a.write() as tx:
            tx.update("practice", pid, {"subject": "a1"})
        with b.write() as tx:
            tx.update("practice", pid, {"subject": "b1"})
        world.sync(1)
        world.merge()  # B's edit wins the field: A's outbox is not there yet
        world.sync(0)  # exports a1 and imports B's generation: a1 is still pending
        assert a.practices.get(pid).subject == "a1"
        with a.write() as tx:
            tx.update("practice", pid, {"subject": "a2"})
        world.full_round()
        world.full_round()
        with world.central.store.read() as conn:
            conflicts = conn.execute(
                "SELECT kept_value, other_value FROM conflict WHERE pk = ?", (pid,)
            ).fetchall()
        values = {v for pair in conflicts for v in pair}
        assert '"b1"' in values and '"a2"' in values
        check_nothing_vanished(world)
        check_converged(world)
    finally:
        world.close()

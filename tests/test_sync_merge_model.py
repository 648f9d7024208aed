"""The pure merge function against a tiny model of two laptops and one field.

The laptops here are a model of the real import rules (pending fields keep their
local value; acknowledged ops leave the pending set), so thousands of short
histories run in a second: this is the focused generator that catches the trap
of SYNC.md, and the test that the property fails on a merge deciding by generation.
The real laptops and bundles are exercised by test_sync_property.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from taskforce_tui.sync import merge as merging

KEY = ("practice", "p1", "subject")
EXPERTS = ("e0", "e1")


@dataclass
class Laptop:
    replica: str
    expert: str
    seq: int = 0
    value: object = "base"
    version: merging.Version | None = None
    pending: list[merging.Op] = field(default_factory=list)
    generation: int = 0
    imports: list[tuple[int, int]] = field(default_factory=list)
    clock: int = 0

    def edit(self, value: str, skew: int) -> merging.Op:
        self.seq += 1
        self.clock = max(self.clock + 1, skew + self.seq)
        op = merging.Op(
            self.replica,
            self.seq,
            *KEY,
            value,
            self.version,
            f"{self.clock:013d}-00000",
            self.expert,
            "2026-11-20T10:00:00Z",
        )
        self.pending.append(op)
        self.value, self.version = value, op.version
        return op


@dataclass
class Centre:
    value: object = "base"
    version: merging.Version | None = None
    hlc: str = ""
    generation_of_value: int = 0
    generation: int = 1
    acks: dict[str, int] = field(default_factory=dict)
    conflicts: list[merging.Conflict] = field(default_factory=list)
    accepted: list[merging.Op] = field(default_factory=list)
    history: list[tuple[int, object, merging.Version | None, dict[str, int]]] = field(
        default_factory=list
    )

    def __post_init__(self) -> None:
        self.history.append((1, self.value, self.version, {}))

    def merge(self, files: list[merging.OutboxOps]) -> None:
        inp = merging.MergeInput(
            generation=self.generation + 1,
            acks=dict(self.acks),
            owners={"r0": "e0", "r1": "e1"},
            current={
                (*KEY[:2], name): merging.Current(value, version, hlc, None, gen)
                for name, value, version, hlc, gen in (
                    ("subject", self.value, self.version, self.hlc, self.generation_of_value),
                    ("deleted", 0, None, "", 0),
                    ("comune_code", "016024", None, "", 0),
                )
            },
            assignments={e: {"016024": [(None, None)]} for e in EXPERTS},
        )
        plan = merging.plan(inp, files)
        if not plan.changed:
            return
        self.generation += 1
        write = plan.writes.get(KEY[:2], {}).get("subject")
        if write is not None:
            self.value, self.version, self.hlc = write.value, write.version, write.hlc
            self.generation_of_value = self.generation
        self.acks.update(plan.acks)
        self.conflicts += plan.conflicts
        self.accepted += plan.accepted
        self.history.append((self.generation, self.value, self.version, dict(self.acks)))


def import_latest(lap: Laptop, centre: Centre) -> None:
    gen, value, version, acks = centre.history[-1]
    if gen <= lap.generation:
        return
    ack = acks.get(lap.replica, 0)
    lap.pending = [op for op in lap.pending if op.seq > ack]
    if not lap.pending:
        lap.value, lap.version = value, version
    lap.imports.append((gen, lap.seq))
    lap.generation = gen


def outbox(lap: Laptop, name: str) -> merging.OutboxOps:
    return merging.OutboxOps(
        name, lap.expert, list(lap.pending), {lap.replica: list(lap.imports)}, lap.generation
    )


def simulate(
    steps: list[tuple[Any, ...]], skews: tuple[int, int]
) -> tuple[list[Laptop], Centre, list[merging.Op]]:
    laps = [Laptop("r0", "e0"), Laptop("r1", "e1")]
    centre = Centre()
    folder: list[merging.OutboxOps] = []
    written: list[merging.Op] = []
    for n, step in enumerate(steps):
        kind, i = step[0], step[1]
        if kind == "edit":
            written.append(laps[i].edit(f"{i}.{n}", skews[i]))
        elif kind == "export":
            if laps[i].pending:
                folder.append(outbox(laps[i], f"f{n}"))
        elif kind == "import":
            import_latest(laps[i], centre)
        elif kind == "merge":
            chosen = [f for k, f in enumerate(folder) if step[2] >> (k % 8) & 1]
            centre.merge(chosen)
    for _round in range(2):  # two full rounds: everyone exports, a full merge, everyone imports
        for lap in laps:
            if lap.pending:
                folder.append(outbox(lap, f"final{_round}{lap.replica}"))
            import_latest(lap, centre)
        centre.merge(folder)
        for lap in laps:
            import_latest(lap, centre)
    return laps, centre, written


def check(steps: list[tuple[Any, ...]], skews: tuple[int, int]) -> None:
    laps, centre, written = simulate(steps, skews)
    for lap in laps:
        assert not lap.pending
        assert (lap.value, lap.version) == (centre.value, centre.version)
    seen = {op.prev for op in written if op.prev}
    recorded = {c.other.version for c in centre.conflicts} | {
        c.kept.version for c in centre.conflicts
    }
    survivors = {
        op.value for op in written if op.version in seen | recorded or op.version == centre.version
    }
    lost = [
        op
        for op in written
        if op.version not in seen | recorded
        and op.version != centre.version
        and op.value not in survivors
    ]
    assert not lost, f"valori spariti: {[(op.replica, op.seq, op.value) for op in lost]}"


step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 1)),
    st.tuples(st.just("export"), st.integers(0, 1)),
    st.tuples(st.just("import"), st.integers(0, 1)),
    st.tuples(st.just("merge"), st.just(0), st.integers(0, 255)),
)
history = st.lists(step, max_size=12)
skews = st.tuples(st.sampled_from([0, 1000]), st.sampled_from([0, 1000]))


@settings(max_examples=600, deadline=None, derandomize=True)
@given(history, skews)
def test_focused_two_experts_one_field_model(
    steps: list[tuple[Any, ...]], sk: tuple[int, int]
) -> None:
    check(steps, sk)


def test_the_focused_generator_catches_a_merge_deciding_by_generation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def by_generation(chain: merging.Chain, current: merging.Current) -> bool:
        return chain.imported_generation >= current.generation

    monkeypatch.setattr(merging, "saw", by_generation)

    @settings(max_examples=3000, deadline=None, derandomize=True, phases=[Phase.generate])
    @given(history, skews)
    def run(steps: list[tuple[Any, ...]], sk: tuple[int, int]) -> None:
        check(steps, sk)

    with pytest.raises(AssertionError, match="valori spariti"):
        run()


def test_merge_is_deterministic_whatever_the_order_of_the_outboxes() -> None:
    a, b = Laptop("r0", "e0"), Laptop("r1", "e1")
    a.edit("x", 0)
    a.edit("y", 0)
    b.edit("z", 5)
    files = [outbox(a, "a"), outbox(b, "b"), outbox(a, "a-again")]
    results = []
    for order in (files, files[::-1], [files[1], files[0]], [files[2], files[1], files[0]]):
        centre = Centre()
        centre.merge(order)
        results.append(
            (centre.value, centre.version, [c.id for c in centre.conflicts], centre.acks)
        )
    assert all(r == results[0] for r in results)
    assert results[0][0] == "z" and len(results[0][2]) == 1  # b's clock is ahead; y is kept

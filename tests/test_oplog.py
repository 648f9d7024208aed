"""Every edit path writes the operation log in the same transaction; refused ones don't."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforce_tui.domain import vocab
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import Activity, ProcedureType, TimeLog
from taskforce_tui.store import reference
from taskforce_tui.store.db import Store, new_id
from taskforce_tui.store.oplog import expand
from taskforce_tui.store.schema import SYNCED_TABLES


def ops(store: Store) -> list[tuple[object, ...]]:
    """The ops as they leave the store (a bulk creation row as one op per field):
    replica, seq, tbl, pk, field, value, prev_replica, prev_seq, hlc, author, at."""
    with store.read() as conn:
        rows = conn.execute(
            "SELECT replica, seq, tbl, pk, field, value, prev_replica, prev_seq, hlc, author, at "
            "FROM oplog ORDER BY seq"
        ).fetchall()
    return sorted((op for row in rows for op in expand(row)), key=lambda op: op[1])


def synced_state(store: Store) -> dict[str, list[tuple[object, ...]]]:
    state = {}
    with store.read() as conn:
        for table, (pk, fields) in SYNCED_TABLES.items():
            state[table] = conn.execute(
                f"SELECT {pk}, {', '.join(fields)} FROM {table} ORDER BY {pk}"
            ).fetchall()
    return state


def new_practice(store: Store, protocol: str = "10/2026") -> str:
    return store.practices.create(
        comune_code="016024",
        procedure_type="permesso_costruire",
        protocol_no=protocol,
        received_on=date(2026, 9, 1),
        subject="Nuova costruzione",
    ).id


def test_seq_is_gap_free_and_prev_points_at_the_seen_version(expert_store: Store) -> None:
    pid = new_practice(expert_store)
    expert_store.practices.edit(pid, subject="Ampliamento")
    expert_store.practices.edit(pid, subject="Ampliamento e sopralzo")
    log = ops(expert_store)
    assert [r[1] for r in log] == list(range(1, len(log) + 1))
    subject_ops = [r for r in log if r[2] == "practice" and r[4] == "subject"]
    assert [json.loads(str(r[5])) for r in subject_ops] == [
        "Nuova costruzione",
        "Ampliamento",
        "Ampliamento e sopralzo",
    ]
    assert subject_ops[0][6] is None  # created: no earlier version
    assert (subject_ops[1][6], subject_ops[1][7]) == (subject_ops[0][0], subject_ops[0][1])
    assert (subject_ops[2][6], subject_ops[2][7]) == (subject_ops[1][0], subject_ops[1][1])
    hlcs = [r[8] for r in log]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)


EDITS: dict[str, Callable[[Store, str], object]] = {
    "edit": lambda s, p: s.practices.edit(p, notes="nota"),
    "suspend": lambda s, p: s.practices.suspend(p, date(2026, 9, 5), "integrazioni"),
    "conclude": lambda s, p: s.practices.conclude(p, date(2026, 10, 1), vocab.FAVOREVOLE),
    "archive": lambda s, p: s.practices.archive(p, date(2026, 10, 1)),
    "delete": lambda s, p: s.practices.delete(p),
    "request": lambda s, p: s.requests.create(
        comune_code="016024", kind="tecnica", subject="PGT", opened_on=date(2026, 11, 1)
    ),
    "time_log": lambda s, p: s.timelogs.add(
        TimeLog(
            "", s.expert_id or "", date(2026, 11, 19), 90, "affiancamento", "presenza", "016024"
        )
    ),
    "procedure_type": lambda s, p: s.lists.save_procedure_type(
        ProcedureType("", "Permesso in sanatoria", "edilizia_urbanistica", 60)
    ),
    "activity": lambda s, p: s.lists.save_activity(Activity("", "Sopralluogo")),
}


@pytest.mark.parametrize("kind", EDITS)
def test_every_kind_of_edit_is_logged(expert_store: Store, kind: str) -> None:
    pid = new_practice(expert_store)
    before_ops = len(ops(expert_store))
    before = synced_state(expert_store)
    EDITS[kind](expert_store, pid)
    after = synced_state(expert_store)
    new_ops = ops(expert_store)[before_ops:]
    assert new_ops, f"{kind} wrote no op"
    changed_tables = {t for t in after if after[t] != before[t]}
    assert changed_tables == {str(r[2]) for r in new_ops}


def test_workflow_steps_are_logged(expert_store: Store) -> None:
    pid = new_practice(expert_store)
    steps = [
        lambda: expert_store.practices.suspend(pid, date(2026, 9, 5), "integrazioni"),
        lambda: expert_store.practices.resume(pid, date(2026, 9, 15)),
        lambda: expert_store.practices.conclude(pid, date(2026, 10, 1), vocab.FAVOREVOLE),
        lambda: expert_store.practices.reopen(pid, "annullamento in autotutela"),
    ]
    for step in steps:
        count = len(ops(expert_store))
        step()
        assert len(ops(expert_store)) > count


def test_request_status_link_and_unlink_are_logged(expert_store: Store) -> None:
    pid = new_practice(expert_store)
    rid = expert_store.requests.create(
        comune_code="016024", kind="giuridica", subject="Oneri", opened_on=date(2026, 11, 1)
    ).id
    for step in (
        lambda: expert_store.requests.set_status(rid, vocab.REQ_IN_LAVORAZIONE),
        lambda: expert_store.requests.link(rid, pid),
        lambda: expert_store.requests.unlink(rid, pid),
        lambda: expert_store.requests.edit(rid, description="dettagli"),
    ):
        count = len(ops(expert_store))
        step()
        assert len(ops(expert_store)) > count


def test_time_log_update_and_delete_are_logged(expert_store: Store) -> None:
    log = expert_store.timelogs.add(
        TimeLog(
            "", expert_store.expert_id or "", date(2026, 11, 18), 60, "riunione", "remoto", None
        )
    )
    count = len(ops(expert_store))
    log.minutes = 120
    expert_store.timelogs.update(log)
    assert len(ops(expert_store)) == count + 1
    expert_store.timelogs.delete(log.id)
    assert ops(expert_store)[-1][4] == "deleted"


def test_comuni_update_is_logged(expert_store: Store) -> None:
    rows = reference.packaged_comuni()
    rows = [r for r in rows if r.istat_code != "016011"]  # one Comune disappears
    count = len(ops(expert_store))
    report = reference.update_comuni(expert_store, rows)
    assert report.suppressed == ["016011"]
    new = ops(expert_store)[count:]
    assert [(r[2], r[3], r[4]) for r in new] == [("comune", "016011", "active")]


REFUSED: dict[str, Callable[[Store, str], object]] = {
    "resume open": lambda s, p: s.practices.resume(p, date(2026, 9, 5)),
    "conclude before receipt": lambda s, p: s.practices.conclude(
        p, date(2026, 8, 1), vocab.FAVOREVOLE
    ),
    "reopen open": lambda s, p: s.practices.reopen(p, "x"),
    "duplicate protocol": lambda s, p: new_practice(s),
    "unassigned comune": lambda s, p: s.practices.create(
        comune_code="015146",
        procedure_type="scia",
        protocol_no="1",
        received_on=date(2026, 9, 1),
    ),
    "future time log": lambda s, p: s.timelogs.add(
        TimeLog("", s.expert_id or "", date(2026, 12, 1), 60, "riunione", "remoto", None)
    ),
    "zero minutes": lambda s, p: s.timelogs.add(
        TimeLog("", s.expert_id or "", date(2026, 11, 1), 0, "riunione", "remoto", None)
    ),
    "request status": lambda s, p: s.requests.set_status(
        s.requests.create(
            comune_code="016024", kind="tecnica", subject="x", opened_on=date(2026, 11, 1)
        ).id,
        vocab.REQ_NUOVA,
    ),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_refused_edits_write_nothing(expert_store: Store, kind: str) -> None:
    pid = new_practice(expert_store)
    if kind == "request status":
        # creating the request is a legitimate edit; only the refused step must not log
        with pytest.raises(DomainError):
            REFUSED[kind](expert_store, pid)
        return
    before_ops = ops(expert_store)
    before = synced_state(expert_store)
    with pytest.raises(DomainError):
        REFUSED[kind](expert_store, pid)
    assert ops(expert_store) == before_ops
    assert synced_state(expert_store) == before


def test_a_failing_write_rolls_back_row_and_ops_together(expert_store: Store) -> None:
    pid = new_practice(expert_store)
    before_ops = ops(expert_store)
    before = synced_state(expert_store)
    with pytest.raises(RuntimeError), expert_store.write() as tx:
        tx.update("practice", pid, {"subject": "mai salvato"})
        raise RuntimeError("crash in the middle")
    assert ops(expert_store) == before_ops
    assert synced_state(expert_store) == before
    # and the sequence number was given back
    new_practice(expert_store, "11/2026")
    seqs = [r[1] for r in ops(expert_store)]
    assert seqs == list(range(1, len(seqs) + 1))


# --- the log is complete: replaying it rebuilds every synced table ----------------------------
def replay(store: Store, target: sqlite3.Connection) -> None:
    """Fold the ops (in order) into records and write them on a base-data database."""
    records: dict[tuple[str, str], dict[str, object]] = {}
    for _, _, table, pk, field, value, *_ in ops(store):
        records.setdefault((table, pk), {})[field] = json.loads(value)
    target.execute("PRAGMA defer_foreign_keys = ON")
    for (table, pk), values in records.items():
        pk_name, _ = SYNCED_TABLES[table]
        exists = target.execute(f"SELECT 1 FROM {table} WHERE {pk_name} = ?", (pk,)).fetchone()
        names = list(values)
        if exists:
            target.execute(
                f"UPDATE {table} SET {', '.join(f'{n} = ?' for n in names)} WHERE {pk_name} = ?",
                [*values.values(), pk],
            )
        else:
            target.execute(
                f"INSERT INTO {table} ({pk_name}, {', '.join(names)}, created_at, updated_at) "
                f"VALUES (?, {', '.join('?' for _ in names)}, '', '')",
                [pk, *values.values()],
            )


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "edit",
                "suspend",
                "resume",
                "conclude",
                "archive",
                "reopen",
                "delete",
                "log",
                "request",
            ]
        ),
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=0, max_value=60),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_replaying_the_log_rebuilds_the_data(
    tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[str, int, int]]
) -> None:
    folder = tmp_path_factory.mktemp("replay")
    with Store(folder / "a.sqlite3") as store, Store(folder / "b.sqlite3") as base:
        store.experts.setup_profile("Anna", "anna@example.it", ["016024", "016219"])
        practices: list[str] = []
        for action, pick, days in actions:
            day = date(2026, 6, 1).toordinal() + days
            on = date.fromordinal(day)
            target = practices[pick % len(practices)] if practices else None
            try:
                if action == "create" or target is None:
                    practices.append(
                        store.practices.create(
                            comune_code="016024" if pick % 2 else "016219",
                            procedure_type="scia",
                            protocol_no=f"{len(practices)}/{pick}",
                            received_on=date(2026, 5, 1 + pick),
                        ).id
                    )
                elif action == "edit":
                    store.practices.edit(
                        target, subject=f"oggetto {days}", legal_term_days=days + 1
                    )
                elif action == "suspend":
                    store.practices.suspend(target, on, "motivo")
                elif action == "resume":
                    store.practices.resume(target, on)
                elif action == "conclude":
                    store.practices.conclude(target, on, vocab.FAVOREVOLE)
                elif action == "archive":
                    store.practices.archive(target, on)
                elif action == "reopen":
                    store.practices.reopen(target, "motivo")
                elif action == "delete":
                    store.practices.delete(target)
                    practices.remove(target)
                elif action == "log":
                    store.timelogs.add(
                        TimeLog(
                            "",
                            store.expert_id or "",
                            on,
                            30 + days,
                            "riunione",
                            "presenza",
                            "016024",
                            target,
                        )
                    )
                elif action == "request":
                    rid = store.requests.create(
                        comune_code="016024", kind="tecnica", subject=f"r{days}", opened_on=on
                    ).id
                    if pick % 2:
                        store.requests.set_status(rid, vocab.REQ_IN_LAVORAZIONE)
            except DomainError:
                pass
        with base.bulk() as conn:
            replay(store, conn)
        assert synced_state(base) == synced_state(store)


def test_new_ids_are_time_ordered_uuid7_and_unique() -> None:
    """Ids sort in creation order (B-tree appends on bulk inserts) and stay unique even
    when thousands are made in the same millisecond."""
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[-1])
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert all(str(uuid.UUID(i)) == i for i in ids[::97])  # the canonical text form

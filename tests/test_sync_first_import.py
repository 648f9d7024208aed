"""The first import after joining loads the empty tables in bulk (store/bulk.py): the
indexes and the insert triggers' work (text index, suspension totals) are done once
after the rows. It must leave exactly the database the row-by-row import leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.store.db import Store
from taskforce_tui.sync import laptop
from taskforce_tui.sync.errors import BundleError
from tests.sync_helpers import COMUNE_A, COMUNE_B

#: the centre on its SQLite file and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("centre_backend")

PRACTICES = 1_500


def _extract(store: Store, bad_suspension: bool = False) -> dict[str, list[dict[str, Any]]]:
    ptype, ambito, term = store.conn.execute(
        "SELECT code, ambito, legal_term_days FROM procedure_type ORDER BY code LIMIT 1"
    ).fetchone()
    practices, suspensions = [], []
    for i in range(PRACTICES):
        pid = f"00000000-0000-4000-8000-{i:012d}"
        practices.append(
            {
                "id": pid,
                "comune_code": COMUNE_A if i % 3 else COMUNE_B,
                "ambito": ambito,
                "procedure_type": ptype,
                "protocol_no": f"{i}/2026",
                "subject": f"Impianto fotovoltaico {i} - via Roma {i % 50}",
                "received_on": f"2026-0{1 + i % 9}-{1 + i % 28:02d}",
                "legal_term_days": term,
                "status": "sospesa" if i % 7 == 0 else "aperta",
                "service_conference": 0,
                "concluded_on": None,
                "outcome": None,
                "expert_id": None,
                "notes": "",
                "reopen_reason": None,
                "deleted": 0,
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "_v": {"subject": ["r1", i + 1, f"1764000000000-{i:05d}"]},
            }
        )
        if i % 5 != 4:  # a closed suspension, and for some an open one after it
            suspensions.append(_suspension(f"s{i}a", pid, "2026-02-01", "2026-02-11"))
            if i % 7 == 0:
                suspensions.append(_suspension(f"s{i}b", pid, "2026-03-01", None))
    if bad_suspension:
        suspensions.append({"id": "bad", "practice_id": practices[0]["id"]})  # no fields
    return {"practice.jsonl": practices, "suspension.jsonl": suspensions}


def _extract_of_a_new_store(tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    with Store(tmp_path / "probe" / "taskforce.sqlite3") as store:
        return _extract(store)


def _suspension(sid: str, pid: str, start: str, end: str | None) -> dict[str, Any]:
    return {
        "id": sid,
        "practice_id": pid,
        "start_on": start,
        "end_on": end,
        "reason": "integrazione",
        "deleted": 0,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


def _import(store: Store, data: dict[str, list[dict[str, Any]]]) -> None:
    laptop.apply_extract(store, {"generation": 1, "acks": {}}, data, laptop.SyncReport())


def _state(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        return {
            "schema": conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall(),
            "practice": conn.execute(
                "SELECT id, status, suspended_days, suspended_since, due_on FROM practice "
                "ORDER BY id"
            ).fetchall(),
            "text": [
                conn.execute(
                    "SELECT rowid FROM practice_fts WHERE practice_fts MATCH ? ORDER BY rowid",
                    (q,),
                ).fetchall()
                for q in ('"fotovoltaico 11"', '"roma 4"', '"1/2026"', '"zzz"')
            ],
            "versions": conn.execute("SELECT * FROM field_version ORDER BY pk").fetchall(),
            "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
        }


def test_a_bulk_first_import_leaves_the_database_of_a_row_by_row_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(_extract_of_a_new_store(tmp_path)["suspension.jsonl"]) >= 1_000  # both in bulk
    states = []
    for name, bulk_rows in (("bulk", 1_000), ("row-by-row", 10**9)):
        monkeypatch.setattr(laptop, "BULK_ROWS", bulk_rows)
        with Store(tmp_path / name / "taskforce.sqlite3") as store:
            _import(store, _extract(store))
            states.append(_state(store))
    bulk, by_row = states
    assert bulk == by_row
    assert bulk["integrity"] == [("ok",)]
    assert len(bulk["practice"]) == PRACTICES
    # the totals the suspension trigger keeps: 10 closed days, and open ones
    assert {r[2] for r in bulk["practice"]} == {0, 10}
    assert sum(r[3] is not None for r in bulk["practice"]) == sum(
        i % 7 == 0 and i % 5 != 4 for i in range(PRACTICES)
    )
    assert all(bulk["text"][:3]) and not bulk["text"][3]


def test_a_failed_bulk_import_leaves_triggers_and_indexes_in_place(tmp_path: Path) -> None:
    with Store(tmp_path / "taskforce.sqlite3") as store:
        before = _state(store)
        with pytest.raises(BundleError):
            _import(store, _extract(store, bad_suspension=True))
        assert _state(store) == before
        # the text index trigger is back: a new practice is found by its subject
        store.conn.execute(
            "INSERT INTO practice(id, comune_code, ambito, procedure_type, protocol_no, subject, "
            "received_on, legal_term_days, status, created_at, updated_at) SELECT 'p', ?, ambito, "
            "code, '1/2026', 'dopo il rollback', '2026-01-01', 30, 'aperta', 'x', 'x' "
            "FROM procedure_type LIMIT 1",
            (COMUNE_A,),
        )
        found = store.conn.execute(
            "SELECT count(*) FROM practice_fts WHERE practice_fts MATCH '\"rollback\"'"
        ).fetchone()
        assert found == (1,)

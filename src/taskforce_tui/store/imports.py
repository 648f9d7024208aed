"""The store side of the spreadsheet import: what a plan needs, and writing it.

Reading: the practices of the Comuni in the file (with their suspensions), what was
last imported into each of them (`import_record`, local, never synced) and the column
mappings saved per Comune (`import_mapping`, local).

Writing: a confirmed plan in ONE transaction through `Store.write()`, so every new or
changed practice and suspension is op-logged and syncs like any edit. Before writing,
the plan is checked against the store as it is now: if a practice changed after the
preview (or a practice with the same key appeared), nothing is written and the user is
asked to preview again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.dates import from_iso
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import Practice, Suspension
from taskforce_tui.store import jsonio
from taskforce_tui.store.bulk import deferred
from taskforce_tui.store.ids import now_utc
from taskforce_tui.store.practices import _COLUMNS, _practice, _values

if TYPE_CHECKING:
    from taskforce_tui.importer.plan import Existing, Key, Plan, Planned
    from taskforce_tui.store.db import Store

#: Practices written per executemany batch (progress is reported between batches).
BATCH = 2000
#: From this many new practices on, the text index is filled in one statement after the
#: inserts instead of row by row by its trigger (8x faster at 50,000 practices).
BULK_FTS_FROM = 1000


@dataclass(slots=True)
class ApplyResult:
    created: int
    updated: int
    records: int
    ops: int


class ImportRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- saved column mappings ---------------------------------------------------------
    def saved_mapping(self, key: str) -> dict[str, str] | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT mapping FROM import_mapping WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None

    def saved_headers(self) -> dict[str, str]:
        """Every header any saved mapping names (helps to find the header row)."""
        out: dict[str, str] = {}
        with self.store.read() as conn:
            for (text,) in conn.execute("SELECT mapping FROM import_mapping ORDER BY updated_at"):
                data = json.loads(text)
                if isinstance(data, dict):
                    out.update({str(k): str(v) for k, v in data.items() if v})
        return out

    # --- what the plan compares against ----------------------------------------------------
    def existing(self, comune_codes: Iterable[str]) -> dict[Key, Existing]:
        """Practices of these Comuni by key - both their current key and the key the file
        used when they were last imported (so a type or protocol corrected in the app
        still matches its row)."""
        from taskforce_tui.importer.plan import Existing

        codes = sorted(set(comune_codes))
        if not codes:
            return {}
        marks = ", ".join("?" for _ in codes)
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS}, updated_at || '|' || COALESCE((SELECT MAX(s.updated_at) "
                "FROM suspension s WHERE s.practice_id = practice.id), '') "
                f"FROM practice WHERE deleted = 0 AND comune_code IN ({marks})",
                codes,
            ).fetchall()
            suspensions: dict[str, list[Suspension]] = {}
            for r in conn.execute(
                "SELECT s.id, s.practice_id, s.start_on, s.end_on, s.reason FROM suspension s "
                "JOIN practice p ON p.id = s.practice_id WHERE s.deleted = 0 AND p.deleted = 0 "
                f"AND p.comune_code IN ({marks}) ORDER BY s.start_on",
                codes,
            ):
                start = from_iso(r[2])
                assert start is not None
                suspensions.setdefault(r[1], []).append(
                    Suspension(r[0], r[1], start, from_iso(r[3]), r[4])
                )
            records = {
                r[0]: r[1:]
                for r in conn.execute(
                    "SELECT practice_id, comune_code, procedure_type, protocol_no, fields "
                    f"FROM import_record WHERE comune_code IN ({marks})",
                    codes,
                )
            }
        by_key: dict[Key, Existing] = {}
        by_file_key: dict[Key, Existing] = {}
        for row in rows:
            practice: Practice = _practice(row[:15], suspensions.get(row[0], []))
            found = Existing(practice, row[15])
            record = records.get(practice.id)
            if record is not None:
                found.base_key = (record[0], record[1], record[2])
                found.base = json.loads(record[3])
                by_file_key[found.base_key] = found
            by_key[(practice.comune_code, practice.procedure_type, practice.protocol_no)] = found
        # The key the file used wins over a practice that only now has that key.
        return {**by_key, **by_file_key}

    # --- writing ---------------------------------------------------------------------------
    def apply(
        self,
        plan: Plan,
        *,
        source: str,
        mapping_key: str | None,
        mapping: dict[str, str] | None,
        progress: Callable[[float], None] | None = None,
    ) -> ApplyResult:
        """Write the plan in one op-logged transaction (nothing at all if anything fails)."""
        stamp = now_utc()
        touched: list[Planned] = [*plan.updated, *(p for p in plan.unchanged if p.record_changed)]
        total = max(len(plan.new) + len(touched), 1)
        done = 0
        with self.store.write() as tx:
            self._check_still_valid(tx.conn, plan, touched)
            # many new practices: the text index is filled once after them (store/bulk.py)
            bulk = ["practice"] if len(plan.new) >= BULK_FTS_FROM else []
            with deferred(tx.conn, bulk, indexes=False):
                for start in range(0, len(plan.new), BATCH):
                    chunk = plan.new[start : start + BATCH]
                    tx.insert_many("practice", (_values(p.practice) for p in chunk))
                    tx.insert_many(
                        "suspension",
                        (_suspension_values(s) for p in chunk for s in p.suspensions.insert),
                    )
                    done += len(chunk)
                    if progress is not None:
                        progress(done / total)
            for planned in plan.updated:
                if planned.changes:
                    tx.update("practice", planned.practice.id, planned.changes)
                ops = planned.suspensions
                if ops.insert:
                    tx.insert_many("suspension", (_suspension_values(s) for s in ops.insert))
                for sid, end in ops.update:
                    tx.update("suspension", sid, {"end_on": end})
                for sid in ops.delete:
                    tx.delete("suspension", sid)
                done += 1
                if progress is not None and done % 500 == 0:
                    progress(done / total)
            records = [p for p in [*plan.new, *touched] if p.record_changed]
            tx.conn.executemany(
                "INSERT INTO import_record(practice_id, comune_code, procedure_type, protocol_no, "
                "fields, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(practice_id) DO UPDATE SET comune_code = excluded.comune_code, "
                "procedure_type = excluded.procedure_type, protocol_no = excluded.protocol_no, "
                "fields = excluded.fields, source = excluded.source, "
                "imported_at = excluded.imported_at",
                [_record_row(p, source, stamp) for p in records],
            )
            if mapping_key is not None and mapping is not None:
                tx.conn.execute(
                    "INSERT INTO import_mapping(key, mapping, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET mapping = excluded.mapping, "
                    "updated_at = excluded.updated_at",
                    (mapping_key, json.dumps(mapping, ensure_ascii=False, sort_keys=True), stamp),
                )
            ops_written = tx.ops
        if progress is not None:
            progress(1.0)
        return ApplyResult(len(plan.new), len(plan.updated), len(records), ops_written)

    @staticmethod
    def _check_still_valid(conn: Any, plan: Plan, touched: list[Planned]) -> None:
        """Refuse a plan made against data that has changed since the preview."""
        stale = DomainError(
            "Le pratiche sono cambiate dopo l'anteprima (una modifica o una "
            "sincronizzazione): rifai l'anteprima dell'importazione. Non è stato scritto "
            "nulla.",
            "file",
        )
        if touched:
            ids = [p.practice.id for p in touched]
            current: dict[str, str] = {}
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ", ".join("?" for _ in part)
                current.update(
                    conn.execute(
                        "SELECT id, updated_at || '|' || COALESCE((SELECT MAX(s.updated_at) "
                        "FROM suspension s WHERE s.practice_id = practice.id), '') "
                        f"FROM practice WHERE deleted = 0 AND id IN ({marks})",
                        part,
                    ).fetchall()
                )
            if any(current.get(p.practice.id) != p.version for p in touched):
                raise stale
        codes = sorted({p.key[0] for p in plan.new})
        if codes:
            marks = ", ".join("?" for _ in codes)
            taken = set(
                conn.execute(
                    "SELECT comune_code, procedure_type, protocol_no FROM practice "
                    f"WHERE deleted = 0 AND comune_code IN ({marks})",
                    codes,
                ).fetchall()
            )
            if any(p.key in taken for p in plan.new):
                raise stale


def _suspension_values(s: Suspension) -> dict[str, object]:
    return {
        "id": s.id,
        "practice_id": s.practice_id,
        "start_on": s.start_on,
        "end_on": s.end_on,
        "reason": s.reason,
    }


def _record_row(p: Planned, source: str, stamp: str) -> tuple[object, ...]:
    key = p.file_key or p.key
    return (
        p.practice.id,
        key[0],
        key[1],
        key[2],
        jsonio.dumps(p.record, sort_keys=True).decode(),
        source,
        stamp,
    )

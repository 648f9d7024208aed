"""The operation log as stored: one row per op, except for records created in bulk.

An op is `{replica, seq, table, pk, field, value, prev, hlc}` (docs/sync.md). A record
created by `Tx.insert_many` (the spreadsheet import: 50,000 practices at a time) is
stored as ONE row standing for the ops of all its logged fields, which keeps a bulk
import's op log about nine times smaller:

- `field` is `CREATED`, `value` a JSON object `{field: value}` in the order of the
  fields' sequence numbers, `prev` NULL (a new record has no earlier version);
- `seq` is the LAST of the record's sequence numbers (they are consecutive), so "every
  op up to seq N is acknowledged" reads the same for both kinds of row: a bulk row is
  acknowledged only when all of its ops are;
- `hlc` is the clock of its first op; the i-th op's clock has the same wall time and
  the counter plus i (the writer moved its clock past all of them).

Such a row never leaves the store as it is: `expand` turns it into exactly the ops
`Tx.insert` would have logged, and that is what bundles, the centre's merge and the
history screen see. While a bulk row is pending its fields have no `field_version`
row: their version is read from the bulk row (`created_version`); importing the
generation that acknowledges it records the centre's versions as for any other field.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable, Sequence, Sized
from typing import Any

from taskforce_tui.store import jsonio
from taskforce_tui.store.schema import SYNCED_TABLES

#: The `field` of a row that stands for a whole record created in bulk.
CREATED = "*"


def _first_seq(last: Any, fields: Sized) -> int:
    """The sequence number of a bulk row's first op (its `seq` is the last one's)."""
    return int(last) - len(fields) + 1


def expand(row: Sequence[Any]) -> list[tuple[Any, ...]]:
    """An oplog row in OP_COLUMNS order (replica, seq, tbl, pk, field, value,
    prev_replica, prev_seq, hlc, author, at, ...extra columns kept as they are) as the
    ops it stands for: itself, or one op per field of a bulk creation row."""
    if row[4] != CREATED:
        return [tuple(row)]
    values: dict[str, Any] = jsonio.loads(row[5])
    first = _first_seq(row[1], values)
    wall, _, counter = str(row[8]).partition("-")
    base = int(counter)
    rest = tuple(row[9:])
    return [
        (
            row[0],
            first + i,
            row[2],
            row[3],
            name,
            jsonio.dumps(value).decode(),
            None,
            None,
            f"{wall}-{base + i:05d}",
            *rest,
        )
        for i, (name, value) in enumerate(values.items())
    ]


def created_version(
    conn: sqlite3.Connection, table: str, pk: str, field: str
) -> tuple[str, int] | None:
    """The version (replica, seq) of a field set by a still pending bulk creation of
    the record, if there is one (such fields have no field_version row)."""
    for replica, seq, value in conn.execute(
        "SELECT replica, seq, value FROM oplog WHERE tbl = ? AND pk = ? AND field = ? "
        "AND acked = 0",
        (table, pk, CREATED),
    ):
        names = list(jsonio.loads(value))
        if field in names:
            return str(replica), _first_seq(seq, names) + names.index(field)
    return None


def pending_fields(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    """(table, pk, field) of every field with a change not yet acknowledged."""
    return {
        (t, p, f)
        for t, p, f in conn.execute(
            "SELECT tbl, pk, field FROM oplog WHERE acked = 0 AND field <> ? "
            "UNION ALL SELECT o.tbl, o.pk, j.key FROM oplog o, json_each(o.value) j "
            "WHERE o.acked = 0 AND o.field = ?",
            (CREATED, CREATED),
        )
    }


#: Most fields a record of any synced table has: the longest bulk creation row.
_MOST_FIELDS = max(len(fields) for _, fields in SYNCED_TABLES.values())


def in_bulk_rows(
    conn: sqlite3.Connection, batch: Sequence[tuple[Any, ...]]
) -> Callable[[str, int], bool] | None:
    """Which incoming ops of this installation's own replicas are already here inside a
    bulk creation row: the centre sends them back one op per field (history), and they
    must not be stored twice. `batch` rows start with (replica, seq)."""
    mine = {r[0] for r in conn.execute("SELECT id FROM replica")}
    bounds: dict[str, tuple[int, int]] = {}
    for b in batch:
        if b[0] in mine:
            lo, hi = bounds.get(b[0], (b[1], b[1]))
            bounds[b[0]] = (min(lo, b[1]), max(hi, b[1]))
    spans: dict[str, tuple[list[int], list[int]]] = {}
    for replica, (lo, hi) in bounds.items():
        starts: list[int] = []
        ends: list[int] = []
        for seq, value in conn.execute(
            "SELECT seq, value FROM oplog WHERE replica = ? AND seq BETWEEN ? AND ? "
            "AND field = ? ORDER BY seq",
            (replica, lo, hi + _MOST_FIELDS, CREATED),
        ):
            starts.append(_first_seq(seq, jsonio.loads(value)))
            ends.append(int(seq))
        if starts:
            spans[replica] = (starts, ends)
    if not spans:
        return None

    def covered(replica: str, seq: int) -> bool:
        found = spans.get(replica)
        if found is None:
            return False
        i = bisect.bisect_right(found[0], seq) - 1
        return i >= 0 and seq <= found[1][i]

    return covered

"""The national-scale dataset of issue 17: ten times the region.

The programme runs in every region (about 1,000 experts, ten times Lombardy). We ship
Lombardy's Comuni only, and generating 3,000,000 practices with the region's generator
holds them all in memory (it passed 5 GB at 20 % here). So the national set is the
region's set and nine copies of it, each on its own synthetic region: copy k has its
own Comuni (code `9`, k, the province's place in hex, the Lombard number; the
name marked "(copia k)"), its own experts (ids and e-mail addresses changed), and their
assignments, practices, suspensions, requests, baselines and time logs, every id
rewritten (its first hex digit becomes a letter past "f", one per copy). The shape
of each copy (practices per Comune and per expert, states, suspensions, hours) is
the region's.

    1,000 experts is 1,200 here: ten copies of the region's 120. 3,000,000 practices,
    10,000,000 time logs, 15,020 Comuni + the 12 Province.

Written with SQL inside SQLite (INSERT ... SELECT per table and copy), cached under
benchmarks/.data/ like the region.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from benchmarks.common import DATA, DATASET_VERSION, region_profile

COPIES = 10

#: Columns holding a record's id or a reference to one: rewritten in each copy.
_IDS = {"id", "expert_id", "practice_id", "request_id", "intervention_id"}
#: Columns holding a Comune's code: the copy's own Comune.
_CODES = {"comune_code", "istat_code"}
#: The provinces' ISTAT codes (the first three digits of a Lombard Comune's code).
_PROVINCES = ("012", "013", "014", "015", "016", "017", "018", "019", "020", "097", "098", "108")
#: Tables copied (those the region's set fills with its experts' data).
_TABLES = (
    "comune",
    "expert",
    "assignment",
    "baseline",
    "practice",
    "suspension",
    "request",
    "request_practice",
    "time_log",
)


def _expr(table: str, column: str, k: int) -> str:
    if column in _IDS:
        # the first character, a hex digit in every original id, becomes a letter
        # past "f" (g for copy 1...): no copy's id can be an original's or another's
        letter = chr(ord("f") + k)
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE '{letter}' || substr({column}, 2) END"
    if column in _CODES:
        # 6 characters, one for each (copy, province, number): 9, k, the province's
        # place among Lombardy's 12 in hex, the Lombard number
        cases = " ".join(f"WHEN '{p}' THEN '{i:x}'" for i, p in enumerate(_PROVINCES))
        return f"'9{k}' || CASE substr({column}, 1, 3) {cases} END || substr({column}, 4)"
    if table == "expert" and column == "email":
        return f"'r{k}.' || email"
    if table == "expert" and column == "name":
        return f"name || ' ({k})'"
    if table == "comune" and column == "name":
        return f"name || ' (copia {k})'"
    if table == "comune" and column == "cadastral_code":
        return f"'{k}' || substr(cadastral_code, 2)"
    return column


def national_profile() -> Path:
    """The national profile's folder (generated on first use, about 10 minutes)."""
    folder = DATA / f"national-v{DATASET_VERSION}"
    db = folder / "taskforce.sqlite3"
    complete = folder / "COMPLETE"
    if complete.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    source = region_profile() / "taskforce.sqlite3"
    started = time.perf_counter()
    shutil.copy(source, db)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")
        for k in range(1, COPIES):
            conn.execute("BEGIN")
            for table in _TABLES:
                columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                generated = {
                    r[1] for r in conn.execute(f"PRAGMA table_xinfo({table})") if r[6] in (2, 3)
                }
                columns = [c for c in columns if c not in generated]
                where = " WHERE kind = 'comune'" if table == "comune" else ""
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT "
                    f"{', '.join(_expr(table, c, k) for c in columns)} FROM {table}{where} "
                    # the originals only: ids of the region's rows start with any digit,
                    # so the copy is read from the rowids the region had
                    f"{'AND' if where else 'WHERE'} rowid <= {_region_rows(conn, table)}"
                )
            conn.execute("COMMIT")
            print(f"  copia {k}/{COPIES - 1}: {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in _TABLES}
    finally:
        conn.close()
    complete.write_text(str(counts), encoding="utf-8")
    print(f"  national dataset: {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


_REGION_ROWS: dict[str, int] = {}


def _region_rows(conn: sqlite3.Connection, table: str) -> int:
    """The highest rowid of the region's own rows (read before the first copy)."""
    if table not in _REGION_ROWS:
        _REGION_ROWS[table] = int(conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0])
    return _REGION_ROWS[table]


if __name__ == "__main__":
    national_profile()

"""The practice list's pages against a reference written in Python: every filter and
sort key, in a few Comuni (one query) and over all of them (one arm per status, merged;
rare texts looked up first), so a query rewrite or a new index cannot change the rows."""

from __future__ import annotations

import itertools
import re
import sqlite3
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import from_iso
from taskforce_tui.store import practices as P
from taskforce_tui.store.db import Store
from taskforce_tui.store.practices import SORT_KEYS, PracticeFilter

TODAY = date(2026, 11, 20)


def _rows(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        names = {
            code: (name, rowid)
            for code, name, rowid in conn.execute("SELECT istat_code, name, rowid FROM comune")
        }
        types = dict(conn.execute("SELECT code, name FROM procedure_type"))
        found = conn.execute(
            "SELECT rowid, id, comune_code, status, ambito, procedure_type, protocol_no, "
            "subject, received_on, legal_term_days, suspended_days, suspended_since, "
            "concluded_on FROM practice WHERE deleted = 0"
        ).fetchall()
    rows = []
    for (
        rid,
        pid,
        comune,
        status,
        ambito,
        ptype,
        protocol,
        subject,
        received,
        term,
        days,
        since,
        concluded,
    ) in found:
        due = from_iso(received) + timedelta(days=term + days)  # type: ignore[operator]
        eff = due
        if status == vocab.SOSPESA and since:
            eff = due + timedelta(days=(TODAY - from_iso(since)).days)  # type: ignore[operator]
        overdue = (status == vocab.APERTA and due < TODAY) or (
            status == vocab.SOSPESA and since is not None and since > due.isoformat()
        )
        rows.append(
            {
                "rowid": rid,
                "id": pid,
                "comune": comune,
                "comune_name": names[comune][0],
                "comune_rowid": names[comune][1],
                "type_name": types.get(ptype, ptype),
                "status": status,
                "ambito": ambito,
                "type": ptype,
                "protocol": protocol,
                "subject": subject,
                "received": received,
                "due": due.isoformat(),
                "eff_due": eff.isoformat(),
                "concluded": concluded,
                "overdue": overdue,
            }
        )
    return rows


def _key(sort: str, r: dict[str, Any]) -> tuple[Any, ...]:
    null_first = (r["concluded"] is not None, r["concluded"] or "")
    return {
        "avvio": (r["received"], r["due"]),
        "scadenza": (r["eff_due"],),
        "giorni": (r["eff_due"],),
        "comune": (r["comune_name"], r["comune_rowid"], r["received"]),
        "stato": (r["status"], r["due"]),
        "oggetto": (r["subject"], r["protocol"]),
        "tipo": (r["type"],),
        "protocollo": (r["protocol"],),
        "conclusione": null_first,
    }[sort] + (r["rowid"],)


def _words(text: str) -> list[str]:
    """Words as an FTS5 unicode61 tokenizer with remove_diacritics 2 sees them."""
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )
    return re.findall(r"[^\W_]+", bare)


def _expected(
    rows: list[dict[str, Any]], flt: PracticeFilter, sort: str, descending: bool
) -> list[str]:
    text = flt.text.strip().casefold()
    fields = ("protocol", "subject", "comune_name", "type_name")

    def matches(r: dict[str, Any]) -> bool:
        if len(text) <= 2:  # one or two characters: the start of a word
            prefix = _words(text)
            return bool(prefix) and any(
                w.startswith(prefix[0]) for f in fields for w in _words(r[f])
            )
        return any(text in r[f].casefold() for f in fields)

    def keep(r: dict[str, Any]) -> bool:
        return (
            (flt.comuni is None or r["comune"] in flt.comuni)
            and (not flt.statuses or r["status"] in flt.statuses)
            and (not flt.ambito or r["ambito"] == flt.ambito)
            and (not flt.procedure_type or r["type"] == flt.procedure_type)
            and (not flt.overdue_only or r["overdue"])
            and (not text or matches(r))
        )

    kept = sorted(filter(keep, rows), key=lambda r: _key(sort, r), reverse=descending)
    return [r["id"] for r in kept]


def _filters(store: Store, scope: list[str] | None) -> list[PracticeFilter]:
    mine = store.comuni.assigned_codes(store.expert_id)
    return [
        PracticeFilter(comuni=scope),
        PracticeFilter(comuni=scope, statuses=["aperta", "sospesa"]),
        PracticeFilter(comuni=scope, statuses=["sospesa"]),
        PracticeFilter(comuni=scope, statuses=["conclusa", "archiviata"]),
        PracticeFilter(comuni=scope, ambito="edilizia_urbanistica"),
        PracticeFilter(comuni=scope, ambito="bonifiche", statuses=["aperta", "conclusa"]),
        PracticeFilter(comuni=scope, procedure_type="scia"),
        PracticeFilter(comuni=scope, procedure_type="paur"),
        PracticeFilter(comuni=[mine[0]]),
        PracticeFilter(comuni=scope, overdue_only=True),
        PracticeFilter(comuni=scope, statuses=["conclusa"], overdue_only=True),
        PracticeFilter(comuni=scope, text="vi"),
        PracticeFilter(comuni=scope, text="Via"),
        PracticeFilter(comuni=scope, text="fotovolt"),
        PracticeFilter(comuni=scope, text="2026"),
        PracticeFilter(comuni=scope, text="zq"),
        PracticeFilter(comuni=scope, text="Pi"),  # a word start, in subjects and names
        PracticeFilter(comuni=scope, text="1"),  # a protocol's start
        PracticeFilter(comuni=scope, text="-"),  # no letter or digit: nothing
        PracticeFilter(comuni=scope, text="bergamo"),  # a Comune's name
        PracticeFilter(comuni=scope, text="segnalazione"),  # a type's name
        PracticeFilter(
            comuni=scope, statuses=["aperta"], procedure_type="scia", overdue_only=True, text="a"
        ),
    ]


@pytest.mark.parametrize("narrow", [0, 30_000], ids=["text-row-by-row", "text-looked-up"])
@pytest.mark.parametrize("scope", ["few", "all"])
def test_every_filter_and_sort_gives_the_reference_rows(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, scope: str, narrow: int
) -> None:
    monkeypatch.setattr(P, "NARROW_TEXT", narrow)
    if not narrow:  # an ambito checked row by row on the walk, as a common one is
        monkeypatch.setattr(P, "WALK_FACET", 0)
    rows = _rows(demo_store)
    mine = demo_store.comuni.assigned_codes(demo_store.expert_id)
    checked = 0
    for flt in _filters(demo_store, mine if scope == "few" else None):
        for sort, descending in itertools.product(SORT_KEYS, (True, False)):
            expected = _expected(rows, flt, sort, descending)
            got = demo_store.practices.page(
                flt, on=TODAY, sort=sort, descending=descending, limit=10_000
            )
            assert [r.id for r in got] == expected, (flt, sort, descending)
            # a later page is the same slice of the same order
            page = demo_store.practices.page(
                flt, on=TODAY, sort=sort, descending=descending, limit=7, offset=11
            )
            assert [r.id for r in page] == expected[11:18], (flt, sort, descending)
            checked += bool(expected)
        assert demo_store.practices.count(flt, on=TODAY) == len(
            _expected(rows, flt, "avvio", True)
        ), flt
    assert checked > 200  # most combinations have rows: the comparison means something


def test_the_arms_serve_a_long_list_of_comuni(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scope of many Comuni (a coordinator with 300 assigned) reads by status too."""
    monkeypatch.setattr(P, "SMALL_SCOPE", 2)
    rows = _rows(demo_store)
    mine = demo_store.comuni.assigned_codes(demo_store.expert_id)
    for flt in _filters(demo_store, mine[:5]):
        for sort in ("scadenza", "comune", "stato"):
            got = demo_store.practices.page(flt, on=TODAY, sort=sort, limit=10_000)
            assert [r.id for r in got] == _expected(rows, flt, sort, True), (flt, sort)


def test_a_large_scope_page_reads_indexes_in_order(demo_store: Store) -> None:
    """Over all Comuni, no filter: every arm walks an index in sort order, no sort
    (with the statistics a region-scale database has; the dataset generator and the
    migration run ANALYZE)."""
    with demo_store.bulk() as conn:
        conn.execute("ANALYZE")
    with demo_store.read() as conn:
        # by Comune: on 1,500 practices the planner rightly sorts them; on the region's
        # 300,000 it walks comune_name (benchmarks/bench_tui.py prints the plans)
        for sort in [k for k in SORT_KEYS if k != "comune"]:
            sql, params = demo_store.practices.page_query(
                conn, PracticeFilter(), TODAY, sort, True, 60
            )
            plan = [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert any("MERGE (UNION ALL)" in step for step in plan), (sort, plan)
            assert not any(re.match(r"SCAN p\b", step) for step in plan), (sort, plan)
            # only the suspended practices' arm is sorted by due date (it moves with today);
            # ties of the index order may be put in rowid order ("RIGHT PART"), which
            # reads no further than the page
            sorted_arms = sum(
                "TEMP B-TREE" in step and "RIGHT PART" not in step for step in plan[:-1]
            )
            assert sorted_arms == (1 if sort in ("scadenza", "giorni") else 0), (sort, plan)


def test_a_version_1_database_migrates_with_nothing_lost(tmp_path: Path) -> None:
    """A profile made before the list indexes: the same rows after the migration, and
    the indexes in place."""
    from taskforce_tui.store.schema import MIGRATIONS

    db = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
    conn.execute(
        "INSERT INTO comune(istat_code, name, province, created_at, updated_at) "
        "VALUES ('016024', 'Bergamo', 'BG', 'x', 'x')"
    )
    conn.execute(
        "INSERT INTO procedure_type(code, name, ambito, legal_term_days, created_at, "
        "updated_at) VALUES ('scia', 'SCIA', 'edilizia_urbanistica', 30, 'x', 'x')"
    )
    for i in range(50):
        conn.execute(
            "INSERT INTO practice(id, comune_code, ambito, procedure_type, protocol_no, "
            "subject, received_on, legal_term_days, status, created_at, updated_at) "
            "VALUES (?, '016024', 'edilizia_urbanistica', 'scia', ?, ?, ?, 30, ?, 'x', 'x')",
            (f"p{i}", f"{i}/2026", f"oggetto {i}", f"2026-0{1 + i % 9}-10", vocab.APERTA),
        )
    old = conn.execute("SELECT * FROM practice ORDER BY id")
    columns = ", ".join(d[0] for d in old.description)  # later migrations add columns
    before = old.fetchall()
    conn.close()
    with Store(db) as store, store.read() as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert c.execute(f"SELECT {columns} FROM practice ORDER BY id").fetchall() == before
        indexes = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"practice_list_received", "practice_list_subject", "comune_name"} <= indexes
        assert (
            c.execute(
                "SELECT count(*) FROM practice_fts WHERE practice_fts MATCH '\"oggetto\"'"
            ).fetchone()[0]
            == 50
        )
        page = store.practices.page(PracticeFilter(), on=TODAY, sort="protocollo", limit=3)
        assert [r.protocol_no for r in page] == ["9/2026", "8/2026", "7/2026"]


def test_a_short_text_over_all_comuni_is_looked_up_not_scanned(demo_store: Store) -> None:
    """One or two characters with no word starting with them: the word-prefix index
    says so at once, and the page reads no practice (the trigram index cannot look up
    fewer than three characters; reading the list for them was a whole pass)."""
    with demo_store.read() as conn:
        for sort in SORT_KEYS:
            sql, params = demo_store.practices.page_query(
                conn, PracticeFilter(text="zq"), TODAY, sort, True, 60
            )
            assert params["ids"] == "[]"
            plan = [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert not any(re.match(r"SCAN p\b", step) for step in plan), (sort, plan)
    assert demo_store.practices.count(PracticeFilter(text="zq"), on=TODAY) == 0

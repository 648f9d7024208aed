"""store/tables.py, the one declaration of the schema: the SQLite file made by the
migrations of schema.py has exactly its shape, and it creates cleanly on PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import (
    CheckConstraint,
    DefaultClause,
    ForeignKeyConstraint,
    MetaData,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects import sqlite

from taskforce_tui.store.db import Store
from taskforce_tui.store.tables import ADD_DAYS_FUNCTION, SQLITE_ONLY, create_schema, metadata
from taskforce_tui.sync import trust
from tests.pg_server import PgServer, sqlalchemy_url

# (name, type, NOT NULL (None for a primary-key column), default, generated)
ColumnShape = tuple[str, str, bool | None, str | None, str | None]
IndexShape = tuple[str, tuple[str, ...], bool, str | None]


@dataclass
class TableShape:
    columns: list[ColumnShape] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: set[tuple[str, str, str]] = field(default_factory=set)
    unique: set[tuple[str, ...]] = field(default_factory=set)
    indexes: set[IndexShape] = field(default_factory=set)
    without_rowid: bool = False
    checks: set[str] = field(default_factory=set)


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def _where(sql: str | None) -> str | None:
    if not sql or not re.search(r"\bWHERE\b", sql):
        return None
    return _norm(re.split(r"\bWHERE\b", sql, maxsplit=1)[1])


def sqlite_shapes(conn: sqlite3.Connection) -> dict[str, TableShape]:
    """What a SQLite file holds, table by table (FTS5 machinery left out)."""
    shapes = {}
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for name, sql in tables:
        if name in SQLITE_ONLY:
            continue
        shape = TableShape(without_rowid="WITHOUT ROWID" in sql)
        shape.checks = {_norm(sql)}  # matched by substring below
        kinds = {0: None, 2: "virtual", 3: "stored"}
        for _, col, ctype, notnull, default, pk, hidden in conn.execute(
            f"PRAGMA table_xinfo({name})"
        ):
            shape.columns.append(
                (col, ctype, None if pk else bool(notnull), default, kinds[hidden])
            )
        pk_cols = sorted((r[5], r[1]) for r in conn.execute(f"PRAGMA table_info({name})") if r[5])
        shape.primary_key = tuple(c for _, c in pk_cols)
        shape.foreign_keys = {
            (r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list({name})")
        }
        for _, index, unique, origin, _ in conn.execute(f"PRAGMA index_list({name})"):
            cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})"))
            if origin == "u":
                shape.unique.add(cols)
            elif origin == "c":
                (index_sql,) = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE name = ?", (index,)
                ).fetchone()
                shape.indexes.add((index, cols, bool(unique), _where(index_sql)))
        shapes[name] = shape
    return shapes


def declared_shapes(meta: MetaData) -> dict[str, TableShape]:
    """What tables.py declares, as SQLite would hold it."""
    dialect = sqlite.dialect()
    shapes = {}
    for table in meta.tables.values():
        shape = TableShape(without_rowid=table.dialect_options["sqlite"]["with_rowid"] is False)
        pk = {c.name for c in table.primary_key.columns}
        for col in table.columns:
            default = generated = None
            if col.computed is not None:
                generated = "stored" if col.computed.persisted else "virtual"
            elif isinstance(col.server_default, DefaultClause):
                default = str(col.server_default.arg)
            shape.columns.append(
                (
                    col.name,
                    col.type.compile(dialect=dialect),
                    None if col.name in pk else not col.nullable,
                    default,
                    generated,
                )
            )
        shape.primary_key = tuple(c.name for c in table.primary_key.columns)
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                for element in constraint.elements:
                    shape.foreign_keys.add(
                        (element.parent.name, *element.target_fullname.split("."))  # type: ignore[arg-type]
                    )
            elif isinstance(constraint, UniqueConstraint):
                shape.unique.add(tuple(c.name for c in constraint.columns))
            elif isinstance(constraint, CheckConstraint):
                shape.checks.add(_norm(str(constraint.sqltext)))
        for index in table.indexes:
            where = index.dialect_options["sqlite"]["where"]
            shape.indexes.add(
                (
                    str(index.name),
                    tuple(c.name for c in index.columns),
                    bool(index.unique),
                    _norm(str(where)) if where is not None else None,
                )
            )
        shapes[table.name] = shape
    return shapes


def differences(migrated: dict[str, TableShape], declared: dict[str, TableShape]) -> list[str]:
    """Every way the migrated file and the declaration differ, in words."""
    out = []
    for name in sorted(set(migrated) - set(declared)):
        out.append(
            f"table {name}: made by the migrations (schema.py) but not declared in "
            "store/tables.py: add a Table for it"
        )
    for name in sorted(set(declared) - set(migrated)):
        out.append(f"table {name}: declared in store/tables.py but no migration makes it")
    for name in sorted(set(migrated) & set(declared)):
        m, d = migrated[name], declared[name]
        m_cols, d_cols = {c[0]: c for c in m.columns}, {c[0]: c for c in d.columns}
        for col in m_cols.keys() - d_cols.keys():
            out.append(f"table {name}: column {col} is in the migrations, not in tables.py")
        for col in d_cols.keys() - m_cols.keys():
            out.append(f"table {name}: column {col} is in tables.py, not in the migrations")
        for col in m_cols.keys() & d_cols.keys():
            if m_cols[col] != d_cols[col]:
                out.append(
                    f"table {name}: column {col} (name, type, not null, default, generated) "
                    f"is {m_cols[col]} in the migrations, {d_cols[col]} in tables.py"
                )
        if [c[0] for c in m.columns] != [
            c[0] for c in d.columns
        ] and m_cols.keys() == d_cols.keys():
            out.append(f"table {name}: columns in another order than the migrations'")
        for what in ("primary_key", "foreign_keys", "unique", "indexes", "without_rowid"):
            if getattr(m, what) != getattr(d, what):
                out.append(
                    f"table {name}: {what} is {getattr(m, what)} in the migrations, "
                    f"{getattr(d, what)} in tables.py"
                )
        (create_sql,) = m.checks
        for check in d.checks - m.checks:
            if check not in create_sql:
                out.append(f"table {name}: CHECK ({check}) is in tables.py, not in the migrations")
    return out


def _centre_file(path: Path) -> sqlite3.Connection:
    """A database as the centre holds it: every migration, then sync/trust.py's tables."""
    Store(path).close()
    conn = sqlite3.connect(path)
    trust.ensure_tables(conn)
    return conn


def test_the_migrated_database_is_exactly_the_declaration(tmp_path: Path) -> None:
    conn = _centre_file(tmp_path / "centrale.sqlite3")
    problems = differences(sqlite_shapes(conn), declared_shapes(metadata))
    conn.close()
    assert not problems, "schema.py and store/tables.py differ:\n" + "\n".join(problems)
    assert {"practice", "oplog", "conflict", "sync_generation", "trust_device"} <= set(
        metadata.tables
    )


def test_the_drift_check_names_what_is_missing(tmp_path: Path) -> None:
    """A later migration that adds a table, a column and an index without declaring
    them is caught, and the message says what to add."""
    conn = _centre_file(tmp_path / "centrale.sqlite3")
    conn.executescript(
        "CREATE TABLE district (id TEXT PRIMARY KEY, name TEXT NOT NULL);"
        "ALTER TABLE practice ADD COLUMN district_id TEXT;"
        "CREATE INDEX practice_district ON practice(district_id);"
    )
    problems = differences(sqlite_shapes(conn), declared_shapes(metadata))
    conn.close()
    assert problems[0] == (
        "table district: made by the migrations (schema.py) but not declared in "
        "store/tables.py: add a Table for it"
    )
    assert "table practice: column district_id is in the migrations, not in tables.py" in problems
    assert any(p.startswith("table practice: indexes is") for p in problems)
    assert len(problems) == 3


def test_a_declaration_that_differs_is_caught(tmp_path: Path) -> None:
    conn = _centre_file(tmp_path / "centrale.sqlite3")
    other = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(other)
    practice: Table = other.tables["practice"]
    practice.c.subject.nullable = True
    practice.c.notes.server_default = None
    problems = differences(sqlite_shapes(conn), declared_shapes(other))
    conn.close()
    assert sorted(p.split(" (name")[0] for p in problems) == [
        "table practice: column notes",
        "table practice: column subject",
    ]


#: Receipt dates as a spreadsheet may hold them: only the ISO one is a date on SQLite.
ODD_DAYS = (
    "1/2/2025",
    "2025.01.02",
    "20250102",
    "2 gennaio 2025",
    "2025-01-02",
    "2025-01-02 10:00",
)


def test_the_declaration_creates_on_postgresql(pg_server: PgServer, pg_url: str) -> None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(sqlalchemy_url(pg_url))
    with engine.begin() as conn:
        create_schema(conn)
    found = inspect(engine)
    assert set(found.get_table_names()) == set(metadata.tables)
    for table in metadata.tables.values():
        assert [c["name"] for c in found.get_columns(table.name)] == list(table.columns.keys())
        pk = found.get_pk_constraint(table.name)["constrained_columns"]
        assert pk == [c.name for c in table.primary_key.columns], table.name
        indexes = found.get_indexes(table.name)
        assert {
            i["name"]: i["column_names"] for i in indexes if "duplicates_constraint" not in i
        } == {str(i.name): [c.name for c in i.columns] for i in table.indexes}, table.name
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO practice (id, comune_code, ambito, procedure_type, protocol_no,"
                " received_on, legal_term_days, status, created_at, updated_at, suspended_days)"
                " VALUES ('p', '016024', 'edilizia', 'PDC', '1/2026', :received, 60, 'aperta',"
                " 'x', 'x', 3)"
            ),
            {"received": "2028-01-15"},
        )
        due = conn.execute(text("SELECT due_on FROM practice")).scalar_one()
        bad = conn.execute(text("SELECT taskforce_add_days('31/02/2026', 1)")).scalar_one()
        odd = {
            day: conn.execute(text("SELECT taskforce_add_days(:d, 30)"), {"d": day}).scalar_one()
            for day in ODD_DAYS
        }
    engine.dispose()
    lite = sqlite3.connect(":memory:")
    # text PostgreSQL alone would read as a date is no date on either back end
    assert odd == {
        d: lite.execute("SELECT date(?, '+30 days')", (d,)).fetchone()[0] for d in ODD_DAYS
    }
    (expected,) = lite.execute("SELECT date('2028-01-15', '+' || (60 + 3) || ' days')").fetchone()
    assert due == expected == "2028-03-18"
    assert bad is None


@pytest.mark.parametrize("received", ["2026-12-31", "2024-02-28", "2025-02-28", "2026-13-01"])
def test_due_date_is_the_same_on_both_back_ends(pg_server: PgServer, received: str) -> None:
    with pg_server.connect() as conn:
        conn.execute(ADD_DAYS_FUNCTION)
        (pg,) = conn.execute("SELECT taskforce_add_days(%s, 400)", (received,)).fetchone()
        conn.rollback()
    (lite,) = (
        sqlite3.connect(":memory:")
        .execute("SELECT date(?, '+' || 400 || ' days')", (received,))
        .fetchone()
    )
    assert pg == lite


#: One history of suspensions, run on both back ends (statements with :named values).
SUSPENSION_HISTORY = (
    "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at) "
    "VALUES ('s1', 'p1', '2026-01-15', NULL, 'x', 'x')",
    "UPDATE suspension SET end_on = '2026-01-25' WHERE id = 's1'",
    "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at) "
    "VALUES ('s2', 'p1', '2026-02-01', NULL, 'x', 'x')",
    "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at) "
    "VALUES ('s3', 'p1', '2026-01-28', NULL, 'x', 'x')",
    "UPDATE suspension SET deleted = 1 WHERE id = 's3'",
    "UPDATE suspension SET practice_id = 'p2' WHERE id = 's2'",
    "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at) "
    "VALUES ('s4', 'p1', 'non una data', '2026-03-01', 'x', 'x')",
    "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at) "
    "VALUES ('s5', 'p2', '2026-02-10', '2026-04-10', 'x', 'x')",
)


def test_suspension_totals_follow_the_same_history_on_both(
    tmp_path: Path, pg_server: PgServer, pg_url: str
) -> None:
    """schema.py's SQLite triggers and tables.SUSPENSION_TRIGGER on PostgreSQL keep
    practice.suspended_days / suspended_since (and so due_on) the same, step by step."""
    from sqlalchemy import create_engine, text

    path = tmp_path / "x.sqlite3"
    with Store(path) as store:
        (ptype,) = store.conn.execute("SELECT code FROM procedure_type LIMIT 1").fetchone()
    lite = create_engine(f"sqlite:///{path}")
    pg = create_engine(sqlalchemy_url(pg_url))
    with pg.begin() as conn:
        create_schema(conn)
    practices = (
        "INSERT INTO practice (id, comune_code, ambito, procedure_type, protocol_no,"
        " received_on, legal_term_days, status, created_at, updated_at)"
        " VALUES (:id, '016024', 'edilizia', :ptype, :id, '2026-01-10', 30, 'aperta', 'x', 'x')"
    )
    read = "SELECT id, suspended_days, suspended_since, due_on FROM practice ORDER BY id"
    seen = []
    with lite.begin() as a, pg.begin() as b:
        for conn in (a, b):
            conn.execute(
                text(practices), [{"id": "p1", "ptype": ptype}, {"id": "p2", "ptype": ptype}]
            )
        for step in SUSPENSION_HISTORY:
            a.execute(text(step))
            b.execute(text(step))
            here = [tuple(r) for r in a.execute(text(read))]
            assert [tuple(r) for r in b.execute(text(read))] == here, step
            seen.append(here)
    lite.dispose()
    pg.dispose()
    assert seen[0][0] == ("p1", 0, "2026-01-15", "2026-02-09")
    assert seen[1][0] == ("p1", 10, None, "2026-02-19")
    assert seen[3][0][2] == "2026-01-28" and seen[4][0][2] == "2026-02-01"
    assert seen[5] == [("p1", 10, None, "2026-02-19"), ("p2", 0, "2026-02-01", "2026-02-09")]
    assert seen[-1][1] == ("p2", 59, "2026-02-01", "2026-04-09")

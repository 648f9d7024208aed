"""The one declaration of the database's tables: SQLAlchemy Core, for both back ends.

- **SQLite** (every laptop, and the coordinator's default centre): the database is
  made by the plain-SQL migrations in schema.py, which must open in milliseconds and
  never import SQLAlchemy (the laptop's start-up pays nothing for this module).
  tests/test_tables.py checks that the migrated file has exactly the tables, columns
  (type, NOT NULL, default, generated), primary keys, foreign keys, unique constraints
  and indexes declared here, so the two cannot drift apart: a new migration adds its
  tables and columns here too, in the same commit.
- **PostgreSQL** (the coordinator's centre on a server, docs/sync.md): `create_all`
  makes the schema from this declaration (`create_schema`).

One `Table` per table, in the order of the migrations, then the centre-only tables of
sync/trust.py. Not declared: SQLite-only machinery that schema.py keeps to itself, the
FTS5 indexes of the practice list (`practice_fts` and `practice_words` with their
shadow tables, `SQLITE_ONLY`) and their triggers. The triggers keeping
`practice.suspended_days` / `suspended_since` current exist on both: schema.py's on
SQLite, `SUSPENSION_TRIGGER` here on PostgreSQL (tests/test_tables.py runs the same
suspension histories on both and compares).

Differences between the two back ends, on purpose:
- integers are `BIGINT` on PostgreSQL (clocks and sequence numbers pass 2^31);
- foreign keys are created on SQLite only: the central merge may leave a reference
  dangling (a time log pointing at a practice whose creation was refused; nothing is
  lost for it) and runs with them off (sync/central.py `transaction`), which
  PostgreSQL cannot do without superuser rights;
- `practice.due_on` is generated on both, `VIRTUAL` on SQLite, `STORED` on
  PostgreSQL through `taskforce_add_days`, an immutable
  function made with the schema (a cast of text to date is not immutable in itself).

Import this module only where start-up time does not matter (SQLAlchemy costs about
0.2 s): the centre on PostgreSQL, `centrale migra`, tests.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    DDL,
    REAL,
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    event,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement

#: INTEGER on SQLite (so `INTEGER PRIMARY KEY` stays the rowid), BIGINT on PostgreSQL.
Int = BigInteger().with_variant(Integer(), "sqlite")
#: REAL on SQLite, DOUBLE PRECISION on PostgreSQL.
Real: Double[float] = Double().with_variant(REAL(), "sqlite")

#: Tables of the SQLite file not declared here: schema.py's FTS5 index and its shadow
#: tables, and SQLite's own statistics (ANALYZE).
SQLITE_ONLY: Final = frozenset(
    {
        "practice_fts",
        "practice_fts_config",
        "practice_fts_data",
        "practice_fts_docsize",
        "practice_fts_idx",
        "practice_words",
        "practice_words_config",
        "practice_words_data",
        "practice_words_docsize",
        "practice_words_idx",
        "sqlite_stat1",
    }
)

metadata = MetaData()


def _fk(column: str, target: str) -> ForeignKeyConstraint:
    """A reference, enforced on SQLite only (see the module's docstring)."""
    fk = ForeignKeyConstraint([column], [target])
    fk.ddl_if(dialect="sqlite")
    return fk


def _stamps() -> tuple[Column[Any], ...]:
    """The three columns every synced table ends its own fields with."""
    return (
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        Column("deleted", Int, nullable=False, server_default=text("0")),
    )


def _partial(name: str, *columns: str, where: str) -> Index:
    """An index of the rows matching `where`, on both back ends."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class _DueOn(ColumnElement[str]):
    """`practice.due_on`: the receipt date plus the legal term and the closed suspended
    days (schema.py, V1), as each back end computes it."""

    type = Text()
    inherit_cache = True


@compiles(_DueOn, "sqlite")
def _due_on_sqlite(element: _DueOn, compiler: SQLCompiler, **kw: Any) -> str:
    return "date(received_on, '+' || (legal_term_days + suspended_days) || ' days')"


@compiles(_DueOn, "postgresql")
def _due_on_postgresql(element: _DueOn, compiler: SQLCompiler, **kw: Any) -> str:
    return "taskforce_add_days(received_on, legal_term_days + suspended_days)"


#: The ISO date `days` days after `day` (NULL when `day` is not a date, as SQLite's
#: date() answers), declared IMMUTABLE so that a generated column may use it: an ISO
#: date is read the same whatever the DateStyle.
ADD_DAYS_FUNCTION: Final = """
CREATE OR REPLACE FUNCTION taskforce_add_days(day text, days bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    -- SQLite's date() reads YYYY-MM-DD only (a time may follow); PostgreSQL would also
    -- read '1/2/2025' and the like, so anything else is NULL here as there
    IF day !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?$' THEN
        RETURN NULL;
    END IF;
    RETURN to_char(left(day, 10)::date + days::integer, 'YYYY-MM-DD');
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$
"""


@compiles(Computed, "postgresql")
def _stored_on_postgresql(element: Computed, compiler: Any, **kw: Any) -> str:
    """STORED on every PostgreSQL: its virtual generated columns (18+) may not call a
    function of ours, and 15 has no others."""
    if element.persisted is None:
        element = Computed(element.sqltext, persisted=True)
    ddl: str = compiler.visit_computed_column(element, **kw)
    return ddl


event.listen(metadata, "before_create", DDL(ADD_DAYS_FUNCTION).execute_if(dialect="postgresql"))


meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text),
    sqlite_with_rowid=False,
)

replica = Table(
    "replica",
    metadata,
    Column("id", Text, primary_key=True),
    Column("last_seq", Int, nullable=False, server_default=text("0")),
    Column("hlc_wall", Int, nullable=False, server_default=text("0")),
    Column("hlc_counter", Int, nullable=False, server_default=text("0")),
    Column("created_at", Text, nullable=False),
    Column("retired_at", Text),
)

comune = Table(
    "comune",
    metadata,
    Column("istat_code", Text, CheckConstraint("length(istat_code) = 6"), primary_key=True),
    Column("name", Text, nullable=False),
    Column("province", Text, nullable=False),
    Column("province_name", Text, nullable=False, server_default=text("''")),
    Column("cadastral_code", Text, nullable=False, server_default=text("''")),
    Column("is_capoluogo", Int, nullable=False, server_default=text("0")),
    Column("nuts3", Text, nullable=False, server_default=text("''")),
    Column("phase", Int, CheckConstraint("phase IN (1, 2, 3)")),
    Column("inner_area", Text),
    Column("active", Int, nullable=False, server_default=text("1")),
    *_stamps(),
    # migration 5: the enti beyond the Comuni are rows of this table
    Column(
        "kind",
        Text,
        CheckConstraint(
            "kind IN ('comune', 'provincia', 'citta_metropolitana', 'unione', 'comunita_montana')"
        ),
        nullable=False,
        server_default=text("'comune'"),
    ),
    Column("members", Text, nullable=False, server_default=text("'[]'")),
    Index("comune_name", "name"),
    Index("comune_province", "province", "name"),
)

ambito = Table(
    "ambito",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("active", Int, nullable=False, server_default=text("1")),
    *_stamps(),
)

procedure_type = Table(
    "procedure_type",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("ambito", Text, nullable=False),
    Column("legal_term_days", Int, CheckConstraint("legal_term_days > 0"), nullable=False),
    Column("active", Int, nullable=False, server_default=text("1")),
    *_stamps(),
)

activity = Table(
    "activity",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("active", Int, nullable=False, server_default=text("1")),
    *_stamps(),
)

expert = Table(
    "expert",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("ambiti", Text, nullable=False, server_default=text("'[]'")),
    *_stamps(),
    Index("expert_email", "email"),
)

assignment = Table(
    "assignment",
    metadata,
    Column("id", Text, primary_key=True),
    Column("expert_id", Text, nullable=False),
    Column("comune_code", Text, nullable=False),
    Column("ambito", Text),
    Column("valid_from", Text),
    Column("valid_to", Text),
    *_stamps(),
    _fk("comune_code", "comune.istat_code"),
    _fk("expert_id", "expert.id"),
    Index("assignment_comune", "comune_code"),
    Index("assignment_expert", "expert_id", "comune_code"),
)

baseline = Table(
    "baseline",
    metadata,
    Column("id", Text, primary_key=True),
    Column("comune_code", Text, nullable=False),
    Column("procedure_type", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("avg_duration_days", Real),
    Column("backlog", Int),
    Column("source", Text, nullable=False, server_default=text("''")),
    *_stamps(),
    _fk("procedure_type", "procedure_type.code"),
    _fk("comune_code", "comune.istat_code"),
    Index("baseline_comune", "comune_code", "procedure_type"),
)

practice = Table(
    "practice",
    metadata,
    Column("id", Text, primary_key=True),
    Column("comune_code", Text, nullable=False),
    Column("ambito", Text, nullable=False),
    Column("procedure_type", Text, nullable=False),
    Column("protocol_no", Text, nullable=False),
    Column("subject", Text, nullable=False, server_default=text("''")),
    Column("received_on", Text, nullable=False),
    Column("legal_term_days", Int, nullable=False),
    Column(
        "status",
        Text,
        CheckConstraint("status IN ('aperta', 'sospesa', 'conclusa', 'archiviata')"),
        nullable=False,
    ),
    Column("service_conference", Int, nullable=False, server_default=text("0")),
    Column("concluded_on", Text),
    Column("outcome", Text),
    Column("expert_id", Text),
    Column("notes", Text, nullable=False, server_default=text("''")),
    Column("reopen_reason", Text),
    *_stamps(),
    Column("suspended_days", Int, nullable=False, server_default=text("0")),
    Column("suspended_since", Text),
    Column("due_on", Text, Computed(_DueOn())),
    Column("intervention_id", Text),  # migration 5
    _fk("expert_id", "expert.id"),
    _fk("procedure_type", "procedure_type.code"),
    _fk("comune_code", "comune.istat_code"),
    _partial("practice_list_concluded", "status", "concluded_on", where="deleted = 0"),
    _partial("practice_list_subject", "status", "subject", "protocol_no", where="deleted = 0"),
    _partial("practice_list_type", "status", "procedure_type", where="deleted = 0"),
    _partial("practice_list_protocol", "status", "protocol_no", where="deleted = 0"),
    _partial(
        "practice_list_received",
        "status",
        "received_on",
        "due_on",
        "suspended_since",
        where="deleted = 0",
    ),
    _partial("practice_list_ambito", "status", "ambito", "procedure_type", where="deleted = 0"),
    _partial("practice_intervention", "intervention_id", where="intervention_id IS NOT NULL"),
    Index(
        "practice_indicators",
        "comune_code",
        "procedure_type",
        "received_on",
        "concluded_on",
        "status",
        "outcome",
        "service_conference",
        "legal_term_days",
        "suspended_days",
        "suspended_since",
        "deleted",
        "id",
    ),
    Index("practice_type", "procedure_type", "status"),
    Index("practice_concluded", "concluded_on"),
    Index("practice_key", "comune_code", "procedure_type", "protocol_no"),
    Index("practice_protocol", "protocol_no"),
    Index("practice_status_due", "status", "due_on"),
    Index("practice_comune_status", "comune_code", "status", "received_on"),
)

suspension = Table(
    "suspension",
    metadata,
    Column("id", Text, primary_key=True),
    Column("practice_id", Text, nullable=False),
    Column("start_on", Text, nullable=False),
    Column("end_on", Text),
    Column("reason", Text, nullable=False, server_default=text("''")),
    *_stamps(),
    _fk("practice_id", "practice.id"),
    Index("suspension_practice", "practice_id"),
)

request = Table(
    "request",
    metadata,
    Column("id", Text, primary_key=True),
    Column("comune_code", Text, nullable=False),
    Column("ambito", Text),
    Column("kind", Text, CheckConstraint("kind IN ('tecnica', 'giuridica')"), nullable=False),
    Column("subject", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("opened_on", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("expert_id", Text),
    Column("closed_on", Text),
    *_stamps(),
    Column("intervention_id", Text),  # migration 5
    _fk("expert_id", "expert.id"),
    _fk("comune_code", "comune.istat_code"),
    Index("request_comune", "comune_code", "status"),
    _partial("request_intervention", "intervention_id", where="intervention_id IS NOT NULL"),
)

request_practice = Table(
    "request_practice",
    metadata,
    Column("id", Text, primary_key=True),
    Column("request_id", Text, nullable=False),
    Column("practice_id", Text, nullable=False),
    *_stamps(),
    _fk("practice_id", "practice.id"),
    _fk("request_id", "request.id"),
    Index("request_practice_practice", "practice_id"),
    Index("request_practice_request", "request_id"),
)

time_log = Table(
    "time_log",
    metadata,
    Column("id", Text, primary_key=True),
    Column("expert_id", Text, nullable=False),
    Column("work_date", Text, nullable=False),
    Column("minutes", Int, CheckConstraint("minutes > 0"), nullable=False),
    Column("comune_code", Text),
    Column("activity", Text, nullable=False),
    Column("mode", Text, CheckConstraint("mode IN ('presenza', 'remoto')"), nullable=False),
    Column("practice_id", Text),
    Column("request_id", Text),
    Column("note", Text, nullable=False, server_default=text("''")),
    Column("start_time", Text),
    Column("end_time", Text),
    *_stamps(),
    Column("intervention_id", Text),  # migration 5
    _fk("request_id", "request.id"),
    _fk("practice_id", "practice.id"),
    _fk("comune_code", "comune.istat_code"),
    _fk("expert_id", "expert.id"),
    Index("time_log_comune_date", "comune_code", "work_date"),
    Index("time_log_expert_date", "expert_id", "work_date"),
    _partial("time_log_intervention", "intervention_id", where="intervention_id IS NOT NULL"),
)

oplog = Table(
    "oplog",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("seq", Int, primary_key=True),
    Column("tbl", Text, nullable=False),
    Column("pk", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("value", Text),
    Column("prev_replica", Text),
    Column("prev_seq", Int),
    Column("hlc", Text, nullable=False),
    Column("author", Text),
    Column("at", Text, nullable=False),
    Column("acked", Int, nullable=False, server_default=text("0")),
    Column("generation", Int),
    _partial("oplog_generation", "generation", where="generation IS NOT NULL"),
    _partial("oplog_pending", "replica", "seq", where="acked = 0"),
    Index("oplog_record", "tbl", "pk"),
    sqlite_with_rowid=False,
)

field_version = Table(
    "field_version",
    metadata,
    Column("tbl", Text, primary_key=True),
    Column("pk", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("replica", Text, nullable=False),
    Column("seq", Int, nullable=False),
    Column("hlc", Text, nullable=False),
    sqlite_with_rowid=False,
)

conflict = Table(
    "conflict",
    metadata,
    Column("id", Text, primary_key=True),
    Column("tbl", Text, nullable=False),
    Column("pk", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("kept_value", Text),
    Column("kept_version", Text),
    Column("kept_author", Text),
    Column("kept_hlc", Text),
    Column("other_value", Text),
    Column("other_version", Text),
    Column("other_author", Text),
    Column("other_hlc", Text),
    Column("generation", Int),
    Column("created_at", Text, nullable=False),
    Column("resolved_at", Text),
    Column("resolution", Text),
    Index("conflict_open", "resolved_at", "tbl", "pk"),
)

timer = Table(
    "timer",
    metadata,
    Column("id", Int, CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    Column("started_at", Text, nullable=False),
    Column("comune_code", Text),
    Column("activity", Text, nullable=False),
    Column("mode", Text, nullable=False, server_default=text("'presenza'")),
    Column("practice_id", Text),
    Column("request_id", Text),
    Column("note", Text, nullable=False, server_default=text("''")),
)

import_mapping = Table(
    "import_mapping",
    metadata,
    Column("key", Text, primary_key=True),
    Column("mapping", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    sqlite_with_rowid=False,
)

import_record = Table(
    "import_record",
    metadata,
    Column("practice_id", Text, primary_key=True),
    Column("comune_code", Text, nullable=False),
    Column("procedure_type", Text, nullable=False),
    Column("protocol_no", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("imported_at", Text, nullable=False),
    Index("import_record_key", "comune_code", "procedure_type", "protocol_no"),
    sqlite_with_rowid=False,
)

sync_import = Table(
    "sync_import",
    metadata,
    Column("generation", Int, primary_key=True),
    Column("replica", Text, primary_key=True),
    Column("last_seq", Int, nullable=False),
    Column("at", Text, nullable=False),
    sqlite_with_rowid=False,
)

sync_resolution = Table(
    "sync_resolution",
    metadata,
    Column("conflict_id", Text, primary_key=True),
    Column("resolution", Text, nullable=False),
    Column("author", Text),
    Column("at", Text, nullable=False),
    sqlite_with_rowid=False,
)

sync_rejected = Table(
    "sync_rejected",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("seq", Int, primary_key=True),
    Column("expert_id", Text),
    Column("tbl", Text, nullable=False),
    Column("pk", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("value", Text),
    Column("reason", Text, nullable=False),
    Column("generation", Int),
    Column("at", Text),
    sqlite_with_rowid=False,
)

sync_replica = Table(
    "sync_replica",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("expert_id", Text, nullable=False),
    Column("acked_seq", Int, nullable=False, server_default=text("0")),
    Column("last_outbox_at", Text),
    Column("last_outbox", Text),
    sqlite_with_rowid=False,
)

sync_generation = Table(
    "sync_generation",
    metadata,
    Column("generation", Int, primary_key=True, autoincrement=False),
    Column("created_at", Text, nullable=False),
    Column("sha256", Text),
    Column("published_at", Text),
    Column("outboxes", Int, nullable=False, server_default=text("0")),
    Column("accepted", Int, nullable=False, server_default=text("0")),
    Column("rejected", Int, nullable=False, server_default=text("0")),
    Column("conflicts", Int, nullable=False, server_default=text("0")),
)

op_before = Table(
    "op_before",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("seq", Int, primary_key=True),
    Column("value", Text),
    sqlite_with_rowid=False,
)

# --- migration 5: the Aree Interne (areas, interventions by CUP and their monitoring) ---

area = Table(
    "area",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, CheckConstraint("kind IN ('snai', 'regionale')"), nullable=False),
    Column("lead_comune", Text),
    Column("members", Text, nullable=False, server_default=text("'[]'")),
    *_stamps(),
)

area_expert = Table(
    "area_expert",
    metadata,
    Column("id", Text, primary_key=True),
    Column("expert_id", Text, nullable=False),
    Column("area_code", Text, nullable=False),
    *_stamps(),
    Index("area_expert_expert", "expert_id", "area_code"),
)

intervention = Table(
    "intervention",
    metadata,
    Column("id", Text, primary_key=True),
    Column("cup", Text, CheckConstraint("length(cup) = 15"), nullable=False),
    Column("title", Text, nullable=False),
    Column("area_code", Text, nullable=False),
    Column("comuni", Text, nullable=False, server_default=text("'[]'")),
    Column("ente_code", Text),
    Column("theme", Text, nullable=False, server_default=text("''")),
    Column("status", Text, nullable=False, server_default=text("'non avviato'")),
    Column(
        "total_cents",
        Int,
        CheckConstraint("total_cents >= 0"),
        nullable=False,
        server_default=text("0"),
    ),
    Column("indicator", Text, nullable=False, server_default=text("''")),
    Column("unit", Text, nullable=False, server_default=text("''")),
    Column("target", Real),
    Column("start_on", Text),
    Column("end_planned_on", Text),
    Column("end_actual_on", Text),
    Column("notes", Text, nullable=False, server_default=text("''")),
    *_stamps(),
    _partial("intervention_area", "area_code", "status", where="deleted = 0"),
    Index("intervention_cup", "cup"),
)

intervention_funding = Table(
    "intervention_funding",
    metadata,
    Column("id", Text, primary_key=True),
    Column("intervention_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column(
        "amount_cents",
        Int,
        CheckConstraint("amount_cents >= 0"),
        nullable=False,
        server_default=text("0"),
    ),
    *_stamps(),
    Index("intervention_funding_parent", "intervention_id"),
)

intervention_phase = Table(
    "intervention_phase",
    metadata,
    Column("id", Text, primary_key=True),
    Column("intervention_id", Text, nullable=False),
    Column("phase", Text, nullable=False),
    Column("planned_start", Text),
    Column("planned_end", Text),
    Column("actual_start", Text),
    Column("actual_end", Text),
    *_stamps(),
    _partial(
        "intervention_phase_parent",
        "intervention_id",
        "planned_end",
        "actual_end",
        where="deleted = 0",
    ),
)

intervention_snapshot = Table(
    "intervention_snapshot",
    metadata,
    Column("id", Text, primary_key=True),
    Column("intervention_id", Text, nullable=False),
    Column("ref_date", Text, nullable=False),
    Column("total_cents", Int),
    Column(
        "committed_cents",
        Int,
        CheckConstraint("committed_cents >= 0"),
        nullable=False,
        server_default=text("0"),
    ),
    Column(
        "paid_cents",
        Int,
        CheckConstraint("paid_cents >= 0"),
        nullable=False,
        server_default=text("0"),
    ),
    Column("achieved", Real),
    Column("status", Text),
    Column("source", Text, nullable=False, server_default=text("''")),
    *_stamps(),
    _partial("intervention_snapshot_parent", "intervention_id", "ref_date", where="deleted = 0"),
)

trust_coordinator = Table(
    "trust_coordinator",
    metadata,
    Column("key_id", Text, primary_key=True),
    Column("email", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("sign_pk", Text, nullable=False),
    Column("box_pk", Text, nullable=False),
    Column("added_at", Text, nullable=False),
    Column("added_by", Text),
    Column("signature", Text, nullable=False),
    Column("revoked_at", Text),
    Column("revoked_by", Text),
    Column("revoke_signature", Text),
)

trust_device = Table(
    "trust_device",
    metadata,
    Column("device_id", Text, primary_key=True),
    Column("expert_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("sign_pk", Text, nullable=False, unique=True),
    Column("box_pk", Text, nullable=False),
    Column("enrolled_at", Text, nullable=False),
    Column("revoked_at", Text),
    Column("last_outbox_at", Text),
)

trust_replica = Table(
    "trust_replica",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("device_id", Text, nullable=False),
    Column("bound_at", Text, nullable=False),
)

trust_invite = Table(
    "trust_invite",
    metadata,
    Column("id", Text, primary_key=True),
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("mac_key", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("used_at", Text),
    Column("device_id", Text),
    Column("outcome", Text),
)

trust_event = Table(
    "trust_event",
    metadata,
    Column("id", Int, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("who", Text),
    Column("device", Text),
    Column("outcome", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

trust_reported = Table(
    "trust_reported",
    metadata,
    Column("file", Text, primary_key=True),
    Column("at", Text, nullable=False),
)


#: PostgreSQL's version of schema.py's triggers `suspension_ai` / `suspension_au`:
#: a practice's closed suspended days and the start of its open suspension follow its
#: live suspension rows, whatever writes them. Dates are ISO text; a value that is not
#: a date counts as no days (SQLite's julianday() gives NULL, which SUM skips).
SUSPENSION_TRIGGER: Final = (
    """
CREATE OR REPLACE FUNCTION taskforce_days_between(start_on text, end_on text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN end_on::date - start_on::date;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION taskforce_suspension_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE practice SET
        suspended_days = (SELECT coalesce(sum(taskforce_days_between(s.start_on, s.end_on)), 0)
            FROM suspension s WHERE s.practice_id = practice.id AND s.deleted = 0
            AND s.end_on IS NOT NULL),
        suspended_since = (SELECT min(s.start_on COLLATE "C") FROM suspension s
            WHERE s.practice_id = practice.id AND s.deleted = 0 AND s.end_on IS NULL)
    WHERE id = NEW.practice_id OR (TG_OP = 'UPDATE' AND id = OLD.practice_id);
    RETURN NULL;
END
$$
""",
    "DROP TRIGGER IF EXISTS suspension_totals ON suspension",
    """
CREATE TRIGGER suspension_totals AFTER INSERT OR UPDATE ON suspension
FOR EACH ROW EXECUTE FUNCTION taskforce_suspension_totals()
""",
)


def create_schema(conn: Connection, *, triggers: bool = True) -> None:
    """Create every declared table, index and function on PostgreSQL (the centre's
    database; SQLite files are made by schema.py's migrations), and, unless told not
    to, the triggers (a bulk copy of rows whose derived columns are already right
    creates them after the rows: `create_triggers`)."""
    from taskforce_tui.store.schema import SCHEMA_VERSION

    metadata.create_all(conn)
    conn.exec_driver_sql(f"COMMENT ON TABLE meta IS '{SCHEMA_MARK}{SCHEMA_VERSION}'")
    if triggers:
        create_triggers(conn)


#: How a PostgreSQL database records its schema version: the comment of its `meta`
#: table (a row would be content, and `centrale migra` compares contents).
SCHEMA_MARK: Final = "taskforce-tui schema "


def create_triggers(conn: Connection) -> None:
    for statement in SUSPENSION_TRIGGER:
        conn.exec_driver_sql(statement)

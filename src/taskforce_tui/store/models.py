"""The synced tables declared as SQLModel classes: the typed description of the schema.

The database itself is created by the SQL migrations in schema.py (fast, frozen per
release); tests/test_store_schema.py checks that these classes and the migrated
database agree column by column, so the two can never drift apart. Import this
module only where start-up time does not matter (it pulls in SQLAlchemy and
pydantic, about 0.4 s): tools, reports, tests - never the first paint or
`taskforce log`.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class _Stamped(SQLModel):
    created_at: str
    updated_at: str
    deleted: int = 0


class Comune(_Stamped, table=True):
    __tablename__ = "comune"
    istat_code: str = Field(primary_key=True, min_length=6, max_length=6)
    name: str
    province: str
    province_name: str = ""
    cadastral_code: str = ""
    is_capoluogo: int = 0
    nuts3: str = ""
    phase: int | None = None
    inner_area: str | None = None
    active: int = 1
    kind: str = "comune"
    members: str = "[]"


class Ambito(_Stamped, table=True):
    __tablename__ = "ambito"
    code: str = Field(primary_key=True)
    name: str
    active: int = 1


class ProcedureType(_Stamped, table=True):
    __tablename__ = "procedure_type"
    code: str = Field(primary_key=True)
    name: str
    ambito: str
    legal_term_days: int
    active: int = 1


class Activity(_Stamped, table=True):
    __tablename__ = "activity"
    code: str = Field(primary_key=True)
    name: str
    active: int = 1


class Expert(_Stamped, table=True):
    __tablename__ = "expert"
    id: str = Field(primary_key=True)
    name: str
    email: str
    ambiti: str = "[]"


class Assignment(_Stamped, table=True):
    __tablename__ = "assignment"
    id: str = Field(primary_key=True)
    expert_id: str = Field(foreign_key="expert.id")
    comune_code: str = Field(foreign_key="comune.istat_code")
    ambito: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class Baseline(_Stamped, table=True):
    __tablename__ = "baseline"
    id: str = Field(primary_key=True)
    comune_code: str = Field(foreign_key="comune.istat_code")
    procedure_type: str = Field(foreign_key="procedure_type.code")
    period: str
    avg_duration_days: float | None = None
    backlog: int | None = None
    source: str = ""


class Practice(_Stamped, table=True):
    __tablename__ = "practice"
    id: str = Field(primary_key=True)
    comune_code: str = Field(foreign_key="comune.istat_code")
    ambito: str
    procedure_type: str = Field(foreign_key="procedure_type.code")
    protocol_no: str
    subject: str = ""
    received_on: str
    legal_term_days: int
    status: str
    service_conference: int = 0
    concluded_on: str | None = None
    outcome: str | None = None
    expert_id: str | None = Field(default=None, foreign_key="expert.id")
    notes: str = ""
    reopen_reason: str | None = None
    intervention_id: str | None = None
    # derived, maintained by triggers, never synced
    suspended_days: int = 0
    suspended_since: str | None = None
    due_on: str | None = None


class Suspension(_Stamped, table=True):
    __tablename__ = "suspension"
    id: str = Field(primary_key=True)
    practice_id: str = Field(foreign_key="practice.id")
    start_on: str
    end_on: str | None = None
    reason: str = ""


class Request(_Stamped, table=True):
    __tablename__ = "request"
    id: str = Field(primary_key=True)
    comune_code: str = Field(foreign_key="comune.istat_code")
    ambito: str | None = None
    kind: str
    subject: str
    description: str = ""
    opened_on: str
    status: str
    expert_id: str | None = Field(default=None, foreign_key="expert.id")
    closed_on: str | None = None
    intervention_id: str | None = None


class RequestPractice(_Stamped, table=True):
    __tablename__ = "request_practice"
    id: str = Field(primary_key=True)
    request_id: str = Field(foreign_key="request.id")
    practice_id: str = Field(foreign_key="practice.id")


class TimeLog(_Stamped, table=True):
    __tablename__ = "time_log"
    id: str = Field(primary_key=True)
    expert_id: str = Field(foreign_key="expert.id")
    work_date: str
    minutes: int
    comune_code: str | None = Field(default=None, foreign_key="comune.istat_code")
    activity: str
    mode: str
    practice_id: str | None = Field(default=None, foreign_key="practice.id")
    request_id: str | None = Field(default=None, foreign_key="request.id")
    note: str = ""
    start_time: str | None = None
    end_time: str | None = None
    intervention_id: str | None = None


class Area(_Stamped, table=True):
    __tablename__ = "area"
    code: str = Field(primary_key=True)
    name: str
    kind: str
    lead_comune: str | None = None
    members: str = "[]"


class AreaExpert(_Stamped, table=True):
    __tablename__ = "area_expert"
    id: str = Field(primary_key=True)
    expert_id: str
    area_code: str


class Intervention(_Stamped, table=True):
    __tablename__ = "intervention"
    id: str = Field(primary_key=True)
    cup: str = Field(min_length=15, max_length=15)
    title: str
    area_code: str
    comuni: str = "[]"
    ente_code: str | None = None
    theme: str = ""
    status: str = "non avviato"
    total_cents: int = 0
    indicator: str = ""
    unit: str = ""
    target: float | None = None
    start_on: str | None = None
    end_planned_on: str | None = None
    end_actual_on: str | None = None
    notes: str = ""


class InterventionFunding(_Stamped, table=True):
    __tablename__ = "intervention_funding"
    id: str = Field(primary_key=True)
    intervention_id: str
    source: str
    amount_cents: int = 0


class InterventionPhase(_Stamped, table=True):
    __tablename__ = "intervention_phase"
    id: str = Field(primary_key=True)
    intervention_id: str
    phase: str
    planned_start: str | None = None
    planned_end: str | None = None
    actual_start: str | None = None
    actual_end: str | None = None


class InterventionSnapshot(_Stamped, table=True):
    __tablename__ = "intervention_snapshot"
    id: str = Field(primary_key=True)
    intervention_id: str
    ref_date: str
    total_cents: int | None = None
    committed_cents: int = 0
    paid_cents: int = 0
    achieved: float | None = None
    status: str | None = None
    source: str = ""


SYNCED_MODELS: tuple[type[SQLModel], ...] = (
    Comune,
    Ambito,
    ProcedureType,
    Activity,
    Expert,
    Assignment,
    Baseline,
    Practice,
    Suspension,
    Request,
    RequestPractice,
    TimeLog,
    Area,
    AreaExpert,
    Intervention,
    InterventionFunding,
    InterventionPhase,
    InterventionSnapshot,
)

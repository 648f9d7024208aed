"""Plain records the store returns and the domain works on (no ORM, no Session)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Comune:
    istat_code: str
    name: str
    province: str
    province_name: str = ""
    cadastral_code: str = ""
    is_capoluogo: bool = False
    nuts3: str = ""
    phase: int | None = None
    inner_area: str | None = None
    active: bool = True
    #: comune, or an ente beyond the Comuni: provincia, citta_metropolitana, unione,
    #: comunita_montana (they share the table and everything that works for a Comune)
    kind: str = "comune"


@dataclass(slots=True)
class Expert:
    id: str
    name: str
    email: str
    ambiti: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Assignment:
    id: str
    expert_id: str
    comune_code: str
    ambito: str | None
    valid_from: date | None
    valid_to: date | None


@dataclass(slots=True)
class ProcedureType:
    code: str
    name: str
    ambito: str
    legal_term_days: int
    active: bool = True


@dataclass(slots=True)
class Activity:
    code: str
    name: str
    active: bool = True


@dataclass(slots=True)
class Suspension:
    id: str
    practice_id: str
    start_on: date
    end_on: date | None
    reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.end_on is None


@dataclass(slots=True)
class Practice:
    id: str
    comune_code: str
    ambito: str
    procedure_type: str
    protocol_no: str
    received_on: date
    legal_term_days: int
    status: str
    subject: str = ""
    service_conference: bool = False
    concluded_on: date | None = None
    outcome: str | None = None
    expert_id: str | None = None
    notes: str = ""
    reopen_reason: str | None = None
    suspensions: list[Suspension] = field(default_factory=list)


@dataclass(slots=True)
class Request:
    id: str
    comune_code: str
    ambito: str | None
    kind: str
    subject: str
    opened_on: date
    status: str
    description: str = ""
    expert_id: str | None = None
    closed_on: date | None = None
    practice_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TimeLog:
    id: str
    expert_id: str
    work_date: date
    minutes: int
    activity: str
    mode: str
    comune_code: str | None = None
    practice_id: str | None = None
    request_id: str | None = None
    note: str = ""
    start_time: str | None = None
    end_time: str | None = None
    intervention_id: str | None = None  # an Aree Interne intervention worked on

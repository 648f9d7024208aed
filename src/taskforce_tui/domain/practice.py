"""Practice workflow and derived figures (pure functions, no I/O).

Day arithmetic, as the DPCM 12/11/2021 method counts (see docs/indicators.md):

* gross duration = calendar days from receipt to the final decision, suspensions
  included ("al lordo"); received and concluded on the same day = 0 days;
* a suspension from S to E (the resume day) stops the clock for E - S days; an
  open suspension counts up to "today";
* net duration = gross duration - suspended days within [receipt, decision];
* due date = receipt + legal term + suspended days; a practice concluded on its
  due date is on time, one concluded or still open the day after is late.

The workflow: aperta -> sospesa -> aperta -> conclusa | archiviata; a concluded or
archived practice can be reopened with a reason. Every refusal is a DomainError
with an Italian message naming the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import Practice, Suspension

MAX_LEGAL_TERM_DAYS = 3650


# --- derived figures -----------------------------------------------------------------
def _active_suspensions(practice: Practice) -> list[Suspension]:
    return sorted(practice.suspensions, key=lambda s: s.start_on)


def suspended_days(practice: Practice, until: date) -> int:
    """Days the clock was stopped up to `until` (an open suspension runs to `until`)."""
    total = 0
    for s in practice.suspensions:
        end = s.end_on if s.end_on is not None else until
        end = min(end, until)
        if end > s.start_on:
            total += (end - s.start_on).days
    return total


def gross_duration(practice: Practice) -> int | None:
    """Calendar days from receipt to decision, suspensions included; None while open."""
    if practice.concluded_on is None or practice.status not in (vocab.CONCLUSA, vocab.ARCHIVIATA):
        return None
    return (practice.concluded_on - practice.received_on).days


def net_duration(practice: Practice) -> int | None:
    """Gross duration minus the suspended days; None while open."""
    gross = gross_duration(practice)
    if gross is None or practice.concluded_on is None:
        return None
    return gross - suspended_days(practice, practice.concluded_on)


def elapsed_days(practice: Practice, today: date) -> int:
    """Calendar days since receipt: up to today while open, up to the decision after."""
    end = practice.concluded_on if practice.concluded_on is not None else today
    return max((end - practice.received_on).days, 0)


def due_date(practice: Practice, today: date) -> date:
    """Receipt + legal term + suspended days (an open suspension counted to today)."""
    until = practice.concluded_on if practice.concluded_on is not None else today
    return practice.received_on + timedelta(
        days=practice.legal_term_days + suspended_days(practice, until)
    )


def is_overdue(practice: Practice, today: date) -> bool:
    """Open past its due date, or concluded after it. Archived practices are never late."""
    if practice.status == vocab.ARCHIVIATA:
        return False
    due = due_date(practice, today)
    if practice.status == vocab.CONCLUSA and practice.concluded_on is not None:
        return practice.concluded_on > due
    return today > due


def days_left(practice: Practice, today: date) -> int | None:
    """Days to the due date for an open practice (negative when late); None otherwise."""
    if practice.status not in vocab.OPEN_STATUSES:
        return None
    return (due_date(practice, today) - today).days


@dataclass(slots=True)
class Derived:
    gross_duration: int | None
    net_duration: int | None
    suspended_days: int
    due_on: date
    overdue: bool
    days_left: int | None
    elapsed_days: int


def derive(practice: Practice, today: date) -> Derived:
    until = practice.concluded_on if practice.concluded_on is not None else today
    return Derived(
        gross_duration=gross_duration(practice),
        net_duration=net_duration(practice),
        suspended_days=suspended_days(practice, until),
        due_on=due_date(practice, today),
        overdue=is_overdue(practice, today),
        days_left=days_left(practice, today),
        elapsed_days=elapsed_days(practice, today),
    )


# --- validation ------------------------------------------------------------------------
def check_consistency(practice: Practice, today: date) -> None:
    """Refuse a practice whose fields contradict each other. Used on every write."""
    if not practice.protocol_no.strip():
        raise DomainError("Il numero di protocollo è obbligatorio.", "protocol_no")
    if practice.status not in vocab.PRACTICE_STATUSES:
        raise DomainError(f"Stato non valido: «{practice.status}».", "status")
    if not 0 < practice.legal_term_days <= MAX_LEGAL_TERM_DAYS:
        raise DomainError(
            f"Il termine di legge deve essere tra 1 e {MAX_LEGAL_TERM_DAYS} giorni.",
            "legal_term_days",
        )
    if practice.received_on > today:
        raise DomainError(
            f"La data di avvio ({format_date(practice.received_on)}) è nel futuro.",
            "received_on",
        )
    closed = practice.status in (vocab.CONCLUSA, vocab.ARCHIVIATA)
    if closed:
        if practice.concluded_on is None:
            raise DomainError("Manca la data di conclusione.", "concluded_on")
        if practice.outcome not in vocab.OUTCOMES:
            raise DomainError("Manca l'esito della pratica.", "outcome")
        if practice.status == vocab.CONCLUSA and practice.outcome == vocab.OUTCOME_ARCHIVIATA:
            raise DomainError("Una pratica conclusa non può avere esito «archiviata».", "outcome")
        if practice.status == vocab.ARCHIVIATA and practice.outcome != vocab.OUTCOME_ARCHIVIATA:
            raise DomainError("Una pratica archiviata ha esito «archiviata».", "outcome")
    elif practice.concluded_on is not None or practice.outcome is not None:
        raise DomainError(
            "Una pratica aperta o sospesa non ha data di conclusione né esito.", "concluded_on"
        )
    if practice.concluded_on is not None:
        if practice.concluded_on < practice.received_on:
            raise DomainError(
                f"La data di conclusione ({format_date(practice.concluded_on)}) è precedente "
                f"alla data di avvio ({format_date(practice.received_on)}).",
                "concluded_on",
            )
        if practice.concluded_on > today:
            raise DomainError(
                f"La data di conclusione ({format_date(practice.concluded_on)}) è nel futuro.",
                "concluded_on",
            )
    _check_suspensions(practice, today)


def _check_suspensions(practice: Practice, today: date) -> None:
    previous: Suspension | None = None
    open_count = 0
    for s in _active_suspensions(practice):
        if s.start_on < practice.received_on:
            raise DomainError(
                f"La sospensione dal {format_date(s.start_on)} inizia prima dell'avvio "
                f"della pratica ({format_date(practice.received_on)}).",
                "start_on",
            )
        if s.start_on > today:
            raise DomainError(
                f"La sospensione dal {format_date(s.start_on)} inizia nel futuro.", "start_on"
            )
        if s.end_on is not None:
            if s.end_on < s.start_on:
                raise DomainError(
                    f"La ripresa ({format_date(s.end_on)}) è precedente all'inizio della "
                    f"sospensione ({format_date(s.start_on)}).",
                    "end_on",
                )
            if s.end_on > today:
                raise DomainError(f"La ripresa ({format_date(s.end_on)}) è nel futuro.", "end_on")
        else:
            open_count += 1
        if previous is not None:
            prev_end = previous.end_on
            if prev_end is None or s.start_on < prev_end:
                raise DomainError(
                    f"Le sospensioni si sovrappongono: quella dal {format_date(s.start_on)} "
                    f"inizia prima della fine di quella dal {format_date(previous.start_on)}.",
                    "start_on",
                )
        if practice.concluded_on is not None:
            end = s.end_on
            if end is None:
                raise DomainError(
                    "C'è una sospensione ancora aperta: riprendi la pratica prima di concluderla.",
                    "status",
                )
            if end > practice.concluded_on:
                raise DomainError(
                    f"La sospensione termina il {format_date(end)}, dopo la conclusione "
                    f"({format_date(practice.concluded_on)}).",
                    "concluded_on",
                )
        previous = s
    if practice.status == vocab.SOSPESA and open_count != 1:
        raise DomainError("Una pratica sospesa deve avere una sospensione aperta.", "status")
    if practice.status != vocab.SOSPESA and open_count:
        raise DomainError(
            "C'è una sospensione ancora aperta ma la pratica non è sospesa.", "status"
        )


# --- workflow transitions -----------------------------------------------------------------
@dataclass(slots=True)
class Transition:
    """The outcome of a workflow step: the practice as it will be, and what changed."""

    practice: Practice
    new_suspension: Suspension | None = None
    closed_suspension: Suspension | None = None
    changed: dict[str, object] = field(default_factory=dict)


_TRACKED = (
    "comune_code",
    "ambito",
    "procedure_type",
    "protocol_no",
    "subject",
    "received_on",
    "legal_term_days",
    "status",
    "service_conference",
    "concluded_on",
    "outcome",
    "expert_id",
    "notes",
    "reopen_reason",
)


def _finish(
    before: Practice,
    after: Practice,
    today: date,
    new_suspension: Suspension | None = None,
    closed_suspension: Suspension | None = None,
) -> Transition:
    check_consistency(after, today)
    changed = {
        name: getattr(after, name)
        for name in _TRACKED
        if getattr(after, name) != getattr(before, name)
    }
    return Transition(after, new_suspension, closed_suspension, changed)


def _label(status: str) -> str:
    return vocab.PRACTICE_STATUS_LABELS.get(status, status).lower()


def _refuse(practice: Practice, action: str, allowed_from: str) -> DomainError:
    return DomainError(
        f"Impossibile {action} la pratica {practice.protocol_no}: è {_label(practice.status)} "
        f"(si può {action} solo una pratica {allowed_from}).",
        "status",
    )


def suspend(
    practice: Practice, on: date, reason: str, suspension_id: str, today: date
) -> Transition:
    if practice.status != vocab.APERTA:
        raise _refuse(practice, "sospendere", "aperta")
    if not reason.strip():
        raise DomainError("Indica il motivo della sospensione.", "reason")
    suspension = Suspension(suspension_id, practice.id, on, None, reason.strip())
    after = replace(practice, status=vocab.SOSPESA, suspensions=[*practice.suspensions, suspension])
    return _finish(practice, after, today, new_suspension=suspension)


def resume(practice: Practice, on: date, today: date) -> Transition:
    if practice.status != vocab.SOSPESA:
        raise _refuse(practice, "riprendere", "sospesa")
    open_ones = [s for s in practice.suspensions if s.end_on is None]
    if len(open_ones) != 1:
        raise DomainError("Non trovo la sospensione aperta di questa pratica.", "status")
    current = open_ones[0]
    closed = replace(current, end_on=on)
    after = replace(
        practice,
        status=vocab.APERTA,
        suspensions=[closed if s is current else s for s in practice.suspensions],
    )
    return _finish(practice, after, today, closed_suspension=closed)


def conclude(practice: Practice, on: date, outcome: str, today: date) -> Transition:
    if practice.status == vocab.SOSPESA:
        raise DomainError(
            f"La pratica {practice.protocol_no} è sospesa: riprendila prima di concluderla.",
            "status",
        )
    if practice.status != vocab.APERTA:
        raise _refuse(practice, "concludere", "aperta")
    if outcome not in vocab.CONCLUSION_OUTCOMES:
        raise DomainError(
            "Esito non valido: scegli tra espresso favorevole, espresso sfavorevole e "
            "silenzio-assenso (per archiviare usa «archivia»).",
            "outcome",
        )
    after = replace(practice, status=vocab.CONCLUSA, concluded_on=on, outcome=outcome)
    return _finish(practice, after, today)


def archive(practice: Practice, on: date, today: date) -> Transition:
    """Archive an open or suspended practice (an open suspension ends on `on`)."""
    if practice.status not in vocab.OPEN_STATUSES:
        raise _refuse(practice, "archiviare", "aperta o sospesa")
    closed: Suspension | None = None
    suspensions = list(practice.suspensions)
    for i, s in enumerate(suspensions):
        if s.end_on is None:
            closed = replace(s, end_on=max(on, s.start_on))
            suspensions[i] = closed
    after = replace(
        practice,
        status=vocab.ARCHIVIATA,
        concluded_on=on,
        outcome=vocab.OUTCOME_ARCHIVIATA,
        suspensions=suspensions,
    )
    return _finish(practice, after, today, closed_suspension=closed)


def reopen(practice: Practice, reason: str, today: date) -> Transition:
    if practice.status not in (vocab.CONCLUSA, vocab.ARCHIVIATA):
        raise _refuse(practice, "riaprire", "conclusa o archiviata")
    if not reason.strip():
        raise DomainError("Per riaprire una pratica serve il motivo.", "reason")
    after = replace(
        practice,
        status=vocab.APERTA,
        concluded_on=None,
        outcome=None,
        reopen_reason=reason.strip(),
    )
    return _finish(practice, after, today)


EDITABLE_FIELDS = (
    "ambito",
    "procedure_type",
    "protocol_no",
    "subject",
    "received_on",
    "legal_term_days",
    "service_conference",
    "expert_id",
    "notes",
)


def edit(practice: Practice, today: date, **changes: object) -> Transition:
    """Change descriptive fields; status moves only through the transitions above."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Campi non modificabili: {', '.join(sorted(unknown))}.")
    after = replace(practice, **changes)  # type: ignore[arg-type]
    return _finish(practice, after, today)


def new_practice(practice: Practice, today: date) -> Practice:
    """Validate a practice about to be created (status must be aperta)."""
    if practice.status != vocab.APERTA or practice.suspensions:
        raise DomainError("Una nuova pratica nasce aperta, senza sospensioni.", "status")
    check_consistency(practice, today)
    return practice

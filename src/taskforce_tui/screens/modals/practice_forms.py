"""The practice forms: new, edit, suspend, resume, conclude, archive, reopen, link a
request. Each builder reads what it offers from the store (call it from a worker)
and returns a FormModal whose save goes through the core's workflow."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.screens.modals.forms import Field, FormModal

if TYPE_CHECKING:
    from taskforce_tui.domain.records import Practice
    from taskforce_tui.store.db import Store


def comune_options(store: Store) -> list[tuple[str, str]]:
    """The expert's Comuni (all active Comuni if the profile has none assigned)."""
    comuni = store.comuni.assigned(store.expert_id) or store.comuni.all(active_only=True)
    return [(f"{c.name} ({c.province})", c.istat_code) for c in comuni]


def type_options(store: Store) -> list[tuple[str, str]]:
    return [(f"{t.name} ({t.legal_term_days} gg)", t.code) for t in store.lists.procedure_types()]


def ambito_options(store: Store) -> list[tuple[str, str]]:
    return [(name, code) for code, name in store.lists.ambiti().items()]


def new_practice_form(store: Store, comune_code: str | None = None) -> FormModal[str]:
    """Dismissed with the new practice's id."""
    comuni = comune_options(store)
    if comune_code not in {code for _, code in comuni}:
        comune_code = comuni[0][1] if len(comuni) == 1 else None
    fields = [
        Field("comune", "Comune", "select", comune_code, comuni, required=True),
        Field("procedure_type", "Tipo", "select", None, type_options(store), required=True),
        Field("protocol_no", "Protocollo", required=True, placeholder="es. 1234/2026"),
        Field("subject", "Oggetto", placeholder="cosa chiede l'istanza"),
        Field("received_on", "Data di avvio", "date", today(), required=True),
        Field(
            "legal_term_days",
            "Termine (giorni)",
            "int",
            placeholder="vuoto = termine del tipo",
            high=3650,
        ),
        Field("service_conference", "Conferenza servizi", "check", False),
        Field("notes", "Note"),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        practice = store.practices.create(
            comune_code=v["comune"],
            procedure_type=v["procedure_type"],
            protocol_no=v["protocol_no"],
            received_on=v["received_on"],
            legal_term_days=v["legal_term_days"],
            subject=v["subject"] or "",
            service_conference=bool(v["service_conference"]),
            notes=v["notes"] or "",
        )
        return practice.id

    return FormModal("Nuova pratica", fields, save, form_id="practice-new")


def edit_practice_form(store: Store, practice: Practice) -> FormModal[str]:
    fields = [
        Field(
            "procedure_type",
            "Tipo",
            "select",
            practice.procedure_type,
            type_options(store),
            required=True,
        ),
        Field("ambito", "Ambito", "select", practice.ambito, ambito_options(store), required=True),
        Field("protocol_no", "Protocollo", value=practice.protocol_no, required=True),
        Field("subject", "Oggetto", value=practice.subject),
        Field("received_on", "Data di avvio", "date", practice.received_on, required=True),
        Field(
            "legal_term_days",
            "Termine (giorni)",
            "int",
            practice.legal_term_days,
            required=True,
            high=3650,
        ),
        Field("service_conference", "Conferenza servizi", "check", practice.service_conference),
        Field("notes", "Note", value=practice.notes),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        changes = {
            "procedure_type": v["procedure_type"],
            "ambito": v["ambito"],
            "protocol_no": v["protocol_no"],
            "subject": v["subject"] or "",
            "received_on": v["received_on"],
            "legal_term_days": v["legal_term_days"],
            "service_conference": bool(v["service_conference"]),
            "notes": v["notes"] or "",
        }
        store.practices.edit(practice.id, **changes)
        return practice.id

    return FormModal(
        f"Modifica pratica {practice.protocol_no}", fields, save, form_id="practice-edit"
    )


def suspend_form(practice: Practice) -> FormModal[str]:
    fields = [
        Field("start_on", "Sospesa dal", "date", today(), required=True),
        Field(
            "reason",
            "Motivo",
            required=True,
            placeholder="es. richiesta integrazioni",
        ),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.practices.suspend(practice.id, v["start_on"], v["reason"])
        return practice.id

    return FormModal(
        f"Sospendi la pratica {practice.protocol_no}",
        fields,
        save,
        intro="Il termine si ferma dalla data di sospensione fino alla ripresa.",
        submit_label="Sospendi",
        form_id="practice-suspend",
    )


def resume_form(practice: Practice) -> FormModal[str]:
    open_since = next((s.start_on for s in practice.suspensions if s.end_on is None), None)
    fields = [Field("end_on", "Ripresa il", "date", today(), required=True)]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.practices.resume(practice.id, v["end_on"])
        return practice.id

    intro = f"Sospesa dal {format_date(open_since)}." if open_since else ""
    return FormModal(
        f"Riprendi la pratica {practice.protocol_no}",
        fields,
        save,
        intro=intro,
        submit_label="Riprendi",
        form_id="practice-resume",
    )


def conclude_form(practice: Practice) -> FormModal[str]:
    outcomes = [(vocab.OUTCOME_LABELS[o], o) for o in vocab.CONCLUSION_OUTCOMES]
    fields = [
        Field("concluded_on", "Conclusa il", "date", today(), required=True),
        Field("outcome", "Esito", "select", None, outcomes, required=True),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.practices.conclude(practice.id, v["concluded_on"], v["outcome"])
        return practice.id

    return FormModal(
        f"Concludi la pratica {practice.protocol_no}",
        fields,
        save,
        submit_label="Concludi",
        form_id="practice-conclude",
    )


def archive_form(practice: Practice) -> FormModal[str]:
    fields = [Field("concluded_on", "Archiviata il", "date", today(), required=True)]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.practices.archive(practice.id, v["concluded_on"])
        return practice.id

    return FormModal(
        f"Archivia la pratica {practice.protocol_no}",
        fields,
        save,
        intro=(
            "Una pratica archiviata (ritirata, improcedibile) non conta tra le concluse né "
            "nell'arretrato. Si può riaprire con un motivo."
        ),
        submit_label="Archivia",
        form_id="practice-archive",
    )


def reopen_form(practice: Practice) -> FormModal[str]:
    fields = [Field("reason", "Motivo", required=True, placeholder="perché si riapre")]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.practices.reopen(practice.id, v["reason"])
        return practice.id

    return FormModal(
        f"Riapri la pratica {practice.protocol_no}",
        fields,
        save,
        submit_label="Riapri",
        form_id="practice-reopen",
    )


#: The workflow's steps (the practice screen's `step(...)` actions) and their forms.
STEP_FORMS: dict[str, Callable[[Practice], FormModal[str]]] = {
    "suspend": suspend_form,
    "resume": resume_form,
    "conclude": conclude_form,
    "archive": archive_form,
    "reopen": reopen_form,
}


def link_request_form(store: Store, practice: Practice) -> FormModal[str]:
    """Link one of the Comune's requests to the practice."""
    rows = store.requests.list(comuni=[practice.comune_code])
    options = [
        (
            f"{r.request.opened_on:%d/%m/%Y} {r.request.subject[:40]} "
            f"({vocab.REQUEST_STATUS_LABELS[r.request.status]})",
            r.request.id,
        )
        for r in rows
        if practice.id not in r.request.practice_ids
    ]
    intro = (
        "Le richieste del Comune non ancora collegate a questa pratica."
        if options
        else "Il Comune non ha richieste da collegare: creane una in Richieste (3, poi n)."
    )
    fields = [Field("richiesta", "Richiesta", "select", None, options, required=True)]

    def save(store: Store, v: dict[str, Any]) -> str:
        if not v["richiesta"]:
            raise DomainError("Scegli una richiesta.", "richiesta")
        store.requests.link(v["richiesta"], practice.id)
        return str(v["richiesta"])

    return FormModal(
        f"Collega una richiesta alla pratica {practice.protocol_no}",
        fields,
        save,
        intro=intro,
        submit_label="Collega",
        form_id="practice-link",
    )

"""Request forms: new, edit, change status, link a practice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import today
from taskforce_tui.screens.modals.forms import Field, FormModal
from taskforce_tui.screens.modals.practice_forms import ambito_options, comune_options

if TYPE_CHECKING:
    from taskforce_tui.domain.records import Request
    from taskforce_tui.store.db import Store

KINDS = [(vocab.REQUEST_KIND_LABELS[k], k) for k in vocab.REQUEST_KINDS]


def new_request_form(store: Store, comune_code: str | None = None) -> FormModal[str]:
    """Dismissed with the new request's id."""
    comuni = comune_options(store)
    if comune_code not in {code for _, code in comuni}:
        comune_code = comuni[0][1] if len(comuni) == 1 else None
    fields = [
        Field("comune", "Comune", "select", comune_code, comuni, required=True),
        Field("kind", "Tipo", "select", "tecnica", KINDS, required=True),
        Field("ambito", "Ambito", "select", None, ambito_options(store)),
        Field("subject", "Oggetto", required=True, placeholder="cosa chiede il Comune"),
        Field("description", "Descrizione"),
        Field("opened_on", "Aperta il", "date", today(), required=True),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        request = store.requests.create(
            comune_code=v["comune"],
            kind=v["kind"],
            subject=v["subject"],
            opened_on=v["opened_on"],
            description=v["description"] or "",
            ambito=v["ambito"],
        )
        return request.id

    return FormModal("Nuova richiesta di assistenza", fields, save, form_id="request-new")


def edit_request_form(store: Store, request: Request) -> FormModal[str]:
    fields = [
        Field("kind", "Tipo", "select", request.kind, KINDS, required=True),
        Field("ambito", "Ambito", "select", request.ambito, ambito_options(store)),
        Field("subject", "Oggetto", value=request.subject, required=True),
        Field("description", "Descrizione", value=request.description),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.requests.edit(
            request.id,
            kind=v["kind"],
            ambito=v["ambito"],
            subject=v["subject"],
            description=v["description"] or "",
        )
        return request.id

    return FormModal("Modifica richiesta", fields, save, form_id="request-edit")


def status_form(request: Request) -> FormModal[str]:
    from taskforce_tui.store.requests import TRANSITIONS

    options = [(vocab.REQUEST_STATUS_LABELS[s], s) for s in TRANSITIONS.get(request.status, ())]
    fields = [
        Field("status", "Nuovo stato", "select", None, options, required=True),
        Field("closed_on", "Data", "date", today(), required=True),
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        store.requests.set_status(request.id, v["status"], v["closed_on"])
        return request.id

    current = vocab.REQUEST_STATUS_LABELS[request.status]
    return FormModal(
        "Cambia lo stato della richiesta",
        fields,
        save,
        intro=f"Stato attuale: {current}. Evasa e chiusa registrano la data di chiusura.",
        submit_label="Cambia stato",
        form_id="request-status",
    )


def link_practice_form(request: Request) -> FormModal[str]:
    """Link a practice of the same Comune, by protocol number (or id)."""
    fields = [
        Field(
            "pratica",
            "Protocollo",
            required=True,
            placeholder="numero di protocollo della pratica",
        )
    ]

    def save(store: Store, v: dict[str, Any]) -> str:
        practice = store.practices.find(v["pratica"], [request.comune_code])
        store.requests.link(request.id, practice.id)
        return practice.id

    return FormModal(
        "Collega una pratica alla richiesta",
        fields,
        save,
        intro="Una pratica dello stesso Comune della richiesta.",
        submit_label="Collega",
        form_id="request-link",
    )

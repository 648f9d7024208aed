"""Assistance requests (as in the regional PAsS portal) and their linked practices."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, from_iso, today
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.records import Request
from taskforce_tui.store.ids import new_id

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

_COLUMNS = (
    "id, comune_code, ambito, kind, subject, description, opened_on, status, expert_id, closed_on"
)
_ID_PREFIX = re.compile(r"^[0-9a-f][0-9a-f-]{3,35}$")

#: Allowed status changes. Closed requests can be reopened to "in lavorazione".
TRANSITIONS: dict[str, tuple[str, ...]] = {
    vocab.REQ_NUOVA: (
        vocab.REQ_IN_LAVORAZIONE,
        vocab.REQ_IN_ATTESA,
        vocab.REQ_EVASA,
        vocab.REQ_CHIUSA,
    ),
    vocab.REQ_IN_LAVORAZIONE: (vocab.REQ_IN_ATTESA, vocab.REQ_EVASA, vocab.REQ_CHIUSA),
    vocab.REQ_IN_ATTESA: (vocab.REQ_IN_LAVORAZIONE, vocab.REQ_EVASA, vocab.REQ_CHIUSA),
    vocab.REQ_EVASA: (vocab.REQ_CHIUSA, vocab.REQ_IN_LAVORAZIONE),
    vocab.REQ_CHIUSA: (vocab.REQ_IN_LAVORAZIONE,),
}
_CLOSING = (vocab.REQ_EVASA, vocab.REQ_CHIUSA)


def _request(row: tuple[Any, ...], links: list[str]) -> Request:
    opened = from_iso(row[6])
    assert opened is not None
    return Request(
        id=row[0],
        comune_code=row[1],
        ambito=row[2],
        kind=row[3],
        subject=row[4],
        description=row[5],
        opened_on=opened,
        status=row[7],
        expert_id=row[8],
        closed_on=from_iso(row[9]),
        practice_ids=links,
    )


@dataclass(slots=True)
class RequestRow:
    request: Request
    comune_name: str


class RequestRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, request_id: str) -> Request:
        with self.store.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM request WHERE id = ? AND deleted = 0", (request_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Richiesta non trovata: {request_id}.", "richiesta")
            links = [
                r[0]
                for r in conn.execute(
                    "SELECT practice_id FROM request_practice WHERE request_id = ? AND deleted = 0",
                    (request_id,),
                )
            ]
        return _request(row, links)

    def find(self, ref: str) -> Request:
        """A request by id or unambiguous id prefix (at least 4 characters)."""
        ref = ref.strip().lower()
        if not _ID_PREFIX.match(ref):
            raise DomainError(
                f"«{ref}» non è l'id di una richiesta (usa almeno i primi 4 caratteri).",
                "richiesta",
            )
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT id FROM request WHERE id LIKE ? AND deleted = 0 LIMIT 2", (ref + "%",)
            ).fetchall()
        if not rows:
            raise NotFoundError(f"Nessuna richiesta con id «{ref}».", "richiesta")
        if len(rows) > 1:
            raise DomainError(
                f"L'id «{ref}» è ambiguo: scrivine qualche carattere in più.", "richiesta"
            )
        return self.get(rows[0][0])

    def list(
        self,
        comuni: list[str] | None = None,
        statuses: list[str] | None = None,
        limit: int = 500,
    ) -> list[RequestRow]:
        clauses = ["r.deleted = 0"]
        params: list[object] = []
        if comuni is not None:
            clauses.append(f"r.comune_code IN ({', '.join('?' for _ in comuni)})")
            params += comuni
        if statuses:
            clauses.append(f"r.status IN ({', '.join('?' for _ in statuses)})")
            params += statuses
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}, c.name, "
                "(SELECT group_concat(practice_id) FROM request_practice l "
                " WHERE l.request_id = r.id AND l.deleted = 0) "
                "FROM request r JOIN comune c ON c.istat_code = r.comune_code "
                f"WHERE {' AND '.join(clauses)} ORDER BY r.opened_on DESC, r.rowid DESC "
                "LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [
            RequestRow(_request(r[:10], r[11].split(",") if r[11] else []), r[10]) for r in rows
        ]

    def create(
        self,
        *,
        comune_code: str,
        kind: str,
        subject: str,
        opened_on: date,
        description: str = "",
        ambito: str | None = None,
        expert_id: str | None = None,
    ) -> Request:
        self.store.practices._scope_check(comune_code)
        if kind not in vocab.REQUEST_KINDS:
            raise DomainError("Il tipo di richiesta è «tecnica» o «giuridica».", "kind")
        if not subject.strip():
            raise DomainError("L'oggetto della richiesta è obbligatorio.", "subject")
        if opened_on > today():
            raise DomainError(
                f"La data di apertura ({format_date(opened_on)}) è nel futuro.", "opened_on"
            )
        request = Request(
            id=new_id(),
            comune_code=comune_code,
            ambito=ambito,
            kind=kind,
            subject=subject.strip(),
            description=description.strip(),
            opened_on=opened_on,
            status=vocab.REQ_NUOVA,
            expert_id=expert_id or self.store.expert_id,
        )
        with self.store.write() as tx:
            tx.insert(
                "request",
                {
                    "id": request.id,
                    "comune_code": request.comune_code,
                    "ambito": request.ambito,
                    "kind": request.kind,
                    "subject": request.subject,
                    "description": request.description,
                    "opened_on": request.opened_on,
                    "status": request.status,
                    "expert_id": request.expert_id,
                    "closed_on": None,
                },
            )
        return request

    def set_status(self, request_id: str, status: str, on: date | None = None) -> Request:
        current = self.get(request_id)
        self.store.practices._scope_check(current.comune_code)
        if status == current.status:
            raise DomainError(
                f"La richiesta è già «{vocab.REQUEST_STATUS_LABELS[status]}».", "status"
            )
        if status not in TRANSITIONS.get(current.status, ()):
            allowed = ", ".join(
                vocab.REQUEST_STATUS_LABELS[s] for s in TRANSITIONS.get(current.status, ())
            )
            raise DomainError(
                f"Da «{vocab.REQUEST_STATUS_LABELS[current.status]}» si può passare solo a: "
                f"{allowed}.",
                "status",
            )
        day = on or today()
        if day < current.opened_on:
            raise DomainError("La data è precedente all'apertura della richiesta.", "closed_on")
        if day > today():
            raise DomainError(f"La data {format_date(day)} è nel futuro.", "closed_on")
        changes: dict[str, object] = {"status": status}
        changes["closed_on"] = day if status in _CLOSING else None
        with self.store.write() as tx:
            tx.update("request", request_id, changes)
        return self.get(request_id)

    def edit(self, request_id: str, **changes: object) -> Request:
        allowed = {"subject", "description", "ambito", "kind"}
        unknown = set(changes) - allowed
        if unknown:
            raise DomainError(f"Campi non modificabili: {', '.join(sorted(unknown))}.")
        current = self.get(request_id)
        self.store.practices._scope_check(current.comune_code)
        if "subject" in changes and not str(changes["subject"]).strip():
            raise DomainError("L'oggetto della richiesta è obbligatorio.", "subject")
        if "kind" in changes and changes["kind"] not in vocab.REQUEST_KINDS:
            raise DomainError("Il tipo di richiesta è «tecnica» o «giuridica».", "kind")
        with self.store.write() as tx:
            tx.update("request", request_id, changes)
        return self.get(request_id)

    def link(self, request_id: str, practice_id: str) -> None:
        request = self.get(request_id)
        practice = self.store.practices.get(practice_id)
        if practice.comune_code != request.comune_code:
            raise DomainError(
                "La pratica e la richiesta sono di Comuni diversi: non si possono collegare.",
                "pratica",
            )
        if practice_id in request.practice_ids:
            raise DomainError("La pratica è già collegata a questa richiesta.", "pratica")
        with self.store.write() as tx:
            tx.insert(
                "request_practice",
                {"id": new_id(), "request_id": request_id, "practice_id": practice_id},
            )

    def unlink(self, request_id: str, practice_id: str) -> None:
        with self.store.write() as tx:
            rows = tx.conn.execute(
                "SELECT id FROM request_practice WHERE request_id = ? AND practice_id = ? "
                "AND deleted = 0",
                (request_id, practice_id),
            ).fetchall()
            if not rows:
                raise DomainError("La pratica non è collegata a questa richiesta.", "pratica")
            for (link_id,) in rows:
                tx.delete("request_practice", link_id)

    def linked_practices(self, request_id: str) -> builtins.list[LinkedPractice]:
        """The practices linked to a request, oldest first."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT p.id, p.protocol_no, COALESCE(t.name, p.procedure_type), p.status "
                "FROM request_practice l JOIN practice p ON p.id = l.practice_id "
                "LEFT JOIN procedure_type t ON t.code = p.procedure_type "
                "WHERE l.request_id = ? AND l.deleted = 0 AND p.deleted = 0 "
                "ORDER BY p.received_on",
                (request_id,),
            ).fetchall()
        return [LinkedPractice(*r) for r in rows]

    def linked_to(self, practice_id: str) -> builtins.list[LinkedRequest]:
        """The requests a practice is linked to, oldest first."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT r.id, r.subject, r.status FROM request_practice l JOIN request r "
                "ON r.id = l.request_id WHERE l.practice_id = ? AND l.deleted = 0 "
                "AND r.deleted = 0 ORDER BY r.opened_on",
                (practice_id,),
            ).fetchall()
        return [LinkedRequest(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class LinkedPractice:
    id: str
    protocol_no: str
    type_name: str
    status: str


@dataclass(frozen=True, slots=True)
class LinkedRequest:
    id: str
    subject: str
    status: str

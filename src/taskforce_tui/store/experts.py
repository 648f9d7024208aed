"""Experts, their assignments to Comuni, and this installation's own identity."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.dates import from_iso
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.records import Assignment, Expert
from taskforce_tui.store.ids import new_id

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _expert(row: tuple[Any, ...]) -> Expert:
    return Expert(row[0], row[1], row[2], json.loads(row[3] or "[]"))


class ExpertRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, expert_id: str) -> Expert:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT id, name, email, ambiti FROM expert WHERE id = ? AND deleted = 0",
                (expert_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Esperto non trovato: {expert_id}.", "esperto")
        return _expert(row)

    def me(self) -> Expert | None:
        """This installation's expert, or None before the profile is set up."""
        expert_id = self.store.expert_id
        return self.get(expert_id) if expert_id else None

    def by_email(self, email: str) -> Expert | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT id, name, email, ambiti FROM expert WHERE lower(email) = lower(?) "
                "AND deleted = 0",
                (email.strip(),),
            ).fetchone()
        return _expert(row) if row else None

    def all(self) -> list[Expert]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT id, name, email, ambiti FROM expert WHERE deleted = 0 ORDER BY name"
            ).fetchall()
        return [_expert(r) for r in rows]

    def assignments(self, expert_id: str) -> list[Assignment]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT id, expert_id, comune_code, ambito, valid_from, valid_to FROM assignment "
                "WHERE expert_id = ? AND deleted = 0 ORDER BY comune_code",
                (expert_id,),
            ).fetchall()
        return [Assignment(r[0], r[1], r[2], r[3], from_iso(r[4]), from_iso(r[5])) for r in rows]

    def setup_profile(
        self,
        name: str,
        email: str,
        comuni: list[str],
        ambiti: list[str] | None = None,
        since: date | None = None,
    ) -> Expert:
        """First run: this installation's expert and the Comuni they follow.

        (With a sync folder, identity and assignments come from the centre instead.)
        """
        if not name.strip():
            raise DomainError("Il nome è obbligatorio.", "name")
        if not EMAIL.match(email.strip()):
            raise DomainError(f"Indirizzo email non valido: «{email}».", "email")
        if not comuni:
            raise DomainError("Scegli almeno un Comune.", "comuni")
        if self.store.expert_id:
            raise DomainError("Questo profilo ha già un esperto.", "name")
        for code in comuni:
            if self.store.comuni.get(code) is None:
                raise NotFoundError(f"Comune sconosciuto: {code}.", "comuni")
        expert = Expert(new_id(), name.strip(), email.strip().lower(), list(ambiti or []))
        with self.store.write() as tx:
            tx.author = expert.id
            tx.insert(
                "expert",
                {
                    "id": expert.id,
                    "name": expert.name,
                    "email": expert.email,
                    "ambiti": expert.ambiti,
                },
            )
            for code in dict.fromkeys(comuni):
                tx.insert(
                    "assignment",
                    {
                        "id": new_id(),
                        "expert_id": expert.id,
                        "comune_code": code,
                        "ambito": None,
                        "valid_from": since,
                        "valid_to": None,
                    },
                )
            tx.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('expert_id', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (expert.id,),
            )
        return expert

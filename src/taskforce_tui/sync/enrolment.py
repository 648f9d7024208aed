"""The centre's side of identity: invitations, enrolment of devices and coordinators,
revocation, the device list (`centrale invita|revoca|dispositivi`, and the step of
`centrale merge` that answers enrolment requests). See sync/trust.py for the rules."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.store import jsonio
from taskforce_tui.store.db import Store, new_id
from taskforce_tui.sync import crypto, trust
from taskforce_tui.sync.crypto import KeyPair, PublicKeys
from taskforce_tui.sync.errors import os_reason
from taskforce_tui.sync.folder import SyncFolder
from taskforce_tui.sync.fsio import move_no_replace, publish, quarantine


@dataclass(slots=True)
class Decision:
    request: trust.Request
    outcome: str  # "iscritto", "rifiutato"
    reason: str = ""
    expert_id: str = ""
    expert_name: str = ""
    invite_id: str | None = None
    mac_key: bytes = b""
    new: bool = True  # False: already bound by an earlier run (a re-run after a crash)


@dataclass(slots=True)
class Enrolments:
    decisions: list[Decision] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # requests for another coordinator's code

    @property
    def changed(self) -> bool:
        """Something to bind (a new generation must carry it)."""
        return any(d.new and d.outcome == "iscritto" for d in self.decisions)


def coordinators(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    cols = trust.PUBLISHED["trust_coordinator"]
    return {
        r[0]: dict(zip(cols, r, strict=True))
        for r in conn.execute(f"SELECT {', '.join(cols)} FROM trust_coordinator ORDER BY key_id")
    }


def add_founder(conn: sqlite3.Connection, keys: KeyPair, email: str, name: str) -> None:
    entry = trust.coordinator_entry(keys.public, email, name, keys, None)
    _insert_coordinator(conn, entry)


def _insert_coordinator(conn: sqlite3.Connection, entry: dict[str, Any]) -> None:
    cols = trust.PUBLISHED["trust_coordinator"]
    conn.execute(
        f"INSERT INTO trust_coordinator({', '.join(cols)}) "
        f"VALUES ({', '.join('?' for _ in cols)}) ON CONFLICT DO NOTHING",
        [entry.get(c) for c in cols],
    )


# --- invitations --------------------------------------------------------------------------------
def invite(store: Store, folder_id: str, email: str, role: str) -> dict[str, str]:
    """A one-time code for `email` (an expert, or with role "coordinatore" a new
    coordinator), valid 7 days; only a key derived from it is kept, in this database."""
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError(f"«{email}» non è un indirizzo email.", "email")
    with store.read() as conn:
        known = conn.execute(
            "SELECT name FROM expert WHERE lower(email) = ? AND deleted = 0", (email,)
        ).fetchone()
    if role == "esperto" and known is None:
        raise DomainError(
            f"Nessun esperto con email {email}: aggiungilo al file degli esperti ed esegui "
            "`taskforce centrale merge --esperti FILE` prima di invitarlo.",
            "email",
        )
    code = crypto.new_code()
    created = trust.now()
    expires = trust.invite_expiry(created)
    with store.lock:
        store.conn.execute(
            "INSERT INTO trust_invite(id, email, role, mac_key, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                email,
                role,
                crypto.b64(crypto.code_key(code, folder_id, email)),
                trust.stamp(created),
                trust.stamp(expires),
            ),
        )
    return {"email": email, "codice": code, "scade": trust.stamp(expires)}


# --- answering requests (a step of the merge) ----------------------------------------------------
def decide(store: Store, folder: SyncFolder, folder_id: str) -> Enrolments:
    """Read every enrolment request and decide it; nothing is written here."""
    found = Enrolments()
    try:
        paths = sorted(p for p in folder.enrol_dir.iterdir() if p.name.endswith(".richiesta.json"))
    except OSError:
        return found
    now = trust.now()
    with store.read() as conn:
        invites: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for row in conn.execute(
            "SELECT id, email, role, mac_key, expires_at, used_at, device_id, NULL, outcome "
            "FROM trust_invite"
        ):
            invites.setdefault((row[1], row[2]), []).append(row)
        experts = {
            r[0].lower(): (r[1], r[2])
            for r in conn.execute("SELECT email, id, name FROM expert WHERE deleted = 0")
        }
        devices = {r[0]: r[1] for r in conn.execute("SELECT device_id, sign_pk FROM trust_device")}
        device_owner = dict(conn.execute("SELECT device_id, expert_id FROM trust_device"))
        coordinator_keys = {r[0] for r in conn.execute("SELECT key_id FROM trust_coordinator")}
    claims: dict[str, list[Decision]] = {}
    for path in paths:
        try:
            request = trust.parse_request(path, folder_id)
        except (ValueError, OSError, json.JSONDecodeError) as exc:
            bogus = trust.Request(path, "", folder_id, "", "", "", "", trust._ZERO, "", {}, "")
            why = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            found.decisions.append(Decision(bogus, "rifiutato", f"richiesta non valida ({why})"))
            continue
        candidates = invites.get((request.email, request.role), [])
        if not candidates:
            found.waiting.append(path.name)  # perhaps another coordinator's invitation
            continue
        match = None
        for row in candidates:
            key = crypto.unb64(row[3], 32)
            if crypto.mac_ok(key, request.body, request.proof):
                match = (row, key)
                break
        who = request.email
        if match is None:
            found.decisions.append(
                Decision(
                    request, "rifiutato", f"codice errato per {who}: nessun invito corrisponde"
                )
            )
            continue
        row, key = match
        decision = Decision(request, "iscritto", invite_id=row[0], mac_key=key)
        if request.role == "esperto":
            expert = experts.get(request.email)
            if expert is None:
                decision.outcome, decision.reason = "rifiutato", f"{who} non è più tra gli esperti"
                found.decisions.append(decision)
                continue
            decision.expert_id, decision.expert_name = expert
        else:
            decision.expert_name = request.email
        already = (
            devices.get(request.device_id) == crypto.b64(request.keys.sign)
            if request.role == "esperto"
            else request.device_id in coordinator_keys
        )
        owner = device_owner.get(request.device_id)
        if request.role == "esperto" and owner is not None and owner != decision.expert_id:
            decision.outcome = "rifiutato"
            decision.reason = f"il dispositivo di {who} è già iscritto per un altro esperto"
            found.decisions.append(decision)
            continue
        if row[5] is not None:  # used
            if row[6] == request.device_id and already and row[8] == "iscritto":
                decision.new = False  # our own earlier answer, not yet published: again
            else:
                decision.outcome = "rifiutato"
                decision.reason = f"codice di {who} già usato il {row[5][:10]}"
            found.decisions.append(decision)
            continue
        if row[4] < trust.stamp(now):
            decision.outcome = "rifiutato"
            decision.reason = f"codice di {who} scaduto il {row[4][:10]}"
            found.decisions.append(decision)
            continue
        claims.setdefault(row[0], []).append(decision)
        found.decisions.append(decision)
    for same in claims.values():
        if len({d.request.device_id for d in same}) > 1:
            for d in same:
                d.outcome = "rifiutato"
                d.reason = (
                    f"due richieste diverse con lo stesso codice di {d.request.email}: nessuna "
                    "accettata (il codice potrebbe essere stato intercettato)"
                )
    return found


def apply(conn: sqlite3.Connection, enrolments: Enrolments, keys: KeyPair) -> None:
    """Bind what was accepted and log everything, inside the merge's transaction."""
    at = trust.stamp()
    for d in enrolments.decisions:
        r = d.request
        if d.outcome == "iscritto" and d.new:
            if r.role == "esperto":
                conn.execute(
                    "INSERT INTO trust_device(device_id, expert_id, name, sign_pk, box_pk, "
                    "enrolled_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(device_id) DO UPDATE "
                    "SET name = excluded.name, revoked_at = NULL, "
                    "enrolled_at = excluded.enrolled_at "
                    "WHERE trust_device.expert_id = excluded.expert_id",
                    (
                        r.device_id,
                        d.expert_id,
                        r.device_name,
                        crypto.b64(r.keys.sign),
                        crypto.b64(r.keys.box),
                        at,
                    ),
                )
            else:
                _insert_coordinator(
                    conn, trust.coordinator_entry(r.keys, r.email, r.device_name, keys, keys.id)
                )
            conn.execute(
                "UPDATE trust_invite SET used_at = ?, device_id = ?, outcome = 'iscritto' "
                "WHERE id = ?",
                (at, r.device_id, d.invite_id),
            )
            conn.execute(
                "INSERT INTO trust_event(at, who, device, outcome, reason) VALUES (?, ?, ?, ?, ?)",
                (at, r.email, f"{r.device_name} ({r.device_id})", d.outcome, d.reason),
            )


def answer(
    store: Store, folder: SyncFolder, enrolments: Enrolments, keys: KeyPair
) -> tuple[int, int]:
    """After the generation is published: the answers, and the requests moved away."""
    at = trust.stamp()
    with store.lock:
        conn = store.conn
        current = list(coordinators(conn).values())
        for d in enrolments.decisions:
            if d.outcome != "rifiutato":
                continue
            r = d.request
            if d.invite_id and "due richieste" in d.reason:
                conn.execute(
                    "UPDATE trust_invite SET used_at = ?, outcome = 'conteso' "
                    "WHERE id = ? AND used_at IS NULL",
                    (at, d.invite_id),
                )
            conn.execute(
                "INSERT INTO trust_event(at, who, device, outcome, reason) VALUES (?, ?, ?, ?, ?)",
                (
                    at,
                    r.email or r.path.name,
                    f"{r.device_name} ({r.device_id})",
                    d.outcome,
                    d.reason,
                ),
            )
    done = refused = 0
    for d in enrolments.decisions:
        r = d.request
        if d.outcome == "iscritto":
            expert = {"id": d.expert_id, "name": d.expert_name, "email": r.email}
            body = trust.response_ok(r, d.mac_key, expert, current, keys)
            done += 1
        else:
            refused += 1
            if not r.nonce:
                quarantine(r.path, folder.quarantine_dir, d.reason)
                continue
            body = trust.response_refused(r, d.reason)
        target = r.path.with_name(f"{r.device_id}-{r.nonce}.risposta.json")
        raw = jsonio.dumps(body, pretty=True)
        if not target.exists():

            def write(fh: Any, raw: bytes = raw) -> None:
                fh.write(raw)

            with contextlib.suppress(OSError):
                publish(target, write)
        if d.outcome == "iscritto":
            with contextlib.suppress(OSError):
                move_no_replace(r.path, folder.root / "archive" / "iscrizioni")
        else:
            quarantine(r.path, folder.quarantine_dir, d.reason)
    return done, refused


# --- revocation and the device list ------------------------------------------------------------
def revoke(store: Store, email: str, device: str | None, keys: KeyPair) -> list[str]:
    """Revoke the devices of `email` (or one of them); a coordinator's key if `email` is
    a coordinator's. Returns what was revoked, by name."""
    email = email.strip().lower()
    at = trust.stamp()
    done: list[str] = []
    with store.lock:
        conn = store.conn
        rows = conn.execute(
            "SELECT d.device_id, d.name FROM trust_device d JOIN expert e ON e.id = d.expert_id "
            "WHERE lower(e.email) = ? AND d.revoked_at IS NULL",
            (email,),
        ).fetchall()
        for device_id, name in rows:
            if device is None or device_id.startswith(device) or name == device:
                conn.execute(
                    "UPDATE trust_device SET revoked_at = ? WHERE device_id = ?", (at, device_id)
                )
                done.append(f"dispositivo «{name}» ({device_id})")
        for key_id, name in conn.execute(
            "SELECT key_id, name FROM trust_coordinator WHERE lower(email) = ? "
            "AND revoked_at IS NULL",
            (email,),
        ).fetchall():
            if key_id == keys.id:
                raise DomainError(
                    "Non puoi revocare la chiave di questa postazione: chiedilo a un altro "
                    "coordinatore.",
                    "email",
                )
            if device is None or key_id.startswith(device):
                sig = crypto.b64(keys.sign(trust.revocation_message(key_id, at)))
                conn.execute(
                    "UPDATE trust_coordinator SET revoked_at = ?, revoked_by = ?, "
                    "revoke_signature = ? WHERE key_id = ?",
                    (at, keys.id, sig, key_id),
                )
                done.append(f"coordinatore «{name}» ({key_id})")
        if done:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('trust_dirty', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = '1'"
            )
            conn.execute(
                "INSERT INTO trust_event(at, who, device, outcome, reason) VALUES (?, ?, ?, ?, ?)",
                (at, email, ", ".join(done), "revocato", "revoca della Segreteria Tecnica"),
            )
    return done


def devices(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [
            {
                "expert_id": r[0],
                "expert": r[1],
                "email": r[2],
                "device_id": r[3],
                "name": r[4],
                "enrolled_at": r[5],
                "last_outbox_at": r[6],
                "revoked_at": r[7],
            }
            for r in conn.execute(
                "SELECT d.expert_id, COALESCE(e.name, ''), COALESCE(e.email, ''), d.device_id, "
                "d.name, d.enrolled_at, d.last_outbox_at, d.revoked_at FROM trust_device d "
                "LEFT JOIN expert e ON e.id = d.expert_id ORDER BY e.name, d.enrolled_at"
            )
        ]


def status(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        events = [
            {"at": r[0], "who": r[1], "device": r[2], "outcome": r[3], "reason": r[4]}
            for r in conn.execute(
                "SELECT at, who, device, outcome, reason FROM trust_event ORDER BY id DESC LIMIT 50"
            )
        ]
        invites = [
            {"email": r[0], "role": r[1], "created_at": r[2], "expires_at": r[3]}
            for r in conn.execute(
                "SELECT email, role, created_at, expires_at FROM trust_invite "
                "WHERE used_at IS NULL ORDER BY created_at"
            )
        ]
    return {"enrolments": events, "open_invites": invites}


def device_names(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str, str | None]]:
    """sign key (base64) -> (device id, expert id, device name, revoked at)."""
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in conn.execute(
            "SELECT sign_pk, device_id, expert_id, name, revoked_at FROM trust_device"
        )
    }


def device_boxes(conn: sqlite3.Connection) -> dict[str, list[bytes]]:
    """expert id -> the sealing keys of their devices not revoked."""
    out: dict[str, list[bytes]] = {}
    for expert_id, box in conn.execute(
        "SELECT expert_id, box_pk FROM trust_device WHERE revoked_at IS NULL ORDER BY device_id"
    ):
        out.setdefault(expert_id, []).append(crypto.unb64(box, 32))
    return out


def pinned_file(keys_path: Path) -> Path:
    return keys_path.with_name("coordinatori.json")


def read_pinned(keys_path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = jsonio.loads(pinned_file(keys_path).read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_pinned(keys_path: Path, entries: dict[str, dict[str, Any]]) -> None:
    crypto.write_private(pinned_file(keys_path), jsonio.dumps(entries, pretty=True))


def public_of(entry: dict[str, Any]) -> PublicKeys:
    return PublicKeys(crypto.unb64(entry["sign_pk"], 32), crypto.unb64(entry["box_pk"], 32))


def short_date(text: str | None) -> str:
    if not text:
        return ""
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d").strftime("%d/%m/%Y")
    except ValueError:
        return text[:10]

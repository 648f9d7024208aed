"""Who may sign what: coordinator keys, enrolled devices, replicas bound to devices,
one-time enrolment codes (docs/sync.md, "Identity and keys").

Identity never comes from a folder name, an email or a manifest field: an outbox is
accepted only when its signature verifies against a device enrolled for the expert
whose folder it is in; an extract or a central generation only when a coordinator key
signed it. Devices are enrolled with a one-time code that the Segreteria Tecnica
gives the expert (`centrale invita`); the code never travels through the share: the
request proves knowledge of it with a MAC, and the centre's answer carries the
coordinator keys under a MAC of the same code, so the laptop pins them safely.

The coordinator set is a list of entries, each signed by a coordinator already in the
set (the first one, made by `centrale init`, by itself: laptops learn it under the
code's MAC). A laptop extends the set it has pinned only with entries signed by a key
it already trusts (`extend_trusted`).

The centre-only tables below live in the coordinator's own database (they are not part
of the laptop's schema): devices, bound replicas and coordinators are published in
every central generation (a restored or second coordinator adopts them); invitations
and the enrolment log never leave the coordinator's database.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from taskforce_tui.sync import crypto
from taskforce_tui.sync.crypto import KeyPair, PublicKeys

INVITE_DAYS = 7
REQUEST_FORMAT = "taskforce-iscrizione"
RESPONSE_FORMAT = "taskforce-iscrizione-risposta"
ROLES = ("esperto", "coordinatore")
REQUEST_NAME = re.compile(r"^([0-9a-f]{16})-([0-9a-f]{12})\.richiesta\.json$")
MAX_REQUEST_BYTES = 64 * 1024

DDL = (
    """CREATE TABLE IF NOT EXISTS trust_coordinator (
        key_id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL,
        sign_pk TEXT NOT NULL, box_pk TEXT NOT NULL, added_at TEXT NOT NULL,
        added_by TEXT, signature TEXT NOT NULL,
        revoked_at TEXT, revoked_by TEXT, revoke_signature TEXT)""",
    """CREATE TABLE IF NOT EXISTS trust_device (
        device_id TEXT PRIMARY KEY, expert_id TEXT NOT NULL, name TEXT NOT NULL,
        sign_pk TEXT NOT NULL UNIQUE, box_pk TEXT NOT NULL, enrolled_at TEXT NOT NULL,
        revoked_at TEXT, last_outbox_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS trust_replica (
        replica TEXT PRIMARY KEY, device_id TEXT NOT NULL, bound_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS trust_invite (
        id TEXT PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL, mac_key TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, device_id TEXT,
        outcome TEXT)""",
    """CREATE TABLE IF NOT EXISTS trust_event (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT, device TEXT,
        outcome TEXT NOT NULL, reason TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS trust_reported (
        file TEXT PRIMARY KEY, at TEXT NOT NULL)""",
)
#: Published in every central generation (and adopted from it).
PUBLISHED = {
    "trust_coordinator": (
        "key_id",
        "email",
        "name",
        "sign_pk",
        "box_pk",
        "added_at",
        "added_by",
        "signature",
        "revoked_at",
        "revoked_by",
        "revoke_signature",
    ),
    "trust_device": (
        "device_id",
        "expert_id",
        "name",
        "sign_pk",
        "box_pk",
        "enrolled_at",
        "revoked_at",
        "last_outbox_at",
    ),
    "trust_replica": ("replica", "device_id", "bound_at"),
}


def ensure_tables(conn: sqlite3.Connection) -> None:
    for statement in DDL:
        conn.execute(statement)


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime | None = None) -> str:
    return (moment or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- coordinator entries ------------------------------------------------------------------------
def _entry_body(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        k: entry.get(k)
        for k in ("key_id", "email", "name", "sign_pk", "box_pk", "added_at", "added_by")
    }


def coordinator_entry(
    keys: PublicKeys, email: str, name: str, signer: KeyPair, added_by: str | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key_id": keys.id,
        "email": email,
        "name": name,
        "sign_pk": crypto.b64(keys.sign),
        "box_pk": crypto.b64(keys.box),
        "added_at": stamp(),
        "added_by": added_by,
    }
    entry["signature"] = crypto.b64(signer.sign(b"coordinatore\n" + crypto.canonical(entry)))
    entry.update(revoked_at=None, revoked_by=None, revoke_signature=None)
    return entry


def revocation_message(key: str, at: str) -> bytes:
    return b"revoca coordinatore\n" + crypto.canonical({"key_id": key, "at": at})


def extend_trusted(
    pinned: dict[str, dict[str, Any]], offered: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The pinned coordinator set, extended with the offered entries signed by a key
    already trusted (to a fixed point), and with revocations signed by one."""
    trusted = {k: dict(v) for k, v in pinned.items()}
    by_id = {e.get("key_id"): e for e in offered if isinstance(e, dict)}
    changed = True
    while changed:
        changed = False
        for kid, entry in by_id.items():
            if not isinstance(kid, str) or kid in trusted:
                continue
            signer = trusted.get(str(entry.get("added_by")))
            if signer is None or signer.get("revoked_at"):
                continue
            try:
                sign_pk = crypto.unb64(entry.get("sign_pk"), 32)
                crypto.unb64(entry.get("box_pk"), 32)
                sig = crypto.unb64(entry.get("signature"), 64)
                ok = crypto.key_id(sign_pk) == kid and crypto.verify(
                    crypto.unb64(signer["sign_pk"], 32),
                    b"coordinatore\n" + crypto.canonical(_entry_body(entry)),
                    sig,
                )
            except (ValueError, KeyError):
                ok = False
            if ok:
                trusted[kid] = {**_entry_body(entry), "signature": entry.get("signature")}
                changed = True
    for kid, entry in by_id.items():
        if kid not in trusted or trusted[kid].get("revoked_at") or not entry.get("revoked_at"):
            continue
        by = trusted.get(str(entry.get("revoked_by")))
        try:
            ok = by is not None and crypto.verify(
                crypto.unb64(by["sign_pk"], 32),
                revocation_message(str(kid), str(entry["revoked_at"])),
                crypto.unb64(entry.get("revoke_signature"), 64),
            )
        except (ValueError, KeyError):
            ok = False
        if ok:
            trusted[str(kid)]["revoked_at"] = entry["revoked_at"]
    return trusted


def signers(entries: dict[str, dict[str, Any]]) -> dict[bytes, dict[str, Any]]:
    """Signing keys of the coordinators not revoked."""
    return {crypto.unb64(e["sign_pk"], 32): e for e in entries.values() if not e.get("revoked_at")}


def boxes(entries: dict[str, dict[str, Any]]) -> list[bytes]:
    return [crypto.unb64(e["box_pk"], 32) for e in entries.values() if not e.get("revoked_at")]


# --- enrolment requests and answers --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Request:
    path: Path
    nonce: str
    folder_id: str
    email: str
    role: str
    device_id: str
    device_name: str
    keys: PublicKeys
    created_at: str
    body: dict[str, Any]
    proof: str


def request_body(
    folder_id: str, email: str, role: str, keys: PublicKeys, name: str, nonce: str
) -> dict[str, Any]:
    return {
        "format": REQUEST_FORMAT,
        "version": 1,
        "folder_id": folder_id,
        "email": email.strip().lower(),
        "role": role,
        "nonce": nonce,
        "device": {"id": keys.id, "name": name, **keys.as_dict()},
        "created_at": stamp(),
    }


def make_request(
    folder_id: str, email: str, role: str, pair: KeyPair, name: str, code: str, nonce: str
) -> dict[str, Any]:
    body = request_body(folder_id, email, role, pair.public, name, nonce)
    key = crypto.code_key(code, folder_id, email)
    return {
        **body,
        "proof": crypto.mac(key, body),
        "signature": crypto.b64(pair.sign(b"iscrizione\n" + crypto.canonical(body))),
    }


def parse_request(path: Path, folder_id: str) -> Request:
    """A request file, checked for shape and for its device signature; ValueError with
    an Italian reason otherwise."""
    match = REQUEST_NAME.match(path.name)
    if not match:
        raise ValueError("nome di file inatteso")
    raw = path.read_bytes()
    if len(raw) > MAX_REQUEST_BYTES:
        raise ValueError("richiesta troppo grande")
    data = json.loads(raw)
    if not isinstance(data, dict) or data.get("format") != REQUEST_FORMAT:
        raise ValueError("non è una richiesta di iscrizione")
    body = {k: data.get(k) for k in request_body("", "", "", _ZERO, "", "")}
    device = body.get("device")
    if not isinstance(device, dict):
        raise ValueError("dispositivo mancante")
    keys = PublicKeys.from_dict(device)
    if body.get("folder_id") != folder_id:
        raise ValueError("richiesta per un'altra cartella di sincronizzazione")
    if device.get("id") != keys.id or match.group(1) != keys.id:
        raise ValueError("identificativo del dispositivo non corrispondente alla sua chiave")
    if match.group(2) != body.get("nonce"):
        raise ValueError("nome del file non corrispondente alla richiesta")
    if body.get("role") not in ROLES:
        raise ValueError("ruolo sconosciuto")
    for k in ("email", "created_at"):
        if not isinstance(body.get(k), str):
            raise ValueError(f"campo {k} mancante")
    name = device.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 80:
        raise ValueError("nome del dispositivo non valido")
    sig = crypto.unb64(data.get("signature"), 64)
    if not crypto.verify(keys.sign, b"iscrizione\n" + crypto.canonical(body), sig):
        raise ValueError("firma del dispositivo non valida")
    proof = data.get("proof")
    if not isinstance(proof, str):
        raise ValueError("prova del codice mancante")
    return Request(
        path=path,
        nonce=str(body["nonce"]),
        folder_id=folder_id,
        email=str(body["email"]),
        role=str(body["role"]),
        device_id=keys.id,
        device_name=name,
        keys=keys,
        created_at=str(body["created_at"]),
        body=body,
        proof=proof,
    )


_ZERO = PublicKeys(b"\0" * 32, b"\0" * 32)


def response_ok(
    request: Request,
    mac_key: bytes,
    expert: dict[str, Any],
    coordinators: list[dict[str, Any]],
    signer: KeyPair,
) -> dict[str, Any]:
    body = {
        "format": RESPONSE_FORMAT,
        "version": 1,
        "folder_id": request.folder_id,
        "email": request.email,
        "role": request.role,
        "device_id": request.device_id,
        "nonce": request.nonce,
        "outcome": "iscritto",
        "expert": expert,
        "coordinators": coordinators,
        "at": stamp(),
    }
    return {
        **body,
        "mac": crypto.mac(mac_key, body),
        "signature": crypto.b64(signer.sign(b"risposta\n" + crypto.canonical(body))),
    }


def response_refused(request: Request, reason: str) -> dict[str, Any]:
    """A refusal cannot be authenticated by a code the centre does not know: the laptop
    treats it as information only (it says what to do, it changes nothing)."""
    return {
        "format": RESPONSE_FORMAT,
        "version": 1,
        "folder_id": request.folder_id,
        "email": request.email,
        "device_id": request.device_id,
        "nonce": request.nonce,
        "outcome": "rifiutato",
        "reason": reason,
        "at": stamp(),
    }


def read_response(data: object, mac_key: bytes, folder_id: str, device_id: str) -> dict[str, Any]:
    """Check an answer for this device: ValueError (Italian) if it is not a genuine one."""
    if not isinstance(data, dict) or data.get("format") != RESPONSE_FORMAT:
        raise ValueError("risposta non valida")
    if data.get("folder_id") != folder_id or data.get("device_id") != device_id:
        raise ValueError("risposta per un altro dispositivo")
    if data.get("outcome") != "iscritto":
        return data
    body = {k: v for k, v in data.items() if k not in ("mac", "signature")}
    if not crypto.mac_ok(mac_key, body, data.get("mac")):
        raise ValueError("risposta non autentica (non corrisponde al codice)")
    coordinators = data.get("coordinators")
    if not isinstance(coordinators, list) or not coordinators:
        raise ValueError("risposta senza chiavi della Segreteria Tecnica")
    expert = data.get("expert")
    if not isinstance(expert, dict) or not isinstance(expert.get("id"), str):
        raise ValueError("risposta senza esperto")
    return data


def pin_from_response(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The coordinator set carried by an authentic answer (its MAC vouches for it)."""
    pinned: dict[str, dict[str, Any]] = {}
    for e in data["coordinators"]:
        kid = e.get("key_id")
        sign_pk = crypto.unb64(e.get("sign_pk"), 32)
        crypto.unb64(e.get("box_pk"), 32)
        if crypto.key_id(sign_pk) != kid:
            raise ValueError("chiave della Segreteria Tecnica non valida")
        pinned[kid] = {
            **_entry_body(e),
            "signature": e.get("signature"),
            "revoked_at": e.get("revoked_at"),
        }
    return pinned


def invite_expiry(created: datetime) -> datetime:
    return created + timedelta(days=INVITE_DAYS)

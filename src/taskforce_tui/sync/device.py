"""This laptop's identity in sync: its device key, its enrolment, the coordinator keys
it has pinned (docs/sync.md, "Identity and keys").

Files, in the profile beside the database (0600 in a 0700 folder, never on the share,
never in a backup): `chiavi/dispositivo.key` (the key pair) and, while an enrolment
is pending, `chiavi/iscrizione.json` (the folder, the email, the nonce of the request
and the key derived from the one-time code, needed to check the centre's answer).
The pinned coordinator set is in the database's meta (`sync_trust`).
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path
from typing import Any

from taskforce_tui.store import jsonio
from taskforce_tui.store.db import Store
from taskforce_tui.sync import crypto, trust
from taskforce_tui.sync.crypto import KeyPair
from taskforce_tui.sync.errors import SyncError
from taskforce_tui.sync.folder import SyncFolder
from taskforce_tui.sync.fsio import publish

PENDING_NOTE = (
    "Dispositivo in attesa di iscrizione: la Segreteria Tecnica lo iscriverà alla prossima "
    "unione (`taskforce centrale merge`). Intanto lavora come sempre: le modifiche restano "
    "sul computer e partiranno alla prima sincronizzazione dopo l'iscrizione."
)


def keys_dir(store: Store) -> Path:
    return store.path.parent / "chiavi"


def device_keys(store: Store) -> KeyPair:
    return KeyPair.load_or_create(keys_dir(store) / "dispositivo.key")


def _state_path(store: Store) -> Path:
    return keys_dir(store) / "iscrizione.json"


def pending_state(store: Store) -> dict[str, Any] | None:
    return read_state(_state_path(store))


def pinned(store: Store) -> dict[str, Any] | None:
    """{"folder_id", "device_id", "coordinators": {key id: entry}} once enrolled."""
    raw = store.get_meta("sync_trust")
    if not raw:
        return None
    try:
        data = jsonio.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def save_pinned(store: Store, data: dict[str, Any]) -> None:
    store.set_meta("sync_trust", jsonio.dumps(data).decode())


def enrolled(store: Store) -> bool:
    return pinned(store) is not None


def request(
    store: Store, folder: SyncFolder, email: str, code: str, name: str, role: str = "esperto"
) -> str:
    """Leave an enrolment request for this device in the folder; returns its file name."""
    return leave_request(folder, device_keys(store), email, code, name, role, _state_path(store))


def leave_request(
    folder: SyncFolder,
    pair: KeyPair,
    email: str,
    code: str,
    name: str,
    role: str,
    state_path: Path,
) -> str:
    """Leave a request for `pair` (a laptop's device key or a new coordinator's key) and
    keep, beside the key, what is needed to check the answer. Returns the file name."""
    folder_id = folder.folder_id()
    try:
        code = crypto.normalize_code(code)
    except ValueError as exc:
        raise SyncError(f"Codice di invito non valido: {exc}. Ricontrollalo.", "codice") from None
    nonce = secrets.token_hex(6)
    body = trust.make_request(folder_id, email, role, pair, name, code, nonce)
    target = folder.enrol_dir / f"{pair.id}-{nonce}.richiesta.json"
    raw = jsonio.dumps(body, pretty=True)

    def write(fh: Any) -> None:
        fh.write(raw)

    publish(target, write)
    state = {
        "folder_id": folder_id,
        "email": email.strip().lower(),
        "role": role,
        "nonce": nonce,
        "device_id": pair.id,
        "device_name": name,
        "code_key": crypto.b64(crypto.code_key(code, folder_id, email)),
        "requested_at": trust.stamp(),
    }
    crypto.write_private(state_path, jsonio.dumps(state, pretty=True))
    return target.name


def read_state(state_path: Path) -> dict[str, Any] | None:
    try:
        data = jsonio.loads(state_path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_answer(folder: SyncFolder, state: dict[str, Any]) -> tuple[str, Any]:
    """The centre's answer to the request `state` describes: ("attesa", why) while none
    has come or it is not authentic, ("rifiutato", reason), or ("iscritto", (the answer,
    the coordinator set it carries)). Reads only; changes nothing."""
    path = folder.enrol_dir / f"{state['device_id']}-{state['nonce']}.risposta.json"
    try:
        raw = path.read_bytes()
    except OSError:
        return "attesa", ""
    try:
        data = trust.read_response(
            jsonio.loads(raw),
            crypto.unb64(state.get("code_key"), 32),
            str(state.get("folder_id")),
            str(state.get("device_id")),
        )
    except ValueError as exc:
        return "attesa", f"Risposta all'iscrizione non valida ({exc}): ignorata."
    if data.get("outcome") != "iscritto":
        return "rifiutato", str(data.get("reason", ""))[:300]
    try:
        coordinators = trust.pin_from_response(data)
    except (ValueError, KeyError):
        return "attesa", "Risposta all'iscrizione non valida: ignorata."
    return "iscritto", (data, coordinators)


def check_answer(store: Store, folder: SyncFolder) -> tuple[str, str]:
    """Look for the centre's answer to this device's request.

    Returns ("iscritto", expert name) once pinned; ("attesa", note) while nothing has
    come; ("rifiutato", what to do). Nothing is changed unless the answer is authentic.
    """
    state = pending_state(store)
    if state is None:
        return "nessuna", (
            "Questo dispositivo non è iscritto: chiedi un codice di invito alla Segreteria "
            "Tecnica ed esegui `taskforce init --da CARTELLA --email EMAIL --codice CODICE`."
        )
    outcome, found = read_answer(folder, state)
    if outcome == "attesa":
        return "attesa", f"{found} {PENDING_NOTE}".strip()
    if outcome == "rifiutato":
        return "rifiutato", (
            f"Iscrizione rifiutata dalla Segreteria Tecnica: {found}. Chiedi un nuovo codice "
            "e ripeti `taskforce init --da CARTELLA --email EMAIL --codice CODICE`: i tuoi dati "
            "restano su questo computer."
        )
    data, coordinators = found
    expert = data["expert"]
    if state.get("role") == "esperto":
        current = store.expert_id
        if current and current != expert["id"]:
            raise SyncError(
                "La risposta della Segreteria Tecnica iscrive questo dispositivo per un altro "
                "esperto: usa un profilo nuovo (--data-dir). Non è stato cambiato nulla.",
                "email",
            )
        store.set_meta("expert_id", expert["id"])
    save_pinned(
        store,
        {
            "folder_id": state["folder_id"],
            "device_id": state["device_id"],
            "coordinators": coordinators,
        },
    )
    with contextlib.suppress(OSError):
        _state_path(store).unlink()
    return "iscritto", str(expert.get("name", ""))


def update_coordinators(store: Store, offered: object) -> None:
    """Extend the pinned coordinator set with the entries of a verified extract."""
    data = pinned(store)
    if data is None or not isinstance(offered, list):
        return
    current = data.get("coordinators", {})
    extended = trust.extend_trusted(current, offered)
    if extended != current:
        data["coordinators"] = extended
        save_pinned(store, data)

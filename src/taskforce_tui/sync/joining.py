"""A further coordinator's own side of joining the Segreteria Tecnica (docs/sync.md,
"Coordinators").

An existing coordinator makes a code (`taskforce centrale invita CARTELLA EMAIL
--coordinatore`); the newcomer runs `taskforce centrale unisciti --da CARTELLA --email
EMAIL --codice CODICE`, which leaves a request proving knowledge of the code for this
profile's coordinator key. The existing coordinator's next merge adds the key to the
coordinator set (an entry signed by that coordinator), seals the new generation for it
too, and answers under a MAC of the same code. Run again, `unisciti` checks that answer,
pins the coordinator set it carries and builds the local central database from the
newest generation, which it can now open and verify.

Files, in the profile beside the coordinator key (0600 in a 0700 folder): while the
request is pending `centrale/chiavi/iscrizione.json`; once joined the pinned set
`centrale/chiavi/coordinatori.json`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from taskforce_tui.sync import crypto, device, enrolment
from taskforce_tui.sync.central import Central, Db, default_db
from taskforce_tui.sync.crypto import KeyPair
from taskforce_tui.sync.errors import SyncError
from taskforce_tui.sync.folder import SyncFolder


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    outcome: str  # "richiesta", "attesa", "rifiutato", "iscritto"
    message: str  # Italian, says what to do next
    generation: int | None = None


def state_path(keys_path: Path) -> Path:
    return keys_path.with_name("iscrizione.json")


def join(
    folder_path: Path,
    email: str,
    code: str,
    name: str,
    profile_root: Path,
    keys_path: Path,
    db: Db | None = None,
) -> JoinOutcome:
    """Leave this profile's request, or take the centre's answer to it."""
    folder = SyncFolder(folder_path)
    folder.check()
    folder_id = folder.folder_id()
    keys = KeyPair.load_or_create(keys_path)
    email = email.strip().lower()
    if keys.id in enrolment.read_pinned(keys_path):
        return _catch_up(folder_path, db, profile_root, keys_path, "già fra i coordinatori")
    try:
        wanted = crypto.b64(crypto.code_key(crypto.normalize_code(code), folder_id, email))
    except ValueError as exc:
        raise SyncError(f"Codice di invito non valido: {exc}. Ricontrollalo.", "codice") from None
    state = device.read_state(state_path(keys_path))
    same = (
        state is not None
        and state.get("role") == "coordinatore"
        and state.get("folder_id") == folder_id
        and state.get("code_key") == wanted
    )
    if not same:
        device.leave_request(
            folder, keys, email, code, name or email, "coordinatore", state_path(keys_path)
        )
        return JoinOutcome(
            "richiesta",
            "Richiesta di ingresso fra i coordinatori lasciata nella cartella. Alla prossima "
            "unione di un coordinatore (`taskforce centrale merge`) la chiave di questa "
            "postazione sarà aggiunta: poi riesegui lo stesso comando "
            f"`taskforce centrale unisciti --da {folder_path} --email {email} --codice ...`.",
        )
    assert state is not None
    outcome, found = device.read_answer(folder, state)
    if outcome == "attesa":
        note = f"{found} " if found else ""
        return JoinOutcome(
            "attesa",
            f"{note}Nessuna risposta ancora: un coordinatore deve eseguire "
            "`taskforce centrale merge`; poi riesegui questo comando.",
        )
    if outcome == "rifiutato":
        with contextlib.suppress(OSError):
            state_path(keys_path).unlink()
        return JoinOutcome(
            "rifiutato",
            f"Ingresso fra i coordinatori rifiutato: {found}. Chiedi un nuovo codice "
            "(`taskforce centrale invita CARTELLA EMAIL --coordinatore`) e ripeti "
            "`taskforce centrale unisciti`.",
        )
    _data, coordinators = found
    if keys.id not in coordinators:
        return JoinOutcome(
            "attesa",
            "La risposta non contiene ancora la chiave di questa postazione: riesegui il "
            "comando dopo la prossima `taskforce centrale merge`.",
        )
    enrolment.write_pinned(keys_path, coordinators)
    with contextlib.suppress(OSError):
        state_path(keys_path).unlink()
    return _catch_up(folder_path, db, profile_root, keys_path, "ora sei fra i coordinatori")


def _catch_up(
    folder_path: Path, db: Db | None, profile_root: Path, keys_path: Path, how: str
) -> JoinOutcome:
    """Build (or bring up to date) the local central database from the share."""
    target = db or default_db(profile_root, SyncFolder(folder_path).folder_id())
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    with Central.open(folder_path, target, profile_root, keys_path) as central:
        generation = central.catch_up()
        where = central.where
    return JoinOutcome(
        "iscritto",
        f"Chiave riconosciuta: {how}. Database centrale allineato alla generazione "
        f"{generation} ({where}). Da ora puoi eseguire `taskforce centrale merge "
        f"{folder_path}`.",
        generation,
    )

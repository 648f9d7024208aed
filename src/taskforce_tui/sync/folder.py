"""The shared sync folder and its layout (one writer per file, never rewritten):

    taskforce-sync.json                       marks the folder (written by `centrale init`)
    central/central-000124.zip                full state, one file per generation (centre)
    experts/<expert id>/extract-000124.zip    what that expert receives (centre writes)
    experts/<expert id>/outbox/<replica>-<first>-<last>-<stamp>.zip   (the expert writes)
    archive/<expert id>/...                   outboxes already merged (centre moves them)
    quarantine/...                            files that failed validation, with the reason
    iscrizioni/<device>-<nonce>.richiesta.json   enrolment requests (a new device writes)
    iscrizioni/<device>-<nonce>.risposta.json    the centre's answer to each

A folder that is missing, unmounted or lacks the marker file is "not reachable":
nothing is done, and nothing is ever taken to mean "everything was deleted".
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from taskforce_tui.store import jsonio
from taskforce_tui.store.db import now_utc
from taskforce_tui.sync.errors import FolderUnavailable, SyncError
from taskforce_tui.sync.fsio import is_temp

MARKER = "taskforce-sync.json"
MARKER_FORMAT = "taskforce-sync-folder"
CENTRAL_NAME = re.compile(r"^central-(\d{6,})\.zip$")
EXTRACT_NAME = re.compile(r"^extract-(\d{6,})\.zip$")
OUTBOX_NAME = re.compile(r"^([0-9a-f-]{36})-(\d{9})-(\d{9})-([0-9A-Za-z]+)\.zip$")
#: Generations kept on the share (older ones are removed once a newer one is published).
KEEP_CENTRAL = 5
KEEP_EXTRACTS = 3


@dataclass(frozen=True, slots=True)
class SyncFolder:
    root: Path

    # --- paths ------------------------------------------------------------------------------
    @property
    def marker(self) -> Path:
        return self.root / MARKER

    @property
    def central_dir(self) -> Path:
        return self.root / "central"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @property
    def enrol_dir(self) -> Path:
        """Enrolment requests of new devices and the centre's answers."""
        return self.root / "iscrizioni"

    def expert_dir(self, expert_id: str) -> Path:
        _check_id(expert_id)
        return self.root / "experts" / expert_id

    def outbox_dir(self, expert_id: str) -> Path:
        return self.expert_dir(expert_id) / "outbox"

    def archive_dir(self, expert_id: str) -> Path:
        _check_id(expert_id)
        return self.root / "archive" / expert_id

    def central_path(self, generation: int) -> Path:
        return self.central_dir / f"central-{generation:06d}.zip"

    def extract_path(self, expert_id: str, generation: int) -> Path:
        return self.expert_dir(expert_id) / f"extract-{generation:06d}.zip"

    # --- checks -------------------------------------------------------------------------------
    def check(self) -> dict[str, object]:
        """The marker's content; FolderUnavailable if the folder cannot be used."""
        if not self.root.is_dir():
            raise FolderUnavailable(
                f"La cartella di sincronizzazione {self.root} non è raggiungibile (disco di rete "
                "non collegato o chiavetta non inserita). Non è stato fatto nulla: i tuoi dati "
                "sono al sicuro. Collega la cartella e riprova.",
                "cartella",
            )
        try:
            data = jsonio.loads(self.marker.read_bytes())
        except FileNotFoundError:
            raise FolderUnavailable(
                f"{self.root} non è una cartella di sincronizzazione taskforce (manca "
                f"{MARKER}): forse il disco di rete non è collegato. Non è stato fatto nulla. "
                "Controlla la cartella indicata dalla Segreteria Tecnica e riprova.",
                "cartella",
            ) from None
        except (OSError, ValueError) as exc:
            raise FolderUnavailable(
                f"Impossibile leggere {self.marker} ({exc}). Non è stato fatto nulla: riprova "
                "quando la cartella è raggiungibile.",
                "cartella",
            ) from None
        if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT:
            raise FolderUnavailable(
                f"{self.marker} non è il file di una cartella taskforce. Non è stato fatto nulla.",
                "cartella",
            )
        version = data.get("version")
        if isinstance(version, int) and version > 1:
            raise SyncError(
                f"La cartella {self.root} è stata creata da una versione più recente di "
                "taskforce-tui: aggiorna l'applicazione. Non è stato cambiato nulla.",
                "cartella",
            )
        return data

    def folder_id(self) -> str:
        return str(self.check().get("folder_id", ""))

    def create(self) -> str:
        """Mark a new sync folder (the coordinator's `centrale init`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.marker.exists():
            raise SyncError(
                f"{self.root} è già una cartella di sincronizzazione: usa `taskforce centrale "
                "merge` oppure scegli una cartella vuota.",
                "cartella",
            )
        folder_id = str(uuid.uuid4())
        body = {"format": MARKER_FORMAT, "version": 1, "folder_id": folder_id}
        body["created_at"] = now_utc()
        from taskforce_tui.sync.fsio import publish

        def write(fh: BinaryIO) -> None:
            fh.write(jsonio.dumps(body, pretty=True))

        publish(self.marker, write)
        for sub in ("central", "experts", "archive", "quarantine", "iscrizioni"):
            (self.root / sub).mkdir(exist_ok=True)
        return folder_id

    # --- listings -----------------------------------------------------------------------------
    def centrals(self) -> list[tuple[int, Path]]:
        """Published central generations, newest first."""
        return _numbered(self.central_dir, CENTRAL_NAME)

    def extracts(self, expert_id: str) -> list[tuple[int, Path]]:
        """Extracts published for the expert, newest first."""
        return _numbered(self.expert_dir(expert_id), EXTRACT_NAME)

    def expert_ids(self) -> list[str]:
        base = self.root / "experts"
        try:
            return sorted(p.name for p in base.iterdir() if p.is_dir() and _valid_id(p.name))
        except OSError:
            return []

    def outboxes(self) -> list[tuple[str, Path]]:
        """(expert id, outbox file) for every outbox waiting to be merged, by name."""
        found: list[tuple[str, Path]] = []
        for expert_id in self.expert_ids():
            folder = self.outbox_dir(expert_id)
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            for path in entries:
                if path.is_file() and not is_temp(path) and path.suffix == ".zip":
                    found.append((expert_id, path))
        return found


def _numbered(folder: Path, pattern: re.Pattern[str]) -> list[tuple[int, Path]]:
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    found = []
    for path in entries:
        match = pattern.match(path.name)
        if match and path.is_file():
            try:
                if path.stat().st_size == 0:
                    continue  # a publish in progress (placeholder of the fallback path)
            except OSError:
                continue
            found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,63}$")


def _valid_id(text: str) -> bool:
    return bool(_ID.match(text)) and ".." not in text


def _check_id(text: str) -> None:
    if not _valid_id(text):
        raise SyncError(f"Identificativo non valido per una cartella: «{text[:40]}».", "esperto")

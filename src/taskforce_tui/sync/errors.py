"""Errors of the sync layer: Italian messages that say what to do next."""

from __future__ import annotations

from taskforce_tui.domain.errors import DomainError


def os_reason(exc: OSError) -> str:
    """What went wrong reading a file, without the file's local path (reasons end up in
    quarantine notes and answers on the share, which must never name a local path)."""
    return exc.strerror or type(exc).__name__


class SyncError(DomainError):
    """The sync cannot go on; nothing has been changed (the message says why)."""


class FolderUnavailable(SyncError):
    """The sync folder is missing, unmounted or not a sync folder: nothing to do."""


class BundleError(SyncError):
    """A bundle file failed validation; `reason` is the short reason kept in quarantine."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"File di sincronizzazione non valido: {reason}", "file")
        self.reason = reason


class NewerFormatError(SyncError):
    """A bundle written by a newer version: refused, nothing changed, file left in place."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} è stato scritto da una versione più recente di taskforce-tui: "
            "aggiorna l'applicazione. Non è stato cambiato nulla.",
            "file",
        )

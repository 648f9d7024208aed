"""Unexpected errors: written to a log file the user can send, never shown as a traceback."""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from taskforce_tui import __version__
from taskforce_tui.store.paths import Profile


def write_crash_log(profile: Profile, exc: BaseException) -> Path:
    folder = profile.logs
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"errore-{datetime.now():%Y%m%d-%H%M%S}.log"
        text = "".join(traceback.format_exception(exc))
        path.write_text(
            f"taskforce-tui {__version__}\nprofilo: {profile.root}\n\n{text}", encoding="utf-8"
        )
        return path
    except OSError:
        return folder

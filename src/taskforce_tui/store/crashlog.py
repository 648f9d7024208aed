"""Unexpected errors: written to a log file the user can send, never shown as a traceback."""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from taskforce_tui import __version__
from taskforce_tui.store.paths import Profile
from taskforce_tui.store.private import private_dir, write_private


def write_crash_log(profile: Profile, exc: BaseException) -> Path:
    folder = profile.logs
    try:
        private_dir(folder)  # a traceback may quote the user's data
        path = folder / f"errore-{datetime.now():%Y%m%d-%H%M%S}.log"
        text = "".join(traceback.format_exception(exc))
        body = f"taskforce-tui {__version__}\nprofilo: {profile.root}\n\n{text}"
        write_private(path, body.encode("utf-8"))
        return path
    except OSError:
        return folder

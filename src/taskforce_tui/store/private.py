"""Files and folders of the profile, readable by their owner only.

The profile holds the database with its -wal/-shm and replica sidecar, the backups
made before every sync, the coordinator's central database and the crash logs: full
copies of the task force's data. On POSIX they are 0600 in 0700 folders whatever the
umask, and a file is created with that mode (never readable by others, not even for a
moment before a chmod).

On Windows (os.name == "nt") a mode cannot say "owner only" (chmod sets nothing but
the read-only flag): there these helpers create folders and files and change nothing
else, and the profile is as private as the ACLs of the user's own profile folder
(%LOCALAPPDATA%), inherited by everything created under it. Nor do they fail where a
mode cannot be set (a FAT stick, a file owned by someone else): that is best effort,
never a reason not to open the user's data.

Never use them on the shared sync folder (others must read it) or on a file the user
chose (a report written with -o): those keep the user's umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
_POSIX = os.name != "nt"


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) if needed, and make it 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if _POSIX:
        with contextlib.suppress(OSError):
            os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make an existing file 0600; a missing one is left missing."""
    if _POSIX:
        with contextlib.suppress(OSError):
            os.chmod(path, FILE_MODE)
    return path


def create_private(path: Path) -> bool:
    """Create an empty file, born 0600. False if it already existed (left as it is)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def write_private(path: Path, data: bytes) -> None:
    """Write a whole file born 0600 (one that already existed is made 0600 first)."""
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        if _POSIX:
            with contextlib.suppress(OSError):
                os.fchmod(fh.fileno(), FILE_MODE)
        fh.write(data)

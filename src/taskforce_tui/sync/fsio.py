"""Files on a shared folder: publish without replacing, quarantine, backups, crash points.

Publishing a file (SYNC.md, "Publishing a file"): write a temp file in the target
folder, fsync it, then give it its final name *without ever replacing* an existing
file: `os.link` where the filesystem has hard links; elsewhere (FAT sticks, some SMB
mounts) claim the name with an exclusive create of an empty placeholder and move the
finished temp file over our own placeholder (readers skip empty files and temp
files, so they never see half a file). Then fsync the folder and read the file back.

Crash points: `crashpoint(name)` lets the crash-injection tests kill the process at
the K-th write, fsync, publish or commit (env `TASKFORCE_SYNC_CRASH_AT=K`); with
`TASKFORCE_SYNC_CRASH_TRACE=FILE` every point reached is appended to FILE.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

CRASH_AT_ENV = "TASKFORCE_SYNC_CRASH_AT"
CRASH_TRACE_ENV = "TASKFORCE_SYNC_CRASH_TRACE"
#: Set to "1" to publish with the exclusive-create fallback even where links work.
NO_LINK_ENV = "TASKFORCE_SYNC_NO_LINK"
TEMP_PREFIX = ".tmp-"
#: An empty placeholder older than this is an abandoned publish and may be removed.
STALE_PLACEHOLDER_S = 600.0

_crash_count = 0
_crash_lock = threading.Lock()


def crashpoint(name: str) -> None:
    """A point where a crash must leave everything recoverable (tests kill us here)."""
    target = os.environ.get(CRASH_AT_ENV)
    trace = os.environ.get(CRASH_TRACE_ENV)
    if not target and not trace:
        return
    global _crash_count
    with _crash_lock:
        _crash_count += 1
        count = _crash_count
        if trace:
            with open(trace, "a", encoding="utf-8") as fh:
                fh.write(f"{count} {name}\n")
    if target and int(target) == count and hasattr(signal, "SIGKILL"):
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(folder: Path) -> None:
    """Make a new directory entry durable (not possible, nor needed, on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_temp(path: Path) -> bool:
    return path.name.startswith(TEMP_PREFIX)


def clean_temps(folder: Path, older_than_s: float = 3600.0) -> None:
    """Remove temp files left by an interrupted publish (never a recent one: it may be
    another process's publish in progress)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    limit = time.time() - older_than_s
    for path in entries:
        try:
            if is_temp(path) and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


class PublishCollision(Exception):
    """The final name already holds a different file (someone else published it)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def publish(
    final: Path,
    write: Callable[[BinaryIO], None],
    before_link: Callable[[], None] | None = None,
    same: Callable[[Path], bool] | None = None,
) -> str:
    """Write a file through `write` and publish it at `final` without replacing anything.

    Returns the file's sha256. If `final` already exists with the very same content
    (a re-run after a crash) that is success; with other content, PublishCollision,
    unless `same(final)` says it holds what we wrote (a sealed file is encrypted anew on
    every run: its bytes differ, its content does not).
    """
    folder = final.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}-{final.name}"
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            crashpoint("write")
            fh.flush()
            os.fsync(fh.fileno())
        crashpoint("fsync")
        digest = sha256_file(tmp)
        if before_link is not None:
            before_link()  # e.g. an extract waits until its central generation is out
        try:
            _link_no_replace(tmp, final)
        except FileExistsError:
            if final.stat().st_size and sha256_file(final) == digest:
                return digest
            if same is not None and final.stat().st_size and same(final):
                return sha256_file(final)
            raise PublishCollision(final) from None
        crashpoint("publish")
        fsync_dir(folder)
        crashpoint("fsync-dir")
    finally:
        tmp.unlink(missing_ok=True)
    if sha256_file(final) != digest:
        raise OSError(errno.EIO, f"verifica fallita dopo la pubblicazione di {final}")
    return digest


def _link_no_replace(tmp: Path, final: Path) -> None:
    if os.environ.get(NO_LINK_ENV) != "1":
        try:
            os.link(tmp, final)
            return
        except FileExistsError:
            raise
        except (OSError, NotImplementedError, AttributeError):
            pass  # no hard links here: fall back to the exclusive create
    _claim_then_move(tmp, final)


def _claim_then_move(tmp: Path, final: Path) -> None:
    try:
        fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        st = final.stat()
        if st.st_size or time.time() - st.st_mtime < STALE_PLACEHOLDER_S:
            raise
        final.unlink()  # an abandoned empty placeholder of an interrupted publish
        fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
    crashpoint("claim")
    # The name is ours: nobody else can have created it. Move the content over it.
    os.replace(tmp, final)


def move_no_replace(src: Path, dest_dir: Path) -> Path:
    """Move `src` into `dest_dir`, picking a free name (-1, -2, ...) if needed."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    stem, suffix = src.name, ""
    if "." in src.name:
        stem, _, suffix = src.name.partition(".")
        suffix = "." + suffix
    for n in range(1000):
        dest = dest_dir / (src.name if n == 0 else f"{stem}-{n}{suffix}")
        if dest.exists():
            continue
        try:
            os.link(src, dest)
        except FileExistsError:
            continue
        except OSError:
            if dest.exists():
                continue
            os.replace(src, dest)  # no hard links: a plain move to a name just checked free
            return dest
        src.unlink()
        return dest
    raise OSError(errno.EEXIST, f"nessun nome libero in {dest_dir}")


def quarantine(path: Path, qdir: Path, reason: str) -> Path | None:
    """Move a bad file, whole, into the quarantine folder with a note of the reason.

    Returns the new path, or None if the file could not be moved (read-only folder):
    the caller reports it, and the file is skipped.
    """
    try:
        dest = move_no_replace(path, qdir)
    except OSError:
        return None
    note = dest.with_name(dest.name + ".motivo.txt")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    with contextlib.suppress(OSError):
        note.write_text(
            f"File: {path.name}\nMesso in quarantena: {stamp}\nMotivo: {reason}\n", encoding="utf-8"
        )
    return dest


# --- backups of a local database --------------------------------------------------------------
def backup_database(conn: sqlite3.Connection, folder: Path, prefix: str, keep: int = 10) -> Path:
    """A consistent copy of the database (SQLite online backup), keeping the last `keep`.

    The folder is the profile's: the copies are 0600 in a 0700 folder like the database
    itself (store/private.py), and copies left readable by an older version become so."""
    from taskforce_tui.store.private import create_private, private_dir, private_file

    private_dir(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"{prefix}-{stamp}.sqlite3"
    tmp = folder / f"{TEMP_PREFIX}{dest.name}"
    tmp.unlink(missing_ok=True)
    create_private(tmp)  # born 0600; SQLite's journal beside it takes the same mode
    target = sqlite3.connect(tmp)
    try:
        conn.backup(target)
    finally:
        target.close()
    os.replace(tmp, dest)
    crashpoint("backup")
    old = sorted(folder.glob(f"{prefix}-*.sqlite3"))
    for stale in old[: max(0, len(old) - keep)]:
        stale.unlink(missing_ok=True)
    for kept in old[max(0, len(old) - keep) :]:
        private_file(kept)
    for leftover in folder.glob(f"{TEMP_PREFIX}{prefix}-*"):
        leftover.unlink(missing_ok=True)
    return dest

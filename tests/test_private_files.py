"""Files at rest: everything the app writes in the profile is 0600 in 0700 folders on
POSIX, whatever the umask; the shared sync folder keeps the user's umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.cli import main
from taskforce_tui.store.paths import Profile
from tests.sync_helpers import World

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes (Windows: profile ACLs)")


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    """The umask most desktops have: without care, files would be 0644 and folders 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "w", 2)
    yield w
    w.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def not_private(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (itself included) that is not 0600 / 0700."""
    assert root.is_dir()
    return {
        str(p.relative_to(root)): oct(mode(p))
        for p in [root, *root.rglob("*")]
        if mode(p) != (0o700 if p.is_dir() else 0o600)
    }


def tf(profile: Path, *args: str) -> int:
    return main(["--data-dir", str(profile), *args])


def join(world: World, profile: Path, email: str) -> None:
    """init with a one-time code, and the merge that enrols the device."""
    code = world.central.invite(email)["codice"]
    assert tf(profile, "init", "--da", str(world.folder), "--email", email, "--codice", code) == 0
    world.merge()


def test_an_expert_profile_after_init_and_sync_is_private(world: World, tmp_path: Path) -> None:
    profile = tmp_path / "profilo"
    join(world, profile, "e1@example.it")
    assert tf(profile, "sync") == 0  # enrolled: identity and Comuni arrive
    assert tf(profile, "log", "1h", "--comune", "Bergamo", "--attivita", "affiancamento") == 0
    assert tf(profile, "sync") == 0
    assert list((profile / "backup").glob("taskforce-*.sqlite3"))
    assert (profile / "taskforce.sqlite3.replica.json").exists()
    assert not_private(profile) == {}
    # the shared folder is not ours to lock: the outbox just sent keeps the umask's 0644
    outboxes = world.outboxes()
    assert outboxes and {mode(p) for p in outboxes} == {0o644}


def test_a_profile_left_by_an_older_version_becomes_private(world: World, tmp_path: Path) -> None:
    profile = tmp_path / "profilo"
    join(world, profile, "e1@example.it")
    assert tf(profile, "sync") == 0
    for path in [profile, *profile.rglob("*")]:  # as an older version left them
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert tf(profile, "sync") == 0
    assert not_private(profile) == {}


def test_the_coordinator_database_in_the_profile_is_private(world: World, tmp_path: Path) -> None:
    profile = tmp_path / "segreteria"
    assert tf(profile, "centrale", "stato", str(world.folder)) == 0
    assert list((profile / "centrale").glob("centrale-*.sqlite3"))
    assert not_private(profile) == {}


def test_a_crash_log_is_private(tmp_path: Path) -> None:
    from taskforce_tui.store.crashlog import write_crash_log

    profile = Profile(tmp_path / "profilo")
    path = write_crash_log(profile, RuntimeError("boom"))
    assert path.is_file() and "boom" in path.read_text(encoding="utf-8")
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)


def test_the_helpers_do_not_fail_where_modes_cannot_be_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskforce_tui.store import private

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(os, "fchmod", refuse)
    folder = private.private_dir(tmp_path / "a" / "b")
    private.write_private(folder / "f", b"dati")
    private.private_file(folder / "f")
    assert (folder / "f").read_bytes() == b"dati"


def test_a_new_sync_folder_leaves_a_private_coordinator_profile(tmp_path: Path) -> None:
    experts = tmp_path / "esperti.csv"
    experts.write_text("Nome;Email;Ambiti\nAnna Verdi;anna@example.it;\n", encoding="utf-8")
    assignments = tmp_path / "assegnazioni.csv"
    assignments.write_text("Email;Comune\nanna@example.it;Bergamo\n", encoding="utf-8")
    profile, share = tmp_path / "segreteria", tmp_path / "condivisa"
    args = ["centrale", "init", str(share), "--esperti", str(experts)]
    assert tf(profile, *args, "--assegnazioni", str(assignments)) == 0
    assert list((profile / "centrale").glob("centrale-*.sqlite3"))
    assert not_private(profile) == {}
    assert mode(share) == 0o755 and {mode(p) for p in share.rglob("*")} <= {0o644, 0o755}

"""A throwaway PostgreSQL server for the tests: real binaries, a temporary data
directory, a free loopback port, stopped at the end of the session.

`initdb` refuses to run as root, and CI runs as root: then the server runs as the
unprivileged `postgres` user (or $TASKFORCE_PG_USER), with its data directory in a
temporary folder that user owns. The binaries are looked up on PATH, then in
/usr/lib/postgresql/<version>/bin (Debian's layout). With no binaries at all the
tests that need the server are skipped with one line saying so; anything else that
goes wrong (no unprivileged user under root, a server that does not start) fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPERUSER = "postgres"
USER_ENV = "TASKFORCE_PG_USER"


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres (None: PostgreSQL is not here)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return debian[0].parent if debian else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to run the server as, or None to run as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get(USER_ENV, "postgres")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(
            f"running as root, and initdb refuses root: no user {name!r} to run the "
            f"PostgreSQL server as (create one, or name one in ${USER_ENV})"
        ) from None
    return entry.pw_uid, entry.pw_gid


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    port: int
    owner: tuple[int, int] | None
    #: fsync and synchronous commit as a real server has them (benchmarks); tests
    #: run without
    durable: bool = False
    log: Path = field(init=False)
    _databases: int = 0

    def __post_init__(self) -> None:
        self.log = self.root / "server.log"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _cmd(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self.owner is not None:
            kwargs.update(user=self.owner[0], group=self.owner[1], extra_groups=[])
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return subprocess.run(
            [str(a) for a in args],
            capture_output=True,
            text=True,
            env={**env, "LC_ALL": "C"},
            cwd=self.root,
            check=False,
            **kwargs,
        )

    def start(self) -> None:
        if self.owner is not None:
            os.chown(self.root, *self.owner)
        init = self._cmd(
            self.bin_dir / "initdb",
            "-D",
            self.data,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if init.returncode:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if not self.durable:  # tests: nothing to keep, and the disk is shared
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        started = self._cmd(
            self.bin_dir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start"
        )
        if started.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._cmd(self.bin_dir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """A libpq URL (`postgresql://`), the form a user gives `--db`."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(self.url(database), **kwargs)

    def new_database(self, template: str | None = None) -> str:
        """A fresh database for one test (empty, or a copy of `template`); its name."""
        self._databases += 1
        name = f"t{os.getpid()}_{self._databases}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.connect(autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return name

    def drop_database(self, name: str) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy spelling of a libpq URL, with psycopg 3 as the driver."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def start_server(durable: bool = False) -> PgServer:
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="taskforce-pg-"))
    server = PgServer(bin_dir, root, _free_port(), _run_as(), durable=durable)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server

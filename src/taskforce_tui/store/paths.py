"""Where a profile lives: platformdirs by default, --data-dir or TASKFORCE_HOME to override.

Tests and demos always override, so they never touch a real profile; when the profile
is overridden its log folder lives inside it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

APP_NAME = "taskforce-tui"
HOME_ENV = "TASKFORCE_HOME"
DB_NAME = "taskforce.sqlite3"


@dataclass(frozen=True, slots=True)
class Profile:
    """A profile folder: the database, its replica sidecar, backups, config and logs."""

    root: Path
    overridden: bool = True

    @classmethod
    def resolve(cls, override: str | os.PathLike[str] | None = None) -> Profile:
        if override:
            return cls(Path(override).expanduser())
        env = os.environ.get(HOME_ENV)
        if env:
            return cls(Path(env).expanduser())
        import platformdirs

        return cls(platformdirs.user_data_path(APP_NAME, appauthor=False), overridden=False)

    @property
    def db(self) -> Path:
        return self.root / DB_NAME

    @property
    def config(self) -> Path:
        """User settings (key bindings, hours per day...), TOML."""
        return self.root / "config.toml"

    @property
    def backups(self) -> Path:
        return self.root / "backup"

    @property
    def logs(self) -> Path:
        if self.overridden:
            return self.root / "log"
        import platformdirs

        return platformdirs.user_log_path(APP_NAME, appauthor=False)

    def exists(self) -> bool:
        return self.db.exists()

    def open_store(self) -> Store:
        """The profile's database (created if missing), the profile folder made private
        first: 0700 on POSIX, whoever created it (store/private.py)."""
        from taskforce_tui.store.db import Store
        from taskforce_tui.store.private import private_dir

        private_dir(self.root)
        return Store(self.db)

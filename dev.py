#!/usr/bin/env python3
"""Set up and run taskforce-tui with nothing but Python 3.11+.

    python3 dev.py demo    install everything in .venv, open the app on demo data
    python3 dev.py test    install everything in .venv, run linters, type checks and tests

(On Windows: `py dev.py demo`.) The virtual environment is rebuilt only when
pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".taskforce-installed"


def run(*cmd: str | Path, **env: str) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **env})
    if result.returncode:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run on any Python
        sys.exit(f"Serve Python 3.11 o successivo (questo è {sys.version.split()[0]}).")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PY.exists():
        print("+ creazione dell'ambiente virtuale .venv", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[test]")
    STAMP.write_text(wanted)


def demo(args: list[str]) -> None:
    ensure_venv()
    run(PY, "-m", "taskforce_tui", "demo", *args)


def test(args: list[str]) -> None:
    ensure_venv()
    run(PY, "-m", "ruff", "check", "src", "tests", "benchmarks", "dev.py")
    run(PY, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks", "dev.py")
    run(PY, "-m", "mypy")
    run(PY, "-m", "pytest", "-q", *args)


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()

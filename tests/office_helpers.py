"""LibreOffice as the tests use it: a real client, headless, with its own throwaway
user profile (so parallel or repeated runs never share one)."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: ; separated, UTF-8, every sheet to its own file (LibreOffice 7.2+)
EVERY_SHEET_AS_CSV = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1"


def sheets_to_csv(source: Path, out_dir: Path, profile: Path) -> None:
    """Open `source` in LibreOffice and write each of its sheets as `<stem>-<sheet>.csv`
    in `out_dir`; fails the test with LibreOffice's message if it cannot."""
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            EVERY_SHEET_AS_CSV,
            "--outdir",
            str(out_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr

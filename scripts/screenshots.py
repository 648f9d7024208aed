"""Save the README's screenshots with the app itself: `python scripts/screenshots.py`.

Uses the demo dataset with a fixed date, so the pictures are reproducible.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
TODAY = "2026-11-20"


async def shoot() -> None:
    os.environ["TASKFORCE_OGGI"] = TODAY
    from textual.widgets import DataTable

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store import dataset
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.paths import Profile

    folder = Path(tempfile.mkdtemp(prefix="taskforce-shots-"))
    with Store(folder / "taskforce.sqlite3") as store:
        dataset.generate(store, dataset.demo_spec())
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            if app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        OUT.mkdir(parents=True, exist_ok=True)
        app.save_screenshot(filename="oggi.svg", path=str(OUT))
    print(f"salvato {OUT / 'oggi.svg'}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    asyncio.run(shoot())

"""Save the README's screenshots with the app itself: `python scripts/screenshots.py`.

Uses the demo dataset with a fixed date, so the pictures are reproducible:
docs/img/oggi.svg, pratiche.svg, richieste.svg, registro.svg, indicatori.svg, comune.svg,
pratica.svg, aiuto.svg.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
TODAY = "2026-11-20"
SIZE = (100, 30)


async def _until(pilot: Any, predicate: Any) -> None:
    for _ in range(400):
        try:
            if predicate():
                break
        except Exception:  # still composing
            pass
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


def _rows(app: Any, selector: str) -> bool:
    return bool(app.screen.query_one(selector).row_count)


async def shoot() -> None:
    os.environ["TASKFORCE_OGGI"] = TODAY
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store import dataset
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.paths import Profile
    from taskforce_tui.store.practices import PracticeFilter

    folder = Path(tempfile.mkdtemp(prefix="taskforce-shots-"))
    with Store(folder / "taskforce.sqlite3") as store:
        dataset.generate(store, dataset.demo_spec())
        suspended = store.practices.page(
            PracticeFilter(statuses=["sospesa"]), sort="protocollo", descending=False, limit=1
        )[0].id
    OUT.mkdir(parents=True, exist_ok=True)
    app = TaskforceApp(Profile(folder))
    async with app.run_test(size=SIZE) as pilot:

        def save(name: str) -> None:
            app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
            print(f"salvato {OUT / (name + '.svg')}")

        await _until(pilot, lambda: _rows(app, "#comuni"))
        save("oggi")
        # Each place by its key: (key, a table that shows it has data, picture).
        for key, table, name in (
            ("2", "#practices", "pratiche"),
            ("3", "#requests", "richieste"),
            ("4", "#entries", "registro"),
            ("5", "#ranking", "indicatori"),
        ):
            await pilot.press(key)
            await _until(pilot, lambda table=table: _rows(app, table))
            save(name)
        await pilot.press("1")
        await pilot.press("down", "enter")
        await _until(pilot, lambda: _rows(app, "#practices"))
        await pilot.press("greater_than_sign", "greater_than_sign", "greater_than_sign")
        await _until(pilot, lambda: True)
        save("comune")
        app.open_practice(suspended)
        await _until(pilot, lambda: app.screen.view is not None)
        save("pratica")
        await pilot.press("f1")
        await _until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        save("aiuto")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    asyncio.run(shoot())

"""Driven by bench_tui.py in a fresh process:
`python -m benchmarks.tui_harness MODE WORDS [PROFILE]`.

MODE "ours": the app on PROFILE, Pratiche, the words typed key by key into the filter
(latency from the key press to the first page painted), then the list paged down to
the end. MODE "bare": a bare Textual app with an Input and a DataTable refilled with
60 in-memory rows on every key, typed the same way. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

latencies: list[float] = []
fills: list[float] = []
state: dict[str, float] = {}


class Lag:
    """The longest pause of the event loop (the UI thread) while it runs."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.running = True

    async def run(self) -> None:
        last = time.perf_counter()
        while self.running:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.worst = max(self.worst, (now - last) * 1000 - 5)
            last = now


async def wait(predicate: Callable[[], object], timeout: float = 30) -> None:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return
        await asyncio.sleep(0.001)
    raise SystemExit("timeout")


async def type_words(pilot: Any, words: list[str]) -> None:
    for word in words:
        for char in word:
            state.pop("painted", None)
            started = time.perf_counter()
            await pilot.press(char)
            await wait(lambda: "painted" in state)
            latencies.append((state["painted"] - started) * 1000)
        for _ in word:
            state.pop("painted", None)
            await pilot.press("backspace")
            await wait(lambda: "painted" in state)
        await asyncio.sleep(0.05)


def painted() -> None:
    state["painted"] = time.perf_counter()


def rows_in(app: Any, selector: str) -> bool:
    found = app.screen.query(selector)
    return bool(found and found.first().row_count)


async def ours(words: list[str], folder: str) -> dict[str, object]:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.paths import Profile
    from taskforce_tui.widgets.tables import PracticeTable

    fill = PracticeTable._fill

    def timed_fill(self: Any, token: int, offset: int, rows: Any, limit: int) -> None:
        started = time.perf_counter()
        fill(self, token, offset, rows, limit)
        fills.append((time.perf_counter() - started) * 1000)
        if offset == 0:
            self.call_after_refresh(painted)

    PracticeTable._fill = timed_fill  # type: ignore[method-assign]
    app = TaskforceApp(Profile(Path(folder)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait(lambda: rows_in(app, "#comuni"))
        await pilot.press("2")
        await wait(lambda: rows_in(app, "#practices"))
        await asyncio.sleep(0.3)
        await pilot.press("slash")
        await type_words(pilot, words)
        # Page down through the whole list: pages load as the cursor nears the end.
        table: Any = app.screen.query_one("#practices")
        table.focus()
        lag = Lag()
        task = asyncio.create_task(lag.run())
        fills.clear()
        for _ in range(500):
            await pilot.press("pagedown")
            if table._complete and table.cursor_row >= table.row_count - 1:
                break
        lag.running = False
        await task
        return {"scroll_rows": table.row_count, "stall": lag.worst}


async def bare(words: list[str]) -> dict[str, object]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Input

    rows = [
        (f"{i}/2026", "Bergamo", "SCIA", "Manutenzione straordinaria - via Roma", "Aperta", str(i))
        for i in range(60)
    ]

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="q")
            yield DataTable(id="t", cursor_type="row", zebra_stripes=True)

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Protocollo", "Comune", "Tipo", "Oggetto", "Stato", "Giorni")

        def on_input_changed(self) -> None:
            table = self.query_one(DataTable)
            table.clear()
            for i, row in enumerate(rows):
                table.add_row(*row, key=str(i))
            self.call_after_refresh(painted)

    app = Bare()
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(Input).focus()
        lag = Lag()
        task = asyncio.create_task(lag.run())
        await type_words(pilot, words)
        lag.running = False
        await task
    return {"stall": lag.worst}


async def main() -> None:
    mode, words = sys.argv[1], json.loads(sys.argv[2])
    extra = await (ours(words, sys.argv[3]) if mode == "ours" else bare(words))
    from benchmarks.memory import peak_rss_mb

    rss = peak_rss_mb()  # this process's own peak (not ru_maxrss: see memory.py)
    print(json.dumps({"lat": latencies, "fills": fills, "rss": rss, **extra}))


if __name__ == "__main__":
    asyncio.run(main())

"""Start-up to an interactive first screen: the one definition bench_core and bench_tui share.

"Interactive" means: the process was spawned, the first screen is on the (headless)
terminal with its data, and the event loop has gone once more through its message
queue after that frame, so a key pressed then would be handled. For the baseline, a
bare Textual app with an empty DataTable, the same two steps after its first frame;
for ours, after Oggi has shown the Comuni of the 300,000-practice profile
(HomeScreen.show) and that frame was painted.

Each figure is the median of interleaved pairs of fresh processes (so load on the
machine hits both alike), after one warm-up pair that is not counted (it pays for the
page cache). Our package is byte-compiled first, as an installed copy is
(common.byte_compiled). Every child reports its own wall clock, CPU time
and peak memory (benchmarks/memory.py: its own VmHWM, not the parent's).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import BENCH_TODAY, byte_compiled

ROOT = Path(__file__).resolve().parent.parent

#: What both children do once their first screen shows its data.
_INTERACTIVE = r"""
import json, os, sys, time
def interactive(app):
    # the frame with the data is painted; then one more trip through the message queue
    def ready():
        app.interactive_at = time.time()
        app.exit()
    app.call_after_refresh(lambda: app.call_later(ready))
def report(app):
    from benchmarks.memory import peak_rss_mb
    t = os.times()
    print(json.dumps({"at": app.interactive_at, "cpu": t.user + t.system,
                      "peak_mb": peak_rss_mb()}))
"""

BARE = (
    _INTERACTIVE
    + r"""
from textual.app import App
from textual.widgets import DataTable
class Bare(App):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        interactive(self)
app = Bare()
app.run(headless=True, size=(100, 30))
report(app)
"""
)

OURS = (
    _INTERACTIVE
    + r"""
from pathlib import Path
from taskforce_tui.app import TaskforceApp
from taskforce_tui.screens import home
from taskforce_tui.store.paths import Profile
shown = home.HomeScreen.show
def show(self, *args):
    shown(self, *args)
    interactive(self.app)
home.HomeScreen.show = show
app = TaskforceApp(Profile(Path(sys.argv[1])))
app.run(headless=True, size=(100, 30))
report(app)
"""
)


@dataclass
class Startup:
    bare_ms: float
    ours_ms: float
    bare_cpu_ms: float
    ours_cpu_ms: float
    ours_peak_mb: float
    runs: int

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.bare_ms


def spawn(script: str, *args: str) -> tuple[float, float, float]:
    """(wall ms from spawn to interactive, CPU ms, own peak MB) of one fresh process."""
    env = {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return (data["at"] - started) * 1000, data["cpu"] * 1000, data["peak_mb"]


def measure(folder: Path, repeat: int = 15) -> Startup:
    byte_compiled()  # as installed: see common.byte_compiled
    spawn(BARE)
    spawn(OURS, str(folder))
    bare, ours = [], []
    for _ in range(repeat):
        bare.append(spawn(BARE))
        ours.append(spawn(OURS, str(folder)))

    def med(rows: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(r[i] for r in rows)

    return Startup(
        bare_ms=med(bare, 0),
        ours_ms=med(ours, 0),
        bare_cpu_ms=med(bare, 1),
        ours_cpu_ms=med(ours, 1),
        ours_peak_mb=max(r[2] for r in ours),
        runs=repeat,
    )

"""Core figures: start-up to the first screen vs a bare Textual app, filtered lists, memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import BENCH_TODAY, Result, median, region_profile, timed

_BARE = r"""
import sys, time, resource
from textual.app import App
from textual.widgets import DataTable
class Bare(App):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        self.painted = time.time()
        self.exit()
app = Bare()
app.run(headless=True, size=(100, 30))
print(app.painted, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_OURS = r"""
import sys, time, resource
from pathlib import Path
from taskforce_tui.app import TaskforceApp
from taskforce_tui.screens import home
from taskforce_tui.store.paths import Profile
shown = home.HomeScreen.show
def show(self, *args):
    shown(self, *args)
    self.call_after_refresh(done, self.app)
def done(app):
    app.painted = time.time()
    app.exit()
home.HomeScreen.show = show
app = TaskforceApp(Profile(Path(sys.argv[1])))
app.run(headless=True, size=(100, 30))
print(app.painted, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _startup(script: str, *args: str) -> tuple[float, float]:
    env = {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    return (float(out[-2]) - started) * 1000, float(out[-1]) / 1024


def run(repeat: int = 7) -> list[Result]:
    folder = region_profile()
    results: list[Result] = []
    bare, ours, rss = [], [], []
    for _ in range(repeat):  # interleaved, so load on the machine hits both alike
        bare.append(_startup(_BARE)[0])
        ms, mb = _startup(_OURS, str(folder))
        ours.append(ms)
        rss.append(mb)
    b = median(bare)
    results.append(Result("avvio: app Textual vuota con DataTable (baseline)", b, "ms"))
    results.append(
        Result(
            "avvio: Oggi con dati, profilo da 300.000 pratiche", median(ours), "ms", b, "<= 1.3x"
        )
    )
    results.append(Result("memoria massima del processo TUI all'avvio", max(rss), "MB"))

    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.practices import PracticeFilter

    with Store(folder / "taskforce.sqlite3") as store, store.read() as conn:
        busiest = conn.execute(
            "SELECT comune_code FROM practice GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()[0]
        mine = store.comuni.assigned_codes(store.expert_id)
        total = conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0]
        cases = {
            "comune + stato aperta (il Comune con più pratiche)": PracticeFilter(
                comuni=[busiest], statuses=["aperta"]
            ),
            "Comuni dell'esperto + stati aperta/sospesa": PracticeFilter(
                comuni=mine, statuses=["aperta", "sospesa"]
            ),
            "tutti i Comuni, solo in ritardo": PracticeFilter(overdue_only=True),
            "Comuni dell'esperto, testo 'fotovoltaico'": PracticeFilter(
                comuni=mine, text="fotovoltaico"
            ),
            "tutti i Comuni, testo senza risultati": PracticeFilter(text="zzzqqq"),
        }
        for label, flt in cases.items():
            times = timed(lambda flt=flt: store.practices.page(flt, on=BENCH_TODAY, limit=200), 21)
            results.append(
                Result(
                    f"filtro {total:,} pratiche: {label} (mediana)",
                    median(times),
                    "ms",
                    target="< 50 ms",
                )
            )
            results.append(Result("   idem, caso peggiore di 21", max(times), "ms"))
    return results


if __name__ == "__main__":
    for r in run():
        print(r.line())
    print(json.dumps({"python": sys.version.split()[0]}))
    _ = Path

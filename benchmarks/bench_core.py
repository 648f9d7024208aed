"""Core figures: start-up to the first screen vs a bare Textual app, filtered lists, memory.

The start-up is benchmarks/startup.py's, the same definition and runs as bench_tui's.
"""

from __future__ import annotations

import os

from benchmarks import startup
from benchmarks.common import BENCH_TODAY, Result, median, region_profile, timed


def run(repeat: int = 15) -> list[Result]:
    folder = region_profile()
    results: list[Result] = []
    up = startup.measure(folder, repeat)
    results.append(
        Result(
            f"avvio: app Textual vuota con DataTable (baseline, {up.runs} avvii)", up.bare_ms, "ms"
        )
    )
    results.append(
        Result(
            "avvio: Oggi interattiva, profilo da 300.000 pratiche",
            up.ours_ms,
            "ms",
            up.bare_ms,
            "<= 1.2x",
            limit=1.2,
            on_ratio=True,
        )
    )
    results.append(Result("memoria massima del processo TUI all'avvio", up.ours_peak_mb, "MB"))

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

            def page(flt: PracticeFilter = flt) -> object:
                return store.practices.page(flt, on=BENCH_TODAY, limit=200)

            times = timed(page, 21)
            results.append(
                Result(
                    f"filtro {total:,} pratiche: {label} (mediana)",
                    median(times),
                    "ms",
                    target="< 50 ms",
                    limit=50,
                )
            )
            results.append(
                Result(
                    f"   {label}: caso peggiore di 21",
                    max(times),
                    "ms",
                    target="< 150 ms",
                    limit=150,
                )
            )
    return results


if __name__ == "__main__":
    for r in run():
        print(r.line())

"""Core figures: start-up to the first screen vs a bare Textual app, filtered lists, memory.

The start-up is benchmarks/startup.py's, the same definition and runs as bench_tui's.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

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
    results += _cold(folder / "taskforce.sqlite3")
    return results


def _evict(db: Path) -> bool:
    """Drop the database's pages from the operating system's cache (Linux: only this
    file's clean pages, nobody else's), as after a reboot; False where not possible."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def _warm(db: Path) -> None:
    """Read the database file through, back into the operating system's cache."""
    with open(db, "rb") as fh:
        while fh.read(1 << 22):
            pass


def _cold(db: Path, repeat: int = 5) -> list[Result]:
    """The first query after the database left the disk cache (a laptop just started):
    Oggi's figures and the list over all Comuni with "overdue only" (3 s once in
    issue 16's first run: the suspended practices' arm read every suspended row)."""
    from taskforce_tui.store import overview
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.practices import PracticeFilter

    def oggi(store: Store) -> object:
        return overview.home(store, BENCH_TODAY)

    def late(store: Store) -> object:
        return store.practices.page(PracticeFilter(overdue_only=True), on=BENCH_TODAY, limit=200)

    if not _evict(db):
        return []
    home: list[float] = []
    overdue: list[float] = []
    for _ in range(repeat):
        for sink, query in ((home, oggi), (overdue, late)):
            _evict(db)
            with Store(db) as store:
                started = time.perf_counter()
                query(store)
                sink.append((time.perf_counter() - started) * 1000)
    _warm(db)  # the benchmarks after this one start from a warm cache, as before
    return [
        Result(
            f"cache del disco fredda: dati di Oggi (mediana di {repeat}; peggiore "
            f"{max(home):.0f} ms)",
            median(home),
            "ms",
            target="< 150 ms",
            limit=150,
        ),
        Result(
            f"cache del disco fredda: tutti i Comuni, solo in ritardo (mediana; peggiore "
            f"{max(overdue):.0f} ms)",
            median(overdue),
            "ms",
            target="< 150 ms",
            limit=150,
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r.line())

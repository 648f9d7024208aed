"""Indicators on the region dataset: the semester report for all 1,502 Comuni and the
Indicatori screen for one Comune (data load + first render).

The shared region profile is read-only, so the run works on a copy in a temporary
folder: it adds what this branch's schema adds (the `practice_indicators` covering
index, built as a new profile builds it) and one baseline per Comune and procedure
type, as the centre would send them. Baseline of the ratios: a plain
`SELECT COUNT(*) FROM practice NOT INDEXED` (a full scan of the table) measured in the
same run; for the screen, pushing an empty screen and painting it.

    TASKFORCE_BENCH_DATA=/work/bench-data python -m benchmarks.run indicators
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import BENCH_TODAY, Result, median, region_profile, timed


def timed_cpu(fn: object, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this process, all threads) milliseconds of each call.

    The machine is shared: CPU time says what the work costs whatever else runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def measured(
    results: list[Result],
    label: str,
    wall: list[float],
    cpu: list[float],
    base: float,
    target: str = "",
) -> None:
    results.append(Result(label, median(wall), "ms", base, target))
    results.append(Result("   idem, tempo CPU (mediana)", median(cpu), "ms"))
    results.append(Result("   idem, miglior tempo", min(wall), "ms"))


def prepare(source: Path, folder: Path) -> tuple[Path, float]:
    """Copy the region database, add this branch's index and the baselines."""
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.schema import MIGRATIONS

    db = folder / "taskforce.sqlite3"
    shutil.copy2(source / "taskforce.sqlite3", db)
    wal = Path(str(source / "taskforce.sqlite3") + "-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copy2(wal, Path(str(db) + "-wal"))
    block = MIGRATIONS[0][MIGRATIONS[0].index("-- indicators ---") :]
    statements = [
        s.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ")
        for s in block.split(";")
        if "CREATE INDEX practice_indicators" in s
    ]
    with Store(db) as store:
        started = time.perf_counter()
        with store.bulk() as conn:
            conn.execute("DROP INDEX IF EXISTS practice_indicators")  # measure its build
            for statement in statements:
                conn.execute(statement)
        index_ms = (time.perf_counter() - started) * 1000
        rng = random.Random(2022)
        with store.read() as conn:
            cells = conn.execute(
                "SELECT DISTINCT p.comune_code, p.procedure_type, t.legal_term_days "
                "FROM practice p JOIN procedure_type t ON t.code = p.procedure_type"
            ).fetchall()
        stamp = "2026-01-01T00:00:00.000000Z"
        with store.bulk() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO baseline(id, comune_code, procedure_type, period, "
                "avg_duration_days, backlog, source, created_at, updated_at) "
                "VALUES (?, ?, ?, '2022-H1', ?, ?, 'centro', ?, ?)",
                [
                    (
                        f"bench-{code}-{ptype}",
                        code,
                        ptype,
                        round(term * rng.uniform(0.9, 1.7), 1),
                        rng.randint(0, 12),
                        stamp,
                        stamp,
                    )
                    for code, ptype, term in cells
                ],
            )
        with store.read() as conn:
            conn.execute("ANALYZE practice_indicators")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db, index_ms


def screen_times(
    folder: Path, repeat: int
) -> tuple[list[float], list[float], list[float], str, int]:
    """Open the Indicatori screen for one Comune `repeat` times in a headless app."""
    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.screens.indicators import IndicatorsScreen
    from taskforce_tui.store.paths import Profile

    class Bare(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("vuota")
            yield Footer()

    screen_ms: list[float] = []
    screen_cpu: list[float] = []
    bare_ms: list[float] = []
    found: dict[str, object] = {}

    async def main() -> None:
        app = TaskforceApp(Profile(folder))
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(600):
                if app.store is not None:
                    break
                await pilot.pause(0.05)
            store = app.store
            assert store is not None
            codes = store.comuni.assigned_codes(store.expert_id)
            with store.read() as conn:
                busiest = conn.execute(
                    f"SELECT comune_code FROM practice WHERE comune_code IN "
                    f"({', '.join('?' for _ in codes)}) GROUP BY 1 ORDER BY COUNT(*) DESC",
                    codes,
                ).fetchone()[0]
            found.update(comune=busiest, count=len(codes))
            await pilot.pause(0.5)  # let the home screen settle
            for _ in range(repeat):  # interleaved, so load on the machine hits both alike
                bare = Bare()
                started = time.perf_counter()
                app.push_screen(bare)
                await pilot.pause()
                bare_ms.append((time.perf_counter() - started) * 1000)
                app.pop_screen()
                await pilot.pause()
                screen = IndicatorsScreen(comune=busiest)
                started, cpu = time.perf_counter(), time.process_time()
                app.push_screen(screen)
                await asyncio.wait_for(screen.ready.wait(), 30)
                screen_ms.append((time.perf_counter() - started) * 1000)
                screen_cpu.append((time.process_time() - cpu) * 1000)
                app.pop_screen()
                await pilot.pause()

    asyncio.run(main())
    return screen_ms, screen_cpu, bare_ms, str(found["comune"]), int(str(found["count"]))


def run(repeat: int = 5) -> list[Result]:
    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    source = region_profile()
    results: list[Result] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    try:
        db, index_ms = prepare(source, tmp)
        from taskforce_tui.domain.dates import Semester
        from taskforce_tui.reports import semester as semester_report
        from taskforce_tui.screens.indicators import load_indicators
        from taskforce_tui.store.db import Store
        from taskforce_tui.store.indicators import IndicatorRepo

        with Store(db) as store:
            repo = IndicatorRepo(store)

            def scan() -> None:
                with store.read() as conn:
                    conn.execute("SELECT COUNT(*) FROM practice NOT INDEXED").fetchone()

            base = median(timed(scan, 2 * repeat + 1))
            results.append(
                Result("baseline: SELECT COUNT(*) FROM practice NOT INDEXED", base, "ms")
            )
            results.append(
                Result("indice practice_indicators, 300.000 pratiche (una volta)", index_ms, "ms")
            )
            for label, semester in (("2026-H1", Semester(2026, 1)), ("2026-H2", Semester(2026, 2))):
                rows = len(repo.report(semester, None, BENCH_TODAY, "Tutti").rows)
                wall, cpu = timed_cpu(
                    lambda s=semester: repo.report(s, None, BENCH_TODAY, "Tutti"), repeat
                )
                measured(
                    results, f"report {label}, 1.502 Comuni: solo dati ({rows:,} righe)", wall,
                    cpu, base,
                )  # fmt: skip
            for fmt in ("json", "csv", "xlsx"):
                target = tmp / f"semestrale.{fmt}"
                wall, cpu = timed_cpu(
                    lambda f=fmt, t=target: semester_report.write(
                        repo.report(Semester(2026, 1), None, BENCH_TODAY, "Tutti"), f, t
                    ),
                    repeat,
                )
                measured(
                    results,
                    f"report 2026-H1, 1.502 Comuni: dati + file {fmt} "
                    f"({target.stat().st_size / 1e6:.1f} MB)",
                    wall,
                    cpu,
                    base,
                    "< 3000 ms",
                )
            codes = store.comuni.assigned_codes(store.expert_id)
            wall, cpu = timed_cpu(
                lambda: load_indicators(store, codes, Semester(2026, 2), BENCH_TODAY),
                4 * repeat + 1,
            )
            measured(
                results,
                f"Indicatori: solo dati ({len(codes)} Comuni dell'esperto, 6 semestri)",
                wall,
                cpu,
                base,
            )

        env = {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}
        cli, cli_cpu = [], []
        for _ in range(3):
            started = time.perf_counter()
            before = os.times()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "taskforce_tui",
                    "--data-dir",
                    str(tmp),
                    "report",
                    "semestrale",
                    "2026-H1",
                    "--tutti",
                    "-o",
                    str(tmp / "cli.xlsx"),
                ],
                check=True,
                capture_output=True,
                env=env,
            )
            cli.append((time.perf_counter() - started) * 1000)
            after = os.times()
            used = (after.children_user - before.children_user) + (
                after.children_system - before.children_system
            )
            cli_cpu.append(used * 1000)
        measured(
            results,
            "comando `report semestrale 2026-H1 --tutti -o x.xlsx` (processo intero)",
            cli,
            cli_cpu,
            base,
            "< 3000 ms",
        )

        shown, shown_cpu, bare, comune, count = screen_times(tmp, 2 * repeat + 1)
        b = median(bare)
        results.append(Result("baseline TUI: schermata vuota, apertura e primo disegno", b, "ms"))
        measured(
            results,
            f"Indicatori per un Comune ({comune}; {count} Comuni): dati + primo disegno",
            shown,
            shown_cpu,
            b,
            "< 100 ms",
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


if __name__ == "__main__":
    for r in run():
        print(r.line())

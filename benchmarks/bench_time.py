"""Time tracking: `taskforce log` end to end on a profile with 1,000,000 time logs.

The region dataset is read-only and shared, so the database is copied to a temporary
folder first (logging writes). Each run is a new process, as from the shell, timed
from spawn to exit, interleaved with two baselines measured in the same run:
`python -c pass` (the interpreter alone) and `python -m taskforce_tui --version`
(our package and argument parser, no store).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.common import BENCH_TODAY, Result, byte_compiled, median, region_profile, timed


def _spawn(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{args[3:]} failed: {done.stderr}")
    return elapsed


def _weekend_days(count: int) -> list[str]:
    """Past Saturdays and Sundays: the generated dataset logs no hours on weekends,
    so each run's entry (with times, so the overlap check runs) is accepted."""
    days: list[str] = []
    day = BENCH_TODAY
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() >= 5:
            days.append(day.isoformat())
    return days


def run(repeat: int = 15) -> list[Result]:
    source = region_profile() / "taskforce.sqlite3"
    with tempfile.TemporaryDirectory(prefix="bench-time-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(source, folder / "taskforce.sqlite3")
        env = {**os.environ, "TASKFORCE_HOME": str(folder), "TASKFORCE_OGGI": str(BENCH_TODAY)}
        env.pop("TASKFORCE_ADESSO", None)
        conn = sqlite3.connect(folder / "taskforce.sqlite3")
        expert = conn.execute("SELECT value FROM meta WHERE key = 'expert_id'").fetchone()[0]
        comune = conn.execute(
            "SELECT comune_code FROM assignment WHERE expert_id = ? ORDER BY comune_code",
            (expert,),
        ).fetchone()[0]
        logs = conn.execute("SELECT COUNT(*) FROM time_log").fetchone()[0]
        conn.close()
        py = sys.executable
        days = _weekend_days(repeat + 1)

        def log_args(day: str) -> list[str]:
            return [
                py, "-m", "taskforce_tui", "log", "45m", "--comune", comune,
                "--attivita", "affiancamento", "--data", day, "--dalle", "18:00",
                "--nota", "benchmark",
            ]  # fmt: skip

        byte_compiled()  # as installed: see common.byte_compiled
        # first open of the copy: a new replica id for the new path (one-off)
        _spawn(log_args(days.pop()), env)
        bare, version, logged = [], [], []
        for day in days:  # interleaved, so load on the machine hits all alike
            bare.append(_spawn([py, "-c", "pass"], env))
            version.append(_spawn([py, "-m", "taskforce_tui", "--version"], env))
            logged.append(_spawn(log_args(day), env))

        # the two checks in process, and their plans
        from taskforce_tui.store.db import Store
        from taskforce_tui.store.timelogs import DAY_TOTAL_SQL, OVERLAP_SQL

        with Store(folder / "taskforce.sqlite3") as store, store.read() as c:
            params = (expert, days[0], "", "19:00", "18:00")
            overlap = timed(lambda: c.execute(OVERLAP_SQL, params).fetchall(), 50)
            day_total = timed(lambda: c.execute(DAY_TOTAL_SQL, params[:3]).fetchone(), 50)
            for name, sql, p in (
                ("overlap", OVERLAP_SQL, params),
                ("day total", DAY_TOTAL_SQL, params[:3]),
            ):
                plan = "; ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + sql, p))
                print(f"  piano {name}: {plan}")

    b = median(bare)
    v = median(version)
    print(
        f"  {logs:,} registrazioni di ore nel profilo; {len(logged)} esecuzioni".replace(",", ".")
    )
    return [
        Result("processo: python -c pass (baseline)", b, "ms"),
        Result("processo: taskforce --version", v, "ms", b),
        Result(
            "taskforce log 45m (con orario), 1.000.000 ore: mediana",
            median(logged),
            "ms",
            b,
            "< 100 ms",
            limit=100,
        ),
        Result("taskforce log: peggiore", max(logged), "ms", b, "< 300 ms"),
        Result("taskforce log rispetto a --version", median(logged), "ms", v),
        Result("controllo sovrapposizioni (query)", median(overlap) * 1000, "µs"),
        Result("totale del giorno (query)", median(day_total) * 1000, "µs"),
    ]

"""Shared benchmark helpers: the cached region-scale profile, timing, reporting.

Benchmarks are not part of the test run (the machine is shared and noisy): they print
figures and their ratio to a baseline measured in the same run, and the numbers go
into docs/performance.md.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Where generated datasets are cached (shared between worktrees with TASKFORCE_BENCH_DATA).
DATA = Path(os.environ.get("TASKFORCE_BENCH_DATA") or HERE / ".data")
#: The reference date every benchmark dataset is generated for.
BENCH_TODAY = date(2026, 11, 20)
#: Bump when the generator changes, so cached datasets are rebuilt.
DATASET_VERSION = "3"


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""
    #: A goal: the value (with `on_ratio`, its ratio to the baseline) must not exceed it.
    #: Results with a limit get a one-line verdict at the end of the run.
    limit: float | None = None
    on_ratio: bool = False

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def met(self) -> bool | None:
        if self.limit is None:
            return None
        measured = self.ratio if self.on_ratio else self.value
        return measured is not None and measured <= self.limit

    def line(self) -> str:
        ratio = f"  ratio {self.value / self.baseline:5.2f}x" if self.baseline else ""
        target = f"  (obiettivo {self.target})" if self.target else ""
        return f"{self.name:<58} {self.value:10.1f} {self.unit:<4}{ratio}{target}"

    def verdict(self) -> str:
        figure = f"{self.value:.1f} {self.unit}".strip()
        if self.ratio is not None:
            figure += f", {self.ratio:.2f}x la baseline"
        mark = "RAGGIUNTO    " if self.met else "NON RAGGIUNTO"
        return f"{mark} {self.name.strip()}: {figure} (obiettivo {self.target})"


def byte_compiled() -> None:
    """Compile the package's modules to byte code, as pip does when it installs the app.

    Start-up benchmarks spawn fresh interpreters. Where PYTHONDONTWRITEBYTECODE is set
    (it is on the development machines) no `__pycache__` is ever written for `src/`,
    so every measured start compiled ~25 of our modules from source (35-50 ms of CPU,
    cProfile, 2026-12-03) while Textual's, installed by pip, were already compiled: a
    cost no installed copy pays, charged to our side of every ratio."""
    import compileall

    compileall.compile_dir(HERE.parent / "src" / "taskforce_tui", quiet=1)


def region_profile(fresh: bool = False) -> Path:
    """The region-scale profile (1,502 Comuni, 120 experts, 300,000 practices,
    1,000,000 time logs), generated once and cached under benchmarks/.data/."""
    folder = DATA / f"region-v{DATASET_VERSION}"
    db = folder / "taskforce.sqlite3"
    complete = folder / "COMPLETE"  # written last: a half-generated set is never used
    if complete.exists() and not fresh:
        _migrate(db)
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    from taskforce_tui.store import dataset
    from taskforce_tui.store.db import Store

    started = time.perf_counter()

    def progress(label: str, fraction: float) -> None:
        print(f"  [{time.perf_counter() - started:6.1f}s] {label} {fraction:4.0%}", flush=True)

    with Store(db) as store:
        counts = dataset.generate(store, dataset.region_spec(today=BENCH_TODAY), progress)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    complete.write_text(str(counts), encoding="utf-8")
    print(f"  region dataset: {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def _migrate(db: Path) -> None:
    """Bring a cached dataset to this branch's schema before anything is timed."""
    import sqlite3

    from taskforce_tui.store.schema import SCHEMA_VERSION

    with sqlite3.connect(db) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    if version < SCHEMA_VERSION:
        from taskforce_tui.store.db import Store

        started = time.perf_counter()
        Store(db).close()
        print(
            f"  dataset migrato allo schema {SCHEMA_VERSION} in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock milliseconds of each call."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)

"""TUI figures on the region dataset: start-up to an interactive Oggi, a keystroke in the
practice filter to the updated first page on screen, scrolling the list, memory, and
the query plan of every filter + sort combination.

Every figure has a baseline measured in the same run, on the same machine:
- start-up: a bare Textual app with a DataTable (bench_core's scripts, shared), wall
  clock and CPU time;
- keystroke: a bare Textual app with an Input and a DataTable refilled with 60
  in-memory rows on each key (no SQL at all), driven by the same Pilot harness;
- UI stalls: the longest pause of the event loop in that bare app while typing;
- queries: the same scope with no filter, sorted by the default key.

The region profile is only read (nothing here writes to it).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import startup
from benchmarks.common import BENCH_TODAY, Result, median, region_profile

#: Words typed key by key into the practice filter (and deleted again).
WORDS = ("via roma", "fotovoltaico", "zzq", "permesso", "2026", "cava")


def _env() -> dict[str, str]:
    return {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}


def _harness(mode: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.tui_harness", mode, json.dumps(WORDS), *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=startup.ROOT,
        check=True,
    ).stdout
    data: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return data


def _floats(data: dict[str, object], key: str) -> list[float]:
    value = data[key]
    assert isinstance(value, list)
    return [float(v) for v in value]


def _plan(store: object, sql: str, params: dict[str, object]) -> list[str]:
    with store.read() as conn:  # type: ignore[attr-defined]
        return [str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def _query(store: Any, flt: Any, sort: str, descending: bool) -> tuple[str, dict[str, object]]:
    """The SQL and parameters of the first page of 60, as PracticeRepo.page runs it."""
    with store.read() as conn:
        sql, params = store.practices.page_query(conn, flt, BENCH_TODAY, sort, descending, 60)
    return str(sql), dict(params)


#: The progress handler counts the virtual machine's instructions in units of this many.
_STEP = 1000


def _vm_steps(store: Any, fn: Any) -> int:
    """Instructions SQLite executes for `fn()` on the store's connection, in thousands."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    with store.lock:
        store.conn.set_progress_handler(tick, _STEP)
        try:
            fn()
        finally:
            store.conn.set_progress_handler(None, _STEP)
    return count[0]


def _full_scan(plan: list[str]) -> bool:
    """A plan step reading the practice table from end to end with no index at all."""
    return any(re.match(r"SCAN p\b", step) and "INDEX" not in step for step in plan)


def _plans(folder: Path) -> list[Result]:
    """Time and EXPLAIN every filter + sort combination of the Pratiche screen, in the
    expert's scope (what their screen asks) and over all 1,502 Comuni (a coordinator's
    or a regional office's profile, with no Comuni assigned).

    A combination "scans the whole table" when its plan reads `practice` with no index
    or when it does at least the work of one pass over every row: the instructions
    SQLite runs for it (counted with a progress handler) reach those of the leanest
    full pass, `SELECT count(*) FROM practice NOT INDEXED WHERE deleted = 0`. The
    second test catches an index walk in sort order that has to go through the whole
    index because the filter is rare."""
    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.practices import SORT_KEYS, PracticeFilter

    results: list[Result] = []
    with Store(folder / "taskforce.sqlite3") as store:
        mine = store.comuni.assigned_codes(store.expert_id)
        with store.read() as conn:
            full_pass = _vm_steps(
                store,
                lambda: conn.execute(
                    "SELECT count(*) FROM practice NOT INDEXED WHERE deleted = 0"
                ).fetchall(),
            )

        def facets(scope: list[str] | None) -> dict[str, PracticeFilter]:
            return {
                "nessun filtro": PracticeFilter(comuni=scope),
                "in corso": PracticeFilter(comuni=scope, statuses=["aperta", "sospesa"]),
                "sospese": PracticeFilter(comuni=scope, statuses=["sospesa"]),
                "concluse": PracticeFilter(comuni=scope, statuses=["conclusa"]),
                "ambito": PracticeFilter(comuni=scope, ambito="edilizia_urbanistica"),
                "ambito raro": PracticeFilter(comuni=scope, ambito="bonifiche"),
                "tipo": PracticeFilter(comuni=scope, procedure_type="scia"),
                "tipo raro": PracticeFilter(comuni=scope, procedure_type="paur"),
                "un Comune": PracticeFilter(comuni=[mine[0]]),
                "solo in ritardo": PracticeFilter(comuni=scope, overdue_only=True),
                "testo 'vi'": PracticeFilter(comuni=scope, text="vi"),
                "testo 'via'": PracticeFilter(comuni=scope, text="via"),
                "testo 'fotovoltaico'": PracticeFilter(comuni=scope, text="fotovoltaico"),
                "testo senza risultati": PracticeFilter(comuni=scope, text="zzqq"),
                "testo di 2 lettere senza risultati": PracticeFilter(comuni=scope, text="zq"),
                "tutto insieme": PracticeFilter(
                    comuni=scope,
                    statuses=["aperta"],
                    procedure_type="scia",
                    overdue_only=True,
                    text="via",
                ),
            }

        sorts = [k for k in SORT_KEYS if k != "giorni"]  # "giorni" is "scadenza"
        cases = (("Comuni dell'esperto", mine, 5), ("tutti i Comuni", None, 3))
        for scope_label, scope, repeat in cases:
            times: dict[tuple[str, str, bool], float] = {}
            scans: set[str] = set()
            for label, flt in facets(scope).items():
                for sort in sorts:
                    for descending in (True, False):

                        def page(
                            flt: PracticeFilter = flt,
                            sort: str = sort,
                            descending: bool = descending,
                        ) -> object:
                            return store.practices.page(
                                flt, on=BENCH_TODAY, sort=sort, descending=descending, limit=60
                            )

                        samples = []
                        for _ in range(repeat):
                            started = time.perf_counter()
                            page()
                            samples.append((time.perf_counter() - started) * 1000)
                        times[(label, sort, descending)] = median(samples)
                        plan = _plan(store, *_query(store, flt, sort, descending))
                        if _full_scan(plan) or _vm_steps(store, page) >= full_pass:
                            scans.add(f"{label} / {sort}")
            worst = max(times, key=lambda k: times[k])
            baseline = median([v for k, v in times.items() if k[0] == "nessun filtro"])
            label, sort, descending = worst
            flt = facets(scope)[label]
            print(f"  {scope_label}, la combinazione più lenta: {label} / {sort}", end="")
            print(f" {'decrescente' if descending else 'crescente'}; piano:")
            for step in _plan(store, *_query(store, flt, sort, descending)):
                print(f"    {step}")
            results.append(
                Result(
                    f"pagina di 60, {scope_label}: {len(times)} filtri+ordini (mediana)",
                    median(list(times.values())),
                    "ms",
                    baseline,
                    "< 50 ms",
                    limit=50,
                )
            )
            results.append(
                Result(
                    f"   {scope_label}, combinazione più lenta: {label} / {sort}",
                    times[worst],
                    "ms",
                    baseline,
                    "< 150 ms",
                    limit=150,
                )
            )
            results.append(
                Result(
                    f"   {scope_label}, combinazioni che scorrono tutta la tabella"
                    + (f": {', '.join(sorted(scans))}" if scans else ""),
                    float(len(scans)),
                    "",
                    target="0",
                    limit=0,
                )
            )
    return results


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
    results.append(Result("   tempo di CPU dell'avvio", up.ours_cpu_ms, "ms", up.bare_cpu_ms))

    lat_bare: list[float] = []
    lat_ours: list[float] = []
    fills: list[float] = []
    stall_bare: list[float] = []
    stall_ours: list[float] = []
    peak = up.ours_peak_mb
    scrolled = 0
    for _ in range(3):
        base = _harness("bare")
        mine = _harness("ours", str(folder))
        lat_bare += _floats(base, "lat")
        lat_ours += _floats(mine, "lat")
        fills += _floats(mine, "fills")
        stall_bare.append(float(str(base["stall"])))
        stall_ours.append(float(str(mine["stall"])))
        peak = max(peak, float(str(mine["rss"])))
        scrolled = int(str(mine["scroll_rows"]))
    bm = median(lat_bare)
    results.append(
        Result("tasto -> DataTable ridisegnata, 60 righe senza SQL (baseline)", bm, "ms")
    )
    results.append(
        Result(
            f"tasto nel filtro Pratiche -> prima pagina a schermo ({len(lat_ours)} tasti)",
            median(lat_ours),
            "ms",
            bm,
            "< 50 ms",
            limit=50,
        )
    )
    results.append(
        Result(
            "   tasto nel filtro Pratiche, caso peggiore",
            max(lat_ours),
            "ms",
            max(lat_bare),
            "< 150 ms",
            limit=150,
        )
    )
    results.append(
        Result(
            f"scorrimento: {scrolled} righe a pagine, inserimento di una pagina (max)",
            max(fills),
            "ms",
        )
    )
    results.append(
        Result(
            "   pausa più lunga dell'interfaccia scorrendo (baseline: scrivendo)",
            max(stall_ours),
            "ms",
            max(stall_bare),
        )
    )
    results.append(
        Result(
            "memoria massima del processo TUI (avvio, filtro, scorrimento)",
            peak,
            "MB",
            target="< 250 MB",
            limit=250,
        )
    )
    results += _plans(folder)
    return results


if __name__ == "__main__":
    # `python -m benchmarks.bench_tui piani`: only the filter + sort combinations
    only_plans = sys.argv[1:] == ["piani"]
    for r in _plans(region_profile()) if only_plans else run():
        print(r.line())

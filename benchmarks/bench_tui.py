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

from benchmarks.bench_core import _BARE, _OURS
from benchmarks.common import BENCH_TODAY, Result, median, region_profile

#: Words typed key by key into the practice filter (and deleted again).
WORDS = ("via roma", "fotovoltaico", "zzq", "permesso", "2026", "cava")

_HARNESS = Path(__file__).with_name("tui_harness.py")


def _env() -> dict[str, str]:
    return {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}


def _startup(script: str, *args: str) -> tuple[float, float, float]:
    """(wall ms to the painted first screen, CPU ms, peak MB) of one fresh process."""
    script = script.replace(
        "print(app.painted, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
        "r = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(app.painted, r.ru_utime + r.ru_stime, r.ru_maxrss)",
    )
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    ).stdout.split()
    return (float(out[-3]) - started) * 1000, float(out[-2]) * 1000, float(out[-1]) / 1024


def _harness(mode: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(_HARNESS), mode, json.dumps(WORDS), *args],
        capture_output=True,
        text=True,
        env=_env(),
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


def _plans(folder: Path) -> list[Result]:
    """Time and EXPLAIN every filter + sort combination of the Pratiche screen in the
    expert's scope (what the screen asks); for information, each filter over all
    Comuni too (a profile with none assigned, such as a coordinator's)."""
    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.practices import SORT_KEYS, PracticeFilter, page_sql

    results: list[Result] = []
    with Store(folder / "taskforce.sqlite3") as store:
        mine = store.comuni.assigned_codes(store.expert_id)

        def facets(scope: list[str] | None) -> dict[str, PracticeFilter]:
            return {
                "nessun filtro": PracticeFilter(comuni=scope),
                "in corso": PracticeFilter(comuni=scope, statuses=["aperta", "sospesa"]),
                "concluse": PracticeFilter(comuni=scope, statuses=["conclusa"]),
                "ambito": PracticeFilter(comuni=scope, ambito="edilizia_urbanistica"),
                "tipo": PracticeFilter(comuni=scope, procedure_type="scia"),
                "un Comune": PracticeFilter(comuni=[mine[0]]),
                "solo in ritardo": PracticeFilter(comuni=scope, overdue_only=True),
                "testo 'vi'": PracticeFilter(comuni=scope, text="vi"),
                "testo 'via'": PracticeFilter(comuni=scope, text="via"),
                "testo 'fotovoltaico'": PracticeFilter(comuni=scope, text="fotovoltaico"),
                "testo senza risultati": PracticeFilter(comuni=scope, text="zzqq"),
                "tutto insieme": PracticeFilter(
                    comuni=scope,
                    statuses=["aperta"],
                    procedure_type="scia",
                    overdue_only=True,
                    text="via",
                ),
            }

        cases = (
            ("Comuni dell'esperto", mine, [k for k in SORT_KEYS if k != "giorni"], 5),
            ("tutti i Comuni", None, ["avvio", "scadenza"], 3),
        )
        for scope_label, scope, sorts, repeat in cases:
            times: dict[tuple[str, str, bool], float] = {}
            scans: set[str] = set()
            for label, flt in facets(scope).items():
                for sort in sorts:
                    for descending in (True, False):
                        samples = []
                        for _ in range(repeat):
                            started = time.perf_counter()
                            store.practices.page(
                                flt, on=BENCH_TODAY, sort=sort, descending=descending, limit=60
                            )
                            samples.append((time.perf_counter() - started) * 1000)
                        times[(label, sort, descending)] = median(samples)
                        params: dict[str, object] = {
                            "today": BENCH_TODAY.isoformat(),
                            "limit": 60,
                            "offset": 0,
                        }
                        plan = _plan(store, page_sql(flt, params, sort, descending), params)
                        if any(re.match(r"SCAN p\b", step) for step in plan):
                            scans.add(f"{label} / {sort}")
            worst = max(times, key=lambda k: times[k])
            baseline = median([v for k, v in times.items() if k[0] == "nessun filtro"])
            expert = scope is not None
            results.append(
                Result(
                    f"pagina di 60, {scope_label}: {len(times)} filtri+ordini (mediana)",
                    median(list(times.values())),
                    "ms",
                    baseline,
                    "< 50 ms" if expert else "",
                )
            )
            results.append(
                Result(
                    f"   combinazione più lenta: {worst[0]} / {worst[1]}",
                    times[worst],
                    "ms",
                    baseline,
                    "< 150 ms" if expert else "",
                )
            )
            results.append(
                Result(
                    f"   combinazioni che scorrono tutta la tabella: {', '.join(sorted(scans))}"
                    if scans
                    else "   combinazioni che scorrono tutta la tabella",
                    float(len(scans)),
                    "",
                )
            )
    return results


def run(repeat: int = 15) -> list[Result]:
    folder = region_profile()
    results: list[Result] = []

    bare_wall, bare_cpu, ours_wall, ours_cpu, rss = [], [], [], [], []
    for _ in range(repeat):  # interleaved, so load on the machine hits both alike
        wall, cpu, _mb = _startup(_BARE)
        bare_wall.append(wall)
        bare_cpu.append(cpu)
        wall, cpu, mb = _startup(_OURS, str(folder))
        ours_wall.append(wall)
        ours_cpu.append(cpu)
        rss.append(mb)
    b = median(bare_wall)
    results.append(Result("avvio: app Textual vuota con DataTable (baseline)", b, "ms"))
    results.append(
        Result(
            "avvio: Oggi interattiva, profilo da 300.000 pratiche",
            median(ours_wall),
            "ms",
            b,
            "<= 1.3x",
        )
    )
    results.append(Result("   tempo di CPU dell'avvio", median(ours_cpu), "ms", median(bare_cpu)))

    lat_bare: list[float] = []
    lat_ours: list[float] = []
    fills: list[float] = []
    stall_bare: list[float] = []
    stall_ours: list[float] = []
    peak = max(rss)
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
        )
    )
    results.append(Result("   idem, caso peggiore", max(lat_ours), "ms", max(lat_bare), "< 150 ms"))
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
        Result("memoria massima (avvio, filtro, scorrimento)", peak, "MB", target="< 250 MB")
    )
    results += _plans(folder)
    return results


if __name__ == "__main__":
    for r in run():
        print(r.line())

"""Run the benchmarks and print their figures: `python -m benchmarks.run [nome ...]`.

Each bench_*.py module exposes `run() -> list[Result]`. Without names, all run.
The first run generates the region-scale dataset under benchmarks/.data/.
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = sorted(
        m.name[6:] for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_")
    )
    wanted = argv or names
    unknown = set(wanted) - set(names)
    if unknown:
        print(
            f"benchmark sconosciuti: {', '.join(sorted(unknown))}; disponibili: {', '.join(names)}"
        )
        return 2
    print(
        f"# taskforce-tui benchmarks - {platform.platform()} - Python {platform.python_version()}"
        f" - {time.strftime('%Y-%m-%d %H:%M')}"
    )
    goals = []
    for name in wanted:
        print(f"\n## {name}", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        for result in module.run():
            print(result.line(), flush=True)
            if result.limit is not None:
                goals.append(result)
    if goals:
        print("\n## verdetti (un obiettivo per riga)")
        for result in goals:
            print(result.verdict())
        missed = sum(not r.met for r in goals)
        print(
            f"{len(goals) - missed} obiettivi raggiunti su {len(goals)}"
            + (f"; {missed} NON raggiunti" if missed else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

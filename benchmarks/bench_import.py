"""Spreadsheet import: a 50,000-row XLSX into a copy of the region-scale profile.

Baseline, measured in the same run on the same file: just reading it with openpyxl in
read-only mode (every cell value, nothing else). The import then reads it the same way,
finds the header, maps and converts every cell, validates every practice with the
domain's rules, compares with the store, and writes every new practice through the
operation log in one transaction. Target: under 20 s, with progress shown.

The shared region dataset is never written: the database file is copied to a temporary
folder first.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.common import BENCH_TODAY, Result, region_profile

ROWS = 50_000
_TYPES = ("SCIA", "Permesso di costruire", "paesaggistica", "AUA", "PAS", "verifica_via")
_SUBJECTS = (
    "Ampliamento fabbricato residenziale",
    "Ristrutturazione edilizia con demolizione e ricostruzione",
    "Impianto fotovoltaico a terra",
    "Cambio di destinazione d'uso",
    "Nuova costruzione capannone artigianale",
    "Recinzione e opere esterne",
)


def make_xlsx(path: Path, comune: str, rows: int = ROWS, seed: int = 7) -> None:
    """A Comune's export as it comes: a merged title, the header on row 3, real dates."""
    import openpyxl

    rng = random.Random(seed)
    # A normal (not write-only) workbook, as Excel saves it: shared strings, a
    # <dimension> element, real date cells.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pratiche"
    ws.append(["Elenco procedimenti - estrazione dal protocollo informatico"])
    ws.merge_cells("A1:L1")
    ws.append([])
    ws.append(
        [
            "Codice ISTAT",
            "Tipo procedimento",
            "N. protocollo",
            "Data presentazione",
            "Termine (gg)",
            "Stato",
            "Data conclusione",
            "Esito",
            "Conferenza di servizi",
            "Sospensione dal",
            "al",
            "Oggetto",
        ]
    )
    for i in range(rows):
        received = BENCH_TODAY - timedelta(days=rng.randint(30, 900))
        kind = rng.random()
        status, concluded, outcome, s_from, s_to = "in istruttoria", None, None, None, None
        if kind < 0.55:
            concluded = min(received + timedelta(days=rng.randint(5, 200)), BENCH_TODAY)
            status, outcome = "conclusa", rng.choice(("favorevole", "diniego", "silenzio assenso"))
        elif kind < 0.65:
            s_from = received + timedelta(days=rng.randint(1, 20))
            status = "sospesa"
        elif kind < 0.75:
            s_from = received + timedelta(days=rng.randint(1, 10))
            s_to = s_from + timedelta(days=rng.randint(1, 15))
        ws.append(
            [
                comune,
                rng.choice(_TYPES),
                f"SUAP-{i + 1}/{received.year}",
                received,
                rng.choice((30, 60, 90, None)),
                status,
                concluded,
                outcome,
                "sì" if rng.random() < 0.1 else "no",
                s_from,
                s_to,
                f"{rng.choice(_SUBJECTS)} - via Roma {rng.randint(1, 200)}",
            ]
        )
    wb.save(path)


def _add_import_tables(store: object) -> None:
    """The shared dataset may predate the import tables (schema v1 is unreleased and
    grows by appending): add them to the copy, exactly as the schema declares them."""
    from taskforce_tui.store.schema import MIGRATIONS

    conn = store.conn  # type: ignore[attr-defined]
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'import_record'").fetchone():
        return
    block = MIGRATIONS[0].split("-- spreadsheet import ---", 1)[1].split("\n", 1)[1]
    conn.executescript(block)


def _baseline_read(path: Path) -> float:
    import openpyxl

    started = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    cells = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
    wb.close()
    return time.perf_counter() - started


def run() -> list[Result]:
    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    from taskforce_tui.importer.service import ImportSession
    from taskforce_tui.store.db import Store

    source = region_profile() / "taskforce.sqlite3"
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        db = folder / "taskforce.sqlite3"
        started = time.perf_counter()
        shutil.copyfile(source, db)  # never write into the shared dataset
        print(f"  copia del profilo regionale: {time.perf_counter() - started:.1f} s", flush=True)
        xlsx = folder / "pratiche.xlsx"
        with Store(db) as store:
            _add_import_tables(store)
            comune = store.comuni.assigned_codes(store.expert_id)[0]
        make_xlsx(xlsx, comune)
        print(
            f"  file: {ROWS} righe, {xlsx.stat().st_size / 1e6:.1f} MB, Comune {comune}",
            flush=True,
        )
        baseline = min(_baseline_read(xlsx) for _ in range(2))
        results.append(
            Result("lettura openpyxl read-only dello stesso XLSX (baseline)", baseline * 1000, "ms")
        )

        shown: dict[str, int] = {}

        def progress(phase: str, fraction: float) -> None:
            step = int(fraction * 4)
            if shown.get(phase, -1) < step:
                shown[phase] = step
                elapsed = time.perf_counter() - began
                print(f"    [{elapsed:5.1f}s] {phase} {fraction:4.0%}", flush=True)

        with Store(db) as store:
            began = time.perf_counter()
            session = ImportSession(store, xlsx)
            session.load(progress)
            loaded = time.perf_counter() - began
            counts = session.counts()
            result = session.apply(progress)
            total = time.perf_counter() - began
            print(f"  anteprima: {counts}; scritte {result.ops} operazioni", flush=True)
            assert counts["nuove"] == ROWS and result.created == ROWS, counts
            results.append(
                Result("importazione: anteprima (lettura, mappa, controlli)", loaded * 1000, "ms")
            )
            results.append(
                Result(
                    f"importazione completa di {ROWS:,} righe XLSX".replace(",", "."),
                    total * 1000,
                    "ms",
                    baseline * 1000,
                    "< 20 s",
                )
            )
            began = time.perf_counter()
            again = ImportSession(store, xlsx)
            again.load()
            assert not again.plan.has_writes
            results.append(
                Result(
                    "reimportazione dello stesso file (nessuna modifica)",
                    (time.perf_counter() - began) * 1000,
                    "ms",
                    baseline * 1000,
                )
            )
    return results

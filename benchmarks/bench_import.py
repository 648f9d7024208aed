"""Spreadsheet import: a 50,000-row XLSX into a copy of the region-scale profile.

Baseline, measured in the same run on the same file: just reading it with openpyxl in
read-only mode (every cell value, nothing else). The import then reads it the same way,
finds the header, maps and converts every cell, validates every practice with the
domain's rules, compares with the store, and writes every new practice through the
operation log in one transaction. Target: under 20 s, with progress shown. Last, the
whole `taskforce import pratiche FILE --conferma` command in a new process, against
the bare openpyxl read in a new process.

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


def as_excel_writes_it(path: Path, target: Path) -> Path:
    """The same workbook with its text in a shared-strings table, as Excel saves it
    (openpyxl writes every string inline, which openpyxl then reads more slowly)."""
    import re
    import zipfile

    cell = re.compile(
        rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>'
    )
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match.group(3), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2) or b"", index)

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = cell.sub(shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
                    b"/></Relationships>",
                )
            dst.writestr(info, data)
        items = b"".join(b"<si><t>%s</t></si>" % s for s in strings)
        dst.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.'
            b'org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
            % (len(strings), len(strings), items),
        )
    return target


def _baseline_read(path: Path) -> float:
    import openpyxl

    started = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    cells = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
    wb.close()
    return time.perf_counter() - started


def _settle() -> None:
    """Let the disk write back the 736 MB copy just made before anything is timed: its
    write-back would otherwise run under the import's own writes and fsyncs (it added
    up to 4 s to the COMMIT on this machine) and measure the set-up, not the import."""
    if hasattr(os, "sync"):
        os.sync()


def _one(label: str, xlsx: Path, source: Path, folder: Path, comune: str) -> list[Result]:
    from taskforce_tui.importer.service import ImportSession
    from taskforce_tui.store.db import Store

    db = folder / f"{xlsx.stem}.sqlite3"
    shutil.copyfile(source, db)  # never write into the shared dataset
    _settle()
    baseline = min(_baseline_read(xlsx) for _ in range(2))
    print(f"  {label}: {xlsx.stat().st_size / 1e6:.1f} MB", flush=True)
    shown: dict[str, int] = {}
    began = time.perf_counter()

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
        assert counts["nuove"] == ROWS and result.created == ROWS, counts
        print(f"    scritte {result.ops} operazioni nel registro", flush=True)
        began = time.perf_counter()
        again = ImportSession(store, xlsx)
        again.load()
        assert not again.plan.has_writes
        reimport = time.perf_counter() - began
    db.unlink()
    return [
        Result(f"{label}: lettura openpyxl read-only (baseline)", baseline * 1000, "ms"),
        Result(
            f"{label}: anteprima (lettura, mappa, controlli)", loaded * 1000, "ms", baseline * 1000
        ),
        Result(
            f"{label}: importazione completa, 50.000 righe",
            total * 1000,
            "ms",
            baseline * 1000,
            "< 20 s",
        ),
        Result(
            f"{label}: reimportazione (nessuna modifica)", reimport * 1000, "ms", baseline * 1000
        ),
    ]


def _whole_command(xlsx: Path, source: Path, folder: Path) -> list[Result]:
    """The import as a user runs it: `taskforce import pratiche FILE --conferma` in a new
    process on a fresh copy of the profile (start-up, preview, write, closing the
    database), with the bare openpyxl read of the file in a new process as baseline."""
    import subprocess
    import sys

    home = folder / "cli"
    home.mkdir()
    shutil.copyfile(source, home / "taskforce.sqlite3")
    _settle()
    env = {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}
    reader = (
        "import sys, openpyxl\n"
        "wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n"
        "sum(len(r) for r in wb.worksheets[0].iter_rows(values_only=True))\n"
    )
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", reader, str(xlsx)], check=True, env=env)
    baseline = time.perf_counter() - began
    command = [sys.executable, "-m", "taskforce_tui", "--data-dir", str(home), "import"]
    began = time.perf_counter()
    done = subprocess.run(
        [*command, "pratiche", str(xlsx), "--conferma"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    total = time.perf_counter() - began
    assert f"Importate {ROWS} nuove pratiche" in done.stdout, done.stdout
    shutil.rmtree(home)
    return [
        Result("processo: lettura openpyxl read-only (baseline)", baseline * 1000, "ms"),
        Result(
            "processo: taskforce import pratiche --conferma, 50.000 righe",
            total * 1000,
            "ms",
            baseline * 1000,
            "< 20 s",
        ),
    ]


def run() -> list[Result]:
    os.environ["TASKFORCE_OGGI"] = BENCH_TODAY.isoformat()
    from taskforce_tui.importer.files import _use_stdlib_xml_if_safe
    from taskforce_tui.store.db import Store

    _use_stdlib_xml_if_safe()  # the baseline parses as the importer does
    source = region_profile() / "taskforce.sqlite3"
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        copy = folder / "regione.sqlite3"
        shutil.copyfile(source, copy)
        with Store(copy) as store:
            comune = store.comuni.assigned_codes(store.expert_id)[0]
        openpyxl_file = folder / "pratiche_openpyxl.xlsx"
        make_xlsx(openpyxl_file, comune)
        excel_file = as_excel_writes_it(openpyxl_file, folder / "pratiche_excel.xlsx")
        print(f"  {ROWS} righe per il Comune {comune}, profilo regionale copiato", flush=True)
        results += _one("XLSX come lo salva Excel", excel_file, copy, folder, comune)
        results += _one("XLSX scritto da openpyxl", openpyxl_file, copy, folder, comune)
        print("  il comando intero, in un processo nuovo (XLSX come lo salva Excel)", flush=True)
        results += _whole_command(excel_file, copy, folder)
    return results

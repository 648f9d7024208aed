"""The centre on PostgreSQL against the centre on its SQLite file (issue 17).

- region, side by side in one run: the merge of 120 outboxes into the region's
  centre (300,000 practices, 1,000,000 time logs) publishing the generation and 120
  extracts, once on the SQLite file and once on PostgreSQL (the same centre moved
  there by `centrale migra`, untimed). Goal: PostgreSQL within 1.5x of SQLite. The
  server is started for the run, durable (fsync and synchronous commit on, as the
  SQLite file's synchronous=FULL), on this machine: the merge's process and the
  server share its two cores, as they would a coordinator's laptop; on a separate
  database server the client has them to itself.
- national, with TASKFORCE_BENCH_NATIONAL=1 (`TASKFORCE_BENCH_NATIONAL=1 python -m
  benchmarks.run centre`; it takes most of an hour): ten times the region
  (benchmarks/national.py: 1,200 experts, 3,000,000 practices, 10,000,000 time
  logs), a day of work from 1,000 experts merged on PostgreSQL, with 1,200 extracts.
  Goals: under 10 minutes, the merge's process under 2 GB. The first run builds the
  national set (about 12 minutes) and every run copies it and moves it to the
  server (about 10 more): those are not timed.

Each merge runs in a process of its own (bench_sync's scenarios), so each peak memory
is that process's own; the server's resident memory is read from /proc at the end.
"""

from __future__ import annotations

import os

from benchmarks.bench_sync import _run_child
from benchmarks.common import Result


def _region() -> list[Result]:
    m = _run_child("merge")
    pg = _run_child("merge-pg")
    return [
        Result("merge di 120 file nella regione, SQLite", m["merge_s"], "s", m["raw_s"]),
        Result(
            "merge di 120 file nella regione, PostgreSQL (base: SQLite)",
            pg["merge_s"],
            "s",
            m["merge_s"],
            "<= 1,5x SQLite",
            limit=1.5,
            on_ratio=True,
        ),
        Result("  tempo CPU del merge, SQLite (tutti i thread)", m["merge_cpu_s"], "s"),
        Result("  tempo CPU del merge, PostgreSQL (processo del merge)", pg["merge_cpu_s"], "s"),
        Result(
            f"  memoria di picco del merge, PostgreSQL (SQLite: {m['peak_mb']:.0f} MB)",
            pg["peak_mb"],
            "MB",
        ),
        Result("  memoria residente del server PostgreSQL alla fine", pg["server_mb"], "MB"),
        Result(
            "  centrale migra della regione, hash uguali per ogni tabella (non nel merge)",
            pg["migra_s"],
            "s",
        ),
    ]


def _national() -> list[Result]:
    n = _run_child("merge-national")
    print(
        f"  nazionale: {n['ops']:.0f} modifiche da {n['read_files']:.0f} file, pubblicati "
        f"{n['published_mb']:.0f} MB",
        flush=True,
    )
    return [
        Result(
            "merge nazionale su PostgreSQL (1.000 file, 1.200 estratti)",
            n["merge_s"],
            "s",
            n["raw_s"],
            "< 600 s",
            limit=600,
        ),
        Result(
            f"  memoria di picco del merge nazionale (residente prima: {n['resident_mb']:.0f} MB)",
            n["peak_mb"],
            "MB",
            None,
            "< 2048 MB",
            limit=2048,
        ),
        Result("  memoria residente del server PostgreSQL alla fine", n["server_mb"], "MB"),
        Result("  generazione 1 nazionale (solo pubblicazione, SQLite)", n["first_publish_s"], "s"),
        Result(
            "  centrale migra del nazionale, hash uguali per ogni tabella (non nel merge)",
            n["migra_s"],
            "s",
        ),
    ]


def run(national: bool | None = None) -> list[Result]:
    from tests.pg_server import find_bin_dir

    if find_bin_dir() is None:
        print("  PostgreSQL non trovato (initdb/pg_ctl): benchmark saltato", flush=True)
        return []
    if national is None:
        national = os.environ.get("TASKFORCE_BENCH_NATIONAL") == "1"
    return _region() + (_national() if national else [])

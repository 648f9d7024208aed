"""Sync at region scale: an expert's sync, and the coordinator's merge of 120 outboxes.

Each scenario runs in its own process (so its peak memory is its own) on a copy of
the region dataset (the shared one is read-only): the copy becomes the coordinator's
central database. Figures are printed with their ratio to the raw cost of reading
and writing the same bytes (unzip + JSON parse of what was read, JSON + zip of what
was written) measured in the same run.

- expert: one expert given the largest Comuni up to 20,000 practices (the dataset's
  experts have about 2,500 each), with their own time logs; a day of their changes
  (edits, new practices, time logs) and a new generation carrying colleagues'
  changes on their Comuni; `taskforce sync` = backup + export + import. Target < 2 s.
- each scenario runs twice: as shipped, and without the stream cipher and key wrap
  (benchmarks/cryptocost.py), so the cost of sealing is a ratio measured in one run.
  The ratio is of CPU time (all threads of the process): on a machine shared with other
  work, wall times of two runs minutes apart differ by more than sealing costs.
- merge: 120 outboxes of a day's work (about 230 ops each) merged into the
  300,000-practice / 1,000,000-time-log state, publishing the central generation and
  120 extracts. Target < 60 s, memory < 1 GB.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from benchmarks import memory
from benchmarks.common import BENCH_TODAY, Result, region_profile

EXPERT_PRACTICES = 20_000
OUTBOXES = 120
#: A day of work from 1,000 of the national set's experts (benchmarks/national.py).
NATIONAL_OUTBOXES = 1_000


def _central(root: Path, profile: Path | None = None) -> tuple[Any, Any]:
    from taskforce_tui.sync.central import Central
    from taskforce_tui.sync.folder import SyncFolder

    source = (profile or region_profile()) / "taskforce.sqlite3"
    db = root / "centrale.sqlite3"
    shutil.copy(source, db)
    folder = SyncFolder(root / "share")
    folder_id = folder.create()
    central = Central(folder, db)
    central.store.set_meta("central_folder_id", folder_id)
    _enrol_everyone(central)
    return central, folder


#: expert id -> the key pair of their (one) device, enrolled directly in the centre's tables
DEVICES: dict[str, Any] = {}


def _enrol_everyone(central: Any) -> None:
    """The coordinator's key and one enrolled device per expert, as enrolment leaves them
    (the enrolment itself is measured by the tests, not here)."""
    from taskforce_tui.sync import crypto, enrolment
    from taskforce_tui.sync.crypto import KeyPair

    with central.store.lock:
        conn = central.store.conn
        enrolment.add_founder(conn, central.keys, "", "Segreteria Tecnica")
        for (expert,) in conn.execute("SELECT id FROM expert WHERE deleted = 0").fetchall():
            pair = KeyPair.generate()
            DEVICES[expert] = pair
            conn.execute(
                "INSERT INTO trust_device(device_id, expert_id, name, sign_pk, box_pk, "
                "enrolled_at) VALUES (?, ?, 'bench', ?, ?, '2026-01-01T00:00:00Z')",
                (pair.id, expert, crypto.b64(pair.public.sign), crypto.b64(pair.public.box)),
            )


def _open(path: Path, keys: list[Any]) -> Any:
    """A sealed file's ZIP, decrypted (the cost of opening it is part of reading it)."""
    from taskforce_tui.sync import crypto

    _, plain = crypto.unseal(path, keys, 1 << 40)
    return zipfile.ZipFile(plain)


def _raw_cost(read: list[Path], written: list[Path], keys: list[Any]) -> float:
    """Seconds to decrypt, unzip + parse the files read, and to serialize + zip the files
    written (decrypted first: the sealing of the output is not in this baseline)."""
    from taskforce_tui.store import jsonio

    start = time.perf_counter()
    for path in read:
        with _open(path, keys) as zf:
            for name in zf.namelist():
                data = zf.read(name)
                if name.endswith(".json"):
                    jsonio.loads(data)
                    continue
                for line in data.splitlines():
                    jsonio.loads(line)
    for path in written:
        # member by member, line by line: the national central file holds 13 million
        # rows, which as Python lists would not fit in memory
        with (
            _open(path, keys) as zf,
            zipfile.ZipFile(io.BytesIO(), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
        ):
            for name in zf.namelist():
                if not name.endswith(".jsonl"):
                    continue
                with zf.open(name) as source, out.open(name, "w", force_zip64=True) as sink:
                    for line in source:
                        sink.write(jsonio.dumps(jsonio.loads(line)) + b"\n")
    return time.perf_counter() - start


def _json_libraries(path: Path, keys: list[Any]) -> tuple[float, float]:
    """Decode + encode every row of a bundle with the standard library, then orjson."""
    import orjson

    with _open(path, keys) as zf:
        lines = [x for n in zf.namelist() if n.endswith(".jsonl") for x in zf.read(n).splitlines()]
    out = []
    for loads, dumps in (
        (json.loads, lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode()),
        (orjson.loads, orjson.dumps),
    ):
        started = time.perf_counter()
        for line in lines:
            dumps(loads(line))
        out.append(time.perf_counter() - started)
    return out[0], out[1]


def _outbox(
    folder: Any, expert: str, replica: str, ops: list[dict[str, Any]], central: Any
) -> Path:
    from taskforce_tui.sync.bundle import BundleWriter
    from taskforce_tui.sync.crypto import SealWriter
    from taskforce_tui.sync.fsio import publish

    pair = DEVICES[expert]
    folder_id = central.store.get_meta("central_folder_id")

    name = f"{replica}-{1:09d}-{len(ops):09d}-{uuid.uuid4().hex[:8]}.zip"

    def write(fh: Any) -> None:
        seal = SealWriter(fh, {"kind": "outbox", "folder_id": folder_id}, [central.keys.public.box])
        w = BundleWriter(
            seal,  # type: ignore[arg-type]
            "outbox",
            {
                "writer": {
                    "role": "esperto",
                    "expert_id": expert,
                    "replica": replica,
                    "device": pair.id,
                },
                "folder_id": folder_id,
                "imports": {replica: [[1, 0]]},
                "imported_generation": 1,
            },
            signer=pair,
        )
        w.member("ops.jsonl", ops)
        w.member("resolutions.jsonl", [])
        w.close()
        seal.finish()

    path = folder.outbox_dir(expert) / name
    publish(path, write)
    return path


def _day_of_work(
    conn: sqlite3.Connection, expert: str, replica: str, comuni: list[str], rng: random.Random
) -> list[dict[str, Any]]:
    """About 230 ops: 30 practice edits, 5 new practices, 8 time logs."""
    marks = ", ".join("?" for _ in comuni)
    practices = [
        r[0]
        for r in conn.execute(
            f"SELECT id FROM practice WHERE comune_code IN ({marks}) ORDER BY id LIMIT 400", comuni
        )
    ]
    ptype = conn.execute("SELECT code, ambito FROM procedure_type ORDER BY code").fetchone()
    ops: list[dict[str, Any]] = []
    clock = 1_795_000_000_000 + rng.randrange(10_000_000)

    def op(tbl: str, pk: str, field: str, value: object) -> None:
        nonlocal clock
        clock += 1
        ops.append(
            {
                "replica": replica,
                "seq": len(ops) + 1,
                "tbl": tbl,
                "pk": pk,
                "field": field,
                "value": value,
                "prev": None,
                "hlc": f"{clock:013d}-00000",
                "author": expert,
                "at": f"{BENCH_TODAY.isoformat()}T10:00:00.000000Z",
            }
        )

    for pid in rng.sample(practices, min(30, len(practices))):
        op("practice", pid, "notes", f"sopralluogo {rng.randrange(1000)}")
        if rng.random() < 0.5:
            op("practice", pid, "subject", f"oggetto aggiornato {rng.randrange(1000)}")
    for k in range(5):
        pid = str(uuid.uuid4())
        values = {
            "comune_code": rng.choice(comuni),
            "ambito": ptype[1],
            "procedure_type": ptype[0],
            "protocol_no": f"B{k}/{replica[:4]}",
            "subject": "nuova pratica",
            "received_on": BENCH_TODAY.isoformat(),
            "legal_term_days": 60,
            "status": "aperta",
            "service_conference": 0,
            "concluded_on": None,
            "outcome": None,
            "expert_id": expert,
            "notes": "",
            "reopen_reason": None,
            "deleted": 0,
        }
        for field, value in values.items():
            op("practice", pid, field, value)
    for _ in range(8):
        tid = str(uuid.uuid4())
        values = {
            "expert_id": expert,
            "work_date": BENCH_TODAY.isoformat(),
            "minutes": 60 * rng.randrange(1, 5),
            "comune_code": rng.choice(comuni),
            "activity": "supporto",
            "mode": "presenza",
            "practice_id": rng.choice(practices) if practices else None,
            "request_id": None,
            "note": "",
            "start_time": None,
            "end_time": None,
            "deleted": 0,
        }
        for field, value in values.items():
            op("time_log", tid, field, value)
    return ops


# --- scenarios (each in its own process) ----------------------------------------------------
def scenario_merge(
    root: Path, on_server: bool = False, profile: Path | None = None, outboxes_n: int = OUTBOXES
) -> dict[str, float]:
    """The merge of `outboxes_n` outboxes into the region (or `profile`); `on_server`:
    the same centre moved to PostgreSQL (`centrale migra`, untimed) before the timed
    merge."""
    from benchmarks import cryptocost
    from taskforce_tui.sync.folder import SyncFolder

    t0 = time.perf_counter()
    central, folder = _central(root, profile)
    print(f"copy {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    started = time.perf_counter()
    central.merge(force=True)  # generation 1 of the region: 120 extracts, nothing merged
    first_publish = time.perf_counter() - started
    print(f"first publish {first_publish:.1f}s", file=sys.stderr, flush=True)
    rng = random.Random(5)
    outboxes = []
    with central.store.read() as conn:
        experts = [
            r[0] for r in conn.execute("SELECT id FROM expert WHERE deleted = 0 ORDER BY id")
        ]
        for expert in experts[:outboxes_n]:
            comuni = [
                r[0]
                for r in conn.execute(
                    "SELECT comune_code FROM assignment WHERE expert_id = ? AND deleted = 0",
                    (expert,),
                )
            ]
            ops = _day_of_work(conn, expert, str(uuid.uuid4()), comuni, rng)
            outboxes.append(_outbox(folder, expert, ops[0]["replica"], ops, central))
    read = [*outboxes]
    staged = root / "read-copy"
    staged.mkdir()
    for p in outboxes:
        shutil.copy(p, staged / p.name)
    server = None
    migra_s = 0.0
    if on_server:
        central, server, migra_s = _to_server(central)
    memory.reset_peak()  # the merge's own peak, not the set-up's (first publish, outboxes)
    resident_mb = memory.rss_mb()
    cryptocost.METER.reset()
    started, cpu = time.perf_counter(), time.process_time()
    report = central.merge()
    merge_s = time.perf_counter() - started
    merge_cpu = time.process_time() - cpu
    crypto_cpu, crypto_calls = cryptocost.METER.seconds, cryptocost.METER.calls
    print(f"merge {merge_s:.1f}s", file=sys.stderr, flush=True)
    peak_mb = memory.peak_rss_mb()
    assert report.generation == 2 and report.accepted > 0, report
    sf = SyncFolder(folder.root)
    written = [sf.central_path(2)] + [sf.extract_path(e, 2) for e in experts]
    # the coordinator cannot open the extracts (sealed for the devices): the baseline
    # serializes the central file and, per extract, decrypts it with its device key
    raw = _raw_cost(sorted(staged.iterdir()), written, [central.keys, *DEVICES.values()])
    central.close()
    server_mb = 0.0
    if server is not None:
        server_mb = _server_rss_mb(server)
        server.stop()
    size_mb = sum(p.stat().st_size for p in written) / 1e6
    return {
        "first_publish_s": first_publish,
        "merge_s": merge_s,
        "merge_cpu_s": merge_cpu,
        "crypto_cpu_s": crypto_cpu,
        "crypto_calls": float(crypto_calls),
        "raw_s": raw,
        "peak_mb": peak_mb,
        "resident_mb": resident_mb,
        "ops": float(report.accepted),
        "published_mb": size_mb,
        "read_files": float(len(read)),
        "server_mb": server_mb,
        "migra_s": migra_s,
    }


def _to_server(central: Any) -> tuple[Any, Any, float]:
    """The centre moved by `centrale migra` to a PostgreSQL server started for the run,
    durable (fsync and synchronous commit on, as SQLite's synchronous=FULL), and opened
    there."""
    from tests.pg_server import start_server

    from taskforce_tui.sync.central import Central
    from taskforce_tui.sync.migrate import migrate

    db, folder, keys = central.db, central.folder, central.keys_path
    central.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    central.close()
    server = start_server(durable=True)
    url = server.url(server.new_database())
    started = time.perf_counter()
    report = migrate(db, url)
    migra_s = time.perf_counter() - started
    assert report.equal, report  # every table's count and content hash equal
    return Central(folder, url, keys_path=keys), server, migra_s


def _server_rss_mb(server: Any) -> float:
    """Resident memory of the server's processes now (postmaster and backends), from
    /proc: what the database machine holds for the centre besides the merge's own."""
    pid = int((server.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().split()
            if int(proc.name) == pid or int(stat[3]) == pid:
                total += int(stat[23]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e6


def scenario_expert(root: Path) -> dict[str, float]:
    from benchmarks import cryptocost
    from taskforce_tui.store.db import Store, new_id
    from taskforce_tui.sync import laptop
    from taskforce_tui.sync.folder import SyncFolder

    central, folder = _central(root)
    with central.store.bulk() as conn:
        expert = conn.execute("SELECT id, email FROM expert ORDER BY id LIMIT 1").fetchone()
        comuni, total = [], 0
        for code, count in conn.execute(
            "SELECT comune_code, COUNT(*) c FROM practice GROUP BY 1 ORDER BY c DESC"
        ):
            comuni.append(code)
            total += count
            if total >= EXPERT_PRACTICES:
                break
        conn.execute("UPDATE assignment SET deleted = 1 WHERE expert_id = ?", (expert[0],))
        for code in comuni:
            conn.execute(
                "INSERT INTO assignment(id, expert_id, comune_code, created_at, updated_at) "
                "VALUES (?, ?, ?, '2026-01-01', '2026-01-01')",
                (new_id(), expert[0], code),
            )
    central.merge(force=True)
    store = Store(root / "laptop" / "taskforce.sqlite3")
    code = central.invite(expert[1])["codice"]
    memory.reset_peak()
    join_base_mb = memory.rss_mb()
    started = time.perf_counter()
    laptop.join(store, folder.root, expert[1], code, "bench")  # leaves the request
    join_s = time.perf_counter() - started
    central.merge()  # enrols the device and publishes its first extract
    memory.reset_peak()  # the laptop's own peak, not the merge's
    started = time.perf_counter()
    laptop.sync(store, folder.root)  # the first import: the whole extract
    join_s += time.perf_counter() - started
    join_peak_mb = memory.peak_rss_mb()
    # a day of the expert's own work, made through the real write path
    rng = random.Random(7)
    with store.read() as conn:
        mine = [r[0] for r in conn.execute("SELECT id FROM practice ORDER BY id LIMIT 3000")]
    with store.write() as tx:
        for pid in rng.sample(mine, 150):
            tx.update("practice", pid, {"notes": f"nota {rng.randrange(1000)}"})
        for _ in range(20):
            tx.insert(
                "time_log",
                {
                    "id": new_id(),
                    "expert_id": expert[0],
                    "work_date": BENCH_TODAY,
                    "minutes": 90,
                    "comune_code": comuni[0],
                    "activity": "supporto",
                    "mode": "presenza",
                },
            )
    pending = store.pending_ops()
    # colleagues' changes on the same Comuni arrive in a new generation
    with central.store.read() as conn:
        others = [
            r[0] for r in conn.execute("SELECT id FROM expert WHERE id != ? LIMIT 20", (expert[0],))
        ]
        for i, other in enumerate(others):
            ops = _day_of_work(conn, other, str(uuid.uuid4()), [comuni[i % len(comuni)]], rng)
            _outbox(folder, other, ops[0]["replica"], ops, central)
    with central.store.bulk() as conn:
        for i, other in enumerate(others):
            conn.execute(
                "INSERT INTO assignment(id, expert_id, comune_code, created_at, updated_at) "
                "VALUES (?, ?, ?, '2026-01-01', '2026-01-01')",
                (new_id(), other, comuni[i % len(comuni)]),
            )
    central.merge()
    extract = SyncFolder(folder.root).extracts(expert[0])[0][1]
    timings: list[float] = []
    cpu_timings: list[float] = []
    crypto_timings: list[float] = []
    report = None
    memory.reset_peak()  # the expert's syncs only (the centre's state stays resident)
    sync_base_mb = memory.rss_mb()
    for attempt in range(3):
        run_dir = root / f"laptop-run{attempt}"
        shutil.copytree(root / "laptop", run_dir)
        copy = Store(run_dir / "taskforce.sqlite3")
        cryptocost.METER.reset()
        started, cpu = time.perf_counter(), time.process_time()
        report = laptop.sync(copy, folder.root, backups=run_dir / "backup")
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu)
        crypto_timings.append(cryptocost.METER.seconds)
        outbox = Path(folder.outbox_dir(expert[0])) / report.files[0]
        copy.close()
        if attempt < 2:
            outbox.unlink()  # the next run starts from the same folder
    assert report is not None and report.generation is not None
    sync_peak_mb = memory.peak_rss_mb()
    from taskforce_tui.sync import device

    keys = [device.device_keys(store), central.keys]
    raw = _raw_cost([extract], [outbox], keys)
    from taskforce_tui.sync.fsio import backup_database

    with sqlite3.connect(root / "laptop" / "taskforce.sqlite3") as conn:
        started = time.perf_counter()
        backup_database(conn, root / "backup-alone", "taskforce")
        backup_s = time.perf_counter() - started
    db_mb = (root / "laptop" / "taskforce.sqlite3").stat().st_size / 1e6
    stdlib_s, fast_s = _json_libraries(extract, keys)
    store.close()
    with sqlite3.connect(root / "laptop" / "taskforce.sqlite3") as conn:
        practices = conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0]
        logs = conn.execute("SELECT COUNT(*) FROM time_log").fetchone()[0]
    central.close()
    return {
        "join_s": join_s,
        "backup_s": backup_s,
        "stdlib_json_s": stdlib_s,
        "orjson_s": fast_s,
        "db_mb": db_mb,
        "sync_s": sorted(timings)[1],
        "sync_cpu_s": sorted(cpu_timings)[1],
        "sync_crypto_share": sorted(
            c / t for c, t in zip(crypto_timings, cpu_timings, strict=True)
        )[1],
        "raw_s": raw,
        "sent": float(pending),
        "received": float(report.received),
        "practices": float(practices),
        "time_logs": float(logs),
        "comuni": float(len(comuni)),
        "extract_mb": extract.stat().st_size / 1e6,
        "peak_mb": sync_peak_mb,
        "resident_mb": sync_base_mb,
        "join_peak_mb": join_peak_mb,
        "join_resident_mb": join_base_mb,
    }


def _child(name: str) -> dict[str, float]:
    """Run one scenario; "merge-plain" / "expert-plain" run it without the stream cipher
    and the key wrap (benchmarks/cryptocost.py), for the cost that sealing adds."""
    from benchmarks import cryptocost

    scenario, _, variant = name.partition("-")
    if variant == "plain":
        cryptocost.install()
    else:
        cryptocost.meter()
    root = Path(tempfile.mkdtemp(prefix=f"tf-bench-sync-{name}-"))
    try:
        if variant == "pg":
            return scenario_merge(root, on_server=True)
        if variant == "national":  # issue 17: ten times the region, on PostgreSQL
            from benchmarks.national import national_profile

            return scenario_merge(root, True, national_profile(), NATIONAL_OUTBOXES)
        return {"expert": scenario_expert, "merge": scenario_merge}[scenario](root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_child(name: str) -> dict[str, float]:
    region_profile()
    env = {**os.environ, "TASKFORCE_OGGI": BENCH_TODAY.isoformat()}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_sync", name],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run() -> list[Result]:
    e = _run_child("expert")
    e_plain = _run_child("expert-plain")
    print(
        f"  expert: {e['comuni']:.0f} Comuni, {e['practices']:.0f} pratiche, "
        f"{e['time_logs']:.0f} registrazioni ore, estratto {e['extract_mb']:.1f} MB, "
        f"{e['sent']:.0f} modifiche inviate, {e['received']:.0f} ricevute, "
        f"database locale {e['db_mb']:.0f} MB",
        flush=True,
    )
    m = _run_child("merge")
    m_plain = _run_child("merge-plain")
    print(
        f"  merge: {m['ops']:.0f} modifiche da {m['read_files']:.0f} file, pubblicati "
        f"{m['published_mb']:.0f} MB (centrale + 120 estratti)",
        flush=True,
    )
    return [
        Result(
            "sync di un esperto (20.000 pratiche, un giorno)",
            e["sync_s"] * 1000,
            "ms",
            e["raw_s"] * 1000,
            "< 2000 ms",
            limit=2000,
        ),
        Result("  di cui copia di sicurezza del database locale", e["backup_s"] * 1000, "ms"),
        Result(
            "  tempo CPU del sync firmato e cifrato (base: senza cifratura)",
            e["sync_cpu_s"] * 1000,
            "ms",
            e_plain["sync_cpu_s"] * 1000,
        ),
        Result(
            "  tempo del sync senza cifratura (altra esecuzione)", e_plain["sync_s"] * 1000, "ms"
        ),
        Result(
            "  quota della CPU del sync in firma e cifratura", e["sync_crypto_share"] * 100, "%"
        ),
        Result(
            "  prima adesione firmata e cifrata (base: senza cifratura)",
            e["join_s"] * 1000,
            "ms",
            e_plain["join_s"] * 1000,
        ),
        Result(
            "prima adesione (init --da, estratto completo)",
            e["join_s"] * 1000,
            "ms",
            target="< 2000 ms",
            limit=2000,
        ),
        Result(
            f"  memoria di picco, prima adesione (residente prima: {e['join_resident_mb']:.0f} MB)",
            e["join_peak_mb"],
            "MB",
        ),
        Result(
            "  JSON dell'estratto con orjson (base: json della libreria)",
            e["orjson_s"] * 1000,
            "ms",
            e["stdlib_json_s"] * 1000,
        ),
        Result(
            "memoria di picco, sync dell'esperto "
            f"(residente prima: {e['resident_mb']:.0f} MB, stato del centro compreso)",
            e["peak_mb"],
            "MB",
            target="< 250 MB",
            limit=250,
        ),
        Result(
            "merge di 120 file + generazione + 120 estratti",
            m["merge_s"],
            "s",
            m["raw_s"],
            "< 60 s",
            limit=60,
        ),
        Result("  tempo CPU del merge (tutti i thread)", m["merge_cpu_s"], "s"),
        Result(
            "  CPU del merge firmato e cifrato (base: lo stesso merge senza cifratura)",
            m["merge_cpu_s"],
            "s",
            m_plain["merge_cpu_s"],
        ),
        Result("  tempo del merge senza cifratura (altra esecuzione)", m_plain["merge_s"], "s"),
        Result(
            f"  quota della CPU del merge in firma e cifratura ({m['crypto_cpu_s']:.2f} s in "
            f"{m['crypto_calls']:.0f} chiamate)",
            m["crypto_cpu_s"] / m["merge_cpu_s"] * 100,
            "%",
            target="< 10 %",
            limit=10,
        ),
        Result("  generazione 1 della regione (solo pubblicazione)", m["first_publish_s"], "s"),
        Result(
            f"memoria di picco, merge di 120 file (residente prima: {m['resident_mb']:.0f} MB)",
            m["peak_mb"],
            "MB",
            None,
            "< 1024 MB",
            limit=1024,
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(_child(sys.argv[1])))
    else:
        for result in run():
            print(result.line())

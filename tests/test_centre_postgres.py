"""`taskforce centrale migra`: a centre built by the sync helpers moves from its SQLite
file to a real PostgreSQL server with every row intact, checked table by table; the
reporting views answer the same on both back ends and give the app's own figures
(store/indicators.py, store/aree.py); `taskforce_lettore` reads the views and nothing
else."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from taskforce_tui.domain.records import TimeLog
from taskforce_tui.store.db import Store, new_id
from taskforce_tui.store.tables import metadata
from taskforce_tui.sync import migrate as migrating
from taskforce_tui.sync import reporting
from taskforce_tui.sync.errors import SyncError
from tests.pg_server import PgServer
from tests.sync_helpers import COMUNE_A, COMUNE_B, world_with_a_conflict
from tests.test_sync_cli import run


@pytest.fixture(scope="module")
def centre_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A centre with a conflict, acks of two replicas, three generations, a suspension
    and time logs: its SQLite file (copied per test)."""
    root = tmp_path_factory.mktemp("centre")
    world, _ = world_with_a_conflict(root / "w")
    b = world.laptops[1]
    activity = b.conn.execute("SELECT code FROM activity ORDER BY code LIMIT 1").fetchone()[0]
    pid = b.conn.execute("SELECT id FROM practice ORDER BY protocol_no DESC").fetchone()[0]
    for day, minutes in ((date(2026, 10, 5), 90), (date(2026, 10, 6), 45), (date(2026, 11, 2), 60)):
        b.timelogs.add(
            TimeLog(new_id(), world.experts[1], day, minutes, activity, "presenza", COMUNE_A),
            confirmed=True,
        )
    b.practices.suspend(pid, date(2026, 10, 20), "integrazione documentale")
    world.sync(1)
    world.merge()
    world.central.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    world.close()
    return root / "w" / "centrale.sqlite3"


@pytest.fixture
def centre(centre_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "centrale.sqlite3"
    path.write_bytes(centre_template.read_bytes())
    return path


def _rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    def plain(value: Any) -> Any:
        return float(value) if isinstance(value, Decimal | float) else value

    return sorted(
        (tuple(plain(v) for v in row) for row in conn.execute(sql).fetchall()),
        key=repr,
    )


def _our_tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_migra_copies_the_centre_and_checks_it(
    centre: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "centrale", "migra", "--da", str(centre), "--a", pg_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Tabella", "Righe", "SQLite"]
    table_lines = [line for line in lines[2:] if line.split()[0] in metadata.tables]
    assert len(table_lines) == len(metadata.tables)
    assert all(line.rstrip().endswith("uguale") for line in table_lines)
    assert "conteggi e impronte uguali" in out
    lite = sqlite3.connect(centre)
    with psycopg.connect(pg_url) as pg:
        # what the sync must never lose, read independently of the command's own check
        for sql, at_least in (
            ("SELECT * FROM conflict", 1),
            ("SELECT replica, expert_id, acked_seq, last_outbox FROM sync_replica", 2),
            ("SELECT * FROM sync_generation", 3),
            ("SELECT replica, seq, tbl, pk, field, value, hlc, generation FROM oplog", 10),
            ("SELECT * FROM suspension", 1),
            ("SELECT id, status, suspended_since, due_on FROM practice", 4),
            ("SELECT * FROM trust_device", 2),
            ("SELECT * FROM time_log", 3),
        ):
            assert _rows(pg, sql) == _rows(lite, sql), sql
            assert len(_rows(pg, sql)) >= at_least, sql
        (events,) = pg.execute("SELECT count(*) FROM trust_event").fetchone() or (0,)
        # the serial counter continues after the copied ids
        pg.execute(
            "INSERT INTO trust_event (at, outcome, reason) VALUES ('2026-12-01', 'prova', 'x')"
        )
        (last,) = pg.execute("SELECT max(id) FROM trust_event").fetchone() or (0,)
        # the suspension totals are kept by PostgreSQL's trigger from now on
        (pid, days) = pg.execute(
            "SELECT id, suspended_days FROM practice ORDER BY protocol_no LIMIT 1"
        ).fetchone() or ("", 0)
        pg.execute(
            "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at)"
            " VALUES ('nuova', %s, '2026-11-01', '2026-11-08', 'x', 'x')",
            (pid,),
        )
        after = pg.execute("SELECT suspended_days FROM practice WHERE id = %s", (pid,)).fetchone()
        assert after == (days + 7,)
    assert (
        last == max(events, lite.execute("SELECT max(id) FROM trust_event").fetchone()[0] or 0) + 1
    )
    lite.close()


def test_reporting_views_answer_the_same_on_both_back_ends(centre: Path, pg_url: str) -> None:
    report = migrating.migrate(centre, pg_url)
    assert report.equal
    lite = sqlite3.connect(centre)
    with psycopg.connect(pg_url) as pg:
        for view in reporting.VIEWS:
            assert _rows(pg, f"SELECT * FROM {view}") == _rows(lite, f"SELECT * FROM {view}"), view
        hours = pg.execute(
            "SELECT mese, registrazioni, minuti, ore FROM vista_ore_mensili "
            "WHERE comune_istat = %s ORDER BY mese",
            (COMUNE_A,),
        ).fetchall()
        running = pg.execute(
            "SELECT in_corso, aperte, sospese FROM vista_pratiche_aperte WHERE comune_istat = %s",
            (COMUNE_A,),
        ).fetchall()
    lite.close()
    assert hours == [("2026-10", 2, 135, Decimal("2.25")), ("2026-11", 1, 60, Decimal("1.00"))]
    assert [tuple(int(v) for v in row) for row in running] == [(3, 2, 1)]


def test_the_reader_role_reads_the_views_and_nothing_else(
    pg_server: PgServer, centre: Path, pg_url: str
) -> None:
    migrating.migrate(centre, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(reporting.reader_script())  # twice: the script can be run again
        conn.execute(reporting.reader_script())
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET ROLE taskforce_lettore")
        for view in reporting.VIEWS:
            conn.execute(f"SELECT * FROM {view}").fetchall()
    for table in metadata.tables:
        with psycopg.connect(pg_url) as conn:
            conn.execute("SET ROLE taskforce_lettore")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table} LIMIT 1")
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET ROLE taskforce_lettore")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE appunti (x text)")
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET ROLE taskforce_lettore")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT taskforce_add_days('2026-01-01', 1)")
    with psycopg.connect(pg_url) as conn:  # the owner still writes: generated column, trigger
        conn.execute(
            "INSERT INTO suspension (id, practice_id, start_on, end_on, created_at, updated_at)"
            " SELECT 'dopo', id, '2026-11-01', NULL, 'x', 'x' FROM practice LIMIT 1"
        )
        conn.execute("UPDATE practice SET legal_term_days = legal_term_days + 1")


def test_a_difference_is_reported(centre: Path, pg_url: str) -> None:
    """The check compares what the target holds after the commit: a row changed there
    makes that table, and only it, differ."""

    def meddle(label: str, fraction: float) -> None:
        if label == "verifica":
            with psycopg.connect(pg_url) as conn:
                conn.execute("UPDATE conflict SET other_value = '\"altro\"'")

    report = migrating.migrate(centre, pg_url, progress=meddle)
    assert not report.equal
    assert [t.table for t in report.tables if not t.equal] == ["conflict"]
    (changed,) = (t for t in report.tables if t.table == "conflict")
    assert changed.source_rows == changed.target_rows and changed.source_hash != changed.target_hash


def test_the_command_exits_1_and_names_the_tables_that_differ(
    centre: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrating.migrate

    def with_a_lost_row(source: Path, url: str, progress: Any = None) -> migrating.MigrationReport:
        report = real(source, url)
        tables = [
            migrating.TableCheck(t.table, t.source_rows, t.target_rows - 1, t.source_hash, "0")
            if t.table == "oplog"
            else t
            for t in report.tables
        ]
        return migrating.MigrationReport(report.target, tables)

    monkeypatch.setattr(migrating, "migrate", with_a_lost_row)
    code, out, err = run(capsys, "centrale", "migra", "--da", str(centre), "--a", pg_url)
    assert code == 1
    assert "DIVERSA" in out and "DIVERSA dall'originale in 1 tabelle: oplog" in err
    code, out, _ = run(capsys, "centrale", "migra", "--da", str(centre), "--a", pg_url, "--json")
    assert code == 2  # the target is no longer empty: refused before writing


def test_a_failed_copy_leaves_the_target_empty(centre: Path, pg_url: str) -> None:
    conn = sqlite3.connect(centre)
    conn.execute(
        "UPDATE time_log SET minutes = 'molti' WHERE rowid = (SELECT min(rowid) FROM time_log)"
    )
    conn.commit()
    conn.close()
    with pytest.raises(SyncError, match=r"si è fermata.*rimasto vuoto"):
        migrating.migrate(centre, pg_url)
    assert _our_tables(pg_url) == set()


def test_refusals_write_nothing(
    centre: Path,
    pg_server: PgServer,
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    laptop = tmp_path / "portatile.sqlite3"
    Store(laptop).close()
    code, _, err = run(capsys, "centrale", "migra", "--da", str(laptop), "--a", pg_url)
    assert code == 2 and "non è il database di un centro" in err
    code, _, err = run(capsys, "centrale", "migra", "--da", str(tmp_path / "no"), "--a", pg_url)
    assert code == 2 and "Nessun database" in err
    closed = pg_url.replace(f":{pg_server.port}/", ":1/")
    code, _, err = run(capsys, "centrale", "migra", "--da", str(centre), "--a", closed)
    assert code == 2 and "Non riesco a collegarmi" in err
    secret = pg_url.replace("postgres@", "postgres:segreta@").replace(f":{pg_server.port}/", ":1/")
    code, _, err = run(capsys, "centrale", "migra", "--da", str(centre), "--a", secret)
    assert code == 2 and "segreta" not in err and "***" in err
    assert _our_tables(pg_url) == set()
    code, _, err = run(
        capsys, "centrale", "migra", "--da", str(centre), "--a", "postgresql://h:x/d"
    )
    assert code == 2 and "non è un indirizzo PostgreSQL valido" in err
    code, _, err = run(capsys, "centrale", "migra", "--da", str(centre), "--a", "mysql://x/y")
    assert code == 2 and "non è l'indirizzo di un server PostgreSQL" in err
    code, _, err = run(capsys, "centrale", "migra", "--da", str(centre), "--a", str(tmp_path))
    assert code == 2 and "postgresql://utente@server" in err


def test_an_empty_host_takes_the_pg_variables(
    centre: Path,
    pg_server: PgServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = pg_server.new_database()
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(pg_server.port))
    monkeypatch.setenv("PGUSER", "postgres")
    code, out, err = run(
        capsys,
        "centrale",
        "migra",
        "--da",
        str(centre),
        "--a",
        f"postgresql:///{database}",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["equal"] is True and data["target"] == f"postgresql:///{database}"
    assert {t["table"] for t in data["tables"]} == set(metadata.tables)


def test_a_migrated_centre_answers_the_centre_commands_on_the_server(
    centre: Path,
    centre_template: Path,
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After `migra` the server is the centre: `stato` reads the same state there."""
    migrating.migrate(centre, pg_url)
    share = str(centre_template.parent / "share")
    home = ["--data-dir", str(tmp_path / "coord")]
    code, on_file, err = run(
        capsys, *home, "centrale", "stato", share, "--db", str(centre), "--json"
    )
    assert code == 0, err
    code, on_server, err = run(capsys, *home, "centrale", "stato", share, "--db", pg_url, "--json")
    assert code == 0, err
    a, b = json.loads(on_file), json.loads(on_server)
    assert b["database"] == migrating.shown(pg_url) and a["database"] == str(centre)
    for key in ("generation", "generations", "experts", "devices", "open_conflicts", "rejected"):
        assert a[key] == b[key], key
    assert a["generation"] == 5 and a["open_conflicts"] == 1


def test_the_sqlite_centre_has_the_views(centre: Path) -> None:
    conn = sqlite3.connect(centre)
    found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    conn.close()
    assert found == set(reporting.VIEWS)


# --- the semester indicators and the interventions per area, against the app's own figures

SERIATE = "016198"
PROVINCIA_BG = "UTS012"
_FIGURES = {  # view column -> Figures field (store/indicators.py)
    "avviati": "started",
    "conclusi_silenzio_assenso": "concluded_tacit",
    "conclusi_espresso": "concluded_express",
    "espressi_con_conferenza": "express_with_conference",
    "espressi_con_sospensione": "express_with_suspension",
    "conclusi": "concluded",
    "archiviati": "archived",
    "conclusi_oltre_termine": "concluded_late",
    "pendenti": "pending",
    "arretrato": "backlog",
    "giorni_totali": "duration_days_total",
    "giorni_netti_totali": "net_duration_days_total",
}


def _with_practices(centre: Path) -> None:
    """Practices of a Comune and of a Provincia over three semesters: concluded with and
    without suspensions, late or not, archived, open and late, suspended before and
    after their term, a suspension of no days, one deleted."""
    store = Store(centre)
    try:
        repo = store.practices

        def new(comune: str, kind: str, protocol: str, received: str, **kw: Any) -> str:
            return repo.create(
                comune_code=comune,
                procedure_type=kind,
                protocol_no=protocol,
                received_on=date.fromisoformat(received),
                **kw,
            ).id

        d = date.fromisoformat
        p1 = new(SERIATE, "scia", "S1", "2025-01-10")
        repo.conclude(p1, d("2025-02-20"), "favorevole")
        p2 = new(SERIATE, "scia", "S2", "2025-03-01", service_conference=True)
        repo.suspend(p2, d("2025-03-10"), "integrazione")
        repo.resume(p2, d("2025-05-10"))
        repo.conclude(p2, d("2025-07-15"), "favorevole")
        new(SERIATE, "scia", "S3", "2025-01-05")  # open, late from February 2025
        p4 = new(SERIATE, "scia", "S4", "2025-06-10")  # suspended within its term
        repo.suspend(p4, d("2025-06-20"), "parere")
        p4b = new(SERIATE, "scia", "S4b", "2025-01-15")  # suspended past its term
        repo.suspend(p4b, d("2025-03-01"), "parere")
        p5 = new(SERIATE, "scia", "S5", "2025-04-01")
        repo.conclude(p5, d("2025-06-30"), "silenzio_assenso")
        p6 = new(SERIATE, "scia", "S6", "2025-05-01")
        repo.archive(p6, d("2025-08-01"))
        p7 = new(SERIATE, "scia", "S7", "2025-09-01")
        repo.suspend(p7, d("2025-09-10"), "chiarimenti")
        repo.resume(p7, d("2025-09-10"))
        repo.conclude(p7, d("2026-01-20"), "sfavorevole")
        new(SERIATE, "scia", "S8", "2026-03-01")
        # suspended across the semester's end: 56 of its 118 days count at 30/06
        p10 = new(SERIATE, "scia", "S10", "2025-04-01")
        repo.suspend(p10, d("2025-05-05"), "parere")
        repo.resume(p10, d("2025-08-31"))
        repo.conclude(p10, d("2025-10-01"), "favorevole")
        repo.delete(new(SERIATE, "scia", "S9", "2025-02-01"))
        q1 = new(PROVINCIA_BG, "aua", "A1", "2025-02-01")
        repo.conclude(q1, d("2025-03-15"), "favorevole")
        new(PROVINCIA_BG, "aua", "A2", "2024-12-01")
    finally:
        store.close()


def _today(conn: Any) -> str:
    """The views' today on the back end of `conn`."""
    return reporting.TODAY_SQL["sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"]


def test_the_views_today_is_the_local_date_not_utc(
    centre: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a SQLite centre the views measure on the coordinator's date: CURRENT_DATE
    would be UTC's, a day behind in Italy between midnight and 1 (2 in summer). The two
    zones are 26 hours apart, so at any moment at least one of them is not on UTC's date."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is missing (Windows): the zone cannot be changed here")
    _with_practices(centre)
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):  # UTC+14, UTC-12
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        lite = sqlite3.connect(centre)
        try:
            (measured,) = lite.execute(
                "SELECT max(dati_al) FROM vista_indicatori_semestrali"
            ).fetchone()
        finally:
            lite.close()
        assert measured == datetime.now().date().isoformat(), zone


def _semester_rows(conn: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    cursor = conn.execute("SELECT * FROM vista_indicatori_semestrali")
    names = [c[0] for c in cursor.description]
    out = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        key = (record["semestre"], record["ente_codice"], record["tipo_procedimento"])
        assert key not in out, key
        out[key] = record
    return out


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _check_semesters(centre: Path, conn: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every row of the view equals the app's figures for its semester, measured on
    the database's own today, and the view has a row for every cell the app has."""
    from taskforce_tui.domain.dates import Semester
    from taskforce_tui.domain.indicators import as_of
    from taskforce_tui.store.indicators import IndicatorRepo

    view = _semester_rows(conn)
    (today_text,) = conn.execute(f"SELECT {_today(conn)}").fetchone()
    today = date.fromisoformat(today_text)
    store = Store(centre)
    try:
        repo, semester, app = IndicatorRepo(store), Semester(2024, 2), {}
        while semester.start <= today:
            day = as_of(semester, today)
            for (comune, kind), figures in repo.by_type(semester, None, today).items():
                app[(str(semester), comune, kind)] = (figures, day)
            semester = semester.next()
    finally:
        store.close()
    assert sorted(view) == sorted(app)
    for key, (figures, day) in app.items():
        row = view[key]
        got = {column: int(row[column]) for column in _FIGURES}
        assert got == {c: getattr(figures, f) for c, f in _FIGURES.items()}, key
        for column, mean in (
            ("durata_media_gg", figures.avg_duration),
            ("durata_netta_media_gg", figures.avg_net_duration),
        ):
            if mean is None:
                assert row[column] is None, (key, column)
            else:
                assert _plain(row[column]) == pytest.approx(mean, abs=0.05), (key, column)
        assert row["dati_al"] == day.isoformat(), key
        assert row["semestre_chiuso"] == int(day == Semester.parse(key[0]).end), key
    return view


def test_the_semester_view_gives_the_apps_indicators(centre: Path, pg_url: str) -> None:
    _with_practices(centre)
    lite = sqlite3.connect(centre)  # a plain connection: no function of the app needed
    on_file = _check_semesters(centre, lite)
    lite.close()
    # hand-checked (docs/indicators.md): Seriate's SCIA (30 days) at the end of 2025-H1
    h1 = on_file[("2025-H1", SERIATE, "scia")]
    assert (h1["avviati"], h1["conclusi"], h1["giorni_totali"], _plain(h1["durata_media_gg"])) == (
        8,
        2,
        131,
        65.5,
    )
    # pending: S2 S3 S4 S4b S6 S10; past the term: all but S4 (suspended 10 days)
    assert (h1["pendenti"], h1["arretrato"], h1["conclusi_oltre_termine"]) == (6, 5, 2)
    h2 = on_file[("2025-H2", SERIATE, "scia")]
    assert (h2["conclusi_espresso"], h2["espressi_con_conferenza"]) == (2, 1)
    assert (h2["espressi_con_sospensione"], h2["giorni_totali"], h2["giorni_netti_totali"]) == (
        2,
        136 + 183,
        75 + 65,
    )
    assert (h2["archiviati"], h2["pendenti"], h2["arretrato"]) == (1, 4, 3)
    ente = on_file[("2025-H1", PROVINCIA_BG, "aua")]
    assert (ente["tipo_ente"], ente["conclusi"], ente["arretrato"]) == ("provincia", 1, 1)
    assert ("2024-H2", PROVINCIA_BG, "aua") in on_file

    assert migrating.migrate(centre, pg_url).equal
    with psycopg.connect(pg_url) as pg:
        on_server = _check_semesters(centre, pg)
    assert on_server.keys() == on_file.keys()


def _with_interventions(centre: Path) -> None:
    """Three areas: one with three interventions (two snapshots, the later one in force;
    a snapshot that changes the total; none at all), one with one (and one deleted),
    one with none; phases late by not ending, ended late, on time, still ahead."""
    from taskforce_tui.store.aree import AreaInput, AreaRepo

    d = date.fromisoformat
    store = Store(centre)
    try:
        with store.write() as tx:
            AreaRepo.apply_areas(
                tx,
                [
                    AreaInput("AI01", "Alta Valle", "snai", SERIATE, [SERIATE]),
                    AreaInput("AI02", "Oltrepò", "regionale", None, [COMUNE_A]),
                    AreaInput("AI03", "Senza interventi", "regionale", None, []),
                ],
            )
        repo = store.interventions
        one = repo.create(
            cup="E21B22000310001",
            title="Scuola",
            area="AI01",
            total_cents=100_000_000,
            funding={"FESR": 60_000_000, "regionale": 40_000_001},
        ).id
        repo.add_snapshot(one, ref_date=d("2025-06-30"), committed_cents=10_000_000, paid_cents=1)
        repo.add_snapshot(
            one, ref_date=d("2026-03-31"), committed_cents=33_333_333, paid_cents=12_345_678
        )
        for phase, planned, actual in (
            ("fattibilita", "2025-03-31", "2025-04-15"),  # ended late
            ("progettazione_definitiva", "2025-09-30", None),  # late, not ended
            ("affidamento", "2025-05-01", "2025-04-20"),  # on time
            ("lavori", "2099-12-31", None),  # ahead
        ):
            repo.set_phase(
                one,
                phase,
                planned_end=d(planned),
                actual_end=d(actual) if actual else None,
            )
        two = repo.create(
            cup="E21B22000310002", title="Strada", area="AI01", total_cents=50_000_000
        ).id
        repo.add_snapshot(
            two,
            ref_date=d("2026-01-15"),
            total_cents=55_555_555,
            committed_cents=20_000_000,
            paid_cents=0,
        )
        repo.create(cup="E21B22000310003", title="Studio", area="AI01", total_cents=12_345)
        four = repo.create(
            cup="F11C23000000004",
            title="Ambulatorio",
            area="AI02",
            total_cents=7_777_777,
            funding={"nazionale": 7_777_777},
        ).id
        repo.add_snapshot(
            four, ref_date=d("2026-02-01"), committed_cents=7_777_777, paid_cents=3_888_888
        )
        repo.set_phase(four, "lavori", planned_end=d("2026-01-31"), actual_end=d("2026-02-28"))
        repo.set_funding(four, "altro", 123)
        with store.write() as tx:  # a funding row withdrawn: its tombstone counts nothing
            tx.delete("intervention_funding", f"{four}:altro")
        gone = repo.create(cup="F11C23000000005", title="Ritirato", area="AI02", total_cents=99)
        repo.delete(gone.id)
    finally:
        store.close()


def _check_areas(centre: Path, conn: Any) -> dict[str, dict[str, Any]]:
    """Every row of the view equals store/aree.py's summary of its area on the
    database's own today, to the cent; euros are the cents / 100."""
    cursor = conn.execute("SELECT * FROM vista_interventi_per_area")
    names = [c[0] for c in cursor.description]
    view = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    (today_text,) = conn.execute(f"SELECT {_today(conn)}").fetchone()
    store = Store(centre)
    try:
        repo = store.interventions
        rows = repo.rows(on=date.fromisoformat(today_text))
        summaries = repo.summaries(on=date.fromisoformat(today_text))
        funded: dict[str, int] = {}
        for r in rows:
            cents = sum(f.amount_cents for f in repo.find(r.id).funding)
            funded[r.area_code] = funded.get(r.area_code, 0) + cents
    finally:
        store.close()
    assert sorted(view) == sorted(s.area.code for s in summaries)
    for s in summaries:
        row = view[s.area.code]
        assert (row["area"], row["tipo_area"]) == (s.area.name, s.area.kind)
        cents = {
            "programmato": s.programmed_cents,
            "finanziato": funded.get(s.area.code, 0),
            "impegnato": s.committed_cents,
            "pagato": s.paid_cents,
        }
        for name, value in cents.items():
            assert int(row[f"{name}_cent"]) == value, (s.area.code, name)
            assert Decimal(str(row[f"{name}_euro"])) == Decimal(value) / 100, (s.area.code, name)
        assert (int(row["interventi"]), int(row["fasi_in_ritardo"])) == (
            s.interventions,
            s.late_phases,
        )
        for column, percent in (
            ("impegnato_pct", s.committed_percent),
            ("pagato_pct", s.paid_percent),
        ):
            assert (None if row[column] is None else _plain(row[column])) == percent, column
    return view


def test_the_interventions_view_gives_the_apps_figures_per_area(centre: Path, pg_url: str) -> None:
    _with_interventions(centre)
    lite = sqlite3.connect(centre)
    on_file = _check_areas(centre, lite)
    lite.close()
    # hand-checked: the later snapshot of the school, the road's new total, the study's
    # programmed amount without a snapshot
    ai01 = on_file["AI01"]
    assert ai01["programmato_cent"] == 100_000_000 + 55_555_555 + 12_345
    assert (ai01["impegnato_cent"], ai01["pagato_cent"]) == (53_333_333, 12_345_678)
    assert (ai01["finanziato_cent"], _plain(ai01["finanziato_euro"])) == (100_000_001, 1000000.01)
    assert (_plain(ai01["impegnato_pct"]), _plain(ai01["pagato_pct"])) == (34.3, 7.9)
    assert (ai01["interventi"], ai01["fasi_in_ritardo"], ai01["interventi_monitorati"]) == (3, 2, 2)
    assert ai01["ultimo_monitoraggio"] == "2026-03-31"
    ai02 = on_file["AI02"]
    assert ai02["finanziato_cent"] == 7_777_777
    assert (ai02["interventi"], ai02["fasi_in_ritardo"], _plain(ai02["pagato_euro"])) == (
        1,
        1,
        38888.88,
    )
    assert (on_file["AI03"]["interventi"], on_file["AI03"]["impegnato_pct"]) == (0, None)

    assert migrating.migrate(centre, pg_url).equal
    with psycopg.connect(pg_url) as pg:
        on_server = _check_areas(centre, pg)
    assert on_server.keys() == on_file.keys()


def test_opening_the_centre_again_leaves_its_views_alone(centre: Path) -> None:
    conn = sqlite3.connect(centre, isolation_level=None)
    try:
        (before,) = conn.execute("PRAGMA schema_version").fetchone()
        reporting.ensure_views(conn)
        assert conn.execute("PRAGMA schema_version").fetchone() == (before,)
        conn.execute("DROP VIEW vista_interventi_per_area")  # an older version's file
        reporting.ensure_views(conn)
        found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    finally:
        conn.close()
    assert found == set(reporting.VIEWS)


def test_a_value_that_is_not_a_date_breaks_no_view(centre: Path, pg_url: str) -> None:
    """The merge does not check the shape of dates: a bad one counts no days (as SQLite's
    julianday answers) and never makes a view fail on PostgreSQL, which refuses to cast
    it."""
    _with_practices(centre)
    lite = sqlite3.connect(centre, isolation_level=None)
    before = _semester_rows(lite)
    for pk, received, status, concluded in (
        ("rotta", "2025-02-01", "conclusa", "ieri"),
        ("storta", "2025-01-0x", "aperta", None),
    ):
        lite.execute(
            "INSERT INTO practice (id, comune_code, ambito, procedure_type, protocol_no, "
            "received_on, legal_term_days, status, concluded_on, outcome, created_at, "
            "updated_at) VALUES (?, ?, 'edilizia', 'pas', ?, ?, 30, ?, ?, 'favorevole', "
            "'x', 'x')",
            (pk, COMUNE_B, pk, received, status, concluded),
        )
    (open_one,) = lite.execute("SELECT id FROM practice WHERE protocol_no = 'S3'").fetchone()
    lite.execute(
        "INSERT INTO suspension (id, practice_id, start_on, created_at, updated_at) "
        "VALUES ('boh', ?, 'boh', 'x', 'x')",
        (open_one,),
    )
    after = _semester_rows(lite)
    assert {k: v for k, v in after.items() if k[1:] != (COMUNE_B, "pas")} == before
    lite.close()
    report = migrating.migrate(centre, pg_url)
    assert report.equal, [t for t in report.tables if t.source_hash != t.target_hash]
    lite = sqlite3.connect(centre)
    with psycopg.connect(pg_url) as pg:
        for view in reporting.VIEWS:
            assert _rows(pg, f"SELECT * FROM {view}") == _rows(lite, f"SELECT * FROM {view}"), view
    lite.close()

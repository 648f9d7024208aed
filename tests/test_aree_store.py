"""Aree Interne in the store: migration, CUP and amounts, interventions, snapshots,
figures per area to the cent, op-logging."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.domain import aree as A
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.store import reference
from taskforce_tui.store.aree import InterventionFilter
from taskforce_tui.store.db import Store
from taskforce_tui.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.aree_helpers import intervention, with_areas


# --- migration ------------------------------------------------------------------------------------
def _old_database(path: Path) -> None:
    """A database of the schema before issue 15, with practices, requests, time logs."""
    conn = sqlite3.connect(path, isolation_level=None)
    for index in range(SCHEMA_VERSION - 1):
        conn.executescript(
            f"BEGIN;\n{MIGRATIONS[index]}\nPRAGMA user_version = {index + 1};\nCOMMIT;"
        )
    reference.seed(conn)
    stamp = "2026-10-01T08:00:00Z"
    conn.execute(
        "INSERT INTO expert(id, name, email, created_at, updated_at) VALUES "
        "('x1', 'Anna', 'anna@example.it', ?, ?)",
        (stamp, stamp),
    )
    for i in range(30):
        conn.execute(
            "INSERT INTO practice(id, comune_code, ambito, procedure_type, protocol_no, subject, "
            "received_on, legal_term_days, status, expert_id, created_at, updated_at) "
            "VALUES (?, '016024', 'edilizia', 'permesso_costruire', ?, ?, '2026-03-01', 60, "
            "'aperta', 'x1', ?, ?)",
            (f"p{i}", f"{i}/2026", f"oggetto {i}", stamp, stamp),
        )
        conn.execute(
            "INSERT INTO request(id, comune_code, kind, subject, opened_on, status, created_at, "
            "updated_at) VALUES (?, '016024', 'tecnica', ?, '2026-03-02', 'nuova', ?, ?)",
            (f"r{i}", f"richiesta {i}", stamp, stamp),
        )
        conn.execute(
            "INSERT INTO time_log(id, expert_id, work_date, minutes, comune_code, activity, mode, "
            "practice_id, created_at, updated_at) VALUES (?, 'x1', '2026-03-03', ?, '016024', "
            "'istruttoria', 'presenza', ?, ?, ?)",
            (f"t{i}", 30 + i, f"p{i}", stamp, stamp),
        )
    conn.close()


def _rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    # the Province added by the migration are the only new rows of `comune`
    where = "WHERE istat_code NOT LIKE 'UTS%'" if table == "comune" else ""
    return conn.execute(
        f"SELECT {', '.join(columns)} FROM {table} {where} ORDER BY 1, 2"
    ).fetchall()


def test_migration_keeps_every_practice_request_and_time_log(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    _old_database(db)
    old = sqlite3.connect(db)
    assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION - 1
    before = {}
    for table in ("practice", "request", "time_log", "comune", "suspension", "oplog"):
        cols = [r[1] for r in old.execute(f"PRAGMA table_info({table})")]
        before[table] = (cols, _rows(old, table, cols))
    old.close()
    with Store(db) as s:
        assert s.migrated == 1
        with s.read() as conn:
            for table, (cols, rows) in before.items():
                assert _rows(conn, table, cols) == rows, table
            assert conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0] == 30
            assert conn.execute(
                "SELECT COUNT(*) FROM time_log WHERE intervention_id IS NULL"
            ).fetchone() == (30,)
            provinces = dict(
                conn.execute("SELECT province, name FROM comune WHERE kind != 'comune'")
            )
            assert conn.execute("SELECT COUNT(*) FROM comune WHERE kind = 'comune'").fetchone() == (
                1502,
            )
        assert len(provinces) == 12
        assert provinces["MI"] == "Città Metropolitana di Milano"
        assert provinces["BG"] == "Provincia di Bergamo"
        # the migrated practices still work through the repositories
        assert s.practices.get("p3") is not None


def test_provinces_match_the_istat_uts_codes(store: Store) -> None:
    from taskforce_tui.store.reference import packaged_comuni

    uts = {(f"UTS{c.istat_code[:3]}", c.province) for c in packaged_comuni()}
    with store.read() as conn:
        enti = set(conn.execute("SELECT istat_code, province FROM comune WHERE kind != 'comune'"))
    # every sigla has exactly one ente; the UTS code is the Comuni's province code except
    # for the Città Metropolitana di Milano (UTS 215, Comuni 015...)
    assert {p for _, p in enti} == {p for _, p in uts}
    assert ("UTS016", "BG") in enti and ("UTS215", "MI") in enti and ("UTS108", "MB") in enti
    assert enti - uts == {("UTS215", "MI")}


# --- validation -----------------------------------------------------------------------------------
def test_cup_is_upper_cased_and_checked() -> None:
    assert A.normalize_cup(" e21b22000310006 ") == "E21B22000310006"
    for bad, why in (
        ("E21B2200031000", "14 caratteri"),
        ("E21B220003100067", "16 caratteri"),
        ("E21B22-00310006", "lettere o cifre"),
        ("", "Manca il CUP"),
    ):
        with pytest.raises(DomainError, match=why):
            A.normalize_cup(bad)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1.234.567,89", 123456789),
        ("1234567.89", 123456789),
        ("1234567,89", 123456789),
        ("1,234,567.89", 123456789),
        ("€ 12.000", 1200000),
        ("12000", 1200000),
        ("0,5", 50),
        (1500.25, 150025),
        (7, 700),
    ],
)
def test_amounts_italian_or_plain(text: object, cents: int) -> None:
    assert A.parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-5", "1,2,3.4.5", "12.3456", "dodici", "1.234,567"])
def test_bad_amounts_are_refused_in_italian(text: str) -> None:
    with pytest.raises(DomainError, match="Importo"):
        A.parse_amount(text)


def test_euro_formatting() -> None:
    assert A.euro(123456789) == "1.234.567,89 €"
    assert A.euro(5) == "0,05 €"
    assert A.euro_plain(123456789) == "1234567.89"


# --- interventions ---------------------------------------------------------------------------
def test_create_and_find_by_cup(store: Store) -> None:
    with_areas(store)
    item = intervention(store)
    assert item.cup == "E21B22000310006"
    assert {f.source: f.amount_cents for f in item.funding} == {
        "FESR": 50_000_00,
        "regionale": 50_000_00,
    }
    assert store.interventions.find("e21b22000310006").id == item.id
    with pytest.raises(DomainError, match="Esiste già un intervento con CUP"):
        intervention(store)
    with pytest.raises(NotFoundError, match="Nessun intervento con CUP"):
        store.interventions.find("X" * 15)
    with pytest.raises(DomainError, match="CUP non valido"):
        store.interventions.find("abc")


def test_bad_input_changes_nothing(store: Store) -> None:
    with_areas(store)
    before = store.pending_ops()
    with pytest.raises(DomainError, match="CUP non valido"):
        store.interventions.create(cup="E21B2", title="x", area="AI01")
    with pytest.raises(NotFoundError, match="Area sconosciuta"):
        store.interventions.create(cup="E21B22000310006", title="x", area="ZZ")
    with pytest.raises(NotFoundError, match="Comune sconosciuto"):
        store.interventions.create(
            cup="E21B22000310006", title="x", area="AI01", comuni=["Atlantide"]
        )
    with pytest.raises(NotFoundError, match="Ente sconosciuto"):
        store.interventions.create(cup="E21B22000310006", title="x", area="AI01", ente="Boh")
    with pytest.raises(DomainError, match="fine prevista precede"):
        store.interventions.create(
            cup="E21B22000310006",
            title="x",
            area="AI01",
            start_on=date(2026, 5, 1),
            end_planned_on=date(2026, 1, 1),
        )
    assert store.pending_ops() == before
    assert store.interventions.rows() == []


def test_implementing_body_can_be_a_provincia_or_a_comune(store: Store) -> None:
    with_areas(store)
    a = store.interventions.create(
        cup="E21B22000310006", title="Strada", area="AI01", ente="Provincia di Bergamo"
    )
    b = store.interventions.create(cup="E21B22000310007", title="Scuola", area="AI01", ente="BG")
    c = store.interventions.create(cup="E21B22000310008", title="Asilo", area="AI01", ente="Branzi")
    assert (a.ente_code, b.ente_code, c.ente_code) == ("UTS016", "UTS016", "016036")
    assert store.aree.ente_name("016036") == "Branzi"


def test_a_later_snapshot_never_erases_an_earlier_one(store: Store) -> None:
    with_areas(store)
    item = intervention(
        store,
        snapshots=(
            (date(2026, 3, 31), 10_000_00, 2_000_00),
            (date(2026, 6, 30), 40_000_00, 9_000_00),
        ),
    )
    later = store.interventions.add_snapshot(
        item.id, ref_date=date(2026, 10, 31), committed_cents=60_000_00, paid_cents=30_000_00
    )
    assert [s.ref_date for s in later.snapshots] == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 10, 31),
    ]
    # the figures in force on a date are those of the last snapshot up to it
    (row,) = store.interventions.rows(on=date(2026, 7, 15))
    assert (row.committed_cents, row.paid_cents) == (40_000_00, 9_000_00)
    (row,) = store.interventions.rows()
    assert (row.committed_cents, row.paid_cents) == (60_000_00, 30_000_00)
    # the same date corrects that snapshot only
    store.interventions.add_snapshot(
        item.id, ref_date=date(2026, 6, 30), committed_cents=41_000_00, paid_cents=9_000_00
    )
    snaps = store.interventions.find(item.id).snapshots
    assert [s.committed_cents for s in snaps] == [10_000_00, 41_000_00, 60_000_00]
    with pytest.raises(DomainError, match="nel futuro"):
        store.interventions.add_snapshot(
            item.id, ref_date=date(2027, 1, 1), committed_cents=1, paid_cents=1
        )


def test_area_figures_agree_to_the_cent_with_their_rows(store: Store) -> None:
    with_areas(store)
    amounts = [(123_456_78, 33_333_33, 11_111_11), (98_765_43, 12_345_67, 1), (1, 0, 0)]
    for i, (total, committed, paid) in enumerate(amounts):
        intervention(
            store,
            cup=f"E21B2200031000{i}",
            total=total,
            snapshots=((date(2026, 9, 30), committed, paid),),
        )
    intervention(store, cup="F11C23000000001", area="AI02", total=5_00)
    summaries = {s.area.code: s for s in store.interventions.summaries()}
    rows = store.interventions.rows(InterventionFilter(area="AI01"))
    assert summaries["AI01"].programmed_cents == sum(r.programmed_cents for r in rows)
    assert summaries["AI01"].programmed_cents == 123_456_78 + 98_765_43 + 1
    assert summaries["AI01"].committed_cents == 33_333_33 + 12_345_67
    assert summaries["AI01"].paid_cents == 11_111_11 + 1
    assert summaries["AI01"].interventions == 3
    assert summaries["AI02"].programmed_cents == 5_00
    assert summaries["AI02"].paid_percent == 0.0


def test_phases_late_against_their_planned_dates(store: Store) -> None:
    with_areas(store)
    item = intervention(store)
    repo = store.interventions
    # open after its planned end (today is 2026-11-20): late
    repo.set_phase(item.id, "progettazione_esecutiva", planned_end=date(2026, 9, 30))
    # closed after its planned end: late
    repo.set_phase(
        item.id, "affidamento", planned_end=date(2026, 6, 30), actual_end=date(2026, 7, 20)
    )
    # closed on time, and a phase still in the future: not late
    repo.set_phase(
        item.id, "fattibilita", planned_end=date(2026, 3, 31), actual_end=date(2026, 3, 30)
    )
    full = repo.set_phase(item.id, "Lavori", planned_start=date(2027, 1, 1))
    late = {p.phase: p.days_late(date(2026, 11, 20)) for p in full.phases}
    assert late == {
        "fattibilita": 0,
        "progettazione_esecutiva": 51,
        "affidamento": 20,
        "lavori": 0,
    }
    assert [p.phase for p in full.phases] == [
        "fattibilita",
        "progettazione_esecutiva",
        "affidamento",
        "lavori",
    ]
    (row,) = repo.rows()
    assert row.late_phases == 2
    with pytest.raises(DomainError, match="Fase sconosciuta"):
        repo.set_phase(item.id, "pausa caffè", planned_end=date(2026, 1, 1))
    with pytest.raises(DomainError, match="la fine precede l'inizio"):
        repo.set_phase(item.id, "lavori", planned_end=date(2026, 12, 1))


def test_every_edit_is_op_logged_and_replays(store: Store) -> None:
    with_areas(store)
    item = intervention(store, snapshots=((date(2026, 9, 30), 5_00, 1_00),))
    store.interventions.update(item.id, status="in corso", title="Nuovo titolo")
    with store.read() as conn:
        ops = conn.execute(
            "SELECT tbl, field, value FROM oplog WHERE tbl LIKE 'intervention%' ORDER BY seq"
        ).fetchall()
    tables = {t for t, _, _ in ops}
    assert tables == {"intervention", "intervention_funding", "intervention_snapshot"}
    assert ("intervention", "status", '"in corso"') in ops
    assert ("intervention", "cup", '"E21B22000310006"') in ops


def test_links_from_practice_request_and_time_log(expert_store: Store) -> None:
    store = with_areas(expert_store)
    item = intervention(store)
    practice = store.practices.create(
        comune_code="016024",
        procedure_type="permesso_costruire",
        protocol_no="1/2026",
        received_on=date(2026, 10, 1),
    )
    store.interventions.link("practice", practice.id, item.cup)
    assert store.interventions.linked(item.id) == {"practice": 1, "request": 0, "time_log": 0}
    store.interventions.link("practice", practice.id, None)
    assert store.interventions.linked(item.id)["practice"] == 0
    with pytest.raises(NotFoundError):
        store.interventions.link("practice", practice.id, "Z" * 15)
    # a practice of a Comune not assigned (read-only on this laptop) cannot be linked
    with store.bulk() as conn:
        conn.execute(
            "INSERT INTO practice(id, comune_code, ambito, procedure_type, protocol_no, "
            "received_on, legal_term_days, status, created_at, updated_at) VALUES "
            "('other', '015146', 'edilizia', 'permesso_costruire', '9/2026', '2026-10-01', 60, "
            "'aperta', 'x', 'x')"
        )
    before = store.pending_ops()
    with pytest.raises(DomainError, match="non è tra i tuoi Comuni"):
        store.interventions.link("practice", "other", item.cup)
    assert store.pending_ops() == before


# --- the demo --------------------------------------------------------------------------------
def test_demo_has_two_labelled_areas_and_forty_interventions(demo_store: Store) -> None:
    areas = demo_store.aree.all()
    assert [a.code for a in areas] == ["DEMO-BREMBANA", "DEMO-OLTREPO"]
    assert all("dati dimostrativi" in a.name for a in areas)
    rows = demo_store.interventions.rows()
    assert len(rows) == 40 and all(r.cup.startswith("DEMO") for r in rows)
    with demo_store.read() as conn:
        comuni = {c for (c,) in conn.execute("SELECT istat_code FROM comune")}
    assert all(
        set(r.comuni) <= comuni
        and set(r.comuni) <= set(next(a for a in areas if a.code == r.area_code).members)
        for r in rows
    )
    late = [r for r in rows if r.late_phases]
    assert 8 <= len(late) <= 32  # a spread of late and on-time interventions
    item = demo_store.interventions.find(rows[0].id)
    assert item.notes.startswith("Dati dimostrativi")
    assert len(item.phases) == 7 and item.funding
    assert sum(f.amount_cents for f in item.funding) == item.total_cents
    # the demo expert follows both areas, so the demo can be edited
    assert demo_store.aree.assigned_codes(demo_store.expert_id) == {a.code for a in areas}


def test_demo_areas_are_deterministic_with_the_seed(tmp_path: Path) -> None:
    from taskforce_tui.store.aree_dataset import generate_aree

    results = []
    for name in ("a", "b", "c"):
        with Store(tmp_path / name / "t.sqlite3") as s:
            generate_aree(s, seed=7 if name != "c" else 8, today=date(2026, 11, 20))
            results.append(
                [(r.cup, r.title, r.paid_cents, r.late_phases) for r in s.interventions.rows()]
            )
    assert results[0] == results[1] and results[0] != results[2]


def test_area_totals_are_the_sums_of_each_intervention_latest_snapshot(store: Store) -> None:
    """The per-area totals (one aggregate query) against a sum written out here from the
    snapshots themselves: for each intervention the last one dated on or before the day,
    its cost if it restates it, its status if it says one."""
    with_areas(store)
    on = date(2026, 10, 15)  # today is 2026-11-20: the snapshot of 31/10 is after it
    plans = [  # (area, total, [(ref, committed, paid, total or None, status or None)])
        ("AI01", 500_000_01, [(date(2026, 3, 31), 10_000_00, 3_333_33, None, None)]),
        (
            "AI01",
            250_000_00,
            [
                (date(2026, 6, 30), 20_000_00, 5_000_00, None, "in corso"),
                (date(2026, 9, 30), 120_000_07, 60_000_03, 260_000_00, "in corso"),
                (date(2026, 10, 31), 999_999_99, 999_999_99, None, "concluso"),  # later
            ],
        ),
        ("AI01", 75_000_00, []),  # no snapshot: its own cost, nothing committed
        ("AI02", 10_00, [(date(2026, 9, 30), 10_00, 9_99, None, "concluso")]),
    ]
    expected: dict[str, list[int]] = {"AI01": [0, 0, 0, 0], "AI02": [0, 0, 0, 0]}
    statuses: dict[str, dict[str, int]] = {"AI01": {}, "AI02": {}}
    for n, (area, total, snapshots) in enumerate(plans):
        item = intervention(store, cup=f"E21B2200031{n:04d}", area=area, total=total)
        for ref, committed, paid, restated, status in snapshots:
            store.interventions.add_snapshot(
                item.id,
                ref_date=ref,
                committed_cents=committed,
                paid_cents=paid,
                total_cents=restated,
                status=status,
            )
        in_force = [s for s in snapshots if s[0] <= on]
        latest = max(in_force, key=lambda s: s[0]) if in_force else None
        figures = expected[area]
        figures[0] += 1
        figures[1] += latest[3] or total if latest else total
        figures[2] += latest[1] if latest else 0
        figures[3] += latest[2] if latest else 0
        status = (latest[4] if latest else None) or "non avviato"
        statuses[area][status] = statuses[area].get(status, 0) + 1
    summaries = {s.area.code: s for s in store.interventions.summaries(on=on)}
    for code, (count, programmed, committed, paid) in expected.items():
        s = summaries[code]
        assert (s.interventions, s.programmed_cents, s.committed_cents, s.paid_cents) == (
            count,
            programmed,
            committed,
            paid,
        )
        assert s.by_status == statuses[code]
        rows = store.interventions.rows(InterventionFilter(area=code), on=on)
        assert s.paid_cents == sum(r.paid_cents for r in rows)
    assert summaries["AI01"].programmed_cents == 500_000_01 + 260_000_00 + 75_000_00
    assert summaries["AI01"].paid_cents == 3_333_33 + 60_000_03
    # one area only
    (only,) = store.interventions.summaries(on=on, area="AI02")
    assert (only.area.code, only.paid_cents) == ("AI02", 9_99)


def test_interventions_filtered_and_paged_in_sql(store: Store) -> None:
    with_areas(store)
    repo = store.interventions
    for n in range(7):
        intervention(store, cup=f"E21B2200031{n:04d}", area="AI01" if n < 5 else "AI02")
    repo.update("E21B22000310003", title="Funivia di Carona: più posti")
    repo.set_phase("E21B22000310004", "lavori", planned_end=date(2026, 1, 31))
    repo.add_snapshot(
        "E21B22000310005",
        ref_date=date(2026, 9, 30),
        committed_cents=1,
        paid_cents=0,
        status="concluso",
    )
    everything = [r.cup for r in repo.rows()]
    pages = [r.cup for offset in (0, 3, 6) for r in repo.rows(limit=3, offset=offset)]
    assert pages == everything and len(everything) == 7 == repo.count()
    # text: accents and case ignored, in the CUP, the title or the area code
    for text in ("PIU POSTI", "funivia", "0310003"):
        flt = InterventionFilter(text=text)
        assert [r.cup for r in repo.rows(flt)] == ["E21B22000310003"] and repo.count(flt) == 1
    assert repo.count(InterventionFilter(text="ai02")) == 2
    late = InterventionFilter(late=True)
    assert (
        [r.cup for r in repo.rows(late)]
        == ["E21B22000310004"]
        == [r.cup for r in repo.rows(InterventionFilter(area="AI01", late=True))]
    )
    assert repo.count(late) == 1
    # the status in force is the last snapshot's
    done = InterventionFilter(status="concluso")
    assert [r.cup for r in repo.rows(done)] == ["E21B22000310005"] and repo.count(done) == 1
    assert repo.count(InterventionFilter(area="AI02", status="non avviato")) == 1
    assert repo.count(InterventionFilter(text="nulla di simile")) == 0

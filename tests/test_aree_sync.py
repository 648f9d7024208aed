"""Aree Interne through the sync: areas and area assignments come from the centre,
interventions and snapshots from the experts of the area; the merge enforces it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.store.db import new_id
from taskforce_tui.sync.central import People
from taskforce_tui.sync.people import AreaRow, AssignmentRow, EnteRow, read_areas
from tests.sync_helpers import COMUNE_A, COMUNE_B, World

#: the centre on its SQLite file and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("centre_backend")


def _people(n: int) -> People:
    assignments = [
        AssignmentRow(f"e{i}@example.it", COMUNE_A, None, None, None, i) for i in range(n)
    ]
    assignments += [
        AssignmentRow(f"e{i}@example.it", COMUNE_B, None, None, None, 100 + i)
        for i in range(0, n, 2)
    ]
    assignments.append(AssignmentRow("e0@example.it", "", None, None, None, 200, "AI01"))
    areas = [
        AreaRow("AI01", "Alta Valle Brembana", "snai", "Piazza Brembana", ("Branzi",), 2),
        AreaRow("AI02", "Oltrepò", "regionale", None, ("018171",), 3),
    ]
    enti = [EnteRow("UCBREM", "Unione Alta Valle", "unione", ("016036", "016103"), 2)]
    return People(None, assignments, areas, enti)


def test_areas_from_the_centre_and_interventions_by_area(tmp_path: Path) -> None:
    world = World(tmp_path, 2)
    try:
        world.merge(people=_people(2))
        world.full_round()
        anna, bruno = world.laptops
        # reference data reached both laptops
        for s in (anna, bruno):
            assert [a.code for a in s.aree.all()] == ["AI01", "AI02"]
            assert s.aree.get("AI01").members == ["016164", "016036"]
            assert s.aree.resolve_ente("UCBREM").members == ["016036", "016103"]
            assert s.comuni.resolve("Unione Alta Valle").kind == "unione"
        # Anna is assigned AI01: she creates an intervention and a snapshot
        item = anna.interventions.create(
            cup="e21b22000310006", title="Rifugio", area="AI01", total_cents=250_000_00
        )
        anna.interventions.add_snapshot(
            item.id, ref_date=date(2026, 10, 31), committed_cents=100_000_00, paid_cents=5_00
        )
        # Bruno is not: the app refuses, and an op forced past it is refused by the merge
        with pytest.raises(DomainError, match="non ti è assegnata"):
            bruno.interventions.create(cup="E21B22000310007", title="x", area="AI01")
        with bruno.write() as tx:
            tx.insert(
                "intervention",
                {"id": new_id(), "cup": "E21B22000310007", "title": "x", "area_code": "AI01"},
            )
        # nor may an expert change the area list
        with anna.write() as tx:
            tx.update("area", "AI02", {"name": "Rinominata"})
        world.full_round()
        with world.central.store.read() as conn:
            cups = [r[0] for r in conn.execute("SELECT cup FROM intervention ORDER BY cup")]
            snaps = conn.execute(
                "SELECT committed_cents, paid_cents FROM intervention_snapshot"
            ).fetchall()
            reasons = sorted(
                r[0] for r in conn.execute("SELECT DISTINCT reason FROM sync_rejected")
            )
            area_name = conn.execute("SELECT name FROM area WHERE code = 'AI02'").fetchone()[0]
        assert cups == ["E21B22000310006"]
        assert snaps == [(100_000_00, 5_00)]
        assert area_name == "Oltrepò"
        assert "area AI01 non assegnata all'esperto" in reasons
        assert any("Segreteria Tecnica" in r for r in reasons)
        # Bruno's extract carries no intervention of an area not his
        assert "E21B22000310006" not in {r.cup for r in bruno.interventions.rows()}
        (row,) = anna.interventions.rows()
        assert (row.cup, row.paid_cents) == ("E21B22000310006", 5_00)
    finally:
        world.close()


def test_a_bad_areas_file_is_refused_and_nothing_written(tmp_path: Path) -> None:
    world = World(tmp_path, 1)
    try:
        bad = tmp_path / "aree.csv"
        bad.write_text("codice;nome;tipo;comuni\nAI01;Valle;snai;Atlantide\n", encoding="utf-8")
        with pytest.raises(DomainError, match="Aree, riga 2: Comune sconosciuto"):
            world.merge(people=People(None, None, read_areas(bad)))
        bad.write_text("codice;nome;tipo\nAI01;Valle;boh\n", encoding="utf-8")
        with pytest.raises(DomainError, match="tipo «boh» non valido"):
            read_areas(bad)
        with world.central.store.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM area").fetchone()[0] == 0
    finally:
        world.close()


def test_an_area_missing_from_a_later_file_is_tombstoned(tmp_path: Path) -> None:
    world = World(tmp_path, 1)
    try:
        first = _people(1)
        world.merge(people=first)
        world.full_round()
        (anna,) = world.laptops
        anna.interventions.create(cup="E21B22000310006", title="Rifugio", area="AI01")
        world.full_round()
        # the next list has AI02 only: AI01 disappears, its intervention stays
        only = [AreaRow("AI02", "Oltrepò", "regionale", None, ("018171",), 2)]
        assignments = [a for a in first.assignments or [] if not a.area]
        world.merge(people=People(None, assignments, only))
        world.full_round()
        assert [a.code for a in anna.aree.all()] == ["AI02"]
        with world.central.store.read() as conn:
            assert conn.execute("SELECT deleted FROM area WHERE code = 'AI01'").fetchone() == (1,)
            assert conn.execute("SELECT COUNT(*) FROM intervention").fetchone() == (1,)
            assert conn.execute(
                "SELECT COUNT(*) FROM area_expert WHERE deleted = 0"
            ).fetchone() == (0,)
    finally:
        world.close()

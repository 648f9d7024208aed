"""Aree Interne test data: two areas on real Comuni and a few interventions."""

from __future__ import annotations

from datetime import date

from taskforce_tui.domain import aree as A
from taskforce_tui.store.aree import AreaInput, AreaRepo
from taskforce_tui.store.db import Store

#: Test areas on real Comuni (Alta Valle Brembana, Oltrepò Pavese); membership is
#: test data, not the official one.
AREA_1 = AreaInput("AI01", "Alta Valle Brembana", "snai", "016164", ["016164", "016036", "016103"])
AREA_2 = AreaInput(
    "AI02", "Appennino Lombardo - Oltrepò", "regionale", "018171", ["018171", "018021"]
)


def with_areas(store: Store) -> Store:
    """The centre's area list, as a merge would write it (centre ops)."""
    with store.write() as tx:
        AreaRepo.apply_areas(tx, [AREA_1, AREA_2])
    return store


def intervention(
    store: Store,
    cup: str = "E21B22000310006",
    area: str = "AI01",
    total: int = 100_000_00,
    snapshots: tuple[tuple[date, int, int], ...] = (),
) -> A.Intervention:
    item = store.interventions.create(
        cup=cup,
        title=f"Intervento {cup}",
        area=area,
        comuni=[AREA_1.members[0] if area == "AI01" else AREA_2.members[0]],
        total_cents=total,
        funding={"FESR": total // 2, "regionale": total - total // 2},
    )
    for ref, committed, paid in snapshots:
        store.interventions.add_snapshot(
            item.id, ref_date=ref, committed_cents=committed, paid_cents=paid
        )
    return store.interventions.find(item.id)

"""Deterministic Aree Interne data: the demo's two areas and about forty interventions on
real Comuni, and the benchmark's 14 areas, 3,000 interventions and 36,000 snapshots.

Like store/dataset.py: generated from a seed and a reference "today" with its own random
stream (adding it left the rest of the demo as it was), written as base data in one bulk
transaction (no op log). Everything is labelled as demo data: the areas' names say so,
the CUPs start with DEMO, and every intervention's note repeats it.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from taskforce_tui.domain import aree as A
from taskforce_tui.store.ids import now_utc

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

DEMO_NOTE = "Dati dimostrativi: intervento inventato, non è un progetto reale."
#: The demo's two areas, on real Comuni (membership chosen for the demo, not official).
DEMO_AREAS = (
    (
        "DEMO-BREMBANA",
        "Alta Valle Brembana (dati dimostrativi)",
        "snai",
        "016164",
        (
            "016164",
            "016036",
            "016103",
            "016056",
            "016226",
            "016145",
            "016134",
            "016090",
            "016014",
            "016229",
            "016151",
            "016061",
        ),
    ),
    (
        "DEMO-OLTREPO",
        "Appennino Oltrepò Pavese (dati dimostrativi)",
        "regionale",
        "018171",
        (
            "018171",
            "018021",
            "018089",
            "018128",
            "018142",
            "018184",
            "018166",
            "018117",
            "018042",
            "018064",
        ),
    ),
)
_THEMES = (
    ("Scuola", "Riqualificazione energetica della scuola di {c}"),
    ("Mobilità", "Servizio di trasporto a chiamata di {c}"),
    ("Sanità", "Casa di comunità di {c}"),
    ("Turismo", "Rete sentieristica e rifugi di {c}"),
    ("Digitale", "Banda ultralarga e sportello digitale di {c}"),
    ("Ambiente", "Messa in sicurezza idrogeologica a {c}"),
    ("Lavoro", "Formazione per le imprese artigiane di {c}"),
)
#: Typical share of the whole duration of each phase, in timetable order.
_PHASE_SHARE = (0.08, 0.1, 0.1, 0.12, 0.4, 0.1, 0.1)


def generate_aree(
    store: Store,
    *,
    seed: int,
    today: date,
    areas: int = 2,
    interventions: int = 40,
    snapshots: int | None = None,
    expert_id: str | None = None,
) -> dict[str, int]:
    """Areas (the demo's two, or `areas` groups of real Comuni), interventions with
    funding and phases spread between on time and late, and quarterly monitoring
    snapshots up to `today` (or exactly `snapshots` per intervention)."""
    rng = random.Random(f"aree-{seed}")
    stamp = now_utc()
    with store.read() as conn:
        names = dict(conn.execute("SELECT istat_code, name FROM comune WHERE active = 1"))
    if areas <= len(DEMO_AREAS):
        chosen = list(DEMO_AREAS[:areas])
    else:
        codes = sorted(names)
        rng.shuffle(codes)
        size = 35
        chosen = []
        for i in range(areas):
            members = tuple(sorted(codes[i * size : (i + 1) * size]))
            chosen.append(
                (
                    f"DEMO-{i + 1:02d}",
                    f"Area {i + 1} (dati dimostrativi)",
                    "snai" if i < 10 else "regionale",
                    members[0],
                    members,
                )
            )
    area_rows = [
        (code, name, kind, lead, json.dumps(list(members)), stamp, stamp)
        for code, name, kind, lead, members in chosen
    ]
    items: list[tuple[object, ...]] = []
    funding: list[tuple[object, ...]] = []
    phases: list[tuple[object, ...]] = []
    snaps: list[tuple[object, ...]] = []
    for n in range(interventions):
        area = chosen[n % len(chosen)]
        comune = area[4][rng.randrange(len(area[4]))]
        theme, pattern = _THEMES[rng.randrange(len(_THEMES))]
        item_id = f"demo-{seed}-{n:05d}"
        cup = f"DEMO{n + 1:011d}"
        total = rng.randrange(80_000, 2_500_000) * 100 + rng.randrange(100)
        start = today - timedelta(days=rng.randrange(-120, 1100))
        length = rng.randrange(540, 1600)
        # how the intervention goes: on time (about 45%), late, or very late
        pace = rng.random()
        low, high, delay = (
            (0.8, 0.97, 0) if pace < 0.45 else (1.1, 1.3, 15) if pace < 0.8 else (1.4, 1.8, 40)
        )
        drift = (low + high) / 2
        cursor = start
        actual = start + timedelta(days=rng.randrange(0, delay + 1))
        status = "non avviato"
        for phase, share in zip(A.PHASES, _PHASE_SHARE, strict=True):
            days = max(20, round(length * share))
            planned_start, planned_end = cursor, cursor + timedelta(days=days)
            cursor = planned_end + timedelta(days=1)
            actual_start = actual_end = None
            if actual <= today:
                actual_start = actual
                end = actual + timedelta(days=round(days * rng.uniform(low, high)))
                status = "in corso"
                if end <= today:
                    actual_end = end
                actual = end + timedelta(days=1)
            phases.append(
                (
                    f"{item_id}:{phase}",
                    item_id,
                    phase,
                    planned_start.isoformat(),
                    planned_end.isoformat(),
                    actual_start.isoformat() if actual_start else None,
                    actual_end.isoformat() if actual_end else None,
                    stamp,
                    stamp,
                )
            )
        end_actual = None
        if phases[-1][6] is not None:
            status = "concluso"
            end_actual = phases[-1][6]
        fesr = total * rng.choice((40, 50, 60)) // 100
        national = total * rng.choice((20, 25)) // 100
        regional = total - fesr - national
        for source, cents in (("FESR", fesr), ("nazionale", national), ("regionale", regional)):
            funding.append((f"{item_id}:{source}", item_id, source, cents, stamp, stamp))
        # monitoring: quarterly (or a fixed number of) snapshots with rising figures
        dates = _snapshot_dates(start, today, snapshots)
        progress = min(1.0, max(0.0, (today - start).days / (length * drift)))
        for k, ref in enumerate(dates):
            share = progress * (k + 1) / len(dates)
            committed = min(total, round(total * min(1.0, share * 1.6)))
            paid = min(committed, round(total * share * rng.uniform(0.7, 0.95)))
            snaps.append(
                (
                    f"{item_id}:{ref.isoformat()}",
                    item_id,
                    ref.isoformat(),
                    None,
                    committed,
                    paid,
                    None,
                    status if k == len(dates) - 1 else None,
                    "dati dimostrativi",
                    stamp,
                    stamp,
                )
            )
        items.append(
            (
                item_id,
                cup,
                pattern.format(c=names.get(comune, comune)),
                area[0],
                json.dumps([comune]),
                comune,
                theme,
                status,
                total,
                start.isoformat(),
                (start + timedelta(days=length)).isoformat(),
                end_actual,
                DEMO_NOTE,
                stamp,
                stamp,
            )
        )
    with store.bulk() as conn:
        conn.executemany(
            "INSERT INTO area(code, name, kind, lead_comune, members, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            area_rows,
        )
        if expert_id:
            conn.executemany(
                "INSERT INTO area_expert(id, expert_id, area_code, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(f"demo-{seed}-{r[0]}", expert_id, r[0], stamp, stamp) for r in area_rows],
            )
        conn.executemany(
            "INSERT INTO intervention(id, cup, title, area_code, comuni, ente_code, theme, "
            "status, total_cents, start_on, end_planned_on, end_actual_on, notes, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            items,
        )
        conn.executemany(
            "INSERT INTO intervention_funding(id, intervention_id, source, amount_cents, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            funding,
        )
        conn.executemany(
            "INSERT INTO intervention_phase(id, intervention_id, phase, planned_start, "
            "planned_end, actual_start, actual_end, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            phases,
        )
        conn.executemany(
            "INSERT INTO intervention_snapshot(id, intervention_id, ref_date, total_cents, "
            "committed_cents, paid_cents, achieved, status, source, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            snaps,
        )
    return {
        "areas": len(area_rows),
        "interventions": len(items),
        "snapshots": len(snaps),
        "phases": len(phases),
    }


def _snapshot_dates(start: date, today: date, count: int | None) -> list[date]:
    """Quarter ends after the start up to today; or `count` month ends back from today."""
    if count is not None:
        out = []
        year, month = today.year, today.month
        for _ in range(count):
            month -= 1
            if month == 0:
                year, month = year - 1, 12
            first_next = date(year + (month == 12), month % 12 + 1, 1)
            out.append(first_next - timedelta(days=1))
        return sorted(out)
    out = []
    year = start.year
    for y in range(year, today.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            end = date(y, month, day)
            if start < end <= today:
                out.append(end)
    return out or [today]

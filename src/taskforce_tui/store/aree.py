"""Aree Interne: areas and enti (reference data of the centre) and interventions.

Every write goes through `Store.write()` (op-logged, synced). Children of an
intervention have ids derived from it (`<intervention id>:<source|phase|ref date>`):
a phase or a dated snapshot written on two laptops is one record, merged field by field,
and a later monitoring file adds a snapshot with its own date and never erases an older
one. Amounts are integer cents; the sums per area are computed by SQLite over the same
rows the per-intervention figures come from, so they agree to the cent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import aree as A
from taskforce_tui.domain.dates import from_iso, iso, today
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.text import normalize
from taskforce_tui.store.ids import new_id
from taskforce_tui.store.schema import SYNCED_TABLES

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.tx import Tx

#: Fields of an intervention a caller may change with `update`: its synced fields but
#: the CUP (its identity) and the tombstone.
EDITABLE = tuple(f for f in SYNCED_TABLES["intervention"][1] if f not in ("cup", "deleted"))


def _members(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(slots=True)
class AreaInput:
    """One area as the centre's spreadsheet gives it (members already resolved)."""

    code: str
    name: str
    kind: str
    lead_comune: str | None
    members: list[str]


@dataclass(slots=True)
class EnteInput:
    """One Unione / Comunità Montana as the centre's spreadsheet gives it."""

    code: str
    kind: str
    name: str
    members: list[str]


# --- reference data: areas and enti ------------------------------------------------------------
class AreaRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> list[A.Area]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT code, name, kind, lead_comune, members FROM area WHERE deleted = 0 "
                "ORDER BY code"
            ).fetchall()
        return [A.Area(r[0], r[1], r[2], r[3], _members(r[4])) for r in rows]

    def get(self, code: str) -> A.Area:
        wanted = str(code).strip().upper()
        for area in self.all():
            if area.code == wanted:
                return area
        names = self.all()
        hint = ", ".join(f"{a.code} ({a.name})" for a in names) or "nessuna area in elenco"
        raise NotFoundError(f"Area sconosciuta «{code}». Aree: {hint}.", "area")

    def assigned_codes(self, expert_id: str | None) -> set[str]:
        if expert_id is None:
            return set()
        with self.store.read() as conn:
            return {
                r[0]
                for r in conn.execute(
                    "SELECT area_code FROM area_expert WHERE expert_id = ? AND deleted = 0",
                    (expert_id,),
                )
            }

    def check_writable(self, area_code: str) -> A.Area:
        """The area exists and this profile's expert may write its interventions: once the
        centre assigns areas (the table is not empty) only the expert's own; the merge
        enforces the same rule (sync/merge.py)."""
        area = self.get(area_code)
        expert = self.store.expert_id
        if expert is None:
            return area
        with self.store.read() as conn:
            any_assigned = conn.execute(
                "SELECT 1 FROM area_expert WHERE deleted = 0 LIMIT 1"
            ).fetchone()
        if any_assigned and area.code not in self.assigned_codes(expert):
            raise DomainError(
                f"L'area {area.code} ({area.name}) non ti è assegnata: le modifiche sarebbero "
                "respinte dalla sincronizzazione. Chiedi l'assegnazione alla Segreteria Tecnica.",
                "area",
            )
        return area

    # --- the centre's lists (files are the full lists: missing rows are tombstoned) ----------
    @staticmethod
    def apply_areas(tx: Tx, areas: Sequence[AreaInput]) -> None:
        existing = {r[0]: r[1] for r in tx.conn.execute("SELECT code, deleted FROM area")}
        listed = set()
        for a in areas:
            listed.add(a.code)
            values = {
                "name": a.name,
                "kind": a.kind,
                "lead_comune": a.lead_comune,
                "members": json.dumps(a.members),
            }
            if a.code in existing:
                tx.update("area", a.code, {**values, "deleted": 0})
            else:
                tx.insert("area", {"code": a.code, **values})
        for code, deleted in existing.items():
            if code not in listed and not deleted:
                tx.delete("area", code)

    @staticmethod
    def apply_area_experts(tx: Tx, pairs: Iterable[tuple[str, str]]) -> None:
        """(expert id, area code) pairs: the full list of area assignments."""
        existing = {
            (r[1], r[2]): r[0]
            for r in tx.conn.execute(
                "SELECT id, expert_id, area_code FROM area_expert WHERE deleted = 0"
            )
        }
        wanted = set(pairs)
        for pair in sorted(wanted - existing.keys()):
            tx.insert("area_expert", {"id": new_id(), "expert_id": pair[0], "area_code": pair[1]})
        for pair, pk in existing.items():
            if pair not in wanted:
                tx.delete("area_expert", pk)

    @staticmethod
    def apply_enti(tx: Tx, enti: Sequence[EnteInput]) -> None:
        """Unioni and Comunità Montane (the Province come with the schema, from ISTAT):
        rows of the `comune` table with their kind and member Comuni. One missing from
        the list is made inactive, never deleted (its practices keep pointing at it)."""
        existing = {
            r[0]: r[1]
            for r in tx.conn.execute(
                "SELECT istat_code, active FROM comune "
                "WHERE kind IN ('unione', 'comunita_montana') AND deleted = 0"
            )
        }
        listed = set()
        for e in enti:
            listed.add(e.code)
            first = tx.conn.execute(
                "SELECT province, province_name, nuts3 FROM comune WHERE istat_code = ?",
                (e.members[0] if e.members else "",),
            ).fetchone() or ("", "", "")
            values = {
                "name": e.name,
                "kind": e.kind,
                "members": json.dumps(e.members),
                "province": first[0],
                "province_name": first[1],
                "nuts3": first[2],
                "active": 1,
            }
            if e.code in existing:
                tx.update("comune", e.code, values)
            else:
                tx.insert("comune", {"istat_code": e.code, **values})
        for code, active in existing.items():
            if code not in listed and active:
                tx.update("comune", code, {"active": 0})

    # --- enti ----------------------------------------------------------------------------------
    def enti(self) -> list[A.Ente]:
        """The enti beyond the Comuni: Province, Città Metropolitana, Unioni, Comunità
        Montane (rows of the `comune` table of another kind)."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT istat_code, kind, name, province, members FROM comune "
                "WHERE kind != 'comune' AND deleted = 0 AND active = 1 ORDER BY kind, name"
            ).fetchall()
        return [A.Ente(r[0], r[1], r[2], r[3], _members(r[4])) for r in rows]

    def resolve_ente(self, text: str) -> A.Ente:
        """An implementing body: a Comune (ISTAT code or name), a Provincia or the Città
        Metropolitana (code, sigla or name), an Unione or Comunità Montana (code or
        name)."""
        query = str(text).strip()
        if not query:
            raise DomainError("Manca l'ente.", "ente")
        enti = self.enti()
        for e in enti:
            if e.kind in ("provincia", "citta_metropolitana") and e.province == query.upper():
                return e
        try:
            found = self.store.comuni.resolve(query, "ente")
        except NotFoundError as exc:
            wanted = normalize(query)
            near = [e.name for e in enti if wanted and wanted in normalize(e.name)][:5]
            hint = f" Enti simili: {', '.join(near)}." if near else ""
            raise NotFoundError(
                f"Ente sconosciuto «{text}»: non è un Comune, una Provincia, un'Unione o una "
                f"Comunità Montana in elenco.{hint}",
                "ente",
                exc.candidates,
            ) from None
        members = next((e.members for e in enti if e.code == found.istat_code), [])
        return A.Ente(found.istat_code, found.kind, found.name, found.province, members)

    def ente_name(self, code: str | None) -> str:
        if not code:
            return ""
        found = self.store.comuni.get(code)
        return found.name if found else code


# --- interventions -----------------------------------------------------------------------------
_COLUMNS = (
    "id, cup, title, area_code, status, total_cents, comuni, ente_code, theme, indicator, "
    "unit, target, start_on, end_planned_on, end_actual_on, notes"
)

#: A phase late on :on: open after its planned end, or closed after it.
_LATE = (
    "p.intervention_id = i.id AND p.deleted = 0 AND p.planned_end IS NOT NULL "
    "AND ((p.actual_end IS NULL AND p.planned_end < :on) OR p.actual_end > p.planned_end)"
)
#: The status in force on :on: the last snapshot's, else the intervention's own.
_STATUS = "COALESCE(s.status, i.status)"

#: Each live intervention with the figures in force on a date: its last snapshot at or
#: before it (one seek per intervention in the partial index on (intervention, date),
#: from its end) and how many of its phases are late then (counted in the partial
#: phase index, the rows are never read). No materialised subquery, no sort.
_ROWS = f"""
SELECT i.id, i.cup, i.title, i.area_code,
       {_STATUS} AS status,
       COALESCE(s.total_cents, i.total_cents) AS programmed,
       COALESCE(s.committed_cents, 0) AS committed,
       COALESCE(s.paid_cents, 0) AS paid,
       s.ref_date,
       (SELECT COUNT(*) FROM intervention_phase p WHERE {_LATE}) AS late,
       i.comuni, i.ente_code
FROM intervention i
LEFT JOIN intervention_snapshot s ON s.rowid = (
    SELECT x.rowid FROM intervention_snapshot x
    WHERE x.intervention_id = i.id AND x.deleted = 0 AND x.ref_date <= :on
    ORDER BY x.ref_date DESC LIMIT 1)
WHERE i.deleted = 0
"""


@dataclass(frozen=True, slots=True)
class InterventionFilter:
    """What a list of interventions keeps: an area, a CUP, text (in the CUP, title or
    area code; accents and case ignored), a status in force, only those late."""

    area: str | None = None
    cup: str | None = None
    text: str = ""
    status: str | None = None
    late: bool = False

    def where(self) -> tuple[str, dict[str, Any]]:
        """The conditions to add to `_ROWS` and their parameters."""
        sql, params = "", {}
        if self.area:
            sql += " AND i.area_code = :area"
            params["area"] = self.area
        if self.cup:
            sql += " AND i.cup = :cup"
            params["cup"] = self.cup
        wanted = normalize(self.text)
        if wanted:
            sql += " AND instr(tf_normalize(i.cup || ' ' || i.title || ' ' || i.area_code), :text)"
            params["text"] = wanted
        if self.status:
            sql += f" AND {_STATUS} = :status"
            params["status"] = self.status
        if self.late:
            sql += f" AND EXISTS (SELECT 1 FROM intervention_phase p WHERE {_LATE})"
        return sql, params


def _intervention(r: Sequence[Any]) -> A.Intervention:
    return A.Intervention(
        id=r[0],
        cup=r[1],
        title=r[2],
        area_code=r[3],
        status=r[4],
        total_cents=int(r[5]),
        comuni=_members(r[6]),
        ente_code=r[7],
        theme=r[8],
        indicator=r[9],
        unit=r[10],
        target=r[11],
        start_on=from_iso(r[12]),
        end_planned_on=from_iso(r[13]),
        end_actual_on=from_iso(r[14]),
        notes=r[15],
    )


def _row(r: Sequence[Any]) -> A.InterventionRow:
    return A.InterventionRow(
        id=r[0],
        cup=r[1],
        title=r[2],
        area_code=r[3],
        status=r[4],
        programmed_cents=int(r[5]),
        committed_cents=int(r[6]),
        paid_cents=int(r[7]),
        ref_date=from_iso(r[8]),
        late_phases=int(r[9]),
        comuni=_members(r[10]),
        ente_code=r[11],
    )


class InterventionRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -------------------------------------------------------------------------------
    def find(self, key: str) -> A.Intervention:
        """By id or CUP (a CUP that is not valid is said so)."""
        with self.store.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM intervention WHERE id = ? AND deleted = 0", (key,)
            ).fetchone()
        if row is None:
            cup = A.normalize_cup(key)
            with self.store.read() as conn:
                row = conn.execute(
                    f"SELECT {_COLUMNS} FROM intervention WHERE cup = ? AND deleted = 0 "
                    "ORDER BY created_at LIMIT 1",
                    (cup,),
                ).fetchone()
            if row is None:
                raise NotFoundError(f"Nessun intervento con CUP {cup}.", "cup")
        return self._complete(_intervention(row))

    def by_cup(self, cup: str) -> A.Intervention | None:
        with self.store.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM intervention WHERE cup = ? AND deleted = 0 "
                "ORDER BY created_at LIMIT 1",
                (cup,),
            ).fetchone()
        return self._complete(_intervention(row)) if row else None

    def _complete(self, item: A.Intervention) -> A.Intervention:
        with self.store.read() as conn:
            item.funding = [
                A.Funding(r[0], int(r[1]))
                for r in conn.execute(
                    "SELECT source, amount_cents FROM intervention_funding "
                    "WHERE intervention_id = ? AND deleted = 0",
                    (item.id,),
                )
            ]
            order = list(A.FUNDING_SOURCES)
            item.funding.sort(key=lambda f: order.index(f.source) if f.source in order else 99)
            item.phases = [
                A.Phase(r[0], from_iso(r[1]), from_iso(r[2]), from_iso(r[3]), from_iso(r[4]))
                for r in conn.execute(
                    "SELECT phase, planned_start, planned_end, actual_start, actual_end "
                    "FROM intervention_phase WHERE intervention_id = ? AND deleted = 0",
                    (item.id,),
                )
            ]
            phases = list(A.PHASES)
            item.phases.sort(key=lambda p: phases.index(p.phase) if p.phase in phases else 99)
            item.snapshots = [
                A.Snapshot(
                    ref_date=date.fromisoformat(r[0]),
                    committed_cents=int(r[1]),
                    paid_cents=int(r[2]),
                    total_cents=r[3],
                    achieved=r[4],
                    status=r[5],
                    source=r[6],
                )
                for r in conn.execute(
                    "SELECT ref_date, committed_cents, paid_cents, total_cents, achieved, status, "
                    "source FROM intervention_snapshot WHERE intervention_id = ? AND deleted = 0 "
                    "ORDER BY ref_date",
                    (item.id,),
                )
            ]
        return item

    def rows(
        self,
        flt: InterventionFilter | None = None,
        *,
        on: date | None = None,
        limit: int = 0,
        offset: int = 0,
    ) -> list[A.InterventionRow]:
        """Interventions with their figures on `on` (default today), by area then CUP;
        a page of them with `limit` and `offset`."""
        where, params = (flt or InterventionFilter()).where()
        params["on"] = iso(on or today())
        sql = f"{_ROWS}{where} ORDER BY i.area_code, i.cup, i.id"
        if limit:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self.store.read() as conn:
            return [_row(r) for r in conn.execute(sql, params)]

    def count(self, flt: InterventionFilter | None = None, *, on: date | None = None) -> int:
        """How many interventions `rows` gives for the filter (all pages)."""
        where, params = (flt or InterventionFilter()).where()
        params["on"] = iso(on or today())
        if "status" in params:  # the status in force is the last snapshot's
            sql = f"SELECT COUNT(*) FROM ({_ROWS}{where})"
        else:  # no snapshot needed: the live interventions that match
            sql = f"SELECT COUNT(*) FROM intervention i WHERE i.deleted = 0{where}"
        with self.store.read() as conn:
            return int(conn.execute(sql, params).fetchone()[0])

    def summaries(self, on: date | None = None, area: str | None = None) -> list[A.AreaSummary]:
        """Per area (every area, also those without interventions): the sums of the very
        rows `rows()` gives for that date, added up by SQLite in one query (grouped by
        area and status in force), so the figures agree with the rows to the cent."""
        areas = [a for a in self.store.aree.all() if area is None or a.code == area]
        out = {a.code: A.AreaSummary(a, 0, 0, 0, 0, {}, 0) for a in areas}
        # The rows in the order of their ids (ORDER BY keeps SQLite from flattening
        # them into the grouping): each intervention's snapshots and phases are then
        # looked up in the order of their indexes, one leaf after the other, instead
        # of area by area (10 ms instead of 16 for 3,000 interventions).
        sql = (
            "SELECT area_code, status, COUNT(*), SUM(programmed), SUM(committed), SUM(paid), "
            f"SUM(late) FROM ({_ROWS}{' AND i.area_code = :area' if area else ''} "
            "ORDER BY i.id) GROUP BY area_code, status"
        )
        with self.store.read() as conn:
            totals = conn.execute(sql, {"on": iso(on or today()), "area": area}).fetchall()
        for code, status, n, programmed, committed, paid, late in totals:
            summary = out.get(code)
            if summary is None:  # an area no longer in the list (tombstoned)
                continue
            summary.interventions += n
            summary.programmed_cents += programmed
            summary.committed_cents += committed
            summary.paid_cents += paid
            summary.late_phases += late
            summary.by_status[status] = n
        return list(out.values())

    # --- writing -------------------------------------------------------------------------------
    def _comuni(self, codes: Iterable[str]) -> list[str]:
        out = []
        for text in codes:
            comune = self.store.comuni.resolve(str(text), "comuni")
            if comune.istat_code not in out:
                out.append(comune.istat_code)
        return out

    def _check_dates(self, values: Mapping[str, Any]) -> None:
        start, end = values.get("start_on"), values.get("end_planned_on")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise DomainError(
                "La fine prevista precede l'inizio dell'intervento.", "end_planned_on"
            )

    def create(
        self,
        *,
        cup: str,
        title: str,
        area: str,
        comuni: Sequence[str] = (),
        ente: str | None = None,
        theme: str = "",
        status: str = "non avviato",
        total_cents: int = 0,
        indicator: str = "",
        unit: str = "",
        target: float | None = None,
        start_on: date | None = None,
        end_planned_on: date | None = None,
        end_actual_on: date | None = None,
        notes: str = "",
        funding: Mapping[str, int] | None = None,
    ) -> A.Intervention:
        code = A.normalize_cup(cup)
        if not title.strip():
            raise DomainError("Manca il titolo dell'intervento.", "title")
        area_rec = self.store.aree.check_writable(area)
        if status not in A.STATUSES:
            status = A.parse_status(status)
        values: dict[str, Any] = {
            "cup": code,
            "title": title.strip(),
            "area_code": area_rec.code,
            "comuni": self._comuni(comuni),
            "ente_code": self.store.aree.resolve_ente(ente).code if ente else None,
            "theme": theme.strip(),
            "status": status,
            "total_cents": int(total_cents),
            "indicator": indicator.strip(),
            "unit": unit.strip(),
            "target": target,
            "start_on": start_on,
            "end_planned_on": end_planned_on,
            "end_actual_on": end_actual_on,
            "notes": notes,
        }
        self._check_dates(values)
        if total_cents < 0:
            raise DomainError("Il costo totale non può essere negativo.", "total_cents")
        with self.store.write() as tx:
            if tx.conn.execute(
                "SELECT 1 FROM intervention WHERE cup = ? AND deleted = 0", (code,)
            ).fetchone():
                raise DomainError(f"Esiste già un intervento con CUP {code}.", "cup")
            pk = new_id()
            tx.insert("intervention", {"id": pk, **values})
            for source, cents in (funding or {}).items():
                self.write_funding(tx, pk, source, cents)
        return self.find(pk)

    def update(self, key: str, **changes: Any) -> A.Intervention:
        """Change fields of an intervention (names of EDITABLE)."""
        item = self.find(key)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"unknown intervention fields: {sorted(unknown)}")
        self.store.aree.check_writable(item.area_code)
        values = dict(changes)
        if "area_code" in values:
            values["area_code"] = self.store.aree.check_writable(values["area_code"]).code
        if "comuni" in values:
            values["comuni"] = self._comuni(values["comuni"])
        if values.get("ente_code"):
            values["ente_code"] = self.store.aree.resolve_ente(values["ente_code"]).code
        if "status" in values and values["status"] not in A.STATUSES:
            values["status"] = A.parse_status(values["status"])
        if "title" in values and not str(values["title"]).strip():
            raise DomainError("Manca il titolo dell'intervento.", "title")
        if int(values.get("total_cents", 0)) < 0:
            raise DomainError("Il costo totale non può essere negativo.", "total_cents")
        merged = {
            "start_on": values.get("start_on", item.start_on),
            "end_planned_on": values.get("end_planned_on", item.end_planned_on),
        }
        self._check_dates(merged)
        with self.store.write() as tx:
            tx.update("intervention", item.id, values)
        return self.find(item.id)

    def delete(self, key: str) -> None:
        item = self.find(key)
        self.store.aree.check_writable(item.area_code)
        with self.store.write() as tx:
            tx.delete("intervention", item.id)

    @staticmethod
    def write_funding(tx: Tx, intervention_id: str, source: str, cents: int) -> None:
        code = A.parse_source(source)
        if cents < 0:
            raise DomainError("Un importo di finanziamento non può essere negativo.", "importo")
        pk = f"{intervention_id}:{code}"
        exists = tx.conn.execute(
            "SELECT 1 FROM intervention_funding WHERE id = ?", (pk,)
        ).fetchone()
        if exists:
            tx.update("intervention_funding", pk, {"amount_cents": int(cents), "deleted": 0})
        else:
            tx.insert(
                "intervention_funding",
                {
                    "id": pk,
                    "intervention_id": intervention_id,
                    "source": code,
                    "amount_cents": int(cents),
                },
            )

    def set_funding(self, key: str, source: str, cents: int) -> A.Intervention:
        item = self.find(key)
        self.store.aree.check_writable(item.area_code)
        with self.store.write() as tx:
            self.write_funding(tx, item.id, source, cents)
        return self.find(item.id)

    def set_phase(
        self,
        key: str,
        phase: str,
        *,
        planned_start: date | None = None,
        planned_end: date | None = None,
        actual_start: date | None = None,
        actual_end: date | None = None,
    ) -> A.Intervention:
        """Set a phase's dates (only those given; a phase not yet there is created)."""
        item = self.find(key)
        self.store.aree.check_writable(item.area_code)
        code = A.parse_phase(phase)
        given = {
            "planned_start": planned_start,
            "planned_end": planned_end,
            "actual_start": actual_start,
            "actual_end": actual_end,
        }
        values = {k: v for k, v in given.items() if v is not None}
        current = next((p for p in item.phases if p.phase == code), None)
        merged: dict[str, date | None] = {
            k: getattr(current, k) if current else None for k in given
        } | values
        for first, last in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
            start, end = merged[first], merged[last]
            if start is not None and end is not None and end < start:
                raise DomainError(
                    f"{A.PHASES[code]}: la fine precede l'inizio.", last.replace("_", " ")
                )
        pk = f"{item.id}:{code}"
        with self.store.write() as tx:
            exists = tx.conn.execute(
                "SELECT 1 FROM intervention_phase WHERE id = ?", (pk,)
            ).fetchone()
            if exists:
                tx.update("intervention_phase", pk, {**values, "deleted": 0})
            else:
                tx.insert(
                    "intervention_phase",
                    {"id": pk, "intervention_id": item.id, "phase": code, **values},
                )
        return self.find(item.id)

    def add_snapshot(
        self,
        key: str,
        *,
        ref_date: date,
        committed_cents: int,
        paid_cents: int,
        total_cents: int | None = None,
        achieved: float | None = None,
        status: str | None = None,
        source: str = "manuale",
    ) -> A.Intervention:
        """A monitoring update with its reference date ("dati al ..."). Another date adds
        a snapshot; the same date corrects that one. Nothing older is touched."""
        item = self.find(key)
        self.store.aree.check_writable(item.area_code)
        with self.store.write() as tx:
            self.write_snapshot(
                tx,
                item.id,
                ref_date=ref_date,
                committed_cents=committed_cents,
                paid_cents=paid_cents,
                total_cents=total_cents,
                achieved=achieved,
                status=status,
                source=source,
            )
        return self.find(item.id)

    @staticmethod
    def write_snapshot(
        tx: Tx,
        intervention_id: str,
        *,
        ref_date: date,
        committed_cents: int,
        paid_cents: int,
        total_cents: int | None = None,
        achieved: float | None = None,
        status: str | None = None,
        source: str = "manuale",
    ) -> bool:
        """Write one snapshot in a transaction; True if anything changed."""
        if ref_date > today():
            raise DomainError(
                f"La data dei dati ({ref_date.strftime('%d/%m/%Y')}) è nel futuro.", "al"
            )
        for name, cents in (
            ("impegni", committed_cents),
            ("pagamenti", paid_cents),
            ("costo totale", total_cents or 0),
        ):
            if cents < 0:
                raise DomainError(f"Importo negativo in {name}.", name)
        if status is not None and status not in A.STATUSES:
            status = A.parse_status(status)
        pk = f"{intervention_id}:{ref_date.isoformat()}"
        values: dict[str, Any] = {
            "committed_cents": int(committed_cents),
            "paid_cents": int(paid_cents),
            "total_cents": total_cents,
            "achieved": achieved,
            "status": status,
            "source": source,
        }
        exists = tx.conn.execute(
            "SELECT 1 FROM intervention_snapshot WHERE id = ?", (pk,)
        ).fetchone()
        if exists:
            changes = {k: v for k, v in values.items() if k != "source"}
            changed = tx.update("intervention_snapshot", pk, {**changes, "deleted": 0})
            if changed:
                tx.update("intervention_snapshot", pk, {"source": source})
            return bool(changed)
        tx.insert(
            "intervention_snapshot",
            {"id": pk, "intervention_id": intervention_id, "ref_date": ref_date, **values},
        )
        return True

    # --- links from practices, requests, time logs ---------------------------------------------
    def link(self, table: str, record_id: str, key: str | None) -> None:
        """Link a practice, request or time log to an intervention (None: unlink). The
        record's own rule applies (its Comune assigned, the time log one's own), as the
        merge will check; no right on the intervention is needed."""
        if table not in ("practice", "request", "time_log"):
            raise ValueError(table)
        target = self.find(key).id if key else None
        with self.store.read() as conn:
            row = conn.execute(
                f"SELECT {'expert_id' if table == 'time_log' else 'comune_code'} FROM {table} "
                "WHERE id = ? AND deleted = 0",
                (record_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Record non trovato: {record_id}.")
        if table == "time_log":
            me = self.store.expert_id
            if me is not None and row[0] != me:
                raise DomainError("Puoi collegare solo le tue registrazioni di ore.", "ore")
        else:
            self.store.practices._scope_check(row[0])
        with self.store.write() as tx:
            tx.update(table, record_id, {"intervention_id": target})

    def time_log_id(self, ref: str) -> str:
        """A time log's id from its id or an unambiguous prefix (4 characters or more)."""
        text = ref.strip().lower()
        if len(text) < 4:
            raise DomainError(
                "Indica l'id della registrazione (almeno i primi 4 caratteri).", "ore"
            )
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT id FROM time_log WHERE id LIKE ? AND deleted = 0 LIMIT 2", (text + "%",)
            ).fetchall()
        if not rows:
            raise NotFoundError(f"Nessuna registrazione di ore con id «{ref}».", "ore")
        if len(rows) > 1:
            raise DomainError(f"L'id «{ref}» è ambiguo: scrivine qualche carattere in più.", "ore")
        return str(rows[0][0])

    def linked(self, intervention_id: str) -> dict[str, int]:
        """How many practices, requests and time logs point at the intervention."""
        out = {}
        with self.store.read() as conn:
            for table in ("practice", "request", "time_log"):
                out[table] = int(
                    conn.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE intervention_id = ? AND deleted = 0",
                        (intervention_id,),
                    ).fetchone()[0]
                )
        return out


def intervention_ids_by_cup(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """CUP -> (intervention id, area code) of every live intervention (for imports)."""
    return {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT cup, id, area_code FROM intervention WHERE deleted = 0 ORDER BY created_at DESC"
        )
    }

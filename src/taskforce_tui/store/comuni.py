"""Comuni: lookup by ISTAT code or name, the expert's assigned ones, their summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.errors import NotFoundError
from taskforce_tui.domain.records import Comune
from taskforce_tui.domain.text import normalize

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

_COLUMNS = (
    "istat_code, name, province, province_name, cadastral_code, is_capoluogo, nuts3, "
    "phase, inner_area, active, kind"
)


def _comune(row: tuple[Any, ...]) -> Comune:
    return Comune(
        istat_code=row[0],
        name=row[1],
        province=row[2],
        province_name=row[3],
        cadastral_code=row[4],
        is_capoluogo=bool(row[5]),
        nuts3=row[6],
        phase=row[7],
        inner_area=row[8],
        active=bool(row[9]),
        kind=row[10],
    )


@dataclass(slots=True)
class ComuneSummary:
    """One line of the home screen: a Comune and its open work."""

    comune: Comune
    open_practices: int
    overdue_practices: int


class ComuneRepo:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._names: list[tuple[str, str, str, str]] | None = None

    def get(self, code: str) -> Comune | None:
        with self.store.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM comune WHERE istat_code = ? AND deleted = 0", (code,)
            ).fetchone()
        return _comune(row) if row else None

    def all(self, *, active_only: bool = False) -> list[Comune]:
        where = "deleted = 0" + (" AND active = 1" if active_only else "")
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM comune WHERE {where} ORDER BY name"
            ).fetchall()
        return [_comune(r) for r in rows]

    def _name_index(self) -> list[tuple[str, str, str, str]]:
        """(normalized name, code, name, province) of every Comune, cached."""
        if self._names is None:
            with self.store.read() as conn:
                rows = conn.execute(
                    "SELECT istat_code, name, province FROM comune WHERE deleted = 0"
                ).fetchall()
            self._names = [(normalize(n), c, n, p) for c, n, p in rows]
        return self._names

    def forget_cache(self) -> None:
        self._names = None

    def resolve(self, text: str, field: str = "comune") -> Comune:
        """A Comune from its ISTAT code or its name (accents and case ignored).

        "Nome (BG)" picks among homonyms. Unknown or ambiguous: NotFoundError listing
        the candidates.
        """
        query = text.strip()
        if len(query) == 6 and query[0].isalpha() and query.isalnum():
            # an ente beyond the Comuni by its code (UTS016, an Unione's code)
            ente = self.get(query.upper())
            if ente is not None:
                return ente
        if query.isdigit():
            found = self.get(query.zfill(6))
            if found is None:
                raise NotFoundError(f"Nessun Comune con codice ISTAT {query}.", field)
            return found
        province = None
        if query.endswith(")") and "(" in query:
            query, _, rest = query.rpartition("(")
            province = rest.rstrip(")").strip().upper()
        wanted = normalize(query)
        index = self._name_index()
        exact = [e for e in index if e[0] == wanted and (province is None or e[3] == province)]
        if len(exact) == 1:
            found = self.get(exact[0][1])
            assert found is not None
            return found
        if exact:
            candidates = [f"{n} ({p}, {c})" for _, c, n, p in exact]
            raise NotFoundError(
                f"«{text}» indica più Comuni: {', '.join(candidates)}. Usa il codice ISTAT "
                "o aggiungi la provincia, es. «Nome (BG)».",
                field,
                candidates,
            )
        # Comuni first, then the other enti (Provincia di ..., Unioni)
        near = sorted(
            (e for e in index if wanted and wanted in e[0]), key=lambda e: not e[1].isdigit()
        )[:10]
        candidates = [f"{n} ({p}, {c})" for _, c, n, p in near]
        hint = f" Forse: {', '.join(candidates)}." if candidates else ""
        raise NotFoundError(f"Comune sconosciuto: «{text}».{hint}", field, candidates)

    def search(self, text: str, limit: int = 50) -> list[Comune]:
        """Comuni whose name or code contains `text` (for pickers), best matches first."""
        wanted = normalize(text)
        index = self._name_index()
        hits = [e for e in index if not wanted or wanted in e[0] or e[1].startswith(wanted)]
        hits.sort(key=lambda e: (not e[0].startswith(wanted), e[0]))
        codes = [e[1] for e in hits[:limit]]
        if not codes:
            return []
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM comune WHERE istat_code IN "
                f"({', '.join('?' for _ in codes)})",
                codes,
            ).fetchall()
        by_code = {r[0]: _comune(r) for r in rows}
        return [by_code[c] for c in codes if c in by_code]

    def assigned_codes(self, expert_id: str | None, on: date | None = None) -> list[str]:
        """ISTAT codes of the Comuni assigned to the expert (valid on `on` if given)."""
        if expert_id is None:
            return []
        sql = (
            "SELECT DISTINCT a.comune_code FROM assignment a JOIN comune c "
            "ON c.istat_code = a.comune_code WHERE a.expert_id = ? AND a.deleted = 0"
        )
        params: list[object] = [expert_id]
        if on is not None:
            sql += (
                " AND (a.valid_from IS NULL OR a.valid_from <= ?)"
                " AND (a.valid_to IS NULL OR a.valid_to >= ?)"
            )
            params += [on.isoformat(), on.isoformat()]
        sql += " ORDER BY c.name"
        with self.store.read() as conn:
            return [r[0] for r in conn.execute(sql, params)]

    def assigned(self, expert_id: str | None, on: date | None = None) -> list[Comune]:
        codes = self.assigned_codes(expert_id, on)
        found = [self.get(c) for c in codes]
        return [c for c in found if c is not None]

    def summaries(self, codes: list[str], today: date) -> list[ComuneSummary]:
        """Open and overdue practice counts per Comune (uses practice_comune_status)."""
        if not codes:
            return []
        marks = ", ".join("?" for _ in codes)
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {', '.join('c.' + x.strip() for x in _COLUMNS.split(','))}, "
                "COUNT(p.id), "
                "COALESCE(SUM(CASE WHEN p.status = 'aperta' THEN p.due_on < ? "
                "ELSE p.suspended_since > p.due_on END), 0) "
                f"FROM comune c LEFT JOIN practice p ON p.comune_code = c.istat_code "
                "AND p.status IN ('aperta', 'sospesa') AND p.deleted = 0 "
                f"WHERE c.istat_code IN ({marks}) GROUP BY c.istat_code ORDER BY c.name",
                [today.isoformat(), *codes],
            ).fetchall()
        return [ComuneSummary(_comune(r[:11]), int(r[11]), int(r[12])) for r in rows]

    def names(self, codes: list[str]) -> dict[str, str]:
        """ISTAT code -> name of these Comuni."""
        if not codes:
            return {}
        marks = ", ".join("?" for _ in codes)
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT istat_code, name FROM comune WHERE istat_code IN ({marks})", codes
            ).fetchall()
        return {code: name for code, name in rows}

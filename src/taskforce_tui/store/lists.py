"""The editable reference lists: ambiti, procedure types (with legal terms), activities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.records import Activity, ProcedureType
from taskforce_tui.domain.text import normalize

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store


def _code(text: str) -> str:
    return normalize(text).replace(" ", "_").replace("-", "_").replace("'", "")


class ListsRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- ambiti ----------------------------------------------------------------------------
    def ambiti(self) -> dict[str, str]:
        with self.store.read() as conn:
            return dict(
                conn.execute(
                    "SELECT code, name FROM ambito WHERE deleted = 0 AND active = 1 ORDER BY name"
                ).fetchall()
            )

    # --- procedure types ----------------------------------------------------------------------
    def procedure_types(self, *, include_inactive: bool = False) -> list[ProcedureType]:
        where = "deleted = 0" + ("" if include_inactive else " AND active = 1")
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT code, name, ambito, legal_term_days, active FROM procedure_type "
                f"WHERE {where} ORDER BY ambito, name"
            ).fetchall()
        return [ProcedureType(r[0], r[1], r[2], int(r[3]), bool(r[4])) for r in rows]

    def resolve_procedure_type(self, text: str, field: str = "procedure_type") -> ProcedureType:
        """A procedure type by code or by name (case and accents ignored, unique prefix ok)."""
        wanted = _code(text)
        types = self.procedure_types(include_inactive=True)
        exact = [t for t in types if wanted in (t.code, _code(t.name))]
        if len(exact) == 1:
            return exact[0]
        for match in (str.startswith, str.__contains__):  # unique prefix, else unique substring
            hits = [t for t in types if match(t.code, wanted) or match(_code(t.name), wanted)]
            if wanted and len(hits) == 1:
                return hits[0]
        codes = [t.code for t in types if t.active]
        raise NotFoundError(
            f"Tipo di procedimento sconosciuto o ambiguo: «{text}». Tipi disponibili: "
            f"{', '.join(codes)}.",
            field,
            codes,
        )

    def save_procedure_type(self, pt: ProcedureType) -> None:
        if not pt.name.strip():
            raise DomainError("Il nome del tipo di procedimento è obbligatorio.", "name")
        if not 0 < pt.legal_term_days <= 3650:
            raise DomainError(
                "Il termine di legge deve essere tra 1 e 3650 giorni.", "legal_term_days"
            )
        if pt.ambito not in self.ambiti():
            raise DomainError(f"Ambito sconosciuto: «{pt.ambito}».", "ambito")
        code = pt.code or _code(pt.name)
        values = {
            "name": pt.name.strip(),
            "ambito": pt.ambito,
            "legal_term_days": pt.legal_term_days,
            "active": pt.active,
        }
        with self.store.write() as tx:
            exists = tx.conn.execute(
                "SELECT 1 FROM procedure_type WHERE code = ?", (code,)
            ).fetchone()
            if exists:
                tx.update("procedure_type", code, {**values, "deleted": 0})
            else:
                tx.insert("procedure_type", {"code": code, **values})

    # --- activities ---------------------------------------------------------------------------
    def activities(self, *, include_inactive: bool = False) -> list[Activity]:
        where = "deleted = 0" + ("" if include_inactive else " AND active = 1")
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT code, name, active FROM activity WHERE {where} ORDER BY name"
            ).fetchall()
        return [Activity(r[0], r[1], bool(r[2])) for r in rows]

    def resolve_activity(self, text: str, field: str = "activity") -> Activity:
        wanted = _code(text)
        items = self.activities(include_inactive=True)
        exact = [a for a in items if wanted in (a.code, _code(a.name))]
        if len(exact) == 1:
            return exact[0]
        for match in (str.startswith, str.__contains__):  # unique prefix, else unique substring
            hits = [a for a in items if match(a.code, wanted) or match(_code(a.name), wanted)]
            if wanted and len(hits) == 1:
                return hits[0]
        codes = [a.code for a in items if a.active]
        raise NotFoundError(
            f"Attività sconosciuta o ambigua: «{text}». Attività disponibili: {', '.join(codes)}.",
            field,
            codes,
        )

    def save_activity(self, activity: Activity) -> None:
        if not activity.name.strip():
            raise DomainError("Il nome dell'attività è obbligatorio.", "name")
        code = activity.code or _code(activity.name)
        values = {"name": activity.name.strip(), "active": activity.active}
        with self.store.write() as tx:
            exists = tx.conn.execute("SELECT 1 FROM activity WHERE code = ?", (code,)).fetchone()
            if exists:
                tx.update("activity", code, {**values, "deleted": 0})
            else:
                tx.insert("activity", {"code": code, **values})

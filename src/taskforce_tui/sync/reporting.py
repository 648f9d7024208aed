"""Read-only reporting views of the centre's database, for the Region's tools (Excel
and LibreOffice through ODBC, Metabase, Power BI): the same SQL on SQLite and on
PostgreSQL, documented with their columns in docs/sync.md ("Reporting views").

Names and columns are in Italian: the people who read them are the users. Only
live records count (`deleted = 0`). The role that may read these views and nothing
else is made by `taskforce_lettore.sql` beside this module.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from typing import Final

#: Hours per expert, Comune and month (time logs not tied to a Comune: comune NULL).
HOURS: Final = """
SELECT t.expert_id AS esperto_id,
       e.name AS esperto,
       t.comune_code AS comune_istat,
       c.name AS comune,
       c.province AS provincia,
       substr(t.work_date, 1, 7) AS mese,
       count(*) AS registrazioni,
       sum(t.minutes) AS minuti,
       round(sum(t.minutes) / 60.0, 2) AS ore
FROM time_log t
LEFT JOIN expert e ON e.id = t.expert_id
LEFT JOIN comune c ON c.istat_code = t.comune_code
WHERE t.deleted = 0
GROUP BY t.expert_id, e.name, t.comune_code, c.name, c.province, substr(t.work_date, 1, 7)
"""

#: Practices still running (aperta or sospesa) and the backlog, per Comune and
#: procedure type. Backlog (arretrato): past the legal term today, the days of closed
#: suspensions added; a suspended practice counts if it was past its term when the
#: suspension began (the clock stops while suspended).
OPEN_PRACTICES: Final = """
SELECT p.comune_code AS comune_istat,
       c.name AS comune,
       c.province AS provincia,
       p.procedure_type AS tipo_procedimento,
       pt.name AS tipo,
       count(*) AS in_corso,
       sum(CASE WHEN p.status = 'aperta' THEN 1 ELSE 0 END) AS aperte,
       sum(CASE WHEN p.status = 'sospesa' THEN 1 ELSE 0 END) AS sospese,
       sum(CASE WHEN p.due_on < coalesce(p.suspended_since, CAST(CURRENT_DATE AS TEXT))
                THEN 1 ELSE 0 END) AS arretrato,
       min(p.received_on) AS prima_ricevuta
FROM practice p
LEFT JOIN comune c ON c.istat_code = p.comune_code
LEFT JOIN procedure_type pt ON pt.code = p.procedure_type
WHERE p.deleted = 0 AND p.status IN ('aperta', 'sospesa')
GROUP BY p.comune_code, c.name, c.province, p.procedure_type, pt.name
"""

VIEWS: Final[dict[str, str]] = {
    "vista_ore_mensili": HOURS,
    "vista_pratiche_aperte": OPEN_PRACTICES,
}

#: The SQL script making the `taskforce_lettore` role (docs/sync.md).
READER_SCRIPT: Final = "taskforce_lettore.sql"


def view_statements() -> list[str]:
    """Statements (re)making every view, valid on both back ends."""
    out = []
    for name, sql in creates().items():
        out += [f"DROP VIEW IF EXISTS {name}", sql]
    return out


def creates() -> dict[str, str]:
    """Each view's CREATE VIEW statement, by name."""
    return {name: f"CREATE VIEW {name} AS {body.strip()}" for name, body in VIEWS.items()}


def ensure_views(conn: sqlite3.Connection) -> None:
    """Make the views of a SQLite centre current (no write when they already are)."""
    found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    if all(found.get(name) == sql for name, sql in creates().items()):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in view_statements():
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def reader_script() -> str:
    return resources.files(__package__).joinpath(READER_SCRIPT).read_text(encoding="utf-8")

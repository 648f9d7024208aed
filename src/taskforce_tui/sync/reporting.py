"""Read-only reporting views of the centre's database, for the Region's tools (Excel
and LibreOffice through ODBC, Metabase, Power BI): the same SQL on SQLite and on
PostgreSQL but for the spelling of today's date (`TODAY_SQL`), documented with their
columns in docs/sync.md ("Reporting views").

Names and columns are in Italian: the people who read them are the users. Only
live records count (`deleted = 0`). The views call no function of ours (none is
registered in another client's SQLite connection, and the reader role may execute none
on PostgreSQL). The role that may read these views and nothing else is made by
`taskforce_lettore.sql` beside this module.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from typing import Final

#: "Today" in the views: the local date where the database runs (the coordinator's
#: machine for a SQLite file, the server's TimeZone on PostgreSQL), so in Lombardy the
#: Italian date also after midnight, when UTC is still on the day before. The bodies
#: below are spelt with PostgreSQL's; SQLite's CURRENT_DATE is UTC, so `creates` puts
#: its local date in their place there.
_TODAY = "CAST(CURRENT_DATE AS TEXT)"
TODAY_SQL: Final[dict[str, str]] = {"postgresql": _TODAY, "sqlite": "date('now', 'localtime')"}

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
OPEN_PRACTICES: Final = f"""
SELECT p.comune_code AS comune_istat,
       c.name AS comune,
       c.province AS provincia,
       p.procedure_type AS tipo_procedimento,
       pt.name AS tipo,
       count(*) AS in_corso,
       sum(CASE WHEN p.status = 'aperta' THEN 1 ELSE 0 END) AS aperte,
       sum(CASE WHEN p.status = 'sospesa' THEN 1 ELSE 0 END) AS sospese,
       sum(CASE WHEN p.due_on < coalesce(p.suspended_since, {_TODAY})
                THEN 1 ELSE 0 END) AS arretrato,
       min(p.received_on) AS prima_ricevuta
FROM practice p
LEFT JOIN comune c ON c.istat_code = p.comune_code
LEFT JOIN procedure_type pt ON pt.code = p.procedure_type
WHERE p.deleted = 0 AND p.status IN ('aperta', 'sospesa')
GROUP BY p.comune_code, c.name, c.province, p.procedure_type, pt.name
"""


def _is_iso(iso: str) -> str:
    """SQL true when column `iso` has the shape 'DDDD-DD-DD' (digits and two dashes):
    PostgreSQL refuses to cast anything else to an integer, and one bad value, which
    the merge does not refuse, must not make a whole view fail."""
    digits_gone = iso
    for digit in "0123456789":
        digits_gone = f"replace({digits_gone}, '{digit}', '')"
    return (
        f"(length({iso}) = 10 AND substr({iso}, 5, 1) = '-' AND substr({iso}, 8, 1) = '-' "
        f"AND {digits_gone} = '--')"
    )


def _day_number(iso: str) -> str:
    """SQL for the day number of the ISO date (text 'YYYY-MM-DD') in column `iso`: the
    difference of two is the days between them, on both back ends and without a
    function of ours (SQLite's julianday and PostgreSQL's date arithmetic exist on one
    only; a function registered by the app would be missing for the other tools reading
    a SQLite centre). The Gregorian count of days from 1 March of year 0, with March as
    the year's first month so that February's length never matters; integer division
    truncates on both back ends and every term is positive. NULL for NULL and for
    text that is not shaped like a date (as SQLite's julianday answers)."""
    y = f"CAST(substr({iso}, 1, 4) AS INTEGER)"
    m = f"CAST(substr({iso}, 6, 2) AS INTEGER)"
    d = f"CAST(substr({iso}, 9, 2) AS INTEGER)"
    year = f"({y} - CASE WHEN {m} > 2 THEN 0 ELSE 1 END)"
    month = f"(CASE WHEN {m} > 2 THEN {m} - 3 ELSE {m} + 9 END)"
    return (
        f"(CASE WHEN {_is_iso(iso)} THEN 365 * {year} + {year} / 4 - {year} / 100 "
        f"+ {year} / 400 + ({month} * 306 + 5) / 10 + {d} END)"
    )


def _semester_index(iso: str) -> str:
    """SQL for year * 2 + (0 for January-June, 1 for July-December) of an ISO date
    (NULL for text that is not shaped like one)."""
    return (
        f"(CASE WHEN {_is_iso(iso)} THEN CAST(substr({iso}, 1, 4) AS INTEGER) * 2 "
        f"+ CASE WHEN substr({iso}, 6, 2) > '06' THEN 1 ELSE 0 END END)"
    )


#: The semester indicators (docs/indicators.md, store/indicators.py) per ente (a row
#: of `comune`: Comune, Provincia, Unione, ...), procedure type and semester, from the
#: semester of the oldest receipt to the current one. A semester is measured at its
#: last day, the current one today. Rows with nothing started, concluded, archived or
#: pending are left out, as in the app's semester report. Same rules as the app:
#: durations are gross calendar days (suspensions included), the net ones subtract the
#: practice's closed suspended days; the arretrato counts the practices pending at the
#: measuring day and past their term then (receipt + the practice's legal term + the
#: days suspended up to that day, each suspension cut at it).
SEMESTER_INDICATORS: Final = f"""
WITH RECURSIVE indice (k) AS (
    SELECT min({_semester_index("received_on")}) FROM practice WHERE deleted = 0
    UNION ALL
    SELECT k + 1 FROM indice WHERE k < {_semester_index(_TODAY)}
),
periodo AS (
    SELECT k,
           CAST(k / 2 AS TEXT) || '-H' || CAST(k - 2 * (k / 2) + 1 AS TEXT) AS semestre,
           CAST(k / 2 AS TEXT)
               || CASE WHEN k - 2 * (k / 2) = 0 THEN '-01-01' ELSE '-07-01' END AS inizio,
           CAST(k / 2 AS TEXT)
               || CASE WHEN k - 2 * (k / 2) = 0 THEN '-06-30' ELSE '-12-31' END AS fine,
           {_TODAY} AS oggi
    FROM indice
    WHERE k IS NOT NULL
),
misura AS (
    SELECT k, semestre, inizio, fine, CASE WHEN fine < oggi THEN fine ELSE oggi END AS al
    FROM periodo
),
semestre AS (
    SELECT k, semestre, inizio, fine, al, {_day_number("al")} AS g_al FROM misura
),
pratica AS (
    SELECT id, comune_code, procedure_type, received_on, concluded_on, status, outcome,
           service_conference, legal_term_days, suspended_days, suspended_since,
           {_day_number("received_on")} AS g_ricevuta,
           {_day_number("concluded_on")} AS g_conclusa
    FROM practice
    WHERE deleted = 0
),
sospensione AS (
    SELECT practice_id, start_on, end_on,
           {_day_number("start_on")} AS g_inizio,
           {_day_number("end_on")} AS g_fine
    FROM suspension
    WHERE deleted = 0
),
candidata AS (
    SELECT s.k, s.semestre, s.inizio, s.fine, s.al, s.g_al, p.*,
           CASE WHEN p.concluded_on >= s.inizio AND p.concluded_on <= s.al
                THEN 1 ELSE 0 END AS chiusa_nel_semestre,
           CASE WHEN p.status IN ('conclusa', 'archiviata') AND p.concluded_on IS NOT NULL
                     AND p.concluded_on <= s.al
                THEN 0 ELSE 1 END AS pendente
    FROM semestre s
    JOIN pratica p
      ON p.received_on <= s.al
     AND (p.concluded_on IS NULL OR p.concluded_on >= s.inizio
          OR p.status NOT IN ('conclusa', 'archiviata'))
),
esito AS (
    SELECT c.*,
           CASE WHEN c.chiusa_nel_semestre = 1 AND c.status = 'conclusa'
                     AND c.outcome = 'silenzio_assenso'
                THEN 1 ELSE 0 END AS tacito,
           CASE WHEN c.chiusa_nel_semestre = 1 AND c.status = 'conclusa'
                     AND c.outcome IN ('favorevole', 'sfavorevole')
                THEN 1 ELSE 0 END AS espresso,
           CASE WHEN c.pendente = 1
                     AND c.g_al - c.g_ricevuta - c.legal_term_days
                         - CASE WHEN c.suspended_days = 0 AND c.suspended_since IS NULL
                                THEN 0
                                ELSE (SELECT coalesce(sum(CASE
                                          WHEN x.start_on >= c.al THEN 0
                                          WHEN x.end_on IS NOT NULL AND x.end_on <= x.start_on
                                              THEN 0
                                          WHEN x.end_on IS NULL OR x.end_on > c.al
                                              THEN c.g_al - x.g_inizio
                                          ELSE x.g_fine - x.g_inizio END), 0)
                                      FROM sospensione x WHERE x.practice_id = c.id) END > 0
                THEN 1 ELSE 0 END AS oltre_termine
    FROM candidata c
),
contributo AS (
    SELECT e.*,
           e.tacito + e.espresso AS conclusa,
           CASE WHEN e.tacito + e.espresso = 1 THEN e.g_conclusa - e.g_ricevuta END AS giorni,
           CASE WHEN e.tacito + e.espresso = 1
                THEN e.g_conclusa - e.g_ricevuta - e.suspended_days END AS giorni_netti
    FROM esito e
)
SELECT f.semestre,
       f.inizio,
       f.fine,
       f.al AS dati_al,
       CASE WHEN f.al = f.fine THEN 1 ELSE 0 END AS semestre_chiuso,
       f.comune_code AS ente_codice,
       c.name AS ente,
       c.kind AS tipo_ente,
       c.province AS provincia,
       f.procedure_type AS tipo_procedimento,
       pt.name AS tipo,
       pt.legal_term_days AS termine_legge_gg,
       sum(CASE WHEN f.received_on >= f.inizio THEN 1 ELSE 0 END) AS avviati,
       sum(f.tacito) AS conclusi_silenzio_assenso,
       sum(f.espresso) AS conclusi_espresso,
       sum(CASE WHEN f.espresso = 1 AND f.service_conference <> 0 THEN 1 ELSE 0 END)
           AS espressi_con_conferenza,
       sum(CASE WHEN f.espresso = 1 AND f.suspended_days > 0 THEN 1 ELSE 0 END)
           AS espressi_con_sospensione,
       sum(f.conclusa) AS conclusi,
       coalesce(sum(f.giorni), 0) AS giorni_totali,
       CASE WHEN sum(f.conclusa) > 0
            THEN round(sum(f.giorni) * 1.0 / sum(f.conclusa), 1) END AS durata_media_gg,
       coalesce(sum(f.giorni_netti), 0) AS giorni_netti_totali,
       CASE WHEN sum(f.conclusa) > 0
            THEN round(sum(f.giorni_netti) * 1.0 / sum(f.conclusa), 1) END
           AS durata_netta_media_gg,
       sum(CASE WHEN f.conclusa = 1
                     AND f.giorni - f.legal_term_days - f.suspended_days > 0
                THEN 1 ELSE 0 END) AS conclusi_oltre_termine,
       sum(CASE WHEN f.chiusa_nel_semestre = 1 AND f.status = 'archiviata'
                THEN 1 ELSE 0 END) AS archiviati,
       sum(f.pendente) AS pendenti,
       sum(f.oltre_termine) AS arretrato
FROM contributo f
LEFT JOIN comune c ON c.istat_code = f.comune_code
LEFT JOIN procedure_type pt ON pt.code = f.procedure_type
GROUP BY f.k, f.semestre, f.inizio, f.fine, f.al, f.comune_code, c.name, c.kind, c.province,
         f.procedure_type, pt.name, pt.legal_term_days
HAVING sum(CASE WHEN f.received_on >= f.inizio THEN 1 ELSE 0 END) + sum(f.conclusa)
       + sum(CASE WHEN f.chiusa_nel_semestre = 1 AND f.status = 'archiviata'
                  THEN 1 ELSE 0 END) + sum(f.pendente) > 0
"""

#: Each live intervention with the figures of its latest snapshot up to today (the
#: programmed amount is the snapshot's total when it has one, else the intervention's)
#: and its phases late today (not ended past their planned end, or ended after it), as
#: store/aree.py `InterventionRepo.rows` gives them.
_INTERVENTIONS = f"""
SELECT i.id, i.area_code,
       coalesce(s.total_cents, i.total_cents) AS programmato,
       coalesce(s.committed_cents, 0) AS impegnato,
       coalesce(s.paid_cents, 0) AS pagato,
       s.ref_date,
       (SELECT coalesce(sum(f.amount_cents), 0) FROM intervention_funding f
        WHERE f.intervention_id = i.id AND f.deleted = 0) AS finanziato,
       (SELECT count(*) FROM intervention_phase p
        WHERE p.intervention_id = i.id AND p.deleted = 0 AND p.planned_end IS NOT NULL
          AND ((p.actual_end IS NULL AND p.planned_end < {_TODAY})
               OR p.actual_end > p.planned_end)) AS fasi_in_ritardo
FROM intervention i
LEFT JOIN intervention_snapshot s
  ON s.intervention_id = i.id AND s.deleted = 0 AND s.ref_date <= {_TODAY}
 AND NOT EXISTS (
     SELECT 1 FROM intervention_snapshot y
     WHERE y.intervention_id = i.id AND y.deleted = 0 AND y.ref_date <= {_TODAY}
       AND (y.ref_date > s.ref_date OR (y.ref_date = s.ref_date AND y.id > s.id)))
WHERE i.deleted = 0
"""

#: The interventions' physical-financial progress per area of the Aree Interne (every
#: live area, also one without interventions), the sums of store/aree.py's rows: cents
#: as stored, euros with 2 decimals, percentages of the programmed amount (1 decimal).
INTERVENTIONS_BY_AREA: Final = f"""
SELECT a.code AS area_codice,
       a.name AS area,
       a.kind AS tipo_area,
       count(x.id) AS interventi,
       coalesce(sum(x.programmato), 0) AS programmato_cent,
       coalesce(sum(x.finanziato), 0) AS finanziato_cent,
       coalesce(sum(x.impegnato), 0) AS impegnato_cent,
       coalesce(sum(x.pagato), 0) AS pagato_cent,
       round(coalesce(sum(x.programmato), 0) / 100.0, 2) AS programmato_euro,
       round(coalesce(sum(x.finanziato), 0) / 100.0, 2) AS finanziato_euro,
       round(coalesce(sum(x.impegnato), 0) / 100.0, 2) AS impegnato_euro,
       round(coalesce(sum(x.pagato), 0) / 100.0, 2) AS pagato_euro,
       CASE WHEN sum(x.programmato) > 0
            THEN round(sum(x.impegnato) * 100.0 / sum(x.programmato), 1) END AS impegnato_pct,
       CASE WHEN sum(x.programmato) > 0
            THEN round(sum(x.pagato) * 100.0 / sum(x.programmato), 1) END AS pagato_pct,
       coalesce(sum(x.fasi_in_ritardo), 0) AS fasi_in_ritardo,
       count(x.ref_date) AS interventi_monitorati,
       max(x.ref_date) AS ultimo_monitoraggio
FROM area a
LEFT JOIN ({_INTERVENTIONS.strip()}) x ON x.area_code = a.code
WHERE a.deleted = 0
GROUP BY a.code, a.name, a.kind
"""

VIEWS: Final[dict[str, str]] = {
    "vista_ore_mensili": HOURS,
    "vista_pratiche_aperte": OPEN_PRACTICES,
    "vista_indicatori_semestrali": SEMESTER_INDICATORS,
    "vista_interventi_per_area": INTERVENTIONS_BY_AREA,
}

#: The SQL script making the `taskforce_lettore` role (docs/sync.md).
READER_SCRIPT: Final = "taskforce_lettore.sql"


def view_statements(dialect: str) -> list[str]:
    """Statements (re)making every view on a back end ("sqlite" or "postgresql")."""
    out = []
    for name, sql in creates(dialect).items():
        out += [f"DROP VIEW IF EXISTS {name}", sql]
    return out


def creates(dialect: str) -> dict[str, str]:
    """Each view's CREATE VIEW statement on a back end, by name."""
    today = TODAY_SQL[dialect]
    return {
        name: f"CREATE VIEW {name} AS {body.strip()}".replace(_TODAY, today)
        for name, body in VIEWS.items()
    }


def ensure_views(conn: sqlite3.Connection) -> None:
    """Make the views of a SQLite centre current (no write when they already are)."""
    found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    if all(found.get(name) == sql for name, sql in creates("sqlite").items()):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in view_statements("sqlite"):
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def reader_script() -> str:
    return resources.files(__package__).joinpath(READER_SCRIPT).read_text(encoding="utf-8")

"""Practices: SQL-paged lists with filters, lookup, and every workflow step.

Every write goes through `Store.write()`, so it is validated by the domain and
op-logged in the same transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import practice as workflow
from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import from_iso, today
from taskforce_tui.domain.errors import DomainError, NotFoundError
from taskforce_tui.domain.records import Practice, Suspension
from taskforce_tui.store.ids import new_id
from taskforce_tui.store.oplog import expand
from taskforce_tui.store.words import SHORT_TEXT, fts_prefix, short_word, starts_a_word

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.tx import Tx

_COLUMNS = (
    "id, comune_code, ambito, procedure_type, protocol_no, subject, received_on, "
    "legal_term_days, status, service_conference, concluded_on, outcome, expert_id, notes, "
    "reopen_reason"
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ID_PREFIX = re.compile(r"^[0-9a-f]{6,}(-[0-9a-f-]*)?$")


def _practice(row: tuple[Any, ...], suspensions: list[Suspension]) -> Practice:
    received = from_iso(row[6])
    assert received is not None
    return Practice(
        id=row[0],
        comune_code=row[1],
        ambito=row[2],
        procedure_type=row[3],
        protocol_no=row[4],
        subject=row[5],
        received_on=received,
        legal_term_days=int(row[7]),
        status=row[8],
        service_conference=bool(row[9]),
        concluded_on=from_iso(row[10]),
        outcome=row[11],
        expert_id=row[12],
        notes=row[13],
        reopen_reason=row[14],
        suspensions=suspensions,
    )


def _suspension(row: tuple[Any, ...]) -> Suspension:
    start = from_iso(row[2])
    assert start is not None
    return Suspension(row[0], row[1], start, from_iso(row[3]), row[4])


# --- list views -------------------------------------------------------------------------
@dataclass(slots=True)
class PracticeFilter:
    """What the practice list shows. Empty fields mean "any"."""

    comuni: list[str] | None = None
    statuses: list[str] | None = None
    ambito: str | None = None
    procedure_type: str | None = None
    overdue_only: bool = False
    text: str = ""


@dataclass(slots=True)
class PracticeRow:
    """One line of a practice list, with the derived figures computed in SQL."""

    id: str
    comune_code: str
    comune_name: str
    ambito: str
    procedure_type: str
    type_name: str
    protocol_no: str
    subject: str
    received_on: date
    legal_term_days: int
    status: str
    due_on: date
    overdue: bool
    days_left: int | None
    concluded_on: date | None
    outcome: str | None
    suspended_days: int


#: Sort keys offered to users -> the SQL terms of the order, most significant first
#: (the practice's rowid always breaks the last tie). "comune" orders by name and,
#: within a Comune, by receipt date; "stato" by status and then due date; "oggetto"
#: by subject and then protocol; "avvio" by receipt and then due date (the index
#: carries the due date, so "overdue only" is checked without reading the row): each
#: is the order of an index, so a page is read in order instead of sorted.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "comune": ("c.name", "c.rowid", "p.received_on"),
    "tipo": ("p.procedure_type",),
    "protocollo": ("p.protocol_no",),
    "oggetto": ("p.subject", "p.protocol_no"),
    "avvio": ("p.received_on", "p.due_on"),
    "stato": ("p.status", "p.due_on"),
    "scadenza": ("eff_due",),
    "giorni": ("eff_due",),
    "conclusione": ("p.concluded_on",),
}

# Effective due date: for a suspended practice the clock is stopped since
# suspended_since, so the due date moves with today.
_EFF_DUE = (
    "CASE WHEN p.status = 'sospesa' AND p.suspended_since IS NOT NULL "
    "THEN date(p.due_on, '+' || CAST(julianday(:today) - julianday(p.suspended_since) "
    "AS INTEGER) || ' days') ELSE p.due_on END"
)
_OVERDUE = (
    "CASE p.status WHEN 'aperta' THEN p.due_on < :today "
    "WHEN 'sospesa' THEN p.suspended_since > p.due_on "
    "WHEN 'conclusa' THEN p.concluded_on > p.due_on ELSE 0 END"
)
#: The overdue filter, status by status (conclusa and archiviata never count).
_OVERDUE_BY_STATUS = {
    vocab.APERTA: "p.due_on < :today",
    vocab.SOSPESA: "p.suspended_since > p.due_on",
}


def fts_query(text: str) -> str:
    """A literal FTS5 phrase (trigram tokenizer: substring match)."""
    return '"' + text.replace('"', '""') + '"'


#: Up to this many Comuni the text filter scans their rows with LIKE instead of FTS.
SMALL_SCOPE = 100
#: Over a larger scope, a text matching at most this many practices is looked up
#: first (trigram index; for one or two characters, the word-prefix index) and the
#: page is sorted from those rows; a text matching more is checked row by row while
#: the page is read in sort order (10% of the rows or more: it fills a page after a
#: few hundred).
NARROW_TEXT = 30_000
#: An arm of a large-scope page walks its sort order checking the ambito on each row
#: only if that status has at least this many practices of the ambito; with fewer,
#: they are searched (practice_list_ambito) and sorted.
WALK_FACET = 5_000


def _bind(params: dict[str, object], prefix: str, values: Sequence[str]) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return ", ".join(names)


def small_scope(flt: PracticeFilter) -> bool:
    return flt.comuni is not None and len(flt.comuni) <= SMALL_SCOPE


@dataclass(slots=True)
class TextPlan:
    """How the text filter runs: the codes of the Comuni and types whose name contains
    the text, and either `rowids`, when a lookup found at most NARROW_TEXT matching
    practices, or None: LIKE on each row (in a small scope always)."""

    comuni: Sequence[str] = ()
    types: Sequence[str] = ()
    rowids: list[int] | None = None
    #: A search of one or two characters: the word start it means (store/words.py).
    word: str | None = None


def _text_clause(
    flt: PracticeFilter,
    params: dict[str, object],
    plan: TextPlan | None,
    counting: bool = False,
) -> str:
    text = flt.text.strip()
    if not text:
        return ""
    plan = plan or TextPlan()
    if plan.rowids is not None:
        params["ids"] = "[" + ",".join(map(str, plan.rowids)) + "]"
        terms = ["p.rowid IN (SELECT value FROM json_each(:ids))"]
    elif plan.word is not None:
        if counting and not small_scope(flt):
            # every row is counted: the word-prefix index's rowids, once (a Python
            # check on each of 300,000 rows would take a second)
            params["words"] = fts_prefix(plan.word)
            terms = [
                "p.rowid IN (SELECT rowid FROM practice_words WHERE practice_words MATCH :words)"
            ]
        else:  # checked on the rows read: a few thousand in a scope, a page's worth in a walk
            params["word"] = plan.word
            terms = ["tf_word_start(:word, p.protocol_no, p.subject)"]
    else:
        params["like"] = like_pattern(text)
        like = "LIKE :like ESCAPE '\\'"
        terms = [f"p.protocol_no {like}", f"p.subject {like}"]
    if plan.comuni:
        terms.append(f"p.comune_code IN ({_bind(params, 'tc', plan.comuni)})")
    if plan.types:
        terms.append(f"p.procedure_type IN ({_bind(params, 'tt', plan.types)})")
    return f"({' OR '.join(terms)})"


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(
    flt: PracticeFilter,
    params: dict[str, object],
    text_plan: TextPlan | None = None,
    *,
    status: str | None = None,
    walk_type: bool = False,
    counting: bool = False,
    by_type: bool = False,
    walk_ambito: bool = False,
) -> str:
    """The WHERE of a list query. With `status`, one arm of a large-scope page: that
    status only, and the overdue filter as it reads for that status."""
    clauses = ["p.deleted = 0"]
    if flt.comuni is not None:
        if not flt.comuni:
            return "0"
        clauses.append(f"p.comune_code IN ({_bind(params, 'c', flt.comuni)})")
    if status is not None:
        params[f"st_{status}"] = status
        clauses.append(f"p.status = :st_{status}")
        if flt.overdue_only:
            clauses.append(_OVERDUE_BY_STATUS[status])
    else:
        if flt.statuses:
            clauses.append(f"p.status IN ({_bind(params, 's', flt.statuses)})")
        if flt.overdue_only:
            # Two index-friendly halves (practice_status_due), not one CASE the planner
            # cannot search: open past the due date, or suspended after it.
            clauses.append(
                "((p.status = 'aperta' AND p.due_on < :today) OR "
                "(p.status = 'sospesa' AND p.suspended_since > p.due_on))"
            )
    if flt.ambito:
        params["ambito"] = flt.ambito
        # A common ambito in a status (PracticeRepo.page_query counts it, _walks) in an
        # arm ordered by any key but type: the unary + keeps the planner on that key's
        # index, checking the ambito on the rows it reads. Ordered by type, or an
        # ambito rare in the status: searched in practice_list_ambito (status, ambito,
        # type), page_sql says so; the walk by type used to read every row of the other
        # ambiti's types first (80-240 ms), and a walk for a rare ambito ("bonifiche",
        # 2%) most of the table (0.4 s by subject).
        plus = "+" if status is not None and walk_ambito and not by_type else ""
        clauses.append(f"{plus}p.ambito = :ambito")
    if flt.procedure_type:
        params["ptype"] = flt.procedure_type
        # A common type (PracticeRepo.page_query counts it) in an arm ordered by another
        # key: the unary + keeps the planner on that key's index; searching (status,
        # type) and sorting the 91,000 SCIA took ~100 ms. A rare type is searched.
        plus = "+" if status is not None and walk_type else ""
        clauses.append(f"{plus}p.procedure_type = :ptype")
    # Protocol and subject: within a few Comuni (an expert's scope, a few thousand
    # rows reached through practice_comune_status) a plain LIKE is fastest. Over a
    # larger scope PracticeRepo.text_plan decides: a rare text is looked up first, a
    # common one checked on each row of the ordered walk (the trigram subquery for
    # "via", which matches most of the 300,000 subjects, cost ~250 ms). Comune and
    # type names were matched beforehand in their own small tables, so the planner
    # never scans practices for them.
    text = _text_clause(flt, params, text_plan, counting)
    if text:
        clauses.append(text)
    return " AND ".join(clauses)


def _arms(flt: PracticeFilter) -> list[str]:
    """The statuses a large-scope page reads one by one (see page_sql)."""
    statuses = flt.statuses or list(vocab.PRACTICE_STATUSES)
    if flt.overdue_only:
        statuses = [s for s in statuses if s in _OVERDUE_BY_STATUS]
    return [s for s in dict.fromkeys(statuses)]


def page_sql(
    flt: PracticeFilter,
    params: dict[str, object],
    sort: str = "avvio",
    descending: bool = True,
    text_plan: TextPlan | None = None,
    walk_type: bool = False,
    walk_ambito: frozenset[str] = frozenset(),
) -> str:
    """The SELECT of one page (benchmarks/bench_tui.py explains every combination).

    Two steps: the filter, the sort and the LIMIT pick rowids from the narrowest
    columns, and only the page's rows get the joins and the derived figures (the due
    date with an open suspension, lateness). About 40% less time per keystroke on the
    region dataset than computing them for every matching row before sorting.

    Within a few Comuni the first step is one query (the planner starts from the
    Comuni's rows). Over a larger scope (all 1,502 Comuni) it is a UNION ALL with one
    arm per status, merged in sort order: each arm reads the index `(status, sort
    key)` in order and stops when the page is full, so no page sorts the matches of a
    common filter (the 234,000 concluded practices took 0.5 s by due date). A
    suspended practice's due date moves with today: it has its own arm, sorted (a few
    thousand rows at most), while the other arms read `practice_status_due` in order.
    """
    terms = SORT_KEYS.get(sort, SORT_KEYS["avvio"])
    direction = "DESC" if descending else "ASC"
    comune = any(t.startswith("c.") for t in terms)
    source = "comune c JOIN practice p ON p.comune_code = c.istat_code" if comune else "practice p"
    keys = [f"k{i}" for i in range(len(terms))]
    order = ", ".join(f"{k} {direction}" for k in (*keys, "rid"))
    one_query = (
        (flt.comuni is not None and not flt.comuni)
        or small_scope(flt)
        or (text_plan is not None and text_plan.rowids is not None)
    )
    arms = None if one_query else _arms(flt)
    if arms is None:
        where = _where(flt, params, text_plan)
        selects = [
            ", ".join(
                f"{_EFF_DUE if t == 'eff_due' else t} AS {k}"
                for t, k in zip(terms, keys, strict=True)
            )
            + f" FROM {source} WHERE {where}"
        ]
    else:
        selects = []
        statuses: list[str | None] = [*arms] if arms else [None]
        for status in statuses:
            if status is None:  # no status can match (overdue among concluded only)
                where = "0"
            else:
                where = _where(
                    flt,
                    params,
                    text_plan,
                    status=status,
                    walk_type=walk_type and sort != "tipo",
                    by_type=sort == "tipo",
                    walk_ambito=status in walk_ambito,
                )
            exprs = [
                ("p.due_on" if status != vocab.SOSPESA else _EFF_DUE) if t == "eff_due" else t
                for t in terms
            ]
            arm_source = source
            if flt.ambito and status is not None and (status not in walk_ambito or sort == "tipo"):
                # searched, not walked (see _where): the planner, which cannot know how
                # sparse the ambito is in this status, would walk the sort key's index
                arm_source = source.replace(
                    "practice p", "practice p INDEXED BY practice_list_ambito"
                )
            selects.append(
                ", ".join(f"{e} AS {k}" for e, k in zip(exprs, keys, strict=True))
                + f" FROM {arm_source} WHERE {where}"
            )
    inner = " UNION ALL ".join(f"SELECT p.rowid AS rid, {s}" for s in selects)
    outer_order = ", ".join(f"page.{k} {direction}" for k in keys) + f", p.rowid {direction}"
    return (
        "SELECT p.id, p.comune_code, c.name, p.ambito, p.procedure_type, "
        "COALESCE(t.name, p.procedure_type), p.protocol_no, p.subject, p.received_on, "
        f"p.legal_term_days, p.status, {_EFF_DUE} AS eff_due, {_OVERDUE}, "
        "p.concluded_on, p.outcome, p.suspended_days "
        f"FROM ({inner} ORDER BY {order} LIMIT :limit OFFSET :offset) page "
        "JOIN practice p ON p.rowid = page.rid "
        "JOIN comune c ON c.istat_code = p.comune_code "
        "LEFT JOIN procedure_type t ON t.code = p.procedure_type "
        f"ORDER BY {outer_order}"
    )


def _walks(conn: sqlite3.Connection, status: str, ambito: str) -> bool:
    """Whether the arm of `status` walks its sort order checking the ambito on each
    row (common there), or searches practice_list_ambito and sorts (a sparse arm would
    be walked to its end before the page is full)."""
    found = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM practice WHERE deleted = 0 "
        "AND status = ? AND ambito = ? LIMIT ?)",
        (status, ambito, WALK_FACET),
    ).fetchone()[0]
    return bool(found >= WALK_FACET)


class PracticeRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading ---------------------------------------------------------------------------
    def get(self, practice_id: str) -> Practice:
        with self.store.read() as conn:
            found = self._load(conn, practice_id)
        if found is None:
            raise NotFoundError(f"Pratica non trovata: {practice_id}.", "pratica")
        return found

    def _load(self, conn: sqlite3.Connection, practice_id: str) -> Practice | None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM practice WHERE id = ? AND deleted = 0", (practice_id,)
        ).fetchone()
        if row is None:
            return None
        suspensions = [
            _suspension(r)
            for r in conn.execute(
                "SELECT id, practice_id, start_on, end_on, reason FROM suspension "
                "WHERE practice_id = ? AND deleted = 0 ORDER BY start_on",
                (practice_id,),
            )
        ]
        return _practice(row, suspensions)

    def find(self, ref: str, scope: list[str] | None = None) -> Practice:
        """A practice by id, by protocol number (among `scope` Comuni) or by id prefix."""
        ref = ref.strip()
        if not ref:
            raise DomainError("Indica la pratica (id o numero di protocollo).", "pratica")
        with self.store.read() as conn:
            if _UUID.match(ref.lower()):
                found = self._load(conn, ref.lower())
                if found is not None:
                    return found
            sql = "SELECT id, comune_code FROM practice WHERE protocol_no = ? AND deleted = 0"
            params: list[object] = [ref]
            if scope is not None:
                sql += f" AND comune_code IN ({', '.join('?' for _ in scope)})"
                params += scope
            matches = conn.execute(sql, params).fetchall()
            if len(matches) > 1:
                ids = ", ".join(m[0][:8] for m in matches[:10])
                raise DomainError(
                    f"Il protocollo {ref} corrisponde a {len(matches)} pratiche: indica l'id "
                    f"(inizia con {ids}).",
                    "pratica",
                )
            if not matches and _ID_PREFIX.match(ref.lower()):
                matches = conn.execute(
                    "SELECT id, comune_code FROM practice WHERE id LIKE ? AND deleted = 0 LIMIT 2",
                    (ref.lower() + "%",),
                ).fetchall()
                if len(matches) > 1:
                    raise DomainError(
                        f"L'id «{ref}» è ambiguo: scrivine qualche carattere in più.", "pratica"
                    )
            if not matches:
                raise NotFoundError(f"Nessuna pratica con protocollo o id «{ref}».", "pratica")
            found = self._load(conn, matches[0][0])
        assert found is not None
        return found

    def page(
        self,
        flt: PracticeFilter,
        *,
        on: date | None = None,
        sort: str = "avvio",
        descending: bool = True,
        limit: int = 200,
        offset: int = 0,
    ) -> list[PracticeRow]:
        """One page of practices, filtered and sorted in SQL."""
        day = on or today()
        with self.store.read() as conn:
            sql, params = self.page_query(conn, flt, day, sort, descending, limit, offset)
            rows = conn.execute(sql, params).fetchall()
        result = []
        for r in rows:
            due = from_iso(r[11])
            assert due is not None
            received = from_iso(r[8])
            assert received is not None
            is_open = r[10] in vocab.OPEN_STATUSES
            result.append(
                PracticeRow(
                    id=r[0],
                    comune_code=r[1],
                    comune_name=r[2],
                    ambito=r[3],
                    procedure_type=r[4],
                    type_name=r[5],
                    protocol_no=r[6],
                    subject=r[7],
                    received_on=received,
                    legal_term_days=r[9],
                    status=r[10],
                    due_on=due,
                    overdue=bool(r[12]),
                    days_left=(due - day).days if is_open else None,
                    concluded_on=from_iso(r[13]),
                    outcome=r[14],
                    suspended_days=r[15],
                )
            )
        return result

    def page_query(
        self,
        conn: sqlite3.Connection,
        flt: PracticeFilter,
        day: date,
        sort: str = "avvio",
        descending: bool = True,
        limit: int = 200,
        offset: int = 0,
    ) -> tuple[str, dict[str, object]]:
        """The SQL and parameters `page` runs (the benchmarks explain it)."""
        params: dict[str, object] = {"today": day.isoformat(), "limit": limit, "offset": offset}
        plan = self._text_plan(conn, flt)
        walk_type = False
        if flt.procedure_type and not small_scope(flt):
            common = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM practice WHERE procedure_type = ? LIMIT ?)",
                (flt.procedure_type, NARROW_TEXT + 1),
            ).fetchone()[0]
            walk_type = common > NARROW_TEXT
        walk_ambito: frozenset[str] = frozenset()
        if flt.ambito and not small_scope(flt) and sort != "tipo":
            walk_ambito = frozenset(
                status for status in _arms(flt) if _walks(conn, status, flt.ambito)
            )
        sql = page_sql(flt, params, sort, descending, plan, walk_type, walk_ambito)
        return sql, params

    def count(self, flt: PracticeFilter, *, on: date | None = None) -> int:
        params: dict[str, object] = {"today": (on or today()).isoformat()}
        with self.store.read() as conn:
            where = _where(flt, params, self._text_plan(conn, flt), counting=True)
            return int(
                conn.execute(f"SELECT COUNT(*) FROM practice p WHERE {where}", params).fetchone()[0]
            )

    def _text_plan(self, conn: sqlite3.Connection, flt: PracticeFilter) -> TextPlan | None:
        """How the text filter runs (see TextPlan)."""
        text = flt.text.strip()
        if not text:
            return None
        if len(text) <= SHORT_TEXT:
            # one or two characters: the start of a word (store/words.py)
            word = short_word(text)
            if word is None:
                return TextPlan(rowids=[])  # no letter or digit: no word starts with it
            comuni = [
                code
                for code, name in conn.execute("SELECT istat_code, name FROM comune")
                if starts_a_word(word, name)
            ]
            types = [
                code
                for code, name in conn.execute("SELECT code, name FROM procedure_type")
                if starts_a_word(word, name)
            ]
            if small_scope(flt):
                return TextPlan(comuni, types, word=word)
            found = conn.execute(
                "SELECT rowid FROM practice_words WHERE practice_words MATCH ? LIMIT ?",
                (fts_prefix(word), NARROW_TEXT + 1),
            )
        else:
            like = f"%{text}%"
            comuni = [
                r[0]
                for r in conn.execute("SELECT istat_code FROM comune WHERE name LIKE ?", (like,))
            ]
            types = [
                r[0]
                for r in conn.execute("SELECT code FROM procedure_type WHERE name LIKE ?", (like,))
            ]
            if small_scope(flt):
                return TextPlan(comuni, types)
            found = conn.execute(
                "SELECT rowid FROM practice_fts WHERE practice_fts MATCH ? LIMIT ?",
                (fts_query(text), NARROW_TEXT + 1),
            )
            word = None
        rowids = [r[0] for r in found]
        narrow = len(rowids) <= NARROW_TEXT
        if narrow and (comuni or types):
            # every practice of a Comune or type whose name matches counts too
            params: dict[str, object] = {"n": NARROW_TEXT + 1 - len(rowids)}
            names = []
            if comuni:
                names.append(f"comune_code IN ({_bind(params, 'c', comuni)})")
            if types:
                names.append(f"procedure_type IN ({_bind(params, 't', types)})")
            more = conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM practice WHERE {' OR '.join(names)} "
                "LIMIT :n)",
                params,
            ).fetchone()[0]
            narrow = len(rowids) + more <= NARROW_TEXT
        if narrow:
            return TextPlan(comuni, types, rowids=rowids)
        return TextPlan(comuni, types, word=word)

    # --- writing -----------------------------------------------------------------------------
    def _scope_check(self, comune_code: str) -> None:
        """Refuse work on a Comune the profile's expert is not assigned to."""
        expert = self.store.expert_id
        comune = self.store.comuni.get(comune_code)
        if comune is None:
            raise NotFoundError(f"Comune sconosciuto: {comune_code}.", "comune")
        assigned = self.store.comuni.assigned_codes(expert)
        if assigned and comune_code not in assigned:
            raise DomainError(
                f"{comune.name} non è tra i tuoi Comuni assegnati: le modifiche sarebbero "
                "respinte dalla sincronizzazione. Chiedi l'assegnazione alla Segreteria Tecnica.",
                "comune",
            )

    def _check_unique(
        self, conn: sqlite3.Connection, p: Practice, exclude: str | None = None
    ) -> None:
        row = conn.execute(
            "SELECT id FROM practice WHERE comune_code = ? AND procedure_type = ? "
            "AND protocol_no = ? AND deleted = 0 AND id != ?",
            (p.comune_code, p.procedure_type, p.protocol_no, exclude or ""),
        ).fetchone()
        if row:
            raise DomainError(
                f"Esiste già una pratica {p.procedure_type} con protocollo {p.protocol_no} "
                f"in questo Comune (id {row[0][:8]}).",
                "protocol_no",
            )

    def _procedure_type(self, conn: sqlite3.Connection, code: str) -> tuple[str, int]:
        row = conn.execute(
            "SELECT ambito, legal_term_days FROM procedure_type WHERE code = ? AND deleted = 0",
            (code,),
        ).fetchone()
        if row is None:
            codes = [
                r[0]
                for r in conn.execute(
                    "SELECT code FROM procedure_type WHERE deleted = 0 AND active = 1 ORDER BY code"
                )
            ]
            raise NotFoundError(
                f"Tipo di procedimento sconosciuto: «{code}». Tipi disponibili: "
                f"{', '.join(codes)}.",
                "procedure_type",
                codes,
            )
        return row[0], int(row[1])

    def create(
        self,
        *,
        comune_code: str,
        procedure_type: str,
        protocol_no: str,
        received_on: date,
        legal_term_days: int | None = None,
        subject: str = "",
        ambito: str | None = None,
        service_conference: bool = False,
        notes: str = "",
        expert_id: str | None = None,
        on: date | None = None,
    ) -> Practice:
        self._scope_check(comune_code)
        comune = self.store.comuni.get(comune_code)
        if comune is not None and not comune.active:
            raise DomainError(
                f"{comune.name} è un Comune soppresso: registra la pratica nel Comune che lo "
                "ha incorporato.",
                "comune",
            )
        with self.store.write() as tx:
            type_ambito, type_term = self._procedure_type(tx.conn, procedure_type)
            practice = Practice(
                id=new_id(),
                comune_code=comune_code,
                ambito=ambito or type_ambito,
                procedure_type=procedure_type,
                protocol_no=protocol_no.strip(),
                received_on=received_on,
                legal_term_days=legal_term_days if legal_term_days is not None else type_term,
                status=vocab.APERTA,
                subject=subject.strip(),
                service_conference=service_conference,
                expert_id=expert_id or self.store.expert_id,
                notes=notes,
            )
            workflow.new_practice(practice, on or today())
            self._check_unique(tx.conn, practice)
            tx.insert("practice", _values(practice))
        return practice

    def _transition(self, practice_id: str, step: object) -> Practice:
        """Load, apply a domain step (a callable Practice -> Transition), write it."""
        with self.store.write() as tx:
            before = self._load(tx.conn, practice_id)
            if before is None:
                raise NotFoundError(f"Pratica non trovata: {practice_id}.", "pratica")
            self._scope_check(before.comune_code)
            result: workflow.Transition = step(before)  # type: ignore[operator]
            if {"protocol_no", "procedure_type"} & result.changed.keys():
                self._check_unique(tx.conn, result.practice, exclude=before.id)
            if "procedure_type" in result.changed:
                self._procedure_type(tx.conn, result.practice.procedure_type)
            self._write(tx, before, result)
        return self.get(practice_id)

    @staticmethod
    def _write(tx: Tx, before: Practice, result: workflow.Transition) -> None:
        if result.new_suspension is not None:
            s = result.new_suspension
            tx.insert(
                "suspension",
                {
                    "id": s.id,
                    "practice_id": s.practice_id,
                    "start_on": s.start_on,
                    "end_on": s.end_on,
                    "reason": s.reason,
                },
            )
        if result.closed_suspension is not None:
            s = result.closed_suspension
            tx.update("suspension", s.id, {"end_on": s.end_on})
        if result.changed:
            tx.update("practice", before.id, result.changed)

    def suspend(self, practice_id: str, on: date, reason: str) -> Practice:
        day = today()
        return self._transition(
            practice_id, lambda p: workflow.suspend(p, on, reason, new_id(), day)
        )

    def resume(self, practice_id: str, on: date) -> Practice:
        day = today()
        return self._transition(practice_id, lambda p: workflow.resume(p, on, day))

    def conclude(self, practice_id: str, on: date, outcome: str) -> Practice:
        day = today()
        return self._transition(practice_id, lambda p: workflow.conclude(p, on, outcome, day))

    def archive(self, practice_id: str, on: date) -> Practice:
        day = today()
        return self._transition(practice_id, lambda p: workflow.archive(p, on, day))

    def reopen(self, practice_id: str, reason: str) -> Practice:
        day = today()
        return self._transition(practice_id, lambda p: workflow.reopen(p, reason, day))

    def edit(self, practice_id: str, **changes: object) -> Practice:
        day = today()
        return self._transition(practice_id, lambda p: workflow.edit(p, day, **changes))

    def delete(self, practice_id: str) -> None:
        """Tombstone a practice (kept, synced as a versioned delete)."""
        with self.store.write() as tx:
            before = self._load(tx.conn, practice_id)
            if before is None:
                raise NotFoundError(f"Pratica non trovata: {practice_id}.", "pratica")
            self._scope_check(before.comune_code)
            tx.delete("practice", practice_id)

    def history(self, practice_id: str) -> list[HistoryEntry]:
        """Every logged change of the practice and its suspensions, oldest first."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT o.replica, o.seq, o.tbl, o.pk, o.field, o.value, o.prev_replica, "
                "o.prev_seq, o.hlc, COALESCE(e.name, o.author, o.replica), o.at "
                "FROM oplog o LEFT JOIN expert e ON e.id = o.author "
                "WHERE (o.tbl = 'practice' AND o.pk = ?) OR (o.tbl = 'suspension' AND o.pk IN "
                "(SELECT id FROM suspension WHERE practice_id = ?))",
                (practice_id, practice_id),
            ).fetchall()
            # what each local edit replaced, for the versions the log no longer holds
            before = {
                (r[0], r[1]): r[2]
                for r in conn.execute(
                    "SELECT b.replica, b.seq, b.value FROM op_before b JOIN oplog o "
                    "ON o.replica = b.replica AND o.seq = b.seq "
                    "WHERE (o.tbl = 'practice' AND o.pk = ?) OR (o.tbl = 'suspension' AND "
                    "o.pk IN (SELECT id FROM suspension WHERE practice_id = ?))",
                    (practice_id, practice_id),
                )
            }
        ops = sorted((op for row in rows for op in expand(row)), key=lambda op: (op[8], op[1]))
        # the version a writer saw is an op on the same field of the same record: one of these
        values = {(op[0], op[1]): op[5] for op in ops}
        return [
            HistoryEntry(
                op[2],
                op[3],
                op[4],
                op[5],
                op[10],
                op[8],
                op[9],
                values[(op[6], op[7])] if (op[6], op[7]) in values else before.get((op[0], op[1])),
            )
            for op in ops
        ]


@dataclass(slots=True)
class HistoryEntry:
    table: str
    pk: str
    field: str
    value: str | None  # JSON
    at: str
    hlc: str
    who: str
    old_value: str | None = None  # JSON of the version the writer saw


def _values(p: Practice) -> dict[str, object]:
    return {
        "id": p.id,
        "comune_code": p.comune_code,
        "ambito": p.ambito,
        "procedure_type": p.procedure_type,
        "protocol_no": p.protocol_no,
        "subject": p.subject,
        "received_on": p.received_on,
        "legal_term_days": p.legal_term_days,
        "status": p.status,
        "service_conference": p.service_conference,
        "concluded_on": p.concluded_on,
        "outcome": p.outcome,
        "expert_id": p.expert_id,
        "notes": p.notes,
        "reopen_reason": p.reopen_reason,
    }

"""Schema migrations, keyed on `PRAGMA user_version`.

Why a small runner rather than Alembic: the store is a single-user SQLite file that
must open in milliseconds (`taskforce log` has a 300 ms budget and importing
SQLAlchemy alone costs about 0.2 s here); each migration is plain SQL that runs in
one transaction together with the version bump, so a crash leaves the previous
version intact. Alembic would add SQLAlchemy + Mako to every start and, on SQLite,
its batch mode rebuilds tables exactly as we would by hand.

Rules: a released migration is never edited; add a new one at the end. The tables
are declared once more, for both SQLite and PostgreSQL, with SQLAlchemy Core in
`tables.py` (the centre on a server is created from it); tests/test_tables.py checks
that the migrated file has exactly that shape, so a new migration updates tables.py
in the same commit.
"""

from __future__ import annotations

from typing import Final

#: Synced tables carry: a global id made at creation, created/updated stamps (UTC,
#: ISO 8601) and a tombstone flag instead of hard deletes.
_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;

-- this installation's replica identity and counters (one current row)
CREATE TABLE replica (
    id          TEXT PRIMARY KEY,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    hlc_wall    INTEGER NOT NULL DEFAULT 0,
    hlc_counter INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);

-- reference data (written by the centre) -------------------------------------------
CREATE TABLE comune (
    istat_code     TEXT PRIMARY KEY CHECK (length(istat_code) = 6),
    name           TEXT NOT NULL,
    province       TEXT NOT NULL,
    province_name  TEXT NOT NULL DEFAULT '',
    cadastral_code TEXT NOT NULL DEFAULT '',
    is_capoluogo   INTEGER NOT NULL DEFAULT 0,
    nuts3          TEXT NOT NULL DEFAULT '',
    phase          INTEGER CHECK (phase IN (1, 2, 3)),
    inner_area     TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comune_province ON comune(province, name);

CREATE TABLE ambito (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE procedure_type (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    ambito          TEXT NOT NULL,
    legal_term_days INTEGER NOT NULL CHECK (legal_term_days > 0),
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE activity (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE expert (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    ambiti     TEXT NOT NULL DEFAULT '[]',   -- JSON list of ambito codes
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX expert_email ON expert(email);

CREATE TABLE assignment (
    id          TEXT PRIMARY KEY,
    expert_id   TEXT NOT NULL REFERENCES expert(id),
    comune_code TEXT NOT NULL REFERENCES comune(istat_code),
    ambito      TEXT,
    valid_from  TEXT,
    valid_to    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assignment_expert ON assignment(expert_id, comune_code);
CREATE INDEX assignment_comune ON assignment(comune_code);

CREATE TABLE baseline (
    id                TEXT PRIMARY KEY,
    comune_code       TEXT NOT NULL REFERENCES comune(istat_code),
    procedure_type    TEXT NOT NULL REFERENCES procedure_type(code),
    period            TEXT NOT NULL,           -- reference semester, e.g. 2022-H1
    avg_duration_days REAL,
    backlog           INTEGER,
    source            TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX baseline_comune ON baseline(comune_code, procedure_type);

-- practices, requests, time logs (written by experts) ----------------------------------
CREATE TABLE practice (
    id                 TEXT PRIMARY KEY,
    comune_code        TEXT NOT NULL REFERENCES comune(istat_code),
    ambito             TEXT NOT NULL,
    procedure_type     TEXT NOT NULL REFERENCES procedure_type(code),
    protocol_no        TEXT NOT NULL,
    subject            TEXT NOT NULL DEFAULT '',
    received_on        TEXT NOT NULL,
    legal_term_days    INTEGER NOT NULL,
    status             TEXT NOT NULL
                       CHECK (status IN ('aperta', 'sospesa', 'conclusa', 'archiviata')),
    service_conference INTEGER NOT NULL DEFAULT 0,
    concluded_on       TEXT,
    outcome            TEXT,
    expert_id          TEXT REFERENCES expert(id),
    notes              TEXT NOT NULL DEFAULT '',
    reopen_reason      TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    deleted            INTEGER NOT NULL DEFAULT 0,
    -- derived, never synced: closed suspended days and the start of the open
    -- suspension (kept by the suspension triggers below), and the due date without
    -- the open suspension (a generated column, so no write path can forget it)
    suspended_days     INTEGER NOT NULL DEFAULT 0,
    suspended_since    TEXT,
    due_on             TEXT GENERATED ALWAYS AS
                       (date(received_on, '+' || (legal_term_days + suspended_days) || ' days'))
                       VIRTUAL
);
CREATE INDEX practice_comune_status ON practice(comune_code, status, received_on);
CREATE INDEX practice_status_due ON practice(status, due_on);
CREATE INDEX practice_protocol ON practice(protocol_no);
CREATE INDEX practice_key ON practice(comune_code, procedure_type, protocol_no);
CREATE INDEX practice_concluded ON practice(concluded_on);
CREATE INDEX practice_type ON practice(procedure_type, status);

CREATE TABLE suspension (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practice(id),
    start_on    TEXT NOT NULL,
    end_on      TEXT,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX suspension_practice ON suspension(practice_id);

CREATE TABLE request (
    id          TEXT PRIMARY KEY,
    comune_code TEXT NOT NULL REFERENCES comune(istat_code),
    ambito      TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('tecnica', 'giuridica')),
    subject     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    opened_on   TEXT NOT NULL,
    status      TEXT NOT NULL,
    expert_id   TEXT REFERENCES expert(id),
    closed_on   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX request_comune ON request(comune_code, status);

CREATE TABLE request_practice (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES request(id),
    practice_id TEXT NOT NULL REFERENCES practice(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX request_practice_request ON request_practice(request_id);
CREATE INDEX request_practice_practice ON request_practice(practice_id);

CREATE TABLE time_log (
    id          TEXT PRIMARY KEY,
    expert_id   TEXT NOT NULL REFERENCES expert(id),
    work_date   TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    comune_code TEXT REFERENCES comune(istat_code),
    activity    TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('presenza', 'remoto')),
    practice_id TEXT REFERENCES practice(id),
    request_id  TEXT REFERENCES request(id),
    note        TEXT NOT NULL DEFAULT '',
    start_time  TEXT,
    end_time    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX time_log_expert_date ON time_log(expert_id, work_date);
CREATE INDEX time_log_comune_date ON time_log(comune_code, work_date);

-- the operation log: every change to synced data, in the same transaction -----------
CREATE TABLE oplog (
    replica     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    tbl         TEXT NOT NULL,
    pk          TEXT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT,              -- JSON of the stored value
    prev_replica TEXT,             -- version (replica, seq) the writer saw; NULL = base
    prev_seq    INTEGER,
    hlc         TEXT NOT NULL,
    author      TEXT,              -- expert id of the writer
    at          TEXT NOT NULL,     -- wall-clock time, UTC ISO 8601
    acked       INTEGER NOT NULL DEFAULT 0,
    generation  INTEGER,           -- centre: the generation that accepted the op
    PRIMARY KEY (replica, seq)
) WITHOUT ROWID;
CREATE INDEX oplog_record ON oplog(tbl, pk);
-- pending ops only: acknowledged history does not weigh on the index
CREATE INDEX oplog_pending ON oplog(replica, seq) WHERE acked = 0;

-- current version of each field value (absent = base version, from the centre)
CREATE TABLE field_version (
    tbl     TEXT NOT NULL,
    pk      TEXT NOT NULL,
    field   TEXT NOT NULL,
    replica TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    hlc     TEXT NOT NULL,
    PRIMARY KEY (tbl, pk, field)
) WITHOUT ROWID;

-- conflicts recorded by the central merge, resolved by a person in the app
CREATE TABLE conflict (
    id           TEXT PRIMARY KEY,
    tbl          TEXT NOT NULL,
    pk           TEXT NOT NULL,
    field        TEXT NOT NULL,
    kept_value   TEXT,             -- JSON of the provisional winner
    kept_version TEXT,             -- replica:seq of the winner
    kept_author  TEXT,
    kept_hlc     TEXT,
    other_value  TEXT,             -- JSON of the value that lost
    other_version TEXT,
    other_author TEXT,
    other_hlc    TEXT,
    generation   INTEGER,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT,
    resolution   TEXT
);
CREATE INDEX conflict_open ON conflict(resolved_at, tbl, pk);

-- local only (never synced) -------------------------------------------------------------
CREATE TABLE timer (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    started_at  TEXT NOT NULL,     -- local wall-clock time, ISO 8601 with offset
    comune_code TEXT,
    activity    TEXT NOT NULL,
    mode        TEXT NOT NULL DEFAULT 'presenza',
    practice_id TEXT,
    request_id  TEXT,
    note        TEXT NOT NULL DEFAULT ''
);

CREATE TABLE import_mapping (
    key        TEXT PRIMARY KEY,   -- comune code, or '*' for the default
    mapping    TEXT NOT NULL,      -- JSON {column header: field}
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- text filter over practices: FTS5 trigram (substring, case-insensitive), external
-- content (the text lives only in practice); Comune and type names are matched by
-- their own small tables instead of being copied into every row
CREATE VIRTUAL TABLE practice_fts USING fts5(
    protocol_no, subject, content = 'practice', content_rowid = 'rowid', tokenize = 'trigram'
);

-- triggers: suspension totals and the FTS index stay right whatever writes ----------
CREATE TRIGGER practice_ai AFTER INSERT ON practice BEGIN
    INSERT INTO practice_fts(rowid, protocol_no, subject)
    VALUES (new.rowid, new.protocol_no, new.subject);
END;

CREATE TRIGGER practice_au_fts AFTER UPDATE OF protocol_no, subject ON practice BEGIN
    INSERT INTO practice_fts(practice_fts, rowid, protocol_no, subject)
    VALUES ('delete', old.rowid, old.protocol_no, old.subject);
    INSERT INTO practice_fts(rowid, protocol_no, subject)
    VALUES (new.rowid, new.protocol_no, new.subject);
END;

CREATE TRIGGER practice_ad AFTER DELETE ON practice BEGIN
    INSERT INTO practice_fts(practice_fts, rowid, protocol_no, subject)
    VALUES ('delete', old.rowid, old.protocol_no, old.subject);
END;

CREATE TRIGGER suspension_ai AFTER INSERT ON suspension BEGIN
    UPDATE practice SET
        suspended_days = (SELECT COALESCE(SUM(julianday(end_on) - julianday(start_on)), 0)
            FROM suspension WHERE practice_id = new.practice_id AND deleted = 0
            AND end_on IS NOT NULL),
        suspended_since = (SELECT MIN(start_on) FROM suspension
            WHERE practice_id = new.practice_id AND deleted = 0 AND end_on IS NULL)
    WHERE id = new.practice_id;
END;

CREATE TRIGGER suspension_au AFTER UPDATE ON suspension BEGIN
    UPDATE practice SET
        suspended_days = (SELECT COALESCE(SUM(julianday(end_on) - julianday(start_on)), 0)
            FROM suspension WHERE practice_id = practice.id AND deleted = 0
            AND end_on IS NOT NULL),
        suspended_since = (SELECT MIN(start_on) FROM suspension
            WHERE practice_id = practice.id AND deleted = 0 AND end_on IS NULL)
    WHERE id IN (new.practice_id, old.practice_id);
END;

-- spreadsheet import ---------------------------------------------------------------------
-- local only (never synced): what was last imported into each practice from a Comune's
-- spreadsheet, keyed as the file named it. It is the base of the three-way comparison
-- that keeps an edit made in the app from being silently overwritten by a re-import.
CREATE TABLE import_record (
    practice_id    TEXT PRIMARY KEY,
    comune_code    TEXT NOT NULL,
    procedure_type TEXT NOT NULL,
    protocol_no    TEXT NOT NULL,
    fields         TEXT NOT NULL,  -- JSON {field: value} as last imported
    source         TEXT NOT NULL,  -- file name
    imported_at    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX import_record_key ON import_record(comune_code, procedure_type, protocol_no);
-- indicators -------------------------------------------------------------------------------
-- The semester figures (store/indicators.py) read only this covering index: rows come
-- grouped by Comune and type in index order, one Comune is a range, and the wide
-- practice rows (subject, notes) are never read.
CREATE INDEX practice_indicators ON practice(comune_code, procedure_type, received_on,
    concluded_on, status, outcome, service_conference, legal_term_days, suspended_days,
    suspended_since, deleted, id);
-- sync (issue 5) -------------------------------------------------------------------------
-- (oplog.generation, declared with the table above: the generation that accepted each
-- op at the centre, NULL on laptops for their own ops)
CREATE INDEX oplog_generation ON oplog(generation) WHERE generation IS NOT NULL;

-- laptop: each central generation imported, with the replica's last seq at that moment
-- (an op with a higher seq was made after seeing that generation)
CREATE TABLE sync_import (
    generation INTEGER NOT NULL,
    replica    TEXT NOT NULL,
    last_seq   INTEGER NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (generation, replica)
) WITHOUT ROWID;

-- laptop: conflict resolutions chosen here and not yet confirmed by the centre
CREATE TABLE sync_resolution (
    conflict_id TEXT PRIMARY KEY,
    resolution  TEXT NOT NULL,
    author      TEXT,
    at          TEXT NOT NULL
) WITHOUT ROWID;

-- ops the centre refused (wrong Comune, centre-only table, bad value), kept and reported
CREATE TABLE sync_rejected (
    replica    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    expert_id  TEXT,
    tbl        TEXT NOT NULL,
    pk         TEXT NOT NULL,
    field      TEXT NOT NULL,
    value      TEXT,
    reason     TEXT NOT NULL,
    generation INTEGER,
    at         TEXT,
    PRIMARY KEY (replica, seq)
) WITHOUT ROWID;

-- centre: every replica seen, its expert and the last acknowledged seq
CREATE TABLE sync_replica (
    replica        TEXT PRIMARY KEY,
    expert_id      TEXT NOT NULL,
    acked_seq      INTEGER NOT NULL DEFAULT 0,
    last_outbox_at TEXT,
    last_outbox    TEXT
) WITHOUT ROWID;

-- centre: the generations made here or adopted from the folder
CREATE TABLE sync_generation (
    generation   INTEGER PRIMARY KEY,
    created_at   TEXT NOT NULL,
    sha256       TEXT,
    published_at TEXT,
    outboxes     INTEGER NOT NULL DEFAULT 0,
    accepted     INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    conflicts    INTEGER NOT NULL DEFAULT 0
);
"""

#: Issue 16: the practice list over all 1,502 Comuni (a coordinator's or a regional
#: office's profile). A page is read one status at a time, each in the order of
#: `(status, sort key)`, and the arms are merged (store/practices.py:page_sql), so no
#: sort key needs the matches of a common filter sorted. Partial: every list query has
#: `deleted = 0`, so the index answers it without reading the row. The subject index
#: carries the protocol too: a text of one or two characters (which the trigram index
#: cannot look up) is matched on it without reading the table; the receipt-date index
#: (the default order) carries the due date, so "overdue only" is checked in it.
#: `comune_name` lets a page ordered by Comune walk the Comuni by name.
_V2 = """
CREATE INDEX practice_list_received ON practice(status, received_on, due_on)
    WHERE deleted = 0;
CREATE INDEX practice_list_protocol ON practice(status, protocol_no) WHERE deleted = 0;
CREATE INDEX practice_list_type ON practice(status, procedure_type) WHERE deleted = 0;
CREATE INDEX practice_list_subject ON practice(status, subject, protocol_no) WHERE deleted = 0;
CREATE INDEX practice_list_concluded ON practice(status, concluded_on) WHERE deleted = 0;
CREATE INDEX comune_name ON comune(name);
ANALYZE practice;
ANALYZE comune;
"""

#: The value each local edit replaced, so the history can show "before" even when the
#: op holding that version is not in this store (a base version from the centre, or
#: history the laptop no longer keeps). Local only: never synced.
_V3 = """
CREATE TABLE op_before (
    replica TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    value   TEXT,                  -- JSON of the value the op replaced
    PRIMARY KEY (replica, seq)
) WITHOUT ROWID;
"""

#: Issue 16: a search of one or two characters means the start of a word
#: (store/words.py), which the trigram index cannot look up. This index of the words of
#: protocol and subject, with prefix indexes of one and two characters, answers it with
#: one lookup: the practices with a word starting with "zq" (none) without reading the
#: list. Only rowids are kept (detail=none): the filter never needs positions. About
#: 1.6 s once on the 300,000-practice dataset.
#: The receipt-date list index also carries `suspended_since`, so "overdue only" is
#: decided in the index for suspended practices too: their arm used to read every
#: suspended practice's row (8,000 random reads when none is late: 17-30 ms warm, 0.6-3 s
#: with a cold cache). `practice_list_ambito` serves an ambito in type order (the walk
#: by type read every row of the other ambiti's types first: 80-240 ms) and an ambito
#: that is rare in a status (searched and sorted instead of walked, store/practices.py).
_V4 = """
DROP INDEX practice_list_received;
CREATE INDEX practice_list_received ON practice(status, received_on, due_on, suspended_since)
    WHERE deleted = 0;
ANALYZE practice_list_received;
CREATE INDEX practice_list_ambito ON practice(status, ambito, procedure_type) WHERE deleted = 0;
ANALYZE practice_list_ambito;

CREATE VIRTUAL TABLE practice_words USING fts5(
    protocol_no, subject, content = 'practice', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2', detail = none
);
INSERT INTO practice_words(practice_words) VALUES ('rebuild');

CREATE TRIGGER practice_ai_words AFTER INSERT ON practice BEGIN
    INSERT INTO practice_words(rowid, protocol_no, subject)
    VALUES (new.rowid, new.protocol_no, new.subject);
END;

CREATE TRIGGER practice_au_words AFTER UPDATE OF protocol_no, subject ON practice BEGIN
    INSERT INTO practice_words(practice_words, rowid, protocol_no, subject)
    VALUES ('delete', old.rowid, old.protocol_no, old.subject);
    INSERT INTO practice_words(rowid, protocol_no, subject)
    VALUES (new.rowid, new.protocol_no, new.subject);
END;

CREATE TRIGGER practice_ad_words AFTER DELETE ON practice BEGIN
    INSERT INTO practice_words(practice_words, rowid, protocol_no, subject)
    VALUES ('delete', old.rowid, old.protocol_no, old.subject);
END;
"""

#: Issue 15: the Aree Interne (areas, interventions by CUP, funding, phases, dated
#: monitoring snapshots) and the enti beyond the Comuni (the 12 Province / Città
#: Metropolitana, seeded here from the ISTAT UTS codes; Unioni and Comunità Montane,
#: reference data the centre imports). Amounts are integer cents. Children of an
#: intervention have ids derived from it (`<intervention>:<source|phase|date>`), so
#: two laptops that create the same phase or the same dated snapshot converge on one
#: record field by field. Practices, requests and time logs gain `intervention_id`
#: (no foreign key: an extract may carry a link to an intervention of another area).
_V5 = """
-- Enti beyond the Comuni live in the same table as the Comuni (the table of the enti
-- the task force works with; its name is historical): a practice, a request, an
-- assignment, a time log, a baseline and the indicators of a Provincia or an Unione then
-- work exactly as a Comune's, through the same foreign keys, rights and screens. No
-- table is rebuilt. `kind` tells them apart; the ISTAT update touches kind 'comune' only.
ALTER TABLE comune ADD COLUMN kind TEXT NOT NULL DEFAULT 'comune'
    CHECK (kind IN ('comune', 'provincia', 'citta_metropolitana', 'unione', 'comunita_montana'));
ALTER TABLE comune ADD COLUMN members TEXT NOT NULL DEFAULT '[]';  -- JSON: an Unione's Comuni
-- The 12 Province and the Città Metropolitana: ISTAT's territorial units (UTS), coded
-- UTS + the 3-digit UTS code (ISTAT, Elenco dei codici delle unità territoriali, 2024).
INSERT INTO comune(istat_code, name, province, province_name, nuts3, kind, created_at,
    updated_at)
SELECT column1, column2, column3, column4, column5, column6, '2024-12-31T00:00:00Z',
    '2024-12-31T00:00:00Z'
FROM (VALUES
    ('UTS012', 'Provincia di Varese', 'VA', 'Varese', 'ITC41', 'provincia'),
    ('UTS013', 'Provincia di Como', 'CO', 'Como', 'ITC42', 'provincia'),
    ('UTS014', 'Provincia di Sondrio', 'SO', 'Sondrio', 'ITC44', 'provincia'),
    ('UTS016', 'Provincia di Bergamo', 'BG', 'Bergamo', 'ITC46', 'provincia'),
    ('UTS017', 'Provincia di Brescia', 'BS', 'Brescia', 'ITC47', 'provincia'),
    ('UTS018', 'Provincia di Pavia', 'PV', 'Pavia', 'ITC48', 'provincia'),
    ('UTS019', 'Provincia di Cremona', 'CR', 'Cremona', 'ITC4A', 'provincia'),
    ('UTS020', 'Provincia di Mantova', 'MN', 'Mantova', 'ITC4B', 'provincia'),
    ('UTS097', 'Provincia di Lecco', 'LC', 'Lecco', 'ITC43', 'provincia'),
    ('UTS098', 'Provincia di Lodi', 'LO', 'Lodi', 'ITC49', 'provincia'),
    ('UTS108', 'Provincia di Monza e della Brianza', 'MB', 'Monza e della Brianza', 'ITC4D',
        'provincia'),
    ('UTS215', 'Città Metropolitana di Milano', 'MI', 'Milano', 'ITC4C', 'citta_metropolitana'));

CREATE TABLE area (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('snai', 'regionale')),
    lead_comune TEXT,
    members     TEXT NOT NULL DEFAULT '[]',  -- JSON list of ISTAT codes
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE area_expert (
    id         TEXT PRIMARY KEY,
    expert_id  TEXT NOT NULL,
    area_code  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX area_expert_expert ON area_expert(expert_id, area_code);

CREATE TABLE intervention (
    id             TEXT PRIMARY KEY,
    cup            TEXT NOT NULL CHECK (length(cup) = 15),
    title          TEXT NOT NULL,
    area_code      TEXT NOT NULL,
    comuni         TEXT NOT NULL DEFAULT '[]',  -- JSON list of ISTAT codes (locations)
    ente_code      TEXT,                        -- implementing body: a comune row (any kind)
    theme          TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'non avviato',
    total_cents    INTEGER NOT NULL DEFAULT 0 CHECK (total_cents >= 0),
    indicator      TEXT NOT NULL DEFAULT '',
    unit           TEXT NOT NULL DEFAULT '',
    target         REAL,
    start_on       TEXT,
    end_planned_on TEXT,
    end_actual_on  TEXT,
    notes          TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX intervention_area ON intervention(area_code, status) WHERE deleted = 0;
CREATE INDEX intervention_cup ON intervention(cup);

CREATE TABLE intervention_funding (
    id              TEXT PRIMARY KEY,
    intervention_id TEXT NOT NULL,
    source          TEXT NOT NULL,
    amount_cents    INTEGER NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX intervention_funding_parent ON intervention_funding(intervention_id);

CREATE TABLE intervention_phase (
    id              TEXT PRIMARY KEY,
    intervention_id TEXT NOT NULL,
    phase           TEXT NOT NULL,
    planned_start   TEXT,
    planned_end     TEXT,
    actual_start    TEXT,
    actual_end      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0
);
-- the lateness of an intervention's phases is read from this index alone
CREATE INDEX intervention_phase_parent ON intervention_phase(intervention_id, planned_end,
    actual_end) WHERE deleted = 0;

CREATE TABLE intervention_snapshot (
    id              TEXT PRIMARY KEY,
    intervention_id TEXT NOT NULL,
    ref_date        TEXT NOT NULL,
    total_cents     INTEGER,
    committed_cents INTEGER NOT NULL DEFAULT 0 CHECK (committed_cents >= 0),
    paid_cents      INTEGER NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    achieved        REAL,
    status          TEXT,
    source          TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0
);
-- the snapshot in force on a date: one seek per intervention, from its end
CREATE INDEX intervention_snapshot_parent ON intervention_snapshot(intervention_id, ref_date)
    WHERE deleted = 0;

ALTER TABLE practice ADD COLUMN intervention_id TEXT;
ALTER TABLE request ADD COLUMN intervention_id TEXT;
ALTER TABLE time_log ADD COLUMN intervention_id TEXT;
CREATE INDEX practice_intervention ON practice(intervention_id) WHERE intervention_id IS NOT NULL;
CREATE INDEX request_intervention ON request(intervention_id) WHERE intervention_id IS NOT NULL;
CREATE INDEX time_log_intervention ON time_log(intervention_id)
    WHERE intervention_id IS NOT NULL;
"""

#: Migrations in order; index i (0-based) brings user_version from i to i + 1.
MIGRATIONS: Final[tuple[str, ...]] = (_V1, _V2, _V3, _V4, _V5)

SCHEMA_VERSION: Final = len(MIGRATIONS)

#: The practice's due date as its generated column `due_on` computes it (declared in
#: _V1), for queries that read it from an index holding its inputs (store/overview.py;
#: tests/test_overview.py checks both agree).
#: `{p}` is the table's alias with its dot ("p.") or "".
PRACTICE_DUE_ON: Final = (
    "date({p}received_on, '+' || ({p}legal_term_days + {p}suspended_days) || ' days')"
)

#: Insert triggers that only keep derived data, and one statement that does their work
#: for every row inserted after rowid `:since` (store/bulk.py: a bulk load sets the
#: trigger aside and runs this once). Keep each in step with its trigger above.
TRIGGER_CATCHUP: Final[dict[str, str]] = {
    "practice_ai": (
        "INSERT INTO practice_fts(rowid, protocol_no, subject) "
        "SELECT rowid, protocol_no, subject FROM practice WHERE rowid > :since"
    ),
    "practice_ai_words": (
        "INSERT INTO practice_words(rowid, protocol_no, subject) "
        "SELECT rowid, protocol_no, subject FROM practice WHERE rowid > :since"
    ),
    # one pass over the suspensions, grouped (no index needed: the load may have set
    # suspension_practice aside), for the practices that got a new one
    "suspension_ai": (
        "UPDATE practice SET suspended_days = s.days, suspended_since = s.since FROM ("
        "SELECT practice_id, COALESCE(SUM(CASE WHEN deleted = 0 AND end_on IS NOT NULL "
        "THEN julianday(end_on) - julianday(start_on) END), 0) AS days, "
        "MIN(CASE WHEN deleted = 0 AND end_on IS NULL THEN start_on END) AS since "
        "FROM suspension WHERE practice_id IN "
        "(SELECT practice_id FROM suspension WHERE rowid > :since) "
        "GROUP BY practice_id) AS s WHERE practice.id = s.practice_id"
    ),
}

#: Synced tables and their fields, in op-log order. `pk` is the record's global id.
SYNCED_TABLES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "comune": (
        "istat_code",
        (
            "name",
            "province",
            "province_name",
            "cadastral_code",
            "is_capoluogo",
            "nuts3",
            "phase",
            "inner_area",
            "active",
            "deleted",
            "kind",
            "members",
        ),
    ),
    "ambito": ("code", ("name", "active", "deleted")),
    "procedure_type": ("code", ("name", "ambito", "legal_term_days", "active", "deleted")),
    "activity": ("code", ("name", "active", "deleted")),
    "expert": ("id", ("name", "email", "ambiti", "deleted")),
    "assignment": (
        "id",
        ("expert_id", "comune_code", "ambito", "valid_from", "valid_to", "deleted"),
    ),
    "baseline": (
        "id",
        (
            "comune_code",
            "procedure_type",
            "period",
            "avg_duration_days",
            "backlog",
            "source",
            "deleted",
        ),
    ),
    "practice": (
        "id",
        (
            "comune_code",
            "ambito",
            "procedure_type",
            "protocol_no",
            "subject",
            "received_on",
            "legal_term_days",
            "status",
            "service_conference",
            "concluded_on",
            "outcome",
            "expert_id",
            "notes",
            "reopen_reason",
            "deleted",
            "intervention_id",
        ),
    ),
    "suspension": ("id", ("practice_id", "start_on", "end_on", "reason", "deleted")),
    "request": (
        "id",
        (
            "comune_code",
            "ambito",
            "kind",
            "subject",
            "description",
            "opened_on",
            "status",
            "expert_id",
            "closed_on",
            "deleted",
            "intervention_id",
        ),
    ),
    "request_practice": ("id", ("request_id", "practice_id", "deleted")),
    "time_log": (
        "id",
        (
            "expert_id",
            "work_date",
            "minutes",
            "comune_code",
            "activity",
            "mode",
            "practice_id",
            "request_id",
            "note",
            "start_time",
            "end_time",
            "deleted",
            "intervention_id",
        ),
    ),
    # issue 15: enti, Aree Interne, interventions
    "area": ("code", ("name", "kind", "lead_comune", "members", "deleted")),
    "area_expert": ("id", ("expert_id", "area_code", "deleted")),
    "intervention": (
        "id",
        (
            "cup",
            "title",
            "area_code",
            "comuni",
            "ente_code",
            "theme",
            "status",
            "total_cents",
            "indicator",
            "unit",
            "target",
            "start_on",
            "end_planned_on",
            "end_actual_on",
            "notes",
            "deleted",
        ),
    ),
    "intervention_funding": ("id", ("intervention_id", "source", "amount_cents", "deleted")),
    "intervention_phase": (
        "id",
        (
            "intervention_id",
            "phase",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "deleted",
        ),
    ),
    "intervention_snapshot": (
        "id",
        (
            "intervention_id",
            "ref_date",
            "total_cents",
            "committed_cents",
            "paid_cents",
            "achieved",
            "status",
            "source",
            "deleted",
        ),
    ),
}

#: Fields added to a table after bundles of it were first written, with the value a
#: bundle row without one (an older file, the golden extracts) stands for (sync/rows.py).
LATER_FIELDS: Final[dict[str, dict[str, object]]] = {
    "comune": {"kind": "comune", "members": "[]"},
    "practice": {"intervention_id": None},
    "request": {"intervention_id": None},
    "time_log": {"intervention_id": None},
}

#: Tables only the centre may change (an expert's op on them is logged and ignored).
CENTRE_ONLY_TABLES: Final = frozenset(
    {
        "comune",
        "ambito",
        "procedure_type",
        "activity",
        "expert",
        "assignment",
        "area",
        "area_expert",
    }
)


def dialect_of(conn: object) -> str:
    """ "postgresql" for the centre's connection on a server (store/pg.py), else "sqlite":
    the few statements with a spelling per back end choose by it."""
    return str(getattr(conn, "dialect", "sqlite"))

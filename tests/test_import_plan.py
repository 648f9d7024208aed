"""The import against the store: rejections, re-imports, updates, edits made in the app."""

from __future__ import annotations

import gc
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.domain import vocab
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.importer.files import Formula
from taskforce_tui.importer.plan import WORKFLOW
from taskforce_tui.importer.service import ImportSession
from taskforce_tui.store.db import Store
from taskforce_tui.store.oplog import CREATED, created_version, pending_fields
from tests.import_helpers import HEADER, row, snapshot, write_csv, write_ods, write_xlsx


def load(store: Store, path: Path, **kwargs: Any) -> ImportSession:
    session = ImportSession(store, path, **kwargs)
    session.load()
    return session


def imported(store: Store, path: Path, **kwargs: Any) -> ImportSession:
    session = load(store, path, **kwargs)
    session.apply()
    return session


def practice_by_protocol(store: Store, protocol: str) -> Any:
    return store.practices.find(protocol)


def test_every_format_imports_the_same_practices(expert_store: Store, tmp_path: Path) -> None:
    rows = [
        row("1/2026"),
        row(
            "2/2026",
            tipo="PdC",
            termine=90.0,
            stato="conclusa",
            conclusione=date(2026, 6, 1),
            esito="positivo",
        ),
        row("3/2026", stato=None, sosp_dal=date(2026, 4, 1), oggetto="Sospesa"),
    ]
    results = []
    for path in (
        write_xlsx(tmp_path / "p.xlsx", rows),
        write_csv(tmp_path / "p.csv", rows),
        write_csv(tmp_path / "u.csv", rows, encoding="utf-8-sig", delimiter=","),
        write_ods(tmp_path / "p.ods", rows),
    ):
        session = load(expert_store, path)
        assert session.rejections == [], path
        results.append(
            [
                (
                    p.practice.protocol_no,
                    p.practice.status,
                    p.practice.received_on,
                    p.practice.legal_term_days,
                    p.practice.outcome,
                    [(s.start_on, s.end_on) for s in p.practice.suspensions],
                )
                for p in session.plan.new
            ]
        )
    assert all(r == results[0] for r in results)
    assert results[0][1][1:5] == ("conclusa", date(2026, 3, 2), 90, "favorevole")
    assert results[0][2][1] == "sospesa" and results[0][2][5] == [(date(2026, 4, 1), None)]


def test_written_through_the_op_log_in_one_transaction(expert_store: Store, tmp_path: Path) -> None:
    from tests.test_oplog import ops, replay, synced_state

    path = write_xlsx(
        tmp_path / "p.xlsx",
        [row("1/2026"), row("2/2026", stato="sospesa", sosp_dal=date(2026, 4, 1))],
    )
    before = expert_store.pending_ops()
    session = imported(expert_store, path)
    log = ops(expert_store)
    seqs = [r[1] for r in log]
    stamps = {r[10] for r in log if r[2] == "practice"}
    assert seqs == list(range(1, len(seqs) + 1)) and expert_store.pending_ops() > before
    assert len(stamps) == 1  # one transaction
    p = practice_by_protocol(expert_store, "2/2026")
    assert p.status == "sospesa" and p.suspensions[0].start_on == date(2026, 4, 1)
    assert p.expert_id == expert_store.expert_id and p.legal_term_days == 30
    assert session.plan.new[0].practice.ambito == "edilizia_urbanistica"
    with Store(tmp_path / "base.sqlite3") as base, base.bulk() as conn:
        replay(expert_store, conn)
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        assert synced_state(base)["practice"] == synced_state(expert_store)["practice"]
        assert synced_state(base)["suspension"] == synced_state(expert_store)["suspension"]


def test_insert_many_logs_exactly_what_insert_logs(expert_store: Store) -> None:
    """...as one op-log row per record, expanded to the same ops when it leaves the
    store; the fields' versions are read from that row until the centre confirms it."""
    from tests.test_oplog import ops

    def values(i: int) -> dict[str, object]:
        return {
            "id": f"00000000-0000-0000-0000-00000000000{i}",
            "comune_code": "016024",
            "ambito": "edilizia_urbanistica",
            "procedure_type": "scia",
            "protocol_no": f"{i}/x",
            "received_on": date(2026, 1, 2),
            "legal_term_days": 30,
            "status": "aperta",
            "subject": "s",
        }

    with expert_store.write() as tx:
        tx.insert("practice", values(1))
        tx.insert_many("practice", [values(2), values(3)])
        tx.insert("practice", values(4))
    log = [op for op in ops(expert_store) if op[2] == "practice"]
    per_record: dict[str, list[tuple[object, ...]]] = {}
    for _, _, _, pk, fld, value, prev, _, _, author, _ in log:
        assert prev is None and author == expert_store.expert_id
        per_record.setdefault(str(pk)[-1], []).append((fld, str(value).replace(f"{pk[-1]}/x", "N")))
    assert per_record["1"] == per_record["2"] == per_record["3"] == per_record["4"]
    assert [op[1] for op in log] == list(range(log[0][1], log[0][1] + len(log)))
    hlcs = [op[8] for op in log]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
    with expert_store.read() as conn:
        stored = conn.execute("SELECT pk, field FROM oplog WHERE tbl = 'practice'").fetchall()
        versioned = {
            r[0] for r in conn.execute("SELECT pk FROM field_version WHERE tbl = 'practice'")
        }
        bulk_op = next(op for op in log if op[3] == values(3)["id"] and op[4] == "subject")
        assert created_version(conn, "practice", str(values(3)["id"]), "subject") == (
            bulk_op[0],
            bulk_op[1],
        )
        assert ("practice", values(3)["id"], "subject") in pending_fields(conn)
    assert sorted(pk[-1] for pk, fld in stored if fld == CREATED) == ["2", "3"]
    assert versioned == {values(1)["id"], values(4)["id"]}
    # an edit of a record created in bulk saw the version of its creation
    expert_store.practices.edit(str(values(3)["id"]), subject="modificato")
    edit = ops(expert_store)[-1]
    assert edit[4] == "subject" and (edit[6], edit[7]) == (bulk_op[0], bulk_op[1])
    # the history screen shows the created value as the one the edit replaced
    history = expert_store.practices.history(str(values(3)["id"]))
    assert [e.field for e in history].count("subject") == 2
    assert (history[-1].field, history[-1].value, history[-1].old_value) == (
        "subject",
        '"modificato"',
        '"s"',
    )


def test_the_garbage_collector_is_paused_while_checking_and_writing(
    expert_store: Store, tmp_path: Path
) -> None:
    """docs/performance.md: its full passes over the file's cells cost seconds."""
    path = write_xlsx(tmp_path / "p.xlsx", [row("1/2026"), row("2/2026")])
    running: list[bool] = []
    session = ImportSession(expert_store, path)
    session.load(lambda phase, fraction: running.append(gc.isenabled()))
    assert running and not any(running)  # nested steps (load > check > plan) included
    assert gc.isenabled()
    session.apply(lambda phase, fraction: running.append(gc.isenabled()))
    assert not any(running) and gc.isenabled()
    assert practice_by_protocol(expert_store, "2/2026") is not None
    # a collector someone else switched off stays off
    gc.disable()
    try:
        ImportSession(expert_store, path).load()
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- every rejection reason ------------------------------------------------------------------
REJECTIONS = [
    ({"tipo": "Condono"}, "Tipo procedimento", "Tipo di procedimento sconosciuto"),
    ({"tipo": None}, "Tipo procedimento", "manca il tipo"),
    ({"avvio": "31/02/2026"}, "Data avvio", "data non valida"),
    ({"avvio": "2027-01-10"}, "Data avvio", "nel futuro"),
    ({"termine": "90,5"}, "Termine (gg)", "non è un numero intero"),
    ({"termine": 0}, "Termine (gg)", "tra 1 e"),
    ({"termine": "-30"}, "Termine (gg)", "Termine negativo: «-30»"),
    ({"termine": "-30 gg"}, "Termine (gg)", "Termine negativo: «-30 gg»"),
    ({"termine": "\u221230"}, "Termine (gg)", "Termine negativo: «\u221230»"),  # a real minus
    ({"termine": "-1.200,0"}, "Termine (gg)", "Termine negativo"),
    ({"termine": -30}, "Termine (gg)", "Termine negativo: «-30»"),
    ({"termine": -30.0}, "Termine (gg)", "Termine negativo: «-30»"),
    ({"stato": "boh"}, "Stato", "stato «boh» sconosciuto"),
    (
        {"stato": "conclusa", "conclusione": date(2026, 5, 1), "esito": "forse"},
        "Esito",
        "esito «forse» sconosciuto",
    ),
    ({"stato": "conclusa", "conclusione": date(2026, 5, 1)}, "Esito", "Manca l'esito"),
    (
        {"conclusione": date(2026, 1, 1), "esito": "favorevole", "stato": None},
        "Data conclusione",
        "precedente alla data di avvio",
    ),
    ({"stato": "sospesa"}, "Stato", "sospensione aperta"),
    ({"sosp_dal": date(2026, 1, 5), "stato": None}, "Sospensione dal", "prima dell'avvio"),
    ({"sosp_al": date(2026, 5, 1)}, "al", "manca la data di inizio"),
    ({"conferenza": "forse"}, "Conferenza di servizi", "non è sì o no"),
    ({"istat": "999999"}, "Codice ISTAT", "Nessun Comune con codice ISTAT"),
    ({"istat": "16a"}, "Codice ISTAT", "6 cifre"),
    ({"istat": "015146"}, "Codice ISTAT", "non è tra i tuoi Comuni assegnati"),
    ({"avvio": "#VALORE!"}, "Data avvio", "errore di Excel"),
]


@pytest.mark.parametrize(("changes", "column", "reason"), REJECTIONS)
def test_each_rejection_reason(
    expert_store: Store, tmp_path: Path, changes: dict[str, Any], column: str, reason: str
) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("1/2026"), row("2/2026", **changes)])
    session = load(expert_store, path)
    assert [p.row for p in session.plan.new] == [4]
    (rejected,) = session.rejections
    assert rejected.row == 5
    assert rejected.column.startswith(column + " ("), rejected
    assert reason in rejected.reason, rejected


def test_missing_protocol_duplicates_and_other_comuni(expert_store: Store, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            row("1/2026"),
            row(None),
            row("1/2026", oggetto="ancora"),
            row("3/2026", istat="016219"),  # Treviglio, while importing Bergamo's file
            [None] * 12 + ["nota a margine, fuori dalle colonne"],
        ],
    )
    session = load(expert_store, path, comune="Bergamo")
    reasons = {r.row: r.reason for r in session.rejections}
    assert "manca il numero di protocollo" in reasons[5]
    assert "pratica ripetuta" in reasons[6] and "riga 4" in reasons[6]
    assert "stai importando il file di Bergamo" in reasons[7]
    assert "non ha valori nelle colonne" in reasons[8]
    assert session.counts()["scartate"] == 4 and len(session.plan.new) == 1


def test_formulas_in_imported_columns_reject_their_rows(
    expert_store: Store, tmp_path: Path
) -> None:
    header = [*HEADER, "Giorni trascorsi"]
    ok = write_xlsx(tmp_path / "ok.xlsx", [[*row("1/2026"), "=TODAY()-D4"]], header=header)
    assert len(load(expert_store, ok).plan.new) == 1  # a formula in a column not imported
    for path in (
        write_xlsx(tmp_path / "f.xlsx", [row("1/2026", termine="=10*3"), row("2/2026")]),
        write_ods(tmp_path / "f.ods", [row("1/2026", termine=Formula("=10*3")), row("2/2026")]),
    ):
        session = load(expert_store, path)
        assert [p.practice.protocol_no for p in session.plan.new] == ["2/2026"], path
        (rejection,) = session.rejections
        assert (rejection.column, rejection.value) == ("Termine (gg) (E)", "=10*3"), path
        assert "formula" in rejection.reason and "Incolla speciale" in rejection.reason
    # in an ODS a text cell is text, whatever it starts with
    text = write_ods(tmp_path / "t.ods", [row("3/2026", oggetto="=== RINNOVO ===")])
    assert [p.practice.subject for p in load(expert_store, text).plan.new] == ["=== RINNOVO ==="]


def test_a_csv_subject_starting_with_equals_is_text(expert_store: Store, tmp_path: Path) -> None:
    texts = ["=== RINNOVO ===", "= variante", "=2 varianti", "=RINNOVO", "= (vedi nota)"]
    formulas = ["=SUM(A1:A3)", '=HYPERLINK("http://x.it";"apri")', "=A1", "= 10*3",
                "=Foglio1!B2", "=cmd|' /C calc'!A0", "=-(2+3)"]  # fmt: skip
    rows = [row(f"{i}/2026", oggetto=text) for i, text in enumerate(texts + formulas, start=1)]
    session = imported(expert_store, write_csv(tmp_path / "p.csv", rows))
    with expert_store.read() as conn:
        subjects = sorted(r[0] for r in conn.execute("SELECT subject FROM practice"))
    assert subjects == sorted(texts)
    rejected = {r.value: r.reason for r in session.rejections}
    assert set(rejected) == set(formulas)
    assert all("formula" in reason for reason in rejected.values())


# --- re-import, updates, edits made in the app -------------------------------------------------
def test_reimporting_the_same_file_changes_nothing(expert_store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("1/2026"), row("2/2026", tipo="AUA")])
    imported(expert_store, path)
    before = snapshot(expert_store)
    again = load(expert_store, path)
    assert again.counts() == {
        "nuove": 0,
        "aggiornate": 0,
        "invariate": 2,
        "scartate": 0,
        "conflitti": 0,
    }
    assert not again.plan.has_writes
    assert snapshot(expert_store) == before


def test_a_newer_version_updates_and_never_duplicates(expert_store: Store, tmp_path: Path) -> None:
    first = write_xlsx(tmp_path / "v1.xlsx", [row("1/2026"), row("2/2026")])
    imported(expert_store, first)
    newer = write_xlsx(
        tmp_path / "v2.xlsx",
        [
            row("1/2026", stato="conclusa", conclusione=date(2026, 4, 1), esito="favorevole"),
            row(
                "2/2026",
                oggetto="Ampliamento con variante",
                sosp_dal=date(2026, 3, 10),
                sosp_al=date(2026, 3, 20),
            ),
            row("3/2026"),
        ],
    )
    session = imported(expert_store, newer)
    assert session.counts()["nuove"] == 1 and session.counts()["aggiornate"] == 2
    with expert_store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0] == 3
    one, two = (
        practice_by_protocol(expert_store, "1/2026"),
        practice_by_protocol(expert_store, "2/2026"),
    )
    assert (one.status, one.concluded_on, one.outcome) == (
        "conclusa",
        date(2026, 4, 1),
        "favorevole",
    )
    assert two.subject == "Ampliamento con variante"
    assert [(s.start_on, s.end_on) for s in two.suspensions] == [
        (date(2026, 3, 10), date(2026, 3, 20))
    ]
    history = {(h.table, h.field) for h in expert_store.practices.history(one.id)}
    assert ("practice", "status") in history and ("practice", "concluded_on") in history


def test_an_edit_made_in_the_app_is_not_silently_overwritten(
    expert_store: Store, tmp_path: Path
) -> None:
    imported(expert_store, write_xlsx(tmp_path / "v1.xlsx", [row("1/2026", oggetto="Ampliamento")]))
    practice = practice_by_protocol(expert_store, "1/2026")
    expert_store.practices.edit(practice.id, subject="Ampliamento (corretto dall'esperto)")
    # the same file again: the file did not change the subject, the app's edit stays
    same = load(expert_store, tmp_path / "v1.xlsx")
    assert not same.plan.has_writes and not same.conflicts
    # a newer file changes it too: a conflict, the app's value kept unless the user decides
    newer = write_xlsx(tmp_path / "v2.xlsx", [row("1/2026", oggetto="Ampliamento e cambio d'uso")])
    session = load(expert_store, newer)
    (conflict,) = session.conflicts
    assert conflict.label == "Oggetto" and conflict.row == 4
    assert conflict.app_value == "Ampliamento (corretto dall'esperto)"
    assert conflict.file_value == "Ampliamento e cambio d'uso"
    assert session.choice(conflict) == "app" and not session.plan.updated
    session.decide(conflict.practice_id, conflict.unit, "file")
    assert [p.changes for p in session.plan.updated] == [{"subject": "Ampliamento e cambio d'uso"}]
    session.apply()
    assert practice_by_protocol(expert_store, "1/2026").subject == "Ampliamento e cambio d'uso"
    assert not load(expert_store, newer).plan.has_writes


def test_keeping_the_apps_value_is_remembered(expert_store: Store, tmp_path: Path) -> None:
    imported(expert_store, write_xlsx(tmp_path / "v1.xlsx", [row("1/2026")]))
    practice = practice_by_protocol(expert_store, "1/2026")
    expert_store.practices.conclude(practice.id, date(2026, 5, 4), vocab.FAVOREVOLE)
    newer = write_xlsx(
        tmp_path / "v2.xlsx", [row("1/2026", stato="sospesa", sosp_dal=date(2026, 4, 1))]
    )
    session = load(expert_store, newer)
    (conflict,) = session.conflicts
    assert conflict.unit == WORKFLOW
    assert "Conclusa il 04/05/2026" in conflict.app_value
    assert "Sospesa" in conflict.file_value and "01/04/2026" in conflict.file_value
    assert session.plan.has_writes  # the choice (keep the app's) is recorded
    session.apply()
    assert practice_by_protocol(expert_store, "1/2026").status == "conclusa"
    again = load(expert_store, newer)
    assert not again.conflicts and not again.plan.has_writes


def test_a_practice_typed_in_the_app_first(expert_store: Store, tmp_path: Path) -> None:
    expert_store.practices.create(
        comune_code="016024",
        procedure_type="scia",
        protocol_no="1/2026",
        received_on=date(2026, 3, 2),
        subject="Scritto a mano",
    )
    session = load(expert_store, write_xlsx(tmp_path / "p.xlsx", [row("1/2026")]))
    assert not session.plan.new  # matched, never duplicated
    assert [c.label for c in session.conflicts] == ["Oggetto"]
    session.decide_all("file")
    session.apply()
    assert practice_by_protocol(expert_store, "1/2026").subject == "Ampliamento"


def test_a_stale_preview_writes_nothing(expert_store: Store, tmp_path: Path) -> None:
    imported(expert_store, write_xlsx(tmp_path / "v1.xlsx", [row("1/2026")]))
    session = load(
        expert_store, write_xlsx(tmp_path / "v2.xlsx", [row("1/2026", termine=60), row("2/2026")])
    )
    expert_store.practices.edit(practice_by_protocol(expert_store, "1/2026").id, notes="nota")
    before = snapshot(expert_store)
    with pytest.raises(DomainError, match="rifai l'anteprima"):
        session.apply()
    assert snapshot(expert_store) == before


# --- mapping -------------------------------------------------------------------------------------
def test_unguessed_column_mapped_by_hand_and_remembered(
    expert_store: Store, tmp_path: Path
) -> None:
    header = ["Cod. ente", "Procedura", "Registro", "Arrivata il"]
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [["016024", "SCIA", "1/2026", datetime(2026, 3, 2)]],
        header=header,
    )
    session = load(expert_store, path, comune="016024")
    assert set(session.missing) == {"Tipo procedimento", "N. protocollo", "Data avvio"}
    with pytest.raises(DomainError, match="Associa prima"):
        session.apply()
    session.remap(1, "tipo")
    session.remap(2, "protocollo")
    session.remap(3, "avvio")
    assert not session.missing and len(session.plan.new) == 1
    session.apply()
    path2 = write_xlsx(
        tmp_path / "p2.xlsx", [["016024", "SCIA", "2/2026", datetime(2026, 3, 3)]], header=header
    )
    later = load(expert_store, path2, comune="Bergamo")
    assert not later.missing and [p.practice.protocol_no for p in later.plan.new] == ["2/2026"]


def test_overrides_by_header_and_by_letter(expert_store: Store, tmp_path: Path) -> None:
    header = ["Cod. ente", "Procedura", "Registro", "Arrivata il"]
    path = write_xlsx(
        tmp_path / "p.xlsx", [["016024", "SCIA", "1/2026", "02/03/2026"]], header=header
    )
    session = load(
        expert_store,
        path,
        overrides=["Cod. ente=istat", "procedura=tipo", "C=protocollo", "Arrivata il=Data avvio"],
    )
    assert not session.missing and len(session.plan.new) == 1
    with pytest.raises(DomainError, match="non c'è la colonna"):
        load(expert_store, path, overrides=["Inesistente=tipo"])
    with pytest.raises(DomainError, match="Campo sconosciuto"):
        load(expert_store, path, overrides=["Procedura=colore"])


def test_best_sheet_is_chosen(expert_store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("1/2026")], extra_sheets=("Istruzioni",))
    session = load(expert_store, path)
    assert session.sheet == "Pratiche" and len(session.plan.new) == 1
    with pytest.raises(DomainError, match="Fogli"):
        load(expert_store, path, sheet="Riepilogo")


# --- the rejects file and the bulk text index ---------------------------------------------------
def test_rejections_saved_next_to_the_source(expert_store: Store, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "pratiche.xlsx", [row("1/2026"), row("2/2026", tipo="@SOMMA(A1)")])
    session = load(expert_store, path)
    saved = session.save_rejections()
    assert saved == tmp_path / "pratiche_scarti.csv"
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Riga;Colonna;Valore;Motivo"
    assert lines[1].startswith("5;Tipo procedimento (B);'@SOMMA(A1);Tipo di procedimento")


def test_bulk_import_keeps_the_text_index(
    expert_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskforce_tui.store import imports
    from taskforce_tui.store.practices import PracticeFilter

    monkeypatch.setattr(imports, "BULK_FTS_FROM", 2)
    rows = [row(f"{i}/2026", oggetto=f"Capannone numero {i}") for i in range(5)]
    imported(expert_store, write_xlsx(tmp_path / "p.xlsx", rows))
    found = expert_store.practices.page(PracticeFilter(text="Capannone numero 3"))
    assert [p.protocol_no for p in found] == ["3/2026"]
    with expert_store.read() as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'practice_ai'"
        ).fetchone() == (1,)
    expert_store.practices.create(
        comune_code="016024",
        procedure_type="scia",
        protocol_no="99/2026",
        received_on=date(2026, 3, 2),
        subject="Silos agricolo",
    )
    assert len(expert_store.practices.page(PracticeFilter(text="Silos agr"))) == 1


def test_a_type_corrected_in_the_app_still_matches_its_row(
    expert_store: Store, tmp_path: Path
) -> None:
    imported(expert_store, write_xlsx(tmp_path / "v1.xlsx", [row("1/2026", tipo="SCIA")]))
    practice = practice_by_protocol(expert_store, "1/2026")
    expert_store.practices.edit(practice.id, procedure_type="permesso_costruire")
    newer = write_xlsx(
        tmp_path / "v2.xlsx",
        [row("1/2026", tipo="SCIA", termine=45), row("1/2026", tipo="Permesso di costruire")],
    )
    session = load(expert_store, newer)
    assert not session.plan.new
    assert [p.practice.id for p in session.plan.updated] == [practice.id]
    (rejected,) = session.rejections
    assert rejected.row == 5 and "stessa pratica della riga 4" in rejected.reason


def test_progress_is_reported_for_every_phase(expert_store: Store, tmp_path: Path) -> None:
    from taskforce_tui.importer.service import CHECKING, READING, WRITING

    seen: list[tuple[str, float]] = []
    path = write_xlsx(tmp_path / "p.xlsx", [row(f"{i}/2026") for i in range(3)])
    session = ImportSession(expert_store, path)
    session.load(lambda phase, f: seen.append((phase, f)))
    session.apply(lambda phase, f: seen.append((phase, f)))
    phases = [p for p, _ in seen]
    assert phases.index(READING) < phases.index(CHECKING) < phases.index(WRITING)
    assert (CHECKING, 1.0) in seen and seen[-1] == (WRITING, 1.0)
    for phase in (READING, CHECKING, WRITING):
        values = [f for p, f in seen if p == phase]
        assert values == sorted(values) and all(0 <= f <= 1 for f in values)

"""End to end through the CLI: a coordinator and three experts in temporary folders,
a day of edits with a conflict, sync, merge, sync again: all agree, conflict listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskforce_tui.cli import main

#: With the centre on PostgreSQL (the `team` fixture under `centre_backend`): the team
#: coordinator's profile and its database's URL, given as --db to its centre commands.
CENTRE_ON_SERVER: dict[str, str] = {}
_CENTRE_COMMANDS = {"init", "merge", "stato", "invita", "revoca", "dispositivi"}


def _with_db(args: tuple[str, ...]) -> list[str]:
    out = list(args)
    if (
        CENTRE_ON_SERVER
        and "centrale" in out
        and "--db" not in out
        and out[out.index("centrale") + 1] in _CENTRE_COMMANDS
        and CENTRE_ON_SERVER["home"] in out
    ):
        out += ["--db", CENTRE_ON_SERVER["url"]]
    return out


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(_with_db(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, (args, out, err)
    return out


@pytest.fixture
def team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], centre_backend: str
) -> Iterator[dict[str, Path]]:
    """A coordinator (centre on its SQLite file, or on PostgreSQL) and three experts."""
    from tests import sync_helpers

    server = sync_helpers.BACKEND["server"]
    if server is not None:
        CENTRE_ON_SERVER.update(home=str(tmp_path / "coord"), url=server.url(server.new_database()))
    try:
        homes = _team(tmp_path, capsys)
        # on a server the centre wrote no SQLite file of its own
        files = list((tmp_path / "coord").rglob("centrale-*.sqlite3"))
        assert (server is None) == bool(files), files
        yield homes
    finally:
        CENTRE_ON_SERVER.clear()


def _team(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    experts = tmp_path / "esperti.csv"
    experts.write_text(
        "Nome;Email;Ambiti\n"
        "Anna Verdi;anna@example.it;edilizia\n"
        "Bruno Neri;bruno@example.it;ambiente\n"
        "Carla Bianchi;carla@example.it;\n",
        encoding="utf-8",
    )
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Email", "Comune", "Ambito", "Dal", "Al"])
    sheet.append(["anna@example.it", "Bergamo", None, "01/01/2026", None])
    sheet.append(["bruno@example.it", "016024", None, None, None])
    sheet.append(["carla@example.it", "Bergamo", None, None, None])
    sheet.append(["carla@example.it", "Treviglio", None, None, None])
    assignments = tmp_path / "assegnazioni.xlsx"
    book.save(assignments)
    share = tmp_path / "condivisa"
    out = ok(
        capsys,
        "--data-dir",
        str(tmp_path / "coord"),
        "centrale",
        "init",
        str(share),
        "--esperti",
        str(experts),
        "--assegnazioni",
        str(assignments),
    )
    assert "generazione 1 pubblicata" in out
    homes = {"share": share, "coord": tmp_path / "coord"}
    coord = str(tmp_path / "coord")
    for name in ("anna", "bruno", "carla"):
        home = tmp_path / name
        invite = json.loads(
            ok(
                capsys,
                "--data-dir",
                coord,
                "centrale",
                "invita",
                str(share),
                f"{name}@example.it",
                "--json",
            )
        )
        assert set(invite) == {"email", "codice", "scade"}
        out = ok(
            capsys,
            "--data-dir",
            str(home),
            "init",
            "--da",
            str(share),
            "--email",
            f"{name}@example.it",
            "--codice",
            invite["codice"].lower().replace("-", " "),  # as typed, read over the phone
            "--nome-dispositivo",
            f"portatile di {name}",
        )
        assert "richiesta di iscrizione" in out
        out = ok(capsys, "--data-dir", str(home), "sync")
        assert "in attesa di iscrizione" in out
        homes[name] = home
    out = ok(capsys, "--data-dir", coord, "centrale", "merge", str(share))
    assert "Dispositivi iscritti: 3" in out
    for name in ("anna", "bruno", "carla"):
        out = ok(capsys, "--data-dir", str(homes[name]), "sync")
        assert "Dispositivo iscritto" in out
    return homes


def test_a_day_of_work_through_the_cli(
    team: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    share, coord = str(team["share"]), str(team["coord"])
    a, b, c = (str(team[n]) for n in ("anna", "bruno", "carla"))
    pid = ok(
        capsys,
        "--data-dir",
        a,
        "pratica",
        "nuova",
        "--comune",
        "Bergamo",
        "--tipo",
        "permesso_costruire",
        "--protocollo",
        "77/2026",
        "--avvio",
        "2026-11-02",
        "--oggetto",
        "ampliamento",
    ).strip()
    out = ok(capsys, "--data-dir", a, "sync")  # the folder is remembered
    assert "Modifiche inviate:" in out
    ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    for home in (b, c):
        ok(capsys, "--data-dir", home, "sync")
    # the same field changed by two people: a conflict
    ok(capsys, "--data-dir", b, "pratica", "modifica", pid, "--oggetto", "ampliamento capannone")
    ok(
        capsys,
        "--data-dir",
        c,
        "pratica",
        "modifica",
        pid,
        "--oggetto",
        "ampliamento e cambio d'uso",
    )
    ok(capsys, "--data-dir", a, "pratica", "modifica", pid, "--note", "sopralluogo fatto")
    # --prova changes nothing
    out = ok(capsys, "--data-dir", b, "sync", "--prova", "--json")
    assert json.loads(out)["dry_run"] is True
    status = json.loads(ok(capsys, "--data-dir", b, "stato-sync", "--json"))
    assert status["pending"] == 1
    for home in (a, b, c):
        ok(capsys, "--data-dir", home, "sync")
    out = ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    assert "1 conflitti" in out
    for home in (a, b, c):
        ok(capsys, "--data-dir", home, "sync")
    shown = [
        json.loads(ok(capsys, "--data-dir", h, "pratica", "mostra", pid, "--json"))
        for h in (a, b, c)
    ]
    assert len({(p["subject"], p["notes"]) for p in shown}) == 1
    assert shown[0]["notes"] == "sopralluogo fatto"
    for home in (a, b, c):
        conflicts = json.loads(ok(capsys, "--data-dir", home, "conflitti", "--json"))
        assert len(conflicts) == 1
        assert {conflicts[0]["kept_value"], conflicts[0]["other_value"]} == {
            "ampliamento capannone",
            "ampliamento e cambio d'uso",
        }
        assert json.loads(ok(capsys, "--data-dir", home, "stato-sync", "--json"))["pending"] == 0
    table = ok(capsys, "--data-dir", a, "conflitti")
    assert "oggetto" in table and "Bruno Neri" in table and "Carla Bianchi" in table
    state = json.loads(ok(capsys, "--data-dir", coord, "centrale", "stato", share, "--json"))
    # 1: init, 2: the three devices enrolled, 3 and 4: the day's merges
    assert state["generation"] == 4 and state["open_conflicts"] == 1
    assert {e["email"] for e in state["experts"]} == {
        "anna@example.it",
        "bruno@example.it",
        "carla@example.it",
    }
    # Bruno chooses Carla's value: an ordinary edit that syncs like any other
    conflict_id = json.loads(ok(capsys, "--data-dir", b, "conflitti", "--json"))[0]["id"]
    other = json.loads(ok(capsys, "--data-dir", b, "conflitti", "--json"))[0]
    choice = "--altro" if other["other_value"] == "ampliamento e cambio d'uso" else "--tieni"
    ok(capsys, "--data-dir", b, "conflitti", "risolvi", conflict_id[:8], choice)
    ok(capsys, "--data-dir", b, "sync")
    ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    for home in (a, b, c):
        ok(capsys, "--data-dir", home, "sync")
        assert json.loads(ok(capsys, "--data-dir", home, "conflitti", "--json")) == []
        shown = json.loads(ok(capsys, "--data-dir", home, "pratica", "mostra", pid, "--json"))
        assert shown["subject"] == "ampliamento e cambio d'uso"
    human = ok(capsys, "--data-dir", coord, "centrale", "stato", share)
    assert "Quarantena: vuota." in human and "Carla Bianchi" in human


def test_an_edit_on_a_comune_not_assigned_is_rejected_and_reported(
    team: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    share, coord, c, b = (
        str(team["share"]),
        str(team["coord"]),
        str(team["carla"]),
        str(team["bruno"]),
    )
    pid = ok(
        capsys,
        "--data-dir",
        c,
        "pratica",
        "nuova",
        "--comune",
        "Treviglio",
        "--tipo",
        "permesso_costruire",
        "--protocollo",
        "5/2026",
        "--avvio",
        "2026-11-02",
    ).strip()
    ok(capsys, "--data-dir", c, "sync")
    ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    # Bruno's profile is tampered with to cover Treviglio: the centre still refuses
    from taskforce_tui.store.db import Store

    with Store(Path(b) / "taskforce.sqlite3") as store:
        from datetime import date

        code = store.conn.execute(
            "SELECT code FROM procedure_type WHERE code = 'permesso_costruire'"
        ).fetchone()[0]
        with store.write() as tx:
            tx.insert(
                "practice",
                {
                    "id": "00000000-0000-4000-8000-000000000001",
                    "comune_code": "016219",
                    "ambito": "edilizia",
                    "procedure_type": code,
                    "protocol_no": "X/1",
                    "received_on": date(2026, 11, 2),
                    "legal_term_days": 60,
                    "status": "aperta",
                },
            )
    ok(capsys, "--data-dir", b, "sync")
    out = ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    assert "respinte" in out
    state = json.loads(ok(capsys, "--data-dir", coord, "centrale", "stato", share, "--json"))
    assert any("non assegnato" in r["reason"] for r in state["rejected"])
    ok(capsys, "--data-dir", b, "sync")
    status = json.loads(ok(capsys, "--data-dir", b, "stato-sync", "--json"))
    assert status["rejected"] > 0 and status["pending"] == 0
    assert pid


def test_bad_folders_and_bad_files_exit_2_with_an_italian_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path / "p")
    code, _, err = run(
        capsys,
        "--data-dir",
        home,
        "init",
        "--da",
        str(tmp_path / "nessuna"),
        "--email",
        "a@b.it",
        "--codice",
        "00000-00000-00000-00000-00000",
    )
    assert code == 2 and "non è raggiungibile" in err
    assert not (tmp_path / "p" / "taskforce.sqlite3").exists()
    bad = tmp_path / "esperti.csv"
    bad.write_text("Nome,Email\nAnna,non-una-email\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(tmp_path / "c"),
        "centrale",
        "init",
        str(tmp_path / "s"),
        "--esperti",
        str(bad),
        "--assegnazioni",
        str(bad),
    )
    assert code == 2 and "email non valida" in err
    assert not (tmp_path / "s" / "taskforce-sync.json").exists()
    assignments = tmp_path / "assegnazioni.csv"
    assignments.write_text("email,comune\nanna@example.it,Atlantide\n", encoding="utf-8")
    good = tmp_path / "ok.csv"
    good.write_text("nome,email\nAnna,anna@example.it\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(tmp_path / "c"),
        "centrale",
        "init",
        str(tmp_path / "s"),
        "--esperti",
        str(good),
        "--assegnazioni",
        str(assignments),
    )
    assert code == 2 and "Comune sconosciuto" in err
    assert not (tmp_path / "s" / "taskforce-sync.json").exists()


def test_sync_of_a_profile_with_a_missing_folder_changes_nothing(
    team: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a = str(team["anna"])
    code, _, err = run(capsys, "--data-dir", a, "sync", str(tmp_path / "scollegata"))
    assert code == 2 and "Non è stato fatto nulla" in err
    team["share"].rename(tmp_path / "altrove")
    code, _, err = run(capsys, "--data-dir", a, "sync")
    assert code == 2 and "non è raggiungibile" in err


def test_the_sync_package_never_imports_textual() -> None:
    import subprocess
    import sys

    code = (
        "import pkgutil, importlib, sys, taskforce_tui.sync as p\n"
        "for m in pkgutil.iter_modules(p.__path__):\n"
        "    importlib.import_module(p.__name__ + '.' + m.name)\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(out.stdout.split())
    assert "taskforce_tui.sync.central" in modules
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}


@pytest.mark.parametrize(
    "value", ["postgresql://nessuno@127.0.0.1:1/taskforce", "sqlite:///x.db", "mysql://h/db", ""]
)
def test_a_db_that_is_not_a_file_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """`centrale init CARTELLA --db postgresql://...` used to create a folder named
    "postgresql:" in the current directory: now a URL of another kind, or an empty
    value, gets an Italian message; a server that does not answer too; nothing written."""
    monkeypatch.chdir(tmp_path)
    experts = tmp_path / "esperti.csv"
    experts.write_text("Nome;Email;Ambiti\nAnna Verdi;anna@example.it;\n", encoding="utf-8")
    assignments = tmp_path / "assegnazioni.csv"
    assignments.write_text("Email;Comune\nanna@example.it;Bergamo\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _out, err = run(
        capsys,
        "--data-dir",
        str(tmp_path / "coord"),
        "centrale",
        "init",
        str(tmp_path / "condivisa"),
        "--esperti",
        str(experts),
        "--assegnazioni",
        str(assignments),
        "--db",
        value,
    )
    if value.startswith("postgresql"):
        assert code == 2 and "Non riesco a collegarmi al database" in err
        assert "127.0.0.1:1/taskforce" in err
    else:
        assert code == 2
        assert "errore" in err and ("SQLite" in err or "vuoto" in err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before

"""Free-text options (notes, subjects, reasons...) take values that start with "-",
through the real `taskforce` entry point, while a forgotten value is still an error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from taskforce_tui.cli import build_parser, main
from taskforce_tui.cli.base import FreeText
from taskforce_tui.store.db import Store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def profile(expert_store: Store) -> Path:
    folder = expert_store.path.parent
    expert_store.close()
    return folder


def test_a_note_starting_with_a_dash(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(profile))
    code, out, err = run(
        capsys, *d, "log", "1h", "--nota", "-2+3", "--comune", "Bergamo",
        "--attivita", "affiancamento", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["note"] == "-2+3"
    code, out, err = run(
        capsys, *d, "timer", "avvia", "--comune", "Bergamo", "--attivita", "affiancamento",
        "--nota", "--- riunione ---",
    )  # fmt: skip
    assert code == 0, err
    with Store(profile / "taskforce.sqlite3") as s, s.read() as conn:
        notes = [r[0] for r in conn.execute("SELECT note FROM time_log")]
        timer = conn.execute("SELECT note FROM timer").fetchone()
    assert notes == ["-2+3"] and timer == ("--- riunione ---",)


def test_practice_and_request_texts_starting_with_a_dash(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ("--data-dir", str(profile))
    code, out, err = run(
        capsys, *d, "pratica", "nuova", "--comune", "Bergamo", "--tipo", "scia",
        "--protocollo", "-7/2026", "--avvio", "02/11/2026", "--oggetto", "- variante -",
        "--note", "-1 tavola",
    )  # fmt: skip
    assert code == 0, err
    pid = out.strip()
    assert run(capsys, *d, "pratica", "sospendi", pid, "--motivo", "-integrazioni")[0] == 0
    assert run(capsys, *d, "pratica", "modifica", pid, "--note", "-2 tavole")[0] == 0
    shown = json.loads(run(capsys, *d, "pratica", "mostra", pid, "--json")[1])
    assert (shown["protocol_no"], shown["subject"], shown["notes"]) == (
        "-7/2026",
        "- variante -",
        "-2 tavole",
    )
    assert shown["suspensions"][0]["reason"] == "-integrazioni"
    found = json.loads(run(capsys, *d, "pratiche", "--cerca", "-7/2026", "--json")[1])
    assert [p["id"] for p in found] == [pid]
    code, out, err = run(
        capsys, *d, "log", "30m", "--comune", "Bergamo", "--attivita", "affiancamento",
        "--pratica", "-7/2026", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["practice_id"] == pid
    code, out, err = run(
        capsys, *d, "richiesta", "nuova", "--comune", "Bergamo", "--tipo", "giuridica",
        "--oggetto", "-oneri", "--descrizione", "-- vedi mail --",
    )  # fmt: skip
    assert code == 0, err
    with Store(profile / "taskforce.sqlite3") as s, s.read() as conn:
        assert conn.execute("SELECT subject, description FROM request").fetchall() == [
            ("-oneri", "-- vedi mail --")
        ]


def test_a_forgotten_value_is_still_an_error(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ("--data-dir", str(profile))
    code, _, err = run(
        capsys, *d, "log", "1h", "--comune", "Bergamo", "--attivita", "affiancamento",
        "--nota", "--json",
    )  # fmt: skip
    assert code == 2 and "--nota: serve un valore" in err
    code, _, err = run(capsys, *d, "log", "1h", "--attivita", "affiancamento", "--nota")
    assert code == 2 and "--nota: serve un valore" in err
    with Store(profile / "taskforce.sqlite3") as s, s.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM time_log").fetchone() == (0,)


def test_after_a_double_dash_nothing_is_joined() -> None:
    args = build_parser().parse_args(["conflitti", "risolvi", "--valore", "-3", "--", "--valore"])
    assert (args.valore, args.id) == ("-3", "--valore")


#: Options taking a string that is a name to look up, a code, an id, an address, a
#: number or a folder: their values never start with "-", and a dash there is better
#: refused than swallowed (a negative number still reaches the option's own check).
NOT_FREE_TEXT = {
    "--data-dir", "--comune", "--tipo", "--ambito", "--attivita", "--richiesta", "--email",
    "--periodo", "--durata", "--arretrato", "--codice", "--dispositivo",
    "--area", "--stato", "--fonte", "--fase", "--pratica", "--ore", "--intervento",
}  # fmt: skip


def _string_options(parser: argparse.ArgumentParser, path: str = "") -> dict[str, bool]:
    """Every option taking one plain string, as "subcommand --option": is it FreeText?"""
    found: dict[str, bool] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _string_options(sub, f"{path} {name}".strip())
        elif (
            action.option_strings
            and (action.nargs, action.type, action.choices) == (None, None, None)
            and isinstance(action, argparse._StoreAction | argparse._AppendAction | FreeText)
        ):
            found[f"{path} {action.option_strings[0]}"] = isinstance(action, FreeText)
    return found


def test_every_free_text_option_takes_values_starting_with_a_dash() -> None:
    options = _string_options(build_parser())
    assert options["log --nota"] and options["import pratiche --mappa"]
    undecided = [
        name for name, free in options.items() if not free and name.split()[-1] not in NOT_FREE_TEXT
    ]
    assert undecided == []
    assert {name.split()[-1] for name, free in options.items() if not free} >= NOT_FREE_TEXT


def test_a_column_starting_with_a_dash_in_an_import_mapping(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.import_helpers import HEADER, row, write_csv

    header = ["-Prot-" if h == "N. protocollo" else h for h in HEADER]
    path = write_csv(tmp_path / "p.csv", [row("1/2026")], header=header)
    code, out, err = run(
        capsys, "--data-dir", str(profile), "import", "pratiche", str(path),
        "--mappa", "-Prot-=protocollo", "--mappa", "Oggetto=oggetto", "--prova",
    )  # fmt: skip
    assert code == 0, err
    assert "C     -Prot-                 N. protocollo" in out
    assert "Anteprima: 1 nuove, 0 aggiornate, 0 invariate, 0 scartate." in out

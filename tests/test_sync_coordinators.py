"""A second coordinator joins the Segreteria Tecnica with a code from an existing one
(issue 13): through the CLI, as the two people would, then both merge in turn and the
experts' laptops accept generations signed by either."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskforce_tui.sync import enrolment, trust
from taskforce_tui.sync.central import default_keys
from taskforce_tui.sync.crypto import KeyPair
from tests.test_sync_cli import CENTRE_ON_SERVER, ok, run, team  # noqa: F401 - fixture by name


def _invite(capsys: pytest.CaptureFixture[str], coord: str, share: str, email: str) -> str:
    out = ok(capsys, "--data-dir", coord, "centrale", "invita", share, email, "--coordinatore")
    assert "centrale unisciti" in out
    invite = json.loads(
        ok(
            capsys,
            "--data-dir",
            coord,
            "centrale",
            "invita",
            share,
            email,
            "--coordinatore",
            "--json",
        )
    )
    return str(invite["codice"])


def _join(capsys: pytest.CaptureFixture[str], home: str, share: str, code: str, *db: str) -> dict:
    code_, out, err = run(
        capsys,
        "--data-dir",
        home,
        "centrale",
        "unisciti",
        "--da",
        share,
        "--email",
        "dora@example.it",
        "--codice",
        code,
        "--nome",
        "Dora, Segreteria",
        "--json",
        *db,
    )
    result = json.loads(out)
    assert code_ == (2 if result["esito"] == "rifiutato" else 0), (out, err)
    return dict(result)


def test_a_second_coordinator_joins_and_both_can_merge(
    team: dict[str, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    share, coord = str(team["share"]), str(team["coord"])
    anna = str(team["anna"])
    dora = str(tmp_path / "dora")
    code = _invite(capsys, coord, share, "dora@example.it")

    # before anyone has answered: a request, then "waiting"; Dora cannot merge yet
    assert _join(capsys, dora, share, code)["esito"] == "richiesta"
    assert _join(capsys, dora, share, code)["esito"] == "attesa"
    status, _out, err = run(capsys, "--data-dir", dora, "centrale", "merge", share)
    assert status == 2 and "centrale unisciti" in err

    # the existing coordinator's merge adds Dora's key, signed by a current coordinator
    out = ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    assert "Nuovi coordinatori: 1" in out and "Dispositivi iscritti" not in out
    joined = _join(capsys, dora, share, code)
    assert joined["esito"] == "iscritto", joined
    generation = joined["generazione"]
    dora_keys = KeyPair.load_or_create(default_keys(tmp_path / "dora"))
    founder = KeyPair.load_or_create(default_keys(team["coord"]))
    pinned = enrolment.read_pinned(default_keys(tmp_path / "dora"))
    assert set(pinned) == {founder.id, dora_keys.id}
    assert pinned[dora_keys.id]["added_by"] == founder.id
    # the set Dora pinned is the one a laptop can check from the founder's key alone
    assert set(trust.extend_trusted({founder.id: pinned[founder.id]}, list(pinned.values()))) == {
        founder.id,
        dora_keys.id,
    }
    # a private file, never on the share
    assert not list(Path(share).rglob("*.key"))

    # Anna receives the new coordinator set with her extract; her next outbox is sealed
    # for both, and Dora merges it and publishes a generation Anna accepts
    ok(capsys, "--data-dir", anna, "sync")
    pid = ok(
        capsys,
        "--data-dir",
        anna,
        "pratica",
        "nuova",
        "--comune",
        "Bergamo",
        "--tipo",
        "permesso_costruire",
        "--protocollo",
        "12/2026",
        "--avvio",
        "2026-11-02",
    ).strip()
    ok(capsys, "--data-dir", anna, "sync")
    out = ok(capsys, "--data-dir", dora, "centrale", "merge", share, "--json")
    merged = json.loads(out)
    assert merged["generation"] == generation + 1 and merged["accepted"] > 0
    assert merged["quarantined"] == []
    out = ok(capsys, "--data-dir", anna, "sync", "--json")
    assert json.loads(out)["generation"] == generation + 1
    # the founder adopts Dora's generation and merges on top of it
    ok(capsys, "--data-dir", anna, "pratica", "modifica", pid, "--oggetto", "ampliamento")
    ok(capsys, "--data-dir", anna, "sync")
    merged = json.loads(ok(capsys, "--data-dir", coord, "centrale", "merge", share, "--json"))
    assert merged["adopted"] == generation + 1 and merged["generation"] == generation + 2
    ok(capsys, "--data-dir", anna, "sync")
    shown = json.loads(ok(capsys, "--data-dir", anna, "pratica", "mostra", pid, "--json"))
    assert shown["subject"] == "ampliamento"
    # running the join again is harmless: it only catches up
    again = _join(capsys, dora, share, code)
    assert again["esito"] == "iscritto" and again["generazione"] == generation + 2


def test_a_wrong_coordinator_code_adds_no_key_and_the_coordinator_is_told(
    team: dict[str, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    share, coord = str(team["share"]), str(team["coord"])
    dora = str(tmp_path / "dora")
    real = _invite(capsys, coord, share, "dora@example.it")
    wrong = ("Z" if real[0] != "Z" else "Y") + real[1:]
    assert _join(capsys, dora, share, wrong)["esito"] == "richiesta"
    ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    refused = _join(capsys, dora, share, wrong)
    assert refused["esito"] == "rifiutato" and "codice errato" in refused["messaggio"]
    state = json.loads(ok(capsys, "--data-dir", coord, "centrale", "stato", share, "--json"))
    founder = KeyPair.load_or_create(default_keys(team["coord"]))
    assert [d for d in state["enrolments"] if d["outcome"] == "rifiutato"]
    human = ok(capsys, "--data-dir", coord, "centrale", "stato", share)
    assert "codice errato" in human and "dora@example.it" in human
    # nothing was bound: the generation is not sealed for Dora, who cannot merge
    assert enrolment.read_pinned(default_keys(tmp_path / "dora")) == {}
    status, _out, err = run(capsys, "--data-dir", dora, "centrale", "merge", share)
    assert status == 2 and "coordinatori" in err
    # with the right code afterwards, she joins
    assert _join(capsys, dora, share, real)["esito"] == "richiesta"
    ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    assert _join(capsys, dora, share, real)["esito"] == "iscritto"
    pinned = enrolment.read_pinned(default_keys(tmp_path / "dora"))
    assert founder.id in pinned and len(pinned) == 2


def test_a_coordinator_entry_not_signed_by_a_coordinator_is_not_trusted(tmp_path: Path) -> None:
    founder = KeyPair.load_or_create(tmp_path / "a.key")
    intruder = KeyPair.load_or_create(tmp_path / "b.key")
    other = KeyPair.load_or_create(tmp_path / "c.key")
    pinned = {founder.id: trust.coordinator_entry(founder.public, "", "A", founder, None)}
    self_signed = trust.coordinator_entry(intruder.public, "x@y.it", "X", intruder, intruder.id)
    # signed by the intruder but claiming to be added by the founder
    forged = trust.coordinator_entry(other.public, "z@y.it", "Z", intruder, founder.id)
    assert set(trust.extend_trusted(pinned, [self_signed, forged])) == {founder.id}
    genuine = trust.coordinator_entry(other.public, "z@y.it", "Z", founder, founder.id)
    assert set(trust.extend_trusted(pinned, [genuine])) == {founder.id, other.id}


@pytest.mark.parametrize("centre_backend", ["postgresql"], indirect=True)
def test_two_coordinators_share_one_postgresql_database(
    team: dict[str, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The Segreteria Tecnica on one server: Dora joins with the founder's database,
    each merges with their own key, neither ever adopts the other's generation (the
    database already holds it), and Anna's laptop accepts both."""
    share, coord, anna = str(team["share"]), str(team["coord"]), str(team["anna"])
    dora = str(tmp_path / "dora")
    db = ["--db", CENTRE_ON_SERVER["url"]]
    code = _invite(capsys, coord, share, "dora@example.it")
    assert _join(capsys, dora, share, code, *db)["esito"] == "richiesta"
    ok(capsys, "--data-dir", coord, "centrale", "merge", share)
    joined = _join(capsys, dora, share, code, *db)
    assert joined["esito"] == "iscritto", joined
    generation = joined["generazione"]
    assert not list(Path(dora).rglob("centrale-*.sqlite3"))  # no file of her own

    ok(capsys, "--data-dir", anna, "sync")  # the set with Dora's key
    pid = ok(
        capsys,
        *("--data-dir", anna, "pratica", "nuova", "--comune", "Bergamo"),
        *("--tipo", "permesso_costruire", "--protocollo", "13/2026", "--avvio", "2026-11-02"),
    ).strip()

    def edit(subject: str) -> None:
        ok(capsys, "--data-dir", anna, "pratica", "modifica", pid, "--oggetto", subject)
        ok(capsys, "--data-dir", anna, "sync")

    edit("unita da Dora")
    merged = json.loads(ok(capsys, "--data-dir", dora, "centrale", "merge", share, "--json", *db))
    assert merged["generation"] == generation + 1 and merged["accepted"] > 0
    edit("unita dal fondatore")
    merged = json.loads(ok(capsys, "--data-dir", coord, "centrale", "merge", share, "--json"))
    assert merged["adopted"] is None and merged["generation"] == generation + 2
    assert json.loads(ok(capsys, "--data-dir", anna, "sync", "--json"))["generation"] == (
        generation + 2
    )
    status = json.loads(ok(capsys, "--data-dir", dora, "centrale", "stato", share, "--json", *db))
    assert status["generation"] == generation + 2
    shown = json.loads(ok(capsys, "--data-dir", anna, "pratica", "mostra", pid, "--json"))
    assert shown["subject"] == "unita dal fondatore"

"""The `taskforce` command: listing, editing, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from taskforce_tui.cli import main
from taskforce_tui.store.db import Store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command in-process; argparse's own refusals arrive as SystemExit."""
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "demo"
    code, out, _ = run(capsys, "--data-dir", str(folder), "demo", "--solo-dati")
    assert code == 0 and "1500 pratiche" in out
    return folder


def counts(folder: Path) -> tuple[int, int, int, int]:
    with Store(folder / "taskforce.sqlite3") as s, s.read() as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM request").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM suspension").fetchone()[0],
        )


def test_demo_refuses_a_folder_with_a_profile(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--data-dir", str(demo), "demo", "--solo-dati")
    assert code == 2 and "contiene già un profilo" in err


def test_comuni_lists_the_assigned_ones(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", str(demo), "comuni", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 8
    assert {"istat_code", "name", "province", "open_practices", "overdue_practices"} <= set(data[0])
    assert all(c["province"] == "BG" for c in data)
    code, out, _ = run(capsys, "--data-dir", str(demo), "comuni", "--tutti", "--json")
    kinds = [c["kind"] for c in json.loads(out)]
    assert kinds.count("comune") == 1502 and len(kinds) == 1502 + 12  # and the Province


def test_pratiche_json_has_every_field_and_derived(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--data-dir", str(demo), "pratiche", "--comune", "bergamo", "--json")
    data = json.loads(out)
    assert code == 0 and data
    first = data[0]
    for key in (
        "id",
        "comune_code",
        "procedure_type",
        "protocol_no",
        "received_on",
        "legal_term_days",
        "status",
        "suspensions",
        "derived",
        "service_conference",
        "outcome",
        "concluded_on",
        "notes",
    ):
        assert key in first
    assert {"gross_duration_days", "net_duration_days", "due_on", "overdue", "days_left"} <= set(
        first["derived"]
    )
    assert all(p["comune_code"] == "016024" for p in data)
    code, out, _ = run(
        capsys,
        "--data-dir",
        str(demo),
        "pratiche",
        "--in-ritardo",
        "--stato",
        "aperta",
        "--json",
    )
    late = json.loads(out)
    assert late and all(p["derived"]["overdue"] and p["status"] == "aperta" for p in late)


def test_practice_lifecycle_from_the_shell(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(demo))
    code, out, err = run(
        capsys,
        *d,
        "pratica",
        "nuova",
        "--comune",
        "Treviglio",
        "--tipo",
        "scia",
        "--protocollo",
        "9999/2026",
        "--avvio",
        "02/11/2026",
        "--oggetto",
        "Tettoia",
    )
    assert code == 0, err
    practice_id = out.strip()
    assert len(practice_id) == 36
    assert (
        run(
            capsys,
            *d,
            "pratica",
            "sospendi",
            "9999/2026",
            "--data",
            "2026-11-05",
            "--motivo",
            "integrazioni",
        )[0]
        == 0
    )
    assert run(capsys, *d, "pratica", "riprendi", "9999/2026", "--data", "2026-11-10")[0] == 0
    assert (
        run(
            capsys,
            *d,
            "pratica",
            "concludi",
            practice_id[:8],
            "--data",
            "2026-11-19",
            "--esito",
            "favorevole",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, *d, "pratica", "mostra", "9999/2026", "--json")
    shown = json.loads(out)
    assert shown["status"] == "conclusa" and shown["outcome"] == "favorevole"
    assert shown["derived"]["gross_duration_days"] == 17
    assert shown["derived"]["net_duration_days"] == 12
    assert shown["suspensions"][0]["reason"] == "integrazioni"
    assert any(h["field"] == "status" and h["value"] == "conclusa" for h in shown["history"])
    assert run(capsys, *d, "pratica", "riapri", "9999/2026", "--motivo", "errore")[0] == 0
    assert (
        run(capsys, *d, "pratica", "modifica", "9999/2026", "--oggetto", "Tettoia in legno")[0] == 0
    )


def test_requests_from_the_shell(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(demo))
    code, out, _ = run(
        capsys,
        *d,
        "richiesta",
        "nuova",
        "--comune",
        "016024",
        "--tipo",
        "giuridica",
        "--oggetto",
        "Oneri concessori",
    )
    assert code == 0
    rid = out.strip()
    assert run(capsys, *d, "richiesta", "stato", rid[:8], "in_lavorazione")[0] == 0
    code, out, _ = run(capsys, *d, "richieste", "--json")
    found = [r for r in json.loads(out) if r["id"] == rid]
    assert found and found[0]["status"] == "in_lavorazione"


BAD_INPUTS = [
    (
        (
            "pratica",
            "nuova",
            "--comune",
            "Bergamo",
            "--tipo",
            "scia",
            "--protocollo",
            "1",
            "--avvio",
            "31/02/2026",
        ),
        "Data non valida",
    ),
    (
        (
            "pratica",
            "nuova",
            "--comune",
            "Atlantide",
            "--tipo",
            "scia",
            "--protocollo",
            "1",
            "--avvio",
            "2026-01-01",
        ),
        "Comune sconosciuto",
    ),
    (
        (
            "pratica",
            "nuova",
            "--comune",
            "Milano",
            "--tipo",
            "scia",
            "--protocollo",
            "1",
            "--avvio",
            "2026-01-01",
        ),
        "non è tra i tuoi Comuni",
    ),
    (
        (
            "pratica",
            "nuova",
            "--comune",
            "Bergamo",
            "--tipo",
            "tipo-inesistente",
            "--protocollo",
            "1",
            "--avvio",
            "2026-01-01",
        ),
        "Tipo di procedimento",
    ),
    (
        (
            "pratica",
            "nuova",
            "--comune",
            "Bergamo",
            "--tipo",
            "scia",
            "--protocollo",
            "1",
            "--avvio",
            "2027-01-01",
        ),
        "nel futuro",
    ),
    (
        (
            "pratica",
            "nuova",
            "--comune",
            "Bergamo",
            "--tipo",
            "scia",
            "--protocollo",
            "1",
            "--avvio",
            "2026-01-01",
            "--termine",
            "-3",
        ),
        "maggiore di zero",
    ),
    (("pratica", "nuova", "--comune", "Bergamo", "--tipo", "scia"), "mancano questi argomenti"),
    (("pratica", "concludi", "non-esiste", "--esito", "favorevole"), "Nessuna pratica"),
    (("pratica", "concludi", "x", "--esito", "forse"), "Esito non valido"),
    (("pratica", "riprendi", "x"), "Nessuna pratica"),
    (("pratiche", "--stato", "boh"), "Stato non valido"),
    (("pratiche", "--comune", "Bergam"), "Forse: Bergamo"),
    (("ore", "--dal", "2026-11-10", "--al", "2026-11-01"), "successiva"),
    (
        ("richiesta", "nuova", "--comune", "Bergamo", "--tipo", "amministrativa", "--oggetto", "x"),
        "Tipo non valido",
    ),
    (("pratica", "modifica", "x"), "Nessuna"),
    (("comandosconosciuto",), "scelta non valida"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input_exits_2_and_writes_nothing(
    demo: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    before = counts(demo)
    code, _, err = run(capsys, "--data-dir", str(demo), *args)
    assert code == 2
    assert message in err
    assert counts(demo) == before


def test_ambiguous_protocol_asks_for_the_id(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(demo))
    for comune in ("Bergamo", "Seriate"):
        assert (
            run(
                capsys,
                *d,
                "pratica",
                "nuova",
                "--comune",
                comune,
                "--tipo",
                "scia",
                "--protocollo",
                "77/2026",
                "--avvio",
                "2026-11-01",
            )[0]
            == 0
        )
    before = counts(demo)
    code, _, err = run(capsys, *d, "pratica", "archivia", "77/2026")
    assert code == 2 and "indica l'id" in err
    assert counts(demo) == before


def test_no_profile_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "none"), "pratiche")
    assert code == 2 and "Nessun profilo" in err and "taskforce demo" in err
    assert not (tmp_path / "none").exists()


def test_python_dash_m_and_env_profile(tmp_path: Path) -> None:
    folder = tmp_path / "env-profile"
    env = {"TASKFORCE_HOME": str(folder), "TASKFORCE_OGGI": "2026-11-20", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "taskforce_tui", "demo", "--solo-dati"],
        capture_output=True,
        text=True,
        env={**env, "TASKFORCE_HOME": ""},
    )
    assert done.returncode == 2 and "--solo-dati" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "taskforce_tui", "--data-dir", str(folder), "demo", "--solo-dati"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "taskforce_tui", "comuni", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 8


def test_reference_lists_are_editable(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(demo))
    code, out, _ = run(capsys, *d, "tipi", "--json")
    types = {t["code"]: t for t in json.loads(out)}
    assert code == 0 and types["scia"]["legal_term_days"] == 30
    assert (
        run(
            capsys,
            *d,
            "tipi",
            "imposta",
            "scia",
            "--nome",
            "SCIA",
            "--ambito",
            "edilizia",
            "--termine",
            "45",
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            *d,
            "tipi",
            "imposta",
            "--nome",
            "Permesso in sanatoria",
            "--ambito",
            "edilizia_urbanistica",
            "--termine",
            "60",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, *d, "tipi", "--json")
    types = {t["code"]: t for t in json.loads(out)}
    assert types["scia"]["legal_term_days"] == 45
    assert types["permesso_in_sanatoria"]["ambito"] == "edilizia_urbanistica"
    # a new practice takes the new term by default
    code, out, _ = run(
        capsys,
        *d,
        "pratica",
        "nuova",
        "--comune",
        "Bergamo",
        "--tipo",
        "sanatoria",
        "--protocollo",
        "S-1",
        "--avvio",
        "2026-11-02",
    )
    assert code == 0
    code, out, _ = run(capsys, *d, "pratica", "mostra", "S-1", "--json")
    assert json.loads(out)["legal_term_days"] == 60
    assert run(capsys, *d, "attivita", "imposta", "--nome", "Sopralluogo")[0] == 0
    code, out, _ = run(capsys, *d, "attivita", "--json")
    assert any(a["code"] == "sopralluogo" for a in json.loads(out))
    before = counts(demo)
    code, _, err = run(
        capsys,
        *d,
        "tipi",
        "imposta",
        "x",
        "--nome",
        "X",
        "--ambito",
        "astronomia",
        "--termine",
        "5",
    )
    assert code == 2 and "Ambito non valido" in err and counts(demo) == before

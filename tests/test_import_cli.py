"""`taskforce import pratiche`: preview, confirmation, exit codes, nothing written on error."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.store.db import Store
from tests.import_helpers import row, snapshot, write_csv, write_xlsx
from tests.test_cli import run


@pytest.fixture
def xlsx(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "pratiche.xlsx",
        [row("1/2026"), row("2/2026", tipo="AUA"), row("3/2026", tipo="Condono")],
    )


def test_prova_shows_the_preview_and_writes_nothing(
    expert_store: Store, xlsx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(expert_store)
    code, out, _ = run(capsys, "import", "pratiche", str(xlsx), "--prova")
    assert code == 0
    assert "Intestazione alla riga 3." in out
    assert "Anteprima: 2 nuove, 0 aggiornate, 0 invariate, 1 scartate." in out
    assert "riga 6, Tipo procedimento (B) = «Condono»: Tipo di procedimento sconosciuto" in out
    assert "Prova: nessuna modifica salvata." in out
    assert snapshot(expert_store) == before


def test_without_a_terminal_the_answer_is_no(
    expert_store: Store, xlsx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(expert_store)
    code, _, err = run(capsys, "import", "pratiche", str(xlsx))
    assert code == 1 and "--conferma" in err
    assert snapshot(expert_store) == before


def test_confirmed_on_the_terminal(
    expert_store: Store,
    xlsx: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    before = snapshot(expert_store)
    code, out, _ = run(capsys, "import", "pratiche", str(xlsx))
    assert code == 1 and "Importare 2 nuove pratiche e aggiornarne 0? [s/N]" in out
    assert snapshot(expert_store) == before
    monkeypatch.setattr("sys.stdin", Tty("s\n"))
    code, out, _ = run(capsys, "import", "pratiche", str(xlsx))
    assert code == 0
    assert "Importate 2 nuove pratiche, aggiornate 0, 1 riga scartata: le modifiche" in out
    assert expert_store.practices.find("2/2026").procedure_type == "aua"


def test_conferma_imports_and_reimport_changes_nothing(
    expert_store: Store, xlsx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "import", "pratiche", str(xlsx), "--conferma", "--scarti")
    assert code == 0 and "Importate 2 nuove pratiche" in out
    assert (xlsx.parent / "pratiche_scarti.csv").exists()
    before = snapshot(expert_store)
    code, out, _ = run(capsys, "import", "pratiche", str(xlsx), "--conferma")
    assert code == 0 and "Nessuna modifica da importare" in out
    assert snapshot(expert_store) == before


def test_conflicts_from_the_command_line(
    expert_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_xlsx(tmp_path / "v1.xlsx", [row("1/2026")])
    assert run(capsys, "import", "pratiche", str(first), "--conferma")[0] == 0
    practice = expert_store.practices.find("1/2026")
    expert_store.practices.edit(practice.id, legal_term_days=45)
    newer = write_xlsx(tmp_path / "v2.xlsx", [row("1/2026", termine=60)])
    code, out, _ = run(capsys, "import", "pratiche", str(newer), "--conferma")
    assert code == 0 and "Termine (gg)" in out and "45" in out and "60" in out
    assert "tenuto il valore dell'app" in out
    assert expert_store.practices.get(practice.id).legal_term_days == 45
    newest = write_xlsx(tmp_path / "v3.xlsx", [row("1/2026", termine=75)])
    code, out, _ = run(
        capsys, "import", "pratiche", str(newest), "--conferma", "--conflitti", "file"
    )
    assert code == 0 and expert_store.practices.get(practice.id).legal_term_days == 75


def test_unguessed_columns_exit_2_with_the_way_out(
    expert_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [["SCIA", "1/2026", "02/03/2026"]],
        header=["Procedura", "Registro", "Arrivata il"],
    )
    before = snapshot(expert_store)
    code, _, err = run(capsys, "import", "pratiche", str(path), "--comune", "Bergamo")
    assert code == 2 and "--mappa" in err and "«Registro»" in err
    assert snapshot(expert_store) == before
    code, out, _ = run(
        capsys,
        "import",
        "pratiche",
        str(path),
        "--comune",
        "Bergamo",
        "--conferma",
        "--mappa",
        "Procedura=tipo",
        "--mappa",
        "Registro=protocollo",
        "--mappa",
        "arrivata il=avvio",
    )
    assert code == 0 and "Importata 1 nuova pratica, aggiornate 0: le modifiche partiranno" in out
    other = write_csv(
        tmp_path / "p2.csv",
        [["SCIA", "2/2026", "03/03/2026"]],
        header=["Procedura", "Registro", "Arrivata il"],
    )
    code, out, _ = run(capsys, "import", "pratiche", str(other), "--comune", "016024", "--prova")
    assert code == 0 and "1 nuove" in out  # the mapping was remembered for Bergamo


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" * (30 * 1024 * 1024))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"MZ\x90\x00" + bytes(300)) and p, "programma Windows"),
        (_bomb, "zip bomb"),
        (
            lambda p: p.write_bytes(write_xlsx(p, [row("1/2026")]).read_bytes()[:3000]) and p,
            "incompleto",
        ),
    ],
    ids=["binario", "zip-bomb", "troncato"],
)
def test_hostile_files_exit_2_and_write_nothing(
    expert_store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: object,
    message: str,
) -> None:
    path = tmp_path / "pratiche.xlsx"
    make(path)  # type: ignore[operator]
    before = snapshot(expert_store)
    code, _, err = run(capsys, "import", "pratiche", str(path), "--conferma")
    assert code == 2 and message in err and err.startswith("errore: ")
    assert snapshot(expert_store) == before


def test_no_valid_row_is_exit_2(
    expert_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("1/2026", avvio=date(2027, 1, 1))])
    code, out, err = run(capsys, "import", "pratiche", str(path), "--conferma")
    assert code == 2 and "nel futuro" in out and "Nessuna riga valida" in err
    # a formula rejects its row (and here the file has no other)
    path = write_xlsx(tmp_path / "f.xlsx", [row("1/2026", avvio="=DATA(2026;3;2)")])
    before = snapshot(expert_store)
    code, out, err = run(capsys, "import", "pratiche", str(path), "--conferma")
    assert code == 2 and "contiene una formula" in out and "Nessuna riga valida" in err
    assert snapshot(expert_store) == before

"""Reference data: reading ISTAT lists and updating the Comuni without losing records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.store import reference
from taskforce_tui.store.db import Store

NATIONAL = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / ("istat_elenco_comuni_italiani_2024-12.csv")
)
FIXTURE = Path(__file__).parent / "data" / "istat_elenco_comuni_italiani_2024-12.csv"


@pytest.fixture(scope="module")
def national_bytes() -> bytes:
    path = FIXTURE if FIXTURE.exists() else NATIONAL
    return path.read_bytes()


def test_national_file_gives_the_1502_comuni(tmp_path: Path, national_bytes: bytes) -> None:
    path = tmp_path / "Elenco-comuni-italiani.csv"
    path.write_bytes(national_bytes)
    rows = reference.read_istat_file(path)
    assert len(rows) == 1502
    by_code = {r.istat_code: r for r in rows}
    assert by_code["012001"].name == "Agra"
    assert by_code["016024"].province == "BG" and by_code["016024"].is_capoluogo
    assert by_code["097001"].cadastral_code  # Lecco province starts with 097
    # and matches the packaged extract exactly
    packaged = {r.istat_code: r for r in reference.packaged_comuni()}
    assert by_code.keys() == packaged.keys()
    assert all(by_code[c].name == packaged[c].name for c in packaged)


@pytest.mark.parametrize(
    "variant",
    ["utf8", "utf8-bom", "lf", "cp1252-crlf"],
)
def test_variants_of_the_national_file(tmp_path: Path, national_bytes: bytes, variant: str) -> None:
    text = national_bytes.decode("cp1252")
    data = {
        "utf8": text.encode("utf-8"),
        "utf8-bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "lf": text.replace("\r\n", "\n").encode("cp1252"),
        "cp1252-crlf": national_bytes,
    }[variant]
    path = tmp_path / "elenco.csv"
    path.write_bytes(data)
    rows = reference.read_istat_file(path)
    names = {r.istat_code: r.name for r in rows}
    assert len(rows) == 1502
    assert names["013041"] == "Cantù"  # accents survive every encoding


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vuoto"),
        (b"\x00\x01\x02PK\x03\x04binary", "binario"),
        (b"a;b;c\n1;2;3\n", "non sembra un elenco ISTAT"),
        (
            b"Codice Regione;Codice Comune formato alfanumerico;Denominazione in italiano;"
            b"Sigla automobilistica\n03;12x;Agra;VA\n",
            "codice ISTAT non valido",
        ),
        (
            "Codice Regione;Codice Comune formato alfanumerico;Denominazione in italiano;"
            "Sigla automobilistica\n01;001001;Agliè;TO\n".encode(),
            "nessun Comune della Lombardia",
        ),
    ],
)
def test_bad_files_are_explained(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DomainError, match=message):
        reference.read_istat_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="non trovato"):
        reference.read_istat_file(tmp_path / "nope.csv")


def test_suppressed_comune_keeps_its_records(expert_store: Store) -> None:
    # Treviglio (016219) disappears from the list (say, merged); a new Comune appears.
    practice = expert_store.practices.create(
        comune_code="016219",
        procedure_type="scia",
        protocol_no="5/2026",
        received_on=date(2026, 10, 1),
    )
    log = expert_store.timelogs.add(
        TimeLog(
            "",
            expert_store.expert_id or "",
            date(2026, 11, 2),
            60,
            "affiancamento",
            "presenza",
            "016219",
        )
    )
    rows = [r for r in reference.packaged_comuni() if r.istat_code != "016219"]
    rows.append(
        reference.ComuneRow("016999", "Nuovo Comune", "BG", "Bergamo", "Z999", False, "ITC46")
    )
    renamed = next(r for r in rows if r.istat_code == "016024")
    rows[rows.index(renamed)] = reference.ComuneRow(
        "016024", "Bergamo Città", "BG", "Bergamo", "A794", True, "ITC46"
    )
    report = reference.update_comuni(expert_store, rows)
    assert report.added == ["016999"]
    assert report.suppressed == ["016219"]
    assert report.changed == ["016024"]
    treviglio = expert_store.comuni.get("016219")
    assert treviglio is not None and not treviglio.active
    assert expert_store.practices.get(practice.id).comune_code == "016219"
    assert expert_store.timelogs.get(log.id).comune_code == "016219"
    assert "016219" in expert_store.comuni.assigned_codes(expert_store.expert_id)
    expert_store.comuni.forget_cache()
    assert expert_store.comuni.resolve("Bergamo Città").istat_code == "016024"
    # a second run with the same list changes nothing
    again = reference.update_comuni(expert_store, rows)
    assert again.total_changes == 0
    # bringing it back reactivates it
    back = reference.update_comuni(
        expert_store, [*rows, *[r for r in reference.packaged_comuni() if r.istat_code == "016219"]]
    )
    assert back.reactivated == ["016219"]


def test_a_truncated_list_is_refused(expert_store: Store) -> None:
    rows = reference.packaged_comuni()[:200]
    with pytest.raises(DomainError, match="non sembra un elenco completo"):
        reference.update_comuni(expert_store, rows)
    assert all(c.active for c in expert_store.comuni.all())

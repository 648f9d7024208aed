"""Identity in sync: the share is untrusted storage (issue 13). Each attack leaves the
centre and the laptops unchanged, the file is quarantined with a reason that names
people and devices, and the genuine expert's next sync works."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.store.db import Store
from taskforce_tui.store.tx import Hlc
from taskforce_tui.sync import crypto, device, laptop
from taskforce_tui.sync.folder import SyncFolder
from tests.sync_helpers import (
    World,
    data_digest,
    keys_for,
    request_enrolment,
    reseal,
    set_manifest,
)


@pytest.fixture
def world(tmp_path: Path, centre_backend: str) -> Any:
    w = World(tmp_path / "w", 2)
    yield w
    w.close()


def _edit(world: World, i: int, value: str) -> str:
    s = world.laptops[i]
    pid = s.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    with s.write() as tx:
        tx.update("practice", pid, {"subject": value})
    return str(pid)


def _outbox_of(world: World, i: int) -> Path:
    world.export(i)
    folder = SyncFolder(world.folder)
    (path,) = [p for e, p in folder.outboxes() if e == world.experts[i]]
    return path


def _quarantined(world: World, name: str) -> str:
    note = world.folder / "quarantine" / f"{name}.motivo.txt"
    return note.read_text(encoding="utf-8")


def test_an_outbox_of_my_own_device_in_a_colleagues_folder_is_quarantined(world: World) -> None:
    _edit(world, 0, "scritto da 0 a nome di 1")
    path = _outbox_of(world, 0)
    target = SyncFolder(world.folder).outbox_dir(world.experts[1]) / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, target)
    before = data_digest(world.central.store)
    report = world.merge()
    assert report.generation is None and report.quarantined
    reason = _quarantined(world, path.name)
    assert "portatile 0" in reason and "Esperto 0" in reason and "Esperto 1" in reason
    assert str(world.root) not in reason  # nothing on the share names a local path
    assert data_digest(world.central.store) == before
    world.full_round()  # the genuine owner's ops were never acknowledged: sent again
    assert world.laptops[0].pending_ops() == 0


def test_a_genuine_outbox_copied_to_another_folder_is_quarantined(world: World) -> None:
    _edit(world, 1, "di 1")
    path = _outbox_of(world, 1)
    copy = SyncFolder(world.folder).outbox_dir(world.experts[0]) / path.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, copy)
    report = world.merge()
    assert [q for q in report.quarantined if "ma si trova nella cartella" in q[1]]
    assert report.accepted == 1  # the genuine one, in its own folder, is merged


def test_members_changed_after_the_signature_are_refused(world: World) -> None:
    _edit(world, 0, "originale")
    path = _outbox_of(world, 0)

    def tamper(members: dict[str, bytes]) -> None:
        members["ops.jsonl"] = members["ops.jsonl"].replace(b"originale", b"alterato!")

    # even someone able to open the file (the coordinator's key) cannot change a member
    reseal(path, keys_for(world, "outbox"), tamper)
    before = data_digest(world.central.store)
    report = world.merge()
    assert report.quarantined and "sha256" in report.quarantined[0][1]
    assert data_digest(world.central.store) == before


def test_a_manifest_changed_after_the_signature_is_refused(world: World) -> None:
    _edit(world, 0, "x")
    path = _outbox_of(world, 0)
    reseal(path, keys_for(world, "outbox"), set_manifest(imported_generation=999))
    report = world.merge()
    assert report.quarantined and "firma non valida" in report.quarantined[0][1]


def test_a_forged_outbox_with_a_fresh_key_is_refused(world: World, tmp_path: Path) -> None:
    """A hand-made outbox: valid bundle, signed by a key the centre never enrolled."""
    from taskforce_tui.sync.crypto import KeyPair

    _edit(world, 1, "vero")
    path = _outbox_of(world, 1)
    reseal(
        path,
        keys_for(world, "outbox"),
        set_manifest(writer={"expert_id": world.experts[1], "device": "x"}),
        signer=KeyPair.generate(),
    )
    report = world.merge()
    assert report.quarantined and "non iscritto" in report.quarantined[0][1]


def test_an_extract_signed_by_a_device_key_is_quarantined_and_the_good_one_stays(
    world: World,
) -> None:
    _edit(world, 0, "per tutti")
    world.sync(0)
    world.merge()
    folder = SyncFolder(world.folder)
    (generation, path), *_ = folder.extracts(world.experts[1])
    # attack 3: a copy, edited, renumbered to 99, signed by an expert's own device key
    forged = path.with_name("extract-000099.zip")
    reseal(
        path,
        keys_for(world, "extract", 1),
        set_manifest(generation=99),
        signer=device.device_keys(world.laptops[0]),
        header={"generation": 99},
        target=forged,
    )
    before = data_digest(world.laptops[1])
    report = world.sync(1)
    assert ("extract-000099.zip", report.quarantined[0][1]) == report.quarantined[0]
    assert "Segreteria Tecnica" in report.quarantined[0][1]
    assert report.generation == generation  # the genuine one was imported after it
    assert data_digest(world.laptops[1]) != before
    assert world.laptops[1].get_meta("last_generation") == str(generation)


def test_an_extract_meant_for_another_expert_is_quarantined(world: World) -> None:
    _edit(world, 0, "a")
    world.sync(0)
    world.merge()
    folder = SyncFolder(world.folder)
    (generation, theirs), *_ = folder.extracts(world.experts[0])
    mine = folder.extract_path(world.experts[1], generation + 5)
    shutil.copy(theirs, mine)
    before = data_digest(world.laptops[1])
    report = world.sync(1)
    assert (mine.name, "il file è destinato a un altro esperto") in report.quarantined
    assert report.generation == generation
    assert data_digest(world.laptops[1]) != before  # the genuine extract still imports


def test_joining_with_a_colleagues_email_and_no_code_gets_nothing(
    world: World, tmp_path: Path
) -> None:
    """Attack 1: the colleague's email is known; the code is not."""
    attacker = Store(tmp_path / "intruso" / "taskforce.sqlite3")
    try:
        laptop.join(attacker, world.folder, "e1@example.it", "A" * 25, "intruso")
        report = world.merge()
        assert report.enrol_refused == 1 and report.enrolled == 0
        out = laptop.sync(attacker, world.folder)
        assert out.enrolment == "rifiutato" and "codice errato" in out.notes[0]
        assert attacker.expert_id is None
        with attacker.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM time_log").fetchone()[0] == 0
            assert conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0] == 0
        events = world.central.status()["enrolments"]
        assert events[0]["outcome"] == "rifiutato" and "codice errato" in events[0]["reason"]
    finally:
        attacker.close()


def test_a_code_used_twice_or_claimed_twice_binds_nothing(world: World, tmp_path: Path) -> None:
    code = world.central.invite("e1@example.it")["codice"]
    one = Store(tmp_path / "uno" / "taskforce.sqlite3")
    two = Store(tmp_path / "due" / "taskforce.sqlite3")
    try:
        laptop.join(one, world.folder, "e1@example.it", code, "uno")
        laptop.join(two, world.folder, "e1@example.it", code, "due")  # an eavesdropper
        devices_before = len(world.central.devices())
        report = world.merge()
        assert report.enrolled == 0 and report.enrol_refused == 2
        assert len(world.central.devices()) == devices_before
        assert "due richieste" in laptop.sync(one, world.folder).notes[0]
        # the code is spent: using it again is refused too
        laptop.join(one, world.folder, "e1@example.it", code, "uno")
        world.merge()
        assert "già usato" in laptop.sync(one, world.folder).notes[0]
    finally:
        one.close()
        two.close()


def test_an_expired_code_is_refused(world: World, tmp_path: Path) -> None:
    code = world.central.invite("e1@example.it")["codice"]
    with world.central.store.lock:
        world.central.store.conn.execute(
            "UPDATE trust_invite SET expires_at = '2020-01-01T00:00:00Z'"
        )
    s = Store(tmp_path / "p" / "taskforce.sqlite3")
    try:
        laptop.join(s, world.folder, "e1@example.it", code, "p")
        world.merge()
        out = laptop.sync(s, world.folder)
        assert out.enrolment == "rifiutato" and "scaduto" in out.notes[0]
    finally:
        s.close()


def test_a_second_device_enrols_with_its_own_code_and_syncs(world: World, tmp_path: Path) -> None:
    s = Store(tmp_path / "secondo" / "taskforce.sqlite3")
    try:
        request_enrolment(world.central, s, world.folder, "e1@example.it", "tablet")
        assert laptop.sync(s, world.folder).enrolment == "attesa"
        world.merge()
        report = laptop.sync(s, world.folder)
        assert report.enrolment == "" and report.generation is not None
        assert s.expert_id == world.experts[1]
        names = {d["name"] for d in world.central.devices() if d["expert_id"] == s.expert_id}
        assert names == {"portatile 1", "tablet"}
    finally:
        s.close()


def test_a_revoked_devices_new_outbox_is_quarantined(world: World) -> None:
    revoked = world.central.revoke("e1@example.it")
    assert revoked == [f"dispositivo «portatile 1» ({device.device_keys(world.laptops[1]).id})"]
    _edit(world, 1, "dal portatile rubato")
    path = _outbox_of(world, 1)
    before = data_digest(world.central.store)
    report = world.merge()
    assert report.quarantined and "revocato" in _quarantined(world, path.name)
    assert data_digest(world.central.store) != before  # the revocation's own generation
    # and no new extract is sealed for that device any more
    assert report.generation is not None
    newest = SyncFolder(world.folder).extracts(world.experts[1])[0][0]
    assert newest < report.generation
    assert world.sync(1).generation is None
    row = next(d for d in world.central.devices() if d["name"] == "portatile 1")
    assert row["revoked_at"]


def test_a_clock_ten_years_ahead_cannot_win_nor_drag_clocks(world: World) -> None:
    a, b = world.laptops
    ten_years = 10 * 365 * 86_400_000
    with a.lock:
        a.conn.execute(
            "UPDATE replica SET hlc_wall = ? WHERE id = ?",
            (int(time.time() * 1000) + ten_years, a.replica_id),
        )
    pid = _edit(world, 0, "orologio nel futuro")
    world.sync(0)
    report = world.merge()
    assert report.clock_ahead == ["Esperto 0, dispositivo «portatile 0»"]
    out = world.sync(0)
    assert any("orologio di questo computer era avanti" in n for n in out.notes)
    # a later real edit by the colleague wins
    world.sync(1)
    with b.write() as tx:
        tx.update("practice", pid, {"subject": "modifica vera, dopo"})
    world.full_round()
    assert world.central.store.practices.get(pid).subject == "modifica vera, dopo"
    # nobody else's clock was dragged past the bound
    wall = int(
        b.conn.execute("SELECT hlc_wall FROM replica WHERE id = ?", (b.replica_id,)).fetchone()[0]
    )
    now_ms = Hlc.parse(Hlc.format(wall, 0))[0]
    assert now_ms < time.time() * 1000 + 7 * 3600 * 1000


def test_nothing_on_the_share_names_a_local_path_or_the_host(world: World) -> None:
    """Quarantine notes, answers and clear headers are read by anyone with the share:
    an unreadable request (here a folder where a file should be) is refused with a
    reason that names neither the coordinator's local path nor the machine."""
    import socket

    folder = SyncFolder(world.folder)
    (folder.enrol_dir / "0123456789abcdef-abcdef012345.richiesta.json").mkdir()
    _edit(world, 0, "dopo la richiesta illeggibile")
    world.full_round()
    state = world.central.status()
    refused = [e for e in state["enrolments"] if e["outcome"] == "rifiutato"]
    assert refused and "richiesta non valida" in refused[0]["reason"]
    # a host name as short as "vm" would match random bytes: only longer ones are looked for
    host = socket.gethostname()
    secrets = {str(world.root), str(world.root.resolve()), *([host] if len(host) >= 8 else [])}
    checked = 0
    for path in world.folder.rglob("*"):
        if not path.is_file():
            continue
        with path.open("rb") as fh:
            if fh.read(len(crypto.MAGIC)) == crypto.MAGIC:  # sealed: only the header is clear
                fh.seek(0)
                raw = crypto.read_header(fh)[1]
            else:
                fh.seek(0)
                raw = fh.read()
        text = raw.decode("utf-8", errors="replace")
        checked += 1
        for secret in secrets:
            assert secret not in text, (path.name, secret)
            assert secret not in path.name
    for reason in (e["reason"] for e in state["enrolments"]):
        assert str(world.root) not in reason
    assert checked > 5

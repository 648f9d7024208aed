"""Bundles and the shared folder: corruption, quarantine, newer formats, the golden
bundle, publishing without replacing, idempotency, missing folders."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from taskforce_tui.store import jsonio
from taskforce_tui.store.db import Store
from taskforce_tui.sync import bundle as B
from taskforce_tui.sync import crypto, laptop
from taskforce_tui.sync.crypto import KeyPair
from taskforce_tui.sync.errors import BundleError, FolderUnavailable, NewerFormatError
from taskforce_tui.sync.folder import SyncFolder
from taskforce_tui.sync.fsio import NO_LINK_ENV, PublishCollision, publish
from tests.sync_helpers import (
    World,
    data_digest,
    device,
    keys_for,
    open_bundle,
    reseal,
    set_manifest,
)

GOLDEN = Path(__file__).parent / "data" / "sync"


@pytest.fixture
def world(tmp_path: Path, centre_backend: str) -> Any:
    w = World(tmp_path / "w", 2)
    yield w
    w.close()


def _outbox(world: World) -> Path:
    s = world.laptops[0]
    pid = s.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    with s.write() as tx:
        tx.update("practice", pid, {"subject": "modificata", "notes": "nota"})
    world.export(0)
    (path,) = world.outboxes()
    return path


def _zip(members: list[tuple[str, bytes]], manifest: dict[str, Any] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        declared = []
        for name, data in members:
            zf.writestr(name, data)
            import hashlib

            declared.append(
                {
                    "name": name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                    "rows": data.count(b"\n"),
                }
            )
        body = {
            "format": B.FORMAT,
            "format_version": 1,
            "schema_version": 1,
            "kind": "outbox",
            "members": declared,
            **(manifest or {}),
        }
        zf.writestr("manifest.json", jsonio.dumps(body))
    return buf.getvalue()


# --- corruption ---------------------------------------------------------------------------------
def test_truncation_at_every_byte_is_refused(world: World, tmp_path: Path) -> None:
    data = _outbox(world).read_bytes()
    assert len(data) < 4000
    target = tmp_path / "cut.zip"
    for size in range(len(data)):
        target.write_bytes(data[:size])
        with pytest.raises(BundleError), open_bundle(world, target, "outbox") as b:
            b.verify()


def test_every_bit_flip_is_refused_or_harmless(world: World, tmp_path: Path) -> None:
    path = _outbox(world)
    data = path.read_bytes()
    with open_bundle(world, path, "outbox") as b:
        good = b.read_all()
    target = tmp_path / "flip.zip"
    refused = 0
    for pos in range(len(data)):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << (pos % 8)
        target.write_bytes(bytes(flipped))
        try:
            with open_bundle(world, target, "outbox") as b:
                assert b.read_all() == good  # a flip in an unchecked byte changes nothing
        except (BundleError, NewerFormatError):  # a flipped version: waits, changes nothing
            refused += 1
    # sealed (authenticated encryption, the header as associated data): every flip
    assert refused == len(data)


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([("../evil.jsonl", b"{}\n")], "nome di membro non ammesso"),
        ([("/abs.jsonl", b"{}\n")], "nome di membro non ammesso"),
        ([("sub/ops.jsonl", b"{}\n")], "nome di membro non ammesso"),
        ([("a\\b.jsonl", b"{}\n")], "nome di membro non ammesso"),
        ([("junk.bin", b"\x00\x01")], "nome di membro non ammesso"),
        ([("ops.jsonl", b"{}\n"), ("ops.jsonl", b"{}\n")], "duplicato"),
    ],
)
def test_bad_member_names_are_refused(
    tmp_path: Path, members: list[tuple[str, bytes]], reason: str
) -> None:
    path = tmp_path / "bad.zip"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we write on purpose
        path.write_bytes(_zip(members))
    with pytest.raises(BundleError, match=reason):
        B.Bundle(path, "outbox")


def test_undeclared_member_and_lying_sizes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    raw = _zip([("ops.jsonl", b'{"a":1}\n')])
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        manifest = jsonio.loads(zf.read("manifest.json"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ops.jsonl", b'{"a":1}\n')
        zf.writestr("extra.jsonl", b"{}\n")
        zf.writestr("manifest.json", jsonio.dumps(manifest))
    path.write_bytes(buf.getvalue())
    with pytest.raises(BundleError, match="non dichiarato"):
        B.Bundle(path, "outbox")
    manifest["members"][0]["bytes"] = 3
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ops.jsonl", b'{"a":1}\n')
        zf.writestr("manifest.json", jsonio.dumps(manifest))
    path.write_bytes(buf.getvalue())
    with pytest.raises(BundleError, match="dimensione"):
        B.Bundle(path, "outbox")


def test_a_huge_member_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.zip"
    size = B.LIMITS["outbox"].max_member_bytes + 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("ops.jsonl", "w", force_zip64=True) as fh:
            block = b" " * (1 << 20)
            for _ in range(size // len(block)):
                fh.write(block)
            fh.write(b" " * (size % len(block)))
        zf.writestr(
            "manifest.json",
            jsonio.dumps(
                {
                    "format": B.FORMAT,
                    "format_version": 1,
                    "schema_version": 1,
                    "kind": "outbox",
                    "members": [
                        {"name": "ops.jsonl", "sha256": "0" * 64, "bytes": size, "rows": 0}
                    ],
                }
            ),
        )
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(BundleError, match="troppo grande"):
        B.Bundle(path, "outbox")


def test_a_bad_outbox_is_quarantined_whole_with_the_reason(world: World) -> None:
    path = _outbox(world)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = data_digest(world.central.store)
    report = world.merge()
    assert report.generation is None
    assert report.quarantined and "danneggiato" in report.quarantined[0][1]
    moved = world.folder / "quarantine" / path.name
    assert moved.read_bytes() == data[: len(data) // 2]
    assert "Motivo:" in (moved.parent / (path.name + ".motivo.txt")).read_text(encoding="utf-8")
    assert data_digest(world.central.store) == before
    status = world.central.status()
    assert status["quarantine"][0]["file"] == path.name
    # the laptop still has its ops pending: the next sync sends them again
    assert world.laptops[0].pending_ops() == 2
    world.full_round()
    assert world.laptops[0].pending_ops() == 0


def test_a_bad_extract_is_quarantined_and_the_laptop_is_unchanged(world: World) -> None:
    world.laptops[1].practices  # noqa: B018 - open the repository before the digest
    _outbox(world)
    world.merge()
    expert = world.experts[1]
    (_generation, path), *_ = SyncFolder(world.folder).extracts(expert)
    data = path.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(flipped))
    before = data_digest(world.laptops[1])
    report = world.sync(1)
    assert report.quarantined and report.generation is None
    assert data_digest(world.laptops[1]) == before
    assert (world.folder / "quarantine" / path.name).exists()


# --- newer formats --------------------------------------------------------------------------------
def _rewrite_manifest(world: World, path: Path, kind: str, i: int, **changes: Any) -> None:
    """The manifest changed and signed again by its genuine writer (a newer version)."""
    signer = world.central.keys if kind == "extract" else device.device_keys(world.laptops[i])
    reseal(path, keys_for(world, kind, i), set_manifest(**changes), signer=signer)


def test_a_newer_extract_is_refused_and_nothing_changes(world: World) -> None:
    _outbox(world)
    world.merge()
    (_, path), *_ = SyncFolder(world.folder).extracts(world.experts[1])
    _rewrite_manifest(world, path, "extract", 1, format_version=B.FORMAT_VERSION + 1)
    before = data_digest(world.laptops[1])
    with pytest.raises(NewerFormatError, match="aggiorna l'applicazione"):
        world.sync(1)
    assert data_digest(world.laptops[1]) == before
    assert path.exists()  # not quarantined: an updated app will read it


def test_a_newer_outbox_waits_for_an_updated_coordinator(world: World) -> None:
    path = _outbox(world)
    _rewrite_manifest(world, path, "outbox", 0, schema_version=99)
    before = data_digest(world.central.store)
    report = world.merge()
    assert report.newer == [path.name] and report.generation is None
    assert path.exists()
    assert data_digest(world.central.store) == before


# --- the golden bundle of format 1 ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["extract-v1.zip", "extract-v1-objects.zip"])
def test_the_golden_extract_of_format_1_still_imports(tmp_path: Path, name: str) -> None:
    """Format 1 writes table members as arrays (columns in the manifest); the first
    files had objects: both must keep importing."""
    with B.Bundle(GOLDEN / name, "extract") as bundle:
        manifest, data = bundle.manifest, bundle.read_all()
    assert manifest["format_version"] == 1
    store = Store(tmp_path / "p" / "taskforce.sqlite3")
    store.set_meta("expert_id", manifest["expert"]["id"])
    report = laptop.SyncReport()
    laptop.apply_extract(store, manifest, data, report)
    assert store.get_meta("last_generation") == str(manifest["generation"])
    me = store.experts.me()
    assert me is not None and me.email == manifest["expert"]["email"]
    assert store.comuni.assigned_codes(me.id) == ["016024"]
    with store.read() as conn:
        subjects = {r[0] for r in conn.execute("SELECT subject FROM practice")}
        conflicts = conn.execute("SELECT field, kept_value, other_value FROM conflict").fetchall()
        history = conn.execute("SELECT COUNT(*) FROM oplog").fetchone()[0]
    assert "golden" in subjects
    assert conflicts == [("subject", '"golden"', '"altro valore"')]
    assert history > 0
    store.close()


# --- the golden bundles of format 2 (signed and sealed) ------------------------------------------
def test_the_golden_extract_of_format_2_still_opens_verifies_and_imports(tmp_path: Path) -> None:
    """An extract written by format 2 (tests/data/sync/make_golden_v2.py): opened with the
    device key it was sealed for, verified against the coordinator key pinned then."""
    facts = jsonio.loads((GOLDEN / "v2" / "facts.json").read_bytes())
    store = Store(tmp_path / "p" / "taskforce.sqlite3")
    keys = device.keys_dir(store)
    keys.mkdir(parents=True, exist_ok=True)
    shutil.copy(GOLDEN / "v2" / "device.key", keys / "dispositivo.key")
    device.save_pinned(store, facts["trust"])
    store.set_meta("expert_id", facts["expert_id"])
    manifest, data = laptop._read_extract(
        GOLDEN / "v2" / "extract.zip",
        facts["generation"],
        facts["expert_id"],
        facts["trust"],
        device.device_keys(store),
    )
    assert manifest["format_version"] == 2
    laptop.apply_extract(store, manifest, data, laptop.SyncReport())
    assert store.get_meta("last_generation") == str(facts["generation"])
    me = store.experts.me()
    assert me is not None and me.id == facts["expert_id"]
    with store.read() as conn:
        subject = conn.execute(
            "SELECT subject FROM practice WHERE id = ?", (facts["practice_id"],)
        ).fetchone()
        conflicts = conn.execute("SELECT field, kept_value, other_value FROM conflict").fetchall()
    assert subject == ("golden",)
    assert conflicts == [("subject", '"golden"', '"altro valore"')]
    # the same file for another expert's laptop, or under another pinned key: refused
    with pytest.raises(BundleError):
        laptop._read_extract(
            GOLDEN / "v2" / "extract.zip",
            facts["generation"],
            facts["outbox_expert_id"],
            facts["trust"],
            device.device_keys(store),
        )
    store.close()


def test_the_golden_outbox_of_format_2_still_opens_and_verifies() -> None:
    facts = jsonio.loads((GOLDEN / "v2" / "facts.json").read_bytes())
    centre = KeyPair.loads((GOLDEN / "v2" / "coordinator.key").read_bytes())
    bundle, header = B.Bundle.open_sealed(GOLDEN / "v2" / "outbox.zip", "outbox", [centre])
    with bundle:
        assert bundle.manifest["format_version"] == 2
        assert crypto.key_id(bundle.signer) == facts["outbox_signer"]
        assert header["kind"] == "outbox"
        ops = bundle.read_all()["ops.jsonl"]
    assert [(op["pk"], op["field"], op["value"]) for op in ops] == [
        (facts["practice_id"], "notes", "nota del formato 2")
    ]
    assert {op["author"] for op in ops} == {facts["outbox_expert_id"]}
    # a key it was not sealed for cannot open it
    with pytest.raises(crypto.NotForMe):
        B.Bundle.open_sealed(GOLDEN / "v2" / "outbox.zip", "outbox", [KeyPair.generate()])


# --- publishing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("no_link", ["0", "1"])
def test_publish_never_replaces_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_link: str
) -> None:
    monkeypatch.setenv(NO_LINK_ENV, no_link)
    target = tmp_path / "out" / "f.zip"
    sha = publish(target, lambda fh: fh.write(b"first"))
    assert target.read_bytes() == b"first"
    assert publish(target, lambda fh: fh.write(b"first")) == sha  # a re-run: same content
    with pytest.raises(PublishCollision):
        publish(target, lambda fh: fh.write(b"second"))
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["f.zip"]  # no temp file left


def test_readers_skip_temp_files_and_empty_placeholders(world: World) -> None:
    folder = SyncFolder(world.folder)
    expert = world.experts[0]
    outbox = folder.outbox_dir(expert)
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / ".tmp-123-whatever.zip").write_bytes(b"half")
    before = len(folder.extracts(expert))
    (folder.expert_dir(expert) / "extract-999999.zip").write_bytes(b"")
    assert len(folder.extracts(expert)) == before
    assert folder.outboxes() == []


# --- idempotency and order ------------------------------------------------------------------------
def test_merging_the_same_outboxes_twice_or_shuffled_gives_the_same_generation(
    world: World, tmp_path: Path
) -> None:
    a, b = world.laptops
    pid = a.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    for s, value in ((a, "da a"), (b, "da b"), (a, "ancora a")):
        with s.write() as tx:
            tx.update("practice", pid, {"subject": value})
        world.export(world.laptops.index(s))
    second_db = world.clone_central(tmp_path / "copy")
    world.central.close()
    copy = tmp_path / "copy"
    shutil.copytree(world.root, copy, dirs_exist_ok=True)
    # the copy sees the same outboxes under other names and twice over
    folder2 = SyncFolder(copy / "share")
    for _, path in folder2.outboxes():
        shutil.copy(path, path.with_name(path.name.replace(".zip", "zz.zip")))
        path.rename(path.with_name(path.name.replace("-0000", "-0000").replace(".zip", "aa.zip")))
    from taskforce_tui.sync.central import Central

    keys = world.root / "chiavi" / "coordinatore.key"
    first = Central(SyncFolder(world.folder), world.central_db, keys_path=keys)
    second = Central(folder2, second_db, keys_path=keys)
    try:
        r1, r2 = first.merge(), second.merge()
        assert r1.generation == r2.generation and r1.conflicts == r2.conflicts == 1
        with (
            open_bundle(
                world, SyncFolder(world.folder).central_path(r1.generation), "central"
            ) as x,
            open_bundle(world, folder2.central_path(r2.generation), "central") as y,
        ):
            # when each outbox arrived and each replica was bound differ between the two
            skip = {"replicas.jsonl", "generations.jsonl", "trust_device.jsonl"}
            skip |= {"trust_replica.jsonl"}
            assert {n: m.sha256 for n, m in x.members.items() if n not in skip} == {
                n: m.sha256 for n, m in y.members.items() if n not in skip
            }
        again = first.merge()
        assert again.generation is None  # nothing new: no new generation
        world.central = first
        world.sync(0)
        digest = data_digest(a)
        laptop_report = laptop.SyncReport()
        (_, path), *_ = SyncFolder(world.folder).extracts(world.experts[0])
        with open_bundle(world, path, "extract", 0) as bundle:
            laptop.apply_extract(a, bundle.manifest, bundle.read_all(), laptop_report)
        assert laptop_report.received == 0  # importing the same generation twice: nothing
        assert data_digest(a) == digest
    finally:
        second.close()


# --- the folder -----------------------------------------------------------------------------------
def test_a_missing_unmounted_or_empty_folder_means_nothing_to_do(
    world: World, tmp_path: Path
) -> None:
    s = world.laptops[0]
    with s.write() as tx:
        tx.update(
            "practice", s.conn.execute("SELECT id FROM practice").fetchone()[0], {"notes": "x"}
        )
    before = data_digest(s)
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (tmp_path / "missing", empty):
        with pytest.raises(FolderUnavailable, match="Non è stato fatto nulla"):
            laptop.sync(s, folder)
        assert data_digest(s) == before
        assert list(empty.iterdir()) == []
    # the share was unmounted after being used: same answer, nothing deleted
    os.rename(world.folder, tmp_path / "away")
    with pytest.raises(FolderUnavailable):
        world.sync(0)
    assert data_digest(s) == before
    assert s.pending_ops() == 1


def test_each_sync_keeps_a_backup_and_only_the_last_ten(world: World) -> None:
    import sqlite3

    backups = world.root / "backup0"
    for _ in range(12):
        world.sync(0)
    kept = sorted(backups.glob("taskforce-*.sqlite3"))
    assert len(kept) == 10
    with sqlite3.connect(kept[-1]) as conn:  # a consistent, openable copy
        assert conn.execute("SELECT COUNT(*) FROM practice").fetchone()[0] == 4


# --- the coordinator's machine ---------------------------------------------------------------
def test_a_lost_central_database_is_rebuilt_from_the_share(world: World) -> None:
    from taskforce_tui.sync.central import Central

    _outbox(world)
    world.merge()
    with world.central.store.read() as conn:
        before = conn.execute("SELECT id, subject, notes FROM practice ORDER BY id").fetchall()
        generation = world.central.generation
    db = world.lose_central()
    world.central = Central.open(world.folder, db, world.root, world.central.keys_path)
    report = world.merge()
    assert report.adopted == generation and report.generation is None
    with world.central.store.read() as conn:
        assert (
            conn.execute("SELECT id, subject, notes FROM practice ORDER BY id").fetchall() == before
        )
    s = world.laptops[1]
    # a practice both laptops hold (ids are random: the first in id order may be of a
    # Comune only the other expert follows)
    held = [
        {r[0] for r in laptop.conn.execute("SELECT id FROM practice")} for laptop in world.laptops
    ]
    shared = sorted(held[0] & held[1])
    assert shared
    with s.write() as tx:
        tx.update("practice", shared[0], {"notes": "dopo il ripristino"})
    world.full_round()
    assert world.laptops[0].practices.get(shared[0]).notes == "dopo il ripristino"


def test_two_coordinators_publishing_the_same_generation_converge(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskforce_tui.sync.central import Central

    second_db = world.clone_central(tmp_path / "second")
    # a second machine of the same coordinator (its key copied with the profile)
    second = Central(SyncFolder(world.folder), second_db, keys_path=world.central.keys_path)
    try:
        a, b = world.laptops
        ids = [r[0] for r in a.conn.execute("SELECT id FROM practice ORDER BY protocol_no")]
        with a.write() as tx:
            tx.update("practice", ids[0], {"notes": "da a"})
        world.export(0)
        first = world.merge()  # the first coordinator publishes generation N with a's edit
        with b.write() as tx:
            tx.update("practice", ids[1], {"notes": "da b"})
        world.export(1)
        # the second coordinator checked the share just before the first one published:
        # it merges b's outbox on its own state and its publish of N collides
        calls = {"n": 0}
        real = second._adopt_if_behind

        def late(progress: Any) -> int | None:
            calls["n"] += 1
            return None if calls["n"] == 1 else real(progress)

        monkeypatch.setattr(second, "_adopt_if_behind", late)
        report = second.merge()
        assert report.generation == first.generation + 1  # re-merged on top of the winner
        assert world.merge().adopted == report.generation  # the first one catches up
        world.full_round()
        for central in (world.central, second):
            with central.store.read() as conn:
                notes = dict(conn.execute("SELECT id, notes FROM practice"))
            assert notes[ids[0]] == "da a" and notes[ids[1]] == "da b"
        assert a.practices.get(ids[1]).notes == "da b"
        assert b.practices.get(ids[0]).notes == "da a"
    finally:
        second.close()


def test_a_dry_run_changes_nothing_and_writes_no_file(world: World) -> None:
    a = world.laptops[0]
    pid = a.conn.execute("SELECT id FROM practice ORDER BY protocol_no").fetchone()[0]
    with world.laptops[1].write() as tx:
        tx.update("practice", pid, {"notes": "da ricevere"})
    world.sync(1)
    world.merge()
    with a.write() as tx:
        tx.update("practice", pid, {"subject": "da inviare"})
    before = data_digest(a)
    files = sorted(p for p in world.folder.rglob("*") if p.is_file())
    report = laptop.sync(a, world.folder, dry_run=True, backups=world.root / "backup0")
    assert report.dry_run and report.sent == 1 and report.received == 1
    assert data_digest(a) == before
    assert sorted(p for p in world.folder.rglob("*") if p.is_file()) == files
    assert not (world.root / "backup0").exists()


def test_a_value_the_database_refuses_is_refused_alone(world: World) -> None:
    """A laptop whose checks were bypassed (a modified or broken client) sends three
    edits of one shape, one of them against the schema's CHECK: the centre refuses that
    one, says why, and merges the others (they are written in one statement, redone one
    by one when the database refuses it)."""
    a = world.laptops[0]
    ids = [r[0] for r in a.conn.execute("SELECT id FROM practice ORDER BY protocol_no")][:3]
    a.conn.execute("PRAGMA ignore_check_constraints = ON")
    with a.write() as tx:
        for pid, status in zip(ids, ("sospesa", "inventata", "archiviata"), strict=True):
            tx.update("practice", pid, {"status": status})
    a.conn.execute("PRAGMA ignore_check_constraints = OFF")
    with world.central.store.read() as conn:
        before = dict(conn.execute("SELECT id, status FROM practice"))
    world.sync(0)
    report = world.merge()
    assert report.accepted == 2 and report.rejected == 1
    with world.central.store.read() as conn:
        after = dict(conn.execute("SELECT id, status FROM practice"))
        reason = conn.execute("SELECT pk, reason FROM sync_rejected").fetchall()
    assert after[ids[0]] == "sospesa" and after[ids[2]] == "archiviata"
    assert after[ids[1]] == before[ids[1]] == "aperta"
    assert [r[0] for r in reason] == [ids[1]] and "valori non accettati" in reason[0][1]

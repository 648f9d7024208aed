"""The bundle file: a ZIP with `manifest.json` and one JSON Lines member per table.

Format (docs/sync.md has the full description):

- `manifest.json`: `format` ("taskforce-sync"), `format_version`, `schema_version`,
  `kind` ("outbox", "central", "extract"), `app_version`, `created_at`, the writer,
  kind-specific keys (generation, parent, acks, ...) and `members`: for each member
  its `name`, `sha256`, `bytes` (uncompressed) and `rows`.
- members: `<name>.jsonl`, UTF-8, one JSON object per line.

Readers check, before anything is used: the ZIP structure and CRC32, member names
(plain names only: no folders, no `..`, no duplicates, nothing undeclared or
missing), the format and schema versions (newer: refused with "aggiorna
l'applicazione"), the size caps of the kind, and each member's byte count, row
count and sha256. Unknown manifest keys and unknown row keys are ignored, so an
additive change does not need a new format version.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO

from taskforce_tui import __version__
from taskforce_tui.store import jsonio
from taskforce_tui.store.schema import SCHEMA_VERSION
from taskforce_tui.sync import crypto
from taskforce_tui.sync.crypto import KeyPair
from taskforce_tui.sync.errors import BundleError, NewerFormatError, os_reason

FORMAT = "taskforce-sync"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
#: The writer's signature of the manifest (format 2): `{"key", "signature"}`, base64.
SIGNATURE = "signature.json"
KINDS = ("outbox", "central", "extract")
MEMBER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}\.jsonl$")
_CHUNK = 1 << 22
_MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Size caps: a bundle over any of them is refused before it is decompressed."""

    max_file_bytes: int
    max_member_bytes: int
    max_total_bytes: int
    max_rows: int
    max_line_bytes: int = 4 * _MiB
    max_manifest_bytes: int = 4 * _MiB


LIMITS: dict[str, Limits] = {
    # a day's work is a few hundred ops; the export splits at 100,000 ops per file
    "outbox": Limits(256 * _MiB, 128 * _MiB, 256 * _MiB, 1_000_000),
    # one expert's Comuni, time logs and reference data
    "extract": Limits(2048 * _MiB, 2048 * _MiB, 4096 * _MiB, 20_000_000),
    # the whole region (300,000 practices and 1,000,000 time logs are about 0.5 GiB)
    "central": Limits(8192 * _MiB, 8192 * _MiB, 16384 * _MiB, 200_000_000),
}


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- writing -------------------------------------------------------------------------------------
class MemberWriter:
    def __init__(self, stream: BinaryIO, columns: tuple[str, ...] | None = None) -> None:
        self._stream = stream
        self._columns = columns
        self._buffer: list[bytes] = []
        self._buffered = 0
        self.sha = hashlib.sha256()
        self.bytes = 0
        self.rows = 0

    def row(self, row: Mapping[str, Any]) -> None:
        if self._columns is not None:
            line = jsonio.dumps([row.get(c) for c in self._columns]) + b"\n"
        else:
            line = jsonio.dumps(row) + b"\n"
        self._buffer.append(line)
        self._buffered += len(line)
        self.rows += 1
        if self._buffered >= _CHUNK:
            self._flush()

    def line(self, text: str) -> None:
        """A row already encoded as JSON (by SQLite)."""
        line = text.encode() + b"\n"
        self._buffer.append(line)
        self._buffered += len(line)
        self.rows += 1
        if self._buffered >= _CHUNK:
            self._flush()

    def rows_from(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for r in rows:
            self.row(r)

    def _flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self.sha.update(data)
            self.bytes += len(data)
            self._stream.write(data)
            self._buffer.clear()
            self._buffered = 0

    def close(self) -> dict[str, Any]:
        self._flush()
        self._stream.close()
        return {"bytes": self.bytes, "rows": self.rows, "sha256": self.sha.hexdigest()}


class BundleWriter:
    """Writes members one at a time, then the manifest (which lists their checksums)."""

    def __init__(
        self,
        fh: BinaryIO,
        kind: str,
        manifest: Mapping[str, Any],
        level: int = 1,
        signer: KeyPair | None = None,
    ):
        assert kind in KINDS
        self._kind = kind
        self._signer = signer
        self._zip = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=level)
        self.manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": SCHEMA_VERSION,
            "kind": kind,
            "app_version": __version__,
            "created_at": now_stamp(),
            **manifest,
        }
        self._members: list[dict[str, Any]] = []

    def member(
        self,
        name: str,
        rows: Iterable[Mapping[str, Any]],
        columns: tuple[str, ...] | None = None,
    ) -> int:
        """Write a whole member from `rows`; returns the row count. With `columns`, each
        line is a JSON array in that order (the names go once into the manifest): half
        the bytes to write, compress and parse for the big tables."""
        assert MEMBER_NAME.match(name), name
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        stream = self._zip.open(info, "w", force_zip64=True)
        writer = MemberWriter(stream, columns)  # type: ignore[arg-type]
        try:
            writer.rows_from(rows)
        finally:
            stats = writer.close()
        entry: dict[str, Any] = {"name": name, **stats}
        if columns is not None:
            entry["columns"] = list(columns)
        self._members.append(entry)
        return int(stats["rows"])

    def member_lines(self, name: str, lines: Iterable[str], columns: tuple[str, ...]) -> int:
        """A member whose rows come already encoded as JSON arrays in `columns` order."""
        assert MEMBER_NAME.match(name), name
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        stream = self._zip.open(info, "w", force_zip64=True)
        writer = MemberWriter(stream)  # type: ignore[arg-type]
        try:
            for text in lines:
                writer.line(text)
        finally:
            stats = writer.close()
        self._members.append({"name": name, **stats, "columns": list(columns)})
        return int(stats["rows"])

    def close(self) -> dict[str, Any]:
        self.manifest["members"] = self._members
        info = zipfile.ZipInfo(MANIFEST, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        raw = jsonio.dumps(self.manifest, pretty=True)
        self._zip.writestr(info, raw)
        if self._signer is not None:
            signed = crypto.manifest_message(self._kind, raw)
            body = {
                "key": crypto.b64(self._signer.public.sign),
                "signature": crypto.b64(self._signer.sign(signed)),
            }
            info = zipfile.ZipInfo(SIGNATURE, date_time=(2020, 1, 1, 0, 0, 0))
            self._zip.writestr(info, jsonio.dumps(body, pretty=True))
        self._zip.close()
        return self.manifest


# --- reading -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MemberInfo:
    name: str
    sha256: str
    bytes: int
    rows: int
    columns: tuple[str, ...] | None = None


_BAD_ZIP = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OverflowError,
    IndexError,
    KeyError,
    UnicodeDecodeError,
)


class Bundle:
    """An open, structurally checked bundle. Members are verified as they are read."""

    def __init__(
        self,
        path: Path,
        kind: str | None = None,
        limits: Limits | None = None,
        fileobj: IO[bytes] | None = None,
    ):
        self.path = Path(path)
        self.signer: bytes | None = None  # the verified signing key (see `check_signature`)
        self._owned: IO[bytes] | None = None
        self.manifest_bytes = b""
        try:
            if fileobj is not None:
                size = fileobj.seek(0, 2)
                fileobj.seek(0)
            else:
                size = self.path.stat().st_size
        except OSError as exc:
            raise BundleError(f"file illeggibile ({os_reason(exc)})") from None
        if size == 0:
            raise BundleError("file vuoto")
        cap = limits or LIMITS.get(kind or "central", LIMITS["central"])
        if size > cap.max_file_bytes:
            raise BundleError(f"file troppo grande ({size} byte, massimo {cap.max_file_bytes})")
        try:
            self._zip = zipfile.ZipFile(fileobj if fileobj is not None else self.path)
        except (*_BAD_ZIP, OSError) as exc:
            raise BundleError(
                f"non è un archivio zip valido, troncato o danneggiato ({exc})"
            ) from None
        try:
            self.manifest = self._check_structure(kind, limits)
        except BaseException:
            self._zip.close()
            raise

    # context manager -----------------------------------------------------------------------------
    def __enter__(self) -> Bundle:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        if self._owned is not None:
            self._owned.close()

    @classmethod
    def open_sealed(
        cls, path: Path, kind: str, keys: Iterable[KeyPair]
    ) -> tuple[Bundle, dict[str, Any]]:
        """A sealed file (format 2), decrypted with one of `keys` into a private temp
        file and structurally checked; its signature is verified (`check_signature`)
        but whose key it is, the caller decides. Returns the bundle and the clear header."""
        header, plain = crypto.unseal(path, keys, LIMITS[kind].max_total_bytes)
        try:
            if header.get("kind") != kind:
                raise BundleError(f"atteso un file «{kind}», trovato «{header.get('kind')}»")
            bundle = cls(path, kind, fileobj=plain)
        except BaseException:
            plain.close()
            raise
        bundle._owned = plain
        try:
            bundle.check_signature()
        except BaseException:
            bundle.close()
            raise
        return bundle, header

    # checks --------------------------------------------------------------------------------------
    def _check_structure(self, kind: str | None, limits: Limits | None) -> dict[str, Any]:
        try:
            infos = self._zip.infolist()
        except _BAD_ZIP as exc:
            raise BundleError(f"indice dell'archivio danneggiato ({exc})") from None
        names = [i.filename for i in infos]
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            if name in seen:
                raise BundleError(f"membro duplicato: «{_show(name)}»")
            seen.add(name)
            if name not in (MANIFEST, SIGNATURE) and not MEMBER_NAME.match(name):
                raise BundleError(f"nome di membro non ammesso: «{_show(name)}»")
            if info.flag_bits & 0x1:
                raise BundleError(f"membro cifrato: «{_show(name)}»")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise BundleError(f"compressione non supportata in «{_show(name)}»")
        if MANIFEST not in seen:
            raise BundleError("manca manifest.json")
        manifest = self._read_manifest()
        found_kind = manifest.get("kind")
        if found_kind not in KINDS:
            raise BundleError(f"tipo di file sconosciuto: {_show(str(found_kind))}")
        if kind is not None and found_kind != kind:
            raise BundleError(f"atteso un file «{kind}», trovato «{found_kind}»")
        cap = limits or LIMITS[found_kind]
        declared = manifest.get("members")
        if not isinstance(declared, list):
            raise BundleError("manifest senza elenco dei membri")
        self.members: dict[str, MemberInfo] = {}
        for entry in declared:
            member = _member_info(entry)
            if member.name in self.members:
                raise BundleError(f"membro dichiarato due volte: «{_show(member.name)}»")
            self.members[member.name] = member
        actual = set(names) - {MANIFEST, SIGNATURE}
        extra = sorted(actual - set(self.members))
        if extra:
            raise BundleError(f"membro non dichiarato nel manifest: «{_show(extra[0])}»")
        missing = sorted(set(self.members) - actual)
        if missing:
            raise BundleError(f"membro mancante: «{_show(missing[0])}»")
        total = 0
        rows = 0
        for info in infos:
            if info.filename in (MANIFEST, SIGNATURE):
                continue
            member = self.members[info.filename]
            if info.file_size != member.bytes:
                raise BundleError(f"dimensione di «{member.name}» diversa da quella dichiarata")
            if member.bytes > cap.max_member_bytes:
                raise BundleError(
                    f"membro «{member.name}» troppo grande ({member.bytes} byte, massimo "
                    f"{cap.max_member_bytes})"
                )
            total += member.bytes
            rows += member.rows
        if total > cap.max_total_bytes:
            raise BundleError(
                f"contenuto troppo grande ({total} byte, massimo {cap.max_total_bytes})"
            )
        if rows > cap.max_rows:
            raise BundleError(f"troppe righe ({rows}, massimo {cap.max_rows})")
        self.limits = cap
        return manifest

    def _read_manifest(self) -> dict[str, Any]:
        info = self._zip.getinfo(MANIFEST)
        if info.file_size > LIMITS["outbox"].max_manifest_bytes:
            raise BundleError("manifest.json troppo grande")
        try:
            with self._zip.open(info) as fh:
                raw = fh.read(LIMITS["outbox"].max_manifest_bytes + 1)
            manifest = jsonio.loads(raw)
            self.manifest_bytes = raw
        except (*_BAD_ZIP, OSError) as exc:
            raise BundleError(f"manifest.json illeggibile ({exc})") from None
        if not isinstance(manifest, dict):
            raise BundleError("manifest.json non è un oggetto JSON")
        if manifest.get("format") != FORMAT:
            raise BundleError(f"formato sconosciuto: {_show(str(manifest.get('format')))}")
        version = manifest.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise BundleError(f"versione di formato non valida: {_show(str(version))}")
        if version > FORMAT_VERSION:
            raise NewerFormatError(f"Il file {self.path.name} (formato {version})")
        schema = manifest.get("schema_version")
        if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
            raise BundleError(f"versione di schema non valida: {_show(str(schema))}")
        if schema > SCHEMA_VERSION:
            raise NewerFormatError(f"Il file {self.path.name} (schema {schema})")
        return manifest

    def check_signature(self) -> bytes:
        """Verify `signature.json` against the manifest's exact bytes; returns the
        signing key (the caller decides whether that key may sign this kind of file).
        The manifest lists every member's sha256, which `rows` checks: the signature
        covers the whole file."""
        if SIGNATURE not in self._zip.namelist():
            raise BundleError("file senza firma")
        info = self._zip.getinfo(SIGNATURE)
        if info.file_size > 4096:
            raise BundleError("firma non valida")
        try:
            with self._zip.open(info) as fh:
                body = jsonio.loads(fh.read(4097))
            key = crypto.unb64(body.get("key"), 32)
            signature = crypto.unb64(body.get("signature"), 64)
        except (*_BAD_ZIP, OSError, AttributeError):
            raise BundleError("firma illeggibile") from None
        kind = str(self.manifest.get("kind"))
        if not crypto.verify(key, crypto.manifest_message(kind, self.manifest_bytes), signature):
            raise BundleError("firma non valida: il file è stato alterato dopo la firma")
        self.signer = key
        return key

    # rows -----------------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.members

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        """The member's rows, streamed; raises BundleError when a check fails (at the
        latest after the last row: callers must not commit before the end)."""
        member = self.members.get(name)
        if member is None:
            return
        digest = hashlib.sha256()
        count = 0
        size = 0
        tail = b""
        max_line = self.limits.max_line_bytes
        columns = member.columns
        try:
            with self._zip.open(name) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > member.bytes:
                        raise BundleError(f"«{name}» è più lungo di quanto dichiarato")
                    digest.update(chunk)
                    lines = (tail + chunk).split(b"\n")
                    tail = lines.pop()
                    if len(tail) > max_line:
                        raise BundleError(f"riga troppo lunga in «{name}»")
                    for line in lines:
                        if len(line) > max_line:
                            raise BundleError(f"riga troppo lunga in «{name}»")
                        row = jsonio.loads(line)
                        if columns is not None and isinstance(row, list):
                            if len(row) != len(columns):
                                raise BundleError(f"riga {count + 1} di «{name}»: colonne errate")
                            row = dict(zip(columns, row, strict=True))
                            if row.get("_v") is None:
                                row.pop("_v", None)
                        if not isinstance(row, dict):
                            raise BundleError(f"riga {count + 1} di «{name}» non è un oggetto")
                        count += 1
                        if count > member.rows:
                            raise BundleError(f"«{name}» ha più righe di quante dichiarate")
                        yield row
        except BundleError:
            raise
        except (*_BAD_ZIP, OSError) as exc:
            raise BundleError(f"«{name}» danneggiato ({exc})") from None
        if tail:
            raise BundleError(f"«{name}» termina a metà riga")
        if size != member.bytes:
            raise BundleError(f"«{name}» è più corto di quanto dichiarato")
        if count != member.rows:
            raise BundleError(f"«{name}» ha {count} righe invece di {member.rows}")
        if digest.hexdigest() != member.sha256:
            raise BundleError(f"checksum sha256 di «{name}» errato")

    def read_all(self) -> dict[str, list[dict[str, Any]]]:
        """Every member, fully verified (for bundles that fit in memory)."""
        return {name: list(self.rows(name)) for name in self.members}

    def verify(self) -> None:
        """Read every member through its checks without keeping the rows."""
        for name in self.members:
            for _ in self.rows(name):
                pass


def _member_info(entry: object) -> MemberInfo:
    if not isinstance(entry, dict):
        raise BundleError("voce del manifest non valida")
    name, sha, size, rows = (entry.get(k) for k in ("name", "sha256", "bytes", "rows"))
    if not isinstance(name, str) or not MEMBER_NAME.match(name):
        raise BundleError(f"nome di membro non ammesso: «{_show(str(name))}»")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise BundleError(f"sha256 non valido per «{name}»")
    for value in (size, rows):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BundleError(f"dimensioni non valide per «{name}»")
    assert isinstance(size, int) and isinstance(rows, int)
    columns = entry.get("columns")
    if columns is not None:
        if (
            not isinstance(columns, list)
            or not all(
                isinstance(c, str) and re.fullmatch(r"[a-z_][a-z0-9_]{0,47}", c) for c in columns
            )
            or len(set(columns)) != len(columns)
        ):
            raise BundleError(f"colonne non valide per «{name}»")
        return MemberInfo(name, sha, size, rows, tuple(columns))
    return MemberInfo(name, sha, size, rows)


def _show(text: str) -> str:
    """A name from an untrusted file, safe to print: printable and short."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 80 else clean[:77] + "..."

"""Keys, signatures and sealed files for a shared folder that is untrusted storage.

Every primitive comes from libsodium through PyNaCl; nothing here is hand-made:

- a key pair per installation: Ed25519 (signing) + X25519 (sealing), made on first
  use and kept in the profile in a 0600 file (`KeyPair.load_or_create`);
- signatures: Ed25519 over a context string and the sha256 of a bundle's
  `manifest.json`, which lists every member's sha256: the signature covers the file;
- sealing: the bundle's bytes are encrypted with libsodium's secretstream
  (XChaCha20-Poly1305, chunked, with an end tag so a truncated file is refused) under
  a random file key, and that key is wrapped for each recipient with a sealed box
  (X25519). The clear header (kind, folder, recipients) is the associated data of every
  chunk, so it cannot be swapped onto another file's body.

The envelope on the share (docs/sync.md, "The sealed file"):

    b"TFSYNC2\\n" | u32 header length (big-endian) | header JSON | secretstream chunks
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import secrets
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import nacl.bindings as sodium
import nacl.exceptions
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from taskforce_tui.store import jsonio
from taskforce_tui.store.private import FILE_MODE, private_dir, private_file
from taskforce_tui.sync.errors import BundleError, NewerFormatError, os_reason

MAGIC = b"TFSYNC2\n"
ENVELOPE_VERSION = 2
CHUNK = 1 << 20
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
MAX_HEADER = 1 << 20
SIGNATURE_CONTEXT = b"taskforce-sync firma v2\n"
#: Plaintext kept in memory while a sealed file is opened; beyond it, a private temp file.
SPOOL_BYTES = 64 << 20


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, size: int | None = None) -> bytes:
    if not isinstance(text, str) or len(text) > 4096:
        raise ValueError("base64 non valido")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if size is not None and len(raw) != size:
        raise ValueError("lunghezza errata")
    return raw


def key_id(sign_public: bytes) -> str:
    """A short, stable name for a signing key (16 hex digits of its BLAKE2b hash)."""
    return hashlib.blake2b(sign_public, digest_size=8, person=b"tf-key-id").hexdigest()


# --- files in the profile -----------------------------------------------------------------------
def write_private(path: Path, data: bytes) -> None:
    """Write a key or trust file atomically, born 0600, in a 0700 folder (store/private.py;
    on Windows the profile's own ACLs apply)."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --- keys ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PublicKeys:
    sign: bytes
    box: bytes

    @property
    def id(self) -> str:
        return key_id(self.sign)

    def as_dict(self) -> dict[str, str]:
        return {"sign": b64(self.sign), "box": b64(self.box)}

    @classmethod
    def from_dict(cls, data: object) -> PublicKeys:
        if not isinstance(data, dict):
            raise ValueError("chiavi non valide")
        return cls(unb64(data.get("sign"), 32), unb64(data.get("box"), 32))


@dataclass(frozen=True, slots=True)
class KeyPair:
    signing: SigningKey
    box: PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(SigningKey.generate(), PrivateKey.generate())

    @property
    def public(self) -> PublicKeys:
        return PublicKeys(bytes(self.signing.verify_key), bytes(self.box.public_key))

    @property
    def id(self) -> str:
        return self.public.id

    def sign(self, message: bytes) -> bytes:
        return bytes(self.signing.sign(message).signature)

    def dumps(self) -> bytes:
        return jsonio.dumps(
            {
                "format": "taskforce-key",
                "version": 1,
                "sign_seed": b64(bytes(self.signing)),
                "box_secret": b64(bytes(self.box)),
            },
            pretty=True,
        )

    @classmethod
    def loads(cls, raw: bytes) -> KeyPair:
        data = jsonio.loads(raw)
        if not isinstance(data, dict) or data.get("format") != "taskforce-key":
            raise ValueError("non è un file di chiavi taskforce")
        return cls(
            SigningKey(unb64(data.get("sign_seed"), 32)),
            PrivateKey(unb64(data.get("box_secret"), 32)),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> KeyPair:
        """The installation's key pair, made on first use (0600, in a 0700 folder)."""
        try:
            pair = cls.loads(path.read_bytes())
            private_dir(path.parent)  # tightened again if someone loosened them
            private_file(path)
            return pair
        except FileNotFoundError:
            pass
        except ValueError as exc:
            raise BundleError(f"file delle chiavi {path.name} danneggiato ({exc})") from None
        pair = cls.generate()
        write_private(path, pair.dumps())
        return cls.loads(path.read_bytes())


def verify(sign_public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(sign_public).verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False


def manifest_message(kind: str, manifest_bytes: bytes) -> bytes:
    return SIGNATURE_CONTEXT + kind.encode() + b"\n" + hashlib.sha256(manifest_bytes).digest()


def canonical(data: Any) -> bytes:
    """The bytes a signature or a MAC of a JSON document covers (sorted keys)."""
    return jsonio.dumps(data, sort_keys=True)


# --- one-time codes -------------------------------------------------------------------------------
#: Crockford's base32: no I, L, O, U; a person can read it over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 25  # 125 bits


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_CHARS))
    return "-".join(raw[i : i + 5] for i in range(0, CODE_CHARS, 5))


def normalize_code(text: str) -> str:
    """The code as typed (spaces, dashes, lower case, O for 0, I/L for 1) made canonical;
    ValueError if it cannot be one."""
    clean = text.upper().replace("-", "").replace(" ", "")
    clean = clean.translate(str.maketrans("OIL", "011"))
    if len(clean) != CODE_CHARS or any(c not in _ALPHABET for c in clean):
        raise ValueError(f"il codice ha {CODE_CHARS} caratteri (lettere e cifre, a gruppi di 5)")
    return "-".join(clean[i : i + 5] for i in range(0, CODE_CHARS, 5))


def code_key(code: str, folder_id: str, email: str) -> bytes:
    """The secret both sides derive from a one-time code, bound to the folder and email."""
    message = f"{folder_id}\n{email.strip().lower()}".encode()
    return hashlib.blake2b(
        message, key=normalize_code(code).encode(), digest_size=32, person=b"tf-enrol-key"
    ).digest()


def mac(key: bytes, data: Any) -> str:
    return b64(hmac.new(key, canonical(data), hashlib.sha256).digest())


def mac_ok(key: bytes, data: Any, tag: object) -> bool:
    if not isinstance(tag, str):
        return False
    return hmac.compare_digest(mac(key, data), tag)


# --- the sealed envelope --------------------------------------------------------------------------
class SealWriter(io.RawIOBase):
    """A write-only stream that seals what is written into `out` (chunked secretstream).
    `zipfile` writes to it as to any unseekable stream."""

    def __init__(self, out: BinaryIO, header: dict[str, Any], recipients: Iterable[bytes]):
        super().__init__()
        file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
            self._state, file_key
        )
        boxes = [
            {"key": b64(pk), "wrapped": b64(SealedBox(PublicKey(pk)).encrypt(file_key))}
            for pk in sorted(set(recipients))
        ]
        if not boxes:
            raise ValueError("nessun destinatario")
        full = {
            "format": "taskforce-sync-sealed",
            "format_version": ENVELOPE_VERSION,
            **header,
            "recipients": boxes,
            "stream": b64(stream_header),
        }
        self._ad = canonical(full)
        out.write(MAGIC + struct.pack(">I", len(self._ad)) + self._ad)
        self._out = out
        self._buffer = bytearray()
        self._closed_stream = False
        self.plain = hashlib.sha256()  # of what was sealed (see `plain_sha256`)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.plain.update(view)
        self._buffer += view
        while len(self._buffer) > CHUNK:
            chunk = bytes(self._buffer[:CHUNK])
            del self._buffer[:CHUNK]
            self._out.write(
                sodium.crypto_secretstream_xchacha20poly1305_push(
                    self._state, chunk, self._ad, _TAG_MESSAGE
                )
            )
        return len(view)

    def finish(self) -> None:
        if self._closed_stream:
            return
        self._closed_stream = True
        self._out.write(
            sodium.crypto_secretstream_xchacha20poly1305_push(
                self._state, bytes(self._buffer), self._ad, _TAG_FINAL
            )
        )
        self._buffer.clear()

    def close(self) -> None:
        self.finish()
        super().close()


def read_header(fh: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    """The envelope's clear header (and its bytes), checked for shape."""
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        if magic[:4] == b"PK\x03\x04":
            raise BundleError(
                "file senza firma né cifratura (formato 1, di una versione precedente): "
                "chi l'ha scritto deve aggiornare l'applicazione"
            )
        raise BundleError("non è un file di sincronizzazione sigillato")
    raw_len = fh.read(4)
    if len(raw_len) != 4:
        raise BundleError("intestazione troncata")
    (size,) = struct.unpack(">I", raw_len)
    if size > MAX_HEADER:
        raise BundleError("intestazione troppo grande")
    raw = fh.read(size)
    if len(raw) != size:
        raise BundleError("intestazione troncata")
    try:
        header = jsonio.loads(raw)
    except ValueError:
        raise BundleError("intestazione illeggibile") from None
    if not isinstance(header, dict) or header.get("format") != "taskforce-sync-sealed":
        raise BundleError("intestazione non valida")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 2:
        raise BundleError("versione del file sigillato non valida")
    if version > ENVELOPE_VERSION:
        raise NewerFormatError(f"Il file {getattr(fh, 'name', '')} (formato {version})")
    if not isinstance(header.get("recipients"), list):
        raise BundleError("intestazione senza destinatari")
    return header, raw


class NotForMe(BundleError):
    """A sealed file this installation holds no key for (it is not quarantined: it may be
    meant for another device or coordinator, or for this one before it was enrolled)."""


def recipients_of(header: dict[str, Any]) -> set[bytes]:
    found = set()
    for r in header.get("recipients", []):
        try:
            found.add(unb64(r.get("key"), 32))
        except (ValueError, AttributeError):
            continue
    return found


def unseal(path: Path, keys: Iterable[KeyPair], max_bytes: int) -> tuple[dict[str, Any], IO[bytes]]:
    """Decrypt a sealed file into a private spooled temp file (checked to the end tag
    before it is returned). Raises NotForMe, or BundleError for anything wrong."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BundleError(f"file illeggibile ({os_reason(exc)})") from None
    with fh:
        header, ad = read_header(fh)
        mine = {bytes(k.box.public_key): k for k in keys}
        file_key = None
        for r in header["recipients"]:
            try:
                pk = unb64(r.get("key"), 32)
            except (ValueError, AttributeError):
                raise BundleError("destinatario non valido nell'intestazione") from None
            if pk in mine:
                try:
                    file_key = SealedBox(mine[pk].box).decrypt(unb64(r.get("wrapped")))
                except (nacl.exceptions.CryptoError, ValueError):
                    raise BundleError("chiave del file non decifrabile: file alterato") from None
                break
        if file_key is None:
            raise NotForMe("il file non è cifrato per questa postazione")
        try:
            stream_header = unb64(header.get("stream"), 24)
        except ValueError:
            raise BundleError("intestazione non valida") from None
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        try:
            sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, file_key)
        except (nacl.exceptions.CryptoError, ValueError):
            raise BundleError("intestazione non valida") from None
        out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        total = 0
        try:
            while True:
                block = fh.read(CHUNK + _ABYTES)
                if not block:
                    raise BundleError("file troncato (manca la fine)")
                try:
                    plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, block, ad)
                except (nacl.exceptions.CryptoError, ValueError):
                    raise BundleError("contenuto alterato o danneggiato (cifratura)") from None
                total += len(plain)
                if total > max_bytes:
                    raise BundleError(f"file troppo grande (oltre {max_bytes} byte)")
                out.write(plain)
                if tag == _TAG_FINAL:
                    if fh.read(1):
                        raise BundleError("dati in più dopo la fine del file")
                    break
        except BaseException:
            out.close()
            raise
    out.seek(0)
    return header, out


def plain_sha256(path: Path, keys: Iterable[KeyPair]) -> str | None:
    """The sha256 of what a sealed file holds, or None if it cannot be opened."""
    try:
        _header, plain = unseal(path, keys, 1 << 40)
    except BundleError:
        return None
    digest = hashlib.sha256()
    with plain:
        for block in iter(lambda: plain.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()

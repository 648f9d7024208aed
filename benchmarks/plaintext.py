"""The same sync without its cryptography, for the side-by-side figures of issue 13:
`install()` (in a benchmark's own child process, never in the app) replaces the
XChaCha20-Poly1305 stream and the sealed boxes of the file key with pass-throughs of the
same sizes, so a run measures everything else exactly as shipped: the same envelope,
chunks, files, ZIPs, JSON, merge and database work. Ed25519 signatures stay (one sign or
verify per file, tens of microseconds): they are in both figures.
"""

from __future__ import annotations

from typing import Any

_ABYTES = 17  # what the stream adds per chunk (crypto_secretstream ABYTES)


class _ClearBox:
    """Stands in for nacl's SealedBox: the 32-byte file key travels as it is (padded to
    the size of a sealed box, 48 bytes more)."""

    def __init__(self, _key: Any) -> None:
        pass

    def encrypt(self, plaintext: bytes) -> bytes:
        return bytes(48) + plaintext

    def decrypt(self, ciphertext: bytes) -> bytes:
        return ciphertext[48:]


def _push(_state: Any, message: bytes, _ad: bytes | None = None, tag: int = 0) -> bytes:
    return message + bytes([tag]) + bytes(_ABYTES - 1)


def _pull(_state: Any, block: bytes, _ad: bytes | None = None) -> tuple[bytes, int]:
    return block[:-_ABYTES], block[-_ABYTES]


def install() -> None:
    from taskforce_tui.sync import crypto

    crypto.SealedBox = _ClearBox  # type: ignore[attr-defined,misc]
    sodium = crypto.sodium
    sodium.crypto_secretstream_xchacha20poly1305_push = _push
    sodium.crypto_secretstream_xchacha20poly1305_pull = _pull
    _check(crypto)


def _check(crypto: Any) -> None:
    """The replacement really took: a sealed buffer now shows its bytes in clear, and
    still opens through the shipped reader."""
    import io
    import tempfile
    from pathlib import Path

    pair = crypto.KeyPair.generate()
    out = io.BytesIO()
    seal = crypto.SealWriter(out, {"kind": "outbox"}, [pair.public.box])
    seal.write(b"testo in chiaro")
    seal.finish()
    assert b"testo in chiaro" in out.getvalue(), "cifratura ancora attiva"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prova"
        path.write_bytes(out.getvalue())
        _header, plain = crypto.unseal(path, [pair], 1 << 20)
        with plain:
            assert plain.read() == b"testo in chiaro"

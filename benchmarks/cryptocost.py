"""What sync's cryptography costs, two ways (issue 13), in a benchmark's own child
process, never in the app:

- `meter()` counts the CPU time of every thread spent inside the cryptography as
  shipped (stream cipher, sealed boxes, Ed25519 sign and verify): its share of the
  merge's CPU time is measured in one run, so the load of a shared machine, which
  changes from one run to the next by more than sealing costs, cancels out.
- `install()` replaces the
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


class _Meter:
    """CPU seconds spent in the metered calls, summed over threads."""

    def __init__(self) -> None:
        import threading

        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def wrap(self, fn: Any) -> Any:
        import time

        def metered(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                with self._lock:
                    self.seconds += spent
                    self.calls += 1

        return metered

    def reset(self) -> None:
        with self._lock:
            self.seconds, self.calls = 0.0, 0


METER = _Meter()


def meter() -> _Meter:
    """Meter the cryptography as shipped (nothing replaced); returns the meter."""
    from taskforce_tui.sync import crypto

    sodium = crypto.sodium
    for name in (
        "crypto_secretstream_xchacha20poly1305_push",
        "crypto_secretstream_xchacha20poly1305_pull",
    ):
        setattr(sodium, name, METER.wrap(getattr(sodium, name)))
    shipped = crypto.SealedBox

    class MeteredBox(shipped):  # type: ignore[misc,valid-type]
        encrypt = METER.wrap(shipped.encrypt)
        decrypt = METER.wrap(shipped.decrypt)

    setattr(crypto, "SealedBox", MeteredBox)  # noqa: B010 - replaced for this process
    setattr(crypto, "verify", METER.wrap(crypto.verify))  # noqa: B010
    setattr(crypto.KeyPair, "sign", METER.wrap(crypto.KeyPair.sign))  # noqa: B010
    return METER


def install() -> None:
    from taskforce_tui.sync import crypto

    setattr(crypto, "SealedBox", _ClearBox)  # noqa: B010 - a stand-in of another type
    sodium = crypto.sodium
    setattr(sodium, "crypto_secretstream_xchacha20poly1305_push", _push)  # noqa: B010
    setattr(sodium, "crypto_secretstream_xchacha20poly1305_pull", _pull)  # noqa: B010
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

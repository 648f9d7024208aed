"""The benchmark's figures for the cost of sealing (benchmarks/cryptocost.py) measure
what they say: the meter counts the real cryptography's calls and CPU time, and the
variant without the cipher really writes in clear and still reads through the shipped
code. Each runs in a child process: both replace functions of the sync package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SEAL = """
import io, json, tempfile
from pathlib import Path
from benchmarks import cryptocost
mode = {mode!r}
meter = cryptocost.meter() if mode == "meter" else None
if mode == "plain":
    cryptocost.install()
from taskforce_tui.sync import crypto
pair = crypto.KeyPair.generate()
out = io.BytesIO()
seal = crypto.SealWriter(out, {{"kind": "outbox"}}, [pair.public.box])
payload = bytes(range(256)) * (12 * 4096)  # 12 MiB
seal.write(payload)
seal.finish()
signature = pair.sign(b"manifest")
path = Path(tempfile.mkdtemp()) / "f"
path.write_bytes(out.getvalue())
_h, plain = crypto.unseal(path, [pair], 1 << 30)
ok = plain.read() == payload and crypto.verify(pair.public.sign, b"manifest", signature)
print(json.dumps({{
    "ok": ok,
    "clear": payload[:4096] in out.getvalue(),
    "calls": meter.calls if meter else 0,
    "seconds": meter.seconds if meter else 0.0,
}}))
"""


def _run(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _SEAL.format(mode=mode)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_the_meter_counts_every_cryptographic_call_of_a_seal_and_open() -> None:
    shipped = _run("meter")
    assert shipped["ok"] is True and shipped["clear"] is False
    # 12 chunks of 1 MiB: 12 pushes + 1 key wrap + 1 sign; 1 key unwrap + 12 pulls + 1 verify
    assert shipped["calls"] == 28
    assert isinstance(shipped["seconds"], float) and shipped["seconds"] > 0


def test_the_variant_without_the_cipher_writes_in_clear_and_still_reads() -> None:
    plain = _run("plain")
    assert plain["ok"] is True and plain["clear"] is True

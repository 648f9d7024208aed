"""The benchmarks' memory figures measure the process they run in, not its parent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks import memory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not memory.available() or not os.path.exists("/proc/self/clear_refs"),
    reason="needs Linux procfs",
)

MB = 1024 * 1024


def _child_peak(allocate_mb: int) -> float:
    script = (
        "from benchmarks.memory import peak_rss_mb\n"
        f"block = bytearray({allocate_mb} * 1024 * 1024)\n"
        "print(peak_rss_mb())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout.split()[-1])


def test_a_child_reports_its_own_peak_not_the_parents() -> None:
    parent = bytearray(300 * MB)  # bytearray() zero-fills: the pages are resident
    assert memory.peak_rss_mb() >= 300
    idle = _child_peak(0)
    loaded = _child_peak(120)
    del parent
    # getrusage's ru_maxrss read in the same children gives >= 300 MB for both (the
    # parent's peak carried across fork and exec): the defect this helper replaces.
    assert idle < 100
    assert 120 <= loaded < 220
    assert loaded - idle >= 110


def test_reset_starts_the_peak_again_from_the_current_size() -> None:
    block = bytearray(200 * MB)
    before = memory.peak_rss_mb()
    del block
    memory.reset_peak()
    after = memory.peak_rss_mb()
    assert before - after >= 150
    assert after <= memory.rss_mb() + 5

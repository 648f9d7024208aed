"""The peak memory of this very process, for benchmark children.

Not `resource.getrusage(RUSAGE_SELF).ru_maxrss`: on Linux that figure survives fork and
exec (the kernel folds the parent's high-water mark into the child's at exec), so a
child started by a parent that had just generated the 700 MB dataset reported the
parent's peak, the same number for every benchmark. `VmHWM` in /proc/self/status is
the high-water mark of this process's own address space, which exec replaces.

Imports only the standard library's `os`: the start-up benchmarks import this module
in their children after the measured part.
"""

from __future__ import annotations

import os

_STATUS = "/proc/self/status"


def available() -> bool:
    return os.path.exists(_STATUS)


def peak_rss_mb() -> float:
    """This process's own peak resident set size since it started (or since the last
    `reset_peak`), in MiB."""
    with open(_STATUS, encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("VmHWM non trovato in /proc/self/status")


def rss_mb() -> float:
    """This process's resident set size now, in MiB."""
    with open(_STATUS, encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS non trovato in /proc/self/status")


def reset_peak() -> None:
    """Start the high-water mark again from the current resident size (Linux 4.0+), so
    `peak_rss_mb` measures one phase of a process (the merge, not the set-up before it)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")

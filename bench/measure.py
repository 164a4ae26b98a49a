"""Memory figures for the benches."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path


def peak_rss_kib() -> int:
    """This process's resident-memory high-water mark, in KiB.

    On Linux it is VmHWM from /proc/self/status, which starts afresh when a program is
    exec'd. getrusage's ru_maxrss does not: a child started by fork (or vfork) and exec keeps
    its parent's peak, so a bench child spawned by a big parent would report the parent's
    figure instead of its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def current_rss_kib() -> int:
    """Resident memory now (Linux); elsewhere the high-water mark stands in for it."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_kib()
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024

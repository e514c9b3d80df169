"""How many cores this process may run on: the default worker and thread counts are sized by it."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores the process is allowed on (its CPU affinity: ``taskset``, a container's cpuset), not
    every core the machine has: sized by the machine, workers pinned to one core would take turns on it."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on this platform (macOS, Windows)
        return os.cpu_count() or 1

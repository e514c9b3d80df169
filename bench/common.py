"""What the benchmarks share: percentiles, and a crowd of threads (closed-loop users, parallel streams).

Reports go through ``report.py``; the app's start and stop, and the judges shared with the tests, are
in ``testkit``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def run_all(task: Callable[[int], None], count: int, daemon: bool = False) -> float:
    """``task(0)`` … ``task(count - 1)``, each in a thread of its own, all at once; the wall seconds until
    the last has finished. A closed-loop user is a task that sends its requests back to back."""
    threads = [threading.Thread(target=task, args=(i,), daemon=daemon) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started

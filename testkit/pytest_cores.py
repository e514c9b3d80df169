"""A pytest plugin (``-p testkit.pytest_cores``): each pytest-xdist worker gets a core of its own.

Unpinned, two workers on two cores each ran their engines with a thread per core, so every operator
waited for a thread the other worker had just taken: the API fuzz test took 365 s beside another
worker and 24 s alone. Pinned before anything starts a thread pool (this module is imported before
the tests' conftest), the worker, and every server it starts, sees a one-core machine and sizes its
workers and threads for it (``index_tts.common.cores``); torch and the recogniser follow
``OMP_NUM_THREADS``."""

from __future__ import annotations

import os


def pin_this_worker() -> int | None:
    """Pin an xdist worker (``gw<N>``) to the N-th usable core; the core, or None outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    core = cores[int(worker[2:]) % len(cores)]
    os.sched_setaffinity(0, {core})
    os.environ["OMP_NUM_THREADS"] = "1"
    return core


PINNED_CORE = pin_this_worker()

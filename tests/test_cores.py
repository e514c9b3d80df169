"""Defaults sized by the cores a process may use, and the test workers' one core each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
needs_affinity = pytest.mark.skipif(not CORES, reason="no CPU affinity on this platform")


def _python(code: str, **env: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, **env}
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@needs_affinity
def test_default_workers_follow_the_cores_the_process_may_use() -> None:
    code = (
        "import os, json; from index_tts.common.settings import Settings\n"
        "before = Settings().workers\n"
        f"os.sched_setaffinity(0, {{{CORES[0]}}})\n"
        "print(json.dumps([before, Settings().workers]))"
    )
    assert _python(code) == [len(CORES), 1]


@needs_affinity
def test_each_xdist_worker_is_pinned_to_a_core_of_its_own() -> None:
    code = (
        "import os, json, testkit.pytest_cores\n"
        "print(json.dumps([sorted(os.sched_getaffinity(0)), os.environ['OMP_NUM_THREADS']]))"
    )
    seen = [_python(code, PYTEST_XDIST_WORKER=f"gw{i}", OMP_NUM_THREADS="4") for i in range(len(CORES))]
    assert [cores for cores, _ in seen] == [[c] for c in CORES]  # worker N on the N-th core: none shared
    assert {threads for _, threads in seen} == {"1"}
    outside = "import os, json, testkit.pytest_cores as p; print(json.dumps([p.PINNED_CORE, len(os.sched_getaffinity(0))]))"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    proc = subprocess.run([sys.executable, "-c", outside], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert json.loads(proc.stdout.strip()) == [None, len(CORES)]  # a plain pytest run is left as it is

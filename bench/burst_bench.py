"""Burst benchmark: 100 API requests sent in the same instant; does every client get an answer in 120 s?

Starts the real app (``./start_app.sh`` on a free port) once per scenario: the default
``--max-wait`` on a quiet machine, the same with a CPU-bound process spinning on every core
(started after the warm-up, so the server's speed figure comes from a quiet machine and has to
follow), and, side by side, the same crowd with the wait bound out of the way (``--max-wait 3600``:
the fixed count of places alone decides, as before admission by expected wait). Each client sends
one short unique sentence to ``POST /api/tts`` and waits up to 120 s for the whole answer.

Usage: python -m bench.burst_bench [--clients 100] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import table, write_section
from testkit.app_process import start_app
from testkit.burst import CLIENT_TIMEOUT_S, cpu_hogs, fire_burst

ROOT = Path(__file__).resolve().parent.parent

HEADING = "## A burst of simultaneous requests (`bench/burst_bench.py`)"
SCENARIOS = (
    ("admission by wait (default --max-wait 30)", (), 0),
    ("admission by wait (default --max-wait 30), CPU hog per core", (), os.cpu_count() or 1),
    ("count of places only (--max-wait 3600), CPU hog per core", ("--max-wait", "3600"), os.cpu_count() or 1),
)


def one_scenario(label: str, flags: tuple[str, ...], hogs: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="burst-bench-") as run_dir:
        app = start_app(Path(run_dir), *flags)
        try:
            app.wait_healthy()
            started = time.monotonic()
            with cpu_hogs(hogs):
                answers = fire_burst(app.url, clients)
            all_answered_s = time.monotonic() - started
        finally:
            app.stop()
    served = [a.seconds for a in answers if a.status == 200]
    refused = [a for a in answers if a.status in (429, 503)]
    retry = [int(a.retry_after) for a in refused if a.retry_after and a.retry_after.isdigit()]
    return {
        "scenario": label,
        "audio": len(served),
        "refused_by_wait": sum("speech accepted before this request" in a.message for a in refused),
        "refused_other": sum("speech accepted before this request" not in a.message for a in refused),
        "no_answer_in_120s": sum(a.status == 0 for a in answers),
        "other_status": sum(a.status not in (0, 200, 429, 503) for a in answers),
        "served_p50_s": round(statistics.median(served), 1) if served else "",
        "served_max_s": round(max(served), 1) if served else "",
        "refused_max_s": round(max(a.seconds for a in refused), 2) if refused else "",
        "retry_after_s": f"{min(retry)}-{max(retry)}" if retry else "",
        "all_answered_s": round(all_answered_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--no-write", action="store_true", help="print only, do not update BENCHMARKS.md")
    args = parser.parse_args()
    rows = [one_scenario(label, flags, hogs, args.clients) for label, flags, hogs in SCENARIOS]
    report = "\n\n".join(
        [
            HEADING,
            f"Machine: {platform.machine()}, {os.cpu_count()} cores. Each row is a fresh `./start_app.sh` (defaults: "
            f"2 workers, `--max-active 16 --max-queue 32`, so the API holds at most 48 requests at once) and {args.clients} "
            f"clients sending one short unique Chinese sentence each to `POST /api/tts` in the same instant, each waiting "
            f"up to {CLIENT_TIMEOUT_S:.0f} s. `refused_by_wait`: 503 because the speech already accepted needed more than "
            "`--max-wait` at the measured speed; `refused_other`: 503 because the API's places were all taken. "
            f"The CPU hogs are `while True: pass` processes started after the warm-up. Run on {time.strftime('%Y-%m-%d')}.",
            table(rows),
        ]
    )
    print(report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

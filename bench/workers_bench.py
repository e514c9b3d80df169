"""Worker layout: threads per worker, idle threads sleeping or spinning, and a lone request's first audio.

Side by side in one run: for each layout, the time of a lone 6-character first segment and the
throughput of as many concurrent streams as there are cores; then the server with 1-thread workers
(the default) and with a thread per core: first audio for one user reading the load test's
paragraph, and first audio and throughput for 4 users.
Prints a report and writes it to BENCHMARKS.md.

Usage: python -m bench.workers_bench [--rounds 2] [--no-write]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import run_all
from bench.loadtest import PARAGRAPH, run_level, run_single_paragraph, unique_text
from bench.report import table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import graphs
from index_tts.frontend import TextFrontend
from testkit.app_process import start_app

ROOT = Path(__file__).resolve().parent.parent

HEADING = "## Worker layout (`bench/workers_bench.py`)"
HEAD = "欢迎来到人工，"  # a first segment as the scheduler cuts it: six characters


def engine_layout(workers: int, threads: int, spin: bool, texts: list[str], frontend: TextFrontend) -> dict:
    """Lone-call latency and concurrent throughput of one layout."""
    graphs.IDLE_THREADS_SPIN = spin
    try:
        engine = create_engine("kokoro", num_sessions=workers, threads_per_session=threads)
    finally:
        graphs.IDLE_THREADS_SPIN = False
    params = SynthParams(voice="jf_alpha")
    head = frontend.process(HEAD).segments[0]
    segments = [s for t in texts for s in frontend.process(t).segments]
    for _ in range(workers):
        engine.synthesize(head, params)
    lone = []
    for _ in range(5):
        started = time.perf_counter()
        engine.synthesize(head, params)
        lone.append(time.perf_counter() - started)
    streams = os.cpu_count() or 1
    produced = [0.0] * streams

    def stream(k: int) -> None:
        for segment in segments[k::streams]:
            produced[k] += len(engine.synthesize(segment, params)) / engine.sample_rate

    wall = run_all(stream, streams)
    engine.close()
    return {
        "layout": f"{workers} worker(s) x {threads} thread(s)",
        "idle_threads": "spin" if spin else "sleep",
        "lone_first_segment_s": round(statistics.median(lone), 3),
        "concurrent_audio_s_per_s": round(sum(produced) / wall, 2),
    }


def server_rows(flags: tuple[str, ...], label: str, window: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="workers-") as run_dir:
        app = start_app(Path(run_dir), *flags)
        try:
            app.wait_healthy()
            lone = run_single_paragraph(app.url, repeats=7)
            crowd = run_level(app.url, 4, window, "unique", seed=4)
        finally:
            app.stop()
    return {
        "server": label,
        "1_user_first_p50_s": lone["first_p50_s"],
        "1_user_e2e_p50_s": lone["e2e_p50_s"],
        "4_users_first_p50_s": crowd["first_p50_s"],
        "4_users_first_p95_s": crowd["first_p95_s"],
        "4_users_audio_s_per_s": crowd["audio_s_per_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="unique texts per core in the throughput part")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of the 4-user load per server")
    parser.add_argument("--no-write", action="store_true", help="print only, do not update BENCHMARKS.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("phonemizer").setLevel(logging.ERROR)
    cores = os.cpu_count() or 1
    rng = random.Random(3)
    texts = [unique_text(rng, i) for i in range(args.rounds * cores)]
    frontend = TextFrontend()
    layouts = [(cores, 1, False), (cores, cores, False), (cores, cores, True), (1, cores, False)]
    rows = [engine_layout(w, t, spin, texts, frontend) for w, t, spin in layouts]
    servers = [
        server_rows((), "default: 1 thread per worker", args.window),
        server_rows(("--threads", str(cores)), f"--threads {cores} (first segment alone)", args.window),
    ]
    one, wide, spinning = rows[0], rows[1], rows[2]
    gain = wide["concurrent_audio_s_per_s"] / one["concurrent_audio_s_per_s"]
    spin_gain = spinning["concurrent_audio_s_per_s"] / one["concurrent_audio_s_per_s"]
    report = "\n\n".join(
        [
            HEADING,
            f"Machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}. "
            f"Run on {time.strftime('%Y-%m-%d')}. Lone call: median of 5 renders of “{HEAD}”. Concurrent: {cores} "
            f"threads rendering the segments of {len(texts)} unique load-test texts.",
            table(rows),
            f"With idle threads sleeping, {wide['layout']} gives {gain:.2f}x "
            f"the concurrent throughput of {one['layout']} and renders a lone first segment "
            f"{one['lone_first_segment_s'] / wide['lone_first_segment_s']:.2f}x faster; with spinning idle threads "
            f"the same layout gives {spin_gain:.2f}x.",
            f"Server: one user reading the {len(PARAGRAPH)}-character paragraph of the load test 7 times, then 4 "
            f"closed-loop users for {args.window:.0f} s (as in the load test; streamed pcm):",
            table(servers),
        ]
    )
    print(report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

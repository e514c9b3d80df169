"""Soak test: steady mixed load on the real app for a while, watching memory, open files and files on disk.

Users loop over a mix of requests: API calls with unique and repeated texts, streams the client
abandons half-way, bad input, and page calls through ``gradio_client`` (which write to
``outputs/``). Every 10 s the server's RSS, open file descriptors, threads and the files in
``outputs/`` and its temp folder are sampled. Growth is measured from the end of the first fifth
of the run (caches and arenas filled) to the end. Because RSS goes up and down with the segments
in flight (onnxruntime hands memory back after each call), growth is judged on the median and the
peak of each fifth of the run, from the second fifth to the last, not on two single samples.

Usage: python -m bench.soak [--minutes 10] [--users 4] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.loadtest import unique_text
from bench.report import table, write_section
from testkit.app_process import start_app

ROOT = Path(__file__).resolve().parent.parent

HEADING = "## Soak (`bench/soak.py`)"
REPEATED = ["欢迎来到人工智能展览馆。", "请在入口处领取参观手册。", "Welcome to the exhibition!"]
SAMPLE_EVERY_S = 10.0


def _proc_stats(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(fields["Threads"].strip()),
    }


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _user(url: str, serial: int, stop: threading.Event, counts: dict, failures: dict, lock: threading.Lock) -> None:
    from gradio_client import Client

    rng = random.Random(serial)
    page = Client(url, analytics_enabled=False, verbose=False)
    with httpx.Client(base_url=url, timeout=120) as http:
        n = 0
        while not stop.is_set():
            n += 1
            kind = rng.choice(["unique", "repeat", "abandon", "bad", "page"])
            try:
                reason = _one_request(kind, http, page, rng, serial * 100_000 + n)
            except Exception as exc:  # counted with its kind, the soak goes on
                reason = f"{type(exc).__name__}: {str(exc)[:80]}"
            with lock:
                counts[kind] = counts.get(kind, 0) + 1
                if reason:
                    failures[f"{kind}: {reason}"] = failures.get(f"{kind}: {reason}", 0) + 1


def _one_request(kind: str, http: httpx.Client, page, rng: random.Random, serial: int) -> str | None:
    """One request of ``kind``; returns why it failed, or None when it got what it should."""
    if kind == "unique":
        status = http.post("/api/tts", json={"text": unique_text(rng, serial)}).status_code
    elif kind == "repeat":
        status = http.post("/api/tts", json={"text": rng.choice(REPEATED)}).status_code
    elif kind == "abandon":
        body = {"input": unique_text(rng, serial) * 2, "stream": True, "response_format": "pcm"}
        with http.stream("POST", "/v1/audio/speech", json=body) as response:
            next(response.iter_bytes(), None)  # first chunk, then hang up
        status = response.status_code
    elif kind == "bad":
        status = http.post("/api/tts", json={"text": "🎉", "speed": 9}).status_code
        return None if status == 400 else f"HTTP {status} instead of 400"
    else:
        path, _ = page.predict(rng.choice(REPEATED), api_name="/synthesize")
        return None if Path(path).exists() else "the page's file is missing"
    return None if status == 200 else f"HTTP {status}"


def _median_rss(samples: list[dict]) -> float:
    return statistics.median(s["rss_mb"] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as run_dir:
        temp = Path(run_dir) / "tmp"
        temp.mkdir()
        app = start_app(Path(run_dir), "--max-active", "4", "--max-queue", "64", env={"TMPDIR": str(temp)})
        try:
            app.wait_healthy()
            pid = app.pid
            assert pid is not None
            stop, lock, counts, failures = threading.Event(), threading.Lock(), {}, {}
            users = [threading.Thread(target=_user, args=(app.url, i, stop, counts, failures, lock)) for i in range(args.users)]
            for user in users:
                user.start()
            samples = []
            started = time.monotonic()
            while time.monotonic() - started < args.minutes * 60:
                time.sleep(SAMPLE_EVERY_S)
                sample = _proc_stats(pid)
                sample.update(
                    minute=(time.monotonic() - started) / 60,
                    outputs=_count_files(ROOT / "outputs"),
                    temp_files=_count_files(temp),
                )
                samples.append(sample)
                print({k: round(v, 1) for k, v in sample.items()}, dict(counts), dict(failures), flush=True)
            stop.set()
            for user in users:
                user.join(timeout=180)
            healthy = httpx.get(f"{app.url}/health", timeout=10).json()["status"]
        finally:
            app.stop()
        finished = re.findall(r"(synthesis endpoint=\S+ .* total=([0-9.]+)s.*)", app.log())
        server_totals = [float(total) for _line, total in finished]
        if finished:
            print("slowest request:", max(finished, key=lambda item: float(item[1]))[0])
        problems = [line for line in app.log().splitlines() if " WARNING " in line or " ERROR " in line]

    settled = samples[max(0, len(samples) // 5 - 1)]
    last = samples[-1]
    fifth = max(1, len(samples) // 5)
    second, final = samples[fifth : 2 * fifth], samples[-fifth:]
    median_growth = _median_rss(final) / _median_rss(second) - 1
    peak_growth = max(s["rss_mb"] for s in final) / max(s["rss_mb"] for s in second) - 1
    requests = sum(counts.values())
    failed = sum(failures.values())
    why = "; ".join(f"{k} ×{v}" for k, v in sorted(failures.items())) or "none"
    rows = [
        {
            "minutes": f"{args.minutes:g}",
            "users": args.users,
            "requests": requests,
            "failed": failed,
            "median RSS, 2nd fifth → last fifth (MB)": f"{_median_rss(second):.0f} → {_median_rss(final):.0f} "
            f"({median_growth:+.1%})",
            "peak RSS, 2nd fifth → last fifth (MB)": f"{max(s['rss_mb'] for s in second):.0f} → "
            f"{max(s['rss_mb'] for s in final):.0f} ({peak_growth:+.1%})",
            "peak RSS (MB)": f"{max(s['rss_mb'] for s in samples):.0f}",
            "open fds after 1/5 → end": f"{settled['fds']:.0f} → {last['fds']:.0f}",
            "threads after 1/5 → end": f"{settled['threads']:.0f} → {last['threads']:.0f}",
            "outputs/ files (max)": f"{max(s['outputs'] for s in samples):.0f}",
            "temp files (max)": f"{max(s['temp_files'] for s in samples):.0f}",
            "health after": healthy,
            "slowest request (server log, s)": f"{max(server_totals, default=0):.1f}",
        }
    ]
    mix = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    text = table(rows) + f"\n\nFailures by kind and reason: {why}."
    if problems:
        print("server warnings and errors:", *problems[:20], sep="\n")
    print(text)
    if not args.no_write:
        intro = (
            f"`python -m bench.soak --minutes {args.minutes:g} --users {args.users}`: `./start_app.sh --max-active 4` on a "
            f"free port, {args.users} users in a closed loop over a mix of requests ({mix}): unique and repeated API "
            "texts, PCM streams abandoned after the first chunk, bad input (400) and page calls through gradio_client. "
            f"Sampled every {SAMPLE_EVERY_S:g} s; growth is from the end of the first fifth of the run to its end "
            "(targets: RSS growth below 5%, no growth in open files, bounded files on disk). RSS is judged on the median and "
            "the peak of the second and the last fifth of the run, since it rises and falls with the segments in flight."
        )
        write_section(HEADING, f"{HEADING}\n\n{intro}\n\n{text}")


if __name__ == "__main__":
    main()

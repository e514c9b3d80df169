"""Replicas side by side: 2 replicas x 1 worker behind HAProxy against 1 replica x 2 workers direct, one run.

For each layout: 16 closed-loop users (``bench.loadtest.run_level``, unique texts, streamed), the repeat
mix (its texts rendered once beforehand through one replica, so on the replica set the other replica's
hits come from Redis), and peak RSS of every process of the layout. Then, on the replica set only, 16
users asking for whole files while one replica is killed (``kill -9``) half-way: answers, errors and the
balancer's retries and redispatches.

Usage: python -m bench.replicas_bench [--window 60] [--users 16] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.loadtest import REPEATED, peak_rss_mb, run_level
from bench.report import table, write_section
from index_tts.ops.replicas.balancer_admin import BalancerAdmin
from testkit.app_process import ROOT, app_env, free_port, start_app

HEADING = "## Replicas behind HAProxy (`bench/replicas_bench.py`)"


def prime(url: str) -> None:
    """Render the repeat mix's texts once through ``url`` (as ``loadtest.prime_repeated`` does)."""
    with httpx.Client(timeout=300) as http:
        for text in REPEATED:
            http.post(f"{url}/v1/audio/speech", json={"input": text, "voice": "jf_alpha", "response_format": "pcm"})


def cache_counts(health: dict) -> dict[str, int]:
    """Summed cache counters of one server's or every replica's ``/health``."""
    reports = [r["health"] for r in health.get("replicas", [])] or [health]
    total = {"hits": 0, "misses": 0, "shared_hits": 0}
    for report in reports:
        for key in total:
            total[key] += (report.get("cache") or {}).get(key, 0)
    return total


REPEAT_WINDOW_S = 20.0  # the repeat mix is answered from the caches in milliseconds: a short window is plenty


def layout_rows(label: str, url: str, prime_url: str, users: int, window: float) -> list[dict]:
    rows = [run_level(url, users, window, "unique", users)]
    prime(prime_url)
    before = cache_counts(httpx.get(f"{url}/health", timeout=10).json())
    rows.append(run_level(url, users, REPEAT_WINDOW_S, "repeat", 99))
    after = cache_counts(httpx.get(f"{url}/health", timeout=10).json())
    looked = (after["hits"] - before["hits"]) + (after["misses"] - before["misses"])
    rows[-1]["hit_rate"] = round((after["hits"] - before["hits"]) / max(1, looked), 3)
    rows[-1]["redis_hits"] = after["shared_hits"] - before["shared_hits"]
    for row in rows:
        row["layout"] = label
    return rows


def start_replica_set(run_dir: Path, port: int) -> subprocess.Popen:
    log = open(run_dir / "set.log", "ab")  # the process writes it until it stops
    # fresh disk caches: a repeat-mix hit on the second replica must be Redis's, not an earlier run's disk copy
    command = [str(ROOT / "start_app.sh"), "--replicas", "2", "--workers", "2", "--port", str(port),
               "--log-dir", str(run_dir / "logs"), "--max-queue", "256", "--max-active", "128",
               "--audio-cache-dir", str(run_dir / "audio_cache")]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=app_env(run_dir), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((run_dir / "set.log").read_text()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json().get("serving_replicas") == 2:
                return proc
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError("the replica set did not start")


def set_rss(run_dir: Path) -> float:
    """Peak RSS summed over the set's processes: the replicas, HAProxy, Redis (not the supervisor)."""
    record = json.loads((run_dir / "replicas" / "replicas.json").read_text())
    return sum(peak_rss_mb(pid) for pid in record["children"].values())


def killed_replica_round(url: str, run_dir: Path, users: int, window: float) -> dict:
    record = json.loads((run_dir / "replicas" / "replicas.json").read_text())
    admin = BalancerAdmin(run_dir / "replicas" / "haproxy.sock")

    def kill() -> None:
        os.kill(int(record["children"]["r1"]), signal.SIGKILL)

    # whole files take users x a render each: a longer window, so that requests finish before and after the kill
    row = run_level(url, users, 1.5 * window, "unique, whole files, r1 killed half-way", 7, stream=False, during=kill)
    api = admin.servers().get("api", {})
    row["retries"] = sum(int(r.get("wretr") or 0) for r in api.values())
    row["redispatches"] = sum(int(r.get("wredis") or 0) for r in api.values())
    row["layout"] = "2 replicas x 1 worker"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=60.0, help="seconds of each unique-text level")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows, rss = [], {}
    with tempfile.TemporaryDirectory(prefix="replicas-bench-") as tmp:
        direct = start_app(Path(tmp) / "direct", "--workers", "2", "--max-queue", "256", "--max-active", "128")
        try:
            direct.wait_healthy()
            rows += layout_rows("1 replica x 2 workers, direct", direct.url, direct.url, args.users, args.window)
            rss["direct"] = peak_rss_mb(direct.pid)
        finally:
            direct.stop()
        run_dir, port = Path(tmp) / "set", free_port()
        run_dir.mkdir()
        proc = start_replica_set(run_dir, port)
        url = f"http://127.0.0.1:{port}"
        try:
            r1 = next(r for r in httpx.get(f"{url}/health").json()["replicas"] if r["name"] == "r1")
            rows += layout_rows("2 replicas x 1 worker, HAProxy", url, f"http://{r1['address']}", args.users, args.window)
            rss["set"] = set_rss(run_dir)
            rows.append(killed_replica_round(url, run_dir, args.users, args.window))
        finally:
            subprocess.run([str(ROOT / "start_app.sh"), "--stop"], env=app_env(run_dir), capture_output=True, timeout=120)
            proc.wait(timeout=60)
    direct_row, set_row, kill_row = rows[0], rows[2], rows[4]
    ratio = set_row["audio_s_per_s"] / direct_row["audio_s_per_s"] if direct_row["audio_s_per_s"] else float("nan")
    columns = ["layout", "users", "mix", "requests", "first_p50_s", "first_p95_s", "e2e_p50_s", "audio_s_per_s"]
    columns += ["hit_rate", "redis_hits", "refused_503", "errors", "cut_at_end", "retries", "redispatches"]
    report = "\n\n".join(
        [
            HEADING,
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}. Both layouts in one run, "
            f"one after the other, {args.users} closed-loop users for {args.window:.0f} s "
            "(`bench.loadtest.run_level`: unique texts with fresh seeds, streamed pcm; a client refused as busy waits "
            f"its Retry-After), then the repeat mix for {REPEAT_WINDOW_S:.0f} s (its 8 texts "
            "rendered once beforehand through one replica). `hit_rate`: segment lookups the caches answered during "
            "the repeat mix, over every replica; `redis_hits`: those only Redis had (rendered by the other replica). "
            f"Last row: whole-file requests for {1.5 * args.window:.0f} s while replica r1 is killed (`kill -9`) "
            "half-way; `errors`: requests that failed; `cut_at_end`: still waiting when the window closed; `retries` and "
            "`redispatches` are HAProxy's counters on the speech routes.",
            table([{c: r.get(c, "") for c in columns} for r in rows]),
            f"- Throughput, replica set / direct: **{ratio:.2f}x** at {args.users} users "
            f"({set_row['audio_s_per_s']} vs {direct_row['audio_s_per_s']} audio-s/s); first-audio P50 "
            f"{set_row['first_p50_s']} vs {direct_row['first_p50_s']} s, P95 {set_row['first_p95_s']} vs "
            f"{direct_row['first_p95_s']} s.\n"
            f"- Peak RSS: replica set {rss['set']:.0f} MB (2 replicas, HAProxy, Redis) against {rss['direct']:.0f} MB "
            "for the one process.\n"
            f"- Killed replica: {kill_row['requests']} whole files answered, {kill_row['errors']} failed, "
            f"{kill_row['retries']} retried by HAProxy on another replica, {kill_row['cut_at_end']} still waiting at the "
            "end of the window (time-outs of the benchmark's own, not failures).\n"
            "- On one CPU host two replicas share the same cores and hold two models, so they cost throughput and first "
            "audio and buy only that one can die or be updated while the other serves. With a GPU host per replica each "
            "renders on its own device: throughput grows with the hosts, and the balancer and Redis add milliseconds.",
        ]
    )
    print(report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

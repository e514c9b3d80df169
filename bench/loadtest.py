"""Load benchmark: closed-loop users against the HTTP API, for the normal server, --naive, and the raw engine.

Each user sends a request, reads the streamed audio to the end, and sends the
next one, for a fixed window per concurrency level. Texts are unique Chinese
paragraphs of 20-120 characters; the "repeat" mix draws from 8 fixed texts so
the cache answers. The raw engine limit is worker threads calling the engine
directly in this process (no server, no HTTP), the ceiling any server can reach.

With ``--together N`` one more level has N users arriving in the same instant (no ramp): its first
round's first-audio P95 is set against its floor, the time the workers need to render those N
first segments at all (first segments x their cost / cores, measured with the raw engine).

With ``--url URL`` it loads a server that is already running (one replica, or the balancer of a replica
set) instead of starting its own, and prints the table without writing BENCHMARKS.md.

With ``--warmup S`` the first S seconds of each window are not measured: only requests that
start after them count toward latencies, and only audio delivered after them toward
throughput, so a long window shows the steady state of a level rather than its arrival burst.

Usage: python -m bench.loadtest [--window 30] [--warmup 0] [--levels 1,4,16,64] [--together N]
                                [--servers normal,naive] [--mixes unique,repeat] [--url URL] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import percentile, run_all
from bench.report import table, write_section
from testkit.app_process import start_app

ROOT = Path(__file__).resolve().parent.parent

HEADING = "## Serving under load (`bench/loadtest.py`)"
CLAUSES = (
    "欢迎来到人工智能展览馆", "今天我们一起体验语音合成", "请在入口处领取参观手册", "展览将在下午五点结束",
    "下一场讲座马上就要开始了", "洗手间在二楼的左侧", "请保持展厅内的安静", "感谢您的耐心等待",
    "语音合成技术发展得很快", "这台电脑没有连接互联网", "所有的声音都在本地生成", "您可以随时调整语速和音色",
    "城市交通正在变得更加智能", "医生用它来整理病历", "孩子们喜欢听它讲故事", "明天的天气晴转多云",
)  # fmt: skip
PARAGRAPH = "人工智能正在改变我们的生活方式。从清晨的语音助手到夜晚的智能家居，从城市交通到医疗诊断，它已经悄悄走进了每一个角落。我们应该学会与它相处，让技术真正服务于人。"  # noqa: E501


def unique_text(rng: random.Random, serial: int) -> str:
    """A new paragraph of 20-120 characters (a serial number keeps it unique)."""
    target = rng.randint(20, 120)
    text = f"第{serial}号，"
    while len(text) < target:
        text += rng.choice(CLAUSES) + rng.choice("，。！？")
    return text[:target].rstrip("，") + "。"


REPEATED = [unique_text(random.Random(1000 + i), 900_000 + i) for i in range(8)]


def wait_idle(url: str, limit_s: float = 120.0) -> float:
    """Seconds until the server has no request left (those hung up at the end of a level drain first)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        health = httpx.get(f"{url}/health", timeout=10).json()
        # a balancer's health lists its replicas, each with its own
        replicas = [r.get("health", {}) for r in health.get("replicas", [])] or [health]
        if sum(r.get("active_requests") or 0 for r in replicas) == 0:
            break
        time.sleep(0.2)
    return round(time.perf_counter() - started, 2)


def prime_repeated(url: str) -> None:
    """Render the repeat mix's texts once, so that mix measures cached repeats, not their first rendering."""
    with httpx.Client(timeout=300) as http:
        for text in REPEATED:
            http.post(f"{url}/v1/audio/speech", json={"input": text, "voice": "jf_alpha", "response_format": "pcm"})


def run_level(
    url: str,
    users: int,
    window: float,
    mix: str,
    seed: int,
    warmup: float = 0.0,
    together: bool = False,
    stream: bool = True,
    during: Callable[[], None] | None = None,
) -> dict:
    """Closed loop: ``users`` threads, each sending requests back to back for ``window`` seconds;
    the first ``warmup`` seconds are not measured (module docstring). ``together``: no ramp, every
    user's first request leaves at the same instant. ``stream``: False asks for whole files.
    ``during``: run in a thread of its own half-way through the window (a replica killed, say)."""
    drained_s = wait_idle(url)
    first, total, errors, cut, arrival, refused = [], [], [], [], [], []
    lock = threading.Lock()
    deadline = time.perf_counter() + window
    measured_from = deadline - window + warmup
    # audio bytes that arrived between the warm-up and the deadline: a client waiting for its next
    # chunk notices the deadline only when that chunk comes, and what comes late must not count
    window_bytes = [0]

    ramp = 0.0 if together else min(5.0, window / 4)
    gate = threading.Barrier(users) if together else None

    salt = time.time_ns()  # new texts and seeds every run: the disk cache outlives servers and must not answer

    def user(index: int) -> None:
        time.sleep(ramp * index / users)  # arrivals spread over the first seconds, as people do not click in unison
        rng = random.Random(f"{salt}-{seed}-{index}")
        with httpx.Client(timeout=httpx.Timeout(300, connect=10)) as http:
            if gate is not None:
                gate.wait()
            serial = 0
            while time.perf_counter() < deadline:
                serial += 1
                text = rng.choice(REPEATED) if mix == "repeat" else unique_text(rng, rng.randrange(10**6))
                body = {"input": text, "voice": "jf_alpha", "response_format": "pcm", "stream": stream}
                if mix == "unique":  # texts share clauses; a fresh seed keeps every segment out of the cache
                    body["seed"] = rng.randrange(10**9)
                started = time.perf_counter()
                got_first, finished, retry_after = None, True, 0.0
                # no read may outlast the window: a request still waiting when it closes is hung up
                timeout = httpx.Timeout(max(0.5, deadline - started), connect=10)
                try:
                    with http.stream("POST", f"{url}/v1/audio/speech", json=body, timeout=timeout) as response:
                        if response.status_code == 503 and response.headers.get("Retry-After", "").isdigit():
                            retry_after = float(response.headers["Retry-After"])  # busy: come back as told
                        elif response.status_code != 200:
                            response.read()
                            raise RuntimeError(f"HTTP {response.status_code}")
                        for chunk in [] if retry_after else response.iter_raw():
                            if got_first is None and chunk:
                                got_first = time.perf_counter() - started
                            arrived = time.perf_counter()
                            if arrived > deadline:  # window over: hang up, the server drops the rest
                                finished = False
                                break
                            if arrived >= measured_from:
                                with lock:
                                    window_bytes[0] += len(chunk)
                except httpx.ReadTimeout:
                    finished = False
                except Exception as exc:  # counted, not fatal: the error rate is one of the figures
                    if started >= measured_from:  # like every other figure, not during the warm-up
                        with lock:
                            errors.append(str(exc))
                    continue
                if retry_after:
                    with lock:
                        refused.append(retry_after)
                    time.sleep(max(0.0, min(retry_after, deadline - time.perf_counter())))
                    continue
                elapsed = time.perf_counter() - started
                if started < measured_from:
                    continue  # began during the warm-up: not measured
                with lock:
                    if got_first is not None:
                        first.append(got_first)
                        if serial == 1:
                            arrival.append(got_first)
                    (total if finished else cut).append(elapsed)

    if during is not None:
        threading.Timer(window / 2, during).start()
    run_all(user, users, daemon=True)
    measured_s = window - warmup  # clients still waiting at the deadline leave later; that time is not measured
    done = len(total)
    return {
        "users": users,
        "mix": mix + (", together" if together else ""),
        "requests": done,
        "arrival_p95_s": round(percentile(arrival, 95), 3) if together else "",
        "first_p50_s": round(percentile(first, 50), 3),
        "first_p95_s": round(percentile(first, 95), 3),
        "first_p99_s": round(percentile(first, 99), 3),
        "e2e_p50_s": round(percentile(total, 50), 2),
        "e2e_p95_s": round(percentile(total, 95), 2),
        "req_per_s": round(done / measured_s, 3),
        "audio_s_per_s": round(window_bytes[0] / 2 / 24_000 / measured_s, 2),
        "cut_at_end": len(cut),
        "refused_503": len(refused),
        "errors": len(errors),
        "error_rate": round(len(errors) / max(1, done + len(errors)), 3),
        "drained_before_s": drained_s,
    }


def peak_rss_mb(pid: int | None) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 0)
    except (FileNotFoundError, TypeError):
        pass
    return float("nan")


def serve_and_load(
    flags: tuple[str, ...],
    levels: list[int],
    window: float,
    label: str,
    warmup: float = 0.0,
    mixes: tuple[str, ...] = ("unique", "repeat"),
    together: int = 0,
) -> tuple[list[dict], float]:
    with tempfile.TemporaryDirectory(prefix="loadtest-") as run_dir:
        app = start_app(Path(run_dir), "--max-queue", "256", "--max-active", "128", *flags)
        try:
            app.wait_healthy()
            # single user, the 100-character paragraph: the first-audio target is about this case
            single = run_single_paragraph(app.url)
            rows = [run_level(app.url, users, window, "unique", users, warmup) for users in levels if "unique" in mixes]
            if together:
                rows.append(run_level(app.url, together, window, "unique", 1000 + together, warmup, together=True))
            if "--naive" not in flags and "repeat" in mixes:
                prime_repeated(app.url)
                rows.append(run_level(app.url, max(levels[1:2] or levels), window, "repeat", 99, warmup))
            rss = peak_rss_mb(app.pid)
        finally:
            app.stop()
    for row in rows:
        row["server"] = label
    single["server"] = label
    return [single, *rows], rss


def load_url(url: str, levels: list[int], window: float, warmup: float, mixes: tuple[str, ...]) -> list[dict]:
    """The levels against a server someone else started; the table is printed, not written."""
    rows = [run_level(url, users, window, "unique", users, warmup) for users in levels if "unique" in mixes]
    if "repeat" in mixes:
        prime_repeated(url)
        rows.append(run_level(url, max(levels[1:2] or levels), window, "repeat", 99, warmup))
    columns = ["users", "mix", "requests", "first_p50_s", "first_p95_s", "e2e_p50_s", "e2e_p95_s", "audio_s_per_s"]
    columns += ["refused_503", "errors"]
    print(table([{c: r.get(c, "") for c in columns} for r in rows]))
    return rows


def run_single_paragraph(url: str, repeats: int = 5) -> dict:
    first, total = [], []
    with httpx.Client(timeout=120) as http:
        for i in range(repeats):
            body = {"input": PARAGRAPH, "response_format": "pcm", "stream": True, "seed": time.time_ns() % 10**9 + i}
            started = time.perf_counter()
            got = None
            with http.stream("POST", f"{url}/v1/audio/speech", json=body) as response:
                for chunk in response.iter_raw():
                    if got is None and chunk:
                        got = time.perf_counter() - started
            first.append(got)
            total.append(time.perf_counter() - started)
    return {
        "users": 1, "mix": f"{len(PARAGRAPH)}-char paragraph", "requests": repeats,
        "first_p50_s": round(statistics.median(first), 3),
        "first_p95_s": round(max(first), 3), "first_p99_s": round(max(first), 3),
        "e2e_p50_s": round(statistics.median(total), 2), "e2e_p95_s": round(max(total), 2),
        "req_per_s": round(repeats / sum(total), 3), "audio_s_per_s": float("nan"), "error_rate": 0.0,
    }  # fmt: skip


def raw_engine_limit(window: float, together: int = 0) -> dict:
    """Workers calling the engine directly (one 1-thread session per core): the ceiling for any server.
    With ``together``, also the floor of that many requests' first audio: the seconds the workers need
    to render their first segments (cut as the server cuts them) when all arrive at once."""
    from index_tts.engines import create_engine
    from index_tts.engines.base import SynthParams
    from index_tts.frontend import TextFrontend
    from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS

    cores = os.cpu_count() or 1
    engine = create_engine("kokoro", num_sessions=cores, threads_per_session=1)
    frontend = TextFrontend()
    rng = random.Random(7)
    segments = [s for i in range(40) for s in frontend.process(unique_text(rng, i)).segments]
    params = SynthParams(voice="jf_alpha")
    for s in segments[:cores]:
        engine.synthesize(s, params)
    produced = [0.0] * cores
    deadline = time.perf_counter() + window

    def work(k: int) -> None:
        i = k
        while time.perf_counter() < deadline:
            produced[k] += len(engine.synthesize(segments[i % len(segments)], params)) / engine.sample_rate
            i += cores

    wall = run_all(work, cores)
    limit = {"audio_s_per_s": round(sum(produced) / wall, 2), "workers": cores}
    if together:
        firsts = [
            frontend.process(unique_text(rng, 1000 + i), first_max_units=FIRST_SEGMENT_UNITS).segments[0] for i in range(together)
        ]
        began = time.perf_counter()
        with ThreadPoolExecutor(cores) as pool:
            list(pool.map(lambda segment: engine.synthesize(segment, params), firsts))
        limit["first_floor_s"] = round(time.perf_counter() - began, 3)
    engine.close()
    return limit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=float, default=30.0, help="seconds per concurrency level")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds at the start of each window not measured")
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--servers", default="normal,naive", help="which servers to load (the raw limit always runs)")
    parser.add_argument("--mixes", default="unique,repeat")
    parser.add_argument("--together", type=int, default=0, help="one more level: N users arriving at the same instant")
    parser.add_argument("--url", help="load this running server (or balancer) instead of starting one")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    if not 0 <= args.warmup < args.window:
        parser.error("--warmup must be at least 0 and shorter than --window")
    servers, mixes = args.servers.split(","), tuple(args.mixes.split(","))
    if args.url:
        load_url(args.url.rstrip("/"), levels, args.window, args.warmup, mixes)
        return

    raw = raw_engine_limit(args.window, args.together)
    loaded = {
        label: serve_and_load(flags, levels, args.window, label, args.warmup, mixes, args.together)
        if label in servers
        else ([], float("nan"))
        for label, flags in (("normal", ()), ("naive", ("--naive",)))
    }
    (normal, normal_rss), (naive, naive_rss) = loaded["normal"], loaded["naive"]
    rows = normal + naive
    for row in rows:
        row["vs_raw"] = (
            round(row["audio_s_per_s"] / raw["audio_s_per_s"], 2) if row["audio_s_per_s"] == row["audio_s_per_s"] else ""
        )
    by = {(r["server"], r["users"], r["mix"]): r for r in rows}
    lines = []
    for users in levels:
        n, v = by.get(("normal", users, "unique")), by.get(("naive", users, "unique"))
        if n and v and v["audio_s_per_s"]:
            lines.append(f"{users} users: normal/naive throughput {n['audio_s_per_s'] / v['audio_s_per_s']:.2f}x, "
                         f"normal/raw {n['audio_s_per_s'] / raw['audio_s_per_s']:.2f}x, first-audio P95 "
                         f"{n['first_p95_s']} s (naive {v['first_p95_s']} s).")  # fmt: skip
    for row in rows:
        if row.get("arrival_p95_s"):
            lines.append(
                f"{row['server']}, {row['users']} users arriving together: first round's first-audio P95 "
                f"{row['arrival_p95_s']} s against its floor of {raw['first_floor_s']} s ({row['users']} first "
                f"segments rendered by {raw['workers']} workers), throughput {row['vs_raw']}x the raw limit."
            )
    columns = ["server", "users", "mix", "requests", "first_p50_s", "first_p95_s", "first_p99_s", "arrival_p95_s"]
    columns += ["e2e_p50_s", "e2e_p95_s"]
    columns += ["req_per_s", "audio_s_per_s", "vs_raw", "cut_at_end", "refused_503", "error_rate", "drained_before_s"]
    report = "\n\n".join(
        [
            HEADING,
            f"Machine: {platform.machine()}, {os.cpu_count()} cores. Closed-loop users streaming `POST /v1/audio/speech` "
            f"(pcm, stream=true) for {args.window:.0f} s per level, users starting evenly over the first "
            f"{min(5.0, args.window / 4):.0f} s"
            + (f"; the first {args.warmup:.0f} s of each window not measured" if args.warmup else "")
            + (
                f"; at the level marked together, all {args.together} users send their first request at the same instant"
                if args.together
                else ""
            )
            + "; unique Chinese texts of 20-120 characters; "
            "each unique request also has a fresh seed, so no segment comes from the cache; "
            "the repeat mix draws from 8 fixed texts (seed 0), each rendered once beforehand, so the cache answers. "
            "Before each level the benchmark waits until the server has no request left (`drained_before_s`). "
            "First audio is time to the first audio byte at the client. "
            "A client refused as busy (503, admission by expected wait) waits the Retry-After it was given, then sends "
            "a new request (`refused_503` counts refusals; they are not errors). "
            "Requests still running when the window closes are hung up (`cut_at_end`) when their next chunk comes; "
            "their first audio counts, their end-to-end time does not. Throughput is the audio that arrived "
            "inside the measured window, divided by its length (a client waiting at the deadline leaves later). "
            f"Run on {time.strftime('%Y-%m-%d')}.",
            f"Raw engine limit ({raw['workers']} workers x 1 thread calling the engine directly): "
            f"{raw['audio_s_per_s']} audio seconds per second.",
            table([{c: r.get(c, "") for c in columns} for r in rows]),
            f"Peak RSS of the server: normal {normal_rss:.0f} MB, naive {naive_rss:.0f} MB.",
            "\n".join(f"- {line}" for line in lines),
        ]
    )
    print(report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

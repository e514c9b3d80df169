"""IndexTTS2 with cross-request batching on and off, side by side in one run, through the app's scheduler.

One engine (random weights of the chosen size, the real upstream code) serves
two segment schedulers in turn: ``--max-batch 1`` (off) and ``--max-batch N``
with a window (on). At each level, that many users each send ``--rounds``
requests of ``--per-request`` sentences one after another (a user sends the
next when the last has been heard), all users starting together. Measured per
level and mode: throughput (audio seconds per second, requests per second),
first audio P50/P95 (submission to the first sentence's audio), and the mean
segments per engine call. Then the window's cost for a lone user: first audio
at one user with windows of 0, 20 and 50 ms.

A random GPT never stops, so every sentence is capped at ``--max-mel-tokens``:
all modes produce the same audio length, and each request's audio is the same
in both modes (the tests check that sample for sample).

    python -m bench.batching_bench --size tiny             # ~3 min on 2 CPU cores
    python -m bench.batching_bench --size medium --levels 1,2,4,8,16 --write
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import percentile, run_all

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    ("zh", "欢迎来到人工智能展览馆。"),
    ("zh", "今天我们一起看看语音合成的进步。"),
    ("en", "Speech synthesis has come a long way."),
    ("zh", "请跟我来，演示马上开始。"),
    ("zh", "这一段用来测量多人同时使用时的速度。"),
]
HEADING = "## IndexTTS2 dynamic batching (`bench/batching_bench.py`)"


def _segments(user: int, round_: int, count: int) -> list:
    from index_tts.frontend.segment import Segment

    start = (user + round_) % len(SENTENCES)
    picked = [SENTENCES[(start + i) % len(SENTENCES)] for i in range(count)]
    return [Segment(text=text, language=lang, phonemes="") for lang, text in picked]


def _params(user: int, round_: int):
    from index_tts.engines.base import SynthParams

    return SynthParams(voice=("jf_alpha", "jm_kumo", "jf_nezumi")[user % 3], seed=1000 * user + round_)


def load(engine, users: int, rounds: int, per_request: int, max_batch: int, window_ms: float) -> dict[str, float]:
    """``users`` closed-loop users on a fresh scheduler; figures for the whole run."""
    from index_tts.serving.scheduler import SegmentScheduler

    sizes: list[int] = []
    scheduler = SegmentScheduler(
        engine,
        workers=1,  # one model instance, as the app runs IndexTTS2
        max_batch=max_batch,
        batch_window_s=window_ms / 1000,
        on_batch=sizes.append,
    )
    firsts: list[float] = []
    audio = 0.0
    lock = threading.Lock()
    gate = threading.Barrier(users)

    def user(u: int) -> None:
        nonlocal audio
        gate.wait()
        for r in range(rounds):
            submitted = time.perf_counter()
            ticket = scheduler.submit(_segments(u, r, per_request), _params(u, r))
            for index, piece in scheduler.stream(ticket):
                with lock:
                    if index == 0:
                        firsts.append(time.perf_counter() - submitted)
                    audio += len(piece.audio) / engine.sample_rate

    wall = run_all(user, users)
    scheduler.close()
    return {
        "wall_s": wall,
        "audio_s_per_s": audio / wall,
        "requests_per_s": users * rounds / wall,
        "first_p50_s": statistics.median(firsts),
        "first_p95_s": percentile(firsts, 95),
        "mean_batch": sum(sizes) / len(sizes),
        "max_batch_seen": max(sizes),
    }


def compare(engine, levels: list[int], rounds: int, per_request: int, max_batch: int, window_ms: float) -> list[dict]:
    """Batching off and on at each level, one after the other on the same engine."""
    rows = []
    for users in levels:
        off = load(engine, users, rounds, per_request, 1, 0.0)
        on = load(engine, users, rounds, per_request, max_batch, window_ms)
        rows.append(
            {
                "users": users,
                "audio-s/s off": round(off["audio_s_per_s"], 3),
                "audio-s/s on": round(on["audio_s_per_s"], 3),
                "speed-up": round(on["audio_s_per_s"] / off["audio_s_per_s"], 2),
                "req/s off": round(off["requests_per_s"], 3),
                "req/s on": round(on["requests_per_s"], 3),
                "first P50 off s": round(off["first_p50_s"], 2),
                "first P50 on s": round(on["first_p50_s"], 2),
                "first P95 off s": round(off["first_p95_s"], 2),
                "first P95 on s": round(on["first_p95_s"], 2),
                "segments per call on": f"{on['mean_batch']:.1f} (max {on['max_batch_seen']})",
            }
        )
        logging.info("level %d: %s", users, rows[-1])
    return rows


def window_cost(engine, rounds: int, per_request: int, max_batch: int, windows: list[float]) -> list[dict]:
    """A lone user's first audio with batching on at each window (a lone request is never held)."""
    rows = []
    for window in windows:
        lone = load(engine, 1, rounds, per_request, max_batch, window)
        rows.append(
            {
                "window ms": window,
                "first audio P50 s": round(lone["first_p50_s"], 3),
                "first audio P95 s": round(lone["first_p95_s"], 3),
            }
        )
    return rows


def batch_sizes(engine, users: int, rounds: int, per_request: int, sizes: list[int], window_ms: float) -> list[dict]:
    """``--max-batch``'s trade-off at one load: throughput against first audio, for each batch size."""
    rows = []
    for size in sizes:
        run = load(engine, users, rounds, per_request, size, window_ms if size > 1 else 0.0)
        rows.append(
            {
                "--max-batch": size,
                "audio-s/s": round(run["audio_s_per_s"], 3),
                "first P50 s": round(run["first_p50_s"], 2),
                "first P95 s": round(run["first_p95_s"], 2),
            }
        )
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from index_tts.engines.indextts2 import random_weights as indextts2_random
    from index_tts.engines.indextts2.engine import IndexTTS2Engine

    torch.set_num_threads(args.threads or torch.get_num_threads())
    model_dir = Path(args.work) / f"indextts2-random-{args.size}"
    if not (model_dir / indextts2_random.MARKER).exists():
        indextts2_random.write(model_dir, args.size, seed=0)
    engine = IndexTTS2Engine(model_root=model_dir, device=args.device, max_mel_tokens=args.max_mel_tokens)
    engine.synthesize(_segments(0, 0, 1)[0], _params(0, 0))  # warm-up: the first call pays for lazy set-up
    for voice in ("jm_kumo", "jf_nezumi"):  # each voice's conditioning, as the app's warm-up does
        engine.synthesize(_segments(0, 0, 1)[0], _params(1 if voice == "jm_kumo" else 2, 0))
    report: dict[str, Any] = {
        "size": args.size,
        "device": args.device,
        "torch_threads": torch.get_num_threads(),
        "max_mel_tokens": args.max_mel_tokens,
        "per_request": args.per_request,
        "rounds": args.rounds,
        "max_batch": args.max_batch,
        "window_ms": args.window_ms,
    }
    if args.device.startswith("cuda"):
        report["gpu"] = torch.cuda.get_device_name(0)
    started = time.perf_counter()
    report["levels"] = compare(engine, args.levels, args.rounds, args.per_request, args.max_batch, args.window_ms)
    report["window"] = window_cost(engine, args.rounds, args.per_request, args.max_batch, [0.0, 20.0, 50.0])
    report["tradeoff_users"] = args.tradeoff_users
    report["tradeoff"] = (
        batch_sizes(engine, args.tradeoff_users, args.rounds, args.per_request, [1, 2, 4, 8, 16], args.window_ms)
        if args.tradeoff_users
        else []
    )
    report["seconds"] = round(time.perf_counter() - started)
    return report


def markdown(report: dict[str, Any]) -> str:
    from bench.report import table

    best = max(report["levels"], key=lambda r: r["speed-up"])
    where = report.get("gpu") or f"this machine's CPU ({report['torch_threads']} torch threads)"
    return "\n".join(
        [
            f"### {report['size']} random weights on {where}",
            "",
            f"{report['per_request']} sentences per request, {report['rounds']} requests per user one after another, "
            f"every sentence capped at {report['max_mel_tokens']} speech tokens (a random GPT never stops); "
            f"batching on = `--max-batch {report['max_batch']} --batch-window-ms {report['window_ms']:g}`, "
            f"off = `--max-batch 1`; both on one loaded model, in one run of {report['seconds']} s.",
            "",
            table(report["levels"]),
            "",
            f"Best speed-up: **{best['speed-up']}×** at {best['users']} users.",
            "",
            "A lone user's first audio by window (batching on):",
            "",
            table(report["window"]),
            "",
        ]
        + (
            [
                f"`--max-batch` at {report['tradeoff_users']} users: throughput against first audio",
                "",
                table(report["tradeoff"]),
                "",
            ]
            if report["tradeoff"]
            else []
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "medium", "full"], default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--levels", default="1,2,4,8,16", help="concurrent users, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="requests per user, one after another")
    parser.add_argument("--per-request", type=int, default=2, help="sentences per request")
    parser.add_argument("--max-batch", type=int, default=8, help="segments decoded together with batching on")
    parser.add_argument("--tradeoff-users", type=int, default=8, help="users for the --max-batch trade-off rows (0: none)")
    parser.add_argument("--window-ms", type=float, default=20.0)
    parser.add_argument("--max-mel-tokens", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--work", default=str(ROOT / "cache_hub" / "bench"), help="where the random weights go")
    parser.add_argument("--json", type=Path, default=None, help="write the raw figures here")
    parser.add_argument("--write", action="store_true", help="replace this size's part of BENCHMARKS.md")
    args = parser.parse_args()
    args.levels = [int(x) for x in args.levels.split(",") if x]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    report = run(args)
    text = markdown(report)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.write:
        from bench.report import BENCHMARKS

        write_subsection(BENCHMARKS, report["size"], report.get("gpu"), text)
    return 0


def write_subsection(path: Path, size: str, gpu: str | None, text: str) -> None:
    """Put ``text`` under the batching section, replacing an earlier run of the same size and device."""
    existing = path.read_text(encoding="utf-8")
    if HEADING not in existing:
        existing = existing.rstrip() + f"\n\n{HEADING}\n\n"
    head, _, rest = existing.partition(HEADING)
    end = rest.find("\n## ")
    section, tail = (rest, "") if end < 0 else (rest[:end], rest[end:])
    marker = f"### {size} random weights on {gpu or 'this machine'}"
    parts = section.split("\n### ")
    kept = [parts[0]] + ["### " + p for p in parts[1:] if not ("### " + p).startswith(marker)]
    section = "\n".join(p.rstrip() + "\n" for p in kept if p.strip()) + "\n" + text
    path.write_text(head + HEADING + "\n" + section.rstrip() + "\n" + tail, encoding="utf-8")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    sys.exit(main())

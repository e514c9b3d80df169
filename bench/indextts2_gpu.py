"""IndexTTS2 speed through the app's engine and scheduler, on random weights: one command for a GPU machine.

It builds random-weight checkpoints (``--size full``: the release's dimensions;
compute does not depend on the weights' values), loads the real upstream model
through ``IndexTTS2Engine`` and measures, in-process (the web stack need not be
installed):
- load time, and first audio of one sentence with upstream's ``stream_return``;
- RTF of one request of several sentences through the segment scheduler;
- throughput and first-audio latency at each concurrency level, scheduled (our
  segment scheduler, first segments first) against naive (upstream WebUI's way:
  one request at a time, no audio until its whole text is rendered);
- peak GPU memory (or peak RSS on a CPU), and fp16 against fp32 on a GPU;
- cross-request batching on and off at each number of users (``bench/batching_bench.py``).
A random GPT never emits its stop token, so every segment is capped at
``--max-mel-tokens`` (50 tokens are about a second of speech): the figures are
for speech of that length per sentence.

The lent GPU machine has torch, transformers and accelerate but not the rest;
``bench/gpu_carry.sh`` gathers the small wheels that travel, and librosa (whose
numba is too big to travel) is replaced by ``bench/gpu_shims`` when it is missing.
Upstream's text normaliser (nemo, whose pynini is 155 MB) is skipped the same way:
text normalisation is CPU work of milliseconds.

    python -m bench.indextts2_gpu --size tiny --device cpu --levels 1,4     # proves the script on a CPU
    python3 -m bench.indextts2_gpu --size full --device cuda --report $OUT/indextts2_gpu.md
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import run_all

ROOT = Path(__file__).resolve().parent.parent
try:
    import librosa  # noqa: F401
except ImportError:  # not installed, or its numba is not (see the module docstring): the shim stands in
    from bench.gpu_shims import librosa as _shim

    sys.modules["librosa"], sys.modules["librosa.filters"] = _shim, _shim.filters

log = logging.getLogger("indextts2_gpu")

SENTENCES = [
    ("zh", "欢迎来到人工智能展览馆。"),
    ("zh", "今天我们一起看看语音合成的进步。"),
    ("en", "Speech synthesis has come a long way."),
    ("zh", "请跟我来，演示马上开始。"),
]


def skip_text_normaliser_if_missing() -> bool:
    """Without nemo-text-processing, upstream's normaliser passes text through unchanged; True when it does."""
    try:
        import nemo_text_processing  # noqa: F401

        return False
    except ImportError:
        pass
    from indextts.utils import front

    front.TextNormalizer.load = lambda self: None
    front.TextNormalizer.normalize = lambda self, text: text
    return True


class Memory:
    """Peak GPU memory since the last reset (CUDA), else the process's peak RSS."""

    def __init__(self, device: str) -> None:
        import torch

        self.cuda = device.startswith("cuda") and torch.cuda.is_available()
        self.torch = torch

    def reset(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()
            self.torch.cuda.reset_peak_memory_stats()

    def peak_gb(self) -> float:
        if self.cuda:
            self.torch.cuda.synchronize()
            return self.torch.cuda.max_memory_allocated() / 2**30
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def load_engine(model_dir: Path, device: str, fp16: bool, cap: int):
    from index_tts.engines.indextts2.engine import IndexTTS2Engine

    started = time.perf_counter()
    engine = IndexTTS2Engine(model_root=model_dir, device=device, use_fp16=fp16, max_mel_tokens=cap)
    return engine, time.perf_counter() - started


def params(seed: int = 1):
    from index_tts.engines.base import SynthParams

    return SynthParams(voice="jf_alpha", seed=seed)


def segments(count: int) -> list:
    from index_tts.frontend.segment import Segment

    return [Segment(text=text, language=lang, phonemes="") for lang, text in (SENTENCES * count)[:count]]


def first_audio(engine) -> float:
    """Seconds until ``stream_return`` yields the first piece of one sentence (median of 3)."""
    times = []
    for i in range(3):
        started = time.perf_counter()
        stream = engine.stream(segments(1)[0], params(i))
        next(iter(stream))
        times.append(time.perf_counter() - started)
        for _ in stream:
            pass
    return statistics.median(times)


def scheduled(engine, requests: int, per_request: int) -> dict[str, float]:
    """``requests`` submitted at once to the segment scheduler; first-audio latency and throughput."""
    from index_tts.serving.scheduler import SegmentScheduler

    scheduler = SegmentScheduler(engine, workers=1)  # one model instance renders one call at a time
    started = time.perf_counter()
    firsts, audio = [], 0.0
    lock = threading.Lock()

    def listen(ticket) -> None:
        nonlocal audio
        for index, piece in scheduler.stream(ticket):
            with lock:
                if index == 0:
                    firsts.append(time.perf_counter() - started)
                audio += len(piece.audio) / engine.sample_rate

    tickets = [scheduler.submit(segments(per_request), params(i)) for i in range(requests)]
    run_all(lambda i: listen(tickets[i]), len(tickets))
    wall = time.perf_counter() - started
    scheduler.close()
    return {"wall_s": wall, "audio_s": audio, "first_p50_s": statistics.median(firsts), "first_max_s": max(firsts)}


def naive(engine, requests: int, per_request: int) -> dict[str, float]:
    """Upstream WebUI's way: one request at a time, no audio until its whole text is rendered.

    Its sentences are rendered one by one as upstream does inside ``infer``; giving
    upstream the whole text at once would cap the whole text, not each sentence, at
    ``max_mel_tokens``, and so produce less audio than the scheduled run.
    """
    started = time.perf_counter()
    firsts, audio = [], 0.0
    for i in range(requests):
        for segment in segments(per_request):
            audio += len(engine.synthesize(segment, params(i))) / engine.sample_rate
        firsts.append(time.perf_counter() - started)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "audio_s": audio, "first_p50_s": statistics.median(firsts), "first_max_s": max(firsts)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from index_tts.engines.indextts2 import random_weights as indextts2_random

    deadline = time.monotonic() + args.budget_s
    report: dict[str, Any] = {"size": args.size, "device": args.device, "max_mel_tokens": args.max_mel_tokens}
    report["max_batch"] = args.max_batch
    report["torch"] = torch.__version__
    if args.device.startswith("cuda"):
        report["gpu"] = torch.cuda.get_device_name(0)
    model_dir = Path(args.work) / f"indextts2-random-{args.size}"
    started = time.perf_counter()
    report["build_s"] = None  # already there
    if not (model_dir / indextts2_random.MARKER).exists():
        indextts2_random.write(model_dir, args.size, seed=0)
        report["build_s"] = round(time.perf_counter() - started, 1)
    report["checkpoint_gb"] = round(indextts2_random.folder_bytes(model_dir) / 2**30, 2)
    report["normaliser_skipped"] = skip_text_normaliser_if_missing()
    import librosa

    report["librosa_shim"] = "gpu_shims" in (librosa.__file__ or "")

    memory = Memory(args.device)
    memory.reset()
    engine, load_s = load_engine(model_dir, args.device, False, args.max_mel_tokens)
    report["load_s"] = round(load_s, 1)
    report["load_peak_gb"] = round(memory.peak_gb(), 2)
    engine.synthesize(segments(1)[0], params())  # warm-up: the first call pays for lazy set-up
    report["first_audio_stream_s"] = round(first_audio(engine), 3)

    memory.reset()
    single = scheduled(engine, 1, args.per_request)
    report["rtf"] = round(single["wall_s"] / single["audio_s"], 3)
    report["audio_per_request_s"] = round(single["audio_s"], 2)
    report["request_peak_gb"] = round(memory.peak_gb(), 2)
    seconds_per_request = single["wall_s"]

    rows = []
    for level in args.levels:
        needed = 2.2 * level * seconds_per_request  # both modes
        if time.monotonic() + needed > deadline:
            rows.append({"concurrent": level, "note": f"not measured: needs ~{needed:.0f} s, over the time budget"})
            continue
        memory.reset()
        ours = scheduled(engine, level, args.per_request)
        ours_peak = memory.peak_gb()
        upstream = naive(engine, level, args.per_request)
        rows.append(
            {
                "concurrent": level,
                "scheduled audio-s/s": round(ours["audio_s"] / ours["wall_s"], 3),
                "naive audio-s/s": round(upstream["audio_s"] / upstream["wall_s"], 3),
                "scheduled first audio P50 s": round(ours["first_p50_s"], 2),
                "naive first audio P50 s": round(upstream["first_p50_s"], 2),
                "scheduled first audio max s": round(ours["first_max_s"], 2),
                "naive first audio max s": round(upstream["first_max_s"], 2),
                "peak GB": round(ours_peak, 2),
            }
        )
    report["levels"] = rows

    # cross-request batching on and off, side by side (bench/batching_bench.py's closed-loop users)
    from bench.batching_bench import compare

    levels = [lv for lv in args.batching_levels if time.monotonic() + 3 * lv * seconds_per_request < deadline]
    report["batching"] = compare(engine, levels, 1, args.per_request, args.max_batch, args.window_ms) if levels else []
    report["batching_skipped"] = [lv for lv in args.batching_levels if lv not in levels]

    if args.device.startswith("cuda") and time.monotonic() + 3 * load_s + 2 * seconds_per_request < deadline:
        del engine
        torch.cuda.empty_cache()
        memory.reset()
        half, half_load = load_engine(model_dir, args.device, True, args.max_mel_tokens)
        half.synthesize(segments(1)[0], params())
        fp16 = scheduled(half, 1, args.per_request)
        report["fp16"] = {"load_s": round(half_load, 1), "rtf": round(fp16["wall_s"] / fp16["audio_s"], 3),
                          "peak_gb": round(memory.peak_gb(), 2)}  # fmt: skip
    else:
        report["fp16"] = "not measured (CPU: upstream runs fp32 there)" if not args.device.startswith("cuda") else (
            "not measured: over the time budget"
        )  # fmt: skip
    return report


def markdown(report: dict[str, Any]) -> str:
    from bench.report import table

    where = report.get("gpu") or "this machine's CPU"
    lines = [
        f"### IndexTTS2 {report['size']} random weights on {where} (`bench/indextts2_gpu.py`)",
        "",
        f"torch {report['torch']}; speech-token cap {report['max_mel_tokens']} per sentence; checkpoints "
        f"{report['checkpoint_gb']} GB, "
        + (f"built in {report['build_s']} s" if report["build_s"] is not None else "written by an earlier run")
        + "; text normaliser "
        f"{'skipped (nemo not installed)' if report['normaliser_skipped'] else 'nemo'}; librosa "
        f"{'shim (bench/gpu_shims)' if report['librosa_shim'] else 'installed'}.",
        "",
        table(
            [
                {
                    "load s": report["load_s"],
                    "load peak GB": report["load_peak_gb"],
                    "first audio (stream) s": report["first_audio_stream_s"],
                    "RTF (1 request)": report["rtf"],
                    "audio per request s": report["audio_per_request_s"],
                    "request peak GB": report["request_peak_gb"],
                    "fp16": json.dumps(report["fp16"]) if isinstance(report["fp16"], dict) else report["fp16"],
                }
            ]
        ),
        "",
    ]
    measured = [r for r in report["levels"] if "note" not in r]
    if measured:
        lines += [table(measured), ""]
    lines += [f"- {r['concurrent']} concurrent: {r['note']}" for r in report["levels"] if "note" in r]
    if report.get("batching"):
        lines += ["", f"Batching on (`--max-batch {report['max_batch']}`) against off, closed-loop users:", ""]
        lines += [table(report["batching"]), ""]
    if report.get("batching_skipped"):
        lines += [f"- batching not measured at {report['batching_skipped']} users: over the time budget"]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "medium", "full"], default="full")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--levels", default="1,4,8,16", help="concurrent requests to measure, comma-separated")
    parser.add_argument("--per-request", type=int, default=2, help="sentences per request")
    parser.add_argument("--batching-levels", default="1,2,4,8,16", help="users for batching on/off, comma-separated")
    parser.add_argument("--max-batch", type=int, default=16, help="segments per engine call with batching on")
    parser.add_argument("--window-ms", type=float, default=20.0, help="batch window with batching on")
    parser.add_argument("--max-mel-tokens", type=int, default=None, help="default: 150 (full), 50 (tiny)")
    parser.add_argument("--budget-s", type=float, default=420.0, help="stop measuring new levels past this")
    parser.add_argument("--work", default=str(ROOT / "cache_hub" / "bench"), help="where the random weights go")
    parser.add_argument("--report", type=Path, default=None, help="write the Markdown here as well")
    parser.add_argument("--json", type=Path, default=None, help="write the raw figures here")
    args = parser.parse_args()
    args.levels = [int(x) for x in args.levels.split(",") if x]
    args.batching_levels = [int(x) for x in args.batching_levels.split(",") if x]
    args.max_mel_tokens = args.max_mel_tokens or (150 if args.size == "full" else 50)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    report = run(args)
    text = markdown(report)
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

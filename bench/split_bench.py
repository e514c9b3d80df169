"""Cost of the split graph: the single Kokoro graph against the three split stages, with and without
Mandarin tone contours, measured side by side on the same segments in one run.

Usage: python -m bench.split_bench [--repeats 5] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.report import table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend

TEXTS = {
    "zh short": "你好，欢迎光临。",
    "zh clause": "今天天气很好，我们一起去公园散步吧。",
    "zh long": "人工智能正在改变我们的生活方式，从清晨的语音助手到夜晚的智能家居，它已经走进了每一个角落。",
    "en": "The train leaves at nine in the morning, so please be on time.",
}
LAYOUTS = {
    "single graph": {"graph": "full"},
    "split": {"graph": "split", "intonation": False},
    "split + tones": {"graph": "split", "intonation": True},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    args = parser.parse_args()

    frontend = TextFrontend()
    engines = {name: create_engine("kokoro", **options) for name, options in LAYOUTS.items()}
    rows = []
    ratios = []
    for label, text in TEXTS.items():
        segments = frontend.process(text).segments
        params = SynthParams(voice="jf_alpha")
        row: dict = {"text": f"{label} ({len(text)} chars)"}
        times = {}
        for engine in engines.values():
            for segment in segments:  # warm this shape once
                engine.synthesize(segment, params)
        for _ in range(args.repeats):  # interleaved, so drift in machine load hits every layout alike
            for name, engine in engines.items():
                started = time.perf_counter()
                audio_samples = sum(len(engine.synthesize(s, params)) for s in segments)
                times.setdefault(name, []).append((time.perf_counter() - started, audio_samples / 24_000))
        base = statistics.median(t for t, _ in times["single graph"])
        for name, values in times.items():
            compute = statistics.median(t for t, _ in values)
            audio = values[0][1]
            row[f"{name} RTF"] = f"{compute / audio:.3f}"
            if name != "single graph":
                row[f"{name} / single"] = f"{compute / base:.2f}×"
                ratios.append((name, compute / base))
        rows.append(row)
        print(row, flush=True)
    text = table(rows)
    summary = "; ".join(
        f"{name}: median {statistics.median(r for n, r in ratios if n == name):.2f}× the single graph's time"
        for name in LAYOUTS
        if name != "single graph"
    )
    print(text + "\n\n" + summary)
    if args.write:
        heading = "## Split graph cost (`bench/split_bench.py`)"
        intro = (
            f"`python -m bench.split_bench --write`: one worker with every core, voice jf_alpha, median of "
            f"{args.repeats} interleaved runs per text. The split path runs the encoder, prosody and decoder "
            "stages with the frame alignment rebuilt in numpy between them; tones add the contour arithmetic "
            "and, once per voice, a register measurement."
        )
        write_section(heading, f"{heading}\n\n{intro}\n\n{text}\n\n{summary}.")


if __name__ == "__main__":
    main()

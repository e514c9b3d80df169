"""Every offered Mandarin voice on the held-out benchmark, the native packs with and without the tone layer.

Usage: python -m bench.native_voices_bench [--json OUT] [--load RUN.json] [--no-write]

The rule, fixed before the first run of this script: each voice's figure is its mean CER on the 62
benchmark sentences (``bench/cer_bench.py``'s path and judge) in the configuration the app offers it in
(a native pack with the tone layer only where ``NATIVE_TONE_LAYER`` gives it, which the dev set decided).
The bound is checked on that figure: every offered Mandarin voice (the eight native packs and the five
house voices) within 1.5 points of the best native pack, and the Mandarin default
(``catalog.LANGUAGE_DEFAULTS["zh"]``) at most that best one. The other configuration of each native pack
is run beside it for the record; the layer choice stays the dev set's (held-out sentences choose nothing).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
from pathlib import Path

from bench.cer_bench import run, summary
from bench.report import table, write_section
from index_tts.engines.kokoro import catalog, engine
from testkit.mandarin_sentences import BENCHMARK, MIXED

HEADING = "## Every Mandarin voice on the benchmark (`bench/native_voices_bench.py`)"
HOUSE = ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
MANDARIN = [voice for voice in catalog.NATIVE_VOICES if catalog.language_of(voice) == "zh"]
BOUND_POINTS = 1.5


def measure() -> dict:
    """``offered``: every Mandarin voice as the app offers it; ``other``: each native pack the other way."""
    offered = run([*MANDARIN, *HOUSE], BENCHMARK)
    given = set(engine.NATIVE_TONE_LAYER)
    engine.NATIVE_TONE_LAYER.clear()
    engine.NATIVE_TONE_LAYER.update(set(MANDARIN) - given)  # each native pack the other way
    try:
        other = run(MANDARIN, BENCHMARK)
    finally:
        engine.NATIVE_TONE_LAYER.clear()
        engine.NATIVE_TONE_LAYER.update(given)
    return {"layer_given": sorted(given), "offered": offered, "other": other}


def report(results: dict) -> str:
    given = set(results["layer_given"])
    offered, other = results["offered"], results["other"]
    mean = {voice: summary(rows)["mean"] for voice, rows in offered.items()}
    best = min(MANDARIN, key=lambda v: mean[v])
    default = catalog.LANGUAGE_DEFAULTS["zh"]
    rows = []
    for voice, voice_rows in offered.items():
        native = voice in MANDARIN
        layered = voice in given or not native
        row = {
            "voice": voice + ("" if native else " (house)") + (" (default)" if voice == default else ""),
            "tone layer offered": "yes" if layered else "no",
            "mean CER as offered": f"{mean[voice]:.1%}",
            "without the mixed group": f"{statistics.mean(r['cer'] for r in voice_rows if r['group'] != MIXED):.1%}",
            "behind the best native": f"{(mean[voice] - mean[best]) * 100:+.1f} points",
            "within 1.5": "yes" if mean[voice] - mean[best] <= BOUND_POINTS / 100 + 1e-9 else "**no**",
        }
        if native:
            row["the other way"] = f"{summary(other[voice])['mean']:.1%} ({'without' if layered else 'with'} the layer)"
        else:
            row["the other way"] = "—"
        rows.append(row)
    outside = [r["voice"] for r in rows if r["within 1.5"] != "yes"]
    lines = [
        HEADING,
        "",
        f"`python -m bench.native_voices_bench`: the {len(next(iter(offered.values())))} held-out benchmark sentences "
        "(`testkit/mandarin_sentences.py`, not used to choose anything) read by every offered Mandarin voice through the "
        'app\'s path with default settings, judged by Whisper base as in "Mandarin intelligibility". The rule (fixed '
        "before the first run, in the script's docstring): a voice's figure is its mean CER as the app offers it; every "
        f"offered Mandarin voice within {BOUND_POINTS} points of the best native pack, and the Mandarin default at most "
        "that best one. Each native pack is also run the other way (with the tone layer where it is offered without, "
        "and the reverse), for the record: the layer choice stays the dev set's.",
        "",
        table(rows),
        "",
        f"Best native pack: {best} ({mean[best]:.1%}). The default, {default}: {mean[default]:.1%}"
        + (" (the best)." if mean[default] <= mean[best] + 1e-9 else f", {(mean[default] - mean[best]) * 100:.1f} points behind.")
        + (f" Outside the bound: {', '.join(outside)}." if outside else " Every offered voice is within the bound."),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="keep every transcript and score here")
    parser.add_argument("--load", type=Path, help="report an earlier run (its --json) instead of running again")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md as it is")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = json.loads(args.load.read_text(encoding="utf-8")) if args.load else measure()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    text = report(results)
    print("\n" + text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()

"""Speed guard: the figures that matter for this working tree and for a stored baseline revision, side by
side in one run, and which of them moved by more than the noise measured in that run.

Run it before and after any change to the engine, the front-end or the serving path, and quote its table.

Figures, per side and round (the client is always this checkout's; each side serves with its own code):
- start-up: seconds from ``./start_app.sh`` to a healthy ``/health``;
- first sound for a lone visitor per language (``bench.first_sound``: time to the first audible sample of a
  streamed ``/v1/audio/speech``, cache off), two held-out sentences per language, every voice the side lists;
- RTF per voice: the engine in-process (1 session x every core) reading one paragraph, compute / audio seconds;
- 16 users: closed-loop clients that honour Retry-After (``bench.loadtest``), first-audio P95 and
  throughput against the raw engine limit, measured at the start of each round on this checkout.

The baseline is a revision, kept in ``bench/speed_baseline.txt``; it is checked out in a temporary git
worktree that borrows this checkout's ``.venv`` and a copy of its prepared model (``compare_revisions``). Sides take turns (A B,
then B A). Noise is each figure's spread between a side's own rounds (the largest relative distance of a
round from its side's median, both sides together); a figure has moved when the ratio of the medians is
further from 1 than that noise and than ``--floor``. It is a benchmark, not a test: it prints figures,
asserts nothing, and writes its table to BENCHMARKS.md with ``--write``.

Usage: python -m bench.speed_guard [--base REV] [--rounds 2] [--window 30] [--voices a,b] [--write] [--accept]

``--voices`` measures first sound with those voices only (each side skips a name it does not list): with 50
voices, a round of every voice takes about ten minutes a side.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import first_sound
from bench.compare_revisions import run_in, worktree
from bench.loadtest import run_level
from bench.report import table, write_section
from testkit.app_process import start_app

ROOT = Path(__file__).resolve().parent.parent
BASELINE_FILE = ROOT / "bench" / "speed_baseline.txt"
HEADING = "## Speed guard (`bench/speed_guard.py`)"
GUARD_SENTENCES = {language: texts[:2] for language, texts in first_sound.HELD_OUT.items()}
USERS = 16

# Run inside one side's checkout: its own engine, each voice reading the same paragraph (1 session x every core).
RTF = """
import json, logging, os, time
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from index_tts.serving.synthesizer import Synthesizer
logging.basicConfig(level=logging.WARNING)
engine = create_engine("kokoro", num_sessions=1, threads_per_session=os.cpu_count() or 1)
synth = Synthesizer(engine, TextFrontend())
synth.synthesize("预热。", SynthParams(voice=engine.voices()[0]))
out = {{}}
for voice in getattr(engine, "house_voices", engine.voices)():  # the voices both sides have
    compute = audio = 0.0
    for text in {texts!r}:
        started = time.perf_counter()
        result = synth.synthesize(text, SynthParams(voice=voice))
        compute += time.perf_counter() - started
        audio += len(result.audio) / result.sample_rate
    out[voice] = round(compute / audio, 3)
engine.close()
print("RESULT " + json.dumps(out))
"""
RTF_TEXTS = [
    "博物馆的新展厅今天正式开放，展出了三百多件珍贵的青铜器和陶瓷。",
    "The new gallery opens today with more than three hundred bronze and ceramic pieces.",
]
RAW = """
import json
from bench import loadtest as L
print("RESULT " + json.dumps(L.raw_engine_limit({window})))
"""


def baseline_revision() -> str:
    return BASELINE_FILE.read_text(encoding="utf-8").split()[0]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def serving_figures(tree: Path, window: float, raw: float, only: list[str] | None = None) -> dict[str, float]:
    """Start the side's app (cache off), time it to healthy, then a lone visitor (every voice it lists, or those
    of ``only`` it lists), then 16 users."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="speed-guard-") as run_dir:
        app = start_app(Path(run_dir), "--no-cache", "--max-queue", "256", root=tree, env={"HF_HOME": str(tree / "cache_hub")})
        try:
            app.wait_healthy()
            out["start-up: to healthy s"] = round(time.perf_counter() - app.started_at, 2)
            voices = [v for v in first_sound.voices_of(app.url) if only is None or v in only]
            rows = first_sound.measure(app.url, GUARD_SENTENCES, voices)
            for row in first_sound.summarize(rows):
                out[f"first sound {row['language']}: p50 s"] = row["first_audible_p50_s"]
            load = run_level(app.url, USERS, window, "unique", USERS)
            out[f"{USERS} users: first audio p95 s"] = load["first_p95_s"]
            out[f"{USERS} users: audio-s/s"] = load["audio_s_per_s"]
            out[f"{USERS} users: vs raw engine"] = round(load["audio_s_per_s"] / raw, 3)
            out[f"{USERS} users: errors"] = load["error_rate"]
        finally:
            app.stop()
    return out


def moved(before: list[float], after: list[float], floor: float) -> tuple[float, float, str]:
    """Ratio of the medians, the noise, and whether the figure moved beyond both."""
    b, a = statistics.median(before), statistics.median(after)
    spreads = [abs(v / statistics.median(side) - 1) for side in (before, after) for v in side if statistics.median(side)]
    noise = max(spreads, default=0.0)
    ratio = a / b if b else float("nan")
    verdict = ("higher" if ratio > 1 else "lower") if abs(ratio - 1) > max(noise, floor) else ""
    return round(ratio, 3), round(noise, 3), verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help=f"revision to compare with (default: {BASELINE_FILE.name})")
    parser.add_argument("--against", help="measure this revision instead of the working tree (to explain an old change)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--window", type=float, default=30.0, help="seconds of the 16-user level and of the raw limit")
    parser.add_argument("--floor", type=float, default=0.05, help="smallest change reported as moved")
    parser.add_argument("--write", action="store_true", help="write the table to BENCHMARKS.md")
    parser.add_argument("--accept", action="store_true", help="afterwards, store HEAD as the new baseline")
    parser.add_argument("--voices", help="first sound with these voices only (comma-separated)")
    args = parser.parse_args()
    base = git("rev-parse", "--short", args.base or baseline_revision())
    if args.against:
        head = git("rev-parse", "--short", args.against)
    else:
        head = git("rev-parse", "--short", "HEAD") + (" + changes" if git("status", "--porcelain") else "")
    figures: dict[str, dict[str, list[float]]] = {"baseline": {}, "tree": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="speed-guard-") as tmp:
        sides = {"baseline": worktree(base, Path(tmp) / "baseline")}
        sides["tree"] = worktree(head, Path(tmp) / "tree") if args.against else ROOT
        try:
            for round_ in range(args.rounds):
                raw = run_in(ROOT, RAW.format(window=args.window))["audio_s_per_s"]
                for side in ("baseline", "tree") if round_ % 2 == 0 else ("tree", "baseline"):
                    got = {f"rtf {voice}": v for voice, v in run_in(sides[side], RTF.format(texts=RTF_TEXTS)).items()}
                    got |= serving_figures(sides[side], args.window, raw, args.voices.split(",") if args.voices else None)
                    for name, value in got.items():
                        figures[side].setdefault(name, []).append(value)
                    print(f"round {round_ + 1}: {side} done ({time.perf_counter() - started:.0f} s, raw {raw})", flush=True)
        finally:
            for tree in sides.values():
                if tree != ROOT:
                    git("worktree", "remove", "--force", str(tree))
    rows = []
    for name, after in figures["tree"].items():
        before = figures["baseline"].get(name)
        if not before or None in before or None in after:
            continue
        ratio, noise, verdict = moved(before, after, args.floor)
        rows.append(
            {
                "figure": name,
                f"baseline {base}": " / ".join(f"{v:g}" for v in before),
                f"tree {head}": " / ".join(f"{v:g}" for v in after),
                "tree/baseline": ratio,
                "noise": noise,
                "moved": verdict,
            }
        )
    against = f" --against {head}" if args.against else ""
    against += f" --voices {args.voices}" if args.voices else ""
    report = "\n\n".join(
        [
            HEADING,
            f"`python -m bench.speed_guard --base {base}{against} --rounds {args.rounds} --window {args.window:.0f}`, run on "
            f"{time.strftime('%Y-%m-%d')} in {time.perf_counter() - started:.0f} s. Values per round (separated by /); "
            "a figure moved when the ratio of the medians is further from 1 than the noise (its spread between a "
            f"side's own rounds) and than {args.floor:.0%}. Lower is better for seconds and RTF, higher for audio-s/s.",
            table(rows),
        ]
    )
    print(report)
    if args.write:
        write_section(HEADING, report)
    if args.accept:
        BASELINE_FILE.write_text(git("rev-parse", "HEAD") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Before and after, side by side in one run: the engine and load benchmarks of another revision and of
this checkout, taking turns (A B, then B A, ...) so that a busy moment on the shared machine hits both.

The other revision is checked out in a temporary git worktree that borrows this checkout's ``.venv``
and prepared model; each side runs its own copy of ``bench/engine_bench.py`` and ``bench/loadtest.py``
(the same measurements, through each side's own code), in a subprocess of its own. Figures are
reported per round and as the median ratio after / before.

Usage: python -m bench.compare_revisions --base REV [--rounds 2] [--window 30] [--levels 1,4,16] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.report import table, write_section

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Before and after, side by side (`bench/compare_revisions.py`)"

# Run inside one side's checkout: its own engine_bench on its own code (one session with every core).
ENGINE = """
import json, logging
from bench import engine_bench as b
logging.basicConfig(level=logging.WARNING)
engine = b.create_engine("kokoro")
frontend = b.TextFrontend()
synth = b.Synthesizer(engine, frontend)
frontend.warm_up()
synth.synthesize("预热。", b.SynthParams(voice="jf_alpha"))
rtf = b.rtf_by_length(synth, {repeats})
first = b.first_segment_latency(synth, {repeats})
engine.close()
cores = b.os.cpu_count() or 1
layouts = [b.throughput(1, cores, {repeats}), b.throughput(cores, 1, {repeats})]
print("RESULT " + json.dumps({{"rtf": rtf, "first": first, "layouts": layouts}}))
"""

# Run inside one side's checkout: its own load test against its own ./start_app.sh.
LOAD = """
import json
from bench import loadtest as L
rows, rss = L.serve_and_load((), {levels}, {window}, "normal", 0.0, ("unique",))
print("RESULT " + json.dumps({{"rows": rows, "rss_mb": rss}}))
"""

RAW = """
import json
from bench import loadtest as L
print("RESULT " + json.dumps(L.raw_engine_limit({window})))
"""


def worktree(rev: str, folder: Path) -> Path:
    """``rev`` checked out in ``folder``, with this checkout's environment and its own copy of the prepared
    model (an older revision may prepare it again, and must not write into this checkout's)."""
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(folder), rev], cwd=ROOT, check=True)
    (folder / ".venv").symlink_to(ROOT / ".venv")
    model = ROOT / "checkpoints" / "kokoro-v1.0"
    if model.exists():
        shutil.copytree(model, folder / "checkpoints" / "kokoro-v1.0", dirs_exist_ok=True)
    # requirement files older than the environment's stamps: setup_env.sh sees nothing to install
    for req in folder.glob("requirements*.txt"):
        os.utime(req, (0, 0))
    return folder


def run_in(tree: Path, script: str, timeout: float = 3600) -> dict:
    """Run ``script`` with the environment's Python in ``tree``; return what it printed after RESULT."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["HF_HOME"] = str(tree / "cache_hub")
    # the tree's root (bench/ is a package); and, for revisions before it was one, bench/ and tests/ themselves
    env["PYTHONPATH"] = os.pathsep.join(str(tree / part) for part in ("", "bench", "tests"))
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", script],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"no result from {tree}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def engine_figures(result: dict) -> dict[str, float]:
    rtf = {f"rtf {r['lang']} {r['chars']} chars": r["rtf"] for r in result["rtf"]}
    layouts = {f"audio-s/s {r['layout']}": r["audio_s_per_s"] for r in result["layouts"]}
    return {**rtf, "first segment p50 s": result["first"]["p50_s"], **layouts}


def load_figures(result: dict, raw: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in result["rows"]:
        if row["mix"] != "unique":
            out["1 user paragraph: first audio p50 s"] = row["first_p50_s"]
            out["1 user paragraph: end to end p50 s"] = row["e2e_p50_s"]
            continue
        users = row["users"]
        out[f"{users} users: audio-s/s"] = row["audio_s_per_s"]
        out[f"{users} users: vs raw engine"] = round(row["audio_s_per_s"] / raw, 2)
        out[f"{users} users: first audio p50 s"] = row["first_p50_s"]
        out[f"{users} users: first audio p95 s"] = row["first_p95_s"]
        out[f"{users} users: error rate"] = row["error_rate"]
    out["peak RSS MB"] = result["rss_mb"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare with (e.g. the commit before a change)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="engine benchmark repeats")
    parser.add_argument("--window", type=float, default=30.0, help="seconds per load level")
    parser.add_argument("--levels", default="1,4,16")
    parser.add_argument("--parts", default="engine,load", help="which benchmarks to run: engine, load or both")
    parser.add_argument("--write", action="store_true", help="write the section to BENCHMARKS.md")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    parts = set(args.parts.split(","))
    base_rev = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    head_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    after_label = head_rev + (" + uncommitted changes" if dirty else "")
    figures: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        sides = {"before": worktree(base_rev, Path(tmp) / "before"), "after": ROOT}
        try:
            for round_ in range(args.rounds):
                order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
                raw = run_in(ROOT, RAW.format(window=args.window))["audio_s_per_s"] if "load" in parts else 0.0
                for side in order:
                    started = time.perf_counter()
                    got: dict[str, float] = {}
                    if "engine" in parts:
                        got |= engine_figures(run_in(sides[side], ENGINE.format(repeats=args.repeats)))
                    if "load" in parts:
                        got |= load_figures(run_in(sides[side], LOAD.format(levels=levels, window=args.window)), raw)
                    for name, value in got.items():
                        figures[side].setdefault(name, []).append(value)
                    print(f"round {round_ + 1}: {side} done in {time.perf_counter() - started:.0f} s (raw {raw})", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(sides["before"])], cwd=ROOT, check=False)
    rows = []
    for name, before in figures["before"].items():
        after = figures["after"].get(name, [])
        b, a = statistics.median(before), statistics.median(after) if after else float("nan")
        rows.append(
            {
                "figure": name,
                f"before {base_rev}": " / ".join(f"{v:g}" for v in before),
                f"after {after_label}": " / ".join(f"{v:g}" for v in after),
                "after/before (medians)": round(a / b, 3) if b else "",
            }
        )
    report = "\n\n".join(
        [
            HEADING,
            f"`python -m bench.compare_revisions --base {base_rev} --rounds {args.rounds} --window {args.window:.0f} "
            f"--levels {args.levels} --parts {args.parts}`, run on {time.strftime('%Y-%m-%d')}, nothing else running. "
            "Each round runs both sides' engine benchmark (1 session x every core; RTF is compute / audio seconds, "
            "lower is better; throughput by session layout, higher is better) and load test (the normal server, unique texts, "
            "closed-loop users streaming `/v1/audio/speech`), the order alternating between rounds; the raw engine "
            "limit is measured at the start of each round. Values are per round, separated by /.",
            table(rows),
        ]
    )
    print(report)
    if args.write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

"""Start-up benchmark: seconds from ``./start_app.sh`` to a healthy app, and whether the first requests are slower.

Starts the real app several times on free loopback ports (dependencies installed, checkpoints
prepared), with a cache folder of its own (``HF_HOME``): empty at the first start, as after an
install; for the later starts it keeps what the app keeps between starts, less the audio cache
(so that every request of the benchmark is rendered). After each
start it sends, through gradio_client like a page visitor, a Chinese and an English sentence
first, four other sentences, then the same two sentences five more times each with a slightly
different pitch (a new cache key, the same work: the pitch is applied before the decoder). The
first request of each sentence is compared with the median of its later ones. One extra start
with ``--skip-warmup`` shows, side by side, what the warm-up buys.

Usage: python -m bench.startup_bench [--starts 3] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from gradio_client import Client

from bench.report import table, write_section
from testkit.app_process import start_app

ROOT = Path(__file__).resolve().parent.parent

HEADING = "## Start-up and first request (`bench/startup_bench.py`)"
FIRST = {
    "zh": "今天下午三点，博物馆的讲解员会带大家参观新开放的青铜器展厅，请提前十分钟到门口集合。",
    "en": "The next guided tour starts at three o'clock, so please meet at the main entrance ten minutes early.",
}
BETWEEN = ["你好，欢迎光临。", "Where is the nearest station?", "这个周末我们一起去爬山吧。", "Thank you for coming today."]
REPEATS = 5


def _timed(client: Client, text: str, pitch: float) -> float:
    started = time.perf_counter()
    client.predict(text, pitch=pitch, api_name="/synthesize")
    return time.perf_counter() - started


def one_start(flags: tuple[str, ...], cache_hub: Path) -> dict:
    """Start the app, time it to healthy, then time the requests described in the module docstring; stop it."""
    fresh_cache = not cache_hub.exists()
    shutil.rmtree(cache_hub / "audio_cache", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as run_dir:
        app = start_app(Path(run_dir), *flags, env={"HF_HOME": str(cache_hub)})
        try:
            health = app.wait_healthy()
            to_healthy = time.perf_counter() - app.started_at
            client = Client(app.url, analytics_enabled=False, verbose=False)
            first = {lang: _timed(client, text, 0.0) for lang, text in FIRST.items()}
            for text in BETWEEN:
                _timed(client, text, 0.0)
            later = {lang: [_timed(client, text, 0.5 * (k + 1)) for k in range(REPEATS)] for lang, text in FIRST.items()}
            hits = app.log().count("cache_hits=1/") + app.log().count("cache_hits=2/")
        finally:
            app.stop()
    row = {
        "start": ("first after install" if fresh_cache else "again") + (", no warm-up" if "--skip-warmup" in flags else ""),
        "to_healthy_s": round(to_healthy, 2),
        "model_load_s": health["load_seconds"]["total"],
        "warm_up_s": round(sum(health["warm_up_seconds"].values()), 2),
    }
    for lang in FIRST:
        steady = statistics.median(later[lang])
        row[f"first_{lang}_s"] = round(first[lang], 3)
        row[f"steady_{lang}_s"] = round(steady, 3)
        row[f"first_vs_steady_{lang}"] = round(first[lang] / steady, 3)
    row["cache_hits"] = hits
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=3, help="starts with warm-up and a kept cache folder")
    parser.add_argument("--no-write", action="store_true", help="print only, do not update BENCHMARKS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="startup-bench-cache-") as folder:
        cache_hub = Path(folder) / "cache_hub"
        rows = [one_start((), cache_hub) for _ in range(1 + args.starts)]
        rows.append(one_start(("--skip-warmup",), cache_hub))
    warm = rows[:-1]
    ratios = {lang: statistics.median(r[f"first_vs_steady_{lang}"] for r in warm) for lang in FIRST}
    report = "\n\n".join(
        [
            HEADING,
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Dependencies "
            "installed and checkpoints prepared; each row is one `./start_app.sh --port P` on a free port (the first with "
            "an empty `HF_HOME`, as after an install), then requests through gradio_client as described in the "
            f"benchmark's docstring: the first Chinese and English sentences against the median of {REPEATS} later ones. "
            f"Run on {time.strftime('%Y-%m-%d')}.",
            table(rows),
            f"Start to healthy: {min(r['to_healthy_s'] for r in warm):.2f}-{max(r['to_healthy_s'] for r in warm):.2f} s "
            "(goal: 6 s), of which model and front-end load (the checkpoints' SHA-256 check included) "
            f"{statistics.median(r['model_load_s'] for r in warm):.2f} s and "
            f"warm-up {statistics.median(r['warm_up_s'] for r in warm):.2f} s; the rest is the shell, "
            "Python and Gradio imports, and building the page.",
            "First request against steady state, median over the starts with warm-up: "
            + ", ".join(f"{lang} {ratio:.2f}x" for lang, ratio in ratios.items())
            + " (goal: within 1.10x). Without warm-up: "
            + ", ".join(f"{lang} {rows[-1][f'first_vs_steady_{lang}']:.2f}x" for lang in FIRST)
            + ". `cache_hits` counts requests the cache answered in part (0: every figure is a real render).",
        ]
    )
    print(report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

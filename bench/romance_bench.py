"""Spanish, French, Italian and Portuguese voices: each reads its language's sentences, Whisper base writes
down what it hears.

Usage: python -m bench.romance_bench [--set dev|held-out] [--json OUT] [--write]

Every sentence goes through the app's own path (front-end with the voice's own reading of Latin letters,
engine, default settings) and is transcribed by faster-whisper with Whisper base (multilingual, int8, the
data wheels of ``testkit/mandarin_judge.py``; beam 5, temperature 0, no VAD, the language given). Both sides are
lower-cased and stripped of punctuation; the figure per voice is the pooled word error rate (``jiwer``). Beside
each language, "before" is how the app read such a text until these voices were offered: the English default
voice (af_sarah) with English phonemes. The bound (``testkit.romance_sentences.OFFER_BOUND``) and the
held-out sentences were fixed before the held-out run.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from bench.report import table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import catalog
from index_tts.frontend import TextFrontend
from index_tts.serving.synthesizer import Synthesizer
from testkit.romance_judge import hear, judge, word_error_rate
from testkit.romance_sentences import DEV, HELD_OUT, OFFER_BOUND

BEFORE = "af_sarah"  # the English default: who read these languages' texts before, in English phonemes
HEADING = "## Spanish, French, Italian and Portuguese voices (`bench/romance_bench.py`)"


def score(synth: Synthesizer, whisper, voice: str, language: str, sentences: list[str]) -> dict:
    """The voice's pooled WER on ``sentences`` of ``language``, and every transcript."""
    heard, logprobs = [], []
    for sentence in sentences:
        result = synth.synthesize(sentence, SynthParams(voice=voice))
        text, logprob = hear(whisper, result.audio, result.sample_rate, language)
        heard.append(text)
        logprobs.append(logprob)
    return {"wer": word_error_rate(sentences, heard), "logprob": sum(logprobs) / len(logprobs), "heard": heard}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["dev", "held-out"], default="held-out")
    parser.add_argument("--json", type=Path, help="keep every transcript and score here")
    parser.add_argument("--write", action="store_true", help="write the table into BENCHMARKS.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sentences = DEV if args.set == "dev" else HELD_OUT
    synth = Synthesizer(create_engine("kokoro"), TextFrontend())
    whisper = judge()
    started = time.perf_counter()
    rows, kept = [], {}
    for language, texts in sentences.items():
        voices = [v for v in catalog.NATIVE_VOICES if catalog.language_of(v) == language]
        before = score(synth, whisper, BEFORE, language, texts)
        kept[f"{language} before ({BEFORE})"] = before
        for voice in voices:
            result = score(synth, whisper, voice, language, texts)
            kept[voice] = result
            offered = "yes" if result["wer"] <= OFFER_BOUND else "no"
            rows.append({"language": catalog.LANGUAGES[language]["en"], "voice": voice, "sentences": len(texts),
                         "WER": f"{result['wer']:.1%}", "mean log-prob": f"{result['logprob']:.3f}",
                         f"before: {BEFORE}, English phonemes": f"{before['wer']:.1%}",
                         f"within {OFFER_BOUND:.0%}": offered})  # fmt: skip
            print(rows[-1], flush=True)
    if args.json:
        args.json.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    per_language = len(next(iter(sentences.values())))
    report = (
        f"{HEADING}\n\n`python -m bench.romance_bench --set {args.set} --write`, {time.strftime('%Y-%m-%d')}, this "
        f"machine, {time.perf_counter() - started:.0f} s. Whisper base (multilingual) as the judge, the language given; "
        f"{per_language} sentences per language, written before the run (`testkit/romance_sentences.py`).\n\n" + table(rows)
    )
    print(report)
    if args.write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

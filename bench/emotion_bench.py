"""Emotion rendering of the embedded engine, measured: pitch, range, tempo and loudness per emotion,
the compute cost of rendering, and Mandarin tone accuracy under each emotion.

Usage: python -m bench.emotion_bench [--voice jf_alpha] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench.report import table, write_section
from bench.tone_bench import HELD_OUT_SET, syllables
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from index_tts.serving.synthesizer import Synthesizer
from index_tts.voice.emotion import EMOTIONS, normalize_vector
from index_tts.voice.emotion_prosody import emotion_prosody
from testkit.tone_classifier import classify, pitch_contour, reference_pitch

SENTENCE = "今天我们一起去公园散步，看看湖边的花，再找个地方喝杯茶。"
WEIGHT = 0.65  # the UI's default


def _params(voice: str, name: str | None) -> SynthParams:
    if name is None:
        return SynthParams(voice=voice)
    vector = normalize_vector(tuple(1.0 if e == name else 0.0 for e in EMOTIONS))
    return SynthParams(voice=voice, emotion=vector, emotion_weight=WEIGHT, prosody=emotion_prosody(vector, WEIGHT))


def _pitch(audio: np.ndarray) -> tuple[float, float]:
    import librosa

    f0, voiced, _ = librosa.pyin(audio, fmin=60, fmax=600, sr=24_000, frame_length=2048)
    hz = f0[voiced & np.isfinite(f0)]
    st = 12 * np.log2(hz / np.median(hz))
    return float(np.median(hz)), float(np.percentile(st, 90) - np.percentile(st, 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default="jf_alpha")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    engine = create_engine("kokoro")
    frontend = TextFrontend()
    synth = Synthesizer(engine, frontend)
    items = syllables(HELD_OUT_SET, frontend)
    rows = []
    baseline: dict[str, float] = {}
    for name in [None, *EMOTIONS]:
        params = _params(args.voice, name)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = synth.synthesize(SENTENCE, params)
            times.append(time.perf_counter() - started)
        hz, spread = _pitch(result.audio)
        rms = float(20 * np.log10(np.sqrt(np.mean(result.audio**2))))
        compute = statistics.median(times)
        if name is None:
            baseline = {"hz": hz, "seconds": result.audio_seconds, "rms": rms, "compute": compute}
        contours, tones = [], []
        for char, tone in items:
            segment = frontend.process(char, "zh").segments[0]
            contours.append(pitch_contour(engine.synthesize(segment, params)))
            tones.append(tone)
        reference = reference_pitch(contours)
        accuracy = np.mean([classify(c, reference) == t for c, t in zip(contours, tones, strict=True)])
        rows.append(
            {
                "emotion": name or "none",
                "median F0 (Hz)": f"{hz:.0f}",
                "vs none (st)": f"{12 * np.log2(hz / baseline['hz']):+.1f}",
                "F0 range 10-90% (st)": f"{spread:.1f}",
                "duration (s)": f"{result.audio_seconds:.2f}",
                "loudness vs none (dB)": f"{rms - baseline['rms']:+.1f}",
                "compute vs none": f"{compute / baseline['compute']:.2f}×",
                "tone accuracy": f"{accuracy:.0%}",
            }
        )
        print(rows[-1], flush=True)
    text = table(rows)
    print(text)
    if args.write:
        heading = "## Emotion rendering (`bench/emotion_bench.py`)"
        intro = (
            f"`python -m bench.emotion_bench --write`: voice {args.voice}, one sentence of {len(SENTENCE)} characters, "
            f"each emotion at full slider and weight {WEIGHT} (the UI default), normalized the IndexTTS2 way. "
            "F0 by librosa.pyin; tone accuracy on the 72 held-out isolated syllables rendered with the same emotion "
            "(classifier of `bench/tone_bench.py`). Compute: median of "
            f"{args.repeats} runs against the same sentence without emotion."
        )
        write_section(heading, f"{heading}\n\n{intro}\n\n{text}")


if __name__ == "__main__":
    main()

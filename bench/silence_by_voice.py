"""Why some voices cost more per second of audio: the silence each voice predicts around a first segment.

The decoder costs the same per 25 ms frame whatever it holds, and the server trims the silence around
the words afterwards. So a voice that predicts longer pauses at the ends of a segment pays for frames
nobody hears. For the first segments of the first-sound benchmark's dev sentences (Chinese and mixed,
as the server cuts them) this prints, per voice: frames decoded, the start pad's frames, the last
phoneme's (it carries the closing silence of a segment cut mid-clause), the closing pad's, the
seconds kept after trimming, and the render time (engine alone, every core).

It also tries a candidate, on the same segments and every dev language: the closing pad capped at
``CAP`` frames. The decoder normalises each channel over the whole segment, so dropping silent frames
can change the words kept; the speech kept is compared with the uncapped decode as in
``bench/first_audio_bench.py`` (level ratio, log-mel distance; the same audio 1 dB louder is 0.23).
The rule, fixed before the first run: kept only if for every voice the median level is within
0.97-1.03, the median distance under 0.23, and no segment's kept audio shorter than 0.97 of the
uncapped one.

Usage: python -m bench.silence_by_voice [--voices a,b] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench.first_audio_bench import compare
from bench.first_sound import DEV
from bench.report import table, write_section
from index_tts.common.audio import trim_silence
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS

HEADING = "## Silence decoded by voice (`bench/silence_by_voice.py`)"
SAMPLE_RATE = 24_000
CAP = 4
VOICES = (
    "jf_alpha,jm_kumo,jf_nezumi,zf_xiaobei,zf_xiaoni,zf_xiaoxiao,zf_xiaoyi,zm_yunjian,zm_yunxi,zm_yunxia,zm_yunyang,"
    "af_heart,bf_emma"
)


def kept(audio: np.ndarray) -> np.ndarray:
    """The audio as the server sends it: the silence at both ends trimmed (as the engine trims it)."""
    return trim_silence(np.asarray(audio, np.float32).ravel(), SAMPLE_RATE)


def measure(engine, frontend: TextFrontend, voice: str) -> tuple[dict, dict]:
    """This voice's first segments: the silence it decodes, and what the closing-pad cap changes."""
    params = SynthParams(voice=voice)
    heads, capped = [], []
    latin = engine.latin_reading(voice)
    for language, texts in DEV.items():
        for text in texts:
            segments = frontend.process(text, "auto", first_max_units=FIRST_SEGMENT_UNITS, latin=latin).segments
            for index, segment in enumerate(segments):
                tokens, style = engine._segment_inputs(segment, params)
                with engine._borrow() as worker:
                    encoded, track = engine._predict(worker, tokens, style, params)
                    started = time.perf_counter()
                    whole = worker.decode(encoded, track.frames, track.f0, track.energy)
                    seconds = time.perf_counter() - started
                    drop = max(0, int(track.frames[-1]) - CAP)
                    frames = track.frames.copy()
                    frames[-1] -= drop
                    points = len(track.f0) - 2 * drop  # two pitch points per frame
                    short = worker.decode(encoded, frames, track.f0[:points], track.energy[:points])
                reference, other = kept(whole), kept(short)
                level, distance = compare(reference, other)
                capped.append((level, distance, len(other) / len(reference)))
                if index == 0 and language != "en":
                    f = track.frames
                    heads.append((int(f.sum()), int(f[0]), int(f[-2]), int(f[-1]), len(reference) / SAMPLE_RATE, seconds))
    median = lambda i, rows: statistics.median(r[i] for r in rows)  # noqa: E731
    silence = {
        "voice": voice,
        "frames": f"{median(0, heads):.0f}",
        "start pad": f"{median(1, heads):.0f}",
        "last phoneme": f"{median(2, heads):.0f}",
        "closing pad": f"{median(3, heads):.0f}",
        "kept s": f"{median(4, heads):.2f}",
        "decoded s": f"{median(0, heads) * 0.025:.2f}",
        "decode s": f"{median(5, heads):.3f}",
    }
    cap = {
        "voice": voice,
        "segments": len(capped),
        "level (median)": f"{median(0, capped):.3f}",
        "log-mel distance (median / max)": f"{median(1, capped):.2f} / {max(r[1] for r in capped):.2f}",
        "shortest kept vs whole": f"{min(r[2] for r in capped):.3f}",
        "passes": 0.97 <= median(0, capped) <= 1.03 and median(1, capped) < 0.23 and min(r[2] for r in capped) >= 0.97,
    }
    return silence, cap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default=VOICES)
    parser.add_argument("--write", action="store_true", help="record the tables in BENCHMARKS.md")
    args = parser.parse_args()
    engine = create_engine("kokoro", num_sessions=1)
    frontend = TextFrontend()
    silence, caps = [], []
    for voice in args.voices.split(","):
        row, cap = measure(engine, frontend, voice)
        silence.append(row)
        caps.append(cap)
        print(row, cap, flush=True)
    report = "\n\n".join(
        [
            "First segments of the dev sentences (Chinese and mixed), median per voice, frames of 25 ms:",
            table(silence),
            f"The closing pad capped at {CAP} frames, every segment of the dev sentences (all three languages):",
            table(caps),
        ]
    )
    print("\n" + report)
    if args.write:
        intro = "`python -m bench.silence_by_voice --write`: engine alone, one worker, every core; the rule is in its docstring."
        write_section(HEADING, f"{HEADING}\n\n{intro}\n\n{report}")


if __name__ == "__main__":
    main()

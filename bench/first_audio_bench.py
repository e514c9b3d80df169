"""Where a lone request's first audio goes, and what shortcuts would cost, on one worker (one core).

First audio is the time to render the request's first segment. Its decoder stage costs a fixed
amount per 25 ms frame, and the frames include the silence the model puts around the words,
which is trimmed afterwards. This measures, side by side in one run:

- the cost of each stage per frame, for the first segment of the load test's paragraph cut at
  6 units (the default) and at 4;
- decoding only the start of a segment (the first frames plus some right context), as a
  streaming vocoder would: how close that audio is to the same frames of a whole decode;
- decoding fewer frames of the silence around the words: the time saved and how the words change.

Audio is compared on the speech after trimming: level ratio, and the mean absolute difference of
log-mel spectra (0 for identical audio; the same audio 1 dB louder gives 0.23).

Usage: python -m bench.first_audio_bench [--repeats 3] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import time

import librosa
import numpy as np

from bench.loadtest import PARAGRAPH
from bench.report import table, write_section
from index_tts.common.audio import trim_silence
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import graphs
from index_tts.frontend import TextFrontend

SAMPLE_RATE = 24_000
SAMPLES_PER_FRAME = 600
TEXTS = ["人工智能正在改变我们的生活方式。", "从清晨的语音助手到夜晚的智能家居，", "我们，", "Hello there, my friend."]


def log_mel(audio: np.ndarray) -> np.ndarray:
    mel = librosa.feature.melspectrogram(y=audio, sr=SAMPLE_RATE, n_fft=1024, hop_length=240, n_mels=80)
    return np.log(mel + 1e-5)


def compare(reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Level ratio and log-mel distance of ``other`` against ``reference`` over their common length."""
    n = min(len(reference), len(other))
    a, b = reference[:n], other[:n]
    level = float(np.sqrt(np.mean(b**2)) / max(np.sqrt(np.mean(a**2)), 1e-9))
    return level, float(np.mean(np.abs(log_mel(a) - log_mel(b))))


class Probe:
    """One worker of the engine, driven stage by stage."""

    def __init__(self) -> None:
        self.engine = create_engine("kokoro", num_sessions=1, threads_per_session=1)
        self.worker = self.engine._pool.get()
        self.params = SynthParams(voice="jf_alpha")

    def stages(self, segment):
        inputs = self.engine._inputs(segment.phonemes, self.params)
        return self.engine._predict(self.worker, *inputs, self.params)

    def decode(self, encoded, frames: np.ndarray, f0: np.ndarray, energy: np.ndarray) -> tuple[np.ndarray, float]:
        started = time.perf_counter()
        audio = self.worker.decode(encoded, frames, f0, energy).ravel()
        return audio, time.perf_counter() - started

    def decode_median(self, encoded, frames: np.ndarray, f0, energy, repeats: int) -> tuple[np.ndarray, float]:
        runs = [self.decode(encoded, frames, f0, energy) for _ in range(repeats)]
        return runs[0][0], statistics.median(seconds for _, seconds in runs)

    def decode_span(self, encoded, frames: np.ndarray, f0, energy, start: int, stop: int) -> np.ndarray:
        """Frames ``start:stop`` of a segment decoded on their own."""
        aligned = np.repeat(encoded.text_features, frames, axis=2)[:, :, start:stop].astype(np.float32)
        feeds = {
            graphs.ALIGNED_TEXT_FEATURES: aligned,
            graphs.F0: f0[2 * start : 2 * stop].reshape(1, -1).astype(np.float32),
            graphs.ENERGY: energy[2 * start : 2 * stop].reshape(1, -1).astype(np.float32),
            "style": encoded.style,
        }
        return self.worker.sessions["decoder"].run(None, feeds, graphs.RUN_OPTIONS)[0].ravel()


def stage_costs(probe: Probe, frontend: TextFrontend, repeats: int) -> tuple[list[dict], float]:
    rows, per_frame = [], []
    for units in (6, 4):
        segment = frontend.process(PARAGRAPH, first_max_units=units).segments[0]
        times: dict[str, list[float]] = {"front": [], "encode+prosody": [], "decode": []}
        for _ in range(repeats):
            started = time.perf_counter()
            segment = frontend.process(PARAGRAPH, first_max_units=units).segments[0]
            times["front"].append(time.perf_counter() - started)
            started = time.perf_counter()
            encoded, track = probe.stages(segment)
            times["encode+prosody"].append(time.perf_counter() - started)
            audio, seconds = probe.decode(encoded, track.frames, track.f0, track.energy)
            times["decode"].append(seconds)
        frames = int(track.frames.sum())
        speech = len(trim_silence(audio, SAMPLE_RATE)) / SAMPLE_RATE
        decode = statistics.median(times["decode"])
        per_frame.append(decode / frames)
        rows.append(
            {
                "first segment (units)": f"{segment.text} ({units})",
                "frames": frames,
                "start pad frames": int(track.frames[0]),
                "speech after trim (s)": f"{speech:.2f}",
                "front-end (ms)": f"{1000 * statistics.median(times['front']):.0f}",
                "encode+prosody (ms)": f"{1000 * statistics.median(times['encode+prosody']):.0f}",
                "decode (ms)": f"{1000 * decode:.0f}",
                "decode per frame (ms)": f"{1000 * decode / frames:.1f}",
            }
        )
        print(rows[-1], flush=True)
    return rows, statistics.median(per_frame)


def partial_decodes(probe: Probe, frontend: TextFrontend) -> list[dict]:
    rows = []
    for text in TEXTS[:2]:
        segment = frontend.process(text).segments[0]
        encoded, track = probe.stages(segment)
        whole, _ = probe.decode(encoded, track.frames, track.f0, track.energy)
        pad = int(track.frames[0])
        for keep, context in ((20, 5), (20, 10), (30, 10), (40, 10)):
            part = probe.decode_span(encoded, track.frames, track.f0, track.energy, 0, pad + keep + context)
            span = slice(pad * SAMPLES_PER_FRAME, (pad + keep) * SAMPLES_PER_FRAME)
            level, distance = compare(whole[span], part[span])
            row = {"text": text, "frames kept": keep, "right context": context}
            rows.append(row | {"level vs whole": f"{level:.2f}", "log-mel distance": f"{distance:.2f}"})
            print(rows[-1], flush=True)
    return rows


def fewer_pad_frames(probe: Probe, frontend: TextFrontend, repeats: int) -> list[dict]:
    rows = []
    for text in TEXTS:
        segment = frontend.process(text).segments[0]
        encoded, track = probe.stages(segment)
        whole, whole_s = probe.decode_median(encoded, track.frames, track.f0, track.energy, repeats)
        reference = trim_silence(whole, SAMPLE_RATE)
        body_end = int(track.frames[:-1].sum())
        for head_cap, tail_cap in ((8, 4), (6, 3)):
            frames = track.frames.copy()
            frames[0], frames[-1] = min(frames[0], head_cap), min(frames[-1], tail_cap)
            dropped = int(track.frames[0] - frames[0])
            points = np.r_[2 * dropped : 2 * body_end, 2 * body_end : 2 * body_end + 2 * int(frames[-1])]
            audio, seconds = probe.decode_median(encoded, frames, track.f0[points], track.energy[points], repeats)
            level, distance = compare(reference, trim_silence(audio, SAMPLE_RATE))
            rows.append(
                {
                    "text": text,
                    "pad frames kept (start/end)": f"{head_cap}/{tail_cap}",
                    "frames": f"{int(frames.sum())} of {int(track.frames.sum())}",
                    "decode time vs whole": f"{seconds / whole_s:.2f}",
                    "level vs whole": f"{level:.2f}",
                    "log-mel distance": f"{distance:.2f}",
                }
            )
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="record the tables in BENCHMARKS.md")
    args = parser.parse_args()

    frontend = TextFrontend()
    probe = Probe()
    costs, per_frame = stage_costs(probe, frontend, args.repeats)
    partial = partial_decodes(probe, frontend)
    pads = fewer_pad_frames(probe, frontend, args.repeats)
    frames_in_300ms = int(0.3 / per_frame)
    summary = (
        f"Decoding costs {1000 * per_frame:.1f} ms per 25 ms frame on one core (median over both first segments), "
        f"so 300 ms buys {frames_in_300ms} frames ({frames_in_300ms * 25} ms of audio, silence included), "
        f"while the model puts about {costs[0]['start pad frames']} frames of silence before the first word. "
        f"For scale: the same audio 1 dB louder is at a log-mel distance of {2 * np.log(10**0.05):.2f}."
    )
    report = "\n\n".join(
        [
            "### Stages of the first segment",
            table(costs),
            "### Decoding only the start of a segment",
            table(partial),
            "### Decoding less silence",
            table(pads),
            summary,
        ]
    )
    print("\n" + report)
    if args.write:
        heading = "## First audio on one core (`bench/first_audio_bench.py`)"
        intro = (
            f"`python -m bench.first_audio_bench --write`: one worker with one thread, voice jf_alpha, median of "
            f"{args.repeats} runs; the paragraph is the load test's ({len(PARAGRAPH)} characters)."
        )
        write_section(heading, f"{heading}\n\n{intro}\n\n{report}")


if __name__ == "__main__":
    main()

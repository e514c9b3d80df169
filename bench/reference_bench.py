"""Reference clips with the embedded engine, measured: emotion from a clip (pitch, tempo, loudness against the
voice's neutral reading), approximate voice match (output median pitch against the clip's), analysis cost.

Usage: python -m bench.reference_bench [--write]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.report import table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.prosody.controls import Prosody
from index_tts.prosody.delivery import measure_delivery
from index_tts.serving.synthesizer import Synthesizer
from index_tts.voice.emotion import EMOTIONS, EmotionMode, EmotionRequest, normalize_vector
from index_tts.voice.emotion_prosody import emotion_prosody
from index_tts.voice.planner import DeliveryPlanner
from index_tts.voice.profiles import NEUTRAL_LANGUAGE, NEUTRAL_TEXT, VoiceProfiles
from index_tts.voice.reference_audio import ClipAnalyzer

SR = 24_000
CLIP_TEXT = "他昨天终于收到了那封等了很久的信，高兴得跳了起来。"
SPOKEN = {
    "zh-1": ("我们明天早上八点在学校门口见面，别迟到了。", "zh"),
    "zh-2": ("今天真是美好的一天。", "zh"),
    "en": ("The weather was lovely, so we had lunch outside by the lake.", "en"),
}
# Clips "spoken" by shifted built-in voices stand in for people: their pitch is known and varied.
VOICE_CLIPS = [("jm_kumo", 3), ("jm_kumo", -1), ("jm_kumo", 6), ("jf_alpha", -5), ("jf_alpha", -9),
               ("jf_tebukuro", -3), ("jf_nezumi", 2), ("jf_gongitsune", 4)]  # fmt: skip
LISTENER = "jf_alpha"


def _pyin_median(audio: np.ndarray) -> float:
    import librosa

    f0, voiced, _ = librosa.pyin(audio, fmin=60, fmax=600, sr=SR, frame_length=2048)
    return float(np.nanmedian(np.where(voiced, f0, np.nan)))


def _one(name: str) -> tuple[float, ...]:
    return normalize_vector(tuple(1.0 if e == name else 0.0 for e in EMOTIONS))


def _db(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio**2))))


def emotion_rows(synth: Synthesizer, planner: DeliveryPlanner, folder: Path) -> list[dict]:
    clips = {
        "happy (kumo)": ("jm_kumo", emotion_prosody(_one("happy"), 1.0)),
        "angry (kumo)": ("jm_kumo", emotion_prosody(_one("angry"), 1.0)),
        "sad (kumo)": ("jm_kumo", emotion_prosody(_one("sad"), 1.0)),
        "slow ×1.45 (kumo)": ("jm_kumo", Prosody(duration=1.45)),
        "neutral (kumo)": ("jm_kumo", None),
        "neutral (own voice)": (LISTENER, None),
    }
    text, lang = SPOKEN["zh-1"]
    plain = synth.synthesize(text, SynthParams(voice=LISTENER), lang)
    base_hz, base_db = _pyin_median(plain.audio), _db(plain.audio)
    rows = []
    for name, (voice, prosody) in clips.items():
        audio = synth.synthesize(CLIP_TEXT, SynthParams(voice=voice, prosody=prosody), "zh").audio
        path = folder / f"{len(rows)}.wav"
        sf.write(path, audio, SR)
        request = EmotionRequest(mode=EmotionMode.AUDIO, audio_path=str(path), weight=1.0)
        delivery = planner.plan(LISTENER, request, None)
        out = synth.synthesize(text, SynthParams(voice=delivery.voice, prosody=delivery.prosody), lang)
        stats = planner.clips.measure(path).stats
        p = delivery.prosody or Prosody()
        rows.append(
            {
                "emotion clip": name,
                "clip F0 / range / rate": f"{stats.f0_median_hz:.0f} Hz / {stats.f0_range_st:.1f} st / "
                f"{stats.syllable_rate:.1f} syl/s",
                "controls (shift, range, duration, dB)": f"{p.pitch_shift:+.1f}, {p.pitch_range:.2f}, "
                f"{p.duration:.2f}, {p.loudness_db:+.1f}",
                "output F0 vs neutral (st)": f"{12 * np.log2(_pyin_median(out.audio) / base_hz):+.1f}",
                "output length vs neutral": f"{out.audio_seconds / plain.audio_seconds:.2f}×",
                "output loudness vs neutral (dB)": f"{_db(out.audio) - base_db:+.1f}",
            }
        )
        print(rows[-1], flush=True)
    return rows


def match_rows(synth: Synthesizer, planner: DeliveryPlanner, folder: Path) -> tuple[list[dict], list[float], list[float]]:
    rows, praat_errors, pyin_errors = [], [], []
    for voice, shift in VOICE_CLIPS:
        clip = synth.synthesize(CLIP_TEXT, SynthParams(voice=voice, prosody=Prosody(pitch_shift=shift)), "zh").audio
        path = folder / f"voice-{voice}-{shift}.wav"
        sf.write(path, clip, SR)
        delivery = planner.plan(LISTENER, EmotionRequest(), None, reference_audio=str(path))
        target, target_pyin = measure_delivery(clip, SR).f0_median_hz, _pyin_median(clip)
        errors = []
        for text, lang in SPOKEN.values():
            out = synth.synthesize(text, SynthParams(voice=delivery.voice, prosody=delivery.prosody), lang).audio
            errors.append(measure_delivery(out, SR).f0_median_hz / target - 1)
            pyin_errors.append(_pyin_median(out) / target_pyin - 1)
        praat_errors += errors
        rows.append(
            {
                "clip": f"{voice} {shift:+d} st",
                "clip median (Hz)": f"{target:.0f}",
                "matched voice": delivery.voice,
                "shift (st)": f"{delivery.match.pitch_shift:+.1f}" if delivery.match else "-",
                **{f"error {k}": f"{e:+.1%}" for k, e in zip(SPOKEN, errors, strict=True)},
            }
        )
        print(rows[-1], flush=True)
    return rows, praat_errors, pyin_errors


def analysis_cost(synth: Synthesizer, folder: Path) -> float:
    """Median seconds to read and measure a 30 s clip (a fresh analyzer each time: no remembered result)."""
    text = "人工智能正在改变我们的生活方式。" * 8
    audio = synth.synthesize(text, SynthParams(voice="jf_nezumi"), "zh").audio[: 30 * SR]
    path = folder / "long.wav"
    sf.write(path, audio, SR)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        ClipAnalyzer().measure(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _profiles(synth: Synthesizer, folder: Path) -> VoiceProfiles:
    """Each voice's neutral reading of the profile sentence, measured with ``synth`` and kept in ``folder``."""

    def read(voice: str) -> tuple[np.ndarray, int]:
        result = synth.synthesize(NEUTRAL_TEXT, SynthParams(voice=voice), NEUTRAL_LANGUAGE)
        return result.audio, result.sample_rate

    engine = synth.engine
    return VoiceProfiles(f"{engine.name}|{engine.model_version}|bench", engine.voices, read, folder=folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    synth = Synthesizer(create_engine("kokoro"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        profiles = _profiles(synth, folder)
        started = time.perf_counter()
        profiles.measure_all()
        profile_s = time.perf_counter() - started
        started = time.perf_counter()
        _profiles(synth, folder).measure_all()  # the next start reads them back
        reread_s = time.perf_counter() - started
        planner = DeliveryPlanner(synth.engine, profiles)
        emotions = emotion_rows(synth, planner, folder)
        matches, praat_errors, pyin_errors = match_rows(synth, planner, folder)
        cost = analysis_cost(synth, folder)
    praat_abs, pyin_abs = np.abs(praat_errors), np.abs(pyin_errors)
    summary = (
        f"Voice match, {len(praat_abs)} outputs: median pitch error (Praat on clip and output) mean {praat_abs.mean():.1%}, "
        f"max {praat_abs.max():.1%}, {np.mean(praat_abs < 0.10):.0%} within 10%. Judged by librosa.pyin instead: "
        f"mean {pyin_abs.mean():.1%}, max {pyin_abs.max():.1%}, {np.mean(pyin_abs < 0.10):.0%} within 10%.\n\n"
        f"Cost: measuring a 30 s clip takes {cost * 1000:.0f} ms (median of 5). The voices' neutral readings are "
        f"measured at the first warm-up after an install: {profile_s:.1f} s for all {len(synth.engine.voices())} "
        f"voices with one worker here (the app's two workers share it); later starts read them back in "
        f"{reread_s * 1000:.0f} ms."
    )
    text = f"{table(emotions)}\n\n{table(matches)}\n\n{summary}"
    print(text)
    if args.write:
        heading = "## Reference clips with the embedded engine (`bench/reference_bench.py`)"
        intro = (
            "`python -m bench.reference_bench --write`. Clips are rendered by built-in voices with known changes "
            f"(an emotion at full weight, a slower tempo, a pitch shift) on one sentence, then used as references for "
            f"{LISTENER} on other sentences. Emotion clips at weight 1.0, output F0 by librosa.pyin against "
            f"{LISTENER}'s plain reading of the same sentence. Voice match: the clip's median pitch (Praat) against "
            "the output's on three other sentences (two Chinese, one English)."
        )
        write_section(heading, f"{heading}\n\n{intro}\n\n{text}")


if __name__ == "__main__":
    main()

"""Voice match by timbre: does a clip of each offered voice find its own voice among all of them?

Usage: python -m bench.voice_match_bench [--no-write]

Every offered voice reads two held-out sentences (one Chinese, one English; the profiles read another
sentence and the pitch weight was fixed on two more, see ``voice/profiles.py``), and the Chinese one again
3 semitones higher. Each clip goes through the
app's own match (``DeliveryPlanner.plan`` with the clip as the voice reference) and, side by side, through
the pitch-only match the app used before (median and 10th-percentile pitch). Prints and records how many
found their own voice, every confusion, and what the timbre costs per clip.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import soundfile as sf

from bench.report import report_only_args, table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from index_tts.prosody.controls import Prosody
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS, Synthesizer
from index_tts.voice import speaker_encoder
from index_tts.voice.emotion import EmotionRequest
from index_tts.voice.planner import DeliveryPlanner
from index_tts.voice.profiles import PITCH_WEIGHT_PER_SEMITONE, VoiceProfiles, profile_key

# (label, language, text, pitch shift in semitones): the last one is read 3 semitones higher, as a speaker
# of another register would, to see whether the timbre still finds the voice
HELD_OUT = (
    ("zh", "zh", "这家小店的牛肉面味道很好，每天中午都有人排队。", 0.0),
    ("en", "en", "The train to the airport leaves every twenty minutes from platform four.", 0.0),
    ("zh, +3 semitones", "zh", "这家小店的牛肉面味道很好，每天中午都有人排队。", 3.0),
)
HEADING = "## Voice match by timbre (`bench/voice_match_bench.py`)"


def planners(engine) -> tuple[DeliveryPlanner, DeliveryPlanner]:
    """The app's match (timbre and pitch) and the pitch-only one, both on the shipped profiles."""
    key = profile_key(engine.name, engine.model_version, FIRST_SEGMENT_UNITS)

    def no_rendering(voice: str):
        raise RuntimeError(f"{voice} has no shipped profile: run python -m index_tts voice-profiles")

    encoder = speaker_encoder.load()
    if encoder is None:
        raise SystemExit("no speaker encoder: run python -m index_tts prepare")
    timbre = VoiceProfiles(key, engine.voices, no_rendering, encoder=encoder)
    pitch = VoiceProfiles(key, engine.voices, no_rendering)
    return DeliveryPlanner(engine, timbre), DeliveryPlanner(engine, pitch)


def main() -> None:
    args = report_only_args(__doc__)
    engine = create_engine("kokoro")
    synthesizer = Synthesizer(engine, TextFrontend())
    by_timbre, by_pitch = planners(engine)
    voices = engine.voices()
    found = {(m, label): 0 for m in ("timbre", "pitch") for label, *_ in HELD_OUT}
    confusions: list[str] = []
    similarities, seconds = [], []
    with tempfile.TemporaryDirectory() as work:
        for voice in voices:
            for label, language, text, shift in HELD_OUT:
                path = Path(work) / f"{voice}-{len(label)}.wav"
                params = SynthParams(voice=voice, prosody=Prosody(pitch_shift=shift) if shift else None)
                sf.write(path, synthesizer.synthesize(text, params, language).audio, 24_000)
                started = time.perf_counter()
                match = by_timbre.plan(voices[0], EmotionRequest(), None, reference_audio=str(path)).match
                seconds.append(time.perf_counter() - started)
                old = by_pitch.plan(voices[0], EmotionRequest(), None, reference_audio=str(path)).match
                found["timbre", label] += match.voice == voice
                found["pitch", label] += old.voice == voice
                similarities.append(match.similarity)
                if match.voice != voice:
                    confusions.append(f"{voice} ({label}) -> {match.voice} ({match.similarity:.2f})")
            print(f"{voice}: done", flush=True)
    rows = [
        {
            "matcher": name,
            **{f"own voice found, {label} clips": f"{found[key, label]}/{len(voices)}" for label, *_ in HELD_OUT},
        }
        for key, name in (("timbre", "timbre + pitch (the app)"), ("pitch", "pitch only (before)"))
    ]
    report = "\n\n".join(
        [
            HEADING,
            f"{time.strftime('%Y-%m-%d')}, this machine (2 cores). Each of the {len(voices)} offered voices reads one held-out "
            "Chinese and one held-out English sentence, and the Chinese one again 3 semitones higher; the clip is sent "
            "as the voice reference and matched among all "
            f"{len(voices)} voices. The rule (GE2E timbre cosine less {PITCH_WEIGHT_PER_SEMITONE} per semitone between "
            "the medians) was fixed on other sentences before this run.",
            table(rows),
            "Confusions: " + ("; ".join(confusions) if confusions else "none"),
            f"Timbre similarity of the chosen voice: median {statistics.median(similarities):.2f}, lowest "
            f"{min(similarities):.2f}. Measuring a clip (pitch and timbre, 3-5 s): median "
            f"{statistics.median(seconds) * 1000:.0f} ms.",
        ]
    )
    print("\n" + report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

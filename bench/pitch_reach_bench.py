"""How far each voice's pitch goes, and what the reach step changes, side by side on held-out sentences.

Usage: python -m bench.pitch_reach_bench [--no-write]

1. From the shipped tables (``python -m index_tts pitch-reach``): the highest offset each voice reaches
   in Chinese and in English, and the smallest offset asked at which it falls over a semitone short.
2. On two sentences the tables were not measured on: six voices asked for +10 semitones with the reach step
   (the app) and without it (the offset asked as given), the heard offset by Praat and by pyin beside the
   notice's figure.
"""

from __future__ import annotations

import time

import librosa
import numpy as np

from bench.report import report_only_args, table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from index_tts.prosody.controls import Prosody
from index_tts.prosody.delivery import measure_delivery
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS, Synthesizer
from index_tts.voice.pitch_reach import SENTENCES, PitchReach

HEADING = "## How far a pitch offset goes (`bench/pitch_reach_bench.py`)"
HELD_OUT = {
    "zh": "我们明天早上八点在学校门口见面，别迟到了。",
    "en": "Please leave your bags at the front desk before you go upstairs.",
}
CHECKED = ("jf_alpha", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunxi", "af_heart", "bf_isabella")
ASKED = 10.0


def pyin_median(audio: np.ndarray) -> float:
    f0, _, _ = librosa.pyin(audio.astype(np.float32), fmin=60, fmax=800, sr=24_000, frame_length=2048)
    return float(np.nanmedian(f0))


def main() -> None:
    args = report_only_args(__doc__)
    engine = create_engine("kokoro")
    synthesizer = Synthesizer(engine, TextFrontend(), FIRST_SEGMENT_UNITS)
    reach = PitchReach.of(engine)
    highest = []
    for voice in engine.voices():
        row = {"voice": voice}
        for language in SENTENCES:
            tab = reach.table(voice, language)
            best = max((tab.plan(a) for a in (2, 4, 6, 8, 10, 12)), key=lambda p: p.reached)
            first_short = next((a for a in (2, 4, 6, 8, 10, 12) if tab.plan(a).short), None)
            row[f"{language}: highest"] = f"{best.reached:+.1f} (asked {best.used:+.0f})"
            row[f"{language}: short from"] = f"{first_short:+d}" if first_short else "never"
        highest.append(row)
    checked = []
    for voice in CHECKED:
        for language, text in HELD_OUT.items():
            plain = synthesizer.synthesize(text, SynthParams(voice=voice), language).audio
            plan = reach.table(voice, language).plan(ASKED)
            row = {"voice": voice, "text": language, "notice says": f"{plan.reached:+.1f}" if plan.short else "(none)"}
            for name, offset in (("app (asked as)", plan.used), ("as given", ASKED)):
                audio = synthesizer.synthesize(
                    text, SynthParams(voice=voice, prosody=Prosody(pitch_shift=offset)), language
                ).audio
                praat = 12 * np.log2(measure_delivery(audio, 24_000).f0_median_hz / measure_delivery(plain, 24_000).f0_median_hz)
                pyin = 12 * np.log2(pyin_median(audio) / pyin_median(plain))
                row[f"{name}: Praat / pyin"] = f"{praat:+.1f} / {pyin:+.1f}" + (f" ({offset:+.0f})" if offset != ASKED else "")
            checked.append(row)
            print(row, flush=True)
    report = "\n\n".join(
        [
            HEADING,
            f"{time.strftime('%Y-%m-%d')}, this machine. The shipped tables: each voice read a Chinese and an English "
            'sentence at −12 … +12 semitones, median pitch by Praat. "Highest": the most it reaches asking at most '
            '+12; "short from": the smallest offset at which it falls more than a semitone short.',
            table(highest),
            f"Asked for {ASKED:+.0f} semitones on held-out sentences (not those of the tables), heard offset by Praat "
            'and by pyin (semitones over the plain reading). "app": the reach step asks the offset that goes highest '
            '(in brackets when not the one requested) and the notice gives its figure; "as given": the request '
            "passed to the model unchanged, as before.",
            table(checked),
        ]
    )
    print("\n" + report)
    if not args.no_write:
        write_section(HEADING, report)


if __name__ == "__main__":
    main()

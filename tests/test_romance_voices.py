"""The Spanish, French, Italian and Portuguese voices are understood in their own languages by a recogniser
we did not write (Whisper base): one voice per language, the development sentences that decided to offer
them (the held-out figures are in BENCHMARKS.md)."""

from __future__ import annotations

import pytest

from index_tts.engines.base import SynthParams
from testkit.romance_judge import judge, transcribe, word_error_rate
from testkit.romance_sentences import DEV, OFFER_BOUND

READERS = {"es": "em_alex", "fr-fr": "ff_siwis", "it": "if_sara", "pt-br": "pf_dora"}


@pytest.fixture(scope="module")
def whisper():
    return judge()


@pytest.mark.parametrize("language", list(READERS))
def test_each_language_is_understood_when_its_own_voice_reads_it(synthesizer, whisper, language) -> None:
    sentences = DEV[language][:2]

    def heard_from(voice: str, sentences: list[str] = sentences) -> list[str]:
        heard = []
        for sentence in sentences:
            result = synthesizer.synthesize(sentence, SynthParams(voice=voice))
            assert result.sample_rate == 24_000 and 1.0 < result.audio_seconds < 6.0
            heard.append(transcribe(whisper, result.audio, result.sample_rate, language))
        return heard

    own = heard_from(READERS[language])
    assert word_error_rate(sentences, own) <= OFFER_BOUND, own
    # read with English phonemes instead (how such a text was read before), the same judge hears less of it
    english = heard_from("af_sarah", sentences[:1])
    assert word_error_rate(sentences[:1], english) > word_error_rate(sentences[:1], own[:1]), (english, own)

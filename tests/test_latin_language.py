"""A text in Latin letters with no voice named: English stays English; Spanish, French, Italian and Portuguese
go to a voice of their own language when the identifier is sure (BENCHMARKS.md, "Language of a text in Latin
letters")."""

from __future__ import annotations

import pytest

from index_tts.frontend import latin_language
from testkit.latin_language_sentences import DEV, HELD_OUT, HELD_OUT_2

SETS = {"dev": DEV, "held-out": HELD_OUT, "held-out 2": HELD_OUT_2}


@pytest.mark.parametrize("name", SETS)
def test_no_english_text_is_read_in_another_language(name: str) -> None:
    moved = {text: latin_language.best_guess(text) for text in SETS[name]["en"] if latin_language.reading_language(text) != "en"}
    assert not moved


def test_romance_texts_go_to_their_own_language_or_stay_english() -> None:
    right = total = 0
    for texts in (HELD_OUT, HELD_OUT_2):
        for language in latin_language.ROMANCE:
            for text in texts[language]:
                read = latin_language.reading_language(text)
                assert read in (language, "en"), (text, read)  # never another Romance language
                right += read == language
                total += 1
    assert right / total >= 0.8, (right, total)  # 54 of 64 when the threshold was chosen

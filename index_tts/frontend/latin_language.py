"""The language of a text in Latin letters, for choosing who reads it when no voice is named.

English unless the identifier (py3langid: langid.py's model, offline, restricted to the five languages the
voices read in Latin letters) is sure the text is Spanish, French, Italian or Portuguese. The identifier and
its threshold were chosen on development texts so that no English text leaves English
(``bench/latin_language_bench.py``, BENCHMARKS.md "Language of a text in Latin letters").
"""

from __future__ import annotations

from functools import lru_cache

# py3langid's codes → the reading languages of ``g2p.LATIN_READINGS`` ("en": American English)
READINGS = {"en": "en", "es": "es", "fr": "fr-fr", "it": "it", "pt": "pt-br"}
THRESHOLD = 0.99  # the lowest probability read as a Romance language (chosen on the dev texts)


@lru_cache(maxsize=1)
def _identifier():  # py3langid has no type hints
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(READINGS))
    return identifier


def best_guess(text: str) -> tuple[str, float]:
    """The most likely of the five reading languages, and its probability."""
    language, probability = _identifier().classify(text)
    return READINGS[language], float(probability)


def reading_language(text: str) -> str:
    """``es``, ``fr-fr``, ``it`` or ``pt-br`` when the identifier is sure of it, else ``en``."""
    language, probability = best_guess(text)
    return language if language != "en" and probability >= THRESHOLD else "en"

"""The language of a text in Latin letters, for choosing who reads it when no voice is named.

English unless the identifier (py3langid: langid.py's model, offline, restricted to the five languages the
voices read in Latin letters) is sure the text is Spanish, French, Italian or Portuguese. The identifier and
its threshold were chosen on development texts so that no English text leaves English
(``bench/latin_language_bench.py``, BENCHMARKS.md "Language of a text in Latin letters").
"""

from __future__ import annotations

import logging
import threading
import time

# py3langid's codes → the reading languages of ``g2p.LATIN_READINGS`` ("en": American English)
READINGS = {"en": "en", "es": "es", "fr": "fr-fr", "it": "it", "pt": "pt-br"}
ROMANCE = tuple(reading for reading in READINGS.values() if reading != "en")
THRESHOLD = 0.9  # the lowest probability read as a Romance language (chosen on the dev texts, with a margin)
log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: list = []  # the identifier, once loaded (0.4-0.8 s, 50-80 MB)


def _identifier():  # py3langid has no type hints
    with _lock:  # a second caller waits for the first load instead of loading again
        if not _loaded:
            started = time.perf_counter()
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(READINGS))
            _loaded.append(identifier)
            log.info("language identifier (py3langid) loaded in %.2fs", time.perf_counter() - started)
        return _loaded[0]


def start_loading() -> threading.Thread:
    """Load the identifier in a thread, beside the engine's start-up (its xz decompression, most of the 0.4-0.8 s,
    runs outside the GIL); whoever needs it first waits for that load instead of starting another."""
    thread = threading.Thread(target=_identifier, name="latin-language-load", daemon=True)
    thread.start()
    return thread


def best_guess(text: str) -> tuple[str, float]:
    """The most likely of the five reading languages, and its probability."""
    language, probability = _identifier().classify(text)
    return READINGS[language], float(probability)


def reading_language(text: str) -> str:
    """``es``, ``fr-fr``, ``it`` or ``pt-br`` when the identifier is sure of it, else ``en``."""
    language, probability = best_guess(text)
    return language if language != "en" and probability >= THRESHOLD else "en"

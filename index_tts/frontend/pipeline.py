"""The front-end pipeline: clean → split sentences → normalize per language → segment → G2P."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

from ..common.errors import TTSError
from .cleaning import clean_text
from .g2p import ENGLISH_READINGS, G2PRegistry
from .normalize_en import normalize_en
from .normalize_zh import normalize_zh
from .script import HAN_RE, KANA_RE, LANGUAGES, LATIN_RE, detect_language, split_runs
from .segment import Segment
from .segmenter import (
    DEFAULT_MAX_UNITS,
    PAUSE_MS,
    TextPiece,
    cut_head,
    end_at_phrase,
    halve,
    pause_after,
    segment_text,
    split_sentences,
    split_words,
    units,
)

log = logging.getLogger(__name__)

PHONEME_BUDGET = 400  # below the model's 510 so punctuation and spacing never push a segment over
# An English word is longer speech than a CJK character: a short head of English text is 4 words, not 6 units.
ENGLISH_HEAD_WORDS = 4


@dataclass(frozen=True)
class FrontendResult:
    """Everything the front-end decided about a text, in the shape the CLI prints as JSON."""

    language: str
    normalized: str
    segments: list[Segment]

    def to_json(self) -> dict:
        return {
            "language": self.language,
            "normalized": self.normalized,
            "segments": [asdict(s) for s in self.segments],
        }


def _segment_language(text: str, document_language: str) -> str:
    if document_language == "ja" or KANA_RE.search(text):
        return "ja"
    if HAN_RE.search(text):
        return "zh"
    return "en" if LATIN_RE.search(text) else document_language


def normalize(text: str, language: str, verbalise_latin: bool = True) -> str:
    """Verbalize numbers and symbols sentence by sentence, each with its own language's rules; a sentence in
    Latin letters is verbalised as English only when it is read as English (``verbalise_latin``)."""
    lines = []
    for line in text.split("\n"):
        sentences = []
        for sentence in split_sentences(line):
            lang = _segment_language(sentence, language)
            if lang == "zh":
                sentence = normalize_zh(sentence)
            elif lang == "en" and verbalise_latin:
                sentence = normalize_en(sentence)
            sentences.append(sentence)
        lines.append("".join(sentences) if language != "en" else " ".join(s.strip() for s in sentences))
    return "\n".join(line for line in lines if line.strip())


class TextFrontend:
    """Turns raw text into segments; the G2P backends are loaded once and shared."""

    def __init__(self, phoneme_budget: int = PHONEME_BUDGET, short_english_head: bool = True) -> None:
        """``short_english_head=False`` cuts English heads as other languages' (6 units at a word boundary): the
        rule before the shorter English head, kept for the benchmark that compares the two."""
        self.g2p = G2PRegistry()
        self.phoneme_budget = phoneme_budget
        self.short_english_head = short_english_head

    def warm_up(self, languages: tuple[str, ...] = LANGUAGES) -> dict[str, float]:
        """Load every G2P backend now (dictionaries, espeak, OpenJTalk); return seconds per language."""
        samples = {"zh": "你好。", "en": "Hello.", "ja": "こんにちは。"}
        timings = {}
        for lang in languages:
            started = time.perf_counter()
            self.process(samples[lang], lang)
            timings[lang] = time.perf_counter() - started
        return timings

    def process(
        self,
        text: str,
        language: str = "auto",
        max_units: int = DEFAULT_MAX_UNITS,
        first_max_units: int | None = None,
        latin: str = "en-us",
    ) -> FrontendResult:
        """Clean, normalize, segment and phonemize ``text``; raises ``TTSError`` when nothing is speakable.

        ``first_max_units`` keeps the first segment short (cut at a word boundary) so streamed audio
        starts after one short engine call whatever the length of the text. ``latin``: how words in Latin
        letters are read, as the voice was trained on (``g2p.LATIN_READINGS``): American (``en-us``) or
        British (``en-gb``) English, or Spanish, French, Italian or Portuguese; only English is verbalised
        here, the others' numbers are read by espeak-ng in their own language.
        """
        if language not in ("auto", *LANGUAGES):
            raise TTSError(f"unknown language {language!r}; use auto, zh, en or ja")
        cleaned = clean_text(text or "")
        detected = detect_language(cleaned)
        if detected is None:
            raise TTSError("the text has nothing to speak: enter some words", "err_nothing_to_speak")
        doc_lang = detected if language == "auto" else language
        normalized = normalize(cleaned, doc_lang, verbalise_latin=latin in ENGLISH_READINGS)
        segments: list[Segment] = []
        pieces = segment_text(normalized, max_units)
        if first_max_units and pieces:
            pieces = self._short_head(pieces[0], first_max_units, doc_lang, latin) + pieces[1:]
        for piece in pieces:
            segments.extend(self._phonemize(piece.text, doc_lang, piece.pause_ms, latin))
        segments = [s for s in segments if s.phonemes.strip(" ,.!?;:“”()—…")]
        if not segments:
            raise TTSError("the text has nothing to speak: enter some words", "err_nothing_to_speak")
        return FrontendResult(doc_lang, normalized, segments)

    def _short_head(self, first: TextPiece, first_max_units: int, doc_lang: str, latin: str) -> list[TextPiece]:
        """``first`` as a short head and the rest, or whole when it is short already. English read as English is
        cut shorter (``ENGLISH_HEAD_WORDS``) and never right after a function word; other languages at a word
        boundary (Chinese words from the G2P's dictionary)."""
        language = _segment_language(first.text, doc_lang)
        if units(first.text) <= first_max_units:
            return [first]
        english = self.short_english_head and language == "en" and latin in ENGLISH_READINGS
        words = self.g2p.get("zh").words(first.text) if language == "zh" else split_words(first.text)
        cut = cut_head(first.text, min(first_max_units, ENGLISH_HEAD_WORDS) if english else first_max_units, words)
        if cut is None:
            return [first]
        head, tail = cut
        if english and pause_after(head.strip()) == PAUSE_MS["word"]:
            head, tail = end_at_phrase(head, tail)
        return [TextPiece(head.strip(), pause_after(head.strip())), TextPiece(tail.strip(), first.pause_ms)]

    def _phonemize(self, text: str, doc_lang: str, pause_ms: int, latin: str = "en-us") -> list[Segment]:
        """G2P one piece; if it overflows the phoneme budget, halve it at a word boundary and retry."""
        runs = split_runs(text, doc_lang)
        phonemes, pinyin, syllables = self.g2p.phonemize_runs(runs, latin)
        if len(phonemes) > self.phoneme_budget and len(text) > 1:
            first, second = halve(text)
            return self._phonemize(first.strip(), doc_lang, PAUSE_MS["word"], latin) + self._phonemize(
                second.strip(), doc_lang, pause_ms, latin
            )
        lang = _segment_language(text, doc_lang)
        return [
            Segment(
                text=text,
                language=lang,
                phonemes=phonemes,
                pinyin=" ".join(pinyin),
                pause_ms=pause_ms,
                syllables=tuple(syllables),
            )
        ]

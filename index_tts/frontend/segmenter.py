"""Split normalized text into sentences, then clauses, then words, never dropping a character.

Length is counted in *units*: a Chinese or Japanese character is one unit and so
is a Latin word, which roughly matches the text tokens IndexTTS2 counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .script import HAN, KANA

DEFAULT_MAX_UNITS = 40
PAUSE_MS = {"paragraph": 500, "?": 350, "!": 350, ".": 300, ";": 250, ":": 200, ",": 150, "word": 40}

_UNIT_RE = re.compile(f"[{HAN}{KANA}]|[A-Za-z\u00c0-\u024f0-9']+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?…])(?![。！？!?…”’\"」』)])|(?<=[.])(?=\s)")
_CLAUSE_END = re.compile(r"(?<=[，,、；;：:—])")
_PAUSE_OF = {
    "。": ".",
    "．": ".",
    ".": ".",
    "！": "!",
    "!": "!",
    "？": "?",
    "?": "?",
    "…": ".",
    "；": ";",
    ";": ";",
    "：": ":",
    ":": ":",
    "，": ",",
    ",": ",",
    "、": ",",
    "—": ",",
}


@dataclass(frozen=True)
class TextPiece:
    """A piece of text for one engine call and the pause after it."""

    text: str
    pause_ms: int


def units(text: str) -> int:
    """Length in units: CJK characters plus Latin words."""
    return len(_UNIT_RE.findall(text))


def pause_after(text: str) -> int:
    """Pause implied by the last punctuation mark of a piece."""
    stripped = text.rstrip(' ”’"」』)')
    mark = _PAUSE_OF.get(stripped[-1:]) if stripped else None
    return PAUSE_MS[mark] if mark else PAUSE_MS["word"]


def split_words(text: str) -> list[str]:
    """Word-sized pieces whose concatenation is ``text``: Latin words with their spaces, single CJK characters."""
    return re.findall(f"[{HAN}{KANA}][^{HAN}{KANA}A-Za-z0-9]*|[^{HAN}{KANA}\\s]+\\s*|\\s+", text)


def _pack(pieces: list[str], max_units: int) -> list[str]:
    """Greedily merge consecutive pieces while they fit in ``max_units``."""
    out: list[str] = []
    for piece in pieces:
        if out and units(out[-1]) + units(piece) <= max_units:
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _split_long(sentence: str, max_units: int) -> list[str]:
    if units(sentence) <= max_units:
        return [sentence]
    clauses = [c for c in _CLAUSE_END.split(sentence) if c]
    result: list[str] = []
    for clause in _pack(clauses, max_units):
        if units(clause) <= max_units:
            result.append(clause)
        else:
            result.extend(_pack(split_words(clause), max_units))
    return result


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, each keeping its closing punctuation."""
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def segment_text(text: str, max_units: int = DEFAULT_MAX_UNITS) -> list[TextPiece]:
    """Paragraphs → sentences → clauses → words, each piece at most ``max_units`` long."""
    if max_units < 1:
        raise ValueError("max_units must be at least 1")
    pieces: list[TextPiece] = []
    for paragraph in (p for p in text.split("\n") if p.strip()):
        for sentence in split_sentences(paragraph):
            for part in _split_long(sentence, max_units):
                if part.strip():
                    pieces.append(TextPiece(part.strip(), pause_after(part.strip())))
        if pieces:
            pieces[-1] = TextPiece(pieces[-1].text, max(pieces[-1].pause_ms, PAUSE_MS["paragraph"]))
    return pieces


# Words an English phrase goes on after: a head that ends on one is heard as cut off mid-phrase ("delayed by two |
# hours"), and the judge misheard such heads more often (BENCHMARKS, first sound, candidates).
FUNCTION_WORDS = frozenset(
    "a an the of to in on at for with by from and or but until as than your my our their his her its is are was"
    " were be been will would can could must should shall may might do does did has have had this that these those".split()
)


def end_at_phrase(head: str, tail: str, min_units: int = 2) -> tuple[str, str]:
    """Move the end of a ``head`` cut at a word boundary back to where a phrase ends: to its last clause mark, or
    else past any function words at its end, as long as ``min_units`` remain."""
    clauses = [c for c in _CLAUSE_END.split(head) if c]
    if len(clauses) > 1 and units("".join(clauses[:-1])) >= min_units:
        return "".join(clauses[:-1]), clauses[-1] + tail
    words = split_words(head)
    while units(head) > min_units and words and words[-1].strip().lower() in FUNCTION_WORDS:
        tail = words.pop() + tail
        head = "".join(words)
    return head, tail


def halve(text: str) -> tuple[str, str]:
    """Split a piece in two at the word boundary nearest its middle (used when phonemes overflow)."""
    words = split_words(text)
    if len(words) < 2:
        mid = len(text) // 2
        return text[:mid], text[mid:]
    total = units(text)
    acc = 0
    for i, w in enumerate(words):
        acc += units(w)
        if acc >= total / 2 and i < len(words) - 1:
            return "".join(words[: i + 1]), "".join(words[i + 1 :])
    return "".join(words[:-1]), words[-1]


def cut_head(text: str, max_units: int, words: list[str]) -> tuple[str, str] | None:
    """Split off a short head of at most ``max_units`` (at a clause mark if one fits, else a word boundary).

    ``words`` must concatenate back to ``text``. Returns ``None`` when ``text`` is already short enough
    or no boundary gives a head of at least two units.
    """
    if units(text) <= max_units:
        return None
    clauses = [c for c in _CLAUSE_END.split(text) if c]
    if len(clauses) > 1 and 2 <= units(clauses[0]) <= max_units:
        return clauses[0], text[len(clauses[0]) :]
    head = ""
    for word in words:
        if units(head + word) > max_units:
            break
        head += word
    if units(head) < 2 or not text[len(head) :].strip():
        return None
    return head, text[len(head) :]

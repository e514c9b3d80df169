"""When each character of the text as typed is spoken: the engine's phoneme times carried back to the user's text.

Three steps, each as exact as what it knows:

1. **Inside a segment.** A Chinese character takes the span of its own syllable (the front-end knows where
   each syllable's phonemes are: exact). A word of other letters (English, a Japanese run) takes a share of
   the phonemes between two Chinese syllables, cut at the phoneme string's own word breaks when the numbers
   agree, else in proportion to the words' lengths (estimated: espeak sometimes joins two words into one).
   Without the engine's phoneme times (IndexTTS2, the single Kokoro graph) the segment's span is shared
   among its phonemes evenly (estimated).
2. **On the audio.** Each segment sits where the stream put it, after the pauses before it (exact).
3. **In the text as typed.** The normalised text is matched to what was typed (``difflib``): "2025年" read
   as 二零二五年 is timed as "2025年", the digits sharing the span of 二零二五.

Characters that are not spoken (spaces, punctuation) get a span of zero length where they stand.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from ..frontend.script import HAN, KANA
from ..frontend.segment import Segment

_HAN_CHAR = re.compile(f"[{HAN}]")
# a unit of timing: a run of kana (with the kanji in it), a Chinese character, or a word of other letters and
# digits (apostrophes and hyphens inside it)
_OTHER_LETTERS = rf"[^\W_{HAN}{KANA}]+"
WORD = re.compile(rf"[{HAN}]*[{KANA}][{KANA}{HAN}]*|[{HAN}]|{_OTHER_LETTERS}(?:['’\-]{_OTHER_LETTERS})*")
_SOUNDS = re.compile(r"[^\s,.!?;:—…\"()“”«»¡¿]+")  # runs of phoneme characters that are sounds


@dataclass(frozen=True)
class SpokenSegment:
    """A segment as the stream spoke it: its place in the audio (seconds) and its phonemes' times on its own audio."""

    segment: Segment
    start: float
    end: float
    phoneme_times: np.ndarray | None = None


@dataclass(frozen=True)
class TimedText:
    text: str
    start: float
    end: float

    def to_json(self) -> dict:
        return {"text": self.text, "start": round(self.start, 3), "end": round(self.end, 3)}


Piece = tuple[str, float | None, float | None]  # text, and its start and end (None: what lies between words)


@dataclass(frozen=True)
class Alignment:
    """Every character of the text as typed with its span (seconds), its words and its segments."""

    characters: list[str]
    starts: list[float]
    ends: list[float]
    words: list[TimedText]
    segments: list[TimedText]

    def pieces(self) -> list[Piece]:
        """The typed text cut into words (with their times) and what lies between them (without): what the
        page's follow-along text is drawn from."""
        text = "".join(self.characters)
        out: list[Piece] = []
        at = 0
        for match in WORD.finditer(text):
            if match.start() > at:
                out.append((text[at : match.start()], None, None))
            out.append((match.group(), round(self.starts[match.start()], 3), round(self.ends[match.end() - 1], 3)))
            at = match.end()
        if at < len(text):
            out.append((text[at:], None, None))
        return out

    def to_json(self) -> dict:
        return {
            "characters": self.characters,
            "starts": [round(t, 3) for t in self.starts],
            "ends": [round(t, 3) for t in self.ends],
        }


def align(typed: str, spoken: list[SpokenSegment] | tuple[SpokenSegment, ...], duration: float) -> Alignment:
    """The alignment of ``typed`` (the request's text) on audio of ``duration`` seconds spoken as ``spoken``."""
    # segments joined by a space that nobody speaks, so a typed space between two segments has its like
    normalised = " ".join(s.segment.text for s in spoken)
    times = np.full((len(normalised), 2), np.nan)
    owner = np.zeros(len(normalised), int)
    at = 0
    for k, s in enumerate(spoken):
        n = len(s.segment.text)
        times[at : at + n] = _segment_char_times(s) + s.start
        owner[at : at + n + 1] = k
        at += n + 1
    typed_times, typed_owner = _carry_back(typed, normalised, times, owner)
    starts, ends = _fill_unspoken(typed_times, duration)
    words = [TimedText(m.group(), starts[m.start()], ends[m.end() - 1]) for m in WORD.finditer(typed) if m.group().strip()]
    segments = []
    for k, s in enumerate(spoken):
        text = "".join(c for c, o in zip(typed, typed_owner, strict=True) if o == k).strip()
        segments.append(TimedText(text, s.start, s.end))
    return Alignment(list(typed), starts, ends, words, segments)


def _segment_char_times(spoken: SpokenSegment) -> np.ndarray:
    """(start, end) seconds of each character of the segment's text on its own audio; NaN where not spoken."""
    segment = spoken.segment
    phoneme_times = spoken.phoneme_times
    if phoneme_times is None or len(phoneme_times) != len(segment.phonemes):
        phoneme_times = _even_phoneme_times(segment.phonemes, spoken.end - spoken.start)
    out = np.full((len(segment.text), 2), np.nan)
    han = [m.start() for m in _HAN_CHAR.finditer(segment.text)]
    syllables = list(segment.syllables)
    if segment.language != "zh" or len(han) != len(syllables):
        han, syllables = [], []  # the characters cannot be matched to syllables one to one: time the segment as words
    text_cuts = [-1, *han, len(segment.text)]
    phoneme_cuts = [(0, 0), *((a, b) for a, b, _tone in syllables), (len(segment.phonemes), len(segment.phonemes))]
    for k, position in enumerate(han):
        a, b = syllables[k][:2]
        out[position] = phoneme_times[a, 0], phoneme_times[b - 1, 1]
    for k in range(len(text_cuts) - 1):  # the stretches between Chinese characters, and their phonemes
        text_from, text_to = text_cuts[k] + 1, text_cuts[k + 1]
        phonemes_from, phonemes_to = phoneme_cuts[k][1], phoneme_cuts[k + 1][0]
        _time_words(segment, (text_from, text_to), (phonemes_from, phonemes_to), phoneme_times, out)
    return out


def _even_phoneme_times(phonemes: str, seconds: float) -> np.ndarray:
    """The segment's span shared evenly among its sounding phoneme characters (no times from the engine)."""
    sounding = np.array([bool(_SOUNDS.fullmatch(c)) for c in phonemes], bool)
    bounds = np.concatenate([[0], np.cumsum(sounding)]) * seconds / max(1, int(sounding.sum()))
    return np.stack([bounds[:-1], bounds[1:]], axis=1)


def _spans(pattern: re.Pattern, text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Where ``pattern`` matches inside ``text[span]``, as offsets in ``text``."""
    return [(m.start() + span[0], m.end() + span[0]) for m in pattern.finditer(text[slice(*span)])]


def _time_words(
    segment: Segment, text_span: tuple[int, int], phoneme_span: tuple[int, int], times: np.ndarray, out: np.ndarray
) -> None:
    """Time the words of ``segment.text[text_span]`` on the phonemes of ``phoneme_span`` (in ``out``, in place)."""
    words = _spans(WORD, segment.text, text_span)
    groups = _spans(_SOUNDS, segment.phonemes, phoneme_span)
    if not words:
        return
    if not groups:
        at = times[phoneme_span[0] - 1, 1] if phoneme_span[0] > 0 else 0.0
        for a, b in words:
            out[a:b] = at
        return
    sounds = [i for a, b in groups for i in range(a, b)]  # the phoneme characters of the stretch, in order
    if len(words) == len(groups):
        cuts = np.cumsum([0, *(b - a for a, b in groups)])
    else:
        cuts = _proportional_cuts([b - a for a, b in words], [b - a for a, b in groups])
    for (a, b), first, last in zip(words, cuts[:-1], cuts[1:], strict=True):
        first, last = int(first), max(int(first), int(last) - 1)
        first = min(first, len(sounds) - 1)
        last = min(last, len(sounds) - 1)
        start, end = times[sounds[first], 0], times[sounds[last], 1]
        share = np.linspace(start, end, b - a + 1)  # the word's letters share its span in order (estimated)
        out[a:b, 0], out[a:b, 1] = share[:-1], share[1:]


def _proportional_cuts(word_lengths: list[int], group_lengths: list[int]) -> np.ndarray:
    """Where each word begins and ends among the phoneme characters (counts), in proportion to the words'
    lengths, each cut moved to the nearest break between phoneme groups when it is close to one."""
    total = sum(group_lengths)
    fractions = np.cumsum([0, *word_lengths]) / max(1, sum(word_lengths))
    breaks = np.cumsum([0, *group_lengths])
    cuts = np.round(fractions * total)
    for k in range(1, len(cuts) - 1):
        nearest = breaks[np.argmin(np.abs(breaks - cuts[k]))]
        reach = 0.5 * min(word_lengths[k - 1], word_lengths[k]) * total / max(1, sum(word_lengths))
        if abs(nearest - cuts[k]) <= reach:
            cuts[k] = nearest
    return np.maximum.accumulate(cuts)


def _carry_back(typed: str, normalised: str, times: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Times and segment of each typed character, from those of the normalised text it was read as."""
    out = np.full((len(typed), 2), np.nan)
    typed_owner = [0] * len(typed)
    last_owner = 0
    for op, i1, i2, j1, j2 in _merged_opcodes(typed, normalised):
        if op == "equal":
            out[i1:i2] = times[j1:j2]
            typed_owner[i1:i2] = owner[j1:j2].tolist()
            last_owner = int(owner[j2 - 1])
            continue
        block = times[j1:j2]
        spoken = block[~np.isnan(block[:, 0])]
        if i1 == i2:  # read but not typed: the typed character before takes its time
            if len(spoken) and i1 > 0 and not np.isnan(out[i1 - 1, 0]):
                out[i1 - 1, 1] = max(out[i1 - 1, 1], spoken[:, 1].max())
            continue
        if j1 < j2:
            last_owner = int(owner[j1])
        if len(spoken):  # "2025" for 二零二五: the typed characters share the span in order
            share = np.linspace(spoken[:, 0].min(), spoken[:, 1].max(), i2 - i1 + 1)
            out[i1:i2, 0], out[i1:i2, 1] = share[:-1], share[1:]
        typed_owner[i1:i2] = [last_owner] * (i2 - i1)
    return out, typed_owner


def _merged_opcodes(typed: str, normalised: str) -> list[tuple[str, int, int, int, int]]:
    """``difflib``'s edit of ``typed`` into ``normalised``, each run of changes side by side made one change
    ("10:30" and "ten thirty" as one block, not a replace and an insert)."""
    merged: list[tuple[str, int, int, int, int]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, typed, normalised, autojunk=False).get_opcodes():
        if op != "equal" and merged and merged[-1][0] == "change":
            merged[-1] = ("change", merged[-1][1], i2, merged[-1][3], j2)
        else:
            merged.append(("equal" if op == "equal" else "change", i1, i2, j1, j2))
    return merged


def _fill_unspoken(times: np.ndarray, duration: float) -> tuple[list[float], list[float]]:
    """Starts and ends in order inside ``[0, duration]``: an unspoken character stands where the one before ends."""
    starts: list[float] = []
    ends: list[float] = []
    previous_end = 0.0
    for start, end in times:
        if np.isnan(start):
            start = end = previous_end
        start = min(max(float(start), starts[-1] if starts else 0.0), duration)
        end = min(max(float(end), start), duration)
        starts.append(start)
        ends.append(end)
        previous_end = end
    return starts, ends

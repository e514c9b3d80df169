"""The front-end's product: one piece of text small enough for a single engine call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One piece of text small enough for a single engine call, with the pause that follows it."""

    text: str
    language: str
    phonemes: str
    pinyin: str = ""
    pause_ms: int = 0
    # Chinese syllables: (start, end) offsets in ``phonemes`` and the spoken tone (1-4, 5 = neutral)
    syllables: tuple[tuple[int, int, int], ...] = ()

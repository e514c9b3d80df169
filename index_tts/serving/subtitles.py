"""Subtitles from an alignment: cues people can read, as SRT or WebVTT.

The rules are the usual ones of subtitling: a cue ends at a sentence end, and at a clause end once it holds
half a line; a line holds at most about 20 Chinese characters or 42 Latin ones (a Chinese character counts
as 2.1 Latin), a cue at most two lines; a word is never split; a cue shorter than ``MIN_CUE_S`` joins a
neighbour when the two fit in one cue, and is held on screen that long when the next cue leaves room.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..frontend.script import HAN, KANA
from .timestamps import WORD, Alignment

LINE_WIDTH = 42.0  # Latin characters in a line; a Chinese or Japanese character counts as 2.1 (20 in a line)
WIDE_CHAR = re.compile(f"[{HAN}{KANA}\u3000-\u303f\uff00-\uffef]")
WIDE = LINE_WIDTH / 20
MAX_LINES = 2
MIN_CUE_S = 0.7
SENTENCE_END = re.compile(r"[。！？!?…]|\.(?:\s|$)")
CLAUSE_END = re.compile(r"[，,、；;：:—]")


@dataclass
class Cue:
    """One subtitle: its lines and when it is on screen (seconds)."""

    start: float
    end: float
    lines: list[str]


@dataclass
class _Unit:
    text: str  # a word with the punctuation and space after it
    start: float
    end: float
    ends: str | None  # "sentence", "clause" or None


def width(text: str) -> float:
    """How much of a line ``text`` takes, in Latin characters."""
    wide = len(WIDE_CHAR.findall(text))
    return wide * WIDE + len(text) - wide


def cues(alignment: Alignment) -> list[Cue]:
    """The alignment's text cut into cues by the rules above."""
    units = _units(alignment)
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        if current and not _fits([*current, unit]):
            groups.append(current)
            current = []
        current.append(unit)
        filled = width(_joined(current))
        if unit.ends == "sentence" or (unit.ends == "clause" and filled >= LINE_WIDTH / 2):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    groups = _join_short(groups)
    out = [Cue(group[0].start, group[-1].end, _lines(group)) for group in groups]
    for cue, after in zip(out, [*out[1:], None], strict=True):  # short cues stay up as long as there is room
        if cue.end - cue.start < MIN_CUE_S:
            cue.end = max(cue.end, min(cue.start + MIN_CUE_S, after.start if after else alignment_end(alignment)))
    return out


def alignment_end(alignment: Alignment) -> float:
    return alignment.ends[-1] if alignment.ends else 0.0


def _units(alignment: Alignment) -> list[_Unit]:
    """Each word of the text with what follows it up to the next word, and whether that ends a sentence or clause."""
    text = "".join(alignment.characters)
    matches = list(WORD.finditer(text))
    units = []
    for k, m in enumerate(matches):
        upto = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        begin = 0 if k == 0 else m.start()
        piece = re.sub(r"\s+", " ", text[begin:upto]).replace("-->", "->")  # a cue's text never holds its arrow
        after = text[m.end() : upto]
        ends = "sentence" if SENTENCE_END.search(after) or "\n" in after else "clause" if CLAUSE_END.search(after) else None
        units.append(_Unit(piece, alignment.starts[m.start()], alignment.ends[m.end() - 1], ends))
    return units


def _joined(units: list[_Unit]) -> str:
    return "".join(u.text for u in units).strip()


def _fits(units: list[_Unit]) -> bool:
    """Whether ``units`` fit in one cue: two lines at most, each within the width (a lone word may not)."""
    return len(units) == 1 or all(width(line) <= LINE_WIDTH for line in _lines(units))


def _join_short(groups: list[list[_Unit]]) -> list[list[_Unit]]:
    """A cue shorter than ``MIN_CUE_S`` that cannot stay up that long before the next one begins is joined to
    that next one (or to the one before), when both fit in one cue."""
    out: list[list[_Unit]] = []
    for k, group in enumerate(groups):
        after = groups[k + 1][0].start if k + 1 < len(groups) else group[-1].end
        short = after - group[0].start < MIN_CUE_S
        if out and (short or _held(out[-1], group) < MIN_CUE_S) and _fits(out[-1] + group):
            out[-1] = out[-1] + group
            continue
        out.append(group)
    return out


def _held(group: list[_Unit], after: list[_Unit]) -> float:
    """How long ``group`` can stay on screen: until ``after`` begins."""
    return after[0].start - group[0].start


def _seconds(group: list[_Unit]) -> float:
    return group[-1].end - group[0].start


def _lines(group: list[_Unit]) -> list[str]:
    """One line, or two cut between words where the longer of the two is shortest."""
    text = _joined(group)
    if width(text) <= LINE_WIDTH or len(group) < 2:
        return [text]
    best = min(range(1, len(group)), key=lambda k: max(width(_joined(group[:k])), width(_joined(group[k:]))))
    return [_joined(group[:best]), _joined(group[best:])]


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(cue_list: list[Cue]) -> str:
    """SubRip: numbered cues, comma before the milliseconds."""
    blocks = [f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n" + "\n".join(c.lines) for n, c in enumerate(cue_list, 1)]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_text(line: str) -> str:
    """A line as WebVTT cue text: its markup characters escaped."""
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cue_list: list[Cue]) -> str:
    """WebVTT: the header, then cues with a dot before the milliseconds."""
    blocks = [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n" + "\n".join(_vtt_text(line) for line in c.lines) for c in cue_list
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")


SUBTITLE_FORMATS = {"srt": to_srt, "vtt": to_vtt}
SUBTITLE_MEDIA_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}

"""What kind of slip each misheard Chinese character is, so work goes where the errors are.

A character the recogniser wrote in place of the right one is either a
homophone (same syllable and tone: 在家 → 再加, 她 → 他, which no rendering
can tell apart and only the recogniser's language model decides), the same
syllable with another tone (没电了 → 没点了: the tone contour was misheard), or
another syllable (the consonant or vowel was). Characters dropped or added
are counted apart. Pinyin comes from pypinyin, which the Mandarin front-end
already uses.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from pypinyin import Style, pinyin

from index_tts.frontend.script import HAN_RE

KINDS = ("homophone", "tone", "syllable", "dropped or added")


def syllable(char: str) -> str:
    """The character's most common reading, tone number last (5 for the neutral tone): 电 → dian4."""
    return pinyin(char, style=Style.TONE3, neutral_tone_with_five=True)[0][0]


@dataclass
class Slips:
    """Counts of each kind of slip, and for tone slips which tone was heard as which ("4→3")."""

    kinds: Counter = field(default_factory=Counter)
    tones: Counter = field(default_factory=Counter)

    def add(self, other: Slips) -> None:
        self.kinds.update(other.kinds)
        self.tones.update(other.tones)


def classify(reference: str, heard: str) -> Slips:
    """Align the two normalised texts and sort every character-level difference into ``KINDS``.

    Substituted characters are paired in order; where a run is replaced by one of another length, the
    characters left over count as dropped or added. A substitution that is not Chinese on both sides
    (English letters) counts as another syllable.
    """
    slips = Slips()
    matcher = difflib.SequenceMatcher(None, reference, heard, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(a1 - a0, b1 - b0) if op == "replace" else 0
        if leftover := max(a1 - a0, b1 - b0) - paired:
            slips.kinds["dropped or added"] += leftover
        for right, wrong in zip(reference[a0 : a0 + paired], heard[b0 : b0 + paired], strict=True):
            if not (HAN_RE.match(right) and HAN_RE.match(wrong)):
                slips.kinds["syllable"] += 1
                continue
            said, written = syllable(right), syllable(wrong)
            if said == written:
                slips.kinds["homophone"] += 1
            elif said[:-1] == written[:-1]:
                slips.kinds["tone"] += 1
                slips.tones[f"{said[-1]}→{written[-1]}"] += 1
            else:
                slips.kinds["syllable"] += 1
    return slips


def tally(rows: list[dict]) -> Slips:
    """All slips of one voice's run (rows of ``cer_bench.run``: "reference" and "heard")."""
    total = Slips()
    for row in rows:
        total.add(classify(row["reference"], row["heard"]))
    return total


def paired_change(before: list[dict], after: list[dict], draws: int = 4000, seed: int = 0) -> dict:
    """How one voice's sentences moved between two runs: how many got better and worse, the mean change
    of their CER, and a bootstrap 95% interval of that mean (sentences resampled, seeded).

    Whisper's errors on one sentence flip with small changes to the audio, so a mean alone can move a
    point either way by chance; the sign count and the interval say whether a change is more than that.
    """
    earlier = {r["text"]: r["cer"] for r in before}
    pairs = [(earlier[r["text"]], r["cer"]) for r in after if r["text"] in earlier]
    if not pairs:
        raise ValueError("the two runs share no sentences")
    diff = np.array([b - a for a, b in pairs])
    means = np.random.default_rng(seed).choice(diff, size=(draws, len(diff)), replace=True).mean(axis=1)
    return {
        "sentences": len(diff),
        "better": int((diff < -1e-9).sum()),
        "worse": int((diff > 1e-9).sum()),
        "change": float(diff.mean()),
        "low": float(np.quantile(means, 0.025)),
        "high": float(np.quantile(means, 0.975)),
    }

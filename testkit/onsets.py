"""Where the audio itself says a word starts: sound after a pause, for judging word timings.

The first word after a comma follows a pause, and there the first 10 ms window louder than ``ONSET_DBFS``
after at least ``PAUSE_S`` below it is the word's acoustic onset. A timing (ours, or a recogniser's) can be
set against it; the start of the audio is left out, since no timing can be early there.
"""

from __future__ import annotations

import re

import numpy as np

ONSET_DBFS, PAUSE_S, NEAR_S = -40.0, 0.1, 0.3  # an onset: sound after this much silence, within NEAR_S of our start


def onsets_after_pauses(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Seconds where sound starts after at least ``PAUSE_S`` of silence (10 ms windows; ``ONSET_DBFS``)."""
    window = sample_rate // 100
    count = len(audio) // window
    rms = np.sqrt(np.mean(np.asarray(audio[: count * window], np.float64).reshape(count, window) ** 2, axis=1))
    loud = 20 * np.log10(np.maximum(rms, 1e-10)) > ONSET_DBFS
    quiet, found = 0, []
    for i, is_loud in enumerate(loud):
        if is_loud and quiet >= round(PAUSE_S * 100):
            found.append(i / 100)
        quiet = 0 if is_loud else quiet + 1
    return np.array(found)


def after_commas(typed: str) -> list[int]:
    """Index of the first letter or character after each comma of the typed text."""
    return [m.end() for m in re.finditer(r"[，,]\s*", typed) if m.end() < len(typed)]


def at_onsets(pairs: dict[int, tuple[float, float]], typed: str, onsets: np.ndarray) -> list[tuple[float, float]]:
    """(ours - onset, Whisper's - onset) for each word after a comma that both timed, at the onset nearest ours."""
    out = []
    for index in after_commas(typed):
        if index in pairs and len(onsets):
            ours, theirs = pairs[index]
            onset = onsets[np.argmin(np.abs(onsets - ours))]
            if abs(onset - ours) <= NEAR_S:
                out.append((ours - onset, theirs - onset))
    return out

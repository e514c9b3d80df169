"""Mandarin intonation: F0 targets from each syllable's tone, laid over the model's own pitch curve.

With the shipped Japanese voice packs Kokoro ignores tone marks, so we write
the pitch ourselves. Each syllable's tone (after sandhi, from the front-end)
picks a contour in Chao's five-level tone letters (1 = low, 5 = high): tone 1
is 55, tone 2 35, tone 3 21 inside a phrase and 214 at its end, tone 4 51,
and the neutral tone a short level that depends on the tone before it. Levels
become semitones around the voice's median pitch, the contour is stretched
over the syllable's voiced frames (spans come from the predicted durations),
joined smoothly to its neighbours, lowered slowly across the phrase
(declination) and raised at the end of a question. The model's own small,
fast pitch movements are kept on top. Points outside Chinese syllables (for
example English words in mixed text) keep the model's curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .controls import POINT_SECONDS, POINTS_PER_FRAME, VOICED_HZ, ProsodyTrack

# Chao tone letters as (relative time, level) points over the voiced part of a syllable.
TONE_CONTOURS: dict[str, list[tuple[float, float]]] = {
    "1": [(0.0, 5.0), (1.0, 5.0)],
    "2": [(0.0, 3.0), (0.2, 2.6), (1.0, 5.0)],
    "3": [(0.0, 2.2), (0.5, 1.0), (1.0, 1.0)],  # half third tone, inside a phrase
    "3-final": [(0.0, 2.5), (0.5, 1.0), (1.0, 2.6)],  # dipping tone at the end of a phrase
    "4": [(0.0, 5.0), (0.25, 5.0), (1.0, 1.5)],  # high held a moment before the fall: heard less often as tone 3
    "4-plain": [(0.0, 5.0), (1.0, 1.0)],  # for voices that speak with the average rhythm (see Register)
}
NEUTRAL_LEVEL = {1: 2.0, 2: 3.0, 3: 4.0, 4: 1.5, 5: 2.5, 0: 3.0}  # by the tone before it
MIDDLE_LEVEL = 3.0
# The end of a syllable's voicing fades out and is barely heard: each contour is laid over the
# first part of the voiced span and its last level held, so the movement lands where it is audible.
CONTOUR_SPAN = 0.6


@dataclass(frozen=True)
class Register:
    """A voice's pitch: its median in Hz, and where the five Chao levels go.

    Level 3 sits on the median unless that would push level 1 below
    ``floor_hz`` or level 5 above ``ceiling_hz``: a deep voice (jm_kumo speaks
    around 93 Hz) moves up, as a low tone under ~80 Hz turns to creak with no
    pitch a listener can hear, and a high one moves down, as the decoder stops
    following F0 above ~450 Hz.
    """

    median_hz: float
    semitones_per_level: float = 3.0
    # The falling tone's high start held a moment: a recogniser heard fewer falling syllables as low ones
    # with the four voices that keep their own rhythm, and more with jm_kumo, which speaks Mandarin with
    # the voices' average rhythm (engines/kokoro/engine.py); that voice keeps the plain fall.
    held_fall: bool = True
    floor_hz: float = 90.0
    ceiling_hz: float = 420.0

    @property
    def step(self) -> float:
        """Semitones per level, narrowed when floor and ceiling leave less than four full steps."""
        return min(self.semitones_per_level, 12 * math.log2(self.ceiling_hz / self.floor_hz) / 4)

    @property
    def centre_hz(self) -> float:
        half = 2 ** (2 * self.step / 12)
        return min(max(self.median_hz, self.floor_hz * half), self.ceiling_hz / half)


@dataclass(frozen=True)
class SyllableSpan:
    """One syllable's tokens (``start`` to ``end``, end excluded) and its spoken tone."""

    start: int
    end: int
    tone: int


def _contour(tone: int, previous: int, final: bool, held_fall: bool = True) -> list[tuple[float, float]]:
    if tone == 5:
        level = NEUTRAL_LEVEL.get(previous, MIDDLE_LEVEL)
        return [(0.0, level), (1.0, level - 0.5)]
    if tone == 3 and final:
        return TONE_CONTOURS["3-final"]
    if tone == 4 and not held_fall:
        return TONE_CONTOURS["4-plain"]
    return TONE_CONTOURS.get(str(tone), [(0.0, MIDDLE_LEVEL), (1.0, MIDDLE_LEVEL)])


def _smooth(values: np.ndarray, mask: np.ndarray, width: int) -> np.ndarray:
    """Moving average over the masked points only (unmasked points neither give nor take)."""
    if width < 2 or not mask.any():
        return values
    window = np.hanning(width + 2)[1:-1]
    weights = np.convolve(mask.astype(np.float64), window, mode="same")
    summed = np.convolve(np.where(mask, values, 0.0), window, mode="same")
    out = values.copy()
    ok = mask & (weights > 1e-6)
    out[ok] = summed[ok] / weights[ok]
    return out


def tone_targets(
    track: ProsodyTrack,
    syllables: list[SyllableSpan],
    register: Register,
    question: bool = False,
    declination_per_second: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """Target log-F0 for every F0 point, and the mask of points that belong to a voiced syllable."""
    points = len(track.f0)
    target = np.zeros(points)
    mask = np.zeros(points, bool)
    starts = track.token_starts * POINTS_PER_FRAME
    ends = starts + track.frames * POINTS_PER_FRAME
    voiced = track.voiced
    log_median = math.log(register.centre_hz)
    step = register.step * math.log(2) / 12
    previous = 0
    for i, syllable in enumerate(syllables):
        idx = track.voiced_points(syllable.start, syllable.end)
        final = i == len(syllables) - 1 or syllables[i + 1].start - syllable.end > 1
        if len(idx) == 0:
            previous = syllable.tone
            continue
        contour = _contour(syllable.tone, previous, final, register.held_fall)
        if question and i == len(syllables) - 1:
            contour = [(t, level + 1.5 * t) for t, level in contour] if syllable.tone != 5 else [(0, 3.0), (1, 5.0)]
        rel = np.minimum(1.0, (idx - idx[0]) / max(1, idx[-1] - idx[0]) / CONTOUR_SPAN)
        levels = np.interp(rel, [t for t, _ in contour], [lv for _, lv in contour])
        target[idx] = log_median + (levels - MIDDLE_LEVEL) * step
        mask[idx] = True
        previous = syllable.tone
    if mask.any():
        # The pad tokens at both ends are near-silent but voiced in the model's curve: hold the nearest
        # syllable's pitch there so the decoder meets no jump of an octave going into the first syllable.
        pads = np.r_[np.arange(0, min(int(ends[0]), points)), np.arange(int(starts[-1]), points)]
        pads = pads[voiced[pads] & ~mask[pads]]
        known = np.flatnonzero(mask)
        target[pads] = np.interp(pads, known, target[known])
        mask[pads] = True
        seconds = np.arange(points) * POINT_SECONDS
        seconds -= seconds[mask][0]
        fall = declination_per_second * (0.3 if question else 1.0) * math.log(2) / 12
        target -= np.clip(seconds, 0, 4.0) * fall
    return target, mask


def fill_energy_dips(track: ProsodyTrack, syllables: list[SyllableSpan]) -> np.ndarray:
    """Energy with the dips inside each syllable's voiced nucleus filled.

    With the Japanese voice packs the energy predictor sometimes dips in the
    middle of a Mandarin vowel (and the tone letters), which splits one
    syllable into two pulses and breaks its pitch contour in half. A syllable
    has one nucleus, so each point takes the lower of the running maxima from
    either side: valleys fill, onsets and offsets stay.
    """
    energy = track.energy.astype(np.float64).copy()
    for syllable in syllables:
        idx = track.voiced_points(syllable.start, syllable.end)
        if len(idx) > 2:
            values = energy[idx]
            energy[idx] = np.minimum(np.maximum.accumulate(values), np.maximum.accumulate(values[::-1])[::-1])
    return energy.astype(np.float32)


def apply_tones(
    track: ProsodyTrack,
    syllables: list[SyllableSpan],
    register: Register,
    question: bool = False,
    micro_prosody: float = 0.5,
) -> ProsodyTrack:
    """The track with tone contours (and whole nuclei) on the Chinese syllables; other points are the model's."""
    f0 = track.f0.astype(np.float64)
    target, mask = tone_targets(track, syllables, register, question)
    if not mask.any():
        return track
    target = _smooth(target, mask, 7)
    voiced = f0 > VOICED_HZ
    log_f0 = np.log(np.maximum(f0, 1.0))
    micro = log_f0 - _smooth(log_f0, voiced, 11)
    shaped = f0.copy()
    shaped[voiced & ~mask] *= register.centre_hz / register.median_hz  # other words follow the moved register
    shaped[mask] = np.exp(target[mask] + micro_prosody * micro[mask])
    return ProsodyTrack(track.frames, shaped.astype(np.float32), fill_energy_dips(track, syllables))


def syllable_spans(phonemes: str, syllables: tuple[tuple[int, int, int], ...], vocab: dict[str, int]) -> list[SyllableSpan]:
    """Map the front-end's phoneme-string offsets to token positions (token 0 is the start pad)."""
    token_at = np.zeros(len(phonemes) + 1, np.int64)
    count = 0
    for i, char in enumerate(phonemes):
        token_at[i] = count + 1
        if char in vocab:
            count += 1
    token_at[len(phonemes)] = count + 1
    return [SyllableSpan(int(token_at[a]), int(token_at[b]), tone) for a, b, tone in syllables if token_at[b] > token_at[a]]


def is_question(text: str) -> bool:
    return text.rstrip(" \"'”’」』)）").endswith(("?", "？"))

"""A reference clip's delivery carried over to a voice, relative to that voice's own neutral delivery.

The clip and the voice are measured the same way (``delivery``). Pitch range,
speaking rate and loudness move the voice by the clip's ratio to the voice's
neutral reading. Pitch level is speaker-dependent, so it is judged against a
typical speaker of the clip's register (Titze 1994: about 120 Hz for low
voices, 210 Hz for high ones) and the voice is moved by the same number of
semitones above or below its own register. Every change scales with the
emotion weight and is bounded, so a strange clip cannot make strange speech.

``match_pitch`` says how far the voice match moves the chosen voice to meet
a clip's median pitch.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..prosody.controls import PITCH_SHIFT_RANGE, Prosody
from ..prosody.delivery import DeliveryStats

LOW_REGISTER_P10_HZ = 130.0  # a voice whose 10th-percentile pitch is below this speaks in the low register
REGISTER_NORM_HZ = {"low": 120.0, "high": 210.0}
LEVEL_LIMIT_ST = 6.0
RANGE_LIMITS = (0.4, 2.5)
DURATION_LIMITS = (0.6, 1.7)
LOUDNESS_LIMIT_DB = 6.0


def semitones(ratio: float) -> float:
    return 12.0 * math.log2(ratio)


def clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def register(stats: DeliveryStats) -> str:
    """ "low" or "high": judged by the lowest pitches, which move less with emotion than the median does."""
    return "low" if stats.f0_p10_hz < LOW_REGISTER_P10_HZ else "high"


def register_level(stats: DeliveryStats) -> float:
    """Semitones between a speaker's median pitch and the typical median of their register."""
    return semitones(stats.f0_median_hz / REGISTER_NORM_HZ[register(stats)])


def transfer_delivery(reference: DeliveryStats, neutral: DeliveryStats, weight: float, base: Prosody | None = None) -> Prosody:
    """The prosody that gives the voice (``neutral``) the clip's delivery at ``weight`` (0 changes nothing)."""
    start = base or Prosody()
    if weight <= 0:
        return start
    shift = weight * (register_level(reference) - register_level(neutral))
    pitch_range = (reference.f0_range_st / neutral.f0_range_st) ** weight
    duration = (neutral.syllable_rate / reference.syllable_rate) ** weight if reference.syllable_rate > 0 else 1.0
    loudness = clamp(weight * (reference.level_db - neutral.level_db), -LOUDNESS_LIMIT_DB, LOUDNESS_LIMIT_DB)
    return replace(
        start,
        pitch_shift=clamp(start.pitch_shift + clamp(shift, -LEVEL_LIMIT_ST, LEVEL_LIMIT_ST), *PITCH_SHIFT_RANGE),
        pitch_range=start.pitch_range * clamp(pitch_range, *RANGE_LIMITS),
        duration=start.duration * clamp(duration, *DURATION_LIMITS),
        loudness_db=start.loudness_db + loudness,
        energy=start.energy * 10 ** (loudness / 40),  # vocal effort follows loudness, at half its slope
    )


def match_pitch(reference: DeliveryStats, neutral: DeliveryStats) -> float:
    """Semitones between the voice's median pitch and the clip's (bounded by the pitch control's range)."""
    return clamp(semitones(reference.f0_median_hz / neutral.f0_median_hz), *PITCH_SHIFT_RANGE)

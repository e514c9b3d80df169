"""Emotion as prosody: the 8-dim IndexTTS2 vector and its weight become pitch, range, tempo, energy,
pauses and loudness for an engine that has no emotion input of its own.

Each emotion moves the controls the way published acoustic correlates of vocal
emotion describe (Murray & Arnott 1993, table 1; Scherer 2003, table 2):

| emotion      | pitch level | pitch range | tempo        | loudness | pauses  |
|--------------|-------------|-------------|--------------|----------|---------|
| happy        | higher      | much wider  | a bit faster | louder   | shorter |
| angry        | higher      | wider       | faster       | much louder | shorter |
| sad          | lower       | narrower    | slower       | softer   | longer  |
| afraid       | much higher | wider       | much faster  | as is    | shorter |
| disgusted    | much lower  | a bit wider | much slower  | softer   | longer  |
| melancholic  | lower       | much narrower | much slower | much softer | much longer |
| surprised    | much higher | much wider  | a bit faster | louder   | as is   |
| calm         | a bit lower | narrower    | a bit slower | a bit softer | a bit longer |

``EFFECTS`` holds the full-strength numbers. A request's strength for each
emotion is its (already normalized) vector value times the weight, so a weight
of 0 changes nothing and the size of every change follows the weight. Effects
add up in log space (semitones, decibels, log factors), so mixed emotions
blend. Pitch moves after the Mandarin tone contours are laid, as a shift and
a range scale of the whole curve, so tones keep their shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..prosody.controls import PITCH_SHIFT_RANGE, Prosody
from .emotion import EMOTIONS


@dataclass(frozen=True)
class Effect:
    """What one emotion at full strength does to the delivery."""

    pitch_shift: float  # semitones
    pitch_range: float  # factor on the spread of the pitch curve
    tempo: float  # factor on speaking rate (duration is its inverse)
    loudness_db: float
    energy: float  # factor on the model's energy curve (vocal effort)
    pause: float  # factor on pauses between phrases


EFFECTS: dict[str, Effect] = {
    "happy": Effect(pitch_shift=4.0, pitch_range=1.5, tempo=1.08, loudness_db=2.0, energy=1.15, pause=0.85),
    "angry": Effect(pitch_shift=3.0, pitch_range=1.4, tempo=1.12, loudness_db=5.0, energy=1.4, pause=0.8),
    "sad": Effect(pitch_shift=-3.0, pitch_range=0.65, tempo=0.8, loudness_db=-3.0, energy=0.85, pause=1.4),
    "afraid": Effect(pitch_shift=5.0, pitch_range=1.3, tempo=1.2, loudness_db=0.0, energy=1.0, pause=0.8),
    "disgusted": Effect(pitch_shift=-3.5, pitch_range=1.1, tempo=0.8, loudness_db=-1.5, energy=0.9, pause=1.3),
    "melancholic": Effect(pitch_shift=-4.0, pitch_range=0.55, tempo=0.75, loudness_db=-5.0, energy=0.8, pause=1.6),
    "surprised": Effect(pitch_shift=6.0, pitch_range=1.6, tempo=1.05, loudness_db=2.0, energy=1.1, pause=1.0),
    "calm": Effect(pitch_shift=-1.0, pitch_range=0.8, tempo=0.94, loudness_db=-1.0, energy=0.95, pause=1.15),
}


def emotion_prosody(vector: tuple[float, ...] | None, weight: float, base: Prosody | None = None) -> Prosody | None:
    """The prosody for a normalized emotion vector at ``weight``; ``None`` (nothing to change) at weight 0."""
    if vector is None or weight <= 0 or not any(vector):
        return base
    shift = log_range = log_tempo = loudness = log_energy = log_pause = 0.0
    for name, value in zip(EMOTIONS, vector, strict=True):
        strength = value * weight
        effect = EFFECTS[name]
        shift += strength * effect.pitch_shift
        log_range += strength * math.log(effect.pitch_range)
        log_tempo += strength * math.log(effect.tempo)
        loudness += strength * effect.loudness_db
        log_energy += strength * math.log(effect.energy)
        log_pause += strength * math.log(effect.pause)
    start = base or Prosody()
    return replace(
        start,
        pitch_shift=min(PITCH_SHIFT_RANGE[1], max(PITCH_SHIFT_RANGE[0], start.pitch_shift + shift)),
        pitch_range=start.pitch_range * math.exp(log_range),
        energy=start.energy * math.exp(log_energy),
        duration=start.duration / math.exp(log_tempo),
        pause=start.pause * math.exp(log_pause),
        loudness_db=start.loudness_db + loudness,
    )


def delivery_prosody(
    prosody_control: bool, vector: tuple[float, ...] | None, weight: float, pitch: float = 0.0
) -> Prosody | None:
    """What a request's emotion and pitch offset ask of an engine; ``None`` for engines without prosody
    controls (they render emotion their own way, or not at all)."""
    if not prosody_control:
        return None
    return emotion_prosody(vector, weight, Prosody(pitch_shift=pitch) if pitch else None)

"""Emotion controls as IndexTTS2 defines them: four modes, an 8-dim vector and a weight.

The order of the vector is fixed by IndexTTS2 and shared by the UI, the API
and every engine: happy, angry, sad, afraid, disgusted, melancholic,
surprised, calm.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

EMOTIONS: tuple[str, ...] = ("happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm")
# IndexTTS2 scales slider values by this bias, then caps the sum at MAX_VECTOR_SUM.
SLIDER_BIAS: tuple[float, ...] = (0.9375, 0.875, 1.0, 1.0, 0.9375, 0.9375, 0.6875, 0.5625)
MAX_VECTOR_SUM = 0.8
DEFAULT_WEIGHT = 0.65


class EmotionMode(str, Enum):
    """How the emotion of a request is chosen (IndexTTS2's emo_control_method 0-3)."""

    VOICE = "voice"  # same as the voice reference
    AUDIO = "audio"  # a separate emotion reference clip, blended by weight
    VECTOR = "vector"  # eight sliders (or a random draw), blended by weight
    TEXT = "text"  # a description such as "有点难过", blended by weight


@dataclass(frozen=True)
class EmotionRequest:
    """The emotion part of a request as the delivery planner takes it (``SpeechRequest`` validated it)."""

    mode: EmotionMode = EmotionMode.VOICE
    vector: tuple[float, ...] = (0.0,) * len(EMOTIONS)
    weight: float = DEFAULT_WEIGHT
    random: bool = False
    audio_path: str | None = None
    text: str = ""


def normalize_vector(values: tuple[float, ...] | list[float]) -> tuple[float, ...]:
    """Apply IndexTTS2's slider bias, then scale down so the sum stays within ``MAX_VECTOR_SUM``."""
    biased = np.asarray(values, dtype=np.float64) * np.asarray(SLIDER_BIAS)
    total = float(biased.sum())
    if total > MAX_VECTOR_SUM:
        biased *= MAX_VECTOR_SUM / total
    return tuple(round(float(v), 6) for v in biased)


def random_vector(seed: int | None) -> tuple[float, ...]:
    """A reproducible random emotion (IndexTTS2's "random sampling"), already normalized."""
    rng = np.random.default_rng(seed)
    return normalize_vector(rng.random(len(EMOTIONS)).tolist())

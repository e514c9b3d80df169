"""A request's emotion mode turned into the one 8-value vector an engine renders.

Sliders are normalized the IndexTTS2 way, a random draw follows the seed, and a description
(or, when it is empty, the text to speak, as IndexTTS2 does) goes through the lexicon classifier.
"""

from __future__ import annotations

from .emotion import EmotionMode, EmotionRequest, normalize_vector, random_vector
from .emotion_text import classify_emotion


def resolve_vector(request: EmotionRequest, seed: int | None, main_text: str = "") -> tuple[float, ...] | None:
    """The vector an engine should render, or ``None`` when the mode does not give one directly."""
    if request.mode is EmotionMode.TEXT:
        return normalize_vector(classify_emotion(request.text or main_text))
    if request.mode is not EmotionMode.VECTOR:
        return None
    if request.random:
        return random_vector(seed)
    return normalize_vector(request.vector)

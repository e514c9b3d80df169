"""Splice a second take over the English words of a Chinese sentence.

A Chinese segment with English words in it (我们周五开一个online会议) is spoken in one model call so the
Chinese stays fluent. Its English words can then be decoded a second time in another timbre on the same
durations, pitch and energy, so the two takes line up sample for sample, and that take is crossfaded in
over the English words' frames only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...prosody.mandarin import SyllableSpan

# Tokens that are neither Chinese syllables nor English sounds: word spaces and punctuation.
_NOT_A_SOUND = frozenset(' ,.!?;:—…"“”()')
FADE_SAMPLES = 480  # 20 ms at 24 kHz: each edge of a spliced word is a 20 ms crossfade


def english_tokens(phonemes: str, spans: Sequence[SyllableSpan], vocab: dict[str, int]) -> np.ndarray:
    """Which of the segment's tokens (start and end pads included) belong to English words: those in no
    Chinese syllable that are not a space or a punctuation mark."""
    chars = [c for c in phonemes if c in vocab]
    mask = np.zeros(len(chars) + 2, bool)
    for position, char in enumerate(chars, start=1):
        mask[position] = char not in _NOT_A_SOUND
    for span in spans:
        mask[span.start : span.end] = False
    return mask


def splice_weights(mask: np.ndarray, frames: np.ndarray, length: int, fade: int = FADE_SAMPLES) -> np.ndarray:
    """Per-sample weight of the second take: 1 over the masked tokens' frames, 0 elsewhere, with edges
    smoothed over ``fade`` samples. ``frames`` is the number of frames each token was given."""
    frames = np.asarray(frames).ravel().astype(np.int64)
    total = int(frames.sum())
    hop = length // total if total else 0
    if hop == 0:
        return np.zeros(length, np.float32)
    weights = np.repeat(np.repeat(mask.astype(np.float32), frames), hop)
    weights = np.pad(weights, (0, max(0, length - len(weights))))[:length]
    if fade > 1:
        window = np.hanning(fade)
        weights = np.convolve(weights, window / window.sum(), mode="same")
    return weights.astype(np.float32)


def splice(first: np.ndarray, second: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``first`` with ``second`` crossfaded in where ``weights`` is above 0 (takes of the same length)."""
    first = np.asarray(first, np.float32).ravel()
    second = np.asarray(second, np.float32).ravel()
    return ((1.0 - weights) * first + weights * second).astype(np.float32)

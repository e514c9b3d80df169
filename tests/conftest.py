"""Shared fixtures: one engine and one front-end for the whole session (loading costs seconds)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from index_tts.engines import create_engine
from index_tts.frontend import TextFrontend
from index_tts.synthesizer import Synthesizer

logging.getLogger("phonemizer").setLevel(logging.ERROR)


@pytest.fixture(scope="session")
def frontend() -> TextFrontend:
    return TextFrontend()


@pytest.fixture(scope="session")
def engine():
    eng = create_engine("kokoro")
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def synthesizer(engine, frontend) -> Synthesizer:
    return Synthesizer(engine, frontend)


def voiced_fraction(audio: np.ndarray, sample_rate: int) -> float:
    """Share of 40 ms frames with a clear periodic component (speech has many, noise and silence few)."""
    frame = int(0.04 * sample_rate)
    voiced = total = 0
    for start in range(0, len(audio) - frame, frame):
        x = audio[start : start + frame]
        if np.sqrt(np.mean(x**2)) < 0.01:
            continue
        total += 1
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        lo, hi = sample_rate // 400, sample_rate // 70  # pitch between 70 and 400 Hz
        if ac[0] > 0 and ac[lo:hi].max() / ac[0] > 0.5:
            voiced += 1
    return voiced / total if total else 0.0

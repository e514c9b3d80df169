"""How long a worker takes to render a segment, learned from the segments it has just rendered.

Admission needs to know how long the work already accepted will take. A segment's cost grows with
its length (its phonemes, or its characters for engines that take text) on top of a fixed cost
per call, so the last few dozen renders are fitted with ``seconds = per_call + per_unit * size``.
Because the figures are the workers' own wall times, they include whatever else the machine is
doing: when another process takes the cores, renders slow down and so does the estimate.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

from ..frontend.segment import Segment

WINDOW = 64  # recent renders the fit uses: enough to average out noise, few enough to follow a change of load
MIN_FIT = 8  # fewer renders than this (or all of one size): one ratio through the origin instead of a line


def segment_size(segment: Segment) -> int:
    """What a segment's render cost grows with: its phonemes, or its characters when it has none."""
    return max(1, len(segment.phonemes) or len(segment.text))


class RenderSpeed:
    """Thread-safe running estimate of one worker's seconds per segment; ``None`` until it has seen one."""

    def __init__(self, window: int = WINDOW) -> None:
        self._renders: deque[tuple[int, float]] = deque(maxlen=window)
        self._lock = threading.Lock()
        self._model: tuple[float, float] | None = None  # (seconds per call, seconds per unit of size)

    def record(self, size: int, seconds: float) -> None:
        """One segment of ``size`` took a worker ``seconds`` (its share, when rendered in a batch)."""
        if seconds <= 0 or size <= 0:
            return
        with self._lock:
            self._renders.append((size, seconds))
            self._model = self._fit()

    @property
    def known(self) -> bool:
        return self._model is not None

    def cost(self, segments: int, total_size: int) -> float:
        """Worker seconds for ``segments`` segments of ``total_size`` units in all (0 while nothing is known)."""
        model = self._model
        if model is None:
            return 0.0
        per_call, per_unit = model
        return segments * per_call + total_size * per_unit

    def describe(self) -> dict[str, float | int] | None:
        """The fitted figures, for ``/health``."""
        model = self._model
        if model is None:
            return None
        return {"seconds_per_call": round(model[0], 4), "seconds_per_unit": round(model[1], 5), "renders": len(self._renders)}

    def _fit(self) -> tuple[float, float]:
        sizes = np.array([s for s, _ in self._renders], float)
        seconds = np.array([t for _, t in self._renders], float)
        ratio = (0.0, float(seconds.sum() / sizes.sum()))
        if len(sizes) < MIN_FIT or np.ptp(sizes) == 0:
            return ratio
        per_unit, per_call = np.polyfit(sizes, seconds, 1)
        if per_unit <= 0 or per_call < 0:  # noise made the line meaningless: a plain ratio is safer
            return ratio
        return float(per_call), float(per_unit)


class AudioPace:
    """Thread-safe running ratio of audio seconds per unit of segment size, at speed 1: how much sound a
    request will give, known before it is rendered (for the player's start-up buffer)."""

    def __init__(self, window: int = WINDOW) -> None:
        self._renders: deque[tuple[int, float]] = deque(maxlen=window)
        self._lock = threading.Lock()

    def record(self, size: int, audio_seconds: float, speed: float = 1.0) -> None:
        """A segment of ``size`` gave ``audio_seconds`` of audio at ``speed``."""
        if size > 0 and audio_seconds > 0 and speed > 0:
            with self._lock:
                self._renders.append((size, audio_seconds * speed))

    def seconds(self, total_size: int, speed: float = 1.0) -> float | None:
        """Expected audio seconds of ``total_size`` units at ``speed``; None until a render was seen."""
        with self._lock:
            sizes = sum(s for s, _ in self._renders)
            audio = sum(a for _, a in self._renders)
        if not sizes:
            return None
        return total_size * audio / sizes / max(speed, 1e-3)

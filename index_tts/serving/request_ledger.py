"""Book-keeping of requests: how many are inside now, the metrics of those that ended, one log line each."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from .metrics import Metrics

log = logging.getLogger("index_tts.serving")


@dataclass(frozen=True)
class RequestSummary:
    """What one finished request did, for the metrics and its log line."""

    endpoint: str
    voice: str
    chars: int
    segments: int
    audio_s: float
    first_audio_s: float | None
    total_s: float
    cache_hits: int
    queue_wait_s: float
    render_s: float


class RequestLedger:
    """Thread-safe counts of requests in flight, their outcomes in ``metrics`` (when given) and a log line."""

    def __init__(self, engine_name: str, metrics: Metrics | None = None) -> None:
        self.engine_name = engine_name
        self.metrics = metrics
        self._active = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> int:
        return self._active

    def enter(self) -> None:
        with self._lock:
            self._active += 1

    def leave(self) -> None:
        with self._lock:
            self._active -= 1

    def failed(self, endpoint: str, kind: str) -> None:
        if self.metrics is not None:
            self.metrics.failed(endpoint, kind)

    def completed(self, done: RequestSummary) -> None:
        """A request that delivered all its audio: metrics and the synthesis log line with its timings."""
        if self.metrics is not None:
            self.metrics.observe(done.endpoint, done.first_audio_s, done.total_s, done.audio_s)
        log.info(
            "synthesis endpoint=%s engine=%s voice=%s chars=%d segments=%d audio=%.2fs first_audio=%.3fs total=%.2fs "
            "rtf=%.3f cache_hits=%d/%d queue_wait=%.2fs render=%.2fs",
            done.endpoint,
            self.engine_name,
            done.voice,
            done.chars,
            done.segments,
            done.audio_s,
            done.first_audio_s or 0.0,
            done.total_s,
            done.total_s / done.audio_s if done.audio_s else 0.0,
            done.cache_hits,
            done.segments,
            done.queue_wait_s,
            done.render_s,
        )

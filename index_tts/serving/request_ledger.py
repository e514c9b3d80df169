"""Book-keeping of requests: how many are inside now, the metrics of those that ended, one log line each."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from .metrics import Metrics

if TYPE_CHECKING:
    from .speech_stream import SpeechStream

log = logging.getLogger("index_tts.serving")


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

    def completed(self, speech: SpeechStream) -> None:
        """A request that delivered all its audio: metrics and the synthesis log line with its timings."""
        audio_s = speech.audio_samples / speech.sample_rate
        if self.metrics is not None:
            self.metrics.observe(speech.endpoint, speech.first_audio_seconds, speech.seconds, audio_s)
        waited, rendered = speech.rendering.timings()
        log.info(
            "synthesis endpoint=%s engine=%s voice=%s chars=%d segments=%d audio=%.2fs first_audio=%.3fs total=%.2fs "
            "rtf=%.3f cache_hits=%d/%d queue_wait=%.2fs render=%.2fs",
            speech.endpoint,
            self.engine_name,
            speech.params.voice,
            len(speech.text),
            len(speech.segments),
            audio_s,
            speech.first_audio_seconds or 0.0,
            speech.seconds,
            speech.seconds / audio_s if audio_s else 0.0,
            speech.cache_hits,
            len(speech.segments),
            waited,
            rendered,
        )

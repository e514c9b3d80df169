"""Prometheus metrics for ``GET /metrics``: requests, errors, queue, latency, audio, cache, RTF, batch sizes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 60.0)
BATCH_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
RTF_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _CacheCollector(Collector):
    """Cache hit/miss counters read from the cache itself, so there is one source of truth."""

    def __init__(self, stats: Callable[[], dict[str, int] | None]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self._stats() or {"hits": 0, "misses": 0}
        yield CounterMetricFamily("tts_cache_hits", "Segments answered from the audio cache", value=stats["hits"])
        yield CounterMetricFamily("tts_cache_misses", "Segments that had to be rendered", value=stats["misses"])


class Metrics:
    """One registry per app (tests may build several apps in one process)."""

    def __init__(self, queue_depth: Callable[[], float], active_segments: Callable[[], float], cache_stats) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("tts_requests", "Finished synthesis requests", ["endpoint", "status"], registry=r)
        self.errors = Counter("tts_errors", "Failed synthesis requests", ["endpoint", "kind"], registry=r)
        self.first_audio = Histogram(
            "tts_first_audio_seconds", "Request start to first audio chunk", ["endpoint"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.total = Histogram(
            "tts_request_seconds", "Request start to last audio chunk", ["endpoint"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.audio_seconds = Counter("tts_audio_seconds", "Seconds of audio produced", ["endpoint"], registry=r)
        self.batch_size = Histogram("tts_batch_size", "Segments rendered per engine call", buckets=BATCH_BUCKETS, registry=r)
        self.rtf = Histogram("tts_rtf", "Compute seconds per audio second, per request", buckets=RTF_BUCKETS, registry=r)
        Gauge("tts_queue_depth", "Requests and segments waiting", registry=r).set_function(queue_depth)
        Gauge("tts_active_segments", "Segments being rendered now", registry=r).set_function(active_segments)
        r.register(_CacheCollector(cache_stats))

    def observe(self, endpoint: str, first_audio_s: float | None, total_s: float, audio_s: float) -> None:
        self.requests.labels(endpoint, "ok").inc()
        if first_audio_s is not None:
            self.first_audio.labels(endpoint).observe(first_audio_s)
        self.total.labels(endpoint).observe(total_s)
        self.audio_seconds.labels(endpoint).inc(audio_s)
        if audio_s > 0:
            self.rtf.observe(total_s / audio_s)

    def failed(self, endpoint: str, kind: str) -> None:
        self.requests.labels(endpoint, "error").inc()
        self.errors.labels(endpoint, kind).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

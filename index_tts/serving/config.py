"""How the serving core is set up: which engine, how many workers, which serving features.

Its defaults are the settings' own (``common.settings``), and ``from_settings`` is the one place the
server and the CLI turn their settings into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..common.settings import DEFAULTS, Settings
from .synthesizer import FIRST_SEGMENT_UNITS


@dataclass(frozen=True)
class ManagerConfig:
    """The defaults suit the embedded engine on a small CPU."""

    engine: str = DEFAULTS.engine
    model_dir: Path | None = None
    sessions: int = field(default_factory=lambda: Settings.model_fields["workers"].get_default(call_default_factory=True))
    threads: int | None = DEFAULTS.threads  # None: cores / sessions (the naive baseline, tools)
    naive: bool = False  # upstream-style baseline: one request at a time, whole text, no cache
    cache: bool = True
    first_segment_units: int = FIRST_SEGMENT_UNITS
    max_batch: int = DEFAULTS.max_batch  # for engines that can batch (IndexTTS2): segments of different requests ...
    batch_window_ms: float = DEFAULTS.batch_window_ms  # ... gathered for at most this long while others are about
    fallback: bool = True  # when the chosen engine fails to load or on a request, the embedded one serves
    fp16: bool = False  # engine options for IndexTTS2 (GPU): half precision ...
    device: str | None = None  # ... and the torch device ("cuda:0", "cpu"); None lets it choose
    max_mel_tokens: int | None = None  # IndexTTS2: generation cap when a request sets none (upstream: 1500)
    segment_timeout_s: float = DEFAULTS.segment_timeout  # watchdog: a worker longer on one segment is replaced
    # admission: refuse a request ("busy, retry in N s") when the work already accepted would take longer
    # than this to render at the measured speed; None accepts everything (CLI, tools, tests)
    max_wait_s: float | None = None
    audio_cache_dir: Path | None = None  # the segment cache's folder (None: cache_hub/audio_cache)
    redis_url: str | None = None  # replicas: the Redis they share the cache (and the rate limit) through
    replica_name: str | None = None  # replicas: this one's name in /health

    @classmethod
    def from_settings(cls, settings: Settings, *, serving: bool = True) -> ManagerConfig:
        """The server's layout (``serving``: admission, cache, fallback as set), or the CLI's (every request
        accepted, nothing cached, the engine named is the one wanted: no fallback)."""
        naive = settings.naive
        return cls(
            engine=settings.engine,
            model_dir=settings.model_dir,
            sessions=1 if naive else settings.workers,
            threads=None if naive else settings.threads,
            naive=naive,
            cache=serving and settings.cache and not naive,
            max_batch=settings.max_batch,
            batch_window_ms=settings.batch_window_ms,
            fallback=serving and settings.fallback,
            fp16=settings.fp16,
            device=settings.device,
            max_mel_tokens=settings.max_mel_tokens,
            segment_timeout_s=settings.segment_timeout,
            max_wait_s=settings.max_wait if serving else None,
            audio_cache_dir=settings.audio_cache_dir,
            redis_url=settings.redis_url if serving else None,
            replica_name=settings.replica_name,
        )

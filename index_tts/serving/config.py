"""How the serving core is set up: which engine, how many workers, which serving features."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..engines import DEFAULT_ENGINE
from .synthesizer import FIRST_SEGMENT_UNITS

MAX_WAIT_S = 30.0  # default bound on the expected wait (the server's --max-wait); see admission.py
SEGMENT_TIMEOUT_S = 60.0  # a worker on one segment longer than this has hung: it is replaced, the request fails


@dataclass(frozen=True)
class ManagerConfig:
    """The defaults suit the embedded engine on a small CPU."""

    engine: str = DEFAULT_ENGINE
    model_dir: Path | None = None
    sessions: int = field(default_factory=lambda: os.cpu_count() or 1)  # one worker per core: most throughput
    # 1 thread per worker: under load, workers with a thread per core slowed each other (4 users: 1.52
    # vs 2.63 audio-s/s), more than a lone request gains (first audio 0.98 vs 1.55 s); BENCHMARKS.md
    threads: int | None = 1
    naive: bool = False  # upstream-style baseline: one request at a time, whole text, no cache
    cache: bool = True
    first_segment_units: int = FIRST_SEGMENT_UNITS
    max_batch: int = 4  # for engines that can batch (IndexTTS2): segments of different requests at once ...
    batch_window_ms: float = 20.0  # ... gathered for at most this long while others are about
    fallback: bool = True  # when the chosen engine fails to load or on a request, the embedded one serves
    fp16: bool = False  # engine options for IndexTTS2 (GPU): half precision ...
    device: str | None = None  # ... and the torch device ("cuda:0", "cpu"); None lets it choose
    max_mel_tokens: int | None = None  # IndexTTS2: generation cap when a request sets none (upstream: 1500)
    segment_timeout_s: float = SEGMENT_TIMEOUT_S  # watchdog: a worker longer on one segment is replaced
    # admission: refuse a request ("busy, retry in N s") when the work already accepted would take longer
    # than this to render at the measured speed; None accepts everything (CLI, tools, tests)
    max_wait_s: float | None = None

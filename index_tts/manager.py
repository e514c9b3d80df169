"""The one model manager per process: loads the engine and front-end once, warms them, serves requests.

Everything that speaks (the WebUI, the HTTP API) goes through ``get_manager()``,
so the model is loaded exactly once and warm before the first visitor arrives.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .emotion import EmotionRequest, resolve_vector
from .engines import DEFAULT_ENGINE, create_engine
from .engines.base import Engine, Segment, SynthParams
from .errors import TTSError
from .frontend import TextFrontend
from .frontend.segmenter import DEFAULT_MAX_UNITS
from .synthesizer import ProgressFn, SynthesisResult, Synthesizer

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 5000
SPEED_RANGE = (0.5, 2.0)
SEGMENT_RANGE = (8, 200)
# Full-length segments: onnxruntime grows its memory arena on the first long input, so warm with long ones.
WARM_UP_TEXT = {
    "zh": "欢迎来到人工智能展览馆，今天我们将一起体验富有表现力的语音合成技术，希望您喜欢。",
    "en": "Welcome to the exhibition, where today we will listen to expressive speech made on this small computer.",
    "ja": "こんにちは、今日は展示会へようこそ。",
}

@dataclass(frozen=True)
class ManagerConfig:
    """How to build the engine; the defaults suit the embedded engine on a small CPU."""

    engine: str = DEFAULT_ENGINE
    model_dir: Path | None = None
    sessions: int = 1
    threads: int | None = None


@dataclass(frozen=True)
class SpeechJob:
    """One validated synthesis request from the UI or the API."""

    text: str
    voice: str | None = None
    speed: float = 1.0
    seed: int = 0
    language: str = "auto"
    max_units: int = DEFAULT_MAX_UNITS
    emotion: EmotionRequest = field(default_factory=EmotionRequest)
    reference_audio: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise TTSError("the text is empty: enter something to say")
        if len(self.text) > MAX_TEXT_CHARS:
            raise TTSError(f"the text has {len(self.text)} characters; the limit is {MAX_TEXT_CHARS}")
        if not math.isfinite(self.speed) or not SPEED_RANGE[0] <= self.speed <= SPEED_RANGE[1]:
            raise TTSError(f"speed must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}")
        if not SEGMENT_RANGE[0] <= self.max_units <= SEGMENT_RANGE[1]:
            raise TTSError(f"the maximum segment length must be between {SEGMENT_RANGE[0]} and {SEGMENT_RANGE[1]}")


class ModelManager:
    """Owns the engine, the front-end and their timings; thread-safe."""

    def __init__(self, config: ManagerConfig) -> None:
        self.config = config
        self.started_at = time.time()
        self.load_seconds: dict[str, float] = {}
        self.warm_up_seconds: dict[str, float] = {}
        self.ready = False
        self._engine: Engine | None = None
        self._synthesizer: Synthesizer | None = None
        self._active = 0
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def load(self) -> None:
        """Load the front-end (dictionaries, G2P, espeak) and the engine, timing each part."""
        started = time.perf_counter()
        frontend = TextFrontend()
        for lang, seconds in frontend.warm_up().items():
            self.load_seconds[f"frontend_{lang}"] = round(seconds, 3)
            log.info("loaded front-end %s in %.2fs", lang, seconds)
        t0 = time.perf_counter()
        cfg = self.config
        engine = create_engine(cfg.engine, model_root=cfg.model_dir, num_sessions=cfg.sessions, threads_per_session=cfg.threads)
        self.load_seconds["engine"] = round(time.perf_counter() - t0, 3)
        log.info("loaded engine %s (%s) in %.2fs", engine.name, engine.model_version, self.load_seconds["engine"])
        self._engine = engine
        self._synthesizer = Synthesizer(engine, frontend)
        self.load_seconds["total"] = round(time.perf_counter() - started, 3)

    def warm_up(self) -> None:
        """One synthesis per language so the first visitor pays no first-call cost."""
        synthesizer = self.synthesizer
        voice = self.default_voice
        for lang in synthesizer.engine.languages:
            text = WARM_UP_TEXT.get(lang)
            if text is None:
                continue
            t0 = time.perf_counter()
            # every session in the pool runs once: onnxruntime's first run per session is the slow one
            for _ in range(max(1, self.config.sessions)):
                synthesizer.synthesize(text, SynthParams(voice=voice), lang)
            self.warm_up_seconds[lang] = round(time.perf_counter() - t0, 3)
            log.info("warm-up %s in %.2fs", lang, self.warm_up_seconds[lang])
        self.ready = True

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    # -- serving ---------------------------------------------------------------------------

    @property
    def synthesizer(self) -> Synthesizer:
        if self._synthesizer is None:
            raise RuntimeError("the model manager is not loaded yet")
        return self._synthesizer

    @property
    def engine(self) -> Engine:
        return self.synthesizer.engine

    @property
    def default_voice(self) -> str:
        return self.engine.voices()[0]

    @property
    def active_requests(self) -> int:
        return self._active

    def preview(self, text: str, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS) -> list[Segment]:
        """The segments ``text`` would be spoken in, without synthesizing them."""
        return self.synthesizer.plan(text, language, max_units)

    def synthesize(self, job: SpeechJob, progress: ProgressFn | None = None) -> SynthesisResult:
        """Render a whole request, reporting (done, total, segment) after each segment."""
        params = self._params(job)
        with self._lock:
            self._active += 1
        try:
            return self.synthesizer.synthesize(job.text, params, job.language, job.max_units, progress)
        finally:
            with self._lock:
                self._active -= 1

    def _params(self, job: SpeechJob) -> SynthParams:
        voice = job.voice or self.default_voice
        self.synthesizer.check_voice(voice)
        extra: dict[str, Any] = {"emotion_mode": job.emotion.mode.value}
        if job.emotion.audio_path:
            extra["emotion_audio"] = job.emotion.audio_path
        if job.emotion.text:
            extra["emotion_text"] = job.emotion.text
        if job.reference_audio:
            extra["reference_audio"] = job.reference_audio
        vector = resolve_vector(job.emotion, job.seed)
        return SynthParams(
            voice=voice,
            speed=job.speed,
            seed=job.seed,
            emotion=vector,
            emotion_weight=job.emotion.weight if job.emotion.mode.value != "voice" else 0.0,
            extra=extra,
        )

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` reports about the model."""
        engine = self._engine
        return {
            "status": "ok" if self.ready else "loading",
            "engine": engine.name if engine else self.config.engine,
            "model_version": engine.model_version if engine else None,
            "voices": engine.voices() if engine else [],
            "languages": list(engine.languages) if engine else [],
            "load_seconds": self.load_seconds,
            "warm_up_seconds": self.warm_up_seconds,
            "active_requests": self._active,
            "uptime_seconds": round(time.time() - self.started_at, 1),
        }


_instance: ModelManager | None = None
_instance_lock = threading.Lock()


def get_manager(config: ManagerConfig | None = None, warm: bool = True) -> ModelManager:
    """The process-wide manager, loaded and (unless ``warm`` is False) warmed on first call; later configs must match."""
    global _instance
    with _instance_lock:
        if _instance is None:
            manager = ModelManager(config or ManagerConfig())
            manager.load()
            if warm:
                manager.warm_up()
            else:
                manager.ready = True
            _instance = manager
        elif config is not None and config != _instance.config:
            raise RuntimeError(f"the model manager already runs with {_instance.config}, not {config}")
        return _instance

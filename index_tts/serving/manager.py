"""The one model manager per process: loads the engine and front-end once, warms them, serves requests.

Everything that speaks (the WebUI, the HTTP API) goes through ``get_manager()``,
so the model is loaded exactly once and warm before the first visitor arrives.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import TTSError
from ..common.paths import cache_dir
from ..engines import DEFAULT_ENGINE, create_engine
from ..engines.base import Engine, Segment, SynthParams, pause_after
from ..engines.fallback import FallbackEngine
from ..engines.sampling import sampling_kwargs
from ..frontend import TextFrontend
from ..frontend.segmenter import DEFAULT_MAX_UNITS
from ..prosody.controls import PITCH_SHIFT_RANGE
from ..voice.emotion import EmotionRequest
from ..voice.planner import DeliveryPlanner, Notice
from .cache import AudioCache, cache_key
from .metrics import Metrics
from .scheduler import Cancelled, SegmentScheduler
from .synthesizer import ProgressFn, SynthesisResult, Synthesizer

log = logging.getLogger(__name__)


def _max_text_chars() -> int:
    """The longest text one request may have: ``$INDEX_TTS_MAX_TEXT_CHARS`` or 5000 (page, API and CLI alike)."""
    value = os.environ.get("INDEX_TTS_MAX_TEXT_CHARS", "5000")
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise SystemExit(f"error: INDEX_TTS_MAX_TEXT_CHARS must be a whole number from 1 to 100000, got {value!r}")
    return int(value)


MAX_TEXT_CHARS = _max_text_chars()


def check_text_length(text: str) -> None:
    """``TTSError`` when ``text`` is longer than ``MAX_TEXT_CHARS`` (the page, the API and the CLI)."""
    if len(text) > MAX_TEXT_CHARS:
        raise TTSError(f"the text has {len(text)} characters; the limit is {MAX_TEXT_CHARS}")


PLAN_CACHE_SIZE = 1024
SEGMENT_TIMEOUT_S = 60.0  # a worker on one segment longer than this has hung: it is replaced, the request fails
READ_TIMEOUT_S = 180.0  # backstop for a reader waiting on one segment, queueing included
SPEED_RANGE = (0.5, 2.0)
SEED_RANGE = (0, 2**32 - 1)  # what every random generator the engines use accepts
PITCH_RANGE = PITCH_SHIFT_RANGE  # semitones added to the voice
SEGMENT_RANGE = (8, 200)
# Full-length segments: onnxruntime grows its memory arena on the first long input, so warm with long ones.
FIRST_SEGMENT_UNITS = 6  # the first segment of a request: a few words, so first audio comes after one short call
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
    sessions: int = field(default_factory=lambda: os.cpu_count() or 1)  # one worker per core: most throughput
    # 1 thread per worker: under load, workers with a thread per core slowed each other (4 users: 1.52
    # vs 2.63 audio-s/s), more than a lone request gains (first audio 0.98 vs 1.55 s); BENCHMARKS.md
    threads: int | None = 1
    naive: bool = False  # upstream-style baseline: one request at a time, whole text, no cache
    cache: bool = True
    first_segment_units: int = FIRST_SEGMENT_UNITS
    max_batch: int = 1  # for engines that can batch: segments per call ...
    batch_window_ms: float = 0.0  # ... gathered for at most this long
    fallback: bool = True  # when the chosen engine fails to load or on a request, the embedded one serves
    fp16: bool = False  # engine options for IndexTTS2 (GPU): half precision ...
    device: str | None = None  # ... and the torch device ("cuda:0", "cpu"); None lets it choose
    segment_timeout_s: float = SEGMENT_TIMEOUT_S  # watchdog: a worker longer on one segment is replaced


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
    sampling: tuple[tuple[str, float], ...] = ()  # IndexTTS2 generation keywords (top_p, temperature...)
    interval_silence_ms: int = 200  # IndexTTS2: silence between the pieces it splits a segment into
    pitch: float = 0.0  # semitones added to the voice (engines with prosody control)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise TTSError("the text is empty: enter something to say")
        check_text_length(self.text)
        if not math.isfinite(self.speed) or not SPEED_RANGE[0] <= self.speed <= SPEED_RANGE[1]:
            raise TTSError(f"speed must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}")
        if not isinstance(self.seed, int) or not SEED_RANGE[0] <= self.seed <= SEED_RANGE[1]:
            raise TTSError(f"the seed must be a whole number between {SEED_RANGE[0]} and {SEED_RANGE[1]}")
        if not SEGMENT_RANGE[0] <= self.max_units <= SEGMENT_RANGE[1]:
            raise TTSError(f"the maximum segment length must be between {SEGMENT_RANGE[0]} and {SEGMENT_RANGE[1]}")
        sampling_kwargs(dict(self.sampling))
        if not math.isfinite(self.pitch) or not PITCH_RANGE[0] <= self.pitch <= PITCH_RANGE[1]:
            raise TTSError(f"pitch must be between {PITCH_RANGE[0]:g} and {PITCH_RANGE[1]:g} semitones")
        if not 0 <= self.interval_silence_ms <= 2000:
            raise TTSError("the interval silence must be between 0 and 2000 ms")


class ModelManager:
    """Owns the engine, the front-end and their timings; thread-safe."""

    def __init__(self, config: ManagerConfig) -> None:
        self.config = config
        self.started_at = time.time()
        self.load_seconds: dict[str, float] = {}
        self.warm_up_seconds: dict[str, float] = {}
        self.ready = False
        self.closed = False
        self._engine: Engine | None = None
        self.fallback_reason: str | None = None  # set when the configured engine could not load
        self._synthesizer: Synthesizer | None = None
        self._planner: DeliveryPlanner | None = None
        self.scheduler: SegmentScheduler | None = None
        self.cache: AudioCache | None = None
        self._active = 0
        self._lock = threading.Lock()
        self._naive_lock = threading.Lock()
        self._plans: OrderedDict[tuple, list[Segment]] = OrderedDict()
        self.waiting_elsewhere: Callable[[], int] = lambda: 0  # the server adds requests waiting in the UI queue
        self.metrics = Metrics(
            queue_depth=lambda: self.queue_depth(),
            active_segments=lambda: self.scheduler.depth()["active_segments"] if self.scheduler else self._active,
            cache_stats=lambda: self.cache.stats() if self.cache else None,
        )

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
        engine = self._create_engine()
        self.load_seconds["engine"] = round(time.perf_counter() - t0, 3)
        log.info("loaded engine %s (%s) in %.2fs", engine.name, engine.model_version, self.load_seconds["engine"])
        self._engine = engine
        self._synthesizer = Synthesizer(engine, frontend)
        self._planner = DeliveryPlanner(self._synthesizer)
        if not cfg.naive:
            batching = engine.capabilities.batched_inference and cfg.max_batch > 1
            self.scheduler = SegmentScheduler(
                self._render,
                workers=cfg.sessions,
                render_batch=self._render_batch if batching else None,
                max_batch=cfg.max_batch,
                batch_window_s=cfg.batch_window_ms / 1000,
                segment_timeout_s=cfg.segment_timeout_s,
                on_abandon=engine.abandon_call,
                first_alone=getattr(engine, "threads_per_session", 1) > 1,
            )
            if cfg.cache:
                try:
                    folder: Path | None = cache_dir("audio_cache")
                except OSError as exc:
                    log.warning("cache: no folder for the disk cache (%s); caching in memory only", exc)
                    folder = None
                self.cache = AudioCache(folder)
        self.load_seconds["total"] = round(time.perf_counter() - started, 3)

    def _create_engine(self) -> Engine:
        """The configured engine; with fallback on, the embedded one when it cannot load (and per failed segment)."""
        cfg = self.config

        def embedded() -> Engine:
            return create_engine(
                DEFAULT_ENGINE, model_root=cfg.model_dir, num_sessions=cfg.sessions, threads_per_session=cfg.threads
            )

        if cfg.engine == DEFAULT_ENGINE:
            return embedded()
        options: dict[str, Any] = {"model_root": cfg.model_dir, "use_fp16": cfg.fp16, "device": cfg.device}
        try:
            primary = create_engine(cfg.engine, **options)
        except Exception as exc:
            if not cfg.fallback:
                raise
            self.fallback_reason = f"{cfg.engine} could not start, so the embedded engine serves: {exc}"
            log.warning("%s could not start (%s); the embedded engine serves instead", cfg.engine, str(exc).splitlines()[0])
            return embedded()
        return FallbackEngine(primary, embedded) if cfg.fallback else primary

    def warm_up(self) -> None:
        """One synthesis per language so the first visitor pays no first-call cost."""
        synthesizer = self.synthesizer
        voice = self.default_voice
        for lang in synthesizer.engine.languages:
            text = WARM_UP_TEXT.get(lang)
            if text is None:
                continue
            t0 = time.perf_counter()
            # every session in the pool runs once, side by side: onnxruntime's first run per session is the slow one
            sessions = max(1, self.config.sessions)
            with ThreadPoolExecutor(sessions) as pool:
                params = SynthParams(voice=voice)
                list(pool.map(synthesizer.synthesize, [text] * sessions, [params] * sessions, [lang] * sessions))
            self.warm_up_seconds[lang] = round(time.perf_counter() - t0, 3)
            log.info("warm-up %s in %.2fs", lang, self.warm_up_seconds[lang])
        if self._planner is not None and self._planner.matches_voices:
            t0 = time.perf_counter()
            self._planner.profiles.measure_all()  # read from cache_hub after the first start
            self.warm_up_seconds["voice_profiles"] = round(time.perf_counter() - t0, 3)
            log.info("voice profiles ready in %.2fs", self.warm_up_seconds["voice_profiles"])
        self.ready = True

    def stop_requests(self) -> None:
        """Cancel requests in flight (their callers get ``Cancelled``) and take no new ones; the engine stays."""
        self.closed = True
        if self.scheduler is not None:
            self.scheduler.close()

    def close(self) -> None:
        """Shut down: stop the requests in flight, then release the engine."""
        self.stop_requests()
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
        """The segments ``text`` would be spoken in (not remembered: the page asks on every keystroke).

        In the normal mode the first one is kept short for a quick first audio.
        """
        first = None if self.config.naive else self.config.first_segment_units
        return self.synthesizer.frontend.process(text, language, max_units, first).segments

    def plan(self, job: SpeechJob) -> list[Segment]:
        """Segments of a job, remembered (LRU) so a repeated text skips the front-end as well as the engine."""
        key = (job.text, job.language, job.max_units)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        plan = self.preview(job.text, job.language, job.max_units)
        if not self.config.naive:
            with self._lock:
                self._plans[key] = plan
                if len(self._plans) > PLAN_CACHE_SIZE:
                    self._plans.popitem(last=False)
        return plan

    def stream(self, job: SpeechJob, endpoint: str = "ui") -> SpeechStream:
        """Start a job; iterate the result for audio chunks (each segment with the pause after it)."""
        try:
            params, notices = self._params(job)
            segments = self.plan(job)
        except TTSError:
            self.metrics.failed(endpoint, "bad_input")
            raise
        return SpeechStream(self, job, params, segments, endpoint, notices)

    def synthesize(self, job: SpeechJob, progress: ProgressFn | None = None, endpoint: str = "ui") -> SynthesisResult:
        """Render a whole request, reporting (done, total, segment) after each segment."""
        speech = self.stream(job, endpoint)
        if progress:
            progress(0, len(speech.segments), None)
        chunks = []
        for i, chunk in enumerate(speech):
            chunks.append(chunk)
            if progress and not self.config.naive:
                progress(i + 1, len(speech.segments), speech.segments[i])
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return SynthesisResult(
            audio, self.engine.sample_rate, speech.segments, speech.seconds, tuple(speech.notes), speech.notices
        )

    def queue_depth(self) -> int:
        """Segments waiting for a worker plus requests waiting in front of the manager."""
        waiting = self.scheduler.depth()["waiting_segments"] if self.scheduler else 0
        return waiting + self.waiting_elsewhere()

    def _render(self, segment: Segment, params: SynthParams) -> np.ndarray:
        """What a worker runs for one segment: the engine, then the cache (never audio from a fallback)."""
        notes = len(params.notes)
        audio = self.engine.synthesize(segment, params)
        if self.cache is not None and len(params.notes) == notes:
            self.cache.put(self._key(segment, params), audio)
        return audio

    def _render_batch(self, items: list[tuple[Segment, SynthParams]]) -> list[np.ndarray]:
        audios = self.engine.synthesize_batch(items)
        if self.cache is not None:
            for (segment, params), audio in zip(items, audios, strict=True):
                self.cache.put(self._key(segment, params), audio)
        return audios

    def _key(self, segment: Segment, params: SynthParams) -> str:
        return cache_key(self.engine.name, self.engine.model_version, segment, params)

    def _params(self, job: SpeechJob) -> tuple[SynthParams, tuple[Notice, ...]]:
        """The engine's parameters for a job, and what the listener should be told about how it is served."""
        voice = job.voice or self.default_voice
        self.synthesizer.check_voice(voice)
        extra: dict[str, Any] = {}
        if self.engine.capabilities.sampling:
            extra["sampling"] = dict(job.sampling)
            extra["interval_silence"] = job.interval_silence_ms
        assert self._planner is not None
        return self._planner.params(
            voice, job.emotion, job.speed, job.seed, job.pitch, job.reference_audio, main_text=job.text, extra=extra
        )

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` reports about the model."""
        engine = self._engine
        return {
            "status": "ok" if self.ready else "loading",
            "engine": engine.name if engine else self.config.engine,
            "model_version": engine.model_version if engine else None,
            "fallback": self.fallback_reason,
            "voices": engine.voices() if engine else [],
            "languages": list(engine.languages) if engine else [],
            "load_seconds": self.load_seconds,
            "warm_up_seconds": self.warm_up_seconds,
            "active_requests": self._active,
            "mode": "naive" if self.config.naive else "scheduled",
            "workers": self.config.sessions,
            "scheduler": self.scheduler.depth() if self.scheduler else None,
            "replaced_workers": self.scheduler.replaced_workers if self.scheduler else 0,
            "cache": self.cache.stats() if self.cache else None,
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


class SpeechStream:
    """One request in flight: iterate it for float32 chunks in order; closing it early cancels the rest."""

    def __init__(
        self,
        manager: ModelManager,
        job: SpeechJob,
        params: SynthParams,
        segments: list[Segment],
        endpoint: str,
        notices: tuple[Notice, ...] = (),
    ) -> None:
        self.manager = manager
        self.notices = notices  # how the request is served (approximate voice match, trimmed clips)
        self.endpoint = endpoint
        self.job = job
        self.params = params
        self.segments = segments
        self.sample_rate = manager.engine.sample_rate
        self.started = time.perf_counter()
        self.first_audio_seconds: float | None = None
        self.seconds = 0.0
        self.cache_hits = 0
        self.audio_samples = 0
        self._ticket = None
        self._closed = False  # set by close(), from any thread
        self._iterator = self._run()

    @property
    def notes(self) -> list[str]:
        """What the listener should be told: the engine fallback at start-up and any during this request."""
        reason = self.manager.fallback_reason
        return ([reason] if reason else []) + list(self.params.notes)

    def __iter__(self) -> SpeechStream:
        return self

    def __next__(self) -> np.ndarray:
        chunk = next(self._iterator)
        if self._closed:  # closed by another thread while this one was inside: nobody takes this chunk
            self._close_iterator()
            raise StopIteration
        return chunk

    def close(self) -> None:
        """Stop early (the client left). Safe while another thread is inside ``next()``: the ticket is
        cancelled, which wakes that thread, and the generator is closed there when ``next()`` returns
        (closing it from here would raise); left suspended, it would count as an active request."""
        self._closed = True
        if self._ticket is not None and self.manager.scheduler is not None:
            self.manager.scheduler.cancel(self._ticket)
        self._close_iterator()

    def _close_iterator(self) -> None:
        try:
            self._iterator.close()
        except ValueError:  # "generator already executing" in another thread, which closes it on return
            pass

    def _run(self) -> Iterator[np.ndarray]:
        manager = self.manager
        with manager._lock:
            manager._active += 1
        try:
            yield from self._naive() if manager.config.naive else self._scheduled()
        except GeneratorExit:
            manager.metrics.failed(self.endpoint, "cancelled")
            log.info("request cancelled by the client after %.2fs", time.perf_counter() - self.started)
            raise
        except Cancelled:  # dropped: its client left, or the server is stopping
            manager.metrics.failed(self.endpoint, "cancelled")
            raise
        except TTSError:
            manager.metrics.failed(self.endpoint, "bad_input")
            raise
        except Exception:
            manager.metrics.failed(self.endpoint, "internal")
            raise
        finally:
            with manager._lock:
                manager._active -= 1
        self.seconds = time.perf_counter() - self.started
        audio_s = self.audio_samples / self.sample_rate
        manager.metrics.observe(self.endpoint, self.first_audio_seconds, self.seconds, audio_s)
        log.info(
            "synthesis endpoint=%s engine=%s voice=%s chars=%d segments=%d audio=%.2fs first_audio=%.3fs total=%.2fs "
            "rtf=%.3f cache_hits=%d/%d queue_wait=%.2fs render=%.2fs",
            self.endpoint,
            manager.engine.name,
            self.params.voice,
            len(self.job.text),
            len(self.segments),
            audio_s,
            self.first_audio_seconds or 0.0,
            self.seconds,
            self.seconds / audio_s if audio_s else 0.0,
            self.cache_hits,
            len(self.segments),
            self._ticket.waited_s or 0.0 if self._ticket is not None else 0.0,
            self._ticket.render_s if self._ticket is not None else 0.0,
        )

    def _emit(self, index: int, audio: np.ndarray) -> np.ndarray:
        if self.first_audio_seconds is None:
            self.first_audio_seconds = time.perf_counter() - self.started
        pause = pause_after(self.segments[index], self.params) if index < len(self.segments) - 1 else 0
        if pause:
            audio = np.concatenate([audio, np.zeros(int(self.sample_rate * pause / 1000), np.float32)])
        self.audio_samples += len(audio)
        return audio

    def _scheduled(self) -> Iterator[np.ndarray]:
        manager = self.manager
        ready: dict[int, np.ndarray] = {}
        if manager.cache is not None:
            for i, segment in enumerate(self.segments):
                hit = manager.cache.get(manager._key(segment, self.params))
                if hit is not None:
                    ready[i] = hit
        self.cache_hits = len(ready)
        assert manager.scheduler is not None
        ticket = self._ticket = manager.scheduler.submit(self.segments, self.params, ready)
        if self._closed:  # closed from another thread while this one was starting: nothing to cancel then
            manager.scheduler.cancel(ticket)
        for index, audio in manager.scheduler.stream(ticket, timeout=max(READ_TIMEOUT_S, 2 * manager.config.segment_timeout_s)):
            yield self._emit(index, audio)

    def _naive(self) -> Iterator[np.ndarray]:
        """Like the upstream WebUI: wait for the one model, render the whole text, then return it."""
        manager = self.manager
        while not manager._naive_lock.acquire(timeout=0.5):
            if manager.closed:
                raise Cancelled("the server is shutting down")
        try:
            chunks = []
            for i, segment in enumerate(self.segments):
                if manager.closed:
                    raise Cancelled("the server is shutting down")
                chunks.append(self._emit(i, manager.engine.synthesize(segment, self.params)))
        finally:
            manager._naive_lock.release()
        self.first_audio_seconds = time.perf_counter() - self.started
        yield np.concatenate(chunks) if chunks else np.zeros(0, np.float32)

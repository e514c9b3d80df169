"""The one model manager per process: loads the engine and front-end once and serves ``SpeechRequest``s.

Everything that speaks (the page, the HTTP API, the CLI, warm-up, the voice profiles) turns its
input into a ``SpeechRequest`` and calls ``stream`` or ``synthesize`` here, so the model is loaded
exactly once and every request is planned, rendered and cached the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import TTSError
from ..common.notices import Notice
from ..common.paths import cache_dir
from ..common.shared_store import SharedStore
from ..engines.base import Engine, Rendered, SynthParams
from ..engines.kokoro.catalog import LANGUAGE_DEFAULTS
from ..frontend import TextFrontend, latin_language
from ..frontend.script import detect_language
from ..frontend.segment import Segment
from ..frontend.segmenter import DEFAULT_MAX_UNITS
from ..voice import speaker_encoder
from ..voice.pitch_reach import PitchReach
from ..voice.planner import DeliveryPlanner
from ..voice.profiles import NEUTRAL_LANGUAGE, NEUTRAL_TEXT, VoiceProfiles, profile_key
from .admission import ServerBusy, WaitAdmission
from .cache import AudioCache
from .config import ManagerConfig
from .engine_loading import load_engine
from .metrics import Metrics
from .previews import VoicePreviews
from .render_speed import AudioPace, RenderSpeed, segment_size
from .request import SpeechRequest
from .request_ledger import RequestLedger
from .scheduler import SegmentScheduler
from .segment_renderer import SegmentRenderer
from .speech_stream import DirectRendering, ProgressFn, Rendering, ScheduledRendering, SpeechStream, SynthesisResult, collect
from .synthesizer import FIRST_SEGMENT_UNITS, Synthesizer
from .warm_up import warm_up

log = logging.getLogger(__name__)

PLAN_CACHE_SIZE = 1024
MAX_PLAYBACK_LEAD_S = 10.0  # a player never waits longer than this before it starts playing
READ_TIMEOUT_S = 180.0  # backstop for a reader waiting on one segment, queueing included


class ModelManager:
    """Owns the engine, the front-end, the scheduler and the cache; thread-safe."""

    def __init__(self, config: ManagerConfig) -> None:
        self.config = config
        self.started_at = time.time()
        self.load_seconds: dict[str, float] = {}
        self.warm_up_seconds: dict[str, float] = {}
        self._identifier_loading: threading.Thread | None = None  # the language identifier (``latin_language``)
        self.ready = False
        self.closed = False
        self.fallback_notice: Notice | None = None  # set when the configured engine could not load
        self.scheduler: SegmentScheduler | None = None
        self.cache: AudioCache | None = None
        # replicas share their segment cache and rate limit through Redis; None for a lone server
        self.shared_store = SharedStore(config.redis_url) if config.redis_url else None
        self.renderer: SegmentRenderer | None = None  # what the scheduler's workers render through
        self._synthesizer: Synthesizer | None = None
        self._planner: DeliveryPlanner | None = None
        self._previews: VoicePreviews | None = None
        self._lock = threading.Lock()
        self._naive_lock = threading.Lock()
        self._plans: OrderedDict[tuple, list[Segment]] = OrderedDict()
        self.waiting_elsewhere = lambda: 0  # the server adds requests waiting in the page's queue
        self.metrics = Metrics(
            queue_depth=lambda: self.queue_depth(),
            active_segments=lambda: self.scheduler.depth()["active_segments"] if self.scheduler else self.active_requests,
            cache_stats=lambda: self.cache.stats() if self.cache else None,
        )
        self._ledger = RequestLedger(config.engine, self.metrics)
        self.speed = RenderSpeed()  # learned from every segment the workers render, warm-up's included
        self.pace = AudioPace()  # audio seconds per unit of size, from the same renders
        self.admission = WaitAdmission(self.speed, config.sessions, config.max_wait_s)
        self.workers = config.sessions  # scheduler threads; fewer when the engine runs fewer calls at once

    # -- lifecycle -------------------------------------------------------------------------

    def load(self, warm_frontend: bool = True) -> None:
        """Load the front-end (dictionaries, G2P, espeak, unless ``warm_frontend`` is off) and the engine, timed."""
        started = time.perf_counter()
        frontend = TextFrontend()
        if warm_frontend:
            for lang, seconds in frontend.warm_up().items():
                self.load_seconds[f"frontend_{lang}"] = round(seconds, 3)
                log.info("loaded front-end %s in %.2fs", lang, seconds)
        cfg = self.config
        t0 = time.perf_counter()
        engine, self.fallback_notice = load_engine(cfg)
        self.load_seconds["engine"] = round(time.perf_counter() - t0, 3)
        log.info("loaded engine %s (%s) in %.2fs", engine.name, engine.model_version, self.load_seconds["engine"])
        self._ledger = RequestLedger(engine.name, self.metrics)
        voices = set(engine.voices())
        if warm_frontend and any(LANGUAGE_DEFAULTS.get(language) in voices for language in latin_language.ROMANCE):
            self._identifier_loading = latin_language.start_loading()  # joined before the port opens (warm_up)
        synthesizer = self._synthesizer = Synthesizer(engine, frontend, None if cfg.naive else cfg.first_segment_units)
        # what a voice's neutral reading depends on: the key of its profile
        self.profile_id = profile_key(engine.name, engine.model_version, synthesizer.first_segment_units)
        caps = engine.capabilities
        encoder = speaker_encoder.load(cfg.model_dir) if caps.prosody_control and not caps.voice_cloning else None
        # the naive mode (no short first segment) reads the profiles shipped for the server's cut: the neutral
        # sentence's delivery and timbre barely change with where its first segment ends, and 41 voices cost minutes
        served = profile_key(engine.name, engine.model_version, FIRST_SEGMENT_UNITS)
        profiles = VoiceProfiles(
            self.profile_id, engine.voices, self.neutral_reading, cfg.sessions, encoder=encoder, shipped_id=served
        )
        self._planner = DeliveryPlanner(engine, profiles, PitchReach.of(engine))
        if not cfg.naive:
            self.cache = _audio_cache(cfg.audio_cache_dir, self.shared_store) if cfg.cache else None
            self.renderer = SegmentRenderer(engine, self.pace, self.cache)
            self.workers = min(cfg.sessions, engine.parallel_calls or cfg.sessions)
            self.admission.workers = self.workers
            self.scheduler = SegmentScheduler(
                self.renderer,
                workers=self.workers,
                max_batch=cfg.max_batch if engine.capabilities.batched_inference else 1,
                batch_window_s=cfg.batch_window_ms / 1000,
                segment_timeout_s=cfg.segment_timeout_s,
                first_alone=getattr(engine, "threads_per_session", 1) > 1,
                sprint_alone=getattr(engine, "sprints_alone", False),
                speed=self.speed,
                on_batch=self.metrics.batch_size.observe,
            )
        self.load_seconds["total"] = round(time.perf_counter() - started, 3)

    def warm_up(self) -> None:
        """What the first visitor would otherwise pay for, and the render speed admission needs (warm_up.py)."""

        def render(request: SpeechRequest) -> SynthesisResult:
            return self.synthesize(request, endpoint="warmup", use_cache=False, own_work=True)  # the point is to run the engine

        profiles = self.planner.profiles if self.planner.matches_voices else None
        engine = self.engine
        self.warm_up_seconds.update(warm_up(engine.languages, render, engine.prepare_voices, profiles))
        if self._identifier_loading is not None:
            self._identifier_loading.join()  # loaded beside the engine (``load``): no request waits for it
        self.ready = True

    def stop_requests(self) -> None:
        """Cancel requests in flight (their callers get ``Cancelled``) and take no new ones; the engine stays."""
        self.closed = True
        if self.scheduler is not None:
            self.scheduler.close()

    def close(self) -> None:
        """Shut down: stop the requests in flight, then release the engine."""
        self.stop_requests()
        if self._synthesizer is not None:
            self._synthesizer.engine.close()

    # -- what it serves with ---------------------------------------------------------------

    @property
    def synthesizer(self) -> Synthesizer:
        if self._synthesizer is None:
            raise RuntimeError("the model manager is not loaded yet")
        return self._synthesizer

    @property
    def planner(self) -> DeliveryPlanner:
        if self._planner is None:
            raise RuntimeError("the model manager is not loaded yet")
        return self._planner

    @property
    def engine(self) -> Engine:
        return self.synthesizer.engine

    @property
    def default_voice(self) -> str:
        """The page's first choice: the first house voice (it reads every language the app speaks)."""
        return self.engine.house_voices()[0]

    def voice_for_language(self, text: str, language: str = "auto") -> str:
        """Who reads ``text`` when no voice is asked for: its language's native default where the engine has it
        (``catalog.LANGUAGE_DEFAULTS``; Chinese with English words in it is Chinese: one speaker), else the first
        house voice. A text in Latin letters is English unless the identifier is sure it is Spanish, French,
        Italian or Portuguese (``latin_language``); a request that names English stays English."""
        read_in = text_language(text, language)
        if read_in == "en" and language == "auto" and text.strip():
            read_in = latin_language.reading_language(text)
        chosen = LANGUAGE_DEFAULTS.get(read_in)
        return chosen if chosen is not None and chosen in self.engine.voices() else self.default_voice

    def defaults_by_language(self) -> dict[str, str]:
        """Who reads each language the engine speaks when no voice is named, and each Romance language the
        identifier may name (``latin_language``) where the engine has its voice."""
        defaults = {language: self.voice_for_language("", language) for language in self.engine.languages}
        voices = set(self.engine.voices())
        romance = {lang: LANGUAGE_DEFAULTS.get(lang) for lang in latin_language.ROMANCE}
        defaults.update({lang: voice for lang, voice in romance.items() if voice in voices})
        return defaults

    @property
    def active_requests(self) -> int:
        return self._ledger.active

    # -- serving ---------------------------------------------------------------------------

    def preview(
        self, text: str, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS, voice: str | None = None
    ) -> list[Segment]:
        """The segments ``text`` would be spoken in (not remembered: the page asks on every keystroke)."""
        return self.synthesizer.plan(text, language, max_units, voice)

    def plan(self, request: SpeechRequest, voice: str | None = None) -> list[Segment]:
        """Segments of a request, remembered (LRU) so a repeated text skips the front-end as well as the engine.
        ``voice``: who reads it (the request's, or its language's default), which sets how English is phonemized."""
        voice = voice or request.voice
        latin = self.engine.latin_reading(voice) if voice else "en-us"
        key = (request.text, request.language, request.max_segment, latin)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        plan = self.preview(request.text, request.language, request.max_segment, voice)
        if not self.config.naive:
            with self._lock:
                self._plans[key] = plan
                if len(self._plans) > PLAN_CACHE_SIZE:
                    self._plans.popitem(last=False)
        return plan

    def stream(
        self, request: SpeechRequest, endpoint: str = "ui", use_cache: bool = True, own_work: bool = False
    ) -> SpeechStream:
        """Start a request; iterate the result for audio chunks (each segment with the pause after it).

        Nothing is rendered until the first chunk is asked for, but the request's segments count in
        the backlog from now on: ``ServerBusy`` when that backlog already exceeds ``max_wait_s``
        (unless ``own_work``: the server's own warm-up and measurements). ``use_cache=False`` renders
        every segment even when the cache knows it (warm-up: its point is to run the engine).
        """
        try:
            params, notices = self.params(request)
            segments = self.plan(request, params.voice)
        except TTSError:
            self._ledger.failed(endpoint, "bad_input")
            raise
        try:
            rendering = self._rendering(segments, params, use_cache, own_work)
        except ServerBusy as busy:
            self._ledger.failed(endpoint, "busy")
            log.info("request refused: %s", busy)
            raise
        if rendering.cache_hits:
            notices = (*notices, Notice("notice_cached", {"n": rendering.cache_hits, "total": len(segments)}))
        if self.fallback_notice is not None:
            notices = (self.fallback_notice, *notices)
        sample_rate, naive = self.engine.sample_rate, self.config.naive
        speech = SpeechStream(request.text, segments, params, rendering, sample_rate, self._ledger, endpoint, notices, naive)
        speech.playback_lead_s = self.playback_lead(segments, rendering.cache_hits, request.speed)
        return speech

    def playback_lead(self, segments: list[Segment], cached: int, speed: float = 1.0) -> float:
        """Seconds a player should buffer after the first audio so playback does not run dry: how much longer
        the rest takes to render (at the measured speed, behind the work already accepted) than to play.
        0 when rendering keeps ahead of playback, or nothing is measured yet; at most ``MAX_PLAYBACK_LEAD_S``."""
        to_render = len(segments) - cached
        size = sum(segment_size(s) for s in segments)
        audio = self.pace.seconds(size, speed)
        if self.scheduler is None or to_render <= 0 or audio is None or not self.speed.known:
            return 0.0
        own = self.speed.cost(to_render, size * to_render // max(len(segments), 1))
        done_after = max(own, self.admission.expected_wait())  # ours is in the backlog already
        return round(min(MAX_PLAYBACK_LEAD_S, max(0.0, done_after - audio)), 2)

    def synthesize(
        self,
        request: SpeechRequest,
        progress: ProgressFn | None = None,
        endpoint: str = "ui",
        use_cache: bool = True,
        own_work: bool = False,
    ) -> SynthesisResult:
        """A whole request: its stream collected, reporting (done, total, segment) after each segment."""
        return collect(self.stream(request, endpoint, use_cache, own_work), progress)

    def params(self, request: SpeechRequest) -> tuple[SynthParams, tuple[Notice, ...]]:
        """The engine's parameters for a request, and what the listener should be told about how it is served."""
        voice = request.voice or self.voice_for_language(request.text, request.language)
        self.synthesizer.check_voice(voice)
        sampling = self.engine.capabilities.sampling  # only an engine that samples gets its keywords
        return self.planner.params(
            voice,
            request.emotion_request(),
            request.speed,
            request.seed,
            request.pitch,
            request.reference_audio,
            main_text=request.text,
            sampling=request.sampling if sampling else None,
            interval_silence_ms=request.interval_silence if sampling else None,
            language=text_language(request.text, request.language),
        )

    def queue_depth(self) -> int:
        """Segments waiting for a worker plus requests waiting in front of the manager."""
        waiting = self.scheduler.depth()["waiting_segments"] if self.scheduler else 0
        return waiting + self.waiting_elsewhere()

    def _rendering(self, segments: list[Segment], params: SynthParams, use_cache: bool, own_work: bool) -> Rendering:
        if self.scheduler is None or self.renderer is None:  # naive: one request at a time, whole text before any audio
            return DirectRendering(self.engine, segments, params, self._naive_lock, lambda: self.closed)
        ready: dict[int, Rendered] = {}
        if use_cache:
            for i, segment in enumerate(segments):
                if (hit := self.renderer.cached(segment, params)) is not None:
                    ready[i] = hit
        to_render = [(i, segment) for i, segment in enumerate(segments) if i not in ready]
        reservation = self.admission.admit(to_render, force=own_work)
        timeout = max(READ_TIMEOUT_S, 2 * self.config.segment_timeout_s)
        return ScheduledRendering(self.scheduler, segments, params, ready, timeout, reservation)

    @property
    def previews(self) -> VoicePreviews:
        """Each voice's 试听 sample, rendered through the request path on first listen and kept."""
        with self._lock:
            if self._previews is None:
                self._previews = VoicePreviews(self.engine.model_version, self._preview_reading)
            return self._previews

    def _preview_reading(self, voice: str, text: str, language: str) -> tuple[np.ndarray, int]:
        result = self.synthesize(SpeechRequest(text=text, voice=voice, language=language), endpoint="preview")
        return result.audio, result.sample_rate

    def neutral_reading(self, voice: str) -> tuple[np.ndarray, int]:
        """A voice's plain reading of the profile sentence, through the one request path."""
        request = SpeechRequest(text=NEUTRAL_TEXT, voice=voice, language=NEUTRAL_LANGUAGE)
        result = self.synthesize(request, endpoint="profile", own_work=True)
        return result.audio, result.sample_rate

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` reports about the model."""
        engine = self._synthesizer.engine if self._synthesizer else None
        return {
            "status": "ok" if self.ready else "loading",
            "engine": engine.name if engine else self.config.engine,
            "model_version": engine.model_version if engine else None,
            "fallback": self.fallback_notice.text("en") if self.fallback_notice else None,
            "voices": engine.voices() if engine else [],
            "languages": list(engine.languages) if engine else [],
            "load_seconds": self.load_seconds,
            "warm_up_seconds": self.warm_up_seconds,
            "active_requests": self.active_requests,
            "mode": "naive" if self.config.naive else "scheduled",
            "workers": self.workers,
            "scheduler": self.scheduler.depth() if self.scheduler else None,
            "backlog": self.admission.backlog() if self.scheduler else None,
            "render_speed": self.speed.describe(),
            "replaced_workers": self.scheduler.replaced_workers if self.scheduler else 0,
            "cache": self.cache.stats() if self.cache else None,
            "replica": self.config.replica_name,
            "shared_store": self.shared_store.describe() if self.shared_store else None,
            "uptime_seconds": round(time.time() - self.started_at, 1),
        }


def text_language(text: str, language: str) -> str:
    """The language a request is read in: the one asked for, else the text's own (Chinese when it has none)."""
    return language if language != "auto" else detect_language(text) or "zh"


def _audio_cache(folder: Path | None, shared: SharedStore | None) -> AudioCache:
    """The segment audio cache, on disk in ``folder`` (default under ``cache_hub/``) when that folder can be
    made, else in memory; backed by ``shared`` (the replicas' Redis) when given."""
    try:
        if folder is None:
            folder = cache_dir("audio_cache")
        else:
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("cache: no folder for the disk cache (%s); caching in memory only", exc)
        folder = None
    return AudioCache(folder, shared=shared)


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

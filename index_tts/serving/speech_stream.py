"""The one render loop: a request's segments come back in order, each with the pause after it.

Every way of speaking goes through ``SpeechStream``: the page's two buttons, the API (whole file
or streamed), the CLI, warm-up and the voice profiles. Where the audio of a segment comes from is
a ``Rendering``: the scheduler's worker pool (with cache hits filled in), or the caller's own
thread (the naive baseline, tools and tests). A whole file is the stream collected (``collect``),
so the two can never differ, and pauses are added in exactly one place (``SpeechStream._emit``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..common.errors import TTSError
from ..common.notices import Notice
from ..engines.base import Engine, Rendered, SynthParams, pause_after
from ..frontend.segment import Segment
from .admission import Reservation
from .request_ledger import RequestLedger, RequestSummary
from .scheduler import Cancelled, SegmentScheduler, Ticket
from .timestamps import SpokenSegment

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, Segment | None], None]


class Rendering(Protocol):
    """A request's segments as (index, rendered audio), in order; ``cancel`` drops what is left."""

    cache_hits: int

    def __iter__(self) -> Iterator[tuple[int, Rendered]]: ...

    def cancel(self) -> None: ...

    def timings(self) -> tuple[float, float]:
        """Seconds waiting for a worker and seconds of rendering, for the request's log line."""
        ...


class ScheduledRendering:
    """Segments rendered by the scheduler's workers, fairly among requests; cache hits skip the queue."""

    def __init__(
        self,
        scheduler: SegmentScheduler,
        segments: list[Segment],
        params: SynthParams,
        ready: dict[int, Rendered],
        timeout: float,
        reservation: Reservation | None = None,
    ) -> None:
        """``reservation`` is the admission's account of the segments still to render: each is given
        back as it arrives, and the rest when the request ends in any way."""
        self._reservation = reservation
        self._scheduler = scheduler
        self._segments = segments
        self._params = params
        self._ready = ready
        self._timeout = timeout
        self.cache_hits = len(ready)
        self.ticket: Ticket | None = None
        self._cancelled = False

    def __iter__(self) -> Iterator[tuple[int, Rendered]]:
        ticket = self.ticket = self._scheduler.submit(self._segments, self._params, self._ready)
        if self._cancelled:  # cancelled from another thread while this one was submitting
            self._scheduler.cancel(ticket)
        try:
            for index, audio in self._scheduler.stream(ticket, timeout=self._timeout):
                if self._reservation is not None:
                    self._reservation.done(index)
                yield index, audio
        finally:
            self._give_back()

    def _give_back(self) -> None:
        if self._reservation is not None:
            self._reservation.release()

    def cancel(self) -> None:
        self._cancelled = True
        self._give_back()  # also for a stream never started (a page stream nobody came to play)
        if self.ticket is not None:
            self._scheduler.cancel(self.ticket)  # wakes a reader waiting on a segment in progress

    def timings(self) -> tuple[float, float]:
        if self.ticket is None:
            return 0.0, 0.0
        return self.ticket.waited_s or 0.0, self.ticket.render_s


class DirectRendering:
    """Segments rendered one after another in the reader's own thread, by the engine itself.

    ``lock`` makes requests take turns (the naive baseline: one request at a time); ``stopping``
    is polled while waiting for it and between segments.
    """

    def __init__(
        self,
        engine: Engine,
        segments: list[Segment],
        params: SynthParams,
        lock: threading.Lock | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self._engine = engine
        self._segments = segments
        self._params = params
        self._lock = lock
        self._stopping = stopping
        self._cancelled = False
        self.cache_hits = 0
        self._waited = self._rendered = 0.0

    def __iter__(self) -> Iterator[tuple[int, Rendered]]:
        asked = time.perf_counter()
        if self._lock is not None:
            while not self._lock.acquire(timeout=0.5):
                self._check()
        self._waited = time.perf_counter() - asked
        try:
            for index, segment in enumerate(self._segments):
                self._check()
                started = time.perf_counter()
                rendered = self._engine.render(segment, self._params)
                self._rendered += time.perf_counter() - started
                yield index, rendered
        finally:
            if self._lock is not None:
                self._lock.release()

    def _check(self) -> None:
        if self._cancelled:
            raise Cancelled("the request was cancelled")
        if self._stopping():
            raise Cancelled("the server is shutting down")

    def cancel(self) -> None:
        self._cancelled = True

    def timings(self) -> tuple[float, float]:
        return self._waited, self._rendered


class SpeechStream:
    """One request in flight: iterate it for float32 chunks in order; closing it early cancels the rest."""

    def __init__(
        self,
        text: str,
        segments: list[Segment],
        params: SynthParams,
        rendering: Rendering,
        sample_rate: int,
        ledger: RequestLedger,
        endpoint: str = "ui",
        notices: tuple[Notice, ...] = (),
        whole_text_at_once: bool = False,
    ) -> None:
        """``whole_text_at_once`` holds the audio back until the last segment and answers it as one chunk
        (the naive baseline, like the upstream WebUI)."""
        self.text = text
        self.whole_text_at_once = whole_text_at_once
        self.segments = segments
        self.params = params
        self.rendering = rendering
        self.sample_rate = sample_rate
        self.endpoint = endpoint
        self.engine_name = ledger.engine_name
        self._ledger = ledger
        self._start_notices = notices  # known before any audio: voice match, trimmed clips, cache, engine fallback
        self._engine_notices: list[Notice] = []  # told by the engine as segments were rendered (a fallback spoke one)
        self.started = time.perf_counter()
        self.first_audio_seconds: float | None = None
        self.playback_lead_s = 0.0  # what a player should buffer before it plays (ModelManager.playback_lead)
        self.seconds = 0.0
        self.audio_samples = 0
        self.spoken: list[SpokenSegment] = []  # where each segment sits in the audio, in order (``timestamps``)
        # a stream the page plays keeps its chunks, and is saved as a take when they are all out (``takes``)
        self.kept_chunks: list[np.ndarray] | None = None
        self.take_settings: dict[str, Any] | None = None
        self.take: dict[str, Any] | None = None
        self._closed = False  # set by close(), from any thread
        self._iterator = self._run()

    @property
    def notices(self) -> tuple[Notice, ...]:
        """What the listener should be told: the notices known at the start, then any from the engine since."""
        return (*self._start_notices, *self._engine_notices)

    @property
    def cache_hits(self) -> int:
        return self.rendering.cache_hits

    def __iter__(self) -> SpeechStream:
        return self

    def __next__(self) -> np.ndarray:
        chunk = next(self._iterator)
        if self._closed:  # closed by another thread while this one was inside: nobody takes this chunk
            self._close_iterator()
            raise StopIteration
        return chunk

    def close(self) -> None:
        """Stop early (the client left). Safe while another thread is inside ``next()``: the rendering is
        cancelled, which wakes that thread, and the generator is closed there when ``next()`` returns
        (closing it from here would raise); left suspended, it would count as an active request."""
        self._closed = True
        self.rendering.cancel()
        self._close_iterator()

    def _close_iterator(self) -> None:
        try:
            self._iterator.close()
        except ValueError:  # "generator already executing" in another thread, which closes it on return
            pass

    def _run(self) -> Iterator[np.ndarray]:
        ledger = self._ledger
        ledger.enter()
        try:
            held: list[np.ndarray] = []
            for index, rendered in self.rendering:
                self._engine_notices.extend(n for n in rendered.notices if n not in self._engine_notices)
                chunk = self._emit(index, rendered)
                if self.kept_chunks is not None:
                    self.kept_chunks.append(chunk)
                if self.whole_text_at_once:
                    held.append(chunk)
                else:
                    yield self._first_heard(chunk)
            if held:
                yield self._first_heard(np.concatenate(held))
        except GeneratorExit:
            ledger.failed(self.endpoint, "cancelled")
            log.info("request cancelled by the client after %.2fs", time.perf_counter() - self.started)
            raise
        except Cancelled:  # dropped: its client left, or the server is stopping
            ledger.failed(self.endpoint, "cancelled")
            raise
        except TTSError:
            ledger.failed(self.endpoint, "bad_input")
            raise
        except Exception:
            ledger.failed(self.endpoint, "internal")
            raise
        finally:
            ledger.leave()
        self.seconds = time.perf_counter() - self.started
        waited, rendered = self.rendering.timings()
        ledger.completed(
            RequestSummary(
                endpoint=self.endpoint,
                voice=self.params.voice,
                chars=len(self.text),
                segments=len(self.segments),
                audio_s=self.audio_samples / self.sample_rate,
                first_audio_s=self.first_audio_seconds,
                total_s=self.seconds,
                cache_hits=self.cache_hits,
                queue_wait_s=waited,
                render_s=rendered,
            )
        )

    def result(self, chunks: list[np.ndarray]) -> SynthesisResult:
        """The whole request once its chunks (all of them, in order) have been read."""
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return SynthesisResult(
            audio, self.sample_rate, self.segments, self.seconds, self.notices, self.cache_hits, tuple(self.spoken)
        )

    def _first_heard(self, chunk: np.ndarray) -> np.ndarray:
        if self.first_audio_seconds is None:
            self.first_audio_seconds = time.perf_counter() - self.started
        return chunk

    def _emit(self, index: int, rendered: Rendered) -> np.ndarray:
        """A segment's audio with the pause that follows it (none after the last): the one place pauses are added."""
        pause = pause_after(self.segments[index], self.params) if index < len(self.segments) - 1 else 0
        audio = rendered.audio.astype(np.float32, copy=False)
        start = self.audio_samples / self.sample_rate
        end = start + len(audio) / self.sample_rate
        self.spoken.append(SpokenSegment(self.segments[index], start, end, rendered.phoneme_times))
        if pause:
            audio = np.concatenate([audio, np.zeros(int(self.sample_rate * pause / 1000), np.float32)])
        self.audio_samples += len(audio)
        return audio


@dataclass(frozen=True)
class SynthesisResult:
    """A whole request's audio with what produced it and how long it took."""

    audio: np.ndarray
    sample_rate: int
    segments: list[Segment]
    seconds: float
    notices: tuple[Notice, ...] = ()
    cache_hits: int = 0
    spoken: tuple[SpokenSegment, ...] = ()  # each segment's place in ``audio`` (``timestamps.align`` times the text)

    @property
    def audio_seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def rtf(self) -> float:
        """Real-time factor: compute seconds per second of audio (below 1 is faster than real time)."""
        return self.seconds / self.audio_seconds if self.audio_seconds else float("inf")

    @property
    def from_cache(self) -> bool:
        """Every segment came from the cache: nothing was rendered for this request."""
        return bool(self.segments) and self.cache_hits == len(self.segments)


def collect(speech: SpeechStream, progress: ProgressFn | None = None) -> SynthesisResult:
    """The whole file: the stream's chunks joined, reporting ``progress(done, total, segment)`` as they come."""
    total = len(speech.segments)
    if progress:
        progress(0, total, None)
    chunks = []
    for i, chunk in enumerate(speech):
        chunks.append(chunk)
        if progress and not speech.whole_text_at_once:
            progress(i + 1, total, speech.segments[i])
    return speech.result(chunks)

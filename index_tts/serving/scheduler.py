"""A fair segment scheduler: requests become segments, a pool of worker threads renders them.

Order of service, whenever a worker is free:
1. the first segment of any request (oldest request first), so everyone hears audio soon;
2. then the request served least recently (round robin), so a short request is never stuck
   behind a long one, and a long one keeps its share while new requests keep arriving (ordering
   by "fewest segments so far" instead starved it: every newcomer had fewer).
A lone request gets every worker, each rendering one of its segments, so it still uses all cores.
With ``first_alone`` (for workers with several threads each) a request's later segments wait until
its first one is rendered: alone on the machine, that first segment gets every core and is heard
sooner, while other requests' segments still fill the other workers. With ``sprint_alone`` (for an
engine that decodes a call alone with every core) they wait only when the request found the
scheduler idle: a lone visitor's first segment then runs alone and gets every core, and under load
nobody waits.
When a client goes away its pending segments are dropped.

Batching (``max_batch`` > 1, for engines that render several segments in one call): a worker takes
segments in the order above, up to ``max_batch``; a batch that starts with a request's first segment
takes only other first segments, so nobody's first audio waits for later parts of a text. It waits
up to ``batch_window_s`` for more only while the server is busy (another request is in the
scheduler, or requests are arriving less than a window apart), so a lone request never waits for
company. The engine hands each segment over as soon as it is done (``ready``), so its listener does
not wait for the rest of the batch. A batch call that fails is retried one segment at a time (those
already handed over excepted), so one bad segment cannot fail the requests it shared the batch
with, and a request cancelled during a batch is told to the engine (``cancelled``), which may drop
it and carry on.

A watchdog replaces workers that hang (one segment running longer than ``segment_timeout_s``) or
die: the request whose segment it was gets an error at once, a fresh worker takes the thread's
place, and the renderer's ``abandon_call`` swaps the model session the stuck call holds for a new
one. Python cannot kill the stuck thread; if its call ever returns, the thread
sees it was retired and exits without touching any request.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..common.errors import TTSError
from ..engines.base import Checks, Items, Join, Joining, Outcomes, Ready, Rendered, Segment, SynthParams
from .render_speed import RenderSpeed, segment_size

log = logging.getLogger(__name__)


class Renderer(Protocol):
    """What the workers render through: an engine, or the server's ``SegmentRenderer`` around one (same calls).

    ``synthesize_batch`` gets (items, cancelled[i]() -> bool, ready(i, audio) while the batch still renders,
    more(live) -> items that join) and answers per item (those that joined included): audio, None (dropped:
    cancelled), or the exception it failed with. It is called only when the scheduler batches (``max_batch`` > 1).
    """

    def render(self, segment: Segment, params: SynthParams) -> Rendered: ...

    def synthesize_batch(
        self, items: Items, cancelled: Checks | None = None, ready: Ready | None = None, more: Join | None = None
    ) -> Outcomes: ...

    def abandon_call(self, thread_id: int) -> None: ...


class Cancelled(Exception):
    """The request was cancelled before all its segments were rendered."""


@dataclass(eq=False)
class Ticket:
    """One request inside the scheduler: its segments, their audio as it arrives, and its state."""

    id: int
    segments: list[Segment]
    params: SynthParams
    results: dict[int, Rendered] = field(default_factory=dict)
    next_index: int = 0  # next segment to dispatch
    dispatched: int = 0
    last_served: int = 0  # dispatch sequence number of its latest segment (0: never)
    submitted_at: float = field(default_factory=time.perf_counter)
    waited_s: float | None = None  # from submission until a worker took its first segment to render
    render_s: float = 0.0  # worker time spent on its segments
    cancelled: bool = False
    holding: bool = False  # its first segment is being rendered alone (``first_alone``)
    error: BaseException | None = None
    ready: threading.Condition | None = None  # wakes this request's reader only (no thundering herd)

    def pending(self) -> bool:
        return not self.cancelled and self.error is None and self.next_index < len(self.segments)


class SegmentScheduler:
    """Thread pool of ``workers`` rendering segments with ``render``; see the module docstring for order."""

    def __init__(
        self,
        renderer: Renderer,
        workers: int,
        max_batch: int = 1,
        batch_window_s: float = 0.0,
        segment_timeout_s: float | None = None,
        first_alone: bool = False,
        sprint_alone: bool = False,
        speed: RenderSpeed | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        """With ``max_batch`` > 1 (for renderers that can batch) up to that many segments go to one
        ``synthesize_batch`` call, gathered for at most ``batch_window_s`` after the first one; otherwise
        segments go one per ``render`` call. With ``segment_timeout_s`` a watchdog replaces workers that
        hang or die (and tells the renderer's ``abandon_call``), and ``first_alone`` holds a request's
        later segments back until its first is rendered (module docstring); ``sprint_alone`` only when the
        request found the scheduler idle. Each segment's render time is
        recorded in ``speed`` (what admission estimates waits from), and each call's number of segments
        is handed to ``on_batch`` (the batch-size histogram)."""
        self._on_batch = on_batch
        self._arrivals = [float("-inf"), float("-inf")]  # the two latest submissions
        self.speed = speed if speed is not None else RenderSpeed()
        self._first_alone = first_alone
        self._sprint_alone = sprint_alone
        self._renderer = renderer
        self._batching = max_batch > 1
        self._max_batch = max_batch
        self._batch_window_s = batch_window_s
        self._tickets: list[Ticket] = []
        self._ids = itertools.count(1)
        self._dispatches = itertools.count(1)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # workers wait here for work
        self._closed = False
        self.active_segments = 0
        self.replaced_workers = 0
        self._segment_timeout_s = segment_timeout_s
        self._busy: dict[threading.Thread, tuple[float, list[tuple[Ticket, int]]]] = {}
        self._retired: set[threading.Thread] = set()
        self._names = itertools.count(0)
        self._threads: list[threading.Thread] = []
        for _ in range(workers):
            self._start_worker()
        if segment_timeout_s is not None:
            threading.Thread(target=self._watch, name="tts-watchdog", daemon=True).start()

    def _start_worker(self) -> None:
        thread = threading.Thread(target=self._work, name=f"tts-worker-{next(self._names)}", daemon=True)
        self._threads.append(thread)
        thread.start()

    # -- public ------------------------------------------------------------------------------------

    def submit(self, segments: list[Segment], params: SynthParams, ready: dict[int, Rendered] | None = None) -> Ticket:
        """Queue a request; ``ready`` holds audio already known (cache hits) by segment index."""
        ticket = Ticket(next(self._ids), segments, params, ready=threading.Condition(self._lock))
        ticket.results.update(ready or {})
        self._skip_ready(ticket)
        with self._cond:
            self._tickets.append(ticket)
            self._arrivals = [self._arrivals[1], time.perf_counter()]
            self._cond.notify_all()
        return ticket

    def stream(self, ticket: Ticket, timeout: float | None = None) -> Iterator[tuple[int, Rendered]]:
        """Yield (index, rendered) in segment order as they finish; closing the iterator cancels the rest."""
        try:
            for index in range(len(ticket.segments)):
                assert ticket.ready is not None
                with ticket.ready:
                    got = ticket.ready.wait_for(
                        lambda i=index: i in ticket.results or ticket.error is not None or ticket.cancelled, timeout
                    )
                    if ticket.error is not None:
                        raise ticket.error
                    if ticket.cancelled:
                        raise Cancelled(f"request {ticket.id} was cancelled")
                    if not got:
                        raise TimeoutError(f"segment {index} of request {ticket.id} took longer than {timeout}s")
                    audio = ticket.results.pop(index)
                yield index, audio
        finally:
            self.cancel(ticket)  # finished, failed or abandoned: drop whatever is left

    def cancel(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket in self._tickets:
                if ticket.pending():
                    log.info("request %d: dropped %d pending segment(s)", ticket.id, len(ticket.segments) - ticket.next_index)
                # also with nothing left to dispatch: a reader waiting on a segment in progress wakes now
                ticket.cancelled = True
                self._tickets.remove(ticket)
            if ticket.ready is not None:
                ticket.ready.notify_all()

    def depth(self) -> dict[str, int]:
        """Requests in the scheduler, segments waiting for a worker, segments being rendered."""
        with self._cond:
            waiting = sum(len(t.segments) - t.next_index for t in self._tickets if t.pending())
            return {"requests": len(self._tickets), "waiting_segments": waiting, "active_segments": self.active_segments}

    def close(self) -> None:
        """Stop the workers and cancel every request still inside, waking its reader (used at shutdown)."""
        with self._cond:
            self._closed = True
            for ticket in self._tickets:
                ticket.cancelled = True
                if ticket.ready is not None:
                    ticket.ready.notify_all()
            self._tickets.clear()
            self._cond.notify_all()
        for thread in list(self._threads):
            thread.join(timeout=2)

    # -- workers -----------------------------------------------------------------------------------

    @staticmethod
    def _skip_ready(ticket: Ticket) -> None:
        while ticket.next_index < len(ticket.segments) and ticket.next_index in ticket.results:
            ticket.next_index += 1

    def _pick(self, first_only: bool = False) -> tuple[Ticket, int] | None:
        candidates = [t for t in self._tickets if t.pending() and not t.holding and not (first_only and t.next_index)]
        if not candidates:
            return None
        ticket = min(candidates, key=lambda t: (t.next_index > 0, t.last_served, t.id))
        index = ticket.next_index
        ticket.holding = index == 0 and (self._first_alone or (self._sprint_alone and self._idle_but(ticket)))
        ticket.next_index += 1
        ticket.dispatched += 1
        ticket.last_served = next(self._dispatches)
        if ticket.waited_s is None:
            ticket.waited_s = time.perf_counter() - ticket.submitted_at
        self._skip_ready(ticket)
        return ticket, index

    def _idle_but(self, ticket: Ticket) -> bool:
        """No worker busy and no other request waiting (lock held): ``ticket``'s first segment would run alone."""
        return not self._busy and not any(t is not ticket and t.pending() for t in self._tickets)

    def _busy_elsewhere(self, batch: list[tuple[Ticket, int]]) -> bool:
        """Whether company for ``batch`` may come: another request is inside, or requests are arriving in a
        burst (the last two within one window of each other, the latest within a window of now)."""
        mine = {id(t) for t, _ in batch}
        if any(id(t) not in mine and not t.cancelled for t in self._tickets):
            return True
        before, latest = self._arrivals
        window = self._batch_window_s
        return latest - before < window and time.perf_counter() - latest < window

    def _gather(self, batch: list[tuple[Ticket, int]]) -> None:
        """Add segments to ``batch`` (lock held): those ready now, then, while busy, what comes in the window."""
        deadline = time.perf_counter() + self._batch_window_s
        first_only = batch[0][1] == 0  # someone's first audio rides on it: only other first segments join
        while len(batch) < self._max_batch:
            more = self._pick(first_only)
            if more is not None:
                batch.append(more)
                continue
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or self._closed or not self._busy_elsewhere(batch):
                return
            self._cond.wait(remaining)

    def _watch(self) -> None:
        """Every so often, retire workers stuck on one batch too long or dead, and start new ones."""
        assert self._segment_timeout_s is not None
        period = min(1.0, self._segment_timeout_s / 4)
        while True:
            abandoned: list[int] = []
            with self._cond:
                if self._cond.wait_for(lambda: self._closed, period):
                    return
                now = time.perf_counter()
                for thread in list(self._threads):
                    started, _batch = self._busy.get(thread, (now, []))
                    if thread.is_alive() and now - started <= self._segment_timeout_s:
                        continue
                    hung = thread.is_alive()
                    why = f"took longer than {self._segment_timeout_s:g} s" if hung else "stopped its worker"
                    self._retire(thread, f"synthesis of this segment {why}; the worker was replaced, try again")
                    if hung and thread.ident is not None:
                        abandoned.append(thread.ident)
                    log.warning(
                        "worker %s %s; replaced it (%d replaced so far)",
                        thread.name,
                        "hung" if hung else "died",
                        self.replaced_workers,
                    )
            for ident in abandoned:  # outside the lock: opening a new model session takes a moment
                try:
                    self._renderer.abandon_call(ident)
                except Exception:
                    log.exception("could not replace the session of a hung worker")

    def _retire(self, thread: threading.Thread, reason: str) -> None:
        """Fail the batch ``thread`` was rendering and start a worker in its place (lock held)."""
        _started, batch = self._busy.pop(thread, (0.0, []))
        self.active_segments -= len(batch)
        for ticket, _index in batch:
            ticket.error = TTSError(reason)
            if ticket.ready is not None:
                ticket.ready.notify_all()
        self._threads.remove(thread)
        self._retired.add(thread)
        self.replaced_workers += 1
        self._start_worker()

    def _work(self) -> None:
        try:
            self._serve()
        except BaseException:  # the thread ends here; the watchdog fails its segment and starts another
            log.exception("worker %s died", threading.current_thread().name)

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                picked = None
                while not self._closed and (picked := self._pick()) is None:
                    self._cond.wait()
                if self._closed:
                    return
                batch = [picked]
                if self._batching:
                    self._gather(batch)
                self.active_segments += len(batch)
                self._busy[me] = (time.perf_counter(), batch)
            began = time.perf_counter()
            handed: set[int] = set()  # positions in the batch whose audio was handed over while it rendered
            outcomes = self._run(
                batch, functools.partial(self._hand_over, me, batch, handed), functools.partial(self._join, me, batch), handed
            )
            spent = (time.perf_counter() - began) / len(batch)
            with self._cond:
                if me in self._retired:  # the watchdog gave up on this call and replaced us
                    self._retired.discard(me)
                    log.info("worker %s: a call given up as hung has returned; exiting", me.name)
                    return
                del self._busy[me]
                self.active_segments -= len(batch)
                for position, ((ticket, index), (audio, failure)) in enumerate(zip(batch, outcomes, strict=True)):
                    if index == 0 and ticket.holding:
                        ticket.holding = False  # its later segments may go now
                        self._cond.notify_all()
                    ticket.render_s += spent
                    if isinstance(audio, BaseException):  # the engine could not take this one
                        failure, audio = audio, None
                    if failure is not None:
                        ticket.error = failure
                    elif audio is None:  # the engine dropped it: its request was cancelled meanwhile
                        pass
                    else:
                        self.speed.record(segment_size(ticket.segments[index]), spent)
                        if not ticket.cancelled and position not in handed:
                            ticket.results[index] = audio if isinstance(audio, Rendered) else Rendered(audio)
                    if ticket.ready is not None:
                        ticket.ready.notify_all()

    def _hand_over(self, me: threading.Thread, batch: list[tuple[Ticket, int]], handed: set[int], position: int, audio) -> None:
        """One segment of a batch that is still rendering is done: its listener hears it now, not at the end."""
        ticket, index = batch[position]
        with self._cond:
            if audio is None or me in self._retired or ticket.cancelled or ticket.error is not None:
                return
            ticket.results[index] = Rendered(audio)
            handed.add(position)
            if me in self._busy:  # progress: the watchdog's clock starts again
                self._busy[me] = (time.perf_counter(), batch)
            if ticket.ready is not None:
                ticket.ready.notify_all()

    def _join(self, me: threading.Thread, batch: list[tuple[Ticket, int]], live: int) -> Joining:
        """Segments that join a batch still rendering (``live`` of its requests still decoding), in the usual
        order, up to ``max_batch`` live: a slot freed mid-call is refilled at once."""
        with self._cond:
            if self._closed or me in self._retired:
                return []
            added = []
            while live + len(added) < self._max_batch and (picked := self._pick()) is not None:
                added.append(picked)
            if added:
                batch.extend(added)
                self.active_segments += len(added)
                self._busy[me] = (time.perf_counter(), batch)  # progress: the watchdog's clock starts again
        return [(t.segments[i], t.params, lambda t=t: t.cancelled) for t, i in added]

    def _run(
        self,
        batch: list[tuple[Ticket, int]],
        ready: Ready,
        more: Join,
        handed: set[int],
    ) -> list[tuple[Rendered | np.ndarray | BaseException | None, BaseException | None]]:
        """Render a batch; a failure is handed to the request it belongs to, never lost."""
        if self._batching:  # even for one segment: others may join it while it renders
            try:
                items = [(t.segments[i], t.params) for t, i in batch]
                audios = self._renderer.synthesize_batch(items, [lambda t=t: t.cancelled for t, _ in batch], ready, more)
                if self._on_batch is not None:
                    self._on_batch(len(batch))  # joined segments included
                return [(audio, None) for audio in audios]
            except Exception as exc:  # one bad segment must not fail the others: each goes alone
                log.warning("a batch of %d failed (%s: %s); its segments go one by one", len(batch), type(exc).__name__, exc)
        if self._on_batch is not None:
            self._on_batch(len(batch))
        return [(None, None) if p in handed else self._run_one(t, i) for p, (t, i) in enumerate(batch)]

    def _run_one(self, ticket: Ticket, index: int) -> tuple[Rendered | None, BaseException | None]:
        try:
            return self._renderer.render(ticket.segments[index], ticket.params), None
        except TTSError as exc:
            return None, exc
        except Exception as exc:  # never lose a request silently: the waiting client gets the error
            log.exception("segment rendering failed")
            return None, TTSError(f"synthesis failed: {exc}")

"""Admission by expected wait: a request is taken only if the work already accepted can be done soon.

A fixed number of places admits the same count whether the machine is idle or saturated, so a
crowd on a busy machine was admitted and then timed out. Here every accepted request reserves
the cost of its segments still to render (at the measured ``RenderSpeed``); the expected wait is
that reserved work shared among the workers. When it exceeds ``max_wait_s`` a newcomer is told
at once that the server is busy and when to try again: when, at the same speed, the work accepted
before it will have been rendered (a Retry-After of "the bound less the wait" sent every refused
client of a crowd back within a second, to be refused again). Segments are given back as they are rendered, and a
request that ends early (finished, failed, cancelled, its client gone) gives back the rest.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable

from ..frontend.segment import Segment
from .render_speed import RenderSpeed, segment_size


class ServerBusy(Exception):
    """The work already accepted would keep a new request waiting longer than the bound."""

    def __init__(self, wait_s: float, retry_after_s: int) -> None:
        super().__init__(
            f"the server is busy: the speech accepted before this request needs about {retry_after_s} s to render; "
            f"try again in {retry_after_s} s"
        )
        self.wait_s = wait_s
        self.retry_after_s = retry_after_s


class Reservation:
    """The segments of one accepted request still to be rendered; give them back as they are done."""

    def __init__(self, admission: WaitAdmission, sizes: dict[int, int]) -> None:
        self._admission = admission
        self._sizes = sizes  # segment index -> size, for the segments not rendered yet

    def done(self, index: int) -> None:
        """Segment ``index`` was rendered (or turned out not to need rendering)."""
        self._admission.give_back(self._sizes, index)

    def release(self) -> None:
        """The request ended: whatever it had not rendered is no longer waiting. Safe to call again,
        and from another thread than the one calling ``done``."""
        self._admission.give_back(self._sizes, None)


class WaitAdmission:
    """The backlog of accepted work and the decision to accept more (thread-safe)."""

    def __init__(self, speed: RenderSpeed, workers: int, max_wait_s: float | None) -> None:
        """``max_wait_s`` None accepts everything (the CLI, tools) while still keeping the account."""
        self.speed = speed
        self.workers = max(1, workers)
        self.max_wait_s = max_wait_s
        self._segments = 0
        self._size = 0
        self._lock = threading.Lock()

    def expected_wait(self) -> float:
        """Seconds until the workers have rendered everything already accepted, at the measured speed."""
        with self._lock:
            return self._wait(self._segments, self._size)

    def _wait(self, segments: int, size: int) -> float:
        return self.speed.cost(segments, size) / self.workers

    def retry_after(self) -> int:
        """Whole seconds until the work accepted so far is expected to be rendered (at least 1)."""
        return max(1, math.ceil(self.expected_wait()))

    def admit(self, segments: Iterable[tuple[int, Segment]], force: bool = False) -> Reservation:
        """Reserve the given (index, segment) pairs, or raise ``ServerBusy``; ``force`` skips the bound
        (work of the server's own: warm-up, voice measurements)."""
        sizes = {index: segment_size(segment) for index, segment in segments}
        with self._lock:
            wait = self._wait(self._segments, self._size)
            if not force and sizes and self.max_wait_s is not None and wait > self.max_wait_s:
                raise ServerBusy(wait, max(1, math.ceil(wait)))
            self._segments += len(sizes)
            self._size += sum(sizes.values())
        return Reservation(self, sizes)

    def backlog(self) -> dict[str, float | int | None]:
        """What ``/health`` reports: the work accepted and what it is expected to take."""
        with self._lock:
            segments, size = self._segments, self._size
        return {
            "segments": segments,
            "expected_wait_s": round(self._wait(segments, size), 2),
            "max_wait_s": self.max_wait_s,
        }

    def give_back(self, sizes: dict[int, int], index: int | None) -> None:
        """Take segment ``index`` (None: all of them) out of a reservation and out of the backlog."""
        with self._lock:
            if index is None:
                taken = list(sizes.values())
                sizes.clear()
            else:
                taken = [sizes.pop(index)] if index in sizes else []
            self._segments -= len(taken)
            self._size -= sum(taken)

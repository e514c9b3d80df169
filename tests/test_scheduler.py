"""The segment scheduler's order of service, cancellation and error handling, with a timed stand-in renderer."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index_tts.common.errors import TTSError
from index_tts.engines.base import Rendered, Segment, SynthParams
from index_tts.serving.scheduler import Cancelled, SegmentScheduler


class Recorder:
    """Renders a segment by sleeping; records (request voice, segment text) in the order work started."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.started: list[tuple[str, str]] = []
        self.spans: dict[tuple[str, str], tuple[float, float]] = {}  # (voice, text) -> (start, end)
        self.concurrent = 0
        self.max_concurrent = 0
        self._lock = threading.Lock()

    def __call__(self, segment: Segment, params: SynthParams) -> np.ndarray:
        with self._lock:
            self.started.append((params.voice, segment.text))
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        if segment.text == "boom":
            raise TTSError("cannot say boom")
        began = time.perf_counter()
        time.sleep(self.seconds)
        with self._lock:
            self.concurrent -= 1
            self.spans[(params.voice, segment.text)] = (began, time.perf_counter())
        return np.full(10, float(segment.text[-1:].isdigit() and int(segment.text[-1])), np.float32)


class StandIn:
    """A renderer made of plain functions, with the calls the scheduler makes of an engine."""

    def __init__(self, render, render_batch=None, on_abandon=None) -> None:
        self._render, self._render_batch, self._on_abandon = render, render_batch, on_abandon

    def render(self, segment: Segment, params: SynthParams) -> Rendered:
        return Rendered(self._render(segment, params))

    def synthesize_batch(self, items, cancelled=None, ready=None, more=None):
        return self._render_batch(items, cancelled, ready, more)

    def abandon_call(self, thread_id: int) -> None:
        if self._on_abandon is not None:
            self._on_abandon(thread_id)


def scheduler(render, render_batch=None, on_abandon=None, **options) -> SegmentScheduler:
    """A scheduler rendering with ``render`` (and ``render_batch`` when ``max_batch`` > 1)."""
    return SegmentScheduler(StandIn(render, render_batch, on_abandon), **options)


def segs(n: int, prefix: str = "s") -> list[Segment]:
    return [Segment(text=f"{prefix}{i}", language="en", phonemes="a") for i in range(n)]


def test_segments_come_back_in_order_with_their_audio() -> None:
    sched = scheduler(Recorder(0.01), workers=2)
    ticket = sched.submit(segs(6), SynthParams(voice="a"))
    got = list(sched.stream(ticket))
    assert [i for i, _ in got] == list(range(6))
    assert [float(r.audio[0]) for _, r in got] == [0, 1, 2, 3, 4, 5]
    sched.close()


def test_first_segments_of_every_request_go_before_later_segments() -> None:
    rec = Recorder(0.05)
    sched = scheduler(rec, workers=1)
    blocker = sched.submit(segs(1, "x"), SynthParams(voice="blocker"))  # occupies the worker while we queue
    time.sleep(0.01)
    long_req = sched.submit(segs(5), SynthParams(voice="long"))
    short_req = sched.submit(segs(2), SynthParams(voice="short"))
    for ticket in (blocker, long_req, short_req):
        list(sched.stream(ticket))
    order = rec.started[1:]
    assert order[:2] == [("long", "s0"), ("short", "s0")]  # both first segments before anyone's second
    # round robin afterwards: the short request finishes before the long one's third segment
    assert order.index(("short", "s1")) < order.index(("long", "s2"))
    sched.close()


def test_a_lone_request_uses_every_worker() -> None:
    rec = Recorder(0.1)
    sched = scheduler(rec, workers=2)
    started = time.perf_counter()
    list(sched.stream(sched.submit(segs(4), SynthParams(voice="a"))))
    assert rec.max_concurrent == 2
    assert time.perf_counter() - started < 0.35  # 4 x 0.1 s on two workers, not 0.4 s in a row
    sched.close()


def test_with_first_alone_a_request_waits_for_its_first_segment_before_the_rest() -> None:
    """Workers with a thread per core: a lone request's first segment renders alone, so it gets
    every core; then its other segments use every worker again."""
    rec = Recorder(0.1)
    sched = scheduler(rec, workers=2, first_alone=True)
    list(sched.stream(sched.submit(segs(3), SynthParams(voice="a"))))
    head_end = rec.spans[("a", "s0")][1]
    assert rec.spans[("a", "s1")][0] >= head_end and rec.spans[("a", "s2")][0] >= head_end
    assert abs(rec.spans[("a", "s1")][0] - rec.spans[("a", "s2")][0]) < 0.05  # then side by side
    sched.close()


def test_with_first_alone_other_requests_still_use_the_free_workers() -> None:
    rec = Recorder(0.1)
    sched = scheduler(rec, workers=2, first_alone=True)
    first = sched.submit(segs(3, "a"), SynthParams(voice="a"))
    second = sched.submit(segs(3, "b"), SynthParams(voice="b"))
    for ticket in (first, second):
        list(sched.stream(ticket))
    assert abs(rec.spans[("a", "a0")][0] - rec.spans[("b", "b0")][0]) < 0.05  # both heads at once
    assert rec.max_concurrent == 2
    sched.close()


def test_with_sprint_alone_a_lone_request_renders_its_first_segment_alone() -> None:
    """An engine that decodes a call alone with every core: a request that finds the scheduler idle
    has its first segment rendered with nothing beside it, then its others side by side."""
    rec = Recorder(0.1)
    sched = scheduler(rec, workers=2, sprint_alone=True)
    list(sched.stream(sched.submit(segs(3), SynthParams(voice="a"))))
    head_end = rec.spans[("a", "s0")][1]
    assert rec.spans[("a", "s1")][0] >= head_end and rec.spans[("a", "s2")][0] >= head_end
    assert abs(rec.spans[("a", "s1")][0] - rec.spans[("a", "s2")][0]) < 0.05
    sched.close()


def test_with_sprint_alone_nobody_waits_under_load() -> None:
    """A request that arrives while another is rendering is not held: its later segments fill free workers."""
    rec = Recorder(0.1)
    sched = scheduler(rec, workers=3, sprint_alone=True)
    busy = sched.submit(segs(1, "x"), SynthParams(voice="x"))
    time.sleep(0.02)  # x's only segment is being rendered
    second = sched.submit(segs(3, "b"), SynthParams(voice="b"))
    for ticket in (busy, second):
        list(sched.stream(ticket))
    assert rec.spans[("b", "b1")][0] < rec.spans[("b", "b0")][1]  # b's second segment did not wait for its first
    sched.close()


def test_closing_the_stream_drops_pending_segments() -> None:
    rec = Recorder(0.05)
    sched = scheduler(rec, workers=1)
    ticket = sched.submit(segs(20), SynthParams(voice="gone"))
    stream = sched.stream(ticket)
    next(stream)
    stream.close()  # the client disconnected
    time.sleep(0.2)
    assert len(rec.started) <= 3 and sched.depth()["requests"] == 0
    sched.close()


def test_ready_segments_are_not_rendered_again() -> None:
    rec = Recorder(0.01)
    sched = scheduler(rec, workers=1)
    ready = {0: Rendered(np.zeros(5, np.float32)), 2: Rendered(np.zeros(5, np.float32))}
    got = list(sched.stream(sched.submit(segs(3), SynthParams(voice="a"), ready)))
    assert len(got) == 3 and [t for _, t in rec.started] == ["s1"]
    sched.close()


def test_a_failing_segment_fails_its_request_only() -> None:
    rec = Recorder(0.01)
    sched = scheduler(rec, workers=2)
    bad = sched.submit([Segment("ok0", "en", "a"), Segment("boom", "en", "a")], SynthParams(voice="bad"))
    good = sched.submit(segs(3), SynthParams(voice="good"))
    with pytest.raises(TTSError, match="boom"):
        list(sched.stream(bad))
    assert len(list(sched.stream(good))) == 3
    sched.close()


def test_cancel_wakes_a_waiting_reader() -> None:
    sched = scheduler(Recorder(0.2), workers=1)
    ticket = sched.submit(segs(3), SynthParams(voice="a"))
    threading.Timer(0.05, sched.cancel, args=(ticket,)).start()
    with pytest.raises(Cancelled):
        list(sched.stream(ticket))
    sched.close()


def test_engines_that_batch_get_segments_gathered_in_a_time_window() -> None:
    calls: list[int] = []

    def render_batch(items, cancelled, ready, more):
        calls.append(len(items))
        time.sleep(0.05)
        return [np.zeros(10, np.float32) for _ in items]

    sched = scheduler(Recorder(0.05), workers=1, render_batch=render_batch, max_batch=4, batch_window_s=0.05)
    tickets = [sched.submit(segs(2, f"r{i}"), SynthParams(voice=f"v{i}")) for i in range(3)]
    for ticket in tickets:
        assert len(list(sched.stream(ticket))) == 2
    assert max(calls) >= 3 and sum(calls) == 6 and all(n <= 4 for n in calls)
    sched.close()


def test_a_lone_request_is_not_held_for_the_batch_window() -> None:
    calls: list[tuple[float, int]] = []

    def render_batch(items, cancelled, ready, more):
        calls.append((time.perf_counter(), len(items)))
        return [np.zeros(10, np.float32) for _ in items]

    render = Recorder(0.0)
    sched = scheduler(render, workers=1, render_batch=render_batch, max_batch=8, batch_window_s=5.0)
    time.sleep(0.1)  # nothing arrived just before: no burst
    submitted = time.perf_counter()
    ticket = sched.submit(segs(1, "only"), SynthParams(voice="v"))
    assert len(list(sched.stream(ticket))) == 1
    # a 5 s window would show as a 5 s wait; the lone segment went at once, in a call of its own
    assert time.perf_counter() - submitted < 2.5 and [n for _t, n in calls] == [1]
    sched.close()


def test_a_burst_waits_in_the_window_and_is_rendered_together() -> None:
    sizes: list[int] = []
    observed: list[int] = []

    def render_batch(items, cancelled, ready, more):
        sizes.append(len(items))
        return [np.zeros(10, np.float32) for _ in items]

    sched = scheduler(
        Recorder(0.0), workers=1, render_batch=render_batch, max_batch=8, batch_window_s=0.5, on_batch=observed.append
    )
    tickets = []
    for i in range(4):  # arriving 50 ms apart: each within a window of the one before
        tickets.append(sched.submit(segs(1, f"r{i}-"), SynthParams(voice=f"v{i}")))
        time.sleep(0.05)
    for ticket in tickets:
        assert len(list(sched.stream(ticket))) == 1
    assert max(sizes) >= 3 and sum(observed) == 4 and observed == sizes
    sched.close()


class Blocker(Recorder):
    """A renderer whose "block" segment waits for ``release``: the worker is busy while a test queues work."""

    def __init__(self) -> None:
        super().__init__(0.0)
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, segment: Segment, params: SynthParams) -> np.ndarray:
        if segment.text == "block":
            self.entered.set()
            self.release.wait(10)
        return super().__call__(segment, params)

    def batches(self, render_batch):
        """``render_batch`` for everything but the blocking segment, which this renders (and blocks on)."""

        def run(items, cancelled, ready, more):
            if items[0][0].text == "block":
                return [self(segment, params) for segment, params in items]
            return render_batch(items, cancelled, ready, more)

        return run


def _queued_behind_a_blocker(sched: SegmentScheduler, render: Blocker, *requests) -> list:
    """Submit ``requests`` while the only worker renders a blocking segment, so they are all waiting together."""
    first = sched.submit([Segment(text="block", language="en", phonemes="a")], SynthParams(voice="x"))
    assert render.entered.wait(5)
    tickets = [sched.submit(segments, params) for segments, params in requests]
    render.release.set()
    list(sched.stream(first))
    return tickets


def test_a_failed_batch_is_rendered_one_by_one_so_only_the_bad_segment_fails() -> None:
    def render_batch(items, cancelled, ready, more):
        if any(segment.text == "boom" for segment, _ in items):
            raise RuntimeError("the whole batch fails")
        return [np.zeros(10, np.float32) for _ in items]

    render = Blocker()
    sched = scheduler(render, workers=1, render_batch=render.batches(render_batch), max_batch=4, batch_window_s=0.2)
    boom = [Segment(text="boom", language="en", phonemes="a")]
    good, bad = _queued_behind_a_blocker(sched, render, (segs(2, "good"), SynthParams(voice="a")), (boom, SynthParams(voice="b")))
    with pytest.raises(TTSError, match="boom"):
        list(sched.stream(bad))
    assert len(list(sched.stream(good))) == 2
    assert ("b", "boom") in render.started  # the retry alone is what failed it, with the engine's own message
    sched.close()


def test_a_request_cancelled_during_a_batch_is_told_to_the_engine_and_the_others_are_served() -> None:
    seen: list[list[bool]] = []
    inside = threading.Event()
    go_on = threading.Event()

    def render_batch(items, cancelled, ready, more):
        inside.set()
        go_on.wait(5)
        seen.append([c() for c in cancelled])
        return [None if c() else np.ones(10, np.float32) for c in cancelled]

    render = Blocker()
    sched = scheduler(render, workers=1, render_batch=render.batches(render_batch), max_batch=4, batch_window_s=0.3)
    stay, leave = _queued_behind_a_blocker(
        sched, render, (segs(1, "stay"), SynthParams(voice="a")), (segs(1, "leave"), SynthParams(voice="b"))
    )
    assert inside.wait(5)
    sched.cancel(leave)
    go_on.set()
    assert [len(r.audio) for _i, r in sched.stream(stay)] == [10]
    assert seen == [[False, True]]
    sched.close()


def test_a_segment_handed_over_during_a_batch_is_heard_before_the_batch_ends() -> None:
    finish = threading.Event()

    def render_batch(items, cancelled, ready, more):
        ready(0, np.full(10, 7.0, np.float32))  # the first is done; the rest of the batch takes a while
        finish.wait(10)
        return [np.full(10, 7.0 if i == 0 else 1.0, np.float32) for i in range(len(items))]

    render = Blocker()
    sched = scheduler(render, workers=1, render_batch=render.batches(render_batch), max_batch=4, batch_window_s=0.2)
    early, late = _queued_behind_a_blocker(
        sched, render, (segs(1, "e"), SynthParams(voice="a")), (segs(1, "l"), SynthParams(voice="b"))
    )
    heard = list(sched.stream(early, timeout=5))  # would time out if it waited for the batch
    assert not finish.is_set() and [float(r.audio[0]) for _i, r in heard] == [7.0]
    finish.set()
    assert [float(r.audio[0]) for _i, r in sched.stream(late, timeout=5)] == [1.0]
    sched.close()


def test_a_request_arriving_during_a_batch_joins_it_instead_of_waiting_for_the_next() -> None:
    calls: list[int] = []
    observed: list[int] = []
    holder: dict = {}

    def render_batch(items, cancelled, ready, more):
        calls.append(len(items))
        holder["late"] = sched.submit(segs(1, "late"), SynthParams(voice="b"))  # arrives while A renders
        joined = more(len(items))  # between two decode steps: the engine asks for more
        return [np.full(10, float(len(items) + k), np.float32) for k in range(len(items) + len(joined))]

    sched = scheduler(
        Recorder(0.0), workers=1, render_batch=render_batch, max_batch=4, batch_window_s=0.0, on_batch=observed.append
    )
    first = sched.submit(segs(1, "first"), SynthParams(voice="a"))
    assert [float(r.audio[0]) for _i, r in sched.stream(first, timeout=5)] == [1.0]
    assert [float(r.audio[0]) for _i, r in sched.stream(holder["late"], timeout=5)] == [2.0]  # the same call's 2nd item
    assert calls == [1] and observed == [2] and sched.depth()["active_segments"] == 0
    sched.close()


class Hanger(Recorder):
    """Like Recorder, but "hang" blocks until released and "crash" kills the worker thread."""

    def __init__(self) -> None:
        super().__init__(0.01)
        self.release = threading.Event()

    def __call__(self, segment: Segment, params: SynthParams) -> np.ndarray:
        if segment.text == "hang":
            self.release.wait(30)
            return np.ones(10, np.float32)
        if segment.text == "crash":
            raise SystemExit("worker thread died")  # not an Exception: escapes the worker's error handling
        return super().__call__(segment, params)


@pytest.mark.parametrize("kind", ["hang", "crash"])
def test_a_hung_or_dead_worker_is_replaced_and_only_its_request_fails(kind: str) -> None:
    render = Hanger()
    abandoned: list[int] = []
    sched = scheduler(render, workers=1, segment_timeout_s=0.5, on_abandon=abandoned.append)
    stuck = sched.submit([Segment(kind, "en", "a"), Segment("after", "en", "a")], SynthParams(voice="stuck"))
    started = time.perf_counter()
    with pytest.raises(TTSError, match="worker was replaced"):
        list(sched.stream(stuck, timeout=10))
    assert time.perf_counter() - started < 3  # detected by the watchdog, not by the reader's timeout
    # the one worker is gone or stuck, yet a new request is served: a replacement took its place
    assert [i for i, _ in sched.stream(sched.submit(segs(3), SynthParams(voice="next")), timeout=5)] == [0, 1, 2]
    assert sched.replaced_workers == 1
    assert len(abandoned) == (1 if kind == "hang" else 0)  # the engine is told which thread's session to replace
    render.release.set()  # the stuck call returns late: its audio must not reach anyone, nothing else breaks
    time.sleep(0.2)
    assert sched.depth()["active_segments"] == 0
    assert len(list(sched.stream(sched.submit(segs(2), SynthParams(voice="last")), timeout=5))) == 2
    assert sched.replaced_workers == 1
    sched.close()


def test_without_a_watchdog_a_hung_worker_blocks_everyone() -> None:
    """The reason for the watchdog: with it off, the same hang leaves a later request waiting."""
    render = Hanger()
    sched = scheduler(render, workers=1)
    sched.submit([Segment("hang", "en", "a")], SynthParams(voice="stuck"))
    with pytest.raises(TimeoutError):
        list(sched.stream(sched.submit(segs(1), SynthParams(voice="next")), timeout=1.0))
    render.release.set()
    sched.close()


def test_a_long_request_keeps_its_share_while_new_requests_keep_arriving() -> None:
    """Three clients keep sending 3-segment requests; a 12-segment request must still get about a
    quarter of the worker, not wait until the newcomers stop."""
    rec = Recorder(0.02)
    sched = scheduler(rec, workers=1)
    long_req = sched.submit(segs(12, "L"), SynthParams(voice="long"))
    stop = threading.Event()

    def client(name: str) -> None:
        while not stop.is_set():
            list(sched.stream(sched.submit(segs(3, name), SynthParams(voice=name))))

    clients = [threading.Thread(target=client, args=(f"c{i}",)) for i in range(3)]
    for thread in clients:
        thread.start()
    started = time.perf_counter()
    assert len(list(sched.stream(long_req, timeout=10))) == 12
    waited = time.perf_counter() - started
    stop.set()
    for thread in clients:
        thread.join()
    # 12 of its segments among ~4 requests sharing one worker at 0.02 s each: about 1 s; starved it never ends
    assert waited < 3.0, f"the long request took {waited:.1f}s"
    sched.close()

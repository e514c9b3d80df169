"""A request's stream inside the manager: closing it from another thread, at any moment, drops its work."""

from __future__ import annotations

import threading
import time

import pytest

from index_tts.serving.request import SpeechRequest
from index_tts.serving.scheduler import Cancelled

TEXT = "欢迎来到人工智能展览馆，今天我们一起体验语音合成。请在入口处领取参观手册，展览将在下午五点结束。" * 2


def test_a_stream_closed_while_its_request_is_being_submitted_renders_nothing_more(manager, monkeypatch) -> None:
    """The server closes a stream when its client hangs up; if that happens while the reader thread is
    still starting the request (no ticket yet), the request must still be dropped, not rendered whole."""
    speech = manager.stream(SpeechRequest(text=TEXT, seed=int(time.time())))
    submit = manager.scheduler.submit

    def submit_after_the_client_left(*args, **kwargs):
        speech.close()  # the event loop's close() lands here, between the reader's start and its ticket
        return submit(*args, **kwargs)

    monkeypatch.setattr(manager.scheduler, "submit", submit_after_the_client_left)
    with pytest.raises(Cancelled):
        list(speech)
    ticket = speech.rendering.ticket
    # at most the segments the free workers took at once; the rest were never rendered
    assert ticket.cancelled and ticket.dispatched <= manager.config.sessions < len(speech.segments)
    assert speech.audio_samples == 0 and manager.scheduler.depth()["requests"] == 0 and manager.active_requests == 0


def test_a_stream_closed_while_its_reader_waits_on_a_segment_in_progress_ends_at_once(manager, monkeypatch) -> None:
    """Both segments are with the workers, so nothing is left to dispatch; the client leaves while the
    reader thread waits for the first. The reader must wake and the request must stop counting as
    active, although nobody calls ``next()`` again (before, the generator stayed suspended)."""
    # a lone request's later segments would wait for its first (it gets every core): here both go at once
    monkeypatch.setattr(manager.scheduler, "_sprint_alone", False)
    speech = manager.stream(SpeechRequest(text="欢迎来到人工智能展览馆，今天我们一起体验语音合成。", seed=int(time.time())))
    assert len(speech.segments) == manager.config.sessions == 2
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(next(speech, "ended"))
        except Cancelled:
            outcome.append("cancelled")

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.perf_counter() + 5
    while not (speech.rendering.ticket and speech.rendering.ticket.dispatched == 2) and time.perf_counter() < deadline:
        time.sleep(0.005)
    assert speech.rendering.ticket.dispatched == 2 and manager.active_requests == 1
    speech.close()  # the event loop's close(), while the reader is inside next()
    reader.join(timeout=10)
    assert not reader.is_alive() and outcome in (["ended"], ["cancelled"])
    assert manager.active_requests == 0 and manager.scheduler.depth()["requests"] == 0
    while manager.scheduler.depth()["active_segments"] and time.perf_counter() < deadline + 10:
        time.sleep(0.05)  # the two segments already rendering finish (for nobody) before the module's manager closes
    assert manager.scheduler.depth()["active_segments"] == 0

"""Admission by expected wait: the measured render speed, the backlog it is applied to, and what a refused
visitor is told (page and API)."""

from __future__ import annotations

import math
import threading
import time

import gradio as gr
import pytest

from index_tts.frontend.segment import Segment
from index_tts.interface.ui.actions import synthesize_for_page
from index_tts.interface.ui.controls import page_values
from index_tts.serving.admission import ServerBusy, WaitAdmission
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.render_speed import RenderSpeed, segment_size
from index_tts.serving.request import SpeechRequest

LONG_TEXT = (
    "清晨的公园里，有人在湖边慢慢跑步，有人在树下打太极拳，还有几位老人围坐在石桌旁下棋。"
    "孩子们追着风筝奔跑，笑声传得很远。卖早点的小摊冒着热气，豆浆和油条的香味飘满了整条小路。"
)


def seg(size: int) -> Segment:
    return Segment(text="x", language="en", phonemes="a" * size)


def learned(per_call: float, per_unit: float) -> RenderSpeed:
    speed = RenderSpeed()
    for size in (10, 20, 40, 80, 10, 30, 60, 90, 50, 70):
        speed.record(size, per_call + per_unit * size)
    return speed


def test_the_render_speed_is_fitted_from_what_the_workers_measured() -> None:
    speed = RenderSpeed()
    assert not speed.known and speed.cost(3, 100) == 0.0  # nothing measured: no estimate yet
    speed.record(50, 1.0)
    assert speed.cost(1, 100) == pytest.approx(2.0)  # one render: a plain ratio
    speed = learned(0.2, 0.01)
    assert speed.cost(2, 100) == pytest.approx(2 * 0.2 + 100 * 0.01, rel=1e-6)
    assert speed.describe()["renders"] == 10
    for size in (10, 20, 40, 80) * 20:  # the machine got busy: renders now take twice as long
        speed.record(size, 2 * (0.2 + 0.01 * size))
    assert speed.cost(1, 50) == pytest.approx(2 * (0.2 + 0.5), rel=1e-6)


def test_segment_size_counts_phonemes_or_characters() -> None:
    assert segment_size(Segment("你好", "zh", "ni xau")) == 6
    assert segment_size(Segment("你好呀", "zh", "")) == 3  # engines that take text have no phonemes


def test_work_is_admitted_until_the_expected_wait_passes_the_bound() -> None:
    admission = WaitAdmission(learned(0.0, 0.1), workers=2, max_wait_s=10.0)
    first = admission.admit(enumerate([seg(100), seg(100)]))  # 20 worker-seconds, 10 s on two workers
    assert admission.expected_wait() == pytest.approx(10.0)
    second = admission.admit([(0, seg(20))])  # the wait before it was 10 s: not above the bound
    assert admission.expected_wait() == pytest.approx(11.0)
    with pytest.raises(ServerBusy) as refused:
        admission.admit([(0, seg(10))])
    assert refused.value.wait_s == pytest.approx(11.0)
    assert refused.value.retry_after_s == 11 == admission.retry_after()  # when the work accepted is done
    first.done(0)
    assert admission.expected_wait() == pytest.approx(6.0)
    admission.admit([(0, seg(10))])  # under the bound again
    first.release()
    first.release()  # a second release gives nothing back twice
    second.done(0)
    assert admission.expected_wait() == pytest.approx(0.5)
    assert admission.admit([(0, seg(10_000))], force=False)  # the backlog was under the bound: admitted
    with pytest.raises(ServerBusy) as refused:
        admission.admit([(0, seg(1))])
    assert refused.value.retry_after_s == math.ceil(admission.expected_wait()) == 501
    assert admission.admit([(0, seg(1))], force=True)  # the server's own work is never refused


def test_done_and_release_from_two_threads_give_each_segment_back_once() -> None:
    admission = WaitAdmission(learned(0.0, 0.1), workers=1, max_wait_s=None)
    for _ in range(200):
        reservation = admission.admit(enumerate([seg(10)] * 8))
        reader = threading.Thread(target=lambda r=reservation: [r.done(i) for i in range(8)])
        reader.start()
        reservation.release()
        reader.join()
    assert admission.backlog()["segments"] == 0 and admission.expected_wait() == 0.0


@pytest.fixture(scope="module")
def bounded_manager():
    """A manager like the app's (two workers, the scheduler) with a wait bound of 2 s and no cache."""
    m = ModelManager(ManagerConfig(sessions=2, threads=1, cache=False, max_wait_s=2.0))
    m.load()
    m.warm_up()
    yield m
    m.close()


def test_warm_up_measures_the_speed_admission_needs(bounded_manager) -> None:
    speed = bounded_manager.health()["render_speed"]
    assert speed is not None and speed["renders"] >= 2 and speed["seconds_per_unit"] > 0
    assert bounded_manager.health()["backlog"] == {"segments": 0, "expected_wait_s": 0.0, "max_wait_s": 2.0}


def test_a_request_behind_too_much_work_is_refused_and_told_when_to_retry(bounded_manager) -> None:
    m = bounded_manager
    ahead = m.stream(SpeechRequest(text=LONG_TEXT))  # accepted; nothing rendered until it is read
    waiting = m.admission.expected_wait()
    expected = m.speed.cost(len(ahead.segments), sum(segment_size(s) for s in ahead.segments)) / 2
    assert waiting == pytest.approx(expected) and waiting > 2.0, "the text should be longer than the bound"
    with pytest.raises(ServerBusy) as refused:
        m.stream(SpeechRequest(text="你好。"))
    assert refused.value.retry_after_s == math.ceil(waiting)
    retry = math.ceil(waiting)
    with pytest.raises(gr.Error, match=rf"服务繁忙：排在前面的语音还要合成约 {retry} 秒，请 {retry} 秒后再试"):
        synthesize_for_page(m, page_values("你好。"), "zh")
    with pytest.raises(gr.Error, match=rf"The app is busy: the speech ahead of yours needs about {retry} s"):
        synthesize_for_page(m, page_values("Hello."), "en")
    ahead.close()  # the client left before anything played: its work is no longer ahead of anyone
    assert m.admission.expected_wait() == 0.0
    result = m.synthesize(SpeechRequest(text="你好。"))
    assert result.audio_seconds > 0.2 and m.admission.expected_wait() == 0.0  # rendered work is given back


def test_reading_a_stream_gives_its_segments_back_one_by_one(bounded_manager) -> None:
    m = bounded_manager
    speech = m.stream(SpeechRequest(text=LONG_TEXT))
    before = m.admission.backlog()["segments"]
    assert before == len(speech.segments) >= 3
    next(iter(speech))
    assert 0 < m.admission.backlog()["segments"] < before
    speech.close()
    assert m.admission.backlog()["segments"] == 0


def test_cache_hits_cost_nothing_in_the_backlog() -> None:
    m = ModelManager(ManagerConfig(sessions=1, threads=1, cache=True, max_wait_s=2.0))
    m.load()
    try:
        request = SpeechRequest(text="缓存里的句子不用再合成。", seed=7)
        m.synthesize(request)
        again = m.stream(request)
        assert again.cache_hits == len(again.segments) and m.admission.backlog()["segments"] == 0
        again.close()
    finally:
        m.close()


def test_the_players_start_up_buffer_is_what_rendering_lags_behind_playback(manager, monkeypatch) -> None:
    """A player starts at once when rendering keeps ahead of playback. With renders taking 1.5 times longer
    than the sound they give, it must first buffer the difference (rest render − sound). The render speed is
    set here rather than measured, so a busy machine cannot change the answer."""
    manager.synthesize(SpeechRequest(text=f"第{time.time_ns() % 10**8}位来宾，请进。"), endpoint="test")  # a pace to go by
    request = SpeechRequest(text=f"第{time.time_ns() % 10**8}位来宾，" + LONG_TEXT)
    segments = manager.plan(request)
    size = sum(segment_size(s) for s in segments)
    sound = manager.pace.seconds(size)
    assert sound is not None and sound > 2.0, sound

    def renders_at(ratio: float) -> None:
        monkeypatch.setattr(manager.speed, "cost", lambda n, units: ratio * sound * units / size)

    renders_at(0.5)  # twice as fast as it plays
    speech = manager.stream(request, endpoint="test")
    try:
        assert speech.playback_lead_s == 0.0
    finally:
        speech.close()
    renders_at(1.5)
    lead = manager.playback_lead(segments, cached=0)
    assert lead > 0 and lead == pytest.approx(min(10.0, 0.5 * sound), abs=0.05), (lead, sound)
    slow = manager.stream(SpeechRequest(text=f"第{time.time_ns() % 10**8}位来宾，" + LONG_TEXT), endpoint="test")
    try:
        assert slow.playback_lead_s > 0  # the stream carries it to the player
    finally:
        slow.close()
    assert manager.playback_lead(segments, cached=len(segments)) == 0.0  # all from the cache: nothing to wait for
    assert manager.playback_lead(segments, cached=0, speed=0.5) < lead  # slower speech gives more sound to play

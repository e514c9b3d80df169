"""API options tested in-process: the bearer key, and the --naive baseline's one-at-a-time behaviour."""

from __future__ import annotations

import threading
import time

import fastapi
import pytest
from fastapi.testclient import TestClient

from index_tts.interface.api import add_api_routes
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.request import SpeechRequest


@pytest.fixture(scope="module")
def naive_manager():
    manager = ModelManager(ManagerConfig(sessions=1, threads=None, naive=True, cache=False))
    manager.load()
    manager.ready = True
    yield manager
    manager.close()


def test_api_key_is_required_when_set(naive_manager) -> None:
    app = fastapi.FastAPI()
    add_api_routes(app, naive_manager, api_key="sesame")
    http = TestClient(app)
    denied = http.get("/v1/audio/voices")
    assert denied.status_code == 401 and "API key" in denied.json()["error"]["message"]
    assert http.get("/v1/audio/voices", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/metrics").status_code == 401
    ok = http.get("/v1/audio/voices", headers={"Authorization": "Bearer sesame"})
    assert ok.status_code == 200 and "jf_alpha" in ok.json()["voices"]


def test_naive_mode_serves_one_request_at_a_time_and_does_not_stream(naive_manager) -> None:
    app = fastapi.FastAPI()
    add_api_routes(app, naive_manager)
    http = TestClient(app)
    spans: dict[str, tuple[float, float]] = {}

    def call(name: str) -> None:
        started = time.perf_counter()
        response = http.post("/v1/audio/speech", json={"input": f"{name}，你好，欢迎来到展览馆。", "response_format": "wav"})
        assert response.status_code == 200
        spans[name] = (started, time.perf_counter())

    threads = [threading.Thread(target=call, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first_start = min(start for start, _ in spans.values())
    first_end, second_end = sorted(end for _, end in spans.values())
    assert second_end - first_end > 0.5 * (first_end - first_start)  # the second one waited for the whole of the first
    body = {"input": "第一句。第二句。第三句。", "response_format": "pcm", "stream": True}
    with http.stream("POST", "/v1/audio/speech", json=body) as r:
        chunks = [c for c in r.iter_raw() if c]
    assert len(chunks) == 1  # the whole text at once: no streaming in the baseline
    assert naive_manager.cache is None and naive_manager.scheduler is None


def test_closing_a_stream_while_another_thread_reads_it_is_safe() -> None:
    manager = ModelManager(ManagerConfig(sessions=1, threads=1, cache=False))
    manager.load()
    try:
        speech = manager.stream(SpeechRequest(text="第一句话。第二句话比较长一些。第三句话也很长，用来测试关闭。" * 3, seed=5))
        iterator = iter(speech)
        errors: list[BaseException] = []

        def read_all() -> None:
            try:
                for _ in iterator:
                    pass
            except Exception as exc:  # Cancelled is the expected way out
                errors.append(exc)

        reader = threading.Thread(target=read_all)
        reader.start()
        time.sleep(0.3)  # the reader is now inside next(), waiting for a segment
        speech.close()  # what the server does when the client hangs up
        reader.join(timeout=30)
        assert not reader.is_alive()
        assert all(type(e).__name__ == "Cancelled" for e in errors), errors
        assert manager.scheduler is not None and manager.scheduler.depth()["requests"] == 0
    finally:
        manager.close()


def test_pitch_and_voice_blends_through_the_api(naive_manager) -> None:
    import io

    import soundfile as sf
    from conftest import semitone_shift

    app = fastapi.FastAPI()
    add_api_routes(app, naive_manager)
    http = TestClient(app)

    def wav(**body):
        response = http.post("/api/tts", json={"text": "The river is calm in the morning.", **body})
        assert response.status_code == 200, response.text
        return sf.read(io.BytesIO(response.content), dtype="float32")[0]

    assert 3.0 < semitone_shift(wav(voice="jf_alpha"), wav(voice="jf_alpha", pitch=4)) < 5.0
    from conftest import median_pitch

    alpha, kumo = median_pitch(wav(voice="jf_alpha")), median_pitch(wav(voice="jm_kumo"))
    blend = median_pitch(wav(voice="jf_alpha:0.5+jm_kumo:0.5"))
    assert kumo * 1.1 < blend < alpha / 1.1, (kumo, blend, alpha)
    bad = http.post("/api/tts", json={"text": "hi", "voice": "jf_alpha:0.5+nobody:0.5"})
    assert bad.status_code == 400 and "nobody" in bad.json()["error"]["message"]
    assert http.post("/api/tts", json={"text": "hi", "pitch": 30}).status_code == 400
    voices = http.get("/v1/audio/voices").json()
    assert voices["details"]["jm_kumo"]["gender"] == "male" and voices["blending"]


def test_reference_clips_through_the_api(naive_manager) -> None:
    import base64
    import io

    import numpy as np
    import soundfile as sf

    from index_tts.engines.base import SynthParams

    app = fastapi.FastAPI()
    add_api_routes(app, naive_manager)
    http = TestClient(app)

    def b64(audio) -> str:
        buffer = io.BytesIO()
        sf.write(buffer, audio, 24_000, format="WAV")
        return base64.b64encode(buffer.getvalue()).decode()

    clip = naive_manager.synthesizer.synthesize("今天的风有点大，我们早点回家吧。", SynthParams("jm_kumo"), "zh").audio
    response = http.post("/api/tts", json={"text": "你好，朋友。", "reference_audio": b64(clip)})
    assert response.status_code == 200, response.text
    assert "Voice match by timbre: closest is jm_kumo" in response.headers["x-tts-notice"]
    high = http.post("/api/tts", json={"text": "你好，朋友。", "voice": "zf_xiaoxiao", "pitch": 10})
    assert high.status_code == 200, high.text
    assert "zf_xiaoxiao cannot move its pitch +10.0 semitones here: it reaches about" in high.headers["x-tts-notice"]
    assert sf.read(io.BytesIO(response.content))[0].size > 12_000
    emotional = http.post("/api/tts", json={"text": "你好，朋友。", "emotion_audio": b64(clip), "emotion_weight": 1.0})
    assert emotional.status_code == 200, emotional.text
    for body, message in [
        ({"emotion_audio": b64(np.zeros(48_000, np.float32))}, "silent"),
        ({"emotion_audio": "not base64!"}, "not valid base64"),
        ({"reference_audio": base64.b64encode(b"plain text, not audio").decode()}, "could not be read as audio"),
        ({"emotion_audio": b64(clip), "emotion_text": "开心"}, "one emotion source"),
    ]:
        bad = http.post("/api/tts", json={"text": "你好", **body})
        assert bad.status_code == 400 and message in bad.json()["error"]["message"], bad.text
    assert http.get("/v1/audio/voices").status_code == 200


def test_rate_limit_and_busy_answers_say_when_to_retry(naive_manager) -> None:
    import gradio as gr

    from index_tts.interface.ui.actions import synthesize_for_page
    from index_tts.ops.rate_limit import RateLimiter

    app = fastapi.FastAPI()
    add_api_routes(app, naive_manager, rate_limiter=RateLimiter(2))
    http = TestClient(app)
    for _ in range(2):
        assert http.post("/api/tts", json={"text": "你好"}).status_code == 200
    limited = http.post("/v1/audio/speech", json={"input": "你好", "response_format": "wav"})
    assert limited.status_code == 429 and "at most 2 per minute" in limited.json()["error"]["message"]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert http.get("/v1/audio/voices").status_code == 200  # only synthesis is limited

    full = fastapi.FastAPI()
    add_api_routes(full, naive_manager, max_inside=0)
    busy = TestClient(full).post("/api/tts", json={"text": "你好"})
    assert busy.status_code == 503 and busy.json()["error"]["type"] == "server_busy"
    # Retry-After: when the speech already accepted is expected to be rendered (nothing here: the minimum)
    assert busy.headers["retry-after"] == str(naive_manager.admission.retry_after()) == "1"

    values = {"text": "你好", "voice": "jf_alpha", "text_language": "zh", "max_segment": 40}
    limiter = RateLimiter(1)
    path, _ = synthesize_for_page(naive_manager, values, "zh", limiter, "10.0.0.7")
    assert path.endswith(".wav")
    with pytest.raises(gr.Error, match="每分钟最多 1 次"):
        synthesize_for_page(naive_manager, values, "zh", limiter, "10.0.0.7")
    assert synthesize_for_page(naive_manager, values, "en", limiter, "10.0.0.8")[0].endswith(".wav")


def test_admission_places_are_given_back_once_and_when_a_stream_is_dropped() -> None:
    import gc

    from index_tts.interface.api import Admission

    admission = Admission(2)
    first, second = admission.enter(), admission.enter()
    assert first and second and admission.enter() is None  # full: the next one is told "busy"
    first()
    first()  # a second call gives nothing back twice
    assert admission.inside == 1
    third = admission.enter()
    assert third is not None and admission.enter() is None

    class Speech:  # stands in for a SpeechStream whose response body was dropped unfinished
        pass

    speech = Speech()
    weakref_release = __import__("weakref").finalize(speech, third)
    del speech
    gc.collect()
    assert not weakref_release.alive and admission.inside == 1
    second()
    assert admission.inside == 0


def test_api_threads_do_not_wait_on_the_shared_default_thread_limit() -> None:
    """Streams waiting for segments hold threads; the API's own limit keeps them from starving
    everything else that uses anyio's shared default (the page's handlers among them)."""
    import anyio

    from index_tts.interface.api import Admission

    admission = Admission(3)
    release = threading.Event()

    async def main() -> tuple[list[int], bool]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        done: list[int] = []
        async with anyio.create_task_group() as tasks:
            try:
                tasks.start_soon(anyio.to_thread.run_sync, release.wait)  # the whole shared default is taken
                for i in range(3):
                    tasks.start_soon(lambda i=i: _record(admission.in_thread(release.wait), done, i))
                with anyio.fail_after(5):
                    while sum(limit.borrowed_tokens for limit in admission._thread_limits.values()) < 3:
                        await anyio.sleep(0.01)  # all three API calls got threads although the default had none
                with anyio.move_on_after(0.5) as fourth:
                    await admission.in_thread(lambda: None)  # beyond the API's limit of 3: it waits
            finally:
                release.set()
        return done, fourth.cancelled_caught

    done, fourth_waited = anyio.run(main)
    assert sorted(done) == [0, 1, 2] and fourth_waited


async def _record(call, done: list[int], index: int) -> None:
    await call
    done.append(index)

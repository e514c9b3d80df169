"""The HTTP API against the running app: the official OpenAI client, our JSON call, errors, metrics, streaming."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import soundfile as sf
from conftest import speech_checks, voiced_fraction

from testkit.app_process import get_json

TEXT = "人工智能正在改变我们的生活方式。从清晨的语音助手到夜晚的智能家居，它已经走进了每一个角落。"


@pytest.fixture(scope="module")
def openai_client(webui):
    from openai import OpenAI

    return OpenAI(base_url=f"{webui.url}/v1", api_key="not-needed", max_retries=0, timeout=120)


def post(url: str, body: dict) -> tuple[int, dict | bytes, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), {k.lower(): v for k, v in err.headers.items()}


def decode(data: bytes) -> tuple[np.ndarray, int]:
    return sf.read(io.BytesIO(data), dtype="float32")


def check_speech(audio: np.ndarray, sr: int, min_s: float, max_s: float) -> None:
    assert sr == 24_000 and audio.ndim == 1 and min_s < len(audio) / sr < max_s
    assert 0.02 < float(np.sqrt(np.mean(audio**2))) < 0.5 and voiced_fraction(audio, sr) > 0.3


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_openai_client_gets_speech_in_each_format(openai_client, fmt) -> None:
    response = openai_client.audio.speech.create(model="kokoro", voice="jf_alpha", input="你好，欢迎光临。", response_format=fmt)
    audio, sr = decode(response.content)
    check_speech(audio, sr, 0.8, 5.0)


def test_openai_voice_names_and_speed_work(openai_client) -> None:
    slow = openai_client.audio.speech.create(model="tts-1", voice="alloy", input="Good morning, everyone.", speed=0.8)
    fast = openai_client.audio.speech.create(model="tts-1", voice="alloy", input="Good morning, everyone.", speed=1.6)
    a, _ = decode(slow.content)  # the default format is mp3, as in OpenAI's API
    b, _ = decode(fast.content)
    assert len(b) < 0.75 * len(a)


def test_openai_client_streams_raw_pcm_before_the_end(openai_client) -> None:
    # a fresh seed: nothing of this request is in the cache, so chunks arrive as segments are rendered
    started = time.perf_counter()
    arrivals, data = [], b""
    with openai_client.audio.speech.with_streaming_response.create(
        model="kokoro",
        voice="jm_kumo",
        input=TEXT,
        response_format="pcm",
        extra_body={"stream": True, "seed": time.time_ns() % 10**9},
    ) as response:
        assert response.headers["content-type"].startswith("audio/pcm")
        for chunk in response.iter_bytes():
            arrivals.append(time.perf_counter() - started)
            data += chunk
    assert len(data) % 2 == 0
    audio = np.frombuffer(data, "<i2").astype(np.float32) / 32767
    check_speech(audio, 24_000, 6.0, 25.0)
    assert arrivals[0] < 0.6 * arrivals[-1], arrivals  # the first audio came well before the last


def test_streamed_wav_has_a_header_and_plays(webui) -> None:
    status, data, headers = post(
        f"{webui.url}/v1/audio/speech", {"input": "流式输出的第一句话。第二句话。", "response_format": "wav", "stream": True}
    )
    assert status == 200 and data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    audio = np.frombuffer(data[44:], "<i2").astype(np.float32) / 32767
    check_speech(audio, 24_000, 1.5, 8.0)
    assert headers["x-sample-rate"] == "24000"


def test_api_tts_takes_an_emotion_vector(webui) -> None:
    body = {"text": "今天真是太开心了！", "voice": "jf_nezumi", "emotion": [0.8, 0, 0, 0, 0, 0, 0.2, 0], "emotion_weight": 0.7}
    status, data, headers = post(f"{webui.url}/api/tts", body)
    assert status == 200 and headers["content-type"] == "audio/wav"
    audio, sr = decode(data)
    check_speech(audio, sr, 1.0, 6.0)
    status, data, _ = post(f"{webui.url}/api/tts", {"text": "今天真是太开心了！", "emotion": {"happy": 0.8}})
    assert status == 200


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v1/audio/speech", {"input": ""}, "input: String should have at least 1 character"),
        ("/v1/audio/speech", {"input": "hi", "speed": 3}, "speed"),
        ("/v1/audio/speech", {"input": "hi", "response_format": "ogg"}, "response_format"),
        ("/v1/audio/speech", {"input": "hi", "voice": "nobody"}, "unknown voice"),
        ("/v1/audio/speech", {"input": "🎉🎉"}, "nothing to speak"),
        ("/api/tts", {"text": "你好", "emotion": {"joy": 1}}, "unknown emotion name"),
        ("/api/tts", {"text": "你好", "emotion": [0.1, 0.2]}, "emotion"),
        ("/api/tts", {"text": "你好", "volume": 3}, "volume"),
        ("/api/tts", {"text": "你好", "emotion_weight": 2}, "emotion_weight"),
    ],
)
def test_bad_requests_get_400_with_a_json_reason(webui, path, body, message) -> None:
    status, error, _ = post(f"{webui.url}{path}", body)
    assert status == 400 and message in error["error"]["message"], error
    assert get_json(f"{webui.url}/health")["status"] == "ok"


def test_voices_are_listed(webui) -> None:
    report = get_json(f"{webui.url}/v1/audio/voices")
    assert "jf_alpha" in report["voices"] and report["openai_aliases"]["alloy"] in report["voices"]


def _metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_requests_and_cache_hits(webui) -> None:
    def scrape() -> str:
        with urllib.request.urlopen(f"{webui.url}/metrics", timeout=10) as response:
            return response.read().decode()

    sentence = f"这是第{int(time.time() * 1000) % 100000}号观众的问候。"
    before = scrape()
    assert post(f"{webui.url}/api/tts", {"text": sentence})[0] == 200
    # the same sentence inside a new text: that segment comes from the cache
    assert post(f"{webui.url}/api/tts", {"text": f"{sentence}欢迎再来。"})[0] == 200
    after = scrape()
    assert (
        _metric(after, 'tts_requests_total{endpoint="tts",status="ok"}')
        == _metric(before, 'tts_requests_total{endpoint="tts",status="ok"}') + 2
    )
    assert _metric(after, "tts_cache_hits_total") >= _metric(before, "tts_cache_hits_total") + 1
    for name in ("tts_first_audio_seconds_bucket", "tts_request_seconds_bucket", "tts_audio_seconds_total", "tts_rtf_bucket"):
        assert name in after
    assert re.search(r"^tts_queue_depth \d", after, re.M) and re.search(r"^tts_active_segments \d", after, re.M)


def test_a_client_that_leaves_drops_its_remaining_segments(webui) -> None:
    long_text = "。".join(f"第{i}句话用来测试中途离开的听众" for i in range(12)) + "。"
    request = urllib.request.Request(
        f"{webui.url}/v1/audio/speech",
        json.dumps({"input": long_text, "response_format": "pcm", "stream": True, "seed": int(time.time())}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert len(response.read(4800)) == 4800  # got the first audio, then hang up
    deadline = time.monotonic() + 15
    while "dropped" not in webui.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert re.search(r"request \d+: dropped \d+ pending segment", webui.log())
    assert get_json(f"{webui.url}/health")["status"] == "ok"


def test_a_departed_listener_is_dropped_at_once_not_after_its_next_segment(webui) -> None:
    """The hang-up must cancel the request while its next (long) segment is still rendering;
    waiting for that segment first kept departed listeners competing with live ones under load."""
    sentence = "这一句话故意写得很长很长以便它的合成需要好几秒钟的时间才能够完成然后才轮到下一句"
    text = "好。" + "。".join(f"{sentence}{i}" for i in range(4)) + "。"
    body = {"input": text, "response_format": "pcm", "stream": True, "seed": int(time.time()) + 7}
    request = urllib.request.Request(
        f"{webui.url}/v1/audio/speech", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    before = webui.log().count("dropped")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert len(response.read(2400)) == 2400  # the short first segment arrived; hang up
    left = time.monotonic()
    while webui.log().count("dropped") == before and time.monotonic() - left < 20:
        time.sleep(0.05)
    took = time.monotonic() - left
    assert webui.log().count("dropped") > before
    assert took < 1.5, f"the departed listener's segments were dropped only after {took:.1f}s"


def test_a_whole_file_request_stops_when_its_client_leaves(webui) -> None:
    import socket

    text = "。".join(f"第{i}句话，客户端不等结果就离开了，服务器不该继续为它工作" for i in range(10)) + "。"
    body = json.dumps({"text": text, "seed": int(time.time()) + 11}).encode()
    head = f"POST /api/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    before = webui.log().count("went away")
    with socket.create_connection(("127.0.0.1", webui.port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        time.sleep(1.0)  # the request is rendering
    left = time.monotonic()
    while webui.log().count("went away") == before and time.monotonic() - left < 20:
        time.sleep(0.05)
    assert webui.log().count("went away") > before, "the server kept rendering for a client that left"
    assert time.monotonic() - left < 2.5
    assert get_json(f"{webui.url}/health")["status"] == "ok"


def test_ui_endpoint_and_api_give_the_same_audio(client, webui) -> None:
    path, _ = client.predict("同一句话，两条路径。", seed=3, api_name="/synthesize")
    ui_audio = speech_checks(path, 0.5, 6.0)
    # the page's endpoint takes the voice its list starts on; the API with no voice a native speaker of the text
    status, data, _ = post(f"{webui.url}/api/tts", {"text": "同一句话，两条路径。", "seed": 3, "voice": "jf_alpha"})
    api_audio, _ = decode(data)
    assert status == 200 and len(api_audio) == len(ui_audio)
    assert np.allclose(api_audio, ui_audio, atol=2 / 32767)

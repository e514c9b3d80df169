"""One request path: both buttons of the page, the API and the CLI make the same ``SpeechRequest`` and get
the same samples for the same settings; limits live in one place; notices reach every entry point."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import fastapi
import numpy as np
import pytest
import soundfile as sf
from conftest import median_pitch
from fastapi.testclient import TestClient

from index_tts.common.audio import to_int16, write_wav_atomic
from index_tts.engines.base import SynthParams
from index_tts.interface.api import add_api_routes
from index_tts.interface.api.models import OpenAISpeechRequest, TTSRequest
from index_tts.interface.stream_handoff import StreamHandoff
from index_tts.interface.ui.actions import prepare_stream_for_page, synthesize_for_page
from index_tts.interface.ui.controls import page_values
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.presets import PRESET_FIELDS, Preset
from index_tts.serving.request import SpeechRequest

ROOT = Path(__file__).resolve().parent.parent
TEXT = "今天下午三点，我们在图书馆门口见面，记得带上那本书。"


@pytest.fixture(scope="module")
def clip(synthesizer, tmp_path_factory) -> str:
    """A recording of the male voice, slow and low: a voice reference or an emotion clip."""
    from index_tts.prosody.controls import Prosody

    audio = synthesizer.synthesize(
        "他昨天终于收到了那封等了很久的信，心里很平静。", SynthParams("jm_kumo", prosody=Prosody(duration=1.3)), "zh"
    ).audio
    return str(write_wav_atomic(tmp_path_factory.mktemp("clips") / "kumo.wav", audio, 24_000))


@pytest.fixture(scope="module")
def page_api(manager):
    """The page's stream handoff and the API that serves it, in-process."""
    handoff = StreamHandoff()
    app = fastapi.FastAPI()
    add_api_routes(app, manager, handoff=handoff)
    return handoff, TestClient(app)


def _page(**settings) -> dict:
    return page_values(settings.pop("text", TEXT), **settings)


def _both_buttons(manager, page_api, values: dict) -> tuple[np.ndarray, np.ndarray]:
    """int16 samples of the Synthesize button's file and of what the stream button's player receives."""
    handoff, http = page_api
    path, _info = synthesize_for_page(manager, values, "zh")
    whole, rate = sf.read(path, dtype="int16")
    token, _notices = prepare_stream_for_page(manager, handoff, values, "zh")
    response = http.get(f"/api/stream/{token}")
    assert response.status_code == 200 and rate == 24_000
    assert 0.0 <= float(response.headers["x-playback-lead-seconds"]) <= 10.0  # the player's start-up buffer
    assert http.get(f"/api/stream/{token}").status_code == 404  # a token plays once
    return whole, np.frombuffer(response.content, np.int16)


SETTINGS = {
    "blend, pitch, speed, seed, language, segment length": {
        "voice": "jf_alpha:0.6+jm_kumo:0.4", "pitch": 3.0, "speed": 1.2, "seed": 7, "text_language": "zh", "max_segment": 12,
    },
    "emotion vector with weight": {"emotion_mode": "vector", "happy": 0.8, "surprised": 0.3, "emotion_weight": 0.9},
    "random emotion": {"emotion_mode": "vector", "emotion_random": True, "seed": 11, "emotion_weight": 0.7},
    "emotion description": {"emotion_mode": "text", "emotion_text": "非常难过", "emotion_weight": 0.8},
    "emotion clip": {"emotion_mode": "audio", "emotion_audio": "CLIP", "emotion_weight": 1.0},
    "voice reference clip": {"reference_audio": "CLIP"},
}  # fmt: skip


@pytest.fixture(scope="module")
def plain(manager, page_api) -> np.ndarray:
    """Both buttons at the page's defaults (the same samples: checked here once)."""
    whole, streamed = _both_buttons(manager, page_api, _page())
    assert np.array_equal(whole, streamed)
    return whole


@pytest.mark.parametrize("name", SETTINGS)
def test_both_buttons_honour_every_setting_with_the_same_samples(manager, page_api, clip, plain, name) -> None:
    settings = {k: clip if v == "CLIP" else v for k, v in SETTINGS[name].items()}
    whole, streamed = _both_buttons(manager, page_api, _page(**settings))
    assert len(whole) > 24_000 and np.array_equal(whole, streamed)
    assert len(whole) != len(plain) or not np.array_equal(whole, plain), "the setting did not change the audio"


def test_the_stream_button_raises_pitch_and_happiness(manager, page_api) -> None:
    """The symptom that started this: pitch +5 with 'happy' at full weight streamed at the plain voice's pitch.
    (English: on this Chinese sentence jf_alpha's pitch moves much less than asked, in either button.)"""
    text = "The river is calm in the morning, and the birds are singing."
    _, plain = _both_buttons(manager, page_api, _page(text=text))
    _, raised = _both_buttons(
        manager, page_api, _page(text=text, pitch=5.0, emotion_mode="vector", happy=1.0, emotion_weight=1.0)
    )
    shift = 12 * np.log2(median_pitch(raised.astype(np.float32) / 32768) / median_pitch(plain.astype(np.float32) / 32768))
    assert shift > 4.0, shift  # +5 semitones and happiness's higher pitch (pyin, the tests' own tracker)


def test_a_bad_setting_stops_the_stream_button_before_anything_plays(manager, page_api) -> None:
    import gradio as gr

    handoff, _ = page_api
    with pytest.raises(gr.Error, match=r"“语速”应在 0\.5 到 2 之间"):
        prepare_stream_for_page(manager, handoff, _page(speed=7.0), "zh")
    assert handoff.waiting() == 0


def test_an_unclaimed_stream_expires_without_rendering(manager) -> None:
    handoff = StreamHandoff(ttl_s=0.0)
    token, _ = prepare_stream_for_page(manager, handoff, _page(text="没人来取的一句话。"), "zh")
    time.sleep(0.01)
    handoff.offer(manager.stream(SpeechRequest(text="另一句。")))  # offering sweeps the expired one
    assert handoff.claim(token) is None and manager.active_requests == 0


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index_tts", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_cli_cuts_and_renders_texts_like_the_server(manager, tmp_path) -> None:
    texts = [
        TEXT,
        "Welcome to the exhibition. Speech synthesis has come a long way, and today you can hear it.",
        "我最喜欢的电影是 The Lord of the Rings，每年春节我都会重温一遍。会议定于2025年3月15日举行。",
    ]
    batch = tmp_path / "lines.txt"
    batch.write_text("\n".join(texts), encoding="utf-8")
    layout = ["--sessions", str(manager.config.sessions), "--threads", str(manager.config.threads)]
    proc = _cli("synth", "--batch", str(batch), "--out-dir", str(tmp_path / "out"), "--voice", "jm_kumo", *layout)
    assert proc.returncode == 0, proc.stderr
    for i, text in enumerate(texts):
        request = SpeechRequest(text=text, voice="jm_kumo")
        server = manager.synthesize(request)
        cli_audio, _ = sf.read(tmp_path / "out" / f"{i}.wav", dtype="int16")
        assert len(server.segments) >= 2 and np.array_equal(cli_audio, to_int16(server.audio)), text
    # the front-end command cuts as the server does (the mixed text: numbers, English inside Chinese)
    shown = json.loads(_cli("frontend", "--text", texts[-1], "--json").stdout)["segments"]
    assert [s["text"] for s in shown] == [s.text for s in manager.plan(SpeechRequest(text=texts[-1], voice="jm_kumo"))]


def test_the_cli_takes_the_same_settings_as_the_page(manager, tmp_path) -> None:
    out = tmp_path / "sad.wav"
    flags = ["--voice", "jf_nezumi", "--pitch", "-2", "--speed", "0.9", "--emotion-text", "有点难过", "--emo-alpha", "0.8"]
    layout = ["--sessions", str(manager.config.sessions), "--threads", str(manager.config.threads)]
    proc = _cli("synth", "--text", TEXT, "--out", str(out), *flags, *layout)
    assert proc.returncode == 0, proc.stderr
    assert "Emotion vector from the description" in proc.stderr  # the notice the page shows, on stderr
    path, info = synthesize_for_page(
        manager,
        _page(voice="jf_nezumi", pitch=-2.0, speed=0.9, emotion_mode="text", emotion_text="有点难过", emotion_weight=0.8),
        "zh",
    )
    assert "由情感描述得到的情感向量" in info
    assert np.array_equal(sf.read(out, dtype="int16")[0], sf.read(path, dtype="int16")[0])
    proc = _cli("synth", "--text", TEXT, "--out", str(tmp_path / "x.wav"), "--max-segment", "3")
    assert proc.returncode == 2 and "maximum segment length must be between 8 and 200" in proc.stderr


def _limits(schema: dict) -> dict:
    """A field's JSON schema without its title, default and ``null`` option: what it accepts."""
    options = [option for option in schema.get("anyOf", [schema]) if option.get("type") != "null"]
    return {k: v for k, v in options[0].items() if k not in ("title", "default", "description")}


def test_api_models_and_presets_take_their_limits_from_the_request() -> None:
    request = SpeechRequest.model_json_schema()["properties"]
    tts = TTSRequest.model_json_schema()["properties"]
    openai = OpenAISpeechRequest.model_json_schema()["properties"]
    preset = Preset.model_json_schema()["properties"]
    shared = ["text", "voice", "speed", "seed", "language", "max_segment", "pitch", "emotion_weight", "emotion_random"]
    for name in shared:
        assert tts[name] == request[name], name
    for name in ("speed", "seed", "language", "pitch"):
        assert openai[name] == request[name], name
    assert _limits(openai["input"]) == _limits(request["text"])
    assert _limits(tts["emotion_text"]) == _limits(request["emotion_text"])
    for name in PRESET_FIELDS:
        assert _limits(preset[name]) == _limits(request[name]), name
    assert _limits(request["speed"]) == {"type": "number", "minimum": 0.5, "maximum": 2.0}  # the limit itself


def test_notices_reach_the_page_the_api_and_say_when_audio_came_from_the_cache(tmp_path) -> None:
    manager = ModelManager(ManagerConfig(sessions=1, threads=1))
    manager.load(warm_frontend=False)
    try:
        serial = time.time_ns() % 10**9
        text = f"第{serial}位来宾，欢迎光临第{serial + 7}号展厅。"  # nobody asked for any part before: all is rendered
        _, first = synthesize_for_page(manager, _page(text=text), "zh")
        assert "缓存" not in first
        _, again = synthesize_for_page(manager, _page(text=text), "zh")
        assert "来自缓存" in again
        app = fastapi.FastAPI()
        add_api_routes(app, manager)
        response = TestClient(app).post("/api/tts", json={"text": text})
        assert response.status_code == 200 and "from the cache" in response.headers["x-tts-notice"]
        assert sf.read(io.BytesIO(response.content))[0].size > 12_000
    finally:
        manager.close()

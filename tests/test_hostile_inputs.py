"""Every hostile input of ``hostile_inputs`` through the page's function, the HTTP API and the CLI:
audio or a clear error, never a 5xx, a traceback or a hang."""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import json
import math

import fastapi
import gradio as gr
import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from hostile_inputs import NORMAL, SETTINGS, TEXTS

from index_tts.interface import cli
from index_tts.interface.api import add_api_routes
from index_tts.interface.ui.actions import synthesize_for_page
from index_tts.interface.ui.controls import page_values
from index_tts.serving.cache import AudioCache
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.voice.emotion import EMOTIONS

HANG_S = 120  # an input that takes longer than this to answer counts as a hang
CASES = [(name, {"text": text}) for name, text in TEXTS] + [(name, {field: value}) for name, field, value in SETTINGS]


@pytest.fixture(scope="module")
def manager():
    """The shared manager's layout with the audio cache on: the engine renders each input once (for the page,
    whose tests run first), and the API and the CLI, which take the same input from the top (validation,
    front-end, planning), are answered with that audio from the cache instead of rendering it twice more."""
    m = ModelManager(ManagerConfig(sessions=2, threads=1, cache=True))
    m.load()
    m.cache = m.renderer.cache = AudioCache(None)  # in memory only: every run renders each input afresh once
    m.ready = True
    yield m
    m.close()


@pytest.fixture(scope="module")
def http(manager):
    app = fastapi.FastAPI()
    add_api_routes(app, manager)
    return TestClient(app, raise_server_exceptions=False)


def _answered_within(fn, *args, **kwargs):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result(timeout=HANG_S)


def _check_audio(audio: np.ndarray, sample_rate: int) -> None:
    assert sample_rate == 24_000 and audio.ndim == 1 and len(audio) > 2400
    assert np.isfinite(audio).all() and 0.005 < float(np.sqrt(np.mean(audio**2))) < 0.7


def _ui_values(case: dict) -> dict | None:
    """The page's controls for a case, or None when the page cannot send such a value (a dict of emotions,
    a vector that is not 8 sliders)."""
    field, value = next(iter(case.items()))
    values = page_values(NORMAL, ui_lang="en")
    if field == "emotion":
        if isinstance(value, dict) or len(value) != len(EMOTIONS):
            return None
        values.update(emotion_mode="vector", **dict(zip(EMOTIONS, value, strict=True)))
    elif field == "emotion_weight":
        values.update(emotion_mode="vector", happy=0.5, emotion_weight=value)
    elif field == "emotion_text":
        values["emotion_mode"], values["emotion_text"] = "text", value
    else:
        values["text_language" if field == "language" else field] = value
    return values


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_page_function(manager, name: str, case: dict) -> None:
    values = _ui_values(case)
    if values is None:
        pytest.skip("the page cannot send this value")
    try:
        path, _info = _answered_within(synthesize_for_page, manager, values, "en", None)
    except gr.Error as exc:
        assert str(exc.message).strip() and "Traceback" not in str(exc.message)
        return
    audio, sample_rate = sf.read(path, dtype="float32")
    _check_audio(audio, sample_rate)


def _api_body(case: dict) -> dict:
    field, value = next(iter(case.items()))
    body: dict = {"text": NORMAL}
    if field == "emotion_weight":
        body["emotion"] = {"happy": 0.5}
    body[field] = value
    return body


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_http_api(http, name: str, case: dict) -> None:
    raw = json.dumps(_api_body(case))  # NaN and Infinity go out as JavaScript would send them
    response = _answered_within(http.post, "/api/tts", content=raw, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        audio, sample_rate = sf.read(io.BytesIO(response.content), dtype="float32")
        _check_audio(audio, sample_rate)
    else:
        assert 400 <= response.status_code < 500 and response.json()["error"]["message"].strip()


def _cli_flags(case: dict) -> list[str]:
    field, value = next(iter(case.items()))
    if field == "text":
        return ["--text", value]
    flag = {"language": "--lang", "emotion_weight": "--emo-alpha", "max_segment": "--max-segment"}.get(field)
    flags = ["--text", NORMAL]
    if field == "emotion":
        pairs = value.items() if isinstance(value, dict) else zip(("happy", "angry", "sad"), value, strict=False)
        return [*flags, "--emotion", ",".join(f"{k}={v}" for k, v in pairs)]
    if field == "emotion_weight":
        flags += ["--emotion", "happy=0.5"]
    return [*flags, flag or f"--{field.replace('_', '-')}", str(value)]


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_cli(manager, monkeypatch, capsys, tmp_path, name: str, case: dict) -> None:
    monkeypatch.setattr(cli, "speech_service", lambda args: contextlib.nullcontext(manager))  # one model for all cases
    out = tmp_path / "out.wav"
    try:
        code = _answered_within(cli.main, ["synth", *_cli_flags(case), "--out", str(out)])
    except SystemExit as exit_:  # argparse refusing a value: usage and one error line, exit 2
        code = exit_.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if code == 0:
        audio, sample_rate = sf.read(out, dtype="float32")
        _check_audio(audio, sample_rate)
    else:
        assert code == 2 and "error:" in captured.err and not out.exists(), captured.err


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    assert any(isinstance(v, float) and math.isnan(v) for _, _, v in SETTINGS)

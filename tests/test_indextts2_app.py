"""IndexTTS2 end to end through the app: ./start_app.sh --engine indextts2 with tiny random weights.

The real upstream model serves every entry point here: the page's two buttons (in a
browser), the Gradio API, /api/tts, /v1/audio/speech (whole file and stream), the
CLI and the batch CLI; warm-up runs on it, a departed listener is dropped, and
--no-fallback stops on checkpoints that do not load. Random weights speak noise:
the checks are 24 kHz, finite, not silent, and no longer than the token cap allows.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import INDEXTTS2_MEL_CAP, INDEXTTS2_SEGMENT_MAX_S, finite_audio_checks
from page_waits import fill_text, wait_for_result

from testkit.app_process import get_json, start_app

SILENCE_MAX_S = 0.6  # the longest pause the app puts between two segments


def _max_seconds(segments: int) -> float:
    return segments * (INDEXTTS2_SEGMENT_MAX_S + SILENCE_MAX_S)


def _post(url: str, body: dict) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=180) as response:
            return response.status, response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, err.read(), {k.lower(): v for k, v in err.headers.items()}


def _wav(data: bytes) -> np.ndarray:
    audio, rate = sf.read(io.BytesIO(data), dtype="float32")
    assert rate == 24_000
    return audio


def _unique(prefix: str) -> str:
    """A text nobody asked for before, so the disk cache cannot answer it."""
    stamp = time.time_ns()
    return prefix + "".join(chr(0x4E00 + (stamp >> (6 * i)) % 3000) for i in range(6)) + "。"


@pytest.fixture(scope="module")
def app(indextts2_dir, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("indextts2_app")
    flags = ["--engine", "indextts2", "--model-dir", str(indextts2_dir), "--max-mel-tokens", str(INDEXTTS2_MEL_CAP)]
    process = start_app(run_dir, *flags)
    try:
        process.wait_healthy(timeout=400)
        yield process
    finally:
        process.stop()


def test_the_app_serves_the_real_model_after_warming_it_up(app) -> None:
    health = get_json(f"{app.url}/health")
    assert health["engine"] == "indextts2" and health["model_version"].endswith("-random")
    assert health["fallback"] is None and health["warm_up_seconds"]["render_speed"] > 0
    assert re.search(r"synthesis endpoint=warmup engine=indextts2 .*segments=\d", app.log())
    assert "indextts2-inference 2.1.1" in app.log() and "RANDOM weights" in app.log()


def test_the_page_synthesize_endpoint(app) -> None:
    from gradio_client import Client

    client = Client(app.url, analytics_enabled=False, verbose=False)
    path, info = client.predict(_unique("页面按钮，"), seed=3, api_name="/synthesize")
    audio = _wav(Path(path).read_bytes())
    finite_audio_checks(audio, _max_seconds(2))
    assert "RTF" in info or "缓存" in info


def test_api_tts_with_each_emotion_mode_and_a_cloned_voice(app, tmp_path) -> None:
    t = np.arange(32_000) / 16_000
    clip = tmp_path / "voice.wav"
    sf.write(clip, 0.3 * np.sin(2 * np.pi * 180 * t), 16_000)
    encoded = base64.b64encode(clip.read_bytes()).decode()
    bodies = [
        {"emotion": {"happy": 0.8}},
        {"emotion_text": "有点难过"},
        {"emotion_audio": encoded, "emotion_weight": 0.7},
        {"reference_audio": encoded},
    ]
    for extra in bodies:
        status, data, headers = _post(f"{app.url}/api/tts", {"text": _unique("接口，"), "seed": 2, **extra})
        assert status == 200, (extra.keys(), data[:300])
        assert headers["x-engine"] == "indextts2" and "x-tts-fallback" not in headers
        finite_audio_checks(_wav(data), _max_seconds(int(headers["x-segments"])))


def test_openai_speech_whole_file_and_stream(app) -> None:
    status, data, headers = _post(f"{app.url}/v1/audio/speech", {"input": _unique("整段，"), "response_format": "wav"})
    assert status == 200 and headers["x-engine"] == "indextts2"
    finite_audio_checks(_wav(data), _max_seconds(int(headers["x-segments"])))
    body = {"input": _unique("流式，") + _unique("第二句，"), "response_format": "pcm", "stream": True}
    status, data, headers = _post(f"{app.url}/v1/audio/speech", body)
    pcm = np.frombuffer(data, np.int16).astype(np.float32) / 32768
    assert status == 200 and len(pcm) > 0
    finite_audio_checks(pcm, _max_seconds(4))


def test_a_listener_who_leaves_is_dropped(app) -> None:
    text = "。".join(_unique(f"第{i}句，") for i in range(6))
    request = urllib.request.Request(
        f"{app.url}/v1/audio/speech",
        json.dumps({"input": text, "response_format": "pcm", "stream": True}).encode(),
        {"Content-Type": "application/json"},
    )
    before = app.log().count("dropped")
    with urllib.request.urlopen(request, timeout=120) as response:
        assert len(response.read(4800)) == 4800  # the first audio arrived: hang up
    deadline = time.monotonic() + 30
    while app.log().count("dropped") == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert re.search(r"request \d+: dropped \d+ pending segment", app.log())
    assert get_json(f"{app.url}/health")["status"] == "ok"


def test_the_page_buttons_in_a_browser(app) -> None:
    from test_browser import BROWSER_FLAGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed (run scripts/install_browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(app.url, wait_until="load")
        page.wait_for_selector("#stream", timeout=60_000)
        fill_text(page, _unique("浏览器里，"))
        page.click("#synthesize")
        wait_for_result(page, timeout_ms=120_000)
        seconds = page.evaluate(
            """async () => {
                const response = await fetch(document.querySelector('#output a[download]').href);
                const audio = await new OfflineAudioContext(1, 24000, 24000).decodeAudioData(await response.arrayBuffer());
                return audio.duration;
            }"""
        )
        assert 0.1 < seconds <= _max_seconds(2)
        page.locator("textarea").first.fill(_unique("边合成边播放，"))
        page.click("#stream")
        page.wait_for_function("window.indexTTSStreamSeconds > 0", timeout=120_000)
        streamed = page.evaluate("window.indexTTSStreamSeconds")
        assert 0.1 < streamed <= _max_seconds(2)
        browser.close()


def test_the_cli_and_the_batch_cli(indextts2_dir, tmp_path) -> None:
    engine = ["--engine", "indextts2", "--model-dir", str(indextts2_dir), "--max-mel-tokens", str(INDEXTTS2_MEL_CAP)]
    out = tmp_path / "one.wav"
    one = [sys.executable, "-m", "index_tts", "synth", *engine, "--text", "命令行。", "--out", str(out), "--seed", "1"]
    proc = subprocess.run([*one, "--emotion", "happy=0.8"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    finite_audio_checks(_wav(out.read_bytes()), _max_seconds(1))
    batch = tmp_path / "lines.txt"
    batch.write_text("第一行。\n\nSecond line.\n", encoding="utf-8")
    many = [sys.executable, "-m", "index_tts", "synth", *engine, "--batch", str(batch), "--out-dir", str(tmp_path / "out")]
    proc = subprocess.run(many, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2 of 2 line(s) written" in proc.stdout
    for name in ("0.wav", "1.wav"):
        finite_audio_checks(_wav((tmp_path / "out" / name).read_bytes()), _max_seconds(2))


def test_no_fallback_stops_on_checkpoints_that_do_not_load(indextts2_dir, tmp_path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in indextts2_dir.iterdir():
        (broken / item.name).symlink_to(item)
    (broken / "gpt.pth").unlink()
    (broken / "gpt.pth").write_bytes(b"not a checkpoint")
    process = start_app(tmp_path / "run", "--engine", "indextts2", "--model-dir", str(broken), "--no-fallback")
    assert process.proc.wait(timeout=300) == 1
    log = process.log()
    assert re.search(r"error: IndexTTS2 could not load the checkpoints in .*broken", log)
    assert "Traceback" not in log

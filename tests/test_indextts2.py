"""Contract tests of the IndexTTS2 adapter against a stand-in ``indextts`` package (tests/stubs).

The real model needs several GB of checkpoints and a GPU; the stand-in records what the
adapter passes to ``IndexTTS2.infer`` and returns tones, so the mapping, the version
filtering, the locking, the missing-file message and the fallback are all checked here.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import fastapi
import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from index_tts.common.errors import CheckpointError, TTSError
from index_tts.engines import create_engine
from index_tts.engines import indextts2_files as files
from index_tts.engines.base import SynthParams
from index_tts.frontend import Segment
from index_tts.interface.api import add_api_routes
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.request import SpeechRequest
from index_tts.voice.emotion import EmotionMode

STUBS = Path(__file__).resolve().parent / "stubs"


def _forget_indextts() -> None:
    for name in [n for n in sys.modules if n == "indextts" or n.startswith("indextts.")]:
        del sys.modules[name]


def _checkpoints(root: Path) -> tuple[Path, Path]:
    model_dir, cache = root / "checkpoints", root / "hub"
    model_dir.mkdir()
    for name in files.CHECKPOINT_FILES:
        if name.endswith("/"):
            (model_dir / name).mkdir()
        else:
            (model_dir / name).write_bytes(b"stand-in")
    for repo, filename in files.AUXILIARY_MODELS.items():
        path = cache / f"models--{repo.replace('/', '--')}" / "snapshots" / "0123abc" / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"stand-in")
    return model_dir, cache


@pytest.fixture
def indextts2_dirs(tmp_path, monkeypatch):
    """Checkpoints and auxiliary models in place (empty stand-ins) and the stand-in package importable."""
    model_dir, cache = _checkpoints(tmp_path)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.syspath_prepend(str(STUBS))
    _forget_indextts()
    yield model_dir
    _forget_indextts()


@pytest.fixture
def indextts2_engine(indextts2_dirs):
    return create_engine("indextts2", model_root=indextts2_dirs, use_fp16=True, device="cuda:0")


def _clip(path: Path, seconds: float = 1.0, freq: float = 200.0) -> str:
    t = np.arange(int(16_000 * seconds)) / 16_000
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t), 16_000)
    return str(path)


def _segment(text: str = "你好，世界。") -> Segment:
    return Segment(text=text, language="zh", phonemes="ni↗xau↓")


def test_indextts2_missing_files_are_all_listed_with_the_commands(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    _forget_indextts()
    empty = tmp_path / "checkpoints"
    empty.mkdir()
    with pytest.raises(CheckpointError) as err:
        create_engine("indextts2", model_root=empty)
    message = str(err.value)
    for name in files.CHECKPOINT_FILES:
        assert str(empty / name) in message
    for repo in files.AUXILIARY_MODELS:
        assert repo in message and f"hf download {repo}" in message
    assert "Python package indextts" in message
    assert f"hf download IndexTeam/IndexTTS-2 --local-dir {empty}" in message
    assert "pip install -r requirements-indextts2.txt" in message
    assert list(empty.iterdir()) == [] and not (tmp_path / "hub").exists()  # nothing half-made is left


def test_indextts2_one_missing_file_is_named_alone(indextts2_dirs) -> None:
    (indextts2_dirs / "gpt.pth").unlink()
    with pytest.raises(CheckpointError, match=r"1 thing\(s\) missing:\n  - checkpoint .*gpt.pth\n"):
        create_engine("indextts2", model_root=indextts2_dirs)


def test_indextts2_loads_with_fp16_and_device_and_the_bundled_voices(indextts2_engine, indextts2_dirs) -> None:
    model = indextts2_engine._model
    assert model.init == {
        "cfg_path": str(indextts2_dirs / "config.yaml"),
        "model_dir": str(indextts2_dirs),
        "use_fp16": True,
        "device": "cuda:0",
    }
    assert indextts2_engine.voices() == ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
    caps = indextts2_engine.capabilities
    assert caps.voice_cloning and caps.emotion_audio and caps.emotion_text and caps.sampling and caps.streaming
    assert indextts2_engine.model_version == "indextts2-2.0.0-stub"


@pytest.mark.parametrize("mode", ["voice", "audio", "vector", "text"])
def test_indextts2_maps_each_emotion_mode(indextts2_engine, tmp_path, mode: str) -> None:
    extra = {"emotion_mode": mode, "sampling": {"temperature": 0.6, "top_k": 20}, "interval_silence": 300}
    if mode == "audio":
        extra["emotion_audio"] = _clip(tmp_path / "angry.wav")
    if mode == "text":
        extra["emotion_text"] = "有点难过"
    vector = (0.75, 0, 0, 0, 0, 0, 0, 0) if mode == "vector" else None
    params = SynthParams(voice="jm_kumo", emotion=vector, emotion_weight=0.65, extra=extra)
    audio = indextts2_engine.synthesize(_segment(), params)
    call = indextts2_engine._model.calls[-1]
    assert call["spk_audio_prompt"].endswith("jm_kumo.wav") and call["text"] == "你好，世界。"
    assert call["output_path"] is None and call["interval_silence"] == 300
    assert (call["temperature"], call["top_k"], call["top_p"], call["num_beams"]) == (0.6, 20, 0.8, 3)
    expected = {
        "voice": {"emo_audio_prompt": None, "emo_vector": None, "use_emo_text": False},
        "audio": {"emo_alpha": 0.65, "emo_vector": None, "use_emo_text": False},
        "vector": {"emo_vector": [0.75, 0, 0, 0, 0, 0, 0, 0], "emo_alpha": 0.65, "use_emo_text": False},
        "text": {"use_emo_text": True, "emo_text": "有点难过", "emo_alpha": 0.65, "emo_vector": None},
    }[mode]
    for key, value in expected.items():
        assert call[key] == value, key
    if mode == "audio":
        assert call["emo_audio_prompt"] != extra["emotion_audio"] and Path(call["emo_audio_prompt"]).exists()
    assert abs(len(audio) / 24_000 - 0.6) < 0.01  # 6 characters of tone at 22.05 kHz, resampled to 24 kHz


def test_indextts2_manager_normalizes_the_vector_the_indextts2_way(indextts2_dirs) -> None:
    manager = ModelManager(ManagerConfig(engine="indextts2", model_dir=indextts2_dirs, sessions=1, naive=True))
    manager.load()
    emotion = {"emotion_mode": EmotionMode.VECTOR, "emotion": (1, 1, 0, 0, 0, 0, 0, 0), "emotion_weight": 0.5}
    manager.synthesize(SpeechRequest.build(text="你好。", **emotion, sampling={"temperature": 1.1}))
    call = manager.engine.primary._model.calls[-1]
    assert call["emo_vector"] == pytest.approx([0.8 * 0.9375 / 1.8125, 0.8 * 0.875 / 1.8125, 0, 0, 0, 0, 0, 0])
    assert call["emo_alpha"] == 0.5 and call["temperature"] == 1.1
    with pytest.raises(TTSError, match="temperature must be between"):
        SpeechRequest.build(text="你好。", sampling={"temperature": 9.0})
    manager.close()


def test_indextts2_kwargs_follow_the_installed_signature(indextts2_engine) -> None:
    module = sys.modules["indextts.infer_v2"]
    old = indextts2_engine
    old.synthesize(_segment(), SynthParams(voice="jf_alpha", speed=1.25))
    call20 = old._model.calls[-1]
    assert "lang" not in call20 and "duration_factor" not in call20 and "speed" not in call20
    newer = module.IndexTTS25()
    old._model = newer
    import inspect

    old._parameters = inspect.signature(newer.infer).parameters
    old.synthesize(_segment(), SynthParams(voice="jf_alpha", speed=1.25))
    call25 = newer.calls[-1]
    assert call25["lang"] == "zh" and call25["duration_factor"] == pytest.approx(0.8)
    assert "more_segment_before" not in call25


def test_indextts2_calls_one_at_a_time(indextts2_engine) -> None:
    errors = []

    def call(i: int) -> None:
        try:
            indextts2_engine.synthesize(_segment(f"第{i}句。"), SynthParams(voice="jf_alpha"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(indextts2_engine._model.calls) == 6
    assert indextts2_engine._model.overlapped is False


def test_indextts2_prompt_paths_are_stable_for_presets_and_unique_per_upload(indextts2_engine, tmp_path) -> None:
    paths = []
    clips = [_clip(tmp_path / name, freq=freq) for name, freq in (("a.wav", 150), ("b.wav", 300), ("a2.wav", 150))]
    for source in clips:
        indextts2_engine.synthesize(_segment(), SynthParams(voice="jf_alpha", extra={"reference_audio": source}))
        paths.append(indextts2_engine._model.calls[-1]["spk_audio_prompt"])
    assert paths[0] != paths[1] and paths[0] == paths[2]  # different audio never shares a path; same audio may
    for _ in range(2):
        indextts2_engine.synthesize(_segment(), SynthParams(voice="jf_nezumi"))
    assert indextts2_engine._model.calls[-1]["spk_audio_prompt"] == indextts2_engine._model.calls[-2]["spk_audio_prompt"]


def test_indextts2_streams_with_stream_return(indextts2_engine) -> None:
    pieces = list(indextts2_engine.stream(_segment("你好。"), SynthParams(voice="jf_alpha", extra={"interval_silence": 100})))
    assert len(pieces) == 3 and indextts2_engine._model.calls[-1]["stream_return"] is True
    assert abs(sum(len(p) for p in pieces) / 24_000 - 0.4) < 0.01  # 0.3 s of tone + 0.1 s of silence


def test_indextts2_failed_load_falls_back_with_a_notice(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    config = ManagerConfig(engine="indextts2", model_dir=tmp_path, sessions=1, cache=False)
    manager = ModelManager(config)
    manager.load()
    assert manager.engine.name == "kokoro" and "indextts2 could not start" in manager.fallback_notice.text("en")
    assert manager.health()["fallback"] == manager.fallback_notice.text("en")
    result = manager.synthesize(SpeechRequest(text="你好，欢迎。"))
    assert result.audio_seconds > 0.5 and any("could not start" in n.text("en") for n in result.notices)
    assert any("未能启动" in n.text("zh") for n in result.notices)  # the page shows it in its language
    app = fastapi.FastAPI()
    add_api_routes(app, manager)
    response = TestClient(app).post("/v1/audio/speech", json={"input": "你好。", "response_format": "wav"})
    assert response.status_code == 200 and response.headers["X-TTS-Fallback"] == "kokoro"
    assert "could not start" in response.headers["X-TTS-Fallback-Reason"]
    manager.close()
    with pytest.raises(CheckpointError, match="missing"):
        ModelManager(ManagerConfig(engine="indextts2", model_dir=tmp_path, fallback=False)).load()


def test_indextts2_failed_request_falls_back_and_is_not_cached(indextts2_dirs) -> None:
    manager = ModelManager(ManagerConfig(engine="indextts2", model_dir=indextts2_dirs, sessions=1))
    manager.load()
    app = fastapi.FastAPI()
    add_api_routes(app, manager)
    http = TestClient(app)
    ok = http.post("/api/tts", json={"text": "你好。"})
    assert ok.status_code == 200 and "X-TTS-Fallback" not in ok.headers
    failed = http.post("/api/tts", json={"text": "FAIL FAIL FAIL."})
    assert failed.status_code == 200 and failed.headers["X-TTS-Fallback"] == "kokoro"
    audio, rate = sf.read(__import__("io").BytesIO(failed.content))
    assert rate == 24_000 and len(audio) / rate > 0.5 and np.abs(audio).max() > 0.05  # real speech from kokoro
    assert manager.cache.stats()["memory_entries"] == 1  # only the segment the primary engine rendered was kept
    bad = http.post("/api/tts", json={"text": "你好。", "voice": "nobody"})
    assert bad.status_code == 400  # bad input is an error, not a reason to fall back
    manager.close()


def _ui_props(manager: ModelManager) -> dict[str, dict]:
    import webui

    demo = webui.build_ui(manager, "en")
    return {c["props"]["elem_id"]: c["props"] for c in demo.config["components"] if c["props"].get("elem_id")}


def test_indextts2_page_adapts_to_the_engine(indextts2_dirs, tmp_path, monkeypatch) -> None:
    full = ModelManager(ManagerConfig(engine="indextts2", model_dir=indextts2_dirs, sessions=1, naive=True))
    full.load()
    props = _ui_props(full)
    assert props["sampling"]["visible"] is True and props["no-cloning"]["visible"] is False
    assert "fallback-banner" not in props
    full.close()
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "nothing"))
    fallen = ModelManager(ManagerConfig(engine="indextts2", model_dir=tmp_path, sessions=1, naive=True))
    fallen.load()
    props = _ui_props(fallen)
    assert props["sampling"]["visible"] is False and props["no-cloning"]["visible"] is True
    assert "could not start" in props["fallback-banner"]["value"]
    fallen.close()


def test_indextts2_cli_reports_what_is_missing_and_writes_nothing(tmp_path) -> None:
    import os
    import subprocess

    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub")}
    out = tmp_path / "out.wav"
    cmd = [sys.executable, "-m", "index_tts", "synth", "--engine", "indextts2", "--model-dir", str(tmp_path)]
    proc = subprocess.run([*cmd, "--text", "你好", "--out", str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "IndexTTS2 cannot start" in proc.stderr and "hf download IndexTeam/IndexTTS-2" in proc.stderr
    assert not out.exists()

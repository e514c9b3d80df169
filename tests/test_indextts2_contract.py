"""What the real upstream code cannot show here: other versions' signatures, GPU options, missing pieces.

The IndexTTS2 engine itself is tested with the real upstream package and random
weights (test_indextts2.py, test_indextts2_app.py). A stand-in ``indextts``
(tests/stubs) stays for the two things that package cannot do on this machine: a
2.5-style ``infer`` signature (``lang``, ``duration_factor``) and loading with
fp16 on a CUDA device. The missing-pieces message and the fallback after a
failed load need no model at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fastapi
import pytest
from fastapi.testclient import TestClient

from index_tts.common.errors import CheckpointError
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.indextts2 import files
from index_tts.frontend import Segment
from index_tts.interface.api import add_api_routes
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.request import SpeechRequest

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


def _segment(text: str = "你好，世界。") -> Segment:
    return Segment(text=text, language="zh", phonemes="ni↗xau↓")


def test_indextts2_missing_files_are_all_listed_with_the_commands(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(files, "UPSTREAM_PACKAGE", "indextts_not_installed")  # as on a machine without it
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
    assert "Python package indextts_not_installed" in message
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
    assert indextts2_engine.model_version == f"indextts2-{files.upstream_version().split()[-1]}"


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

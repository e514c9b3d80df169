"""The IndexTTS2 speed benchmark meant for the lent GPU machine, proven here on a CPU with the tiny model,
and the librosa stand-in it uses there (librosa's numba cannot travel): it must agree with librosa."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SHIM = ROOT / "bench" / "gpu_shims" / "librosa"


def _shim():
    spec = importlib.util.spec_from_file_location("librosa_shim", SHIM / "__init__.py", submodule_search_locations=[str(SHIM)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["librosa_shim"] = module
    spec.loader.exec_module(module)
    return module


def test_the_librosa_stand_in_agrees_with_librosa(tmp_path) -> None:
    import librosa

    shim = _shim()
    ours = shim.filters.mel(sr=22_050, n_fft=1024, n_mels=80, fmin=0, fmax=None)
    theirs = librosa.filters.mel(sr=22_050, n_fft=1024, n_mels=80, fmin=0, fmax=None)
    assert ours.shape == theirs.shape and np.abs(ours - theirs).max() < 1e-6
    t = np.arange(24_000) / 24_000
    path = tmp_path / "tone.wav"
    sf.write(path, 0.4 * np.sin(2 * np.pi * 220 * t), 24_000, subtype="PCM_16")
    same, rate = shim.load(str(path), sr=None)
    reference, _ = librosa.load(str(path), sr=None)
    assert rate == 24_000 and np.array_equal(same, reference)
    resampled, rate = shim.load(str(path))  # librosa's default: 22.05 kHz
    reference, _ = librosa.load(str(path))
    assert rate == 22_050 and abs(len(resampled) - len(reference)) <= 1
    n = min(len(resampled), len(reference))
    assert np.corrcoef(resampled[100 : n - 100], reference[100 : n - 100])[0, 1] > 0.999


def test_the_gpu_benchmark_runs_on_a_cpu_with_the_tiny_model(indextts2_dir, tmp_path) -> None:
    (tmp_path / "indextts2-random-tiny").symlink_to(indextts2_dir)  # already written: the script reuses it
    report, figures = tmp_path / "report.md", tmp_path / "figures.json"
    cmd = [sys.executable, "-m", "bench.indextts2_gpu", "--size", "tiny", "--device", "cpu",
           "--levels", "1,64", "--per-request", "1", "--work", str(tmp_path), "--budget-s", "200",
           "--batching-levels", "2,64",
           "--report", str(report), "--json", str(figures)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the app's package and bench/, run from the work folder
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(figures.read_text())
    assert data["load_s"] > 0 and data["first_audio_stream_s"] > 0 and data["rtf"] > 0
    level1, level64 = data["levels"]
    assert level1["concurrent"] == 1 and level1["scheduled audio-s/s"] > 0 and level1["naive audio-s/s"] > 0
    assert "over the time budget" in level64["note"]  # the budget keeps a run inside the machine's time
    (batched,) = data["batching"]  # batching on and off side by side; 64 users did not fit the budget
    assert batched["users"] == 2 and batched["audio-s/s on"] > 0 and batched["audio-s/s off"] > 0
    assert data["batching_skipped"] == [64]
    text = report.read_text()
    assert "IndexTTS2 tiny random weights" in text and "| 1 |" in text and "not measured" in text
    assert "Batching on (`--max-batch 16`)" in text and "| 2 |" in text

"""Shared fixtures: one engine and one front-end for the whole session (loading costs seconds)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS, Synthesizer
from index_tts.voice import speaker_encoder
from index_tts.voice.profiles import NEUTRAL_LANGUAGE, NEUTRAL_TEXT, VoiceProfiles, profile_key

logging.getLogger("phonemizer").setLevel(logging.ERROR)

# Tests that time the app (first audio against the last, playback in a browser, a drain, a burst beside a CPU hog),
# or order work by sleeping, run alone on the machine: ./run_tests.sh runs the rest two at a time first
# (pytest-xdist), then these with nothing else running (``-m serial``).
SERIAL_MODULES = {
    "test_admission.py", "test_api.py", "test_app_parts.py", "test_browser.py", "test_burst.py",
    "test_indextts2_app.py", "test_scheduler.py", "test_speech_stream.py", "test_webui.py",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def frontend() -> TextFrontend:
    return TextFrontend()


@pytest.fixture(scope="session")
def engine():
    eng = create_engine("kokoro")
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def synthesizer(engine, frontend) -> Synthesizer:
    return Synthesizer(engine, frontend)


def profiles_for(synthesizer: Synthesizer, folder=None, render=None) -> VoiceProfiles:
    """The app's voice profiles for ``synthesizer``'s engine (the shipped ones; a missing voice is read as the
    server reads it, with its short first segment, or by ``render``), kept in ``folder``."""
    engine = synthesizer.engine
    as_served = Synthesizer(engine, synthesizer.frontend, FIRST_SEGMENT_UNITS)

    def read(voice: str):
        result = as_served.synthesize(NEUTRAL_TEXT, SynthParams(voice=voice), NEUTRAL_LANGUAGE)
        return result.audio, result.sample_rate

    reading = profile_key(engine.name, engine.model_version, as_served.first_segment_units)
    return VoiceProfiles(reading, engine.voices, render or read, folder=folder, encoder=speaker_encoder.load())


def voiced_fraction(audio: np.ndarray, sample_rate: int) -> float:
    """Share of 40 ms frames with a clear periodic component (speech has many, noise and silence few)."""
    frame = int(0.04 * sample_rate)
    voiced = total = 0
    for start in range(0, len(audio) - frame, frame):
        x = audio[start : start + frame]
        if np.sqrt(np.mean(x**2)) < 0.01:
            continue
        total += 1
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        lo, hi = sample_rate // 400, sample_rate // 70  # pitch between 70 and 400 Hz
        if ac[0] > 0 and ac[lo:hi].max() / ac[0] > 0.5:
            voiced += 1
    return voiced / total if total else 0.0


def pitch_track(audio: np.ndarray, sample_rate: int = 24_000) -> np.ndarray:
    """F0 in Hz every ~21 ms (librosa.pyin), NaN where unvoiced."""
    import librosa

    f0, voiced, _ = librosa.pyin(audio.astype(np.float32), fmin=60, fmax=600, sr=sample_rate, frame_length=2048)
    return np.where(voiced, f0, np.nan)


def semitone_shift(a: np.ndarray, b: np.ndarray) -> float:
    """Median pitch difference b - a in semitones over the frames voiced in both (same timing)."""
    fa, fb = pitch_track(a), pitch_track(b)
    n = min(len(fa), len(fb))
    both = np.isfinite(fa[:n]) & np.isfinite(fb[:n])
    assert both.sum() >= 5, "too few frames voiced in both"
    return float(np.median(12 * np.log2(fb[:n][both] / fa[:n][both])))


def voiced_hz(audio: np.ndarray, sample_rate: int = 24_000) -> np.ndarray:
    """F0 in Hz of the voiced frames (at least five, or the test fails)."""
    f0 = pitch_track(audio, sample_rate)
    hz = f0[np.isfinite(f0)]
    assert len(hz) >= 5, "too few voiced frames to measure pitch"
    return hz


def mean_log2_pitch(audio: np.ndarray, sample_rate: int = 24_000) -> float:
    """Mean of log2 F0 over the voiced frames: an average pitch that moves smoothly with a shift."""
    return float(np.mean(np.log2(voiced_hz(audio, sample_rate))))


def median_pitch(audio: np.ndarray, sample_rate: int = 24_000, spread: bool = False) -> float:
    """Median F0 in Hz of the voiced frames; with ``spread``, their 10-90% spread in semitones."""
    hz = voiced_hz(audio, sample_rate)
    if spread:
        semitones = 12 * np.log2(hz / np.median(hz))
        return float(np.percentile(semitones, 90) - np.percentile(semitones, 10))
    return float(np.median(hz))


@pytest.fixture(scope="module")
def manager():
    """A ready manager serving like the app (2 workers x 1 thread, the scheduler), without the cache."""
    m = ModelManager(ManagerConfig(sessions=2, threads=1, cache=False))
    m.load()
    m.ready = True
    yield m
    m.close()


# The shared app's bound on the expected wait (--max-wait; the app's default is 30 s). Its tests are about the
# queue: two served at once, two waiting, the rest told 'busy'. With the default, a single 300-character request
# is priced at about 30 s by the speed warm-up measures, so on a slow or loaded machine the visitors those tests
# expect to queue were refused instead. Admission by expected wait has its own app (test_burst.py) and tests.
SHARED_APP_MAX_WAIT_S = 600


@pytest.fixture(scope="session")
def webui(tmp_path_factory):
    """The real app started by ./start_app.sh on a free port (2 served at once, 2 waiting, so 'busy' can be tested).

    HOME and TMPDIR point at empty folders so a test can prove the server writes nothing outside the app.
    """
    from testkit.app_process import start_app

    run_dir = tmp_path_factory.mktemp("webui")
    outside = {"HOME": run_dir / "home", "TMPDIR": run_dir / "tmp"}
    for folder in outside.values():
        folder.mkdir()
    bounds = ["--max-active", "2", "--max-queue", "2", "--max-wait", str(SHARED_APP_MAX_WAIT_S)]
    app = start_app(run_dir, *bounds, env={k: str(v) for k, v in outside.items()})
    try:
        app.wait_healthy()
        yield app
    finally:
        app.stop()
    left = list(outside["TMPDIR"].rglob("*"))
    assert left == [], f"temp files left behind after the app stopped: {left}"


@pytest.fixture(scope="session")
def client(webui):
    from gradio_client import Client

    return Client(webui.url, analytics_enabled=False, verbose=False)


def speech_checks(path: str, min_seconds: float, max_seconds: float) -> np.ndarray:
    """Load a WAV the app returned and check it is 24 kHz mono speech of plausible length and level."""
    import soundfile as sf

    audio, sr = sf.read(path, dtype="float32")
    assert sr == 24_000 and audio.ndim == 1
    seconds = len(audio) / sr
    assert min_seconds < seconds < max_seconds, seconds
    assert 0.02 < float(np.sqrt(np.mean(audio**2))) < 0.5
    assert voiced_fraction(audio, sr) > 0.3
    return audio


# -- IndexTTS2 with random weights: the real upstream code, tiny dimensions --------------------------------

INDEXTTS2_MEL_CAP = 50  # speech tokens per segment: a random GPT never stops by itself
INDEXTTS2_SEGMENT_MAX_S = INDEXTTS2_MEL_CAP * 1.72 * 256 / 22_050  # upstream: 1.72 mel frames per token, hop 256


@pytest.fixture(scope="session")
def indextts2_dir(tmp_path_factory):
    """A tiny random-weight IndexTTS2 checkpoint folder, written by the app's own command."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("indextts2") / "tiny"
    cmd = [sys.executable, "-m", "index_tts", "indextts2-random", "--out", str(out), "--size", "tiny", "--seed", "0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RANDOM weights" in proc.stdout and f"--model-dir {out}" in proc.stdout
    return out


def finite_audio_checks(audio: np.ndarray, max_seconds: float) -> None:
    """What is true of a random model's output: finite, not silent, within the length the token cap allows."""
    assert audio.ndim == 1 and audio.size > 0
    assert np.isfinite(audio).all()
    assert float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) > 1e-3
    assert len(audio) / 24_000 <= max_seconds + 0.05, len(audio) / 24_000

"""A clip's timbre as one 256-number vector, from the GE2E speaker encoder (``speaker_encoder_weights``).

The encoder is fed as it was trained: 16 kHz audio raised to -30 dBFS if quieter, long silences
dropped, 40-band mel power frames (25 ms windows, 10 ms hop, Slaney mel scale), cut into 1.6 s
partials that overlap; the clip's vector is the normalised mean of the partials' vectors. Two clips of
one speaker have a cosine similarity near 1; different speakers lower.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soxr

from ..common.paths import checkpoints_dir

log = logging.getLogger(__name__)

FOLDER_NAME = "speaker-encoder"  # in checkpoints/, beside the engines' folders
ENCODER_FILE = "speaker_encoder.onnx"

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s
PARTIALS_PER_SECOND = 1.3
MIN_LAST_COVERAGE = 0.75
TARGET_DBFS = -30.0
SILENCE_WINDOW = 480  # 30 ms
SILENCE_BELOW_PEAK_DB = 40.0
SILENCE_KEPT_WINDOWS = 6  # pauses up to ~0.2 s stay, as in speech


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_part = hz >= 1000.0
    return np.where(log_part, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0), mel)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))


def mel_filters(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Triangular mel filters (n_mels, n_fft // 2 + 1), area-normalised (Slaney), as the encoder was trained on."""
    bins = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2), n_mels + 2))
    widths = np.diff(edges)
    rising = (bins[None, :] - edges[:-2, None]) / widths[:-1, None]
    falling = (edges[2:, None] - bins[None, :]) / widths[1:, None]
    filters = np.maximum(0.0, np.minimum(rising, falling))
    return (filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


_FILTERS = mel_filters()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """Mel power frames (frames, 40) of 16 kHz audio, frames centred on every hop (zero-padded ends)."""
    padded = np.pad(np.asarray(audio, dtype=np.float32), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2
    return (power @ _FILTERS.T).astype(np.float32)


def drop_silence(audio: np.ndarray) -> np.ndarray:
    """The clip without its long silences (30 ms windows quieter than 40 dB under the loudest)."""
    usable = len(audio) - len(audio) % SILENCE_WINDOW
    if usable < SILENCE_WINDOW:
        return audio
    rms = np.sqrt(np.mean(audio[:usable].reshape(-1, SILENCE_WINDOW) ** 2, axis=1) + 1e-12)
    loud = 20 * np.log10(rms) > 20 * np.log10(rms.max()) - SILENCE_BELOW_PEAK_DB
    kept = np.convolve(loud.astype(float), np.ones(2 * SILENCE_KEPT_WINDOWS + 1), mode="same") > 0
    return audio[:usable].reshape(-1, SILENCE_WINDOW)[kept].reshape(-1)


def prepare_audio(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """16 kHz, no long silences, raised to -30 dBFS when quieter (never lowered)."""
    audio = np.asarray(audio, dtype=np.float32)
    if sample_rate != SAMPLE_RATE:
        audio = soxr.resample(audio, sample_rate, SAMPLE_RATE).astype(np.float32)
    audio = drop_silence(audio)
    level = 20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)) + 1e-12)
    return audio * np.float32(10 ** ((TARGET_DBFS - level) / 20)) if level < TARGET_DBFS else audio


def partials(n_samples: int) -> tuple[list[int], int]:
    """Start frames of the 1.6 s partials covering ``n_samples``, and the samples the audio is padded to."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = round(SAMPLE_RATE / PARTIALS_PER_SECOND / HOP)
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
    coverage = (n_samples - starts[-1] * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_LAST_COVERAGE and len(starts) > 1:
        starts.pop()
    return starts, (starts[-1] + PARTIAL_FRAMES) * HOP


class SpeakerEncoder:
    """Timbre vectors of clips, from the ONNX encoder in the prepared model folder."""

    def __init__(self, path: Path) -> None:
        started = time.perf_counter()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()
        log.info("speaker encoder loaded from %s in %.2fs", path, time.perf_counter() - started)

    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """The clip's timbre: a unit vector of 256 numbers."""
        started = time.perf_counter()
        audio = prepare_audio(audio, sample_rate)
        starts, padded_to = partials(len(audio))
        mels = mel_frames(np.pad(audio, (0, max(0, padded_to - len(audio)))))
        batch = np.stack([mels[s : s + PARTIAL_FRAMES] for s in starts])
        with self._lock:
            vectors = self._session.run(None, {"mels": batch})[0]
        mean = vectors.mean(axis=0)
        log.info("timbre of %.1fs of speech measured in %.3fs", len(audio) / SAMPLE_RATE, time.perf_counter() - started)
        return mean / np.linalg.norm(mean)


def encoder_path(root: Path | None = None) -> Path:
    """Where ``prepare`` puts the encoder: ``checkpoints/speaker-encoder/speaker_encoder.onnx``."""
    return (root or checkpoints_dir()) / FOLDER_NAME / ENCODER_FILE


def load(root: Path | None = None) -> SpeakerEncoder | None:
    """The prepared encoder, or None (logged) when it is missing or unreadable: the match then goes by pitch."""
    path = encoder_path(root)
    if not path.is_file():
        log.warning("no speaker encoder at %s: voice references are matched by pitch alone (run: index_tts prepare)", path)
        return None
    try:
        return SpeakerEncoder(path)
    except Exception as exc:  # onnxruntime raises its own types for a damaged file
        log.warning("speaker encoder %s unreadable (%s): voice references are matched by pitch alone", path, exc)
        return None

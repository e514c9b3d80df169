"""Uploaded reference clips (voice or emotion): read, checked and measured once, with clear errors.

Anything a visitor uploads passes through ``load_clip`` before it is used:
it must be a readable audio file of sensible size, length, sample rate and
loudness. A clip longer than ``MAX_SECONDS`` is cut to its start and the
caller is told. Measurements are remembered by the file's content, so the
same clip sent again is not analysed twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..common.errors import TTSError
from ..common.paths import cache_dir
from ..common.retention import prune
from ..prosody.delivery import DeliveryStats, measure_delivery
from .speaker_encoder import SpeakerEncoder

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 30.0
MIN_SECONDS = 1.0
SAMPLE_RATE_RANGE = (8000, 192000)
SILENCE_DBFS = -50.0  # a clip whose loudest 50 ms stays below this is silent
FORMATS = "WAV, FLAC, OGG or MP3"
STATS_CACHE_SIZE = 64
CLIP_LABELS = {"voice reference": "clip_voice", "emotion reference clip": "clip_emotion"}  # what -> i18n key
UPLOADS_KEPT = 200  # clips sent through the API, by content hash; the oldest go first


@dataclass(frozen=True)
class Clip:
    """A checked clip: mono float32 audio, its sample rate, and how long the upload was before trimming."""

    audio: np.ndarray
    sample_rate: int
    original_seconds: float


def load_clip(path: str | Path, what: str = "reference clip") -> Clip:
    """Read and check an uploaded clip; ``TTSError`` naming ``what`` and the problem otherwise."""
    file = Path(path)
    label = {"clip": CLIP_LABELS.get(what, "clip_generic")}  # the clip's name in the page's language
    if not file.is_file():
        raise TTSError(f"the {what} {file.name!r} was not found; upload it again", "err_clip_missing", labels=label)
    size = file.stat().st_size
    if size > MAX_BYTES:
        mb, limit = f"{size / 2**20:.1f}", MAX_BYTES // 2**20
        raise TTSError(f"the {what} is {mb} MB; the limit is {limit} MB", "err_clip_too_big", {"mb": mb, "limit": limit}, label)
    try:
        with sf.SoundFile(file) as f:
            sample_rate = f.samplerate
            original_seconds = f.frames / sample_rate if sample_rate else 0.0
            audio = f.read(min(f.frames, int(MAX_SECONDS * sample_rate)), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        message = f"the {what} could not be read as audio ({FORMATS} are accepted)"
        raise TTSError(message, "err_clip_unreadable", {"formats": FORMATS}, label) from exc
    if not SAMPLE_RATE_RANGE[0] <= sample_rate <= SAMPLE_RATE_RANGE[1]:
        lo, hi = SAMPLE_RATE_RANGE
        message = f"the {what} has a sample rate of {sample_rate} Hz; use {lo}-{hi} Hz"
        raise TTSError(message, "err_clip_rate", {"rate": sample_rate, "lo": lo, "hi": hi}, label)
    mono = audio.mean(axis=1)
    if not np.isfinite(mono).all():
        raise TTSError(f"the {what} holds invalid samples (NaN or infinity)", "err_clip_invalid", labels=label)
    seconds = len(mono) / sample_rate
    if seconds < MIN_SECONDS:
        values = {"seconds": f"{seconds:.2f}", "minimum": f"{MIN_SECONDS:g}"}
        message = f"the {what} is {seconds:.2f}s long; it needs at least {MIN_SECONDS:g}s of speech"
        raise TTSError(message, "err_clip_short", values, label)
    if _loudest_dbfs(mono, sample_rate) < SILENCE_DBFS:
        raise TTSError(f"the {what} is silent; record or upload a clip with speech in it", "err_clip_silent", labels=label)
    if original_seconds > MAX_SECONDS:
        log.info("%s of %.1fs trimmed to its first %.0fs", what, original_seconds, MAX_SECONDS)
    return Clip(mono, sample_rate, original_seconds)


def _loudest_dbfs(audio: np.ndarray, sample_rate: int) -> float:
    """RMS level of the loudest 50 ms window, in dB below full scale."""
    window = max(1, int(0.05 * sample_rate))
    usable = len(audio) - len(audio) % window
    if usable == 0:
        return -np.inf
    rms = np.sqrt(np.mean(audio[:usable].reshape(-1, window).astype(np.float64) ** 2, axis=1)).max()
    return 20.0 * np.log10(rms) if rms > 0 else -np.inf


@dataclass(frozen=True)
class MeasuredClip:
    """A clip's delivery statistics and whether it had to be trimmed (the caller tells the listener)."""

    stats: DeliveryStats
    original_seconds: float
    timbre: np.ndarray | None = None  # the speaker encoder's vector, when the analyzer has the encoder

    @property
    def trimmed(self) -> bool:
        return self.original_seconds > MAX_SECONDS


class ClipAnalyzer:
    """Measures clips, remembering results by content hash (thread-safe, bounded)."""

    def __init__(self, size: int = STATS_CACHE_SIZE, encoder: SpeakerEncoder | None = None) -> None:
        self.size = size
        self.encoder = encoder
        self._seen: OrderedDict[str, MeasuredClip] = OrderedDict()
        self._lock = threading.Lock()

    def measure(self, path: str | Path, what: str = "reference clip") -> MeasuredClip:
        clip = load_clip(path, what)
        digest = hashlib.sha256(clip.audio.tobytes() + str(clip.sample_rate).encode()).hexdigest()
        with self._lock:
            if digest in self._seen:
                self._seen.move_to_end(digest)
                return self._seen[digest]
        started = time.perf_counter()
        try:
            stats = measure_delivery(clip.audio, clip.sample_rate)
        except TTSError as exc:
            raise TTSError(f"the {what}: {exc}") from exc
        timbre = self.encoder.embed(clip.audio, clip.sample_rate) if self.encoder else None
        measured = MeasuredClip(stats, clip.original_seconds, timbre)
        log.info(
            "%s measured in %.3fs: %.1fs, F0 median %.0f Hz, range %.1f st, %.1f syllables/s",
            what,
            time.perf_counter() - started,
            min(clip.original_seconds, MAX_SECONDS),
            stats.f0_median_hz,
            stats.f0_range_st,
            stats.syllable_rate,
        )
        with self._lock:
            self._seen[digest] = measured
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
        return measured


def prune_uploads(folder: Path) -> int:
    """Apply the count, size and age limits to clips sent through the API; returns how many went."""
    return prune(folder, "*.clip", UPLOADS_KEPT, UPLOADS_KEPT * MAX_BYTES) if folder.is_dir() else 0


def save_upload(encoded: str, what: str = "reference clip") -> Path:
    """Store a base64 clip from the API under its content hash (atomically) and return its path."""
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise TTSError(f"the {what} is larger than {MAX_BYTES // 2**20} MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TTSError(f"the {what} is not valid base64") from exc
    folder = cache_dir("uploads")
    target = folder / f"{hashlib.sha256(data).hexdigest()}.clip"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(prefix=".upload.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        prune_uploads(folder)
    else:
        os.utime(target)  # sent again: it counts as new for the age limit
    return target

"""Where finished audio goes: ``outputs/``, written atomically, kept by count, size and age."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import numpy as np

from ..common.audio import write_atomic, write_wav_atomic
from ..common.paths import REPO_ROOT
from ..common.retention import prune

OUTPUT_DIR = REPO_ROOT / "outputs"
KEEP_FILES = 200
KEEP_BYTES = 500 << 20


def _stem() -> str:
    """A new file name without its suffix: when it was made, and 48 random bits nobody can guess."""
    return f"tts_{time.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(6)}"


def save_wav(audio: np.ndarray, sample_rate: int, folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES) -> Path:
    """Write a uniquely named WAV; the oldest beyond ``keep`` files, 500 MB or the age limit go."""
    path = write_wav_atomic(folder / f"{_stem()}.wav", audio, sample_rate)
    prune_outputs(folder, keep)
    return path


def save_take(
    audio: np.ndarray, sample_rate: int, subtitles: str, folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES
) -> tuple[Path, Path]:
    """A result's WAV and its SRT subtitles under one new name (each written atomically), then pruned."""
    stem = _stem()
    srt = write_atomic(folder / f"{stem}.srt", lambda f: f.write(subtitles.encode()))
    wav = write_wav_atomic(folder / f"{stem}.wav", audio, sample_rate)
    prune_outputs(folder, keep)
    return wav, srt


def prune_outputs(folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES) -> int:
    """Apply the count, size and age limits to finished audio and its subtitles; returns how many files went."""
    if not folder.is_dir():
        return 0
    return prune(folder, "tts_*.wav", keep, KEEP_BYTES) + prune(folder, "tts_*.srt", keep, KEEP_BYTES // 100)

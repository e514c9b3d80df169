"""Where finished audio goes: ``outputs/``, written atomically, kept by count, size and age."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import numpy as np

from ..common.audio import write_wav_atomic
from ..common.paths import REPO_ROOT
from ..common.retention import prune

OUTPUT_DIR = REPO_ROOT / "outputs"
KEEP_FILES = 200
KEEP_BYTES = 500 << 20


def save_wav(audio: np.ndarray, sample_rate: int, folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES) -> Path:
    """Write a uniquely named WAV; the oldest beyond ``keep`` files, 500 MB or the age limit go."""
    name = f"tts_{time.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(3)}.wav"
    path = write_wav_atomic(folder / name, audio, sample_rate)
    prune_outputs(folder, keep)
    return path


def prune_outputs(folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES) -> int:
    """Apply the count, size and age limits to finished audio; returns how many files went."""
    return prune(folder, "tts_*.wav", keep, KEEP_BYTES) if folder.is_dir() else 0

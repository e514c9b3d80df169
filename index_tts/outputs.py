"""Where finished audio goes: ``outputs/``, written atomically and kept to a bounded number of files."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import numpy as np

from .audio import write_wav_atomic
from .paths import REPO_ROOT

OUTPUT_DIR = REPO_ROOT / "outputs"
KEEP_FILES = 200


def save_wav(audio: np.ndarray, sample_rate: int, folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES) -> Path:
    """Write a uniquely named WAV and delete the oldest ones beyond ``keep``."""
    name = f"tts_{time.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(3)}.wav"
    path = write_wav_atomic(folder / name, audio, sample_rate)
    finished = sorted(folder.glob("tts_*.wav"), key=_mtime)
    for old in finished[:-keep]:
        old.unlink(missing_ok=True)
    return path


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed by a concurrent request's pruning
        return 0.0

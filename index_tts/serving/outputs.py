"""Where finished audio goes: ``outputs/``, written atomically, kept by count, size and age."""

from __future__ import annotations

import re
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


# a take's files: when it was made, then 128 random bits. The name is all a visitor's page keeps of its takes,
# and all it needs to fetch them (``take_file``): nobody else can guess it.
TAKE_NAME = re.compile(r"tts_\d{8}-\d{6}_[0-9a-f]{32}")


def _stem() -> str:
    """A new file name without its suffix (``TAKE_NAME``)."""
    return f"tts_{time.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(16)}"


def take_file(name: str, folder: Path = OUTPUT_DIR) -> Path | None:
    """The take's file called ``name`` (``<TAKE_NAME>.wav`` or ``.srt``) while it is kept; None otherwise."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix not in ("wav", "srt") or not TAKE_NAME.fullmatch(stem):
        return None
    path = folder / name
    return path if path.is_file() else None


def delete_take(stem: str, folder: Path = OUTPUT_DIR) -> bool:
    """Delete a take's files (its WAV and SRT); whether there was one."""
    found = [path for suffix in ("wav", "srt") if (path := take_file(f"{stem}.{suffix}", folder)) is not None]
    for path in found:
        path.unlink(missing_ok=True)
    return bool(found)


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

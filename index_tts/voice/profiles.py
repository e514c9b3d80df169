"""Each voice's neutral delivery, measured once from its own reading of one sentence.

The approximate voice match and the emotion-from-a-clip transfer compare a reference clip with
the voice's neutral reading. The reading is rendered through the app's one request path (the
``render`` given by the serving core) and measured; the figures are kept in
``cache_hub/voice_profiles`` (keyed by engine, model version, sentence and method), so only the
first start after an install pays for rendering every voice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..common.paths import cache_dir
from ..prosody.delivery import DeliveryStats, measure_delivery
from .reference_transfer import match_pitch, semitones

log = logging.getLogger(__name__)

# Each voice's neutral delivery is measured on this sentence (about 5 s of speech, all four tones).
NEUTRAL_TEXT = "今天下午我们一起去公园散步，看看湖边的花开了没有。"
NEUTRAL_LANGUAGE = "zh"
PROFILE_VERSION = 2  # bump when the measurement or the way the sentence is rendered changes

RenderNeutral = Callable[[str], tuple[np.ndarray, int]]  # voice -> (audio, sample rate) of NEUTRAL_TEXT


@dataclass(frozen=True)
class VoiceMatch:
    """The built-in voice chosen for a voice reference and the pitch shift that meets the clip's median."""

    voice: str
    pitch_shift: float
    reference_hz: float
    voice_hz: float


class VoiceProfiles:
    """Neutral delivery per voice: measured on first need (or all at warm-up), kept on disk."""

    def __init__(
        self,
        engine_id: str,
        voices: Callable[[], list[str]],
        render: RenderNeutral,
        workers: int = 1,
        folder: Path | None = None,
    ) -> None:
        """``engine_id`` names the engine, model version and how the text is cut (the file key); ``render``
        reads NEUTRAL_TEXT with a voice."""
        self._voices = voices
        self._render = render
        self._workers = max(1, workers)
        key = hashlib.sha256(f"{engine_id}|{NEUTRAL_TEXT}|{PROFILE_VERSION}".encode()).hexdigest()
        self._file = (folder or cache_dir("voice_profiles")) / f"{key[:16]}.json"
        self._profiles: dict[str, DeliveryStats] = self._read()
        self._lock = threading.Lock()

    def neutral(self, voice: str) -> DeliveryStats:
        with self._lock:
            if voice not in self._profiles:
                self._profiles[voice] = self._measure(voice)
                self._write()
            return self._profiles[voice]

    def measure_all(self) -> None:
        """Measure every voice not yet known, side by side."""
        missing = [v for v in self._voices() if v not in self._profiles]
        if not missing:
            return
        with ThreadPoolExecutor(self._workers) as pool:
            measured = dict(zip(missing, pool.map(self._measure, missing), strict=True))
        with self._lock:
            self._profiles.update(measured)
            self._write()

    def nearest(self, reference: DeliveryStats) -> VoiceMatch:
        """The voice nearest to the clip in median and low (10th-percentile) pitch, both in semitones."""
        self.measure_all()

        def distance(voice: str) -> float:
            neutral = self.neutral(voice)
            median = semitones(reference.f0_median_hz / neutral.f0_median_hz)
            return abs(median) + abs(semitones(reference.f0_p10_hz / neutral.f0_p10_hz))

        voice = min(self._voices(), key=distance)
        neutral = self.neutral(voice)
        return VoiceMatch(voice, round(match_pitch(reference, neutral), 2), reference.f0_median_hz, neutral.f0_median_hz)

    def _measure(self, voice: str) -> DeliveryStats:
        started = time.perf_counter()
        audio, sample_rate = self._render(voice)
        stats = measure_delivery(audio, sample_rate)
        log.info(
            "voice %s neutral delivery measured in %.2fs: F0 median %.0f Hz",
            voice,
            time.perf_counter() - started,
            stats.f0_median_hz,
        )
        return stats

    def _read(self) -> dict[str, DeliveryStats]:
        try:
            return {voice: DeliveryStats(**values) for voice, values in json.loads(self._file.read_text("utf-8")).items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError) as exc:
            log.warning("voice profiles in %s unreadable (%s); measuring again", self._file, exc)
            return {}

    def _write(self) -> None:
        """Keep the measurements for the next start; a read-only or full disk only costs re-measuring."""
        try:
            fd, tmp = tempfile.mkstemp(prefix=".profiles.", dir=self._file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({voice: asdict(stats) for voice, stats in self._profiles.items()}, f)
            os.replace(tmp, self._file)
        except OSError as exc:
            log.warning("could not keep voice profiles in %s: %s", self._file, exc)

"""Each voice's neutral delivery, measured once from its own reading of one sentence.

The approximate voice match and the emotion-from-a-clip transfer compare a reference clip with
the voice's neutral reading. The reading is rendered through the app's one request path (the
``render`` given by the serving core) and measured; the figures are kept in
``cache_hub/voice_profiles`` (keyed by engine, model version, sentence and method). The app also
ships them for its default engine (``shipped_profiles/``, written by ``python -m index_tts
voice-profiles`` and checked against a fresh measurement by the tests), so not even the first
start after an install spends ~17 s rendering every voice; only another engine or model pays that.
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
PROFILE_VERSION = 3  # bump when the measurement or the way the sentence is rendered changes
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped_profiles"

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
        saved: bool = True,
    ) -> None:
        """``engine_id`` names the engine, model version and how the text is cut (the file key); ``render``
        reads NEUTRAL_TEXT with a voice; ``saved=False`` ignores profiles kept or shipped (to measure afresh)."""
        self._voices = voices
        self._render = render
        self._workers = max(1, workers)
        key = hashlib.sha256(f"{engine_id}|{NEUTRAL_TEXT}|{PROFILE_VERSION}".encode()).hexdigest()
        self.file_name = f"{key[:16]}.json"
        self._file = (folder or cache_dir("voice_profiles")) / self.file_name
        self._profiles: dict[str, DeliveryStats] = self._read(self._file) if saved else {}
        self.source = "cache" if self._profiles else "none"
        if saved and not self._profiles:
            self._profiles = self._read(SHIPPED_DIR / self.file_name)
            self.source = "shipped" if self._profiles else "none"
        self._lock = threading.Lock()

    def known(self) -> dict[str, DeliveryStats]:
        """The profiles known so far, by voice."""
        with self._lock:
            return dict(self._profiles)

    def neutral(self, voice: str) -> DeliveryStats:
        with self._lock:
            if voice not in self._profiles:
                self._profiles[voice] = self._measure(voice)
                self._write()
            return self._profiles[voice]

    def missing(self) -> list[str]:
        """Voices whose profile is neither kept nor shipped."""
        with self._lock:
            return [v for v in self._voices() if v not in self._profiles]

    def measure_all(self) -> None:
        """Measure every voice not yet known, side by side."""
        missing = self.missing()
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

    @staticmethod
    def _read(path: Path) -> dict[str, DeliveryStats]:
        try:
            return {voice: DeliveryStats(**values) for voice, values in json.loads(path.read_text("utf-8")).items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError) as exc:
            log.warning("voice profiles in %s unreadable (%s); measuring again", path, exc)
            return {}

    def _write(self) -> None:
        """Keep the measurements for the next start; a read-only or full disk only costs re-measuring."""
        try:
            self.write_to(self._file.parent)
        except OSError as exc:
            log.warning("could not keep voice profiles in %s: %s", self._file, exc)

    def write_to(self, folder: Path) -> Path:
        """Write the profiles known so far to ``folder`` under their key (temp name, then rename)."""
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".profiles.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({voice: asdict(stats) for voice, stats in sorted(self._profiles.items())}, f, indent=1)
        os.replace(tmp, folder / self.file_name)
        return folder / self.file_name

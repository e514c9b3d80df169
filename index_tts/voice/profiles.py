"""Each voice's neutral delivery and timbre, measured once from its own reading of one sentence.

The voice match and the emotion-from-a-clip transfer compare a reference clip with the voice's
neutral reading: its pitch, tempo and loudness (``measure_delivery``) and its timbre (the speaker
encoder's vector, when the encoder is prepared). The reading is rendered through the app's one request path (the
``render`` given by the serving core) and measured; the figures are kept in
``cache_hub/voice_profiles`` (keyed by engine, model version, sentence and method). The app also
ships them for its default engine (``shipped_profiles/``, written by ``python -m index_tts
voice-profiles`` and checked against a fresh measurement by the tests), so not even the first
start after an install spends a minute rendering every voice; only another engine or model pays that.
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
from .speaker_encoder import SpeakerEncoder

log = logging.getLogger(__name__)

# Each voice's neutral delivery is measured on this sentence (about 5 s of speech, all four tones).
NEUTRAL_TEXT = "今天下午我们一起去公园散步，看看湖边的花开了没有。"
NEUTRAL_LANGUAGE = "zh"
PROFILE_VERSION = 4  # bump when the measurement or the way the sentence is rendered changes
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped_profiles"

RenderNeutral = Callable[[str], tuple[np.ndarray, int]]  # voice -> (audio, sample rate) of NEUTRAL_TEXT
# The voice match's score is the timbres' cosine similarity less this much per semitone between the medians.
# Fixed on development clips (41 voices, two sentences: any weight up to 0.02 kept 82 of 82) before the
# held-out check in tests/test_voice_match.py and bench/voice_match_bench.py.
PITCH_WEIGHT_PER_SEMITONE = 0.01


@dataclass(frozen=True)
class VoiceMatch:
    """The built-in voice chosen for a voice reference and the pitch shift that meets the clip's median."""

    voice: str
    pitch_shift: float
    reference_hz: float
    voice_hz: float
    similarity: float | None = None  # the timbres' cosine similarity; None when matched by pitch alone


class VoiceProfiles:
    """Neutral delivery and timbre per voice: measured on first need (or all at warm-up), kept on disk."""

    def __init__(
        self,
        engine_id: str,
        voices: Callable[[], list[str]],
        render: RenderNeutral,
        workers: int = 1,
        folder: Path | None = None,
        saved: bool = True,
        encoder: SpeakerEncoder | None = None,
        shipped_id: str | None = None,
    ) -> None:
        """``engine_id`` names the engine, model version and how the text is cut (the file key); ``render``
        reads NEUTRAL_TEXT with a voice; ``saved=False`` ignores profiles kept or shipped (to measure afresh);
        without ``encoder`` timbres are only read, never measured, and the match goes by pitch; ``shipped_id``:
        the key whose shipped profiles stand in when none are kept (default: ``engine_id``'s)."""
        self._voices = voices
        self._render = render
        self.encoder = encoder
        self._timbres: dict[str, np.ndarray] = {}
        self._workers = max(1, workers)
        self.file_name = _file_name(engine_id)
        shipped_name = _file_name(shipped_id or engine_id)
        self._file = (folder or cache_dir("voice_profiles")) / self.file_name
        self._profiles: dict[str, DeliveryStats] = {}
        if saved:
            self._profiles, self._timbres = self._read(self._file)
        self.source = "cache" if self._profiles else "none"
        if saved and not self._profiles:
            self._profiles, self._timbres = self._read(SHIPPED_DIR / shipped_name)
            self.source = "shipped" if self._profiles else "none"
        self._lock = threading.Lock()

    def known(self) -> dict[str, DeliveryStats]:
        """The profiles known so far, by voice."""
        with self._lock:
            return dict(self._profiles)

    def neutral(self, voice: str) -> DeliveryStats:
        with self._lock:
            if voice not in self._profiles:
                self._keep(voice, *self._measure(voice))
                self._write()
            return self._profiles[voice]

    def timbres(self) -> dict[str, np.ndarray]:
        """The timbre vectors known so far, by voice."""
        with self._lock:
            return dict(self._timbres)

    def missing(self) -> list[str]:
        """Voices whose profile (or timbre, when the encoder is here) is neither kept nor shipped."""
        with self._lock:
            return [v for v in self._voices() if v not in self._profiles or (self.encoder and v not in self._timbres)]

    def measure_all(self) -> None:
        """Measure every voice not yet known, side by side."""
        missing = self.missing()
        if not missing:
            return
        with ThreadPoolExecutor(self._workers) as pool:
            measured = dict(zip(missing, pool.map(self._measure, missing), strict=True))
        with self._lock:
            for voice, (stats, timbre) in measured.items():
                self._keep(voice, stats, timbre)
            self._write()

    def nearest(self, reference: DeliveryStats, timbre: np.ndarray | None = None) -> VoiceMatch:
        """The voice whose timbre is closest to the clip's ``timbre``, less a little per semitone between
        their median pitches; without a timbre (no encoder), the voice nearest in median and low
        (10th-percentile) pitch, both in semitones."""
        self.measure_all()
        voices = self._voices()
        known = self.timbres()
        by_timbre = timbre is not None and all(v in known for v in voices)

        def median_gap(voice: str) -> float:
            return abs(semitones(reference.f0_median_hz / self.neutral(voice).f0_median_hz))

        def score(voice: str) -> float:
            if by_timbre:
                return float(known[voice] @ timbre) - PITCH_WEIGHT_PER_SEMITONE * median_gap(voice)
            return -median_gap(voice) - abs(semitones(reference.f0_p10_hz / self.neutral(voice).f0_p10_hz))

        voice = max(voices, key=score)
        neutral = self.neutral(voice)
        similarity = round(float(known[voice] @ timbre), 3) if by_timbre else None
        shift = round(match_pitch(reference, neutral), 2)
        return VoiceMatch(voice, shift, reference.f0_median_hz, neutral.f0_median_hz, similarity)

    def _keep(self, voice: str, stats: DeliveryStats, timbre: np.ndarray | None) -> None:
        self._profiles[voice] = stats
        if timbre is not None:
            self._timbres[voice] = timbre

    def _measure(self, voice: str) -> tuple[DeliveryStats, np.ndarray | None]:
        started = time.perf_counter()
        audio, sample_rate = self._render(voice)
        stats = measure_delivery(audio, sample_rate)
        timbre = self.encoder.embed(audio, sample_rate) if self.encoder else None
        log.info(
            "voice %s neutral delivery measured in %.2fs: F0 median %.0f Hz%s",
            voice,
            time.perf_counter() - started,
            stats.f0_median_hz,
            ", timbre too" if timbre is not None else "",
        )
        return stats, timbre

    @staticmethod
    def _read(path: Path) -> tuple[dict[str, DeliveryStats], dict[str, np.ndarray]]:
        try:
            saved = json.loads(path.read_text("utf-8"))
            timbres = {v: _unit(values.pop("timbre")) for v, values in saved.items() if "timbre" in values}
            return {voice: DeliveryStats(**values) for voice, values in saved.items()}, timbres
        except FileNotFoundError:
            return {}, {}
        except (OSError, ValueError, TypeError) as exc:
            log.warning("voice profiles in %s unreadable (%s); measuring again", path, exc)
            return {}, {}

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
            json.dump({voice: self._saved_form(voice) for voice in sorted(self._profiles)}, f, indent=1)
        os.replace(tmp, folder / self.file_name)
        return folder / self.file_name

    def _saved_form(self, voice: str) -> dict:
        saved: dict = asdict(self._profiles[voice])
        if voice in self._timbres:
            saved["timbre"] = [round(float(x), 5) for x in self._timbres[voice]]
        return saved


def profile_key(engine_name: str, model_version: str, first_segment_units: int | None) -> str:
    """What a voice's neutral reading depends on: the engine, its model, and where its first segment ends."""
    return f"{engine_name}|{model_version}|first={first_segment_units}"


def _file_name(engine_id: str) -> str:
    return hashlib.sha256(f"{engine_id}|{NEUTRAL_TEXT}|{PROFILE_VERSION}".encode()).hexdigest()[:16] + ".json"


def _unit(values: list[float]) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    if vector.shape != (256,) or not np.isfinite(vector).all():
        raise ValueError("a timbre is not 256 finite numbers")
    return vector / np.linalg.norm(vector)

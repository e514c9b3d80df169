"""Reference clips for an engine that cannot clone voices: approximate voice match and emotion from a clip.

With the embedded engine, a voice reference picks the built-in voice whose
median pitch is nearest and moves it onto the clip's median pitch (labelled an
*approximate* match: the timbre stays the built-in voice's). An emotion
reference clip gives its pitch level and range, speaking rate and loudness,
relative to the voice's own neutral delivery (``prosody.reference_transfer``).
Engines that clone (IndexTTS2) get the clips untouched and do both themselves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..common.i18n import t
from ..common.paths import cache_dir
from ..engines.base import SynthParams
from ..prosody.controls import Prosody
from ..prosody.delivery import DeliveryStats, measure_delivery
from ..serving.synthesizer import Synthesizer
from .emotion import EmotionMode, EmotionRequest, resolve_vector
from .emotion_prosody import delivery_prosody, emotion_prosody
from .reference_audio import ClipAnalyzer, MeasuredClip, load_clip
from .reference_transfer import match_pitch, semitones, transfer_delivery

log = logging.getLogger(__name__)

# Each voice's neutral delivery is measured on this sentence (about 5 s of speech, all four tones).
NEUTRAL_TEXT = "今天下午我们一起去公园散步，看看湖边的花开了没有。"
PROFILE_VERSION = 1  # bump when the measurement in prosody.delivery changes


@dataclass(frozen=True)
class Notice:
    """Something the listener should know about how a request was served, in either UI language."""

    key: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


@dataclass(frozen=True)
class VoiceMatch:
    """The built-in voice chosen for a voice reference and the pitch shift that meets the clip's median."""

    voice: str
    pitch_shift: float
    reference_hz: float
    voice_hz: float


@dataclass(frozen=True)
class Delivery:
    """Voice and prosody for one request, and what to tell the listener about them."""

    voice: str
    prosody: Prosody | None
    match: VoiceMatch | None = None
    notices: tuple[Notice, ...] = ()


class VoiceProfiles:
    """Each voice's neutral delivery, measured once from its own output on ``NEUTRAL_TEXT``.

    The measurements are kept in ``cache_hub/voice_profiles`` (keyed by engine, model version and
    sentence), so only the first request that needs them after an install pays for rendering every voice.
    """

    def __init__(self, synthesizer: Synthesizer, folder: Path | None = None) -> None:
        self.synthesizer = synthesizer
        engine = synthesizer.engine
        key = hashlib.sha256(f"{engine.name}|{engine.model_version}|{NEUTRAL_TEXT}|{PROFILE_VERSION}".encode()).hexdigest()
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
        """Measure every voice not yet known, side by side (the engine's worker pool serves them)."""
        missing = [v for v in self.synthesizer.engine.voices() if v not in self._profiles]
        if not missing:
            return
        with ThreadPoolExecutor(max(1, getattr(self.synthesizer.engine, "num_sessions", 1))) as pool:
            measured = dict(zip(missing, pool.map(self._measure, missing), strict=True))
        with self._lock:
            self._profiles.update(measured)
            self._write()

    def _measure(self, voice: str) -> DeliveryStats:
        started = time.perf_counter()
        result = self.synthesizer.synthesize(NEUTRAL_TEXT, SynthParams(voice=voice, prosody=Prosody()), "zh")
        stats = measure_delivery(result.audio, result.sample_rate)
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

    def nearest(self, reference: DeliveryStats) -> VoiceMatch:
        """The voice nearest to the clip in median and low (10th-percentile) pitch, both in semitones."""
        voices = self.synthesizer.engine.voices()
        self.measure_all()

        def distance(voice: str) -> float:
            neutral = self.neutral(voice)
            median = semitones(reference.f0_median_hz / neutral.f0_median_hz)
            return abs(median) + abs(semitones(reference.f0_p10_hz / neutral.f0_p10_hz))

        voice = min(voices, key=distance)
        neutral = self.neutral(voice)
        return VoiceMatch(voice, round(match_pitch(reference, neutral), 2), reference.f0_median_hz, neutral.f0_median_hz)


class DeliveryPlanner:
    """Turns a request's voice, emotion, pitch offset and reference clips into the engine's voice and prosody."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.engine = synthesizer.engine
        self.profiles = VoiceProfiles(synthesizer)
        self.clips = ClipAnalyzer()

    @property
    def matches_voices(self) -> bool:
        """Reference clips are rendered here only for an engine with prosody controls that cannot clone."""
        caps = self.engine.capabilities
        return caps.prosody_control and not caps.voice_cloning

    def params(
        self,
        voice: str,
        emotion: EmotionRequest,
        speed: float = 1.0,
        seed: int | None = None,
        pitch: float = 0.0,
        reference_audio: str | None = None,
        main_text: str = "",
        extra: dict | None = None,
    ) -> tuple[SynthParams, tuple[Notice, ...]]:
        """A request's ``SynthParams`` (emotion resolved, clips passed on in ``extra`` for engines that clone)
        and what the listener should be told about how it is served."""
        vector = resolve_vector(emotion, seed, main_text)
        delivery = self.plan(voice, emotion, vector, pitch, reference_audio)
        given = {"emotion_mode": emotion.mode.value, "emotion_audio": emotion.audio_path, "emotion_text": emotion.text}
        given["reference_audio"] = reference_audio
        params = SynthParams(
            voice=delivery.voice,
            speed=speed,
            seed=seed,
            emotion=vector,
            emotion_weight=emotion.weight if emotion.mode is not EmotionMode.VOICE else 0.0,
            prosody=delivery.prosody,
            extra={**{k: v for k, v in given.items() if v}, **(extra or {})},
        )
        return params, delivery.notices

    def plan(
        self,
        voice: str,
        emotion: EmotionRequest,
        vector: tuple[float, ...] | None,
        pitch: float = 0.0,
        reference_audio: str | None = None,
    ) -> Delivery:
        caps = self.engine.capabilities
        weight = emotion.weight if emotion.mode is not EmotionMode.VOICE else 0.0
        if not self.matches_voices:
            # the engine uses the clips itself (or ignores them); they are still checked, for a clear error
            for path, what in ((reference_audio, "voice reference"), (emotion.audio_path, "emotion reference clip")):
                if path:
                    load_clip(path, what)
            return Delivery(voice, delivery_prosody(caps.prosody_control, vector, weight, pitch))
        notices: list[Notice] = []
        match = None
        base = Prosody(pitch_shift=pitch)
        if reference_audio:
            match = self.profiles.nearest(self._measure(reference_audio, "voice reference", notices).stats)
            voice = match.voice
            # each segment's median pitch is put on the clip's: steadier across texts than one fixed shift
            base = replace(base, f0_median_hz=round(match.reference_hz, 1))
            notices.append(
                Notice(
                    "notice_voice_match",
                    {"voice": voice, "shift": match.pitch_shift, "ref_hz": round(match.reference_hz)},
                )
            )
        if emotion.mode is EmotionMode.AUDIO and emotion.audio_path:
            clip = self._measure(emotion.audio_path, "emotion reference clip", notices)
            prosody = transfer_delivery(clip.stats, self.profiles.neutral(voice), weight, base)
        else:
            # "same as the voice reference" keeps the matched voice's own delivery: changing its tempo or range
            # would move the median pitch away from the clip's again (send the clip as an emotion clip for that)
            prosody = emotion_prosody(vector, weight, base)
            prosody = None if prosody is not None and prosody.is_neutral else prosody
        return Delivery(voice, prosody, match, tuple(notices))

    def _measure(self, path: str, what: str, notices: list[Notice]) -> MeasuredClip:
        measured = self.clips.measure(path, what)
        if measured.trimmed:
            key = "notice_trimmed_voice" if what.startswith("voice") else "notice_trimmed_emotion"
            notices.append(Notice(key, {"seconds": round(measured.original_seconds, 1)}))
        return measured

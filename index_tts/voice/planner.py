"""A request's voice, emotion, pitch offset and reference clips turned into the engine's voice and prosody.

With the embedded engine, a voice reference picks the offered voice whose timbre
(the speaker encoder's vector) is closest, less a little per semitone between the
median pitches, and moves it onto the clip's median pitch; the timbre stays the
offered voice's. Without the encoder the match goes by pitch alone, and says so. An emotion
reference clip gives its pitch level and range, speaking rate and loudness,
relative to the voice's own neutral delivery (``reference_transfer``).
Engines that clone (IndexTTS2) get the clips untouched and do both themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..common.notices import Notice
from ..engines.base import Engine, SynthParams
from ..prosody.controls import Prosody
from .emotion import EmotionMode, EmotionRequest
from .emotion_prosody import delivery_prosody, emotion_prosody
from .emotion_resolution import resolve_vector
from .pitch_reach import PitchReach
from .profiles import VoiceMatch, VoiceProfiles
from .reference_audio import ClipAnalyzer, MeasuredClip, load_clip
from .reference_transfer import transfer_delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Voice and prosody for one request, and what to tell the listener about them."""

    voice: str
    prosody: Prosody | None
    match: VoiceMatch | None = None
    notices: tuple[Notice, ...] = ()


class DeliveryPlanner:
    """Turns a request's voice, emotion, pitch offset and reference clips into the engine's voice and prosody."""

    def __init__(self, engine: Engine, profiles: VoiceProfiles, reach: PitchReach | None = None) -> None:
        """``reach``: how far each voice's pitch really moves (none: offsets are applied as asked)."""
        self.engine = engine
        self.profiles = profiles
        self.reach = reach
        self.clips = ClipAnalyzer(encoder=profiles.encoder)

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
        sampling: Mapping[str, float] | None = None,
        interval_silence_ms: int | None = None,
        language: str = "zh",
    ) -> tuple[SynthParams, tuple[Notice, ...]]:
        """A request's ``SynthParams`` (emotion resolved; the clips, the emotion as given, ``sampling`` and
        ``interval_silence_ms`` passed on for engines that read them) and what the listener should be told;
        ``language`` is the text's, for how far the voice's pitch goes in it."""
        vector = resolve_vector(emotion, seed, main_text)
        delivery = self.plan(voice, emotion, vector, pitch, reference_audio, language)
        params = SynthParams(
            voice=delivery.voice,
            speed=speed,
            seed=seed,
            emotion=vector,
            emotion_weight=emotion.weight if emotion.mode is not EmotionMode.VOICE else 0.0,
            prosody=delivery.prosody,
            emotion_mode=emotion.mode.value,
            emotion_audio=emotion.audio_path or None,
            emotion_text=emotion.text,
            reference_audio=reference_audio or None,
            sampling=dict(sampling or {}),
            interval_silence_ms=interval_silence_ms,
        )
        return params, (*_emotion_notices(emotion, vector), *delivery.notices)

    def plan(
        self,
        voice: str,
        emotion: EmotionRequest,
        vector: tuple[float, ...] | None,
        pitch: float = 0.0,
        reference_audio: str | None = None,
        language: str = "zh",
    ) -> Delivery:
        caps = self.engine.capabilities
        weight = emotion.weight if emotion.mode is not EmotionMode.VOICE else 0.0
        if not self.matches_voices:
            # the engine uses the clips itself (or ignores them); they are still checked, for a clear error
            for path, what in ((reference_audio, "voice reference"), (emotion.audio_path, "emotion reference clip")):
                if path:
                    load_clip(path, what)
            told = (Notice("notice_pitch_ignored", {"engine": self.engine.name}),) if pitch and not caps.prosody_control else ()
            return Delivery(voice, delivery_prosody(caps.prosody_control, vector, weight, pitch), notices=told)
        notices: list[Notice] = []
        match = None
        base = Prosody(pitch_shift=pitch)
        if reference_audio:
            clip = self._measure(reference_audio, "voice reference", notices)
            match = self.profiles.nearest(clip.stats, clip.timbre)
            voice = match.voice
            # each segment's median pitch is put on the clip's: steadier across texts than one fixed shift
            base = replace(base, f0_median_hz=round(match.reference_hz, 1))
            values = {"voice": voice, "shift": match.pitch_shift, "ref_hz": round(match.reference_hz)}
            if match.similarity is None:
                notices.append(Notice("notice_voice_match_pitch", values))
            else:
                notices.append(Notice("notice_voice_match", {**values, "similarity": match.similarity}))
        if emotion.mode is EmotionMode.AUDIO and emotion.audio_path:
            clip = self._measure(emotion.audio_path, "emotion reference clip", notices)
            prosody = transfer_delivery(clip.stats, self.profiles.neutral(voice), weight, base)
        else:
            # "same as the voice reference" keeps the matched voice's own delivery: changing its tempo or range
            # would move the median pitch away from the clip's again (send the clip as an emotion clip for that)
            prosody = emotion_prosody(vector, weight, base)
            prosody = None if prosody is not None and prosody.is_neutral else prosody
        prosody = self._within_reach(voice, language, prosody, pitch, notices)
        return Delivery(voice, prosody, match, tuple(notices))

    def _within_reach(
        self, voice: str, language: str, prosody: Prosody | None, pitch: float, notices: list[Notice]
    ) -> Prosody | None:
        """Ask no more pitch offset than goes furthest for this voice, and tell the listener when it falls short.
        (A voice match sets the median pitch in hertz instead; its offset from the voice is not capped.)"""
        table = self.reach.table(voice, language) if self.reach else None
        if table is None or prosody is None or prosody.f0_median_hz is not None or not prosody.pitch_shift:
            return prosody
        plan = table.plan(prosody.pitch_shift)
        if plan.short:
            emotion = round(plan.asked - pitch, 1)
            key = "notice_pitch_reach_emotion" if emotion else "notice_pitch_reach"
            values = {"voice": voice, "asked": plan.asked, "reached": plan.reached, "pitch": pitch, "emotion": emotion}
            notices.append(Notice(key, values))
        if plan.used != prosody.pitch_shift:
            log.info(
                "pitch offset %+.1f st for %s (%s) asked as %+.1f, where it goes furthest", plan.asked, voice, language, plan.used
            )
            prosody = replace(prosody, pitch_shift=plan.used)
        return prosody

    def _measure(self, path: str, what: str, notices: list[Notice]) -> MeasuredClip:
        measured = self.clips.measure(path, what)
        if measured.trimmed:
            key = "notice_trimmed_voice" if what.startswith("voice") else "notice_trimmed_emotion"
            notices.append(Notice(key, {"seconds": round(measured.original_seconds, 1)}))
        return measured


def _emotion_notices(emotion: EmotionRequest, vector: tuple[float, ...] | None) -> tuple[Notice, ...]:
    """The listener is shown the emotion a description or a random draw gave, which they did not set themselves."""
    if vector is None:
        return ()
    if emotion.mode is EmotionMode.TEXT:
        return (Notice("notice_emotion_from_text", {"vector": vector}),)
    if emotion.mode is EmotionMode.VECTOR and emotion.random:
        return (Notice("notice_emotion_drawn", {"vector": vector}),)
    return ()

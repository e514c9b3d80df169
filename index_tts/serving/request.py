"""The one speech request: every field a caller can set, every limit, validated in one place.

Both buttons of the page, ``/api/tts``, ``/v1/audio/speech``, the CLI and its batch mode, presets,
warm-up and the voice profiles all build a ``SpeechRequest``. Each limit is written once, as one of
the constrained types below; the API's models and the presets declare their fields with the same
types, and the CLI checks its flags with them, so a limit cannot drift between entry points.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from ..common import settings
from ..common.errors import TTSError
from ..engines.sampling import sampling_kwargs
from ..frontend.segmenter import DEFAULT_MAX_UNITS
from ..voice.emotion import DEFAULT_WEIGHT, EMOTIONS, EmotionMode, EmotionRequest


def max_text_chars() -> int:
    """The longest text one request may have: the ``max_text_chars`` setting (default 5000)."""
    return settings.current().max_text_chars


SPEED_RANGE = (0.5, 2.0)
PITCH_RANGE = (-12.0, 12.0)  # semitones the caller adds to the voice (emotion may move it further, within the engine's own range)
SEED_RANGE = (0, 2**32 - 1)  # what every random generator the engines use accepts
SEGMENT_RANGE = (8, 200)  # units: a CJK character or a Latin word
UNIT_RANGE = (0.0, 1.0)  # an emotion slider and the emotion weight
INTERVAL_SILENCE_RANGE = (0, 2000)  # ms, IndexTTS2's silence between the pieces of a segment
MAX_DESCRIPTION_CHARS = 500
MAX_VOICE_CHARS = 200

Text = Annotated[
    str,
    Field(
        min_length=1,
        max_length=settings.TEXT_CHARS_CEILING,
        description="the text to speak, at most max_text_chars characters (INDEX_TTS_MAX_TEXT_CHARS, default 5000)",
    ),
]
Speed = Annotated[float, Field(ge=SPEED_RANGE[0], le=SPEED_RANGE[1], allow_inf_nan=False, description="speaking rate")]
Pitch = Annotated[
    float, Field(ge=PITCH_RANGE[0], le=PITCH_RANGE[1], allow_inf_nan=False, description="semitones added to the voice")
]
Seed = Annotated[int, Field(ge=SEED_RANGE[0], le=SEED_RANGE[1], description="random seed: same seed, same audio")]
SegmentLength = Annotated[
    int, Field(ge=SEGMENT_RANGE[0], le=SEGMENT_RANGE[1], description="longest segment, in CJK characters or words")
]
Unit = Annotated[float, Field(ge=UNIT_RANGE[0], le=UNIT_RANGE[1], allow_inf_nan=False)]
EmotionWeight = Annotated[float, Field(ge=UNIT_RANGE[0], le=UNIT_RANGE[1], allow_inf_nan=False, description="0: none")]
EmotionVector = Annotated[tuple[Unit, ...], Field(min_length=len(EMOTIONS), max_length=len(EMOTIONS))]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_CHARS)]
VoiceName = Annotated[str, Field(min_length=1, max_length=MAX_VOICE_CHARS)]
Language = Literal["auto", "zh", "en", "ja"]
IntervalSilence = Annotated[int, Field(ge=INTERVAL_SILENCE_RANGE[0], le=INTERVAL_SILENCE_RANGE[1])]

NEUTRAL_VECTOR = (0.0,) * len(EMOTIONS)


class SpeechRequest(BaseModel):
    """What to say and how; the clips are paths of files already checked in (uploads, CLI arguments)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Text
    voice: VoiceName | None = None  # None: a native voice of the text's language (ModelManager.voice_for_language)
    speed: Speed = 1.0
    pitch: Pitch = 0.0
    seed: Seed = 0
    language: Language = "auto"
    max_segment: SegmentLength = DEFAULT_MAX_UNITS
    emotion_mode: EmotionMode = EmotionMode.VOICE
    emotion: EmotionVector = NEUTRAL_VECTOR  # IndexTTS2 order: happy, angry, sad, afraid, disgusted, ...
    emotion_weight: EmotionWeight = DEFAULT_WEIGHT
    emotion_random: bool = False
    emotion_text: Description = ""
    emotion_audio: str | None = None
    reference_audio: str | None = None  # the voice to speak with
    sampling: dict[str, float] = Field(default_factory=dict)  # IndexTTS2 generation keywords (top_p, ...)
    interval_silence: IntervalSilence = 200

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("blank")
        if len(text) > max_text_chars():
            raise ValueError("too long")
        return text

    @field_validator("sampling")
    @classmethod
    def _known_sampling(cls, values: dict[str, float]) -> dict[str, float]:
        sampling_kwargs(values)  # TTSError (a ValueError) names the bad keyword and its range
        return dict(sorted(values.items()))

    @model_validator(mode="after")
    def _clip_for_audio_mode(self) -> SpeechRequest:
        if self.emotion_mode is EmotionMode.AUDIO and not self.emotion_audio:
            raise ValueError("emotion_audio")
        return self

    @classmethod
    def build(cls, **fields: Any) -> SpeechRequest:
        """Validate ``fields``; a bad one raises ``TTSError`` saying which and what is allowed."""
        fields = {k: v for k, v in fields.items() if v is not None or k in ("voice", "emotion_audio", "reference_audio")}
        if isinstance(fields.get("emotion_mode"), str):
            try:
                fields["emotion_mode"] = EmotionMode(fields["emotion_mode"])
            except ValueError as exc:
                modes = ", ".join(m.value for m in EmotionMode)
                raise TTSError(f"unknown emotion mode {fields['emotion_mode']!r}; use one of: {modes}") from exc
        try:
            return cls(**fields)
        except ValidationError as exc:
            raise problem(exc) from exc

    def emotion_request(self) -> EmotionRequest:
        """The emotion part as the delivery planner takes it; settings of other modes are left out."""
        mode = self.emotion_mode
        return EmotionRequest(
            mode=mode,
            vector=self.emotion,
            weight=self.emotion_weight,
            random=self.emotion_random,
            audio_path=self.emotion_audio if mode is EmotionMode.AUDIO else None,
            text=self.emotion_text.strip() if mode is EmotionMode.TEXT else "",
        )


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _range(lo: float, hi: float) -> str:
    return f"between {_number(lo)} and {_number(hi)}"


# What a person is told about a bad field: the limits come from the definitions above.
_PROBLEMS: dict[str, str] = {
    "speed": f"speed must be {_range(*SPEED_RANGE)}",
    "pitch": f"pitch must be {_range(*PITCH_RANGE)} semitones",
    "seed": f"the seed must be a whole number {_range(*SEED_RANGE)}",
    "max_segment": f"the maximum segment length must be {_range(*SEGMENT_RANGE)}",
    "emotion_weight": f"the emotion weight must be {_range(*UNIT_RANGE)}",
    "emotion": f"the emotion vector needs {len(EMOTIONS)} values ({', '.join(EMOTIONS)}), each {_range(*UNIT_RANGE)}",
    "emotion_text": f"the emotion description is longer than {MAX_DESCRIPTION_CHARS} characters",
    "voice": f"the voice name must be 1 to {MAX_VOICE_CHARS} characters",
    "language": "the text language must be one of: auto, zh, en, ja",
    "interval_silence": f"the interval silence must be {_range(*INTERVAL_SILENCE_RANGE)} ms",
    "emotion_mode": f"unknown emotion mode; use one of: {', '.join(m.value for m in EmotionMode)}",
}
# The same problems for the page, in its language: (string key, values, translated labels)
_RANGES = {
    "speed": SPEED_RANGE, "pitch": PITCH_RANGE, "seed": SEED_RANGE, "max_segment": SEGMENT_RANGE,
    "emotion_weight": UNIT_RANGE, "interval_silence": INTERVAL_SILENCE_RANGE,
}  # fmt: skip
_PAGE_PROBLEMS: dict[str, tuple[str, dict[str, object]]] = {
    "emotion": ("err_emotion_vector", {}),
    "emotion_text": ("err_emotion_text_long", {"limit": MAX_DESCRIPTION_CHARS}),
    "voice": ("err_voice_name", {"limit": MAX_VOICE_CHARS}),
    "language": ("err_text_language", {}),
}


def field_problem(name: str, fallback: str = "") -> TTSError:
    """The error for a bad value of field ``name``, in English and with its key for the page."""
    message = _PROBLEMS.get(name, fallback or f"{name}: invalid value")
    if name in _RANGES:
        lo, hi = _RANGES[name]
        return TTSError(message, "err_range", {"lo": _number(lo), "hi": _number(hi)}, {"control": name})
    if name in _PAGE_PROBLEMS:
        key, values = _PAGE_PROBLEMS[name]
        return TTSError(message, key, values)
    return TTSError(message)


def problem(exc: ValidationError) -> TTSError:
    """The first problem of a validation error as one sentence a visitor understands (and its page key)."""
    error = exc.errors()[0]
    where = str(error["loc"][0]) if error["loc"] else ""
    if where == "text":
        value = error.get("input")
        limit = max_text_chars()
        if isinstance(value, str) and len(value) > limit:
            values = {"n": len(value), "limit": limit}
            return TTSError(f"the text has {len(value)} characters; the limit is {limit}", "text_too_long", values)
        return TTSError("the text is empty: there is nothing to speak", "err_text_empty")
    if where == "sampling":
        return TTSError(str(error.get("ctx", {}).get("error") or error["msg"]))
    if not where and "emotion_audio" in str(error.get("ctx", {}).get("error", "")):
        return TTSError("the emotion from a clip needs an emotion reference clip: upload one", "err_emotion_clip_missing")
    return field_problem(where, f"{where or 'request'}: {error['msg']}")


def explain(exc: ValidationError) -> str:
    """The first problem of a validation error as one English sentence."""
    return str(problem(exc))


def check_field(name: str, value: Any) -> Any:
    """One field checked alone against the request's limits (the CLI's flags); ``TTSError`` if it is out."""
    info = SpeechRequest.model_fields[name]
    adapter = TypeAdapter(Annotated[(info.annotation, *info.metadata)]) if info.metadata else TypeAdapter(info.annotation)
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise field_problem(name, f"{name}: {exc.errors()[0]['msg']}") from exc


def request_fields(*names: str) -> dict[str, Any]:
    """Fields of ``SpeechRequest`` (type, limits, default) for a model made from them with ``create_model``:
    the API's models and presets take their fields from here instead of declaring them again."""
    return {name: (SpeechRequest.model_fields[name].annotation, SpeechRequest.model_fields[name]) for name in names}

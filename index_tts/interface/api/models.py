"""The HTTP API's request bodies, made from ``SpeechRequest``'s own fields (types, limits, defaults).

Only what is particular to the wire is declared here: OpenAI's names (``input``, ``instructions``,
``response_format``, ``stream``), clips sent as base64, and emotions given by name. A limit is
changed in ``serving.request`` and the API, the page, the CLI and presets follow.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...serving.request import Description, EmotionVector, SpeechRequest, Unit, request_fields

OPENAI_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients send fields we do not use


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # our own call: a misspelt field is an error, not ignored


OpenAISpeechRequest = create_model(
    "OpenAISpeechRequest",
    __base__=_Lenient,
    __doc__="``POST /v1/audio/speech``, as in OpenAI's API, plus ``stream`` and a few of our own knobs.",
    model=(str, Field("kokoro", description="accepted for compatibility; the server's engine answers")),
    input=(SpeechRequest.model_fields["text"].annotation, SpeechRequest.model_fields["text"]),
    voice=(str, Field("alloy", description="one of GET /v1/audio/voices, or an OpenAI voice name")),
    response_format=(
        Literal["wav", "pcm", "flac", "mp3", "srt", "vtt"],
        Field("mp3", description="audio, or srt / vtt for the subtitles alone (timed on the audio this text makes)"),
    ),
    stream=(bool, False),
    instructions=(Description | None, Field(None, description="how to say it; used as the emotion description")),
    **request_fields("speed", "seed", "language", "pitch"),
)

TTSRequest = create_model(
    "TTSRequest",
    __base__=_Strict,
    __doc__="``POST /api/tts``: our own JSON call with IndexTTS2's emotion controls; answers a WAV file.",
    **request_fields("text", "voice", "emotion_weight", "emotion_random", "speed", "seed", "language", "max_segment", "pitch"),
    emotion=(
        EmotionVector | dict[str, Unit] | None,
        Field(None, description="8 values in IndexTTS2 order (happy, angry, sad, afraid, ...), or {name: value}"),
    ),
    emotion_text=(Description | None, Field(None, description="an emotion description, e.g. 有点难过")),
    reference_audio=(
        str | None,
        Field(
            None,
            description="base64 audio file: the voice to speak with (IndexTTS2 clones it; the embedded engine "
            "picks the offered voice closest in timbre and matches its pitch)",
        ),
    ),
    emotion_audio=(str | None, Field(None, description="base64 audio file: an emotion reference clip")),
)


class Alignment(BaseModel):
    characters: list[str] = Field(..., description="every character of the text as sent, in order")
    starts: list[float] = Field(..., description="when each character begins, seconds on the audio")
    ends: list[float] = Field(..., description="when each ends (a space or a mark: where it stands, zero length)")


class TimedText(BaseModel):
    text: str
    start: float
    end: float


class TimestampedSpeech(BaseModel):
    """``POST /api/tts/with-timestamps``: the WAV with when each character, word and segment is said."""

    audio_base64: str = Field(..., description="the WAV file, base64")
    sample_rate: int
    alignment: Alignment
    words: list[TimedText] = Field(..., description="Chinese characters, words of other letters, runs of kana")
    segments: list[TimedText] = Field(..., description="the pieces the text was spoken in, as sent")


class ErrorInfo(BaseModel):
    message: str = Field(..., description="what was wrong, in one line")
    type: str = Field(
        ..., description="invalid_request_error, authentication_error, rate_limit_exceeded, server_busy or server_error"
    )


class ErrorBody(BaseModel):
    """Every error the API answers has this JSON body (the shape OpenAI's clients expect)."""

    error: ErrorInfo

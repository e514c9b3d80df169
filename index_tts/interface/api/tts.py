"""``POST /api/tts``: our own JSON call with IndexTTS2's emotion controls and clips; answers a WAV file."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ...common.audio import MEDIA_TYPES
from ...common.errors import TTSError
from ...serving.request import SpeechRequest
from ...voice.emotion import EMOTIONS, EmotionMode
from ...voice.reference_audio import save_upload
from .context import Api, check_key
from .models import TimestampedSpeech, TTSRequest
from .responses import AUDIO_SCHEMA, TIMESTAMPS, documented, rate_limited, speak

router = APIRouter(dependencies=[Depends(check_key)])


def emotion_vector(emotion: tuple[float, ...] | dict[str, float] | None) -> tuple[float, ...] | None:
    """The 8 values in IndexTTS2 order, from a list or from {name: value}."""
    if emotion is None or not isinstance(emotion, dict):
        return emotion
    unknown = sorted(set(emotion) - set(EMOTIONS))
    if unknown:
        raise TTSError(f"unknown emotion name(s) {unknown}; use {', '.join(EMOTIONS)}")
    return tuple(float(emotion.get(name, 0.0)) for name in EMOTIONS)


def speech_request(body: TTSRequest, voice: str | None) -> SpeechRequest:
    """The body as the one request every entry point makes; its clips are checked and saved first."""
    emotion_clip = save_upload(body.emotion_audio, "emotion_audio") if body.emotion_audio else None
    voice_clip = save_upload(body.reference_audio, "reference_audio") if body.reference_audio else None
    if emotion_clip and (body.emotion_text or body.emotion or body.emotion_random):
        raise TTSError("send one emotion source: emotion_audio, emotion_text, or emotion / emotion_random")
    mode = EmotionMode.TEXT if body.emotion_text else EmotionMode.VECTOR if body.emotion or body.emotion_random else None
    return SpeechRequest.build(
        text=body.text, voice=voice, speed=body.speed, seed=body.seed,
        language=body.language, max_segment=body.max_segment, pitch=body.pitch,
        emotion_mode=EmotionMode.AUDIO if emotion_clip else mode or EmotionMode.VOICE,
        emotion=emotion_vector(body.emotion), emotion_weight=body.emotion_weight,
        emotion_random=body.emotion_random, emotion_text=body.emotion_text,
        emotion_audio=str(emotion_clip) if emotion_clip else None,
        reference_audio=str(voice_clip) if voice_clip else None,
    )  # fmt: skip


@router.post(
    "/api/tts",
    response_model=None,
    response_class=Response,
    responses=documented({MEDIA_TYPES["wav"]: AUDIO_SCHEMA}, 400, 401, 429, 500, 503),
)
async def tts(body: TTSRequest, request: Request, ctx: Api) -> Response:
    """A WAV file of ``text`` with every control of the page."""
    if limited := rate_limited(ctx, request, "tts"):
        return limited
    return await speak(ctx, speech_request(body, ctx.voice_for(body.voice)), "wav", False, "tts", request)


@router.post(
    "/api/tts/with-timestamps",
    response_model=None,
    response_class=Response,
    responses={**documented({}, 400, 401, 429, 500, 503), 200: {"description": "OK", "model": TimestampedSpeech}},
)
async def tts_with_timestamps(body: TTSRequest, request: Request, ctx: Api) -> Response:
    """The same call as ``/api/tts``, answered as JSON: the WAV (base64) and when each character is said."""
    if limited := rate_limited(ctx, request, "tts"):
        return limited
    return await speak(ctx, speech_request(body, ctx.voice_for(body.voice)), TIMESTAMPS, False, "tts", request)

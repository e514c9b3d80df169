"""The OpenAI-compatible routes: ``POST /v1/audio/speech`` and ``GET /v1/audio/voices``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from ...common.audio import MEDIA_TYPES
from ...engines.kokoro.catalog import describe
from ...serving.admission import ServerBusy
from ...serving.request import SpeechRequest
from ...serving.subtitles import SUBTITLE_MEDIA_TYPES
from ...voice.emotion import EmotionMode
from .context import Api, check_key
from .models import OPENAI_VOICES, OpenAISpeechRequest
from .responses import AUDIO_SCHEMA, SUBTITLE_SCHEMA, documented, error, full, rate_limited, speak

router = APIRouter(dependencies=[Depends(check_key)])
SPEECH_CONTENT = {
    **{media: AUDIO_SCHEMA for media in MEDIA_TYPES.values()},
    **dict.fromkeys(SUBTITLE_MEDIA_TYPES.values(), SUBTITLE_SCHEMA),
}


@router.get("/v1/audio/voices", responses=documented({"application/json": {}}, 401))
def list_voices(ctx: Api) -> dict:
    """The engine's voices (house voices first, then each language's native ones), what each is, where
    its preview is, and which voice each OpenAI name stands for."""
    engine = ctx.manager.engine
    voices = engine.voices()
    details = {v: describe(v) for v in voices}
    by_language: dict[str, list[str]] = {}
    for voice, info in details.items():
        by_language.setdefault(str(info.get("language", "other")), []).append(voice)
    return {
        "engine": engine.name,
        "default": ctx.manager.default_voice,
        "default_by_language": ctx.manager.defaults_by_language(),
        "voices": voices,
        "details": details,
        "by_language": by_language,
        "preview": "/v1/audio/voices/{voice}/preview",
        "blending": "a:0.6+b:0.4 mixes voices" if engine.capabilities.prosody_control else None,
        "openai_aliases": {name: ctx.voice_for(name) for name in OPENAI_VOICES},
    }


@router.get(
    "/v1/audio/voices/{voice}/preview",
    response_model=None,
    response_class=Response,
    responses=documented({"audio/wav": AUDIO_SCHEMA}, 401, 404, 503),
)
async def voice_preview(voice: str, ctx: Api) -> Response:
    """A short sample of the voice in its own language (WAV): rendered on the first request, then kept."""
    if voice not in ctx.manager.engine.voices():
        return error(404, f"unknown voice {voice!r}: GET /v1/audio/voices lists the voices")
    previews = ctx.manager.previews
    kept = previews.cached(voice)
    if kept is None:
        leave = ctx.admission.enter()
        if leave is None:
            return full(ctx, "preview")
        try:
            kept = await ctx.admission.in_thread(previews.get, voice)
        except ServerBusy as busy:
            return error(503, str(busy), "server_busy", retry_after=busy.retry_after_s)
        finally:
            leave()
    return FileResponse(kept, media_type="audio/wav", headers={"Cache-Control": "private, max-age=3600"})


@router.post(
    "/v1/audio/speech",
    response_model=None,
    response_class=Response,
    responses=documented(SPEECH_CONTENT, 400, 401, 429, 500, 503),
)
async def openai_speech(body: OpenAISpeechRequest, request: Request, ctx: Api) -> Response:
    """Speech as in OpenAI's API (``instructions`` is the emotion description), whole or streamed; or its
    subtitles alone (``response_format`` srt or vtt)."""
    if limited := rate_limited(ctx, request, "openai"):
        return limited
    speech = SpeechRequest.build(
        text=body.input, voice=ctx.voice_for(body.voice), speed=body.speed, seed=body.seed,
        language=body.language, pitch=body.pitch,
        emotion_mode=EmotionMode.TEXT if body.instructions else EmotionMode.VOICE, emotion_text=body.instructions,
    )  # fmt: skip
    return await speak(ctx, speech, body.response_format, body.stream, "openai", request)

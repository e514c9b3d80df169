"""The HTTP API on the same port as the UI: OpenAI-compatible speech, a JSON TTS call, voices, metrics.

Requests go straight to the model manager (not through the UI's queue). The manager refuses a
request when the speech already accepted would keep it waiting longer than ``--max-wait``
(``serving/admission.py``); here that becomes a 503 whose Retry-After is that wait. A count of
places (``Admission``) bounds the threads the API's requests may hold.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import anyio
import fastapi
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..common.audio import MEDIA_TYPES, encode, to_int16, wav_stream_header
from ..common.errors import TTSError
from ..common.notices import header_text
from ..engines import DEFAULT_ENGINE
from ..engines.kokoro.catalog import VOICES as VOICE_CATALOG
from ..ops.rate_limit import RateLimiter
from ..serving.admission import ServerBusy
from ..serving.manager import ModelManager
from ..serving.metrics import CONTENT_TYPE
from ..serving.request import SpeechRequest
from ..serving.scheduler import Cancelled
from ..serving.speech_stream import SpeechStream, collect
from ..voice.emotion import EMOTIONS, EmotionMode
from ..voice.reference_audio import save_upload
from .api_models import OPENAI_VOICES, ErrorBody, OpenAISpeechRequest, TTSRequest
from .stream_handoff import StreamHandoff

log = logging.getLogger(__name__)

T = TypeVar("T")


_ERRORS = {
    400: "bad input: the message says which field and why",
    401: "missing or wrong API key (only with --api-key)",
    404: "the stream token is unknown, used or expired",
    429: "too many requests from this client (only with --rate-limit); see Retry-After",
    500: "the engine failed on this request; the server keeps serving",
    503: "busy or shutting down; see Retry-After",
}


def documented(ok: dict[str, dict], *codes: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` for a route: its 200 content and the error codes it can answer."""
    responses: dict[int | str, dict] = {200: {"description": "OK", "content": ok}}
    for code in codes:
        responses[code] = {"description": _ERRORS[code], "model": ErrorBody}
    return responses


_AUDIO = {"schema": {"type": "string", "format": "binary"}}


def _error(status: int, message: str, kind: str = "invalid_request_error", retry_after: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else None
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status, headers=headers)


class Admission:
    """At most ``limit`` API requests in the server at once; beyond that, 503 "busy, try again".

    Each request inside waits in at most one thread at a time (for its next segment), so the API has
    its own thread limit of ``limit``: with anyio's shared default of 40, streams waiting on segments
    took every thread, and requests admitted beyond them, as well as the page's own handlers, stalled.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.inside = 0
        self._lock = threading.Lock()
        # anyio limiters belong to the event loop they are first used in (the in-process test client runs several)
        self._thread_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    async def in_thread(self, fn: Callable[..., T], *args: object, abandon_on_cancel: bool = False) -> T:
        """``fn(*args)`` in a worker thread under the API's own thread limit."""
        loop = asyncio.get_running_loop()
        limiter = self._thread_limits.get(loop)
        if limiter is None:
            limiter = self._thread_limits[loop] = anyio.CapacityLimiter(self.limit)
        return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel, limiter=limiter)

    def enter(self) -> Callable[[], None] | None:
        """A place, as the function that gives it back (safe to call more than once), or None when full."""
        with self._lock:
            if self.inside >= self.limit:
                return None
            self.inside += 1
        given_back = False

        def leave() -> None:
            nonlocal given_back
            with self._lock:
                if not given_back:
                    given_back = True
                    self.inside -= 1

        return leave


def _emotion_vector(emotion: tuple[float, ...] | dict[str, float] | None) -> tuple[float, ...] | None:
    """The 8 values in IndexTTS2 order, from a list or from {name: value}."""
    if emotion is None or not isinstance(emotion, dict):
        return emotion
    unknown = sorted(set(emotion) - set(EMOTIONS))
    if unknown:
        raise TTSError(f"unknown emotion name(s) {unknown}; use {', '.join(EMOTIONS)}")
    return tuple(float(emotion.get(name, 0.0)) for name in EMOTIONS)


def add_api_routes(
    app: fastapi.FastAPI,
    manager: ModelManager,
    api_key: str | None = None,
    max_inside: int = 64,
    rate_limiter: RateLimiter | None = None,
    handoff: StreamHandoff | None = None,
) -> None:
    """Register the API on ``app``; with ``api_key`` every route but /health needs ``Authorization: Bearer``,
    with ``rate_limiter`` each client gets at most its number of synthesis requests per minute (429 beyond);
    ``handoff`` holds the streams the page prepared for its player (``GET /api/stream/{token}``)."""
    admission = Admission(max_inside)
    voices = manager.engine.voices()

    def check_key(request: Request) -> None:
        if api_key is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {api_key}".encode()):
            raise fastapi.HTTPException(401, "missing or wrong API key: send 'Authorization: Bearer <key>'")

    def resolve_voice(name: str | None) -> str | None:
        if name in OPENAI_VOICES:
            return voices[OPENAI_VOICES.index(name) % len(voices)]
        return name

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors())
        return _error(400, problems)

    @app.exception_handler(TTSError)
    async def tts_error(_request: Request, exc: TTSError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(StarletteHTTPException)  # also the framework's own, e.g. a body that is not JSON
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "authentication_error" if exc.status_code == 401 else "invalid_request_error"
        return _error(exc.status_code, str(exc.detail), kind)

    @app.get("/v1/audio/voices", dependencies=[Depends(check_key)], responses=documented({"application/json": {}}, 401))
    def list_voices() -> dict:
        aliases = {name: resolve_voice(name) for name in OPENAI_VOICES}
        details = {v: VOICE_CATALOG[v] for v in voices if v in VOICE_CATALOG}
        blend = "a:0.6+b:0.4 mixes voices" if manager.engine.capabilities.prosody_control else None
        return {
            "engine": manager.engine.name,
            "default": manager.default_voice,
            "voices": voices,
            "details": details,
            "blending": blend,
            "openai_aliases": aliases,
        }

    @app.get(
        "/metrics",
        dependencies=[Depends(check_key)],
        response_class=Response,
        responses=documented({CONTENT_TYPE: {"schema": {"type": "string"}}}, 401),
    )
    def metrics() -> Response:
        return Response(manager.metrics.render(), media_type=CONTENT_TYPE)

    @app.post(
        "/v1/audio/speech",
        dependencies=[Depends(check_key)],
        response_model=None,
        response_class=Response,
        responses=documented({media: _AUDIO for media in MEDIA_TYPES.values()}, 400, 401, 429, 500, 503),
    )
    async def openai_speech(body: OpenAISpeechRequest, request: Request) -> Response:
        if limited := _limited(request, "openai"):
            return limited
        speech = SpeechRequest.build(
            text=body.input, voice=resolve_voice(body.voice), speed=body.speed, seed=body.seed,
            language=body.language, pitch=body.pitch,
            emotion_mode=EmotionMode.TEXT if body.instructions else EmotionMode.VOICE, emotion_text=body.instructions,
        )  # fmt: skip
        return await _respond(speech, body.response_format, body.stream, "openai", request)

    @app.post(
        "/api/tts",
        dependencies=[Depends(check_key)],
        response_model=None,
        response_class=Response,
        responses=documented({MEDIA_TYPES["wav"]: _AUDIO}, 400, 401, 429, 500, 503),
    )
    async def tts(body: TTSRequest, request: Request) -> Response:
        if limited := _limited(request, "tts"):
            return limited
        emotion_clip = save_upload(body.emotion_audio, "emotion_audio") if body.emotion_audio else None
        voice_clip = save_upload(body.reference_audio, "reference_audio") if body.reference_audio else None
        if emotion_clip and (body.emotion_text or body.emotion or body.emotion_random):
            raise TTSError("send one emotion source: emotion_audio, emotion_text, or emotion / emotion_random")
        mode = EmotionMode.TEXT if body.emotion_text else EmotionMode.VECTOR if body.emotion or body.emotion_random else None
        speech = SpeechRequest.build(
            text=body.text, voice=resolve_voice(body.voice), speed=body.speed, seed=body.seed,
            language=body.language, max_segment=body.max_segment, pitch=body.pitch,
            emotion_mode=EmotionMode.AUDIO if emotion_clip else mode or EmotionMode.VOICE,
            emotion=_emotion_vector(body.emotion), emotion_weight=body.emotion_weight,
            emotion_random=body.emotion_random, emotion_text=body.emotion_text,
            emotion_audio=str(emotion_clip) if emotion_clip else None,
            reference_audio=str(voice_clip) if voice_clip else None,
        )  # fmt: skip
        return await _respond(speech, "wav", False, "tts", request)

    @app.get(
        "/api/stream/{token}",
        response_model=None,
        response_class=Response,
        responses=documented({MEDIA_TYPES["pcm"]: _AUDIO}, 404, 503),
        include_in_schema=False,  # the page's own player: the token comes from the page, not from a client
    )
    async def page_stream(token: str) -> Response:
        """Raw 24 kHz s16le PCM of a request the page prepared (its play-while-synthesizing button)."""
        speech = handoff.claim(token) if handoff is not None else None
        if speech is None:
            return _error(404, "this stream is unknown or was already played; press the button again", "not_found")
        leave = admission.enter()
        if leave is None:
            speech.close()
            return _full(speech.endpoint)
        weakref.finalize(speech, leave)
        headers = {**_headers(speech), "X-Playback-Lead-Seconds": f"{speech.playback_lead_s:.2f}"}  # the player's buffer
        return StreamingResponse(_chunks(speech, "pcm", leave), media_type=MEDIA_TYPES["pcm"], headers=headers)

    def _limited(request: Request, endpoint: str) -> JSONResponse | None:
        if rate_limiter is None:
            return None
        wait = rate_limiter.wait_seconds(request.client.host if request.client else "unknown")
        if not wait:
            return None
        manager.metrics.failed(endpoint, "rate_limited")
        message = f"too many requests: at most {rate_limiter.per_minute} per minute; try again in {math.ceil(wait)} s"
        return _error(429, message, "rate_limit_exceeded", retry_after=wait)

    def _full(endpoint: str) -> JSONResponse:
        """503 when every place for API requests is taken; retry when the work accepted is expected to be done."""
        manager.metrics.failed(endpoint, "busy")
        wait = manager.admission.retry_after()
        return _error(503, f"the server is busy, try again in {wait} s", "server_busy", retry_after=wait)

    async def _respond(job: SpeechRequest, fmt: str, stream: bool, endpoint: str, request: Request) -> Response:
        leave = admission.enter()
        if leave is None:
            return _full(endpoint)
        try:
            speech = await admission.in_thread(manager.stream, job, endpoint)
        except BaseException as exc:
            leave()
            if isinstance(exc, TTSError):
                return _error(400, str(exc))
            if isinstance(exc, ServerBusy):  # the work already accepted would keep this one waiting too long
                return _error(503, str(exc), "server_busy", retry_after=exc.retry_after_s)
            raise
        # backstop: a stream whose body generator is dropped without being closed still gives its place back
        weakref.finalize(speech, leave)
        if stream and fmt in ("wav", "pcm"):
            return StreamingResponse(_chunks(speech, fmt, leave), media_type=MEDIA_TYPES[fmt], headers=_headers(speech))
        try:
            audio = await _collect_while_connected(request, speech, admission)
        except TTSError as exc:
            return _error(400, str(exc))
        except Cancelled:  # the server is stopping and the drain time ran out
            return _error(503, "the server is shutting down, try again shortly", "server_busy", retry_after=5)
        except Exception as exc:  # a failure inside the engine: say so, keep serving
            log.exception("request failed")
            return _error(500, f"synthesis failed: {exc}", "server_error")
        finally:
            leave()
        data = await admission.in_thread(encode, audio, speech.sample_rate, fmt)
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=_headers(speech))

    async def _chunks(speech: SpeechStream, fmt: str, leave: Callable[[], None]) -> AsyncIterator[bytes]:
        """Audio as segments finish; if the client goes away, closing the stream drops its pending segments."""
        iterator = iter(speech)
        try:
            if fmt == "wav":
                yield wav_stream_header(speech.sample_rate)
            while True:
                # abandon_on_cancel: when the client hangs up, Starlette cancels this at once and the
                # finally below drops the request's segments; waiting for the next segment to finish
                # first kept departed listeners in the scheduler, sharing workers with live ones
                chunk = await admission.in_thread(next, iterator, None, abandon_on_cancel=True)
                if chunk is None:
                    return
                yield to_int16(chunk).tobytes()
        finally:
            speech.close()  # quick and non-blocking: it cancels the ticket, which wakes the waiting thread
            leave()


async def _drop_when_gone(request: Request, speech: SpeechStream) -> None:
    """While a whole-file request renders, check every half second that its client is still there;
    if not, drop its remaining segments instead of rendering audio nobody will receive."""
    while True:
        await anyio.sleep(0.5)
        if await request.is_disconnected():
            log.info("client of a whole-file request went away; dropping its segments")
            speech.close()
            return


async def _collect_while_connected(request: Request, speech: SpeechStream, admission: Admission):
    """All of a request's audio, rendered only while its client is still connected."""
    failure: Exception | None = None
    async with anyio.create_task_group() as watch:
        watch.start_soon(_drop_when_gone, request, speech)
        try:
            audio = (await admission.in_thread(collect, speech)).audio
        except Exception as exc:  # re-raised below, outside the task group, as it is
            failure = exc
        watch.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return audio


def _headers(speech: SpeechStream) -> dict[str, str]:
    """Response headers. ``X-TTS-Notice`` says how the request was served (in English); ``X-TTS-Fallback``
    says the embedded engine spoke instead of the chosen one. A streamed response can only carry what is
    known when its headers go out: notices from the start of the request, not a fallback in mid-stream."""
    headers = {
        "X-Sample-Rate": str(speech.sample_rate),
        "X-Segments": str(len(speech.segments)),
        "X-Engine": speech.engine_name,
        "Cache-Control": "no-store",
    }
    if speech.notices:
        headers["X-TTS-Notice"] = header_text(speech.notices)
    fallbacks = [notice for notice in speech.notices if notice.is_fallback]
    if fallbacks:
        headers["X-TTS-Fallback"] = DEFAULT_ENGINE
        headers["X-TTS-Fallback-Reason"] = header_text(fallbacks)
    return headers

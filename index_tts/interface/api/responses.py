"""How the API answers: errors with one JSON body, audio whole or streamed, and the headers that say how.

Requests go straight to the model manager (not through the page's queue). The manager refuses a
request when the speech already accepted would keep it waiting longer than ``--max-wait``
(``serving/admission.py``); here that becomes a 503 whose Retry-After is that wait. A count of
places (``Admission``) bounds the threads the API's requests may hold.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import weakref
from collections.abc import AsyncIterator, Callable

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ...common.audio import MEDIA_TYPES, encode, to_int16, wav_stream_header
from ...common.errors import TTSError
from ...common.notices import header_text
from ...engines import DEFAULT_ENGINE
from ...serving.admission import ServerBusy
from ...serving.request import SpeechRequest
from ...serving.scheduler import Cancelled
from ...serving.speech_stream import SpeechStream, SynthesisResult, collect
from ...serving.subtitles import SUBTITLE_FORMATS, SUBTITLE_MEDIA_TYPES, cues
from ...serving.timestamps import align
from .context import Admission, ApiContext
from .models import ErrorBody

log = logging.getLogger(__name__)

_ERRORS = {
    400: "bad input: the message says which field and why",
    401: "missing or wrong API key (only with --api-key)",
    404: "not found: an unknown, used or expired stream token, take or voice",
    429: "too many requests from this client (only with --rate-limit); see Retry-After",
    500: "the engine failed on this request; the server keeps serving",
    503: "busy or shutting down; see Retry-After",
}
AUDIO_SCHEMA = {"schema": {"type": "string", "format": "binary"}}
SUBTITLE_SCHEMA = {"schema": {"type": "string"}}
TIMESTAMPS = "timestamps"  # ``speak``'s format for the audio with its timings as JSON


def documented(ok: dict[str, dict], *codes: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` for a route: its 200 content and the error codes it can answer."""
    responses: dict[int | str, dict] = {200: {"description": "OK", "content": ok}}
    for code in codes:
        responses[code] = {"description": _ERRORS[code], "model": ErrorBody}
    return responses


def error(status: int, message: str, kind: str = "invalid_request_error", retry_after: float | None = None) -> JSONResponse:
    """Every error the API answers: ``{"error": {"message", "type"}}``, with Retry-After when it says when."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else None
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status, headers=headers)


def rate_limited(ctx: ApiContext, request: Request, endpoint: str) -> JSONResponse | None:
    """429 when this client has used its synthesis requests for the minute (``--rate-limit``), else None."""
    if ctx.rate_limiter is None:
        return None
    wait = ctx.rate_limiter.wait_seconds(request.client.host if request.client else "unknown")
    if not wait:
        return None
    ctx.manager.metrics.failed(endpoint, "rate_limited")
    message = f"too many requests: at most {ctx.rate_limiter.per_minute} per minute; try again in {math.ceil(wait)} s"
    return error(429, message, "rate_limit_exceeded", retry_after=wait)


def full(ctx: ApiContext, endpoint: str) -> JSONResponse:
    """503 when every place for API requests is taken; retry when the work accepted is expected to be done."""
    ctx.manager.metrics.failed(endpoint, "busy")
    wait = ctx.manager.admission.retry_after()
    return error(503, f"the server is busy, try again in {wait} s", "server_busy", retry_after=wait)


async def speak(ctx: ApiContext, job: SpeechRequest, fmt: str, stream: bool, endpoint: str, request: Request) -> Response:
    """A request answered as audio: streamed as segments finish, or as one file once all are rendered."""
    leave = ctx.admission.enter()
    if leave is None:
        return full(ctx, endpoint)
    try:
        speech = await ctx.admission.in_thread(ctx.manager.stream, job, endpoint)
    except BaseException as exc:
        leave()
        if isinstance(exc, TTSError):
            return error(400, str(exc))
        if isinstance(exc, ServerBusy):  # the work already accepted would keep this one waiting too long
            return error(503, str(exc), "server_busy", retry_after=exc.retry_after_s)
        raise
    # backstop: a stream whose body generator is dropped without being closed still gives its place back
    weakref.finalize(speech, leave)
    if stream and fmt in ("wav", "pcm"):
        return streamed(speech, fmt, ctx.admission, leave)
    try:
        result = await _collect_while_connected(request, speech, ctx.admission)
    except TTSError as exc:
        return error(400, str(exc))
    except Cancelled:  # the server is stopping and the drain time ran out
        return error(503, "the server is shutting down, try again shortly", "server_busy", retry_after=5)
    except Exception as exc:  # a failure inside the engine: say so, keep serving
        log.exception("request failed")
        return error(500, f"synthesis failed: {exc}", "server_error")
    finally:
        leave()
    data, media_type = await ctx.admission.in_thread(_answer, result, job.text, fmt)
    return Response(data, media_type=media_type, headers=headers(speech))


def _answer(result: SynthesisResult, typed: str, fmt: str) -> tuple[bytes, str]:
    """The body and its media type: audio in ``fmt``, subtitles (srt, vtt), or the WAV with its timings as
    JSON (``timestamps``: ``audio_base64``, ``sample_rate``, ``alignment``, ``segments``)."""
    if fmt not in SUBTITLE_FORMATS and fmt != TIMESTAMPS:
        return encode(result.audio, result.sample_rate, fmt), MEDIA_TYPES[fmt]
    alignment = align(typed, result.spoken, result.audio_seconds)
    if fmt in SUBTITLE_FORMATS:
        return SUBTITLE_FORMATS[fmt](cues(alignment)).encode(), f"{SUBTITLE_MEDIA_TYPES[fmt]}; charset=utf-8"
    body = {
        "audio_base64": base64.b64encode(encode(result.audio, result.sample_rate, "wav")).decode(),
        "sample_rate": result.sample_rate,
        "alignment": alignment.to_json(),
        "words": [w.to_json() for w in alignment.words],
        "segments": [s.to_json() for s in alignment.segments],
    }
    return json.dumps(body, ensure_ascii=False).encode(), "application/json"


def streamed(
    speech: SpeechStream, fmt: str, admission: Admission, leave: Callable[[], None], extra: dict[str, str] | None = None
) -> StreamingResponse:
    """The audio as segments finish (``extra``: more headers)."""
    chunks = _chunks(speech, fmt, admission, leave)
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers={**headers(speech), **(extra or {})})


async def _chunks(speech: SpeechStream, fmt: str, admission: Admission, leave: Callable[[], None]) -> AsyncIterator[bytes]:
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


async def _collect_while_connected(request: Request, speech: SpeechStream, admission: Admission) -> SynthesisResult:
    """The whole request, rendered only while its client is still connected."""
    failure: Exception | None = None
    async with anyio.create_task_group() as watch:
        watch.start_soon(_drop_when_gone, request, speech)
        try:
            result = await admission.in_thread(collect, speech)
        except Exception as exc:  # re-raised below, outside the task group, as it is
            failure = exc
        watch.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return result


def headers(speech: SpeechStream) -> dict[str, str]:
    """Response headers. ``X-TTS-Notice`` says how the request was served (in English); ``X-TTS-Fallback``
    says the embedded engine spoke instead of the chosen one. A streamed response can only carry what is
    known when its headers go out: notices from the start of the request, not a fallback in mid-stream."""
    told = {
        "X-Sample-Rate": str(speech.sample_rate),
        "X-Segments": str(len(speech.segments)),
        "X-Engine": speech.engine_name,
        "Cache-Control": "no-store",
    }
    if speech.notices:
        told["X-TTS-Notice"] = header_text(speech.notices)
    fallbacks = [notice for notice in speech.notices if notice.is_fallback]
    if fallbacks:
        told["X-TTS-Fallback"] = DEFAULT_ENGINE
        told["X-TTS-Fallback-Reason"] = header_text(fallbacks)
    return told

"""``GET /api/stream/{token}``: the page's own player fetches the stream its button prepared; and the timings of
its words so far (``/timings``), for the follow-along text."""

from __future__ import annotations

import weakref

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from ...common.audio import MEDIA_TYPES
from ...serving.takes import KEPT_FIELDS, keep_streamed
from ...serving.timestamps import align
from .context import Api
from .responses import AUDIO_SCHEMA, documented, error, full, streamed

router = APIRouter()


@router.get(
    "/api/stream/{token}",
    response_model=None,
    response_class=Response,
    responses=documented({MEDIA_TYPES["pcm"]: AUDIO_SCHEMA}, 404, 503),
    include_in_schema=False,  # the page's own player: the token comes from the page, not from a client
)
async def page_stream(token: str, ctx: Api) -> Response:
    """Raw 24 kHz s16le PCM of a request the page prepared (its play-while-synthesizing button)."""
    speech = ctx.handoff.claim(token) if ctx.handoff is not None else None
    if speech is None:
        return error(404, "this stream is unknown or was already played; press the button again", "not_found")
    leave = ctx.admission.enter()
    if leave is None:
        speech.close()
        return full(ctx, speech.endpoint)
    weakref.finalize(speech, leave)
    lead = {"X-Playback-Lead-Seconds": f"{speech.playback_lead_s:.2f}"}  # the player's start-up buffer
    return streamed(speech, "pcm", ctx.admission, leave, lead)


@router.get("/api/stream/{token}/timings", include_in_schema=False)
def page_stream_timings(token: str, ctx: Api) -> Response:
    """The follow-along pieces of a stream the page is playing, as far as it has been rendered."""
    speech = ctx.handoff.played(token) if ctx.handoff is not None else None
    if speech is None:
        return error(404, "this stream is unknown or too old", "not_found")
    spoken = tuple(speech.spoken)  # segments so far, in order (the stream's thread appends to it)
    seconds = spoken[-1].end if spoken else 0.0
    alignment = align(speech.text, spoken, seconds)
    out = speech.kept_chunks if speech.kept_chunks is not None else spoken  # a kept stream is done once saved
    body: dict = {"pieces": alignment.pieces(), "seconds": round(seconds, 3), "done": len(out) == len(speech.segments)}
    take = keep_streamed(speech) if body["done"] else None
    if take is not None:  # the whole stream has gone out: it is a take, for the page's history and downloads
        body["take"] = {key: take[key] for key in KEPT_FIELDS}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})

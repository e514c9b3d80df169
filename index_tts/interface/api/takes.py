"""``/api/takes/{name}``: the page's history plays, downloads and deletes its own takes.

A take's name carries 128 random bits (``serving.outputs``); the page that made it keeps the name in the
visitor's browser, and the name is what fetches it. Any other name, guessed or malformed, is a 404.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from ...serving.outputs import delete_take, take_file
from .responses import error

router = APIRouter()

_MEDIA_TYPES = {"wav": "audio/wav", "srt": "application/x-subrip; charset=utf-8"}


@router.get("/api/takes/{name}", include_in_schema=False)
def take(name: str) -> Response:
    """A take's WAV or SRT, while the app keeps it (its retention rules: count, size, age)."""
    path = take_file(name)
    if path is None:
        return error(404, "no such take: it was deleted, or is older than the app keeps", "not_found")
    headers = {"Cache-Control": "private, max-age=86400"}
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix[1:]], filename=path.name, headers=headers)


@router.delete("/api/takes/{stem}", include_in_schema=False)
def forget_take(stem: str) -> Response:
    """Delete a take's files (the history's delete and clear buttons)."""
    if not delete_take(stem):
        return error(404, "no such take", "not_found")
    return Response(status_code=204)

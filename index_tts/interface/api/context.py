"""What the API's routes need, held by the app (``app.state.api``) and handed to each route by FastAPI.

Routes are plain functions of the modules beside this one; they take ``ApiContext`` as ``ctx: Api``
instead of closing over a manager, so each can be read, and tested, on its own.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import anyio
import fastapi
from fastapi import Depends, Request

from ...ops.rate_limit import RateLimiter
from ...serving.manager import ModelManager
from ..stream_handoff import StreamHandoff
from .models import OPENAI_VOICES

T = TypeVar("T")


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


@dataclass
class ApiContext:
    """The API's dependencies: the model manager, the API key, the places for requests, the rate limit,
    the page's prepared streams, and the page's queue (for ``/health``)."""

    manager: ModelManager
    api_key: str | None = None
    admission: Admission = field(default_factory=lambda: Admission(64))
    rate_limiter: RateLimiter | None = None
    handoff: StreamHandoff | None = None
    queue_state: Callable[[], dict[str, int]] = lambda: {"waiting": 0, "running": 0}

    def voice_for(self, name: str | None) -> str | None:
        """A voice name as the engine knows it: OpenAI's names map onto the engine's voices in turn."""
        if name in OPENAI_VOICES:
            voices = self.manager.engine.house_voices()
            return voices[OPENAI_VOICES.index(name) % len(voices)]
        return name


def api(request: Request) -> ApiContext:
    """The app's ``ApiContext`` (a FastAPI dependency)."""
    return request.app.state.api


Api = Annotated[ApiContext, Depends(api)]  # a route's parameter ``ctx: Api`` receives the app's context


def check_key(request: Request) -> None:
    """With an API key set, every route that depends on this needs ``Authorization: Bearer KEY``."""
    key = api(request).api_key
    if key is None:
        return
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {key}".encode()):
        raise fastapi.HTTPException(401, "missing or wrong API key: send 'Authorization: Bearer <key>'")

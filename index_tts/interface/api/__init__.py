"""The HTTP API on the same port as the page, one module per concern.

``openai_compat`` (OpenAI's speech call and the voice list), ``tts`` (our JSON call with every
control), ``streaming`` (the page's player), ``takes`` (the page's history), ``ops`` (health and metrics). Their routes are plain
functions that take the app's ``ApiContext`` (``context``); ``responses`` says how they answer.
"""

from __future__ import annotations

from collections.abc import Callable

import fastapi
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...common.errors import TTSError
from ...ops.rate_limit import RateLimiter
from ...serving.manager import ModelManager
from ..stream_handoff import StreamHandoff
from . import openai_compat, ops, streaming, takes, tts
from .context import Admission, ApiContext
from .responses import error

__all__ = ["Admission", "ApiContext", "add_api_routes"]


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors())
    return error(400, problems)


async def _tts_error(_request: Request, exc: TTSError) -> JSONResponse:
    return error(400, str(exc))


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Also the framework's own, e.g. a body that is not JSON: the same JSON body as every other error."""
    kind = "authentication_error" if exc.status_code == 401 else "invalid_request_error"
    return error(exc.status_code, str(exc.detail), kind)


def add_api_routes(
    app: fastapi.FastAPI,
    manager: ModelManager,
    api_key: str | None = None,
    max_inside: int = 64,
    rate_limiter: RateLimiter | None = None,
    handoff: StreamHandoff | None = None,
    queue_state: Callable[[], dict[str, int]] | None = None,
) -> ApiContext:
    """The API on ``app``: with ``api_key`` every route but /health needs ``Authorization: Bearer``; at most
    ``max_inside`` API requests at once (503 beyond); with ``rate_limiter`` each client gets at most its
    number of synthesis requests per minute (429 beyond); ``handoff`` holds the streams the page prepared
    for its player; ``queue_state`` reports the page's queue in /health."""
    ctx = ApiContext(manager, api_key, Admission(max_inside), rate_limiter, handoff)
    if queue_state is not None:
        ctx.queue_state = queue_state
    app.state.api = ctx
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(TTSError, _tts_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    for module in (ops, openai_compat, tts, streaming, takes):
        app.include_router(module.router)
    return ctx

"""Routes for whoever runs the app: ``GET /health`` (open, for monitoring) and ``GET /metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...serving.metrics import CONTENT_TYPE
from .context import Api, check_key
from .responses import documented

router = APIRouter()


@router.get("/health")
def health(ctx: Api) -> dict[str, Any]:
    """The model's state, the scheduler and backlog, and the page's queue (never behind the API key)."""
    report = ctx.manager.health()
    state = ctx.queue_state()
    report["queue"] = state
    report["queue_depth"] = state["waiting"]
    return report


@router.get(
    "/metrics",
    dependencies=[Depends(check_key)],
    response_class=Response,
    responses=documented({CONTENT_TYPE: {"schema": {"type": "string"}}}, 401),
)
def metrics(ctx: Api) -> Response:
    return Response(ctx.manager.metrics.render(), media_type=CONTENT_TYPE)

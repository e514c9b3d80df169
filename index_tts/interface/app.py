"""The web app: one FastAPI app on one port, with the API's routes first and the page mounted at "/"."""

from __future__ import annotations

from typing import Any

import fastapi
import gradio as gr
from fastapi.staticfiles import StaticFiles

from ..common.settings import Settings
from ..ops import page_font
from ..ops.rate_limit import make_rate_limiter
from ..serving.manager import ModelManager
from ..voice.reference_audio import MAX_BYTES as UPLOAD_MAX_BYTES
from .api import add_api_routes
from .boot_language import BootLanguage
from .replica_header import ReplicaHeader
from .stream_handoff import StreamHandoff
from .ui import build_page
from .ui.assets import page_css, page_head


def queue_state(demo: gr.Blocks) -> dict[str, int]:
    """Waiting and running events in the Gradio queue (0 before the queue starts)."""
    queue = getattr(demo, "_queue", None)
    if queue is None:
        return {"waiting": 0, "running": 0}
    return {"waiting": len(queue), "running": queue.get_active_worker_count()}


def build_web_app(settings: Settings, manager: ModelManager) -> fastapi.FastAPI:
    """The page (its queue bounded by ``--max-active`` and ``--max-queue``) and the API, on one app."""
    limiter = make_rate_limiter(settings.rate_limit, manager.shared_store)
    handoff = StreamHandoff()  # the page's streams, prepared by its button and fetched by its player
    demo = build_page(manager, settings.lang, limiter, handoff)
    concurrency = 1 if settings.naive else settings.max_active
    demo.queue(default_concurrency_limit=concurrency, max_size=settings.max_queue, api_open=False)
    manager.waiting_elsewhere = lambda: queue_state(demo)["waiting"]
    # The HTTP API's schema is served for clients and fuzzers; the docs pages are off (they load from a CDN).
    app = fastapi.FastAPI(title="IndexTTS", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    add_api_routes(
        app,
        manager,
        settings.api_key,
        max_inside=concurrency + settings.max_queue,
        rate_limiter=limiter,
        handoff=handoff,
        queue_state=lambda: queue_state(demo),
    )
    if page_font.available():  # the page's Chinese font, served from this machine
        app.mount(page_font.URL_PATH, StaticFiles(directory=page_font.FONT_DIR), name="page-font")
    app.add_middleware(BootLanguage, default_lang=settings.lang)  # Gradio's own strings start in the page's language
    if settings.replica_name:  # behind the balancer every answer says which replica gave it
        app.add_middleware(ReplicaHeader, name=settings.replica_name)
    return gr.mount_gradio_app(app, demo, path="/", auth=settings.credentials, **mount_options(settings))


def mount_options(settings: Settings) -> dict[str, Any]:
    """How Gradio serves the page: offline, no monitoring dashboard, uploads bounded."""
    return {
        "footer_links": ["api"],
        "run_history": False,
        "server_name": settings.host,
        "server_port": settings.port,
        "head": page_head(),
        "css": page_css(),
        "enable_monitoring": False,  # Gradio's dashboard is not for visitors; /metrics serves monitoring
        "max_file_size": UPLOAD_MAX_BYTES,  # uploads beyond this are refused by Gradio before we see them
    }

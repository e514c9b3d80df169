"""The WebUI page: panels (``panels``) laid out here, their events wired (``wiring``), the buttons' work
in ``actions``, the request controls declared once in ``controls``."""

from __future__ import annotations

import gradio as gr

from ...common.i18n import t
from ...ops.rate_limit import RateLimiter
from ...serving.manager import ModelManager
from ..stream_handoff import StreamHandoff
from . import panels, wiring
from .panels import EXAMPLES, Page


def build_page(
    manager: ModelManager, lang: str, limiter: RateLimiter | None = None, handoff: StreamHandoff | None = None
) -> gr.Blocks:
    """The whole page in ``lang`` (the visitor can switch); ``limiter`` bounds each visitor's requests,
    ``handoff`` passes the stream button's requests to the page's player."""
    engine = manager.engine
    page = Page(lang, engine.name, engine.capabilities)
    with gr.Blocks(title="IndexTTS", delete_cache=(3600, 3600)) as demo:
        page.control("ui_lang", gr.State(lang))
        panels.header(page)
        if manager.fallback_notice:
            reason = manager.fallback_notice.values["reason"]
            gr.Markdown(t("fallback_banner", lang, reason=reason), elem_id="fallback-banner")
        with gr.Row(elem_id="main-row"):
            with gr.Column(scale=3, elem_id="main-left"):
                panels.text_panel(page)
                panels.voice_panel(page, manager)
                panels.emotion_panel(page)
                panels.advanced_panel(page, manager)
                panels.presets_panel(page)
                gr.Examples(EXAMPLES, inputs=[page.controls["text"]], label=f"{t('examples', 'zh')} / {t('examples', 'en')}")
            with gr.Column(scale=2, elem_id="main-right"):
                panels.result_panel(page)
                panels.history_panel(page)
        wiring.wire_buttons(page, manager, limiter, handoff)
        wiring.wire_text(page, manager)
        wiring.wire_voice_preview(page, manager)
        wiring.wire_emotion_mode(page)
        wiring.wire_language(page, demo)
        wiring.wire_presets(page, demo)
        wiring.wire_history(page)
    return demo

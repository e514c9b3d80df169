"""The page's own scripts and style: the streamed-audio player, the language hook, the phone layout, the font."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from ...common.i18n import stream_labels
from ...ops import page_font
from ..boot_language import STORAGE_KEY

STATIC = Path(__file__).resolve().parent / "static"
PLAYER_SCRIPT = STATIC / "stream_player.js"
FOLLOW_SCRIPT = STATIC / "follow_along.js"
HISTORY_SCRIPT = STATIC / "history.js"
LANGUAGE_SCRIPT = STATIC / "page_language.js"
PAGE_STYLE = STATIC / "page.css"


def page_css() -> str:
    """The page's own style: the phone layout (static/page.css)."""
    return PAGE_STYLE.read_text(encoding="utf-8")


def gradio_core_module() -> str:
    """The file name of Gradio's frontend core module (it exports ``changeLocale``), or "" if not found."""
    found = sorted((Path(gr.__file__).resolve().parent / "templates" / "frontend" / "assets").glob("core-*.js"))
    return found[0].name if len(found) == 1 else ""


def page_head() -> str:
    """The page's ``<script>``s: the player that plays streamed PCM with Web Audio, the follow-along text, the
    history of takes, and the hook that moves Gradio's own strings to the page's language; and the page's Chinese font, when it is
    in place."""
    language = LANGUAGE_SCRIPT.read_text(encoding="utf-8").replace("__CORE_MODULE__", gradio_core_module())
    language = language.replace("__STORAGE_KEY__", STORAGE_KEY)
    scripts = "\n".join(
        f"<script>{script}</script>"
        for script in (*(path.read_text(encoding="utf-8") for path in (PLAYER_SCRIPT, FOLLOW_SCRIPT, HISTORY_SCRIPT)), language)
    )
    if not page_font.available():
        return scripts
    return f'<link rel="stylesheet" href="{page_font.URL_PATH.lstrip("/")}/{page_font.STYLESHEET}">\n{scripts}'


# runs in the page on each language switch (input: the page's language)
SET_LOCALE_JS = "async (lang) => { if (window.indexTTSSetLocale) await window.indexTTSSetLocale(lang); return []; }"


def restore_language_js(default_lang: str) -> str:
    """Runs on page load: the language this visitor chose last (boot_language.py), for the switch."""
    return f"() => window.indexTTSPageLang || {json.dumps(default_lang)}"


# the stream button's click time, so the player's "first sound after" counts from the click
STREAM_CLICKED_JS = "(...values) => { window.indexTTSClickedAt = performance.now(); return values; }"


def stream_player_js() -> str:
    """Runs after the stream button's request was prepared: plays it (inputs: the token, the page's language)."""
    labels = json.dumps(stream_labels(), ensure_ascii=False)
    return f"(token, ui) => {{ if (token) window.indexTTSPlay(token, {labels}[ui || 'zh']); return []; }}"

"""The page's history of takes: each visitor's last 20 results, kept in their own browser.

A take is saved on the server under a name nobody can guess (``serving.outputs``), its WAV and SRT served
back by that name only (``api/takes``). The list — text, voice, every setting, duration, time and the
name — lives in the visitor's browser (``static/history.js``, localStorage), so it survives a reload and
a restart of the server and no visitor sees another's. "Use these settings again" sends a take's settings
back here and gets every control's value in return, the uploaded clips too (kept beside the take's audio,
under the same rules, and named in the settings by their kept file names).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

import gradio as gr

from ...common.i18n import history_labels, t
from ...serving.outputs import take_file
from ...serving.takes import CLIP_SETTINGS
from .controls import PAGE_FIELDS

KEPT = 20
# every control a take restores: all of the page's but the page's own language
RESTORED: tuple[str, ...] = tuple(name for name in PAGE_FIELDS if name != "ui_lang")
# runs in the page once a take is shown (input: the take as JSON): it goes to the top of the history
ADD_JS = "(take) => { if (take && window.indexTTSHistoryAdd) window.indexTTSHistoryAdd(JSON.parse(take)); return []; }"
# runs when "use these settings again" is pressed: the picked take's settings, as the restore event's input
PICKED_JS = "(...ignored) => [window.indexTTSHistoryPicked || '']"  # {"settings": ..., "lang": the page's}


def settings_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a take keeps: every restored control's value."""
    return {name: values.get(name) for name in RESTORED}


def history_html() -> str:
    """The history's box; the script fills it from the browser's list, in the page's language."""
    labels = html.escape(json.dumps(history_labels(), ensure_ascii=False), quote=True)
    return f'<div class="history-box" data-labels="{labels}" data-kept="{KEPT}"></div>'


def restore_settings(picked: str) -> list[Any]:
    """Each restored control's value from a picked take (``{"settings": ..., "lang": ...}`` as JSON), in
    ``RESTORED``'s order; a control the take does not name is left as it is."""
    try:
        chosen = json.loads(picked or "{}")
    except json.JSONDecodeError:
        chosen = {}
    settings = chosen.get("settings") if isinstance(chosen, dict) else None
    if not isinstance(settings, dict) or not settings:
        return [gr.skip()] * len(RESTORED)
    lang = chosen.get("lang") or "zh"
    gr.Info(t("history_restored", lang), title="✓")
    return [_clip(settings, name, lang) if name in CLIP_SETTINGS else _value(settings, name) for name in RESTORED]


def _value(settings: Mapping[str, Any], name: str) -> Any:
    """A control's value from a take, or no change where the take does not name it."""
    return settings[name] if settings.get(name) is not None else gr.skip()


def _clip(settings: Mapping[str, Any], name: str, lang: str) -> Any:
    """A clip box's value from a take: the kept clip's file, None where the take had no clip, and no change
    for a take that predates kept clips. A clip no longer kept empties the box, and the page says so."""
    if name not in settings:
        return gr.skip()
    kept = settings[name]
    path = take_file(kept) if isinstance(kept, str) else None
    if kept and path is None:
        gr.Warning(t("history_clip_gone", lang), title="⚠️")
    return str(path) if path is not None else None

"""The presets panel's actions: save the page's delivery settings under a name, load them back.

A bad name or value is a warning in the page's language and changes nothing (no error on any control).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr

from ...common.i18n import t
from ...serving.presets import PresetError, list_presets, load_preset, make_preset, save_preset
from ...voice.emotion import EMOTIONS
from .controls import fields_from_page


def save_preset_for_page(name: str, values: Mapping[str, Any], lang: str) -> Any:
    """Save the page's delivery settings under ``name``: the preset list's update, now holding it. A bad
    name or value is a warning in the page's language and changes nothing (no error on any control)."""
    try:
        fields = fields_from_page(values, sampling=False)
        saved = save_preset(name, make_preset(fields)).stem
    except PresetError as exc:
        gr.Warning(t(exc.key, lang, **exc.values), title="⚠️")
        return gr.skip()
    gr.Info(t("preset_stored", lang, name=saved), title="✓")
    return gr.update(choices=list_presets(), value=saved)


def load_preset_for_page(name: str | None, controls: Sequence[str], lang: str) -> list:
    """The saved values for the page's ``controls`` (names of ``controls.PAGE_FIELDS``), in that order; when there is
    nothing to load, a warning in the page's language and every control left as it was."""
    if not (name or "").strip():
        gr.Warning(t("preset_none_chosen", lang), title="⚠️")
        return [gr.skip()] * len(controls)
    try:
        preset = load_preset(name or "")
    except PresetError as exc:
        gr.Warning(t(exc.key, lang, **exc.values), title="⚠️")
        return [gr.skip()] * len(controls)
    saved = preset.model_dump()
    emotions = dict(zip(EMOTIONS, saved.pop("emotion"), strict=True))
    saved["emotion_mode"] = saved["emotion_mode"].value if hasattr(saved["emotion_mode"], "value") else saved["emotion_mode"]
    gr.Info(t("preset_loaded", lang, name=(name or "").strip()), title="✓")
    return [emotions[name] if name in emotions else saved[name] for name in controls]


def preset_choices() -> Any:
    """The preset list as it is on disk (every page load asks: presets saved in another tab or before a restart)."""
    return gr.update(choices=list_presets())

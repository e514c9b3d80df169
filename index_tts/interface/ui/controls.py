"""The page's controls that make a request, declared once: their names, order and defaults.

This declaration is the source of the buttons' inputs (and the names and defaults of the Gradio API's
``/synthesize`` parameters), of the fields a preset stores, and of the tests' page values. Most
controls carry a request field's own name and default (``SpeechRequest``); the eight emotion sliders
and the sampling sliders are gathered into their fields by ``fields_from_page``; ``text_language`` is
the request's ``language``; ``ui_lang`` is the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from ...common.errors import TTSError
from ...common.i18n import t
from ...engines.sampling import SAMPLING_DEFAULTS
from ...serving.presets import PRESET_FIELDS
from ...serving.request import SpeechRequest, max_text_chars
from ...voice.emotion import EMOTIONS

PAGE_FIELDS: tuple[str, ...] = (
    "text", "voice", "reference_audio", "emotion_mode", "emotion_audio", "emotion_weight", *EMOTIONS,
    "emotion_random", "emotion_text", "speed", "seed", "text_language", "max_segment", "ui_lang",
    *SAMPLING_DEFAULTS, "interval_silence", "pitch",
)  # fmt: skip
_RENAMED = {"text_language": "language"}  # the page's name -> the request field's


def _default(name: str) -> Any:
    if name in EMOTIONS:
        return 0.0
    if name in SAMPLING_DEFAULTS:
        return SAMPLING_DEFAULTS[name]
    if name == "ui_lang":
        return "zh"
    if name == "text":
        return ""
    value = SpeechRequest.model_fields[_RENAMED.get(name, name)].default
    return value.value if isinstance(value, Enum) else value


PAGE_DEFAULTS: dict[str, Any] = {name: _default(name) for name in PAGE_FIELDS}
# the controls a preset sets (serving.presets.PRESET_FIELDS, the emotion sliders among them)
PRESET_CONTROLS: tuple[str, ...] = tuple(name for name in PAGE_FIELDS if name in PRESET_FIELDS or name in EMOTIONS)


def page_values(text: str = "", **settings: Any) -> dict[str, Any]:
    """Every control at its default with ``text``, then ``settings`` (emotion sliders by emotion name)."""
    unknown = set(settings) - set(PAGE_FIELDS)
    if unknown:
        raise KeyError(f"not controls of the page: {sorted(unknown)}")
    return {**PAGE_DEFAULTS, "text": text, **settings}


def fields_from_page(values: Mapping[str, Any], sampling: bool) -> dict[str, Any]:
    """The page's values under the request's field names (``sampling``: the engine takes sampling keywords)."""
    fields = {name: values[name] for name in PAGE_FIELDS if name in values}
    fields.pop("ui_lang", None)
    if any(name in fields for name in EMOTIONS):
        fields["emotion"] = tuple(float(fields.pop(name, 0.0) or 0.0) for name in EMOTIONS)
    if "text_language" in fields:
        fields["language"] = fields.pop("text_language") or "auto"
    chosen = {name: fields.pop(name) for name in SAMPLING_DEFAULTS if name in fields}
    if sampling:
        fields["sampling"] = {name: value for name, value in chosen.items() if value is not None}
    for name in ("voice", "reference_audio", "emotion_audio"):
        if name in fields:
            fields[name] = fields[name] or None
    for name in ("text", "emotion_text"):  # an untouched textbox may send None
        if name in fields:
            fields[name] = fields[name] or ""
    return fields


def request_from_page(values: Mapping[str, Any], sampling: bool, lang: str = "en") -> SpeechRequest:
    """The one request both buttons send; ``TTSError`` says which control to fix."""
    fields = fields_from_page(values, sampling)
    limit = max_text_chars()
    if len(fields.get("text") or "") > limit:  # said in the page's language, with the limit
        raise TTSError(t("text_too_long", lang, n=len(fields["text"]), limit=limit))
    return SpeechRequest.build(**fields)

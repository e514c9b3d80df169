"""Saved delivery presets (voice, emotion, speed, seed, pitch) as small JSON files under ``outputs/presets/``.

A preset is a part of a ``SpeechRequest``: its fields, types and limits are the request's own.
A preset name becomes the file name, so it is limited to letters (any script), digits, spaces,
``-`` and ``_``: no dots or slashes, no way out of the folder. Files are written to a temp name
and renamed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from ..common.errors import TTSError
from .outputs import OUTPUT_DIR
from .request import VoiceName, explain, request_fields

PRESET_DIR = OUTPUT_DIR / "presets"


class PresetError(TTSError):
    """A preset that cannot be saved or loaded; ``key`` and ``values`` let the page say it in its language."""

    def __init__(self, message: str, key: str, **values: str) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


NAME = re.compile(r"[\w\- ]{1,40}")
PRESET_FIELDS = ("voice", "emotion_mode", "emotion", "emotion_weight", "emotion_text", "speed", "seed", "pitch")


class _PresetBase(BaseModel):
    model_config = ConfigDict(extra="ignore")  # files from an older version may hold more


Preset = create_model(
    "Preset",
    __base__=_PresetBase,
    __doc__="What a preset remembers: these fields of a request, with the request's limits.",
    **{**request_fields(*PRESET_FIELDS), "voice": (VoiceName, ...)},
)


def make_preset(fields: dict[str, Any]) -> BaseModel:
    """A preset from request fields (others are ignored); ``TTSError`` saying which one is out of range."""
    try:
        return Preset.model_validate({k: v for k, v in fields.items() if k in PRESET_FIELDS})
    except ValidationError as exc:
        reason = explain(exc)
        raise PresetError(reason, "preset_bad_value", reason=reason) from exc


def _path(name: str, folder: Path) -> Path:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise PresetError("a preset name is 1-40 letters, digits, spaces, - or _", "preset_bad_name")
    return folder / f"{name}.json"


def save_preset(name: str, preset: BaseModel, folder: Path | None = None) -> Path:
    folder = folder or PRESET_DIR
    path = _path(name, folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".preset.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(preset.model_dump_json(indent=2))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def list_presets(folder: Path | None = None) -> list[str]:
    folder = folder or PRESET_DIR
    return sorted(p.stem for p in folder.glob("*.json") if NAME.fullmatch(p.stem)) if folder.exists() else []


def load_preset(name: str, folder: Path | None = None) -> BaseModel:
    folder = folder or PRESET_DIR
    path = _path(name, folder)
    if not path.exists():
        saved = ", ".join(list_presets(folder)) or "none"
        raise PresetError(f"no preset named {name!r}; saved ones: {saved}", "preset_missing", name=name.strip())
    try:
        return Preset.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise PresetError(f"preset {name!r} is damaged; save it again", "preset_damaged", name=name.strip()) from exc

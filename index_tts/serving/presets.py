"""Saved delivery presets (voice, emotion, speed, seed, pitch) as small JSON files under ``outputs/presets/``.

A preset name becomes the file name, so it is limited to letters (any script),
digits, spaces, ``-`` and ``_``: no dots or slashes, no way out of the folder.
Files are written to a temp name and renamed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from ..common.errors import TTSError
from ..prosody.controls import PITCH_SHIFT_RANGE
from ..voice.emotion import DEFAULT_WEIGHT, EMOTIONS, EmotionMode
from .manager import SEED_RANGE, SPEED_RANGE
from .outputs import OUTPUT_DIR

PRESET_DIR = OUTPUT_DIR / "presets"
NAME = re.compile(r"[\w\- ]{1,40}")


class Preset(BaseModel):
    """What a preset remembers; the same ranges as a request."""

    voice: str = Field(..., min_length=1, max_length=200)
    emotion_mode: EmotionMode = EmotionMode.VOICE
    emotion: list[float] = Field(default_factory=lambda: [0.0] * len(EMOTIONS), min_length=8, max_length=8)
    emotion_weight: float = Field(DEFAULT_WEIGHT, ge=0.0, le=1.0)
    emotion_text: str = Field("", max_length=500)
    speed: float = Field(1.0, ge=SPEED_RANGE[0], le=SPEED_RANGE[1])
    seed: int = Field(0, ge=SEED_RANGE[0], le=SEED_RANGE[1])
    pitch: float = Field(0.0, ge=PITCH_SHIFT_RANGE[0], le=PITCH_SHIFT_RANGE[1])


def _path(name: str, folder: Path) -> Path:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise TTSError("a preset name is 1-40 letters, digits, spaces, - or _")
    return folder / f"{name}.json"


def save_preset(name: str, preset: Preset, folder: Path | None = None) -> Path:
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


def load_preset(name: str, folder: Path | None = None) -> Preset:
    folder = folder or PRESET_DIR
    path = _path(name, folder)
    if not path.exists():
        raise TTSError(f"no preset named {name!r}; saved ones: {', '.join(list_presets(folder)) or 'none'}")
    try:
        return Preset.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise TTSError(f"preset {name!r} is damaged; save it again") from exc

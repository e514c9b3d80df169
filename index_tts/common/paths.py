"""Where the app keeps its files: everything lives inside the repository folder."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def checkpoints_dir() -> Path:
    """The model folder: ``$INDEX_TTS_MODEL_DIR`` if set, else ``./checkpoints``."""
    return Path(os.environ.get("INDEX_TTS_MODEL_DIR") or REPO_ROOT / "checkpoints")


def cache_root() -> Path:
    """``./cache_hub`` (or ``$HF_HOME``): every cache the app and its libraries keep."""
    return Path(os.environ.get("HF_HOME") or REPO_ROOT / "cache_hub")


def cache_dir(name: str) -> Path:
    """A folder under ``./cache_hub`` for a library's own cache, so nothing is written outside the app."""
    folder = cache_root() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder

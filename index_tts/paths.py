"""Where the app keeps its files: everything lives inside the repository folder."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def checkpoints_dir() -> Path:
    """The model folder: ``$INDEX_TTS_MODEL_DIR`` if set, else ``./checkpoints``."""
    return Path(os.environ.get("INDEX_TTS_MODEL_DIR") or REPO_ROOT / "checkpoints")

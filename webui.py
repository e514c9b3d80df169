"""IndexTTS WebUI: starts the app. The page, the API and the speech work live in the ``index_tts`` package.

Run it with ``./start_app.sh`` (sets up the environment and the model first) or ``python webui.py --help``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# before gradio is imported: no phoning home, and uploads/results cached inside the app folder
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(__file__).resolve().parent / "cache_hub" / "gradio_tmp"))
# Gradio imports matplotlib when it is installed; keep its font cache in the app folder, not in HOME
os.environ.setdefault("MPLCONFIGDIR", str(Path(__file__).resolve().parent / "cache_hub" / "matplotlib"))

from index_tts.interface.launch import read_settings, run


def main(argv: list[str] | None = None) -> int:
    return run(read_settings(argv))


if __name__ == "__main__":
    sys.exit(main())

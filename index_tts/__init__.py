"""IndexTTS demo app: an offline, expressive text-to-speech library and WebUI.

The package is layered so every piece can be tested alone:
``frontend`` turns raw text into speakable segments, ``engines`` turn one
segment into audio, and ``synthesizer`` glues the two together.
"""

import os

# onnxruntime otherwise writes a telemetry device id under ~/.cache/Microsoft; the app stays in its folder.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"

SAMPLE_RATE = 24_000

"""IndexTTS demo app: an offline, expressive text-to-speech library and WebUI.

Folders by job, imports pointing one way (checked by ``lint-imports``): ``interface`` (CLI, web
server, page, HTTP API) and ``ops`` over ``serving`` (the one request type, the model manager,
the render loop, scheduler, cache) over ``voice`` (emotion and reference clips) over ``engines``
over ``prosody`` over ``frontend`` (text to segments) over ``common``.
"""

import os

# onnxruntime otherwise writes a telemetry device id under ~/.cache/Microsoft; the app stays in its folder.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"

SAMPLE_RATE = 24_000

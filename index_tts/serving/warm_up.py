"""Warm-up before the port opens: every worker renders once per language, then every voice is measured.

Why each step: onnxruntime's first run of a session is several times slower than the next (it
plans and allocates), and its memory arena grows to the longest input it has seen, so each worker
renders full-length segments once; the voice profiles (for reference clips) are read back from
``cache_hub`` after the first start, or measured now rather than in a visitor's first request.
All of it goes through the one request path, without the cache (its point is to run the engine).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..voice.profiles import VoiceProfiles
from .request import SpeechRequest

log = logging.getLogger(__name__)

WARM_UP_TEXT = {
    "zh": "欢迎来到人工智能展览馆，今天我们将一起体验富有表现力的语音合成技术，希望您喜欢。",
    "en": "Welcome to the exhibition, where today we will listen to expressive speech made on this small computer.",
    "ja": "こんにちは、今日は展示会へようこそ。",
}


def warm_up(
    languages: tuple[str, ...],
    workers: int,
    render: Callable[[SpeechRequest], object],
    profiles: VoiceProfiles | None = None,
) -> dict[str, float]:
    """Render each language's sentence ``workers`` times side by side (every worker's session runs once),
    then measure the voices not yet in ``profiles``; returns the seconds each step took."""
    seconds: dict[str, float] = {}
    workers = max(1, workers)
    for lang in languages:
        text = WARM_UP_TEXT.get(lang)
        if text is None:
            continue
        request = SpeechRequest(text=text, language=lang)
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(render, [request] * workers))
        seconds[lang] = round(time.perf_counter() - started, 3)
        log.info("warm-up %s in %.2fs", lang, seconds[lang])
    if profiles is not None:
        started = time.perf_counter()
        profiles.measure_all()
        seconds["voice_profiles"] = round(time.perf_counter() - started, 3)
        log.info("voice profiles ready in %.2fs", seconds["voice_profiles"])
    return seconds

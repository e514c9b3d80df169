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
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .request import SpeechRequest

if TYPE_CHECKING:
    from .manager import ModelManager

log = logging.getLogger(__name__)

WARM_UP_TEXT = {
    "zh": "欢迎来到人工智能展览馆，今天我们将一起体验富有表现力的语音合成技术，希望您喜欢。",
    "en": "Welcome to the exhibition, where today we will listen to expressive speech made on this small computer.",
    "ja": "こんにちは、今日は展示会へようこそ。",
}


def warm_up(manager: ModelManager) -> dict[str, float]:
    """Seconds spent per language and on the voice profiles."""
    seconds: dict[str, float] = {}
    workers = max(1, manager.config.sessions)
    for lang in manager.engine.languages:
        text = WARM_UP_TEXT.get(lang)
        if text is None:
            continue
        request = SpeechRequest(text=text, language=lang)
        started = time.perf_counter()
        # as many copies as workers, side by side, so every worker's session runs once
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda r: manager.synthesize(r, endpoint="warmup", use_cache=False), [request] * workers))
        seconds[lang] = round(time.perf_counter() - started, 3)
        log.info("warm-up %s in %.2fs", lang, seconds[lang])
    if manager.planner.matches_voices:
        started = time.perf_counter()
        manager.planner.profiles.measure_all()
        seconds["voice_profiles"] = round(time.perf_counter() - started, 3)
        log.info("voice profiles ready in %.2fs", seconds["voice_profiles"])
    return seconds

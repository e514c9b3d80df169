"""Warm-up before the port opens: only what a measurement showed a first visitor would otherwise pay.

Measured on a 2-core machine (BENCHMARKS.md, start-up):
- A fresh onnxruntime session's first call is no slower than its next ones (1.62 vs 1.64 s on an
  89-phoneme Chinese segment, 1.48 vs 1.49 s on an English one), so no long sentence is rendered
  per language and worker any more (that took 7.4 s of every start).
- Each front-end's dictionaries (jieba and pypinyin, espeak-ng, OpenJTalk) cost 0.8 / 0.3 / 0.1 s on
  first use: ``ModelManager.load`` loads them, it is not repeated here.
- Each voice's median pitch, which the Mandarin tones are placed against, costs 33-47 ms on first use:
  ``prepare_voices`` measures all of them here (0.2 s).
- Admission refuses work by its expected wait, which needs a measured render speed before the first
  request: one short sentence of two segments, which a lone request renders on two workers at once.
- The voice profiles (for voice reference clips) are shipped for the default engine or kept in
  ``cache_hub``; only an engine without them has its voices measured here.
All of it goes through the one request path, without the cache (its point is to run the engine).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..voice.profiles import VoiceProfiles
from .request import SpeechRequest

log = logging.getLogger(__name__)

# two segments (the short first one, then the rest) of two sizes, for the speed's fit
SPEED_TEXT = {"zh": "欢迎光临，请随便看看。", "en": "Welcome, please look around."}


def warm_up(
    languages: tuple[str, ...],
    render: Callable[[SpeechRequest], object],
    prepare_voices: Callable[[], None],
    profiles: VoiceProfiles | None = None,
) -> dict[str, float]:
    """Measure the voices' pitch, then the render speed (one short two-segment sentence), then any voice
    profiles not known yet; returns the seconds each step took."""
    seconds: dict[str, float] = {}

    def step(name: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        seconds[name] = round(time.perf_counter() - started, 3)
        log.info("warm-up %s in %.2fs", name, seconds[name])

    step("voice_registers", prepare_voices)
    lang = "zh" if "zh" in languages else languages[0]
    step("render_speed", lambda: render(SpeechRequest(text=SPEED_TEXT.get(lang, SPEED_TEXT["en"]), language=lang)))
    if profiles is not None and profiles.missing():
        step("voice_profiles", profiles.measure_all)
    return seconds

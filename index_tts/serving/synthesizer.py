"""Text in, audio out: the front-end prepares segments, the engine renders them, we join them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..common.audio import join_segments
from ..engines.base import Engine, Segment, SynthParams, pause_after
from ..frontend import TextFrontend
from ..frontend.segmenter import DEFAULT_MAX_UNITS

if TYPE_CHECKING:
    from ..voice.planner import Notice

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, Segment | None], None]


@dataclass(frozen=True)
class SynthesisResult:
    """Audio with what produced it and how long it took."""

    audio: np.ndarray
    sample_rate: int
    segments: list[Segment]
    seconds: float
    notes: tuple[str, ...] = ()  # e.g. that the fallback engine spoke it
    notices: tuple[Notice, ...] = ()  # how it was served: approximate voice match, a trimmed clip

    @property
    def audio_seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def rtf(self) -> float:
        """Real-time factor: compute seconds per second of audio (below 1 is faster than real time)."""
        return self.seconds / self.audio_seconds if self.audio_seconds else float("inf")


class Synthesizer:
    """One engine plus one front-end; thread-safe as long as the engine is."""

    def __init__(self, engine: Engine, frontend: TextFrontend | None = None) -> None:
        self.engine = engine
        self.frontend = frontend or TextFrontend(phoneme_budget=min(engine.max_phonemes - 10, 400))

    def check_voice(self, voice: str) -> None:
        self.engine.check_voice(voice)

    def plan(self, text: str, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS) -> list[Segment]:
        """The segments ``text`` will be spoken in; raises ``TTSError`` when nothing is speakable."""
        return self.frontend.process(text, language, max_units).segments

    def synthesize(
        self,
        text: str,
        params: SynthParams,
        language: str = "auto",
        max_units: int = DEFAULT_MAX_UNITS,
        progress: ProgressFn | None = None,
    ) -> SynthesisResult:
        """Render the whole text, calling ``progress(done, total, segment)`` as segments finish."""
        started = time.perf_counter()
        self.check_voice(params.voice)
        segments = self.plan(text, language, max_units)
        if progress:
            progress(0, len(segments), None)
        chunks: list[np.ndarray] = []
        for i, segment in enumerate(segments):
            chunks.append(self.engine.synthesize(segment, params))
            if progress:
                progress(i + 1, len(segments), segment)
        audio = join_segments(chunks, [pause_after(s, params) for s in segments], self.engine.sample_rate)
        result = SynthesisResult(audio, self.engine.sample_rate, segments, time.perf_counter() - started)
        log.info(
            "synthesis engine=%s voice=%s chars=%d segments=%d audio=%.2fs compute=%.2fs rtf=%.3f",
            self.engine.name,
            params.voice,
            len(text),
            len(segments),
            result.audio_seconds,
            result.seconds,
            result.rtf,
        )
        return result

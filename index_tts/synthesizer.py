"""Text in, audio out: the front-end prepares segments, the engine renders them, we join them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .audio import join_segments
from .engines.base import Engine, Segment, SynthParams
from .errors import TTSError
from .frontend import TextFrontend
from .frontend.segmenter import DEFAULT_MAX_UNITS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynthesisResult:
    """Audio with what produced it and how long it took."""

    audio: np.ndarray
    sample_rate: int
    segments: list[Segment]
    seconds: float

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
        if voice not in self.engine.voices():
            raise TTSError(f"unknown voice {voice!r}; choose one of: {', '.join(self.engine.voices())}")

    def segment_audio(
        self, text: str, params: SynthParams, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS
    ) -> Iterator[tuple[Segment, np.ndarray]]:
        """Yield each segment with its audio as soon as it is rendered (the basis for streaming)."""
        self.check_voice(params.voice)
        for segment in self.frontend.process(text, language, max_units).segments:
            yield segment, self.engine.synthesize(segment, params)

    def synthesize(
        self, text: str, params: SynthParams, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS
    ) -> SynthesisResult:
        """Render the whole text; raises ``TTSError`` for input that cannot be spoken."""
        started = time.perf_counter()
        segments: list[Segment] = []
        chunks: list[np.ndarray] = []
        for segment, audio in self.segment_audio(text, params, language, max_units):
            segments.append(segment)
            chunks.append(audio)
        audio = join_segments(chunks, [s.pause_ms for s in segments], self.engine.sample_rate)
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

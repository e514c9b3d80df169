"""One engine and one front-end: how a text is cut into segments, and speech rendered in the caller's thread.

``plan`` is the only place a request's text becomes segments; the model manager plans with it
too, so the page, the API and the CLI cut a text the same way. ``stream`` and ``synthesize``
render without a scheduler or cache through the one render loop (``speech_stream``); tools,
benchmarks and tests that set engine parameters themselves use them.
"""

from __future__ import annotations

from ..engines.base import Engine, SynthParams
from ..frontend import TextFrontend
from ..frontend.segment import Segment
from ..frontend.segmenter import DEFAULT_MAX_UNITS
from .request_ledger import RequestLedger
from .speech_stream import DirectRendering, ProgressFn, SpeechStream, SynthesisResult, collect

# The first segment of a request: a few words, so first audio comes after one short engine call.
FIRST_SEGMENT_UNITS = 6


class Synthesizer:
    """Thread-safe as long as the engine is."""

    def __init__(
        self,
        engine: Engine,
        frontend: TextFrontend | None = None,
        first_segment_units: int | None = None,
    ) -> None:
        """``first_segment_units`` cuts a short first segment, for a quick first audio (the server's
        setting, ``FIRST_SEGMENT_UNITS``); None keeps it as long as the others (the naive baseline, and
        tools that measure the engine on whole sentences)."""
        self.engine = engine
        self.frontend = frontend or TextFrontend(phoneme_budget=min(engine.max_phonemes - 10, 400))
        self.first_segment_units = first_segment_units
        self._ledger = RequestLedger(engine.name)

    def check_voice(self, voice: str) -> None:
        self.engine.check_voice(voice)

    def plan(
        self, text: str, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS, voice: str | None = None
    ) -> list[Segment]:
        """The segments ``text`` will be spoken in, its English phonemized as ``voice`` was trained to read it
        (British for the British voices); raises ``TTSError`` when nothing is speakable."""
        latin = self.engine.latin_reading(voice) if voice else "en-us"
        return self.frontend.process(text, language, max_units, self.first_segment_units, latin).segments

    def stream(self, text: str, params: SynthParams, language: str = "auto", max_units: int = DEFAULT_MAX_UNITS) -> SpeechStream:
        """Render ``text`` segment by segment in the reading thread."""
        self.check_voice(params.voice)
        segments = self.plan(text, language, max_units, params.voice)
        rendering = DirectRendering(self.engine, segments, params)
        return SpeechStream(text, segments, params, rendering, self.engine.sample_rate, self._ledger, "direct")

    def synthesize(
        self,
        text: str,
        params: SynthParams,
        language: str = "auto",
        max_units: int = DEFAULT_MAX_UNITS,
        progress: ProgressFn | None = None,
    ) -> SynthesisResult:
        """The whole text: its stream collected, calling ``progress(done, total, segment)`` as segments finish."""
        return collect(self.stream(text, params, language, max_units), progress)

"""Serve with the embedded engine when the chosen engine cannot: the request still gets audio, with a note.

Bad input (``TTSError``) is not a failure of the engine and is raised as it
is; anything else the primary engine raises for a segment is logged, the
segment is rendered by the fallback engine, and its ``Rendered`` carries a notice so the page,
the API and the CLI can say so (and the server does not cache that audio).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from ..common.errors import TTSError
from ..common.notices import segment_fallback
from .base import Checks, Engine, Items, Join, Outcomes, Ready, Rendered, Segment, SynthParams

log = logging.getLogger(__name__)


class FallbackEngine(Engine):
    """The primary engine's interface and voices, with a lazily loaded stand-in for failed segments."""

    def __init__(self, primary: Engine, make_fallback: Callable[[], Engine]) -> None:
        self.primary = primary
        self._make_fallback = make_fallback
        self._fallback: Engine | None = None
        self._lock = threading.Lock()
        self.name = primary.name
        self.model_version = primary.model_version
        self.sample_rate = primary.sample_rate
        self.languages = primary.languages
        self.capabilities = primary.capabilities
        self.max_phonemes = primary.max_phonemes
        self.parallel_calls = primary.parallel_calls
        self.max_mel_tokens = getattr(primary, "max_mel_tokens", None)  # the page's slider default (sampling.py)

    def voices(self) -> list[str]:
        return self.primary.voices()

    def house_voices(self) -> list[str]:
        return self.primary.house_voices()

    def latin_reading(self, voice: str) -> str:
        return self.primary.latin_reading(voice)

    @property
    def fallback(self) -> Engine:
        with self._lock:
            if self._fallback is None:
                fallback = self._make_fallback()
                if fallback.sample_rate != self.sample_rate:
                    raise RuntimeError("the fallback engine must share the primary engine's sample rate")
                self._fallback = fallback
            return self._fallback

    def synthesize(self, segment: Segment, params: SynthParams) -> np.ndarray:
        return self.render(segment, params).audio

    def render(self, segment: Segment, params: SynthParams) -> Rendered:
        try:
            return self.primary.render(segment, params)
        except TTSError:
            raise
        except Exception as exc:
            log.warning("%s failed on a segment (%s: %s); the embedded engine serves it", self.name, type(exc).__name__, exc)
        fallback = self.fallback
        voice = params.voice if params.voice in fallback.voices() else fallback.voices()[0]
        # what only the primary engine reads (clips, sampling) is left out: the embedded engine takes the voice and prosody
        plain = SynthParams(voice, params.speed, params.seed, params.emotion, params.emotion_weight, params.prosody)
        return Rendered(fallback.synthesize(segment, plain), (segment_fallback(self.name, fallback.name),))

    def synthesize_batch(
        self, items: Items, cancelled: Checks | None = None, ready: Ready | None = None, more: Join | None = None
    ) -> Outcomes:
        """The primary's batch. If it fails, the scheduler renders the segments one by one, each through
        ``synthesize``, which falls back per segment: the batch may have grown meanwhile (``more``)."""
        return self.primary.synthesize_batch(items, cancelled, ready, more)

    def prepare_voices(self) -> None:
        self.primary.prepare_voices()

    def abandon_call(self, thread_id: int) -> None:
        self.primary.abandon_call(thread_id)
        if self._fallback is not None:
            self._fallback.abandon_call(thread_id)

    def close(self) -> None:
        self.primary.close()
        if self._fallback is not None:
            self._fallback.close()

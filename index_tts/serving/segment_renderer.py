"""What a worker runs for one segment or a batch: the engine, then what the server learns from the audio.

The scheduler renders through this object (it has an engine's calls): each segment's audio teaches the
server its pace (audio seconds per unit of text, which admission's estimates need) and goes into the
audio cache, unless a fallback engine spoke it (its ``Rendered`` carries that notice): that audio is
not what the request asked for, so it is not kept. The phonemes' times, when the engine gave them, are
kept beside the audio (a cache hit is timed as exactly as a render).
"""

from __future__ import annotations

import numpy as np

from ..engines.base import Checks, Engine, Items, Join, Joining, Outcomes, Ready, Rendered, Segment, SynthParams
from .cache import AudioCache, cache_key
from .render_speed import AudioPace, segment_size


class SegmentRenderer:
    """Thread-safe as long as the engine is."""

    def __init__(self, engine: Engine, pace: AudioPace, cache: AudioCache | None = None) -> None:
        self.engine = engine
        self.pace = pace
        self.cache = cache

    def key(self, segment: Segment, params: SynthParams) -> str:
        return cache_key(self.engine.name, self.engine.model_version, segment, params)

    def cached(self, segment: Segment, params: SynthParams) -> Rendered | None:
        """The segment's audio when the cache has it (None without a cache)."""
        if self.cache is None:
            return None
        key = self.key(segment, params)
        audio = self.cache.get(key)
        if audio is None:
            return None
        times = self.cache.get(_times_key(key), counted=False)
        return Rendered(audio, phoneme_times=times if times is not None and len(times) == len(segment.phonemes) else None)

    def render(self, segment: Segment, params: SynthParams) -> Rendered:
        rendered = self.engine.render(segment, params)
        self._keep(segment, params, rendered)
        return rendered

    def synthesize_batch(
        self, items: Items, cancelled: Checks | None = None, ready: Ready | None = None, more: Join | None = None
    ) -> Outcomes:
        """One engine call for a batch; each segment (those that join it included) is kept as ``render``
        keeps it and handed to ``ready`` as soon as the engine has it."""
        items = list(items)

        def join(live: int) -> Joining:
            joining = more(live) if more is not None else []
            items.extend((segment, params) for segment, params, _check in joining)
            return joining

        def done(i: int, audio: np.ndarray | None) -> None:
            if audio is not None:  # None: dropped, its listener left during the batch
                self._keep(*items[i], Rendered(audio))
            if ready is not None:
                ready(i, audio)

        return self.engine.synthesize_batch(items, cancelled, done, join if more is not None else None)

    def abandon_call(self, thread_id: int) -> None:
        self.engine.abandon_call(thread_id)

    def _keep(self, segment: Segment, params: SynthParams, rendered: Rendered) -> None:
        """Learn the audio's pace and cache it, unless a notice says another engine spoke it."""
        self.pace.record(segment_size(segment), len(rendered.audio) / self.engine.sample_rate, params.speed)
        if self.cache is not None and not any(notice.is_fallback for notice in rendered.notices):
            key = self.key(segment, params)
            if rendered.phoneme_times is not None:  # first, so the audio is never found without its times
                self.cache.put(_times_key(key), rendered.phoneme_times)
            self.cache.put(key, rendered.audio)


def _times_key(key: str) -> str:
    """Where a segment's phoneme times are cached, beside its audio."""
    return f"{key}-times"

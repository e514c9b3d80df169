"""The one small interface every speech engine implements.

An engine knows nothing about raw text: it receives one prepared segment
(phonemes plus the text they came from) and returns float32 audio. Text
handling, segmentation and joining live elsewhere, so a new engine only has
to turn a segment into sound.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..common.errors import TTSError
from ..common.notices import Notice
from ..frontend.segment import Segment
from ..prosody.controls import Prosody


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, so the UI and API can adapt instead of guessing."""

    voice_cloning: bool = False
    emotion_vector: bool = False
    emotion_audio: bool = False
    emotion_text: bool = False
    batched_inference: bool = False
    streaming: bool = False
    deterministic: bool = True
    prosody_control: bool = False  # honours SynthParams.prosody (emotion is then rendered as prosody)
    sampling: bool = False  # takes sampling parameters (top_p, temperature...) in SynthParams.sampling


EmotionModeName = Literal["voice", "audio", "vector", "text"]


@dataclass(frozen=True)
class SynthParams:
    """Per-request knobs an engine may honour; an engine ignores what it lacks (its ``Capabilities`` say which).

    The first group is what every engine reads. The second is what the request gave as it was, for an
    engine that clones voices and reads emotions itself (IndexTTS2): the clips' paths, the emotion mode
    and description, its sampling keywords and the silence between the pieces of a segment.
    """

    voice: str
    speed: float = 1.0
    seed: int | None = None
    emotion: tuple[float, ...] | None = None
    emotion_weight: float = 0.0
    prosody: Prosody | None = None
    emotion_mode: EmotionModeName = "voice"
    emotion_audio: str | None = None
    emotion_text: str = ""
    reference_audio: str | None = None
    sampling: dict[str, float] = field(default_factory=dict)
    interval_silence_ms: int | None = None  # None: the engine's own default


@dataclass(frozen=True)
class Rendered:
    """One segment's audio and what its listener should be told about how it was made (a fallback engine spoke it).

    ``phoneme_times``, from an engine that knows them: for each character of the segment's phoneme string,
    when it is spoken (start, end seconds on ``audio``; a character the model does not read gets a span of
    zero length where it stands). None: the engine knows only the segment's span (timings are estimated).
    """

    audio: np.ndarray
    notices: tuple[Notice, ...] = ()
    phoneme_times: np.ndarray | None = None


def pause_after(segment: Segment, params: SynthParams) -> int:
    """Milliseconds of silence after ``segment``: the front-end's pause scaled by the prosody's."""
    scale = params.prosody.pause if params.prosody is not None else 1.0
    return round(segment.pause_ms * scale)


# ``synthesize_batch``'s callbacks: an item's audio is ready; items that join a batch in progress (live requests in)
Ready = Callable[[int, np.ndarray | None], None]
Joining = list[tuple[Segment, SynthParams, Callable[[], bool]]]
Join = Callable[[int], Joining]
# ``synthesize_batch``'s items, their "has its listener gone" checks, and what it answers for each item
Items = list[tuple[Segment, SynthParams]]
Checks = list[Callable[[], bool]]
Outcomes = list[np.ndarray | BaseException | None]


class Engine(ABC):
    """A speech engine: prepared segment in, mono float32 audio out."""

    name: str
    model_version: str
    sample_rate: int
    languages: tuple[str, ...]
    capabilities: Capabilities
    max_phonemes: int
    # calls the engine runs at once (None: one per session); the scheduler starts no more workers than
    # this, so a segment waiting for the engine is never taken for a hung one, and waits are estimated right
    parallel_calls: int | None = None

    @abstractmethod
    def voices(self) -> list[str]:
        """Names accepted as ``SynthParams.voice``."""

    def house_voices(self) -> list[str]:
        """The voices the app is tuned around: the default, OpenAI's voice names and the voice match
        choose among these (an engine may offer more, e.g. a language's native speakers)."""
        return self.voices()

    def latin_reading(self, voice: str) -> str:
        """How words in Latin letters are read by ``voice`` (``frontend.g2p.LATIN_READINGS``): American English
        unless the engine has voices of another language written in them (British English, Spanish, ...)."""
        return "en-us"

    def check_voice(self, voice: str) -> None:
        """Raise ``TTSError`` listing the valid names unless ``voice`` is one this engine can speak with."""
        if voice not in self.voices():
            raise TTSError(f"unknown voice {voice!r}; choose one of: {', '.join(self.voices())}")

    @abstractmethod
    def synthesize(self, segment: Segment, params: SynthParams) -> np.ndarray:
        """Render one segment; raises ``TTSError`` for input the engine cannot take."""

    def render(self, segment: Segment, params: SynthParams) -> Rendered:
        """One segment's audio with what the listener should be told; the scheduler's workers call this."""
        return Rendered(self.synthesize(segment, params))

    def synthesize_batch(
        self, items: Items, cancelled: Checks | None = None, ready: Ready | None = None, more: Join | None = None
    ) -> Outcomes:
        """Render several segments in one call; engines with ``batched_inference`` override this.

        ``cancelled[i]()`` turns true when item i's listener has gone: an engine may stop work on it and
        return None in its place, leaving the others as they would have been. ``ready(i, audio)`` is
        called once for each item as soon as its audio is done, before the call returns. An engine that
        can take work mid-call asks ``more(live)`` for segments to add (numbered after ``items``; this
        one does not); an added segment it cannot take gets its exception in its place."""
        out: list[np.ndarray | BaseException | None] = []
        for i, (segment, params) in enumerate(items):
            out.append(audio := self.synthesize(segment, params))
            if ready is not None:
                ready(i, audio)
        return out

    def prepare_voices(self) -> None:  # noqa: B027 - optional hook
        """Compute now what each voice needs on its first use (called by the warm-up, before the port opens)."""

    def abandon_call(self, thread_id: int) -> None:  # noqa: B027 - optional hook
        """The call running on thread ``thread_id`` has hung and its thread was replaced: engines that
        lend a session per call put a fresh one in its place, so the new thread does not wait for it."""

    def close(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing to release
        """Release sessions or devices held by the engine."""

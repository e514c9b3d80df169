"""A finished result kept as a take: its WAV and SRT in ``outputs/`` under one unguessable name, and what a
history keeps of it (name, text, voice, settings, length, time). Both of the page's buttons make takes:
the Synthesize button's from its whole result, the streamed one's once its last segment has gone out.
The clips a take was made with are kept beside it, and its settings name them by their kept names (never by a
path on the server), so "use these settings again" can put them back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.errors import TTSError
from ..voice.reference_audio import load_clip
from .outputs import save_take, save_take_clip
from .speech_stream import SpeechStream, SynthesisResult
from .subtitles import cues, to_srt
from .timestamps import align

KEPT_FIELDS = ("name", "text", "voice", "settings", "seconds", "made")  # what a history keeps of a take
CLIP_SETTINGS = {"reference_audio": "reference", "emotion_audio": "emotion"}  # a setting holding a clip -> its kind
log = logging.getLogger(__name__)
_streamed_lock = threading.Lock()


def keep_take(result: SynthesisResult, typed: str, settings: Mapping[str, Any], voice: str) -> dict[str, Any]:
    """Save ``result`` as a take; its files, its follow-along pieces and what a history keeps of it."""
    alignment = align(typed, result.spoken, result.audio_seconds)
    wav, srt = save_take(result.audio, result.sample_rate, to_srt(cues(alignment)))
    return {
        "wav": str(wav), "srt": str(srt), "pieces": alignment.pieces(), "name": wav.stem, "text": typed,
        "voice": voice, "settings": _with_kept_clips(settings, wav.stem), "seconds": round(result.audio_seconds, 2),
        "made": int(time.time() * 1000),
    }  # fmt: skip


def _with_kept_clips(settings: Mapping[str, Any], stem: str) -> dict[str, Any]:
    """``settings`` with each clip (a path on the server) kept beside the take ``stem`` and named by its kept
    file name; a setting with no clip stays None, so restoring the take empties that box."""
    kept = dict(settings)
    for setting, kind in CLIP_SETTINGS.items():
        path = kept.get(setting)
        if not path:
            continue
        try:
            clip = load_clip(path)
        except TTSError as exc:  # it was read for the synthesis a moment ago; gone since, it cannot come back
            log.warning("the take %s keeps no %s clip: %s", stem, kind, exc)
            kept[setting] = None
            continue
        kept[setting] = save_take_clip(stem, kind, clip.audio, clip.sample_rate).name
    return kept


def keep_streamed(speech: SpeechStream) -> dict[str, Any] | None:
    """The take of a stream that kept its chunks (``SpeechStream.kept_chunks``), saved once its every segment
    has gone out; None before that, or for a stream that keeps nothing."""
    kept = speech.kept_chunks
    if kept is None or len(kept) < len(speech.segments):
        return None
    with _streamed_lock:
        if speech.take is None:
            audio = np.concatenate(kept) if kept else np.zeros(0, np.float32)
            result = SynthesisResult(audio, speech.sample_rate, speech.segments, 0.0, speech.notices, 0, tuple(speech.spoken))
            speech.take = keep_take(result, speech.text, speech.take_settings or {}, speech.params.voice)
        return speech.take

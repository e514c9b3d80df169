"""A short sample of each voice (试听), rendered once and then kept, so a second listen plays at once.

A preview is one fixed sentence in the voice's own language, rendered through the app's one request path
and written (atomically) to ``cache_hub/voice_previews/<model version>/<voice>.wav``; the model version in
the path means an engine change never replays old audio. Nothing is fetched: the first listen renders.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..common.audio import write_wav_atomic
from ..common.paths import cache_dir
from ..engines.kokoro.catalog import VOICES

log = logging.getLogger(__name__)

PREVIEW_TEXT = {
    "zh": "你好，欢迎来到语音合成演示。这就是我的声音。",
    "en": "Hello, and welcome to the speech demo. This is how I sound.",
    "ja": "こんにちは。音声合成のデモへようこそ。",
    "es": "Hola, bienvenidos a la demostración de voz. Así es como sueno.",
    "fr-fr": "Bonjour et bienvenue dans la démonstration vocale. Voici ma voix.",
    "it": "Ciao e benvenuti alla dimostrazione vocale. Ecco come suono.",
    "pt-br": "Olá, bem-vindos à demonstração de voz. É assim que eu soo.",
}
_OWN_LANGUAGE_PREVIEWS = ("es", "fr-fr", "it", "pt-br")  # written in Latin letters: asked as "en", read in their own
Render = Callable[[str, str, str], tuple[np.ndarray, int]]  # (voice, text, language) -> (audio, sample rate)


def preview_language(voice: str) -> str:
    """The language a voice's preview speaks (a key of ``PREVIEW_TEXT``): a native English, Spanish, French,
    Italian or Portuguese voice its own, every other voice Chinese (the app's first language; the house voices
    were tuned for it)."""
    language = VOICES[voice]["language"] if voice in VOICES else "zh"
    if language.startswith("en"):
        return "en"
    return language if language in _OWN_LANGUAGE_PREVIEWS else "zh"


class VoicePreviews:
    """Preview files per voice: the first request renders and keeps one, every later one reads it."""

    def __init__(self, model_version: str, render: Render, folder: Path | None = None) -> None:
        digest = hashlib.sha256(model_version.encode()).hexdigest()[:16]
        self.folder = (folder or cache_dir("voice_previews")) / digest
        self._render = render
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def cached(self, voice: str) -> Path | None:
        """The kept preview of ``voice``, if it was rendered before."""
        path = self._path(voice)
        return path if path.exists() else None

    def get(self, voice: str) -> Path:
        """The voice's preview file, rendered now if it is not kept yet (``TTSError`` for an unknown voice)."""
        path = self._path(voice)
        with self._lock_for(voice):  # two first listens at once render once
            if path.exists():
                return path
            language = preview_language(voice)
            started = time.perf_counter()
            asked = "en" if language in _OWN_LANGUAGE_PREVIEWS else language  # the voice reads its own language
            audio, sample_rate = self._render(voice, PREVIEW_TEXT[language], asked)
            write_wav_atomic(path, audio, sample_rate)
            log.info("preview of %s rendered and kept: %.2f s of audio in %.2fs", voice, len(audio) / sample_rate,
                     time.perf_counter() - started)  # fmt: skip
        return path

    def _path(self, voice: str) -> Path:
        safe = hashlib.sha256(voice.encode()).hexdigest()[:12] if not voice.replace("_", "").isalnum() else voice
        return self.folder / f"{safe}.wav"

    def _lock_for(self, voice: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(voice, threading.Lock())

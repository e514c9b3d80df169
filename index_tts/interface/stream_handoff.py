"""Requests the page has prepared for its player, handed over once under an unguessable token.

The Play-while-synthesizing button builds its request exactly as the Synthesize button does (in a
Gradio event, with the uploaded clips already on the server), plans it, and gets back a token; the
page's player then fetches ``GET /api/stream/{token}`` and plays the PCM as it arrives. A token
works once and only for a short while; a stream nobody fetched is closed, so it renders nothing. A stream
that was claimed stays known under its token for ``PLAYED_TTL_S`` more, for the timings of its words
(``GET /api/stream/{token}/timings``: the follow-along text asks while it plays).
"""

from __future__ import annotations

import secrets
import threading
import time

from ..serving.speech_stream import SpeechStream

TOKEN_TTL_S = 60.0
PLAYED_TTL_S = 600.0


class StreamHandoff:
    """Thread-safe; prepared streams wait here at most ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = TOKEN_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._waiting: dict[str, tuple[float, SpeechStream]] = {}
        self._played: dict[str, tuple[float, SpeechStream]] = {}
        self._lock = threading.Lock()

    def offer(self, speech: SpeechStream) -> str:
        """Keep ``speech`` for its player; returns the token that claims it."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            expired = self._expire(time.monotonic())
            self._waiting[token] = (time.monotonic(), speech)
        for old in expired:
            old.close()
        return token

    def claim(self, token: str) -> SpeechStream | None:
        """The stream offered under ``token``, once; None for an unknown, used or expired token."""
        with self._lock:
            expired = self._expire(time.monotonic())
            entry = self._waiting.pop(token, None)
            if entry is not None:
                self._played[token] = (time.monotonic(), entry[1])
        for old in expired:
            old.close()
        return entry[1] if entry else None

    def played(self, token: str) -> SpeechStream | None:
        """The stream claimed under ``token`` (playing or played), for its timings; None when unknown or old."""
        with self._lock:
            self._expire(time.monotonic())
            entry = self._played.get(token)
        return entry[1] if entry else None

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _expire(self, now: float) -> list[SpeechStream]:
        """Remove streams older than the time to live (lock held); the caller closes them."""
        for token in [token for token, (claimed, _) in self._played.items() if now - claimed > PLAYED_TTL_S]:
            del self._played[token]  # its player has it, or had it: nothing to close here
        old = [token for token, (offered, _) in self._waiting.items() if now - offered > self.ttl_s]
        return [self._waiting.pop(token)[1] for token in old]

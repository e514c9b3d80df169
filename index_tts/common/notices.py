"""What the listener is told about how a request was served, in whichever language they read.

A notice is a string key and its values, turned into words only where it is shown: the page in
its language, the API's ``X-TTS-Notice`` header and the CLI's stderr in English. Every kind of
remark (an engine fallback, the voice a reference clip matched, a trimmed clip, audio from the cache, the
emotion a description or a random draw gave) travels this one way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .i18n import EMOTION_NAMES, t


class Level(str, Enum):
    INFO = "info"
    WARNING = "warning"  # the request was not served the way it asked (another engine spoke it)


@dataclass(frozen=True)
class Notice:
    """One remark: ``key`` names a string in ``i18n.STRINGS``; ``values`` fill it in."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    level: Level = Level.INFO

    def text(self, lang: str) -> str:
        values = dict(self.values)
        if "vector" in values:  # emotion values are named in the reader's language
            names = EMOTION_NAMES.get(lang, EMOTION_NAMES["zh"])
            values["vector"] = " · ".join(f"{names[i]} {v:.2f}" for i, v in enumerate(values["vector"]) if v > 0)
        return t(self.key, lang, **values)

    @property
    def is_fallback(self) -> bool:
        return self.key in (ENGINE_FALLBACK, SEGMENT_FALLBACK)

    def line(self, lang: str) -> str:
        """The notice as one line with its sign (ℹ️ or ⚠️), for the page and the CLI."""
        sign = "⚠️" if self.level is Level.WARNING else "ℹ️"
        return f"{sign} {self.text(lang)}"


ENGINE_FALLBACK = "notice_engine_fallback"  # the chosen engine could not start: the embedded one serves everything
SEGMENT_FALLBACK = "notice_segment_fallback"  # the chosen engine failed on this request: the embedded one spoke it


def engine_fallback(engine: str, reason: str) -> Notice:
    return Notice(ENGINE_FALLBACK, {"engine": engine, "reason": reason.splitlines()[0]}, Level.WARNING)


def segment_fallback(engine: str, fallback: str) -> Notice:
    return Notice(SEGMENT_FALLBACK, {"engine": engine, "fallback": fallback}, Level.WARNING)


def header_text(notices: tuple[Notice, ...] | list[Notice], limit: int = 300) -> str:
    """Notices for an HTTP header: English, ASCII only, one line, at most ``limit`` characters."""
    told = " | ".join(notice.text("en") for notice in notices)
    return told.encode("ascii", "replace").decode()[:limit]

"""Text front-end: raw text in, speakable segments (text, language, phonemes, pinyin, pause) out.

``TextFrontend`` is imported on first use: engines and the scheduler only need
``Segment``, so they import without the front-end's language packages (the GPU
benchmark runs them on a machine that has none of those).
"""

from typing import Any

from .segment import Segment

__all__ = ["FrontendResult", "Segment", "TextFrontend"]


def __getattr__(name: str) -> Any:
    if name in ("FrontendResult", "TextFrontend"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

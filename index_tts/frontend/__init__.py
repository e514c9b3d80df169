"""Text front-end: raw text in, speakable segments (text, language, phonemes, pinyin, pause) out."""

from .pipeline import FrontendResult, TextFrontend
from .segment import Segment

__all__ = ["FrontendResult", "Segment", "TextFrontend"]

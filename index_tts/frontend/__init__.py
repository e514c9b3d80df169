"""Text front-end: raw text in, speakable segments (text, language, phonemes, pinyin, pause) out."""

from .pipeline import FrontendResult, TextFrontend

__all__ = ["FrontendResult", "TextFrontend"]

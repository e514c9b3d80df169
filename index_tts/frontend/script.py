"""Which writing system each character belongs to, and the language of a piece of text."""

import re

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
KANA = r"\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
LATIN = r"A-Za-z\u00c0-\u024f"

HAN_RE = re.compile(f"[{HAN}]")
KANA_RE = re.compile(f"[{KANA}]")
LATIN_RE = re.compile(f"[{LATIN}]")

LANGUAGES = ("zh", "en", "ja")


def detect_language(text: str) -> str | None:
    """Kana means Japanese, then Han means Chinese, then Latin letters mean English; None if no letters."""
    if KANA_RE.search(text):
        return "ja"
    if HAN_RE.search(text):
        return "zh"
    if LATIN_RE.search(text):
        return "en"
    return None


def split_runs(text: str, language: str) -> list[tuple[str, str]]:
    """Split a segment into (language, text) runs: Latin words go to English, Han to Chinese or Japanese.

    Punctuation and spaces stay with the run before them, so pauses are kept. Digits still in a Japanese or a
    Latin text (a Spanish voice's numbers are read by espeak-ng, not verbalised as English) go with it, even
    at its start.
    """
    han_lang = "ja" if language == "ja" else "zh"
    runs: list[tuple[str, str]] = []
    for ch in text:
        if HAN_RE.match(ch):
            lang = han_lang
        elif KANA_RE.match(ch):
            lang = "ja"
        elif LATIN_RE.match(ch):
            lang = "en"
        elif ch.isdigit() and language in ("ja", "en"):  # left as digits: read by that language's G2P
            lang = language
        else:
            lang = runs[-1][0] if runs else None
        if lang is None:
            continue
        if runs and runs[-1][0] == lang:
            runs[-1] = (lang, runs[-1][1] + ch)
        else:
            runs.append((lang, ch))
    return runs

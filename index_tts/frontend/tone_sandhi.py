"""Mandarin tone sandhi: the tones people actually say, from the dictionary (citation) tones.

Works on jieba words with tone-numbered pinyin (neutral tone as 5) and
applies, in order: 不 and 一 changes, the neutral tone of reduplicated kinship
words and of a list of common words whose second syllable is light, and third
tone sandhi (a third tone before another third tone becomes a second tone),
first inside each word, then across a one-syllable word and its neighbour, so
the inner word goes first: 小 + 老虎 → xiao3 lao2 hu3.
"""

from __future__ import annotations

import itertools

# Words whose last syllable is said in the neutral tone in standard Mandarin.
NEUTRAL_SECOND: frozenset[str] = frozenset(
    "东西 朋友 时候 知道 明白 漂亮 衣服 先生 告诉 事情 喜欢 地方 意思 认识 休息 客气 舒服 麻烦 名字 关系 "
    "生意 打扮 清楚 眼睛 耳朵 脑袋 早上 晚上 窗户 豆腐 姑娘 队伍 热闹 便宜 暖和 凉快 干净 聪明 商量 "
    "打听 收拾 学生 师傅 大夫 丈夫 媳妇 头发 太阳 月亮 云彩 尾巴 玻璃 葡萄 萝卜 馒头 石头 木头 骨头 "
    "舌头 枕头 指头 念头 里头 外头 上头 下头 前头 后头 咱们 我们 你们 他们 她们 它们 人们 孩子 桌子 "
    "椅子 房子 日子 儿子 妻子 鼻子 杯子 盘子 帽子 裤子 袜子 鞋子 本子 样子 个子 被子 叶子 院子 "
    "村子 包子 饺子 句子 这个 那个 哪个 什么 怎么 这么 那么 多么 为什么".split()
)
REDUPLICATED_NEUTRAL: frozenset[str] = frozenset("妈爸哥姐弟妹奶爷叔婶舅姑姨宝星谢看听说想试走")
PARTICLES: frozenset[str] = frozenset("的地得了着过吗呢吧啊呀哦嘛啦哇么")
DIGITS = frozenset("零〇一二三四五六七八九")
# 一 keeps tone 1 after a number (十一, 第一), inside a digit string (一九九八) and in dates (一月一日, 一号).
YI_FIRST_AFTER = DIGITS | frozenset("十第")
YI_FIRST_BEFORE = DIGITS | frozenset("月日号")


def _tone(syllable: str) -> int:
    return int(syllable[-1]) if syllable and syllable[-1].isdigit() else 5


def _with_tone(syllable: str, tone: int) -> str:
    base = syllable[:-1] if syllable and syllable[-1].isdigit() else syllable
    return f"{base}{tone}"


def _yi_bu(chars: list[str], syllables: list[str]) -> None:
    """不 and 一 take their tone from the next syllable; 一 keeps tone 1 in numbers and ordinals."""
    for i, char in enumerate(chars):
        nxt = _tone(syllables[i + 1]) if i + 1 < len(syllables) else None
        prev = chars[i - 1] if i > 0 else ""
        following = chars[i + 1] if i + 1 < len(chars) else ""
        if char == "不":
            if nxt is None:
                syllables[i] = _with_tone(syllables[i], 4)
            elif prev and prev == following:  # 好不好: a light 不 between a repeated word
                syllables[i] = _with_tone(syllables[i], 5)
            else:
                syllables[i] = _with_tone(syllables[i], 2 if nxt == 4 else 4)
        elif char == "一":
            if nxt is None or prev in YI_FIRST_AFTER or following in YI_FIRST_BEFORE:
                syllables[i] = _with_tone(syllables[i], 1)
            elif prev and prev == following:  # 看一看
                syllables[i] = _with_tone(syllables[i], 5)
            else:
                syllables[i] = _with_tone(syllables[i], 2 if nxt in (4, 5) else 4)


def _neutral(word: str, syllables: list[str]) -> None:
    if len(word) >= 2 and (word in NEUTRAL_SECOND or word[-2:] in NEUTRAL_SECOND):
        syllables[-1] = _with_tone(syllables[-1], 5)
    elif len(word) == 2 and word[0] == word[1] and word[0] in REDUPLICATED_NEUTRAL:
        syllables[-1] = _with_tone(syllables[-1], 5)
    if len(word) > 1 and word[-1] in PARTICLES and word[-1] not in "地得":
        syllables[-1] = _with_tone(syllables[-1], 5)


def _third_tone(words: list[list[str]]) -> None:
    """A third tone before a third tone becomes a second tone: inside each word on its dictionary tones,
    then between words where one of the two is a single syllable, on the tones the words now have."""
    for syllables in words:
        citation = [_tone(s) for s in syllables]
        for i in range(len(syllables) - 1):
            if citation[i] == 3 and citation[i + 1] == 3:
                syllables[i] = _with_tone(syllables[i], 2)
    for left, right in itertools.pairwise(words):
        if left and right and _tone(left[-1]) == 3 and _tone(right[0]) == 3 and (len(left) == 1 or len(right) == 1):
            left[-1] = _with_tone(left[-1], 2)


def apply_sandhi(words: list[str], readings: list[list[str]]) -> list[list[str]]:
    """Spoken tones for ``words`` (jieba pieces of one Han run) given their citation ``readings``."""
    chars = [c for w in words for c in w]
    flat = [s for r in readings for s in r]
    _yi_bu(chars, flat)
    out: list[list[str]] = []
    pos = 0
    for word in words:
        syllables = flat[pos : pos + len(word)]
        pos += len(word)
        _neutral(word, syllables)
        out.append(syllables)
    _third_tone(out)
    return out


def tone_of(syllable: str) -> int:
    """The tone number (1-5) of a tone-numbered pinyin syllable."""
    return _tone(syllable)

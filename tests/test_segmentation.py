"""Segmentation: limits are respected, every character survives, pauses follow punctuation."""

import re

import pytest

from index_tts.common.errors import TTSError
from index_tts.frontend.pipeline import ENGLISH_HEAD_WORDS
from index_tts.frontend.segmenter import FUNCTION_WORDS, PAUSE_MS, segment_text, units
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS

LONG_ZH = "人工智能正在改变我们的生活，从语音助手到自动驾驶，从医疗诊断到金融分析，它无处不在。" * 6
LONG_EN = "Speech synthesis turns written text into natural sounding audio for many people every day. " * 8


def _letters(text: str) -> str:
    return re.sub(r"[\s，。！？,.!?；;：:、]", "", text)


@pytest.mark.parametrize("max_units", [8, 20, 40])
def test_segments_respect_max_units_and_keep_every_character(frontend, max_units: int) -> None:
    result = frontend.process(LONG_ZH, "zh", max_units)
    assert all(units(s.text) <= max_units for s in result.segments)
    assert _letters("".join(s.text for s in result.segments)) == _letters(result.normalized)


def test_sentences_split_before_clauses(frontend) -> None:
    result = frontend.process("今天天气很好。我们去公园散步吧！你想去吗？", "zh", 40)
    assert [s.text for s in result.segments] == ["今天天气很好。", "我们去公园散步吧！", "你想去吗？"]
    assert [s.pause_ms for s in result.segments] == [PAUSE_MS["."], PAUSE_MS["!"], PAUSE_MS["paragraph"]]


def test_clause_pause_when_a_sentence_is_split(frontend) -> None:
    result = frontend.process("从语音助手到自动驾驶，从医疗诊断到金融分析，它无处不在。", "zh", 12)
    assert result.segments[0].text.endswith("，")
    assert result.segments[0].pause_ms == PAUSE_MS[","]


def test_paragraph_break_gives_the_longest_pause() -> None:
    pieces = segment_text("第一段。\n第二段。")
    assert pieces[0].pause_ms == PAUSE_MS["paragraph"]


def test_text_without_punctuation_never_exceeds_phoneme_limit(frontend, engine) -> None:
    text = "我们" * 600  # 1,200 characters, no punctuation at all
    result = frontend.process(text, "zh", 1000)
    assert all(len(engine.tokenize(s.phonemes)) <= engine.max_phonemes for s in result.segments)
    assert _letters("".join(s.text for s in result.segments)) == _letters(text)


def test_long_english_is_split_within_limits(frontend, engine) -> None:
    result = frontend.process(LONG_EN, "en", 30)
    assert len(result.segments) >= 8
    assert all(len(engine.tokenize(s.phonemes)) <= engine.max_phonemes for s in result.segments)
    assert " ".join(s.text for s in result.segments).split() == result.normalized.split()


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀🎉👍", "。，！？", "###***"])
def test_unspeakable_text_is_rejected_with_a_clear_message(frontend, text: str) -> None:
    with pytest.raises(TTSError, match="nothing to speak"):
        frontend.process(text)


def test_unknown_language_is_rejected(frontend) -> None:
    with pytest.raises(TTSError, match="unknown language"):
        frontend.process("你好", "fr")


def test_control_characters_are_stripped(frontend) -> None:
    result = frontend.process("你好\x00\x07世界\x1b", "zh")
    assert result.normalized == "你好世界"


def test_language_detection(frontend) -> None:
    assert frontend.process("Hello there.").language == "en"
    assert frontend.process("你好，朋友。").language == "zh"
    assert frontend.process("こんにちは。").language == "ja"


def _head(frontend, text: str, latin: str = "en-us") -> list[str]:
    return [s.text for s in frontend.process(text, "auto", first_max_units=FIRST_SEGMENT_UNITS, latin=latin).segments]


@pytest.mark.parametrize(
    "text",
    [
        "Please keep your ticket until the end of the journey.",
        "Our flight was delayed by two hours.",
        "The garden looks beautiful in the spring.",
        "We will meet at the train station tomorrow morning.",
    ],
)
def test_english_head_is_short_and_never_ends_on_a_function_word(frontend, text: str) -> None:
    head, *rest = _head(frontend, text)
    assert 2 <= units(head) <= ENGLISH_HEAD_WORDS < FIRST_SEGMENT_UNITS
    assert head.split()[-1].lower() not in FUNCTION_WORDS
    assert " ".join([head, *rest]) == text  # every word kept, in order


def test_english_head_ends_at_a_clause_mark_inside_it(frontend) -> None:
    assert _head(frontend, "Hello, my friend, how are you today?") == ["Hello, my friend,", "how are you today?"]


def test_a_sentence_the_six_unit_rule_keeps_whole_stays_whole(frontend) -> None:
    assert _head(frontend, "The library closes early on Sundays.") == ["The library closes early on Sundays."]


def test_other_readings_keep_the_six_unit_head(frontend) -> None:
    """Only English heads are shorter: the function words and the judge are English."""
    assert units(_head(frontend, "Please keep your ticket until the end of the journey.", "es")[0]) == 6
    assert _head(frontend, "春天来了，河边的柳树发出了嫩绿的新芽。") == ["春天来了，", "河边的柳树发出了嫩绿的新芽。"]
    head = _head(frontend, "这座古老的石桥已经有八百多年的历史了，至今仍在使用。")[0]
    assert 4 < units(head) <= FIRST_SEGMENT_UNITS

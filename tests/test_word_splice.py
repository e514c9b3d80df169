"""English words inside Chinese decoded a second time in an English timbre and spliced in (``word_splice``)."""

import numpy as np
import pytest

from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import engine as kokoro
from index_tts.engines.kokoro import word_splice
from index_tts.prosody.mandarin import syllable_spans


def _mask(engine, segment) -> np.ndarray:
    spans = syllable_spans(segment.phonemes, segment.syllables, engine._vocab)
    return word_splice.english_tokens(segment.phonemes, spans, engine._vocab)


def test_only_the_english_words_tokens_are_marked(engine, frontend) -> None:
    for text, word in (("这个app很好用。", "ˈæp"), ("我们周五开一个online会议。", "ˈɑnlIn")):
        segment = frontend.process(text, "zh").segments[0]
        assert word in segment.phonemes
        mask = _mask(engine, segment)
        tokens = [c for c in segment.phonemes if c in engine._vocab]
        assert len(mask) == len(tokens) + 2 and not mask[0] and not mask[-1]
        assert "".join(c for c, marked in zip(tokens, mask[1:-1], strict=True) if marked) == word, text
    assert not _mask(engine, frontend.process("这个软件很好用。", "zh").segments[0]).any()


def test_the_weights_cover_the_marked_tokens_frames_with_smoothed_edges() -> None:
    mask = np.array([False, False, True, True, False])
    frames = np.array([2, 3, 2, 1, 2])  # 10 frames of 4 samples
    hard = word_splice.splice_weights(mask, frames, 40, fade=0)
    assert hard.tolist() == [0.0] * 20 + [1.0] * 12 + [0.0] * 8
    soft = word_splice.splice_weights(mask, frames, 40, fade=5)
    assert soft[0] == 0.0 and soft[-1] == 0.0 and soft[26] == pytest.approx(1.0)
    assert 0.0 < soft[20] < 1.0 and np.all(np.diff(soft[14:27]) >= -1e-7)  # a rising edge, not a step
    assert word_splice.splice(np.zeros(40), np.ones(40), hard).tolist() == hard.tolist()


def _takes(engine, frontend, text: str, voice: str, monkeypatch) -> tuple[np.ndarray, np.ndarray]:
    segment = frontend.process(text, "zh").segments[0]
    params = SynthParams(voice=voice)
    spliced = engine.synthesize(segment, params)
    with monkeypatch.context() as patch:
        patch.setattr(kokoro, "ENGLISH_WORDS_TIMBRE", {})
        single = engine.synthesize(segment, params)
    return spliced, single


def test_jm_kumos_english_words_change_and_the_chinese_around_them_does_not(engine, frontend, monkeypatch) -> None:
    assert kokoro.ENGLISH_WORDS_TIMBRE["jm_kumo"][0] in engine._donors
    spliced, single = _takes(engine, frontend, "我们周五开一个online会议。", "jm_kumo", monkeypatch)
    assert len(spliced) == len(single) > 24000  # the same frames, so the same length: over a second of speech
    difference = np.abs(spliced - single)
    changed = np.flatnonzero(difference > 1e-4)
    assert len(changed) > 2400, "the English word sounds the same as in one take"  # over 0.1 s of it changed
    start, end = changed[0] / len(single), changed[-1] / len(single)
    # online sits in the middle of the sentence: the first and last Chinese syllables are untouched
    assert 0.25 < start and end < 0.85, (start, end)
    assert np.array_equal(spliced[: len(single) // 5], single[: len(single) // 5])
    assert np.sqrt(np.mean(spliced**2)) == pytest.approx(np.sqrt(np.mean(single**2)), rel=0.3)


@pytest.mark.parametrize(("text", "voice"), [("我们周五开一个online会议。", "jf_alpha"), ("我们今天开会。", "jm_kumo")])
def test_other_voices_and_chinese_without_english_keep_one_take(engine, frontend, monkeypatch, text, voice) -> None:
    spliced, single = _takes(engine, frontend, text, voice, monkeypatch)
    assert np.array_equal(spliced, single)

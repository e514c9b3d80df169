"""Mandarin tones: sandhi in the front-end, syllable spans, and tone contours heard in the audio."""

import itertools

import numpy as np
import pytest
from conftest import pitch_track

from index_tts.engines.base import SynthParams
from index_tts.frontend.tone_sandhi import apply_sandhi
from index_tts.prosody import Prosody
from index_tts.prosody.mandarin import CONTOUR_SPAN, Register, apply_tones, syllable_spans, tone_targets
from testkit.tone_classifier import classify, pitch_contour, reference_pitch


def _tones(frontend, text: str) -> list[int]:
    return [tone for s in frontend.process(text, "zh").segments for _, _, tone in s.syllables]


@pytest.mark.parametrize(
    ("text", "tones"),
    [
        ("你好", [2, 3]),  # 3-3 → 2-3
        ("展览馆", [2, 2, 3]),
        ("我很好", [2, 2, 3]),
        ("不是", [2, 4]),  # 不 before tone 4
        ("不行", [4, 2]),
        ("一个", [2, 4]),  # 一 before tone 4
        ("一天", [4, 1]),
        ("第一", [4, 1]),  # ordinal keeps tone 1
        ("一月一日", [1, 4, 1, 4]),  # and dates
        ("一百", [4, 3]),
        ("看一看", [4, 5, 4]),
        ("好不好", [3, 5, 3]),
        ("妈妈", [1, 5]),  # kinship reduplication: neutral second syllable
        ("东西", [1, 5]),
        ("我们的", [3, 5, 5]),
    ],
)
def test_tone_sandhi(frontend, text: str, tones: list[int]) -> None:
    assert _tones(frontend, text) == tones


def test_sandhi_applies_inside_the_word_first() -> None:
    """[小 [老虎]]: 老虎 → 2-3 first, so 小 no longer stands before a third tone and keeps it."""
    assert apply_sandhi(["小", "老虎"], [["xiao3"], ["lao3", "hu3"]]) == [["xiao3"], ["lao2", "hu3"]]
    assert apply_sandhi(["很", "好"], [["hen3"], ["hao3"]]) == [["hen2"], ["hao3"]]


def test_syllable_spans_point_at_each_syllable(frontend, engine) -> None:
    segment = frontend.process("我们用GPU训练模型。", "zh").segments[0]
    assert [segment.phonemes[a:b] for a, b, _ in segment.syllables][:2] == ["wo↓", "mən"]
    assert len(segment.syllables) == 7  # the Latin letters are not Chinese syllables
    spans = syllable_spans(segment.phonemes, segment.syllables, engine._vocab)
    tokens = engine.tokenize(segment.phonemes)
    assert spans[0].start == 1 and all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert spans[-1].end <= len(tokens) + 1


def test_english_words_keep_the_models_pitch(frontend, engine) -> None:
    segment = frontend.process("我们喜欢 machine learning 课程。", "zh").segments[0]
    params = SynthParams(voice="jf_alpha", prosody=Prosody(intonation=False))
    track = engine.analyze(segment, params)
    spans = syllable_spans(segment.phonemes, segment.syllables, engine._vocab)
    shaped = apply_tones(track, spans, engine.register("jf_alpha"))
    starts = track.token_starts * 2
    inside = np.zeros(len(track.f0), bool)
    for span in spans:
        inside[starts[span.start] : starts[span.end - 1] + 2 * track.frames[span.end - 1]] = True
    english = ~inside & track.voiced
    english[: starts[1]] = english[starts[-1] :] = False  # the pads take the neighbouring syllable's pitch
    assert english.sum() > 20
    assert np.allclose(shaped.f0[english], track.f0[english])
    assert not np.allclose(shaped.f0[inside & track.voiced], track.f0[inside & track.voiced])


def test_register_keeps_levels_audible() -> None:
    deep, high, middle = Register(93.0), Register(330.0), Register(220.0)
    assert deep.centre_hz > 110 and high.centre_hz < 300 and middle.centre_hz == 220.0
    for reg in (deep, high, middle):
        low = reg.centre_hz * 2 ** (-2 * reg.step / 12)
        top = reg.centre_hz * 2 ** (2 * reg.step / 12)
        assert low >= reg.floor_hz - 1e-6 and top <= reg.ceiling_hz + 1e-6


def test_falling_tone_holds_its_high_start_unless_the_voice_keeps_the_plain_fall(frontend, engine) -> None:
    segment = frontend.process("是", "zh").segments[0]
    track = engine.analyze(segment, SynthParams(voice="jf_alpha", prosody=Prosody(intonation=False)))
    spans = syllable_spans(segment.phonemes, segment.syllables, engine._vocab)
    points = track.voiced_points(spans[0].start, spans[0].end)
    head = points[: int(0.25 * CONTOUR_SPAN * (len(points) - 1)) + 1]  # the first quarter of the contour
    assert len(head) >= 2
    held, _ = tone_targets(track, spans, Register(220.0))
    plain, _ = tone_targets(track, spans, Register(220.0, held_fall=False))
    assert np.ptp(held[head]) < 0.01 and plain[head[-1]] < plain[head[0]] - 0.05
    assert held[points[-1]] > plain[points[-1]]  # and falls less far
    assert engine.register("jf_alpha").held_fall and not engine.register("jm_kumo").held_fall


@pytest.mark.parametrize("voice", ["jf_alpha", "jm_kumo"])
def test_isolated_syllables_carry_their_tones(engine, frontend, voice: str) -> None:
    """Four tones on four syllables, classified from the audio alone: at least 14 of 16 right."""
    chars = "诗十史是书熟鼠树通同桶痛非肥匪费"
    contours, tones = [], []
    for char in chars:
        segment = frontend.process(char, "zh").segments[0]
        tones.append(segment.syllables[0][2])
        contours.append(pitch_contour(engine.synthesize(segment, SynthParams(voice=voice))))
    reference = reference_pitch(contours)
    got = [classify(c, reference) for c in contours]
    assert tones == [1, 2, 3, 4] * 4
    assert sum(a == b for a, b in zip(tones, got, strict=True)) >= 14, got


def _glide(points_hz: list[float], seconds: float = 0.4, sample_rate: int = 24_000) -> np.ndarray:
    """A voiced syllable stand-in: harmonics on an F0 path through ``points_hz``, 15 ms fades at its ends."""
    n = int(seconds * sample_rate)
    f0 = np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(points_hz)), points_hz)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 8))
    ramp = int(0.015 * sample_rate)
    envelope = np.ones(n)
    envelope[:ramp] = envelope[-ramp:][::-1] = np.sin(np.linspace(0, np.pi / 2, ramp)) ** 2
    return np.r_[np.zeros(2400), 0.2 * envelope * wave, np.zeros(2400)].astype(np.float32)


@pytest.mark.parametrize("tracker", ["yin", "pyin", "praat"])
def test_each_pitch_tracker_of_the_tone_judge_tells_the_four_shapes(tracker: str) -> None:
    """Known contours around 200 Hz: level high, rise, dip, fall."""
    shapes = {1: [250, 250], 2: [190, 215, 280], 3: [170, 140, 140, 175], 4: [290, 150]}
    contours = {tone: pitch_contour(_glide(path), tracker=tracker) for tone, path in shapes.items()}
    reference = 200.0
    assert {tone: classify(contour, reference) for tone, contour in contours.items()} == {1: 1, 2: 2, 3: 3, 4: 4}


def test_questions_rise_at_the_end(engine, frontend) -> None:
    def final_pitch(text: str) -> float:
        audio = engine.synthesize(frontend.process(text, "zh").segments[0], SynthParams(voice="jf_nezumi"))
        f0 = pitch_track(audio)
        voiced = f0[np.isfinite(f0)]
        return float(np.median(voiced[-5:]))

    assert 12 * np.log2(final_pitch("你明天去学校吗？") / final_pitch("你明天去学校吗。")) > 2.0


def test_pitch_declines_over_a_statement(engine, frontend) -> None:
    segment = frontend.process("今天天气非常好，我们一起出去玩。", "zh").segments[0]
    track = engine.analyze(segment, SynthParams(voice="jf_alpha"))
    spans = syllable_spans(segment.phonemes, segment.syllables, engine._vocab)
    shaped = apply_tones(track, spans, engine.register("jf_alpha"), micro_prosody=0.0)
    starts = track.token_starts * 2

    tone1 = [i for i, (_, _, tone) in enumerate(segment.syllables) if tone == 1]
    assert len(tone1) >= 3 and tone1[-1] > len(spans) // 2

    def peak(index: int) -> float:
        span = spans[index]
        return float(shaped.f0[starts[span.start] : starts[span.end]].max())

    assert 12 * np.log2(peak(tone1[0]) / peak(tone1[-1])) > 1.0

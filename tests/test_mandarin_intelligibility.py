"""Mandarin round trip: every voice speaks, Whisper base (from the registry) writes down what it heard."""

import statistics

import numpy as np
import pytest

from index_tts.engines.base import SynthParams
from testkit.cer_errors import classify, paired_change, tally
from testkit.mandarin_judge import MandarinJudge, cer, model_dir, normalize
from testkit.mandarin_sentences import BENCHMARK, DEV, PROBES, TEST

# Mean CER on TEST (10 sentences) must stay at or under these: each voice's figure on this set (the
# sentences' rows of docs/mandarin/cer-benchmark.json: 11.2, 6.9, 7.6, 9.4 and 10.2%) plus four characters
# in a hundred, rounded up, room for another CPU's rounding; a regression in the front-end, the tones, the
# engine or its donor voice packs crosses it. They are regression bounds, not the goal (5%, BENCHMARKS.md).
# Before the voices borrowed timbre from the native packs, on the earlier 15-sentence set: jf_alpha 14.3%,
# jf_gongitsune 8.5%, jf_nezumi 17.1%, jf_tebukuro 11.4%, jm_kumo 9.8%. One short sentence weighs a tenth:
# with the held falling tone, jf_tebukuro's 这个字怎么读 went from right to all wrong.
CER_BOUNDS = {"jf_alpha": 0.16, "jf_gongitsune": 0.11, "jf_nezumi": 0.12, "jf_tebukuro": 0.14, "jm_kumo": 0.15}


@pytest.fixture(scope="module")
def judge() -> MandarinJudge:
    return MandarinJudge()


def test_the_judge_is_assembled_from_the_registry_wheels_and_checked() -> None:
    folder = model_dir()
    assert (folder / "model.bin").stat().st_size == 145_217_532
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {p.name for p in folder.iterdir()}


def test_scoring_normalises_script_numbers_and_punctuation() -> None:
    assert normalize("會議在2025年5月20日下午3點。", traditional=True) == normalize("会议在二零二五年五月二十日下午三点")
    assert normalize("我们用GPU训练模型！") == "我们用gpu训练模型"
    assert normalize("两个") == normalize("二个")
    # an id or phone number is compared digit by digit, so one dropped digit is one error, not a dozen
    assert cer([normalize("电话是13812345678")], [normalize("电话是1381234567")]) == pytest.approx(1 / 14)
    assert cer(["今天天气很好"], ["今天天气很好"]) == 0.0
    assert cer(["今天天气很好"], ["今天天器很好"]) == pytest.approx(1 / 6)


def test_the_sentence_sets_are_separate_and_large_enough() -> None:
    benchmark = [s for group in BENCHMARK.values() for s in group]
    assert len(benchmark) >= 60 and len(set(benchmark)) == len(benchmark) and len(TEST) == 10
    assert not set(DEV) & set(benchmark)
    assert not {s for probe in PROBES.values() for s in probe} & set(benchmark)  # tuning sets, like DEV
    assert set(TEST) <= set(benchmark)
    assert set(BENCHMARK) == {"everyday", "news", "numbers and dates", "mixed Chinese and English", "questions"}


def test_each_misheard_character_is_sorted_into_homophone_tone_or_syllable() -> None:
    # 在家 → 再加: both characters keep syllable and tone; 没电了 → 没点了: dian4 heard as dian3
    assert classify("我在家", "我再加").kinds == {"homophone": 2}
    tone = classify("没电了借你的", "没点了解你的")
    assert tone.kinds == {"tone": 2} and tone.tones == {"4→3": 2}
    # 这 → 就 is another syllable; a dropped character and an English slip are counted apart
    assert classify("这家店", "就加点").kinds == {"syllable": 1, "homophone": 1, "tone": 1}
    assert classify("你去过上海吗", "你去上海吗").kinds == {"dropped or added": 1}
    assert classify("这个app", "这个apm").kinds == {"syllable": 1}
    assert classify("今天很好", "今天很好").kinds == {}
    rows = [{"reference": "我在家", "heard": "我再加"}, {"reference": "没电了", "heard": "没点了"}]
    assert tally(rows).kinds == {"homophone": 2, "tone": 1}


def test_a_change_between_two_runs_is_counted_per_sentence_with_its_interval() -> None:
    rng = np.random.default_rng(1)
    texts = [f"s{i}" for i in range(40)]
    before = [{"text": t, "cer": float(c)} for t, c in zip(texts, rng.uniform(0.1, 0.5, 40), strict=True)]
    # ten sentences 0.1 better, three 0.05 worse, the rest the same; one sentence only in the earlier run
    after = [
        {"text": r["text"], "cer": r["cer"] - 0.1 if i < 10 else r["cer"] + 0.05 if i < 13 else r["cer"]}
        for i, r in enumerate(before)
    ]
    moved = paired_change([*before, {"text": "gone", "cer": 1.0}], after)
    assert (moved["sentences"], moved["better"], moved["worse"]) == (40, 10, 3)
    assert moved["change"] == pytest.approx((-1.0 + 0.15) / 40)
    assert moved["low"] < moved["change"] < moved["high"] < 0  # ten of forty better and few worse: a real gain
    same = paired_change(before, before)
    assert (same["better"], same["worse"], same["change"], same["low"], same["high"]) == (0, 0, 0.0, 0.0, 0.0)
    noisy = paired_change(before, [{"text": r["text"], "cer": r["cer"] + (0.2 if i % 2 else -0.2)} for i, r in enumerate(before)])
    assert noisy["low"] < 0 < noisy["high"]  # as many better as worse: the interval spans no change
    with pytest.raises(ValueError):
        paired_change(before, [{"text": "other", "cer": 0.0}])


@pytest.mark.slow
def test_every_voice_is_understood_in_mandarin(synthesizer, judge) -> None:
    figures = {}
    wrong = []
    for voice in synthesizer.engine.house_voices():  # the native voices' figures: bench/cer_bench.py
        scores = []
        for sentence in TEST:
            result = synthesizer.synthesize(sentence, SynthParams(voice=voice), "zh")
            assert result.sample_rate == 24_000
            han = sum(1 for ch in sentence if "\u4e00" <= ch <= "\u9fff")
            assert len(result.audio) / result.sample_rate > 0.12 * han  # no syllable swallowed whole
            scored = judge.score(sentence, result.audio, result.sample_rate)
            scores.append(scored)
        figures[voice] = statistics.mean(s.cer for s in scores)
        wrong += [(voice, s.reference, s.heard) for s in scores if s.cer > 0.3]
        if voice == "jf_alpha":
            # the judge is not generous: the same transcripts against the wrong sentences score badly
            shifted = [s.reference for s in scores[1:] + scores[:1]]
            assert cer(shifted, [s.heard for s in scores]) > 0.7
    print("\nmean CER " + ", ".join(f"{v} {c:.1%}" for v, c in figures.items()))
    assert set(figures) == set(CER_BOUNDS)
    assert all(figures[v] <= CER_BOUNDS[v] for v in figures), (figures, wrong)


@pytest.mark.slow
def test_english_p_t_k_inside_chinese_are_heard_aspirated(synthesizer, judge, monkeypatch) -> None:
    """Written without aspiration, the voices' English P inside a Chinese sentence is heard as B (PPT as
    BBD); these probe sentences were among those the aspiration rule was chosen on."""
    from index_tts.frontend import g2p
    from index_tts.frontend.pipeline import TextFrontend

    sentences = ["请把PPT发到群里。", "周末我们去Costco买东西。", "我的iPad没电了。"]
    voices = ["jf_alpha", "jm_kumo"]

    def heard(frontend) -> list:
        with_frontend = type(synthesizer)(synthesizer.engine, frontend)
        return [
            judge.score(s, (r := with_frontend.synthesize(s, SynthParams(voice=v), "zh")).audio, r.sample_rate)
            for v in voices
            for s in sentences
        ]

    aspirated = heard(TextFrontend())
    monkeypatch.setattr(g2p, "aspirate_onsets", lambda phonemes: phonemes)
    plain = heard(TextFrontend())
    figure = cer([s.reference for s in aspirated], [s.heard for s in aspirated])
    before = cer([s.reference for s in plain], [s.heard for s in plain])
    print(f"\nCER with aspiration {figure:.1%}, without {before:.1%}")
    assert figure < before - 0.05, ([s.heard for s in plain], [s.heard for s in aspirated])
    assert sum("p" in s.heard for s in aspirated) > sum("p" in s.heard for s in plain)


@pytest.mark.slow
def test_noise_is_not_understood_as_mandarin(judge) -> None:
    noise = np.random.default_rng(0).normal(0, 0.1, 24_000 * 2).astype(np.float32)
    assert judge.score("今天天气很好", noise, 24_000).cer > 0.8

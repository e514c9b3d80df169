"""Pitch that does what it says: a voice asked for more than it can reach is asked for what goes furthest,
and the listener is told how far it went; an engine that cannot change pitch says so.

What the listener hears is judged by two pitch trackers, Praat (which measured the shipped tables) and pyin
(the tests' own), on sentences the tables were not measured on."""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import mean_log2_pitch, median_pitch, profiles_for

from index_tts.engines.base import Capabilities
from index_tts.prosody.delivery import measure_delivery
from index_tts.voice.emotion import EMOTIONS, EmotionMode, EmotionRequest, normalize_vector
from index_tts.voice.emotion_prosody import emotion_prosody
from index_tts.voice.pitch_reach import ASKED, SENTENCES, PitchReach, ReachTable
from index_tts.voice.planner import DeliveryPlanner

SPOKEN_ZH = "我们明天早上八点在学校门口见面，别迟到了。"
SPOKEN_EN = "Please leave your bags at the front desk before you go upstairs."


def test_the_offset_asked_is_the_one_that_goes_furthest_within_the_request() -> None:
    table = ReachTable(((2.0, 2.0), (4.0, 3.9), (6.0, 5.9), (8.0, 3.0), (10.0, 0.4), (12.0, 0.2), (-4.0, -4.0), (-8.0, -5.0)))
    high = table.plan(10.0)
    assert (high.used, high.reached, high.short) == (6.0, 5.9, True)
    within = table.plan(4.0)
    assert (within.used, within.reached, within.short) == (4.0, 3.9, False)
    assert table.plan(5.0).used == 5.0  # between measured offsets: interpolated, and still rising
    low = table.plan(-12.0)
    assert (low.used, low.short) == (-12.0, False)  # lowering is applied as asked (the tracker fails below ~75 Hz)
    over = ReachTable(((2.0, 0.4), (4.0, 5.6)))
    assert over.plan(4.0).used == 4.0 and not over.plan(4.0).short  # going further than asked is not falling short
    assert table.plan(0.0).used == 0.0


def _reach(engine) -> PitchReach:
    return PitchReach.of(engine)


def test_every_voice_has_a_shipped_reach_table(engine) -> None:
    reach = _reach(engine)
    for voice in engine.voices():
        for language in SENTENCES:
            table = reach.table(voice, language)
            assert table is not None and [a for a, _ in table.points] == list(ASKED), (voice, language)
    assert reach.table("zf_xiaoxiao:0.7+af_heart:0.3", "en") == reach.table("zf_xiaoxiao", "en")
    assert reach.table("jf_alpha", "ja") == reach.table("jf_alpha", "zh")


@pytest.fixture(scope="module")
def planner(synthesizer):
    return DeliveryPlanner(synthesizer.engine, profiles_for(synthesizer), _reach(synthesizer.engine))


def _plan_and_speak(planner, synthesizer, voice, text, language, pitch=0.0, emotion=None):
    request = EmotionRequest() if emotion is None else EmotionRequest(mode=EmotionMode.VECTOR, vector=emotion, weight=1.0)
    params, notices = planner.params(voice, request, pitch=pitch, main_text=text, language=language)
    audio = synthesizer.synthesize(text, params, language).audio
    return audio, notices


def _semitones(audio, plain) -> tuple[float, float]:
    """How far ``audio`` is above ``plain``: by Praat's median and by pyin's."""
    praat = 12 * np.log2(measure_delivery(audio, 24_000).f0_median_hz / measure_delivery(plain, 24_000).f0_median_hz)
    return float(praat), float(12 * np.log2(median_pitch(audio) / median_pitch(plain)))


def test_an_engine_that_cannot_change_pitch_says_so(synthesizer) -> None:
    caps = Capabilities(voice_cloning=True, emotion_vector=True)
    cloning = SimpleNamespace(name="indextts2", model_version="1", capabilities=caps)
    planner = DeliveryPlanner(cloning, profiles_for(synthesizer))
    params, notices = planner.params("speaker", EmotionRequest(), pitch=3.0)
    assert params.prosody is None
    assert [n.key for n in notices] == ["notice_pitch_ignored"]
    assert "does not change pitch" in notices[0].text("en") and "音高设置未生效" in notices[0].text("zh")
    assert planner.params("speaker", EmotionRequest(), pitch=0.0)[1] == ()


@pytest.mark.parametrize(("voice", "text", "language"), [("zf_xiaoxiao", SPOKEN_EN, "en"), ("jf_alpha", SPOKEN_ZH, "zh")])
def test_a_voice_asked_past_its_ceiling_says_how_far_it_went(planner, synthesizer, voice, text, language) -> None:
    plain, told = _plan_and_speak(planner, synthesizer, voice, text, language)
    assert told == ()
    high, told = _plan_and_speak(planner, synthesizer, voice, text, language, pitch=10.0)
    assert [n.key for n in told] == ["notice_pitch_reach"]
    reached = told[0].values["reached"]
    assert reached < 9.0 and f"reaches about {reached:+.1f}" in told[0].text("en") and "实际约" in told[0].text("zh")
    praat, pyin = _semitones(high, plain)
    assert abs(praat - reached) < 1.5 and abs(pyin - reached) < 1.5, (praat, pyin, reached)


def test_a_pitch_within_reach_is_applied_as_asked_and_not_remarked(planner, synthesizer) -> None:
    plain, _ = _plan_and_speak(planner, synthesizer, "zm_yunxi", SPOKEN_EN, "en")
    raised, told = _plan_and_speak(planner, synthesizer, "zm_yunxi", SPOKEN_EN, "en", pitch=4.0)
    assert told == ()
    praat, pyin = _semitones(raised, plain)
    assert abs(praat - 4.0) < 1.5 and abs(pyin - 4.0) < 1.5, (praat, pyin)


@pytest.mark.parametrize("voice", ["jf_alpha", "zf_xiaoxiao", "zf_xiaoyi"])
def test_surprise_still_raises_a_high_voice_and_a_shortfall_is_told(planner, synthesizer, voice) -> None:
    """High voices on Chinese sit near the ceiling; surprise must still sound higher than calm."""

    def one(name: str) -> tuple[float, ...]:
        return tuple(1.0 if e == name else 0.0 for e in EMOTIONS)

    calm, _ = _plan_and_speak(planner, synthesizer, voice, SPOKEN_ZH, "zh", emotion=one("calm"))
    surprised, told = _plan_and_speak(planner, synthesizer, voice, SPOKEN_ZH, "zh", emotion=one("surprised"))
    praat = _semitones(surprised, calm)[0]
    pyin_mean = 12 * (mean_log2_pitch(surprised) - mean_log2_pitch(calm))  # pyin's median sits on a coarse grid
    assert praat > 1.0 and pyin_mean > 1.0, (praat, pyin_mean)
    asked = emotion_prosody(normalize_vector(one("surprised")), 1.0).pitch_shift  # what surprise asks of the pitch
    short = planner.reach.table(voice, "zh").plan(asked).short
    assert [n.key for n in told] == (["notice_pitch_reach_emotion"] if short else []), (asked, told)


def test_a_shipped_reach_table_is_what_the_voice_measures_now(synthesizer) -> None:
    """The tables must not go stale when the model or the front-end changes (one voice, one language, afresh)."""
    from index_tts.engines.base import SynthParams
    from index_tts.prosody.controls import Prosody
    from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS, Synthesizer

    as_served = Synthesizer(synthesizer.engine, synthesizer.frontend, FIRST_SEGMENT_UNITS)

    def render(voice: str, text: str, language: str, offset: float):
        params = SynthParams(voice=voice, prosody=Prosody(pitch_shift=offset) if offset else None)
        result = as_served.synthesize(text, params, language)
        return result.audio, result.sample_rate

    shipped = dict(_reach(synthesizer.engine).table("zf_xiaoxiao", "en").points)
    offsets = (4.0, 8.0, 10.0)  # below, at and past where this voice breaks
    fresh = PitchReach.measure(["zf_xiaoxiao"], render, languages=("en",), offsets=offsets)["zf_xiaoxiao"]["en"]
    for asked, now in fresh:
        assert abs(shipped[asked] - now) < 0.5, (asked, shipped[asked], now)

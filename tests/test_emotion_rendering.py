"""Emotion rendered as prosody by the embedded engine, measured on the audio (pyin F0, RMS, duration)."""

import numpy as np
import pytest
from conftest import median_pitch

from index_tts.engines.base import SynthParams
from index_tts.voice.emotion import EMOTIONS, normalize_vector
from index_tts.voice.emotion_prosody import EFFECTS, emotion_prosody
from index_tts.voice.emotion_text import classify_emotion

SENTENCE = "今天我们一起去公园散步，看看湖边的花。"


def _one(name: str, amount: float = 1.0) -> tuple[float, ...]:
    return normalize_vector(tuple(amount if e == name else 0.0 for e in EMOTIONS))


@pytest.fixture(scope="module")
def rendered(synthesizer):
    """The sentence with each emotion at full slider and the UI's default weight, plus plain."""

    def render(vector=None, weight=0.0):
        params = SynthParams(voice="jf_alpha", emotion=vector, emotion_weight=weight, prosody=emotion_prosody(vector, weight))
        return synthesizer.synthesize(SENTENCE, params).audio

    out = {name: render(_one(name), 0.65) for name in EMOTIONS}
    out["plain"] = render()
    out["render"] = render
    return out


def _db(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio**2))))


def test_weight_zero_is_no_emotion(rendered) -> None:
    assert np.array_equal(rendered["render"](_one("angry"), 0.0), rendered["plain"])
    assert emotion_prosody(_one("angry"), 0.0) is None


@pytest.mark.parametrize("name", ["happy", "surprised", "angry", "afraid"])
def test_aroused_emotions_raise_pitch_over_calm(rendered, name: str) -> None:
    rise = 12 * np.log2(median_pitch(rendered[name]) / median_pitch(rendered["calm"]))
    assert rise > 1.0, rise


@pytest.mark.parametrize("name", ["sad", "melancholic"])
def test_low_emotions_lower_pitch_and_slow_down(rendered, name: str) -> None:
    fall = 12 * np.log2(median_pitch(rendered[name]) / median_pitch(rendered["calm"]))
    assert fall < -0.7, fall
    assert len(rendered[name]) > 1.05 * len(rendered["calm"])


def test_angry_is_louder(rendered) -> None:
    assert _db(rendered["angry"]) > _db(rendered["calm"]) + 2.0
    assert _db(rendered["angry"]) > _db(rendered["sad"]) + 4.0


def test_changes_follow_the_weight(rendered) -> None:
    render = rendered["render"]
    takes = [render(_one("happy"), w) for w in (0.2, 0.5, 0.9)]
    pitches = [median_pitch(a) for a in takes]
    assert pitches[0] < pitches[1] < pitches[2], pitches
    slow = [len(render(_one("melancholic"), w)) for w in (0.2, 0.5, 0.9)]
    assert slow[0] < slow[1] < slow[2], slow


def test_mixed_emotions_blend_in_log_space() -> None:
    both = emotion_prosody(normalize_vector((0.5, 0, 0.5, 0, 0, 0, 0, 0)), 1.0)
    happy, sad = EFFECTS["happy"], EFFECTS["sad"]
    expected_shift = (0.5 * 0.9375 * happy.pitch_shift + 0.5 * 1.0 * sad.pitch_shift) * (0.8 / (0.5 * 0.9375 + 0.5))
    assert both.pitch_shift == pytest.approx(expected_shift, abs=1e-4)  # the vector is rounded to 6 digits
    assert min(happy.pitch_range, sad.pitch_range) < both.pitch_range < max(happy.pitch_range, sad.pitch_range)


@pytest.mark.parametrize(
    ("text", "strongest"),
    [
        ("我今天非常开心！", "happy"),
        ("有点难过", "sad"),
        ("不开心", "sad"),
        ("气死我了，太可恶了", "angry"),
        ("好害怕，别过来", "afraid"),
        ("真恶心", "disgusted"),
        ("心情很低落，提不起劲", "melancholic"),
        ("哇，没想到你来了！", "surprised"),
        ("平静地说", "calm"),
        ("I am really excited!", "happy"),
        ("so angry right now", "angry"),
        ("not scared at all", "calm"),
        ("a bit nervous", "afraid"),
        ("今天天气不错", "calm"),
    ],
)
def test_description_classifier(text: str, strongest: str) -> None:
    scores = classify_emotion(text)
    assert len(scores) == 8 and all(0.0 <= v <= 1.2 for v in scores)
    assert EMOTIONS[int(np.argmax(scores))] == strongest, scores


def test_intensity_words_scale_the_score() -> None:
    sad = EMOTIONS.index("sad")
    assert classify_emotion("有点难过")[sad] < classify_emotion("难过")[sad] < classify_emotion("非常难过")[sad]


def test_pitch_offset_plus_emotion_stays_in_range() -> None:
    from index_tts.prosody.controls import PITCH_SHIFT_RANGE, Prosody

    top = emotion_prosody(_one("surprised"), 1.0, Prosody(pitch_shift=PITCH_SHIFT_RANGE[1]))
    assert top is not None and top.pitch_shift == PITCH_SHIFT_RANGE[1]
    bottom = emotion_prosody(_one("melancholic"), 1.0, Prosody(pitch_shift=PITCH_SHIFT_RANGE[0]))
    assert bottom is not None and bottom.pitch_shift == PITCH_SHIFT_RANGE[0]

"""The app's small parts on their own: emotion rules, request building, strings, port and PID handling."""

from __future__ import annotations

import os
import socket
import time

import pytest

from index_tts.common.errors import TTSError
from index_tts.common.i18n import EMOTION_NAMES, STRINGS, t
from index_tts.interface.server import StartupError, reserve_port
from index_tts.interface.ui.controls import request_from_page
from index_tts.ops.pidfile import remove_pidfile, write_pidfile
from index_tts.ops.share import internet_reachable
from index_tts.serving.request import SEED_RANGE, SpeechRequest
from index_tts.voice.emotion import (
    EMOTIONS,
    MAX_VECTOR_SUM,
    SLIDER_BIAS,
    EmotionMode,
    EmotionRequest,
    normalize_vector,
    random_vector,
)
from index_tts.voice.emotion_resolution import resolve_vector


def test_emotion_order_matches_indextts2() -> None:
    assert EMOTIONS == ("happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm")
    assert EMOTION_NAMES["zh"] == ("喜", "怒", "哀", "惧", "厌恶", "低落", "惊喜", "平静")


def test_slider_vector_is_biased_then_capped() -> None:
    small = normalize_vector([0.2, 0, 0, 0, 0, 0, 0, 0])
    assert small[0] == pytest.approx(0.2 * SLIDER_BIAS[0]) and sum(small) < MAX_VECTOR_SUM
    full = normalize_vector([1.0] * 8)
    assert sum(full) == pytest.approx(MAX_VECTOR_SUM, abs=1e-5)
    assert full[6] / full[0] == pytest.approx(SLIDER_BIAS[6] / SLIDER_BIAS[0], rel=1e-4)  # proportions kept


def test_random_vector_is_reproducible_and_bounded() -> None:
    assert random_vector(7) == random_vector(7) != random_vector(8)
    assert sum(random_vector(7)) <= MAX_VECTOR_SUM + 1e-6


def test_resolve_vector_by_mode() -> None:
    assert resolve_vector(EmotionRequest(), 0) is None
    vec = resolve_vector(EmotionRequest(mode=EmotionMode.VECTOR, vector=(0.5,) + (0.0,) * 7), 0)
    assert vec is not None and vec[0] == pytest.approx(0.5 * SLIDER_BIAS[0])
    assert resolve_vector(EmotionRequest(mode=EmotionMode.VECTOR, random=True), 3) == random_vector(3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"emotion": (0.1,) * 7}, "needs 8 values"),
        ({"emotion": (2.0,) + (0.0,) * 7}, "between 0 and 1"),
        ({"emotion_weight": -0.1}, "weight must be between 0 and 1"),
        ({"emotion_mode": EmotionMode.AUDIO}, "emotion reference clip"),
    ],
)
def test_bad_emotion_requests_are_rejected(fields, message) -> None:
    with pytest.raises(TTSError, match=message):
        SpeechRequest.build(text="你好", **fields)


def _values(**overrides):
    """The page's controls by name, as both of its buttons send them."""
    values = {
        "text": "你好",
        "voice": "jf_alpha",
        "reference_audio": None,
        "emotion_mode": "vector",
        "emotion_audio": None,
        "emotion_weight": 0.5,
        **dict(zip(EMOTIONS, (0.9, 0, 0, 0, 0, 0, 0.3, 0), strict=True)),
        "emotion_random": False,
        "emotion_text": "ignored in vector mode",
        "speed": 1.2,
        "seed": 5.0,
        "text_language": "zh",
        "max_segment": 30.0,
        "ui_lang": "zh",
    }
    values.update(overrides)
    return values


def test_request_from_the_page_controls() -> None:
    request = request_from_page(_values(), sampling=False)
    assert request.text == "你好" and request.speed == 1.2 and request.seed == 5 and request.max_segment == 30
    emotion = request.emotion_request()
    assert emotion.mode is EmotionMode.VECTOR and emotion.vector[0] == 0.9 and emotion.text == ""
    text_request = request_from_page(_values(emotion_mode="text", emotion_text="  开心  "), sampling=False)
    assert text_request.emotion_request().text == "开心"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "text is empty"),
        ({"text": "字" * 5001}, "5001 characters, more than the limit of 5000"),
        ({"speed": 3.0}, "speed must be"),
        ({"max_segment": 2}, "maximum segment length"),
        ({"emotion_mode": "loud"}, "unknown emotion mode"),
        ({"happy": 1.5}, "between 0 and 1"),
        ({"seed": -1, "emotion_random": True}, "seed must be"),
        ({"seed": 2**40}, "seed must be"),
        ({"seed": float("nan")}, "seed must be a whole number"),
        ({"seed": 1.5}, "seed must be a whole number"),
    ],
)
def test_request_from_the_page_rejects_bad_values(overrides, message) -> None:
    with pytest.raises(TTSError, match=message):
        request_from_page(_values(**overrides), sampling=False)


def test_an_over_long_text_is_told_with_the_limit_in_the_page_language() -> None:
    with pytest.raises(TTSError, match="文本有 6000 字，超出上限 5000 字"):
        request_from_page(_values(text="字" * 6000), sampling=False, lang="zh")
    with pytest.raises(TTSError, match="The text has 6000 characters, more than the limit of 5000"):
        request_from_page(_values(text="字" * 6000), sampling=False, lang="en")


def test_every_allowed_seed_draws_a_random_emotion() -> None:
    for seed in SEED_RANGE:
        request = SpeechRequest(text="hello", seed=seed, emotion_mode=EmotionMode.VECTOR, emotion_random=True)
        assert len(resolve_vector(request.emotion_request(), request.seed)) == len(EMOTIONS)
    assert random_vector(SEED_RANGE[1]) != random_vector(SEED_RANGE[0])


def test_speech_request_defaults_are_valid() -> None:
    request = SpeechRequest(text="hello")
    assert request.emotion_mode is EmotionMode.VOICE and request.language == "auto"


def test_every_ui_string_exists_in_both_languages() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == {"zh", "en"} and all(entry.values()), key
    assert t("char_count", "en", n=3, limit=10) == "Characters: 3 / 10"
    assert t("char_count", "zh", n=3, limit=10) == "字数：3 / 10"


def test_reserve_port_reports_a_taken_port_in_one_line() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(StartupError) as info:
            reserve_port("127.0.0.1", port)
    assert f"port {port} on 127.0.0.1 is already in use" in str(info.value) and "\n" not in str(info.value)


def test_reserved_port_refuses_connections_until_served() -> None:
    sock = reserve_port("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        sock.close()


def test_pidfile_is_removed_only_by_its_owner(tmp_path) -> None:
    path = tmp_path / "webui.pid"
    write_pidfile(path)
    assert path.read_text().strip() == str(os.getpid())
    path.write_text("1\n")  # a newer instance took over
    remove_pidfile(path)
    assert path.exists()
    write_pidfile(path)
    remove_pidfile(path)
    assert not path.exists()


def test_offline_share_probe_is_quick_and_false() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    started = time.monotonic()
    assert internet_reachable("127.0.0.1", port, timeout=1.0) is False
    assert internet_reachable("host.invalid", 443, timeout=1.0) is False
    assert time.monotonic() - started < 2.5


def test_the_pages_token_slider_starts_at_the_engines_cap_behind_the_fallback_wrapper() -> None:
    from types import SimpleNamespace

    from index_tts.engines.fallback import FallbackEngine
    from index_tts.engines.sampling import SAMPLING_DEFAULTS, page_defaults

    primary = SimpleNamespace(
        name="x", model_version="1", sample_rate=22_050, languages=("zh",), capabilities=None, max_phonemes=None,
        parallel_calls=1, max_mel_tokens=77,
    )  # fmt: skip
    wrapped = FallbackEngine(primary, make_fallback=lambda: primary)
    assert page_defaults(wrapped)["max_mel_tokens"] == 77 == page_defaults(primary)["max_mel_tokens"]
    assert page_defaults(SimpleNamespace()) == SAMPLING_DEFAULTS  # an engine without a cap: the defaults

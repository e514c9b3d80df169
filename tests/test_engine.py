"""The embedded engine renders real speech: rate, duration per character, loudness, voicing."""

import threading

import numpy as np
import pytest
from conftest import voiced_fraction

from index_tts import SAMPLE_RATE
from index_tts.common.errors import TTSError
from index_tts.engines import create_engine
from index_tts.engines.base import Engine, SynthParams

CASES = [
    ("zh", "今天天气很好，我们一起去公园散步吧。", 0.12, 0.5),  # seconds per Chinese character
    ("en", "The quick brown fox jumps over the lazy dog.", 0.04, 0.15),  # seconds per letter
    ("ja", "今日はいい天気ですね。", 0.08, 0.45),
    ("zh", "我们用GPU训练AI模型，效果很好。", 0.1, 0.5),
]


def test_engine_reports_its_interface(engine: Engine) -> None:
    assert isinstance(engine, Engine)
    assert engine.sample_rate == SAMPLE_RATE
    assert engine.house_voices() == ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
    assert engine.voices()[:5] == engine.house_voices() and len(engine.voices()) == 50  # + native packs (test_voices)
    assert set(engine.languages) == {"zh", "en", "ja"}
    assert engine.capabilities.voice_cloning is False and engine.max_phonemes == 510


@pytest.mark.parametrize(("lang", "text", "lo", "hi"), CASES)
def test_speech_is_plausible(synthesizer, lang: str, text: str, lo: float, hi: float) -> None:
    result = synthesizer.synthesize(text, SynthParams(voice="jf_alpha"), lang)
    audio = result.audio
    assert result.sample_rate == 24_000 and audio.dtype == np.float32
    chars = sum(c.isalpha() for c in text)
    assert lo * chars <= result.audio_seconds <= hi * chars, result.audio_seconds
    rms_db = 20 * np.log10(np.sqrt(np.mean(audio**2)) + 1e-9)
    assert -35 < rms_db < -3, rms_db
    assert np.abs(audio).max() <= 1.0
    assert voiced_fraction(audio, result.sample_rate) > 0.3


def test_speed_changes_duration(synthesizer) -> None:
    text = "速度测试，这句话用来比较语速。"
    slow = synthesizer.synthesize(text, SynthParams(voice="jf_alpha", speed=0.8)).audio_seconds
    fast = synthesizer.synthesize(text, SynthParams(voice="jf_alpha", speed=1.5)).audio_seconds
    assert fast < slow * 0.75


def test_voices_sound_different(synthesizer) -> None:
    a = synthesizer.synthesize("你好，欢迎光临。", SynthParams(voice="jf_alpha")).audio
    b = synthesizer.synthesize("你好，欢迎光临。", SynthParams(voice="jm_kumo")).audio
    n = min(len(a), len(b))
    assert len(a) != len(b) or not np.allclose(a[:n], b[:n], atol=1e-3)


def test_same_input_gives_same_audio(synthesizer) -> None:
    params = SynthParams(voice="jf_nezumi", seed=7)
    assert np.array_equal(synthesizer.synthesize("重复。", params).audio, synthesizer.synthesize("重复。", params).audio)


def test_unknown_voice_lists_valid_ones(synthesizer) -> None:
    with pytest.raises(TTSError, match=r"unknown voice 'nobody'.*jf_alpha"):
        synthesizer.synthesize("你好", SynthParams(voice="nobody"))


@pytest.mark.parametrize("speed", [0.1, 3.0, float("nan")])
def test_speed_out_of_range_is_rejected(synthesizer, speed: float) -> None:
    with pytest.raises(TTSError, match="speed"):
        synthesizer.synthesize("你好", SynthParams(voice="jf_alpha", speed=speed))


def test_several_sessions_serve_in_parallel() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from index_tts.serving.synthesizer import Synthesizer

    pooled = create_engine("kokoro", num_sessions=2, threads_per_session=1)
    assert (pooled.num_sessions, pooled.threads_per_session) == (2, 1)
    synth = Synthesizer(pooled)
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda t: synth.synthesize(t, SynthParams(voice="jf_alpha")), ["一。", "二。", "三。", "四。"]))
    assert all(r.audio_seconds > 0.2 for r in results)


def test_idle_session_threads_sleep_instead_of_spinning() -> None:
    """Workers have a thread per core; spinning idle threads would take CPU from the other workers."""
    from index_tts.engines.kokoro import assets as kokoro_assets
    from index_tts.engines.kokoro import graphs as kokoro_graphs

    folder = kokoro_assets.ensure_prepared(None)
    options = kokoro_graphs.open_session(folder / kokoro_graphs.STAGE_FILES["encoder"], 2).get_session_options()
    assert options.intra_op_num_threads == 2
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_the_manager_renders_first_segments_alone_only_with_threads_to_spare() -> None:
    from index_tts.serving.config import ManagerConfig
    from index_tts.serving.manager import ModelManager

    for threads, alone in ((2, True), (1, False)):
        manager = ModelManager(ManagerConfig(sessions=2, threads=threads, cache=False))
        manager.load()
        try:
            assert manager.scheduler is not None and manager.scheduler._first_alone is alone
        finally:
            manager.close()


def test_a_call_alone_decodes_with_every_core_and_sounds_the_same(monkeypatch) -> None:
    """One-thread workers on a machine with more cores: a call with no other in flight decodes with a
    session of its own that has every core; two calls at once each use their worker. Same audio."""
    from index_tts.engines.kokoro import engine as kokoro_engine
    from index_tts.engines.kokoro import graphs as kokoro_graphs
    from index_tts.frontend import TextFrontend

    monkeypatch.setattr(kokoro_engine, "usable_cores", lambda: 2)  # whatever this machine has
    pooled = create_engine("kokoro", num_sessions=2, threads_per_session=1)
    assert pooled.sprints_alone and pooled._sprint.get_session_options().intra_op_num_threads == 2
    used = []
    real_decode = kokoro_graphs.decode
    monkeypatch.setattr(kokoro_graphs, "decode", lambda session, *a: used.append(session) or real_decode(session, *a))
    segment = TextFrontend().process("图书馆的开放时间。").segments[0]
    alone = pooled.synthesize(segment, SynthParams(voice="jf_alpha"))
    assert used == [pooled._sprint]
    held, release = threading.Event(), threading.Event()

    def another_call() -> None:
        with pooled._borrow():
            held.set()
            release.wait(60)

    other = threading.Thread(target=another_call)
    other.start()
    held.wait(60)  # another call in flight: this one decodes with its own worker
    beside = pooled.synthesize(segment, SynthParams(voice="jf_alpha"))
    release.set()
    other.join()
    assert used[1] is not pooled._sprint
    assert np.array_equal(alone, beside)
    pooled.close()


def test_unknown_engine_is_rejected() -> None:
    with pytest.raises(TTSError, match=r"unknown engine 'nope'.*kokoro"):
        create_engine("nope")


def test_a_hung_call_gets_its_session_replaced() -> None:
    """With one session, a call stuck inside the model would block every later call; after
    ``abandon_call`` a fresh session serves them, and the stuck one is dropped when it returns."""
    import threading
    import time

    from index_tts.frontend import Segment

    engine = create_engine("kokoro", num_sessions=1)
    segment = Segment("hello", "en", "həlˈoʊ")
    session = engine._pool.queue[0]
    release, entered = threading.Event(), threading.Event()
    original = session.encode

    def stuck_encode(*args, **kwargs):
        entered.set()
        release.wait(30)
        return original(*args, **kwargs)

    session.encode = stuck_encode
    hung = threading.Thread(target=engine.synthesize, args=(segment, SynthParams(voice="jf_alpha")))
    hung.start()
    assert entered.wait(10)
    engine.abandon_call(hung.ident)
    started = time.perf_counter()
    audio = engine.synthesize(segment, SynthParams(voice="jf_alpha"))
    assert len(audio) > SAMPLE_RATE * 0.2 and time.perf_counter() - started < 10
    release.set()
    hung.join(30)
    assert engine._pool.qsize() == 1  # the given-up session did not come back into the pool
    assert engine._pool.queue[0] is not session
    engine.close()

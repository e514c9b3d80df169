"""The IndexTTS2 engine on the real upstream code (indextts2-inference) with tiny random weights.

Random weights speak noise, so these tests check what is true of noise: 24 kHz,
finite, not silent, no longer than the speech-token cap allows, the same seed gives
the same samples, another emotion gives others. What the app hands upstream is
observed on the real ``IndexTTS2`` object: its ``infer`` is wrapped to record each
call's keywords and then run as usual.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import fastapi
import numpy as np
import pytest
import soundfile as sf
from conftest import INDEXTTS2_MEL_CAP, INDEXTTS2_SEGMENT_MAX_S, finite_audio_checks
from fastapi.testclient import TestClient

from index_tts.common.errors import TTSError
from index_tts.engines.base import SynthParams
from index_tts.engines.indextts2.engine import IndexTTS2Engine
from index_tts.frontend import Segment
from index_tts.interface.api import add_api_routes
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.request import SpeechRequest
from index_tts.serving.timestamps import align
from index_tts.voice.emotion import EmotionMode


class InferRecorder:
    """Watches the real model's calls: records the upstream keywords of every segment (what ``infer`` would be
    given; the batched renderer takes the same), notices overlapping calls, can fail on cue."""

    def __init__(self, engine: IndexTTS2Engine) -> None:
        self.engine = engine
        self.original_kwargs = engine.infer_kwargs
        self.original_render = engine._batch.render
        self.calls: list[dict] = []
        self.running = 0
        self.overlapped = False
        self.fail_on: str | None = None
        self._count = threading.Lock()
        engine.infer_kwargs = self._kwargs
        engine._batch.render = self._render

    def _kwargs(self, segment, params, stream: bool = False) -> dict:
        kwargs = self.original_kwargs(segment, params, stream)
        self.calls.append(kwargs)
        return kwargs

    def _render(self, requests, ready=None, more=None):
        with self._count:
            self.running += 1
            self.overlapped |= self.running > 1
        try:
            if self.fail_on and any(self.fail_on in r.text for r in requests):
                raise RuntimeError("CUDA out of memory (simulated on the real model)")
            return self.original_render(requests, ready, more)
        finally:
            with self._count:
                self.running -= 1

    def restore(self) -> None:
        self.engine.infer_kwargs = self.original_kwargs
        self.engine._batch.render = self.original_render


@pytest.fixture(scope="module")
def manager(indextts2_dir):
    """The app's manager with IndexTTS2 (and the embedded engine as per-request fallback), one model load."""
    config = ManagerConfig(engine="indextts2", model_dir=indextts2_dir, sessions=2, max_mel_tokens=INDEXTTS2_MEL_CAP)
    m = ModelManager(config)
    m.load()
    yield m
    m.close()


@pytest.fixture(scope="module")
def engine(manager) -> IndexTTS2Engine:
    return manager.engine.primary


@pytest.fixture
def recorder(engine):
    rec = InferRecorder(engine)
    yield rec
    rec.restore()


def _clip(path: Path, freq: float, seconds: float = 2.0) -> str:
    t = np.arange(int(16_000 * seconds)) / 16_000
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)), 16_000)
    return str(path)


def _segment(text: str = "你好，世界。") -> Segment:
    return Segment(text=text, language="zh", phonemes="")


def test_the_real_upstream_class_is_loaded_from_the_random_folder(engine, manager, indextts2_dir) -> None:
    import indextts.infer_v2

    assert type(engine._model) is indextts.infer_v2.IndexTTS2
    assert "tests/stubs" not in indextts.infer_v2.__file__
    assert engine.random_weights and engine.model_version.endswith("-random")
    assert engine._model.model_dir == str(indextts2_dir)
    assert manager.health()["engine"] == "indextts2" and manager.fallback_notice is None
    # one model instance: one scheduler worker, so a segment waiting for the model is never "hung"
    assert manager.health()["workers"] == 1 and manager.admission.workers == 1


def test_no_request_asks_the_model_for_more_speech_tokens_than_its_gpt_holds(engine, indextts2_dir) -> None:
    """The tiny model's GPT holds 400 mel positions (upstream's default cap is 1500): asking for more fails deep
    in upstream (an IndexError at warm-up, measured at 405), so the engine caps every request at the model's own."""
    import yaml

    from index_tts.engines.indextts2.engine import mel_token_limit

    config = yaml.safe_load((indextts2_dir / "config.yaml").read_text())
    assert engine.mel_token_limit == config["gpt"]["max_mel_tokens"] == 400  # read from the checkpoint itself
    asks = {None: INDEXTTS2_MEL_CAP, 60: 60, 400: 400, 1500: 400, 1815: 400}  # a request's cap -> what upstream gets
    for asked, given in asks.items():
        sampling = {} if asked is None else {"max_mel_tokens": asked}
        assert engine.infer_kwargs(_segment(), SynthParams(voice="jf_alpha", sampling=sampling))["max_mel_tokens"] == given
    assert mel_token_limit(SimpleNamespace()) == 1500  # a model without a config: upstream's own default


@pytest.mark.parametrize("mode", ["voice", "audio", "vector", "text"])
def test_each_emotion_mode_reaches_upstream_infer_with_its_values(engine, recorder, tmp_path, mode: str) -> None:
    extra = {"emotion_mode": mode, "sampling": {"temperature": 0.6, "top_k": 20}, "interval_silence_ms": 300}
    if mode == "audio":
        extra["emotion_audio"] = _clip(tmp_path / "angry.wav", 320)
    if mode == "text":
        extra["emotion_text"] = "有点难过"
    vector = (0.75, 0, 0, 0, 0, 0, 0, 0) if mode == "vector" else None
    params = SynthParams(voice="jm_kumo", emotion=vector, emotion_weight=0.65, seed=7, **extra)
    audio = engine.synthesize(_segment(), params)
    call = recorder.calls[-1]
    assert call["spk_audio_prompt"].endswith("jm_kumo.wav") and call["text"] == "你好，世界。"
    assert call["output_path"] is None and call["interval_silence"] == 300
    assert (call["temperature"], call["top_k"], call["top_p"], call["num_beams"]) == (0.6, 20, 0.8, 3)
    assert call["max_mel_tokens"] == INDEXTTS2_MEL_CAP
    expected = {
        "voice": {},
        "audio": {"emo_alpha": 0.65},
        "vector": {"emo_vector": [0.75, 0, 0, 0, 0, 0, 0, 0], "emo_alpha": 0.65},
        "text": {"use_emo_text": True, "emo_text": "有点难过", "emo_alpha": 0.65},
    }[mode]
    emotion_keys = {"emo_audio_prompt", "emo_alpha", "emo_vector", "use_emo_text", "emo_text"}
    assert {k: v for k, v in call.items() if k in emotion_keys - {"emo_audio_prompt"}} == expected
    if mode == "audio":  # the clip reached upstream under its own content-named path, and upstream read it
        assert Path(call["emo_audio_prompt"]).exists() and call["emo_audio_prompt"] != extra["emotion_audio"]
        assert call["emo_audio_prompt"] in engine._batch._emotions  # its conditioning was computed from it
    finite_audio_checks(audio, INDEXTTS2_SEGMENT_MAX_S)


def test_same_seed_same_samples_another_emotion_other_samples(engine, recorder) -> None:
    def render(seed: int, vector: tuple[float, ...]) -> np.ndarray:
        params = SynthParams(voice="jf_alpha", emotion=vector, emotion_weight=0.8, seed=seed, emotion_mode="vector")
        return engine.synthesize(_segment("同一句话。"), params)

    calm, happy = (0, 0, 0, 0, 0, 0, 0, 0.8), (0.8, 0, 0, 0, 0, 0, 0, 0)
    first, again = render(11, calm), render(11, calm)
    assert np.array_equal(first, again)
    other = render(11, happy)
    assert not (len(other) == len(first) and np.allclose(other, first, atol=1e-3))
    assert [c["emo_vector"] for c in recorder.calls] == [list(calm), list(calm), list(happy)]


def test_a_voice_reference_is_cloned_from_its_own_path(engine, recorder, tmp_path) -> None:
    clips = [_clip(tmp_path / n, f) for n, f in (("a.wav", 150), ("b.wav", 300), ("a_again.wav", 150))]
    paths = []
    for clip in clips:
        audio = engine.synthesize(_segment(), SynthParams(voice="jf_alpha", seed=1, reference_audio=clip))
        paths.append(recorder.calls[-1]["spk_audio_prompt"])
        assert paths[-1] in engine._batch._speakers  # the speaker's conditioning was computed from this clip
        finite_audio_checks(audio, INDEXTTS2_SEGMENT_MAX_S)
    assert paths[0] != paths[1] and paths[0] == paths[2]  # different audio never shares a path
    with pytest.raises(TTSError, match="not there any more"):
        engine.synthesize(_segment(), SynthParams(voice="jf_alpha", reference_audio=str(tmp_path / "gone.wav")))


def test_a_stream_gives_the_same_samples_as_the_whole(engine, recorder) -> None:
    params = SynthParams(voice="jf_nezumi", seed=5, interval_silence_ms=100)
    whole = engine.synthesize(_segment("流式与整段。"), params)
    streamed = np.concatenate(list(engine.stream(_segment("流式与整段。"), params)))
    assert np.array_equal(streamed, whole)


def test_calls_reach_the_model_one_at_a_time(engine, recorder) -> None:
    errors: list[Exception] = []

    def call(i: int) -> None:
        try:
            engine.synthesize(_segment(f"第{i}句。"), SynthParams(voice="jf_alpha", seed=i))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(recorder.calls) == 3 and recorder.overlapped is False


def test_the_manager_normalizes_the_vector_the_indextts2_way(manager, recorder) -> None:
    emotion = {"emotion_mode": EmotionMode.VECTOR, "emotion": (1, 1, 0, 0, 0, 0, 0, 0), "emotion_weight": 0.5}
    text = f"第{time.time_ns() % 10**9}次你好。"  # a text nobody asked for before: not from the disk cache
    result = manager.synthesize(SpeechRequest.build(text=text, seed=2, **emotion, sampling={"temperature": 1.1}))
    call = recorder.calls[-1]
    assert call["emo_vector"] == pytest.approx([0.8 * 0.9375 / 1.8125, 0.8 * 0.875 / 1.8125, 0, 0, 0, 0, 0, 0])
    assert call["emo_alpha"] == 0.5 and call["temperature"] == 1.1
    assert result.sample_rate == 24_000
    finite_audio_checks(result.audio, len(result.segments) * (INDEXTTS2_SEGMENT_MAX_S + 0.6))
    # timings: IndexTTS2 gives no phoneme times, so each segment's span (exact) is shared among its sounds
    alignment = align(text, result.spoken, result.audio_seconds)
    assert "".join(alignment.characters) == text and all(s.phoneme_times is None for s in result.spoken)
    assert (alignment.segments[0].start, alignment.segments[-1].end) == (0.0, pytest.approx(result.audio_seconds))
    starts, ends = np.array(alignment.starts), np.array(alignment.ends)
    assert np.all(np.diff(starts) >= 0) and np.all(ends >= starts) and ends.max() <= result.audio_seconds + 1e-6
    assert all(ends[i] > starts[i] for i, c in enumerate(text) if c.isalnum())


def test_a_failed_request_falls_back_to_the_embedded_engine_and_is_not_cached(manager, recorder, indextts2_dir) -> None:
    app = fastapi.FastAPI()
    add_api_routes(app, manager)
    http = TestClient(app)
    recorder.fail_on = "FAIL"
    stamp = time.time_ns()  # texts nobody asked for before: nothing comes from the disk cache
    word = "".join(chr(ord("a") + (stamp >> (5 * i)) % 26) for i in range(8))
    ok = http.post("/api/tts", json={"text": "你好，" + "".join(chr(0x4E00 + ord(c)) for c in word) + "。", "seed": 1})
    assert ok.status_code == 200 and "X-TTS-Fallback" not in ok.headers
    entries = manager.cache.stats()["memory_entries"]
    failed = http.post("/api/tts", json={"text": f"FAIL, {word} FAIL."})
    assert failed.status_code == 200 and failed.headers["X-TTS-Fallback"] == "kokoro"
    audio, rate = sf.read(io.BytesIO(failed.content))
    assert rate == 24_000 and len(audio) / rate > 0.5 and np.abs(audio).max() > 0.05  # real speech from kokoro
    assert manager.cache.stats()["memory_entries"] == entries  # the stand-in's audio was not kept
    assert any("FAIL" in c["text"] for c in recorder.calls)  # the real model was asked first
    assert not any(p.name.startswith("kokoro") for p in indextts2_dir.iterdir())  # nothing written into its folder
    bad = http.post("/api/tts", json={"text": "你好。", "voice": "nobody"})
    assert bad.status_code == 400  # bad input is an error, not a reason to fall back


def test_the_page_offers_sampling_and_cloning_for_indextts2(manager) -> None:
    from index_tts.interface.ui import build_page

    demo = build_page(manager, "en")
    props = {c["props"]["elem_id"]: c["props"] for c in demo.config["components"] if c["props"].get("elem_id")}
    assert props["sampling"]["visible"] is True and props["no-cloning"]["visible"] is False
    assert props["pitch"]["visible"] is False  # IndexTTS2 cannot change pitch: the slider is hidden, not ignored
    assert "fallback-banner" not in props
    sliders = {c["props"].get("label"): c["props"] for c in demo.config["components"] if c.get("type") == "slider"}
    assert sliders["max_mel_tokens"]["value"] == INDEXTTS2_MEL_CAP  # the server's cap, not upstream's 1500

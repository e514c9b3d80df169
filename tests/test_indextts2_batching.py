"""IndexTTS2 batched across requests (``indextts2_batch``), on the real upstream code with tiny random weights.

What must hold: a segment's speech tokens are the ones upstream's own ``generate`` picks for the same
seed (sampling and beam sampling, stop token included); a request's audio is the same sample for sample
whether it was rendered alone or with up to seven others of other lengths, settings and emotion modes;
a request cancelled during a batch leaves and the others are untouched; the app batches concurrent
requests and counts the batch sizes in /metrics.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from conftest import INDEXTTS2_MEL_CAP, INDEXTTS2_SEGMENT_MAX_S, finite_audio_checks

from index_tts.common.errors import TTSError
from index_tts.engines.base import SynthParams
from index_tts.engines.indextts2 import batch
from index_tts.engines.indextts2.engine import IndexTTS2Engine, preset_voices
from index_tts.frontend import Segment
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.request import SpeechRequest

CAP = INDEXTTS2_MEL_CAP  # speech tokens per segment: a random GPT does not stop by itself


@pytest.fixture(scope="module")
def engine(indextts2_dir) -> IndexTTS2Engine:
    e = IndexTTS2Engine(indextts2_dir, max_mel_tokens=CAP)
    assert e.capabilities.batched_inference and e._batch is not None
    yield e
    e.close()


def _clip(path: Path, freq: float) -> str:
    t = np.arange(32_000) / 16_000
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)), 16_000)
    return str(path)


def _mixed_items(tmp_path: Path) -> list[tuple[Segment, SynthParams]]:
    """Eight requests that differ in every way a batch must cope with."""
    clip = _clip(tmp_path / "angry.wav", 320)
    cases = [
        ("你好。", "jf_alpha", {"emotion_mode": "voice", "sampling": {"num_beams": 1}}, None),
        ("今天天气很好，我们一起去公园散步吧。", "jm_kumo", {"emotion_mode": "vector"}, (0.7, 0, 0, 0, 0, 0, 0, 0)),
        ("Batching must not change a single sample.", "jf_nezumi", {"emotion_mode": "audio", "emotion_audio": clip}, None),
        ("第二种情绪。", "jf_alpha", {"emotion_mode": "text", "emotion_text": "有点难过"}, None),
        ("温度高一些，束也少一些。", "jm_kumo", {"sampling": {"temperature": 1.2, "num_beams": 2, "top_k": 50}}, None),
        # 236 text tokens, over upstream's 120 per piece: read as two pieces (118 + 118), 100 ms apart
        ("一句很长的话，被分成两段来读，第二段接在第一段后面，中间有停顿。" * 4, "jf_alpha", {"interval_silence_ms": 100}, None),
        ("Longer cap.", "jf_nezumi", {"sampling": {"max_mel_tokens": 60}}, None),
        ("重复惩罚小一点。", "jm_kumo", {"sampling": {"repetition_penalty": 1.5, "top_p": 0.95}}, None),
    ]
    items = []
    for i, (text, voice, extra, vector) in enumerate(cases):
        params = SynthParams(voice=voice, emotion=vector, emotion_weight=0.6, seed=100 + i, **extra)
        items.append((Segment(text=text, language="en" if text.isascii() else "zh", phonemes=""), params))
    return items


def _prompt_of(engine: IndexTTS2Engine, text: str, seed: int, beams: int):
    request = batch.request_from_kwargs(
        engine.infer_kwargs(Segment(text=text, language="zh", phonemes=""), SynthParams(voice="jf_alpha")),
        seed,
        lambda: False,
    )
    request.settings = batch.Settings(num_beams=beams, max_mel_tokens=60)
    return request


@pytest.mark.parametrize("beams", [1, 3])
def test_a_segment_gets_the_tokens_upstream_generate_picks_with_the_same_seed(engine, beams: int) -> None:
    """Our decode against upstream's ``inference_speech`` (Hugging Face ``generate`` on the global stream)."""
    model, renderer = engine._model, engine._batch
    head, stop = model.gpt.mel_head, model.stop_mel_token
    saved = head.bias.detach().clone()
    lengths = []
    try:
        with torch.no_grad():
            head.bias[stop] += 1.5  # a random GPT never stops: make the stop token likely, so both paths meet it
        for seed in range(5):
            request = _prompt_of(engine, "今天天气很好，我们去公园散步吧。", seed, beams)
            piece = renderer._pieces(0, request)[0]
            decoder = batch._Decoder(renderer)
            decoder.add([piece])
            while decoder.live:
                decoder.step(lambda _piece: False)
            c = piece.conditioning
            torch.manual_seed(seed)
            with torch.no_grad():
                codes, _ = model.gpt.inference_speech(
                    c["spk"], piece.text_tokens, c["emo"], cond_lengths=c["lengths"], emo_cond_lengths=c["emo_lengths"],
                    emo_vec=c["emovec"], do_sample=True, top_p=0.8, top_k=30, temperature=0.8, num_return_sequences=1,
                    length_penalty=0.0, num_beams=beams, repetition_penalty=10.0, max_generate_length=60,
                )  # fmt: skip
            theirs = codes[0]
            stops = (theirs == stop).nonzero()
            theirs = theirs[: int(stops[0, 0]) if stops.numel() else len(theirs)]
            assert piece.codes is not None and piece.codes[0].tolist() == theirs.tolist(), seed
            lengths.append(len(theirs))
    finally:
        with torch.no_grad():
            head.bias.copy_(saved)
    assert len(set(lengths)) > 1 and min(lengths) < 60  # the stop token ended some searches early


def test_each_request_sounds_the_same_alone_and_in_batches_of_one_to_eight(engine, tmp_path) -> None:
    items = _mixed_items(tmp_path)
    alone = [engine.synthesize_batch([item])[0] for item in items]
    for audio in alone:
        finite_audio_checks(audio, 2 * 60 / 50 * INDEXTTS2_SEGMENT_MAX_S + 0.3)
    assert len(alone[5]) > 1.8 * len(alone[0])  # the long text was read as two upstream segments (each at the cap)
    orders = [[1, 0], [6, 2, 4], [7, 6, 5, 4, 3, 2, 1, 0]]  # two, three, and all eight, each out of order
    for order in orders:
        together = engine.synthesize_batch([items[i] for i in order])
        for i, audio in zip(order, together, strict=True):
            assert audio is not None and audio.shape == alone[i].shape, (order, i)
            assert np.array_equal(audio, alone[i]), (order, i, float(np.abs(audio - alone[i]).max()))
    assert not np.array_equal(alone[0][:1000], alone[1][:1000])  # different requests do differ


def test_the_same_seed_gives_the_same_audio_and_another_seed_other_audio(engine) -> None:
    segment = Segment(text="同一句话。", language="zh", phonemes="")
    first, again, other = (engine.synthesize(segment, SynthParams(voice="jf_alpha", seed=s)) for s in (3, 3, 4))
    assert np.array_equal(first, again)
    assert not (len(first) == len(other) and np.allclose(first, other, atol=1e-3))


def test_a_request_cancelled_mid_batch_leaves_and_the_others_are_untouched(engine, tmp_path) -> None:
    items = _mixed_items(tmp_path)[:4]
    alone = [engine.synthesize_batch([item])[0] for item in items]
    polls = {"n": 0}

    def leaves_after_a_few_steps() -> bool:
        polls["n"] += 1
        return polls["n"] > 10  # asked once per decode step: gone some way into the decode

    never = lambda: False  # noqa: E731
    together = engine.synthesize_batch(items, [never, leaves_after_a_few_steps, never, never])
    assert together[1] is None and polls["n"] > 10
    for i in (0, 2, 3):
        assert np.array_equal(together[i], alone[i])


def test_requests_that_join_a_running_decode_sound_as_they_do_alone(engine, tmp_path) -> None:
    items = _mixed_items(tmp_path)
    alone = [engine.synthesize_batch([item])[0] for item in (items[0], items[4], items[6], items[7])]
    asked: list[int] = []
    bad = (Segment(text="没有这个声音。", language="zh", phonemes=""), SynthParams(voice="nobody"))

    def join(live: int):
        asked.append(live)
        if len(asked) == 5:  # some steps into the decode: a newcomer, and one the engine cannot take
            return [(*items[6], lambda: False), (*bad, lambda: False)]
        if len(asked) == 20:
            return [(*items[7], lambda: False)]
        return []

    got = engine.synthesize_batch([items[0], items[4]], None, None, join)
    assert len(got) == 5 and asked[:5] == [2, 2, 2, 2, 2]
    assert isinstance(got[3], TTSError) and "nobody" in str(got[3])
    for audio, whole in zip([got[0], got[1], got[2], got[4]], alone, strict=True):
        assert isinstance(audio, np.ndarray) and np.array_equal(audio, whole)


def test_each_request_is_handed_over_as_soon_as_it_is_done(engine, tmp_path) -> None:
    items = _mixed_items(tmp_path)[:3]
    handed: list[tuple[int, np.ndarray]] = []
    returned = engine.synthesize_batch(items, None, lambda i, audio: handed.append((i, audio)))
    assert [i for i, _ in handed] == [0, 1, 2]  # in the batch's order, one by one
    for (_i, audio), whole in zip(handed, returned, strict=True):
        assert audio is whole


@pytest.fixture(scope="module")
def batching_manager(indextts2_dir):
    config = ManagerConfig(
        engine="indextts2", model_dir=indextts2_dir, max_mel_tokens=CAP, max_batch=8, batch_window_ms=50, cache=False
    )
    m = ModelManager(config)
    m.load()
    yield m
    m.close()


def test_the_app_batches_concurrent_requests_and_shows_batch_sizes_in_metrics(batching_manager) -> None:
    stamp = time.time_ns()
    requests = [
        SpeechRequest(text=f"第{stamp % 10**6 + i}位听众，你好。", voice="jf_alpha", seed=i) for i in range(6)
    ]  # fmt: skip
    alone = [batching_manager.synthesize(r).audio for r in requests]
    got: dict[int, np.ndarray] = {}
    gate = threading.Barrier(len(requests))

    def listen(i: int) -> None:
        gate.wait()
        got[i] = batching_manager.synthesize(requests[i]).audio

    threads = [threading.Thread(target=listen, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(got) == list(range(len(requests)))
    for i, audio in enumerate(alone):
        # batched with the others, the same audio as alone: same length, and the samples equal to float rounding
        # (through the whole app on CPU, one request once differed from its solo take by 1e-6 in its first samples)
        np.testing.assert_allclose(got[i], audio, rtol=0, atol=1e-4, err_msg=f"request {i}")  # checks shape too
    metrics = batching_manager.metrics.render().decode()
    sizes = {
        line.split('le="')[1].split('"')[0]: float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("tts_batch_size_bucket")
    }
    assert sizes["1.0"] < sizes["+Inf"]  # some engine calls carried more than one segment


def test_preset_voices_are_all_usable_in_one_batch(engine) -> None:
    voices = list(preset_voices())
    items = [(Segment(text="你好。", language="zh", phonemes=""), SynthParams(voice=v, seed=1)) for v in voices]
    audios = engine.synthesize_batch(items)
    assert len(audios) == len(voices) and len(voices) >= 2
    for audio in audios:
        finite_audio_checks(audio, INDEXTTS2_SEGMENT_MAX_S + 0.05)

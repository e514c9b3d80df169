"""The voice match by timbre: the speaker encoder (weights read without torch, run as ONNX) and the match
that picks, for a voice reference, the offered voice closest in timbre and pitch.

The encoder's parts are checked against the libraries they stand in for (torch's LSTM, librosa's mel
spectrogram); the match is checked on clips of ten voices reading a sentence the matcher never saw
(the rule and its pitch weight were fixed on other sentences, see ``voice/profiles.py``)."""

import io

import librosa
import numpy as np
import onnxruntime as ort
import pytest
import soundfile as sf
import torch
from conftest import profiles_for

from index_tts.engines.base import SynthParams
from index_tts.prosody.delivery import measure_delivery
from index_tts.serving.synthesizer import FIRST_SEGMENT_UNITS
from index_tts.voice import speaker_encoder
from index_tts.voice import speaker_encoder_weights as weights
from index_tts.voice.emotion import EmotionRequest
from index_tts.voice.planner import DeliveryPlanner
from index_tts.voice.profiles import VoiceProfiles, profile_key

# Held out: the profiles read NEUTRAL_TEXT and the pitch weight was chosen on two other sentences.
HELD_OUT_TEXT = "这家小店的牛肉面味道很好，每天中午都有人排队。"
# Ten voices, chosen before the first run: both sexes of every language group, native and house voices.
TEN_VOICES = (
    "zf_xiaobei", "zf_xiaoni", "zm_yunjian", "zm_yunxi", "af_bella",
    "am_michael", "bf_isabella", "bm_lewis", "jf_nezumi", "jm_kumo",
)  # fmt: skip
BOUND = 8


def _random_state(seed: int = 0) -> dict[str, np.ndarray]:
    """A state dict of the encoder's shapes with random values."""
    rng = np.random.default_rng(seed)
    state = {}
    for layer in range(weights.LAYERS):
        inputs = weights.N_MELS if layer == 0 else weights.HIDDEN
        state[f"lstm.weight_ih_l{layer}"] = rng.normal(0, 0.1, (4 * weights.HIDDEN, inputs))
        state[f"lstm.weight_hh_l{layer}"] = rng.normal(0, 0.1, (4 * weights.HIDDEN, weights.HIDDEN))
        state[f"lstm.bias_ih_l{layer}"] = rng.normal(0, 0.1, 4 * weights.HIDDEN)
        state[f"lstm.bias_hh_l{layer}"] = rng.normal(0, 0.1, 4 * weights.HIDDEN)
    state["linear.weight"] = rng.normal(0, 0.1, (weights.HIDDEN, weights.HIDDEN))
    state["linear.bias"] = rng.normal(0, 0.1, weights.HIDDEN)
    return {name: value.astype(np.float32) for name, value in state.items()}


def test_the_onnx_encoder_computes_what_torch_computes() -> None:
    state = _random_state()
    lstm = torch.nn.LSTM(weights.N_MELS, weights.HIDDEN, weights.LAYERS, batch_first=True)
    linear = torch.nn.Linear(weights.HIDDEN, weights.HIDDEN)
    lstm.load_state_dict({k[5:]: torch.from_numpy(v) for k, v in state.items() if k.startswith("lstm.")})
    linear.load_state_dict({k[7:]: torch.from_numpy(v) for k, v in state.items() if k.startswith("linear.")})
    mels = np.abs(np.random.default_rng(1).normal(size=(3, 160, weights.N_MELS))).astype(np.float32)
    with torch.no_grad():
        _, (hidden, _) = lstm(torch.from_numpy(mels))
        raw = torch.relu(linear(hidden[-1]))
        expected = (raw / raw.norm(dim=1, keepdim=True)).numpy()
    session = ort.InferenceSession(weights.build_onnx(state).SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"mels": mels})[0]
    assert got.shape == (3, weights.HIDDEN)
    assert np.abs(got - expected).max() < 1e-5


def test_the_weights_are_read_from_a_legacy_torch_checkpoint_without_torch() -> None:
    state = {name: torch.from_numpy(value) for name, value in _random_state(2).items()}
    flat = torch.cat([state[f"lstm.weight_ih_l{i}"].reshape(-1) for i in range(weights.LAYERS)])
    views, start = {}, 0
    for i in range(weights.LAYERS):  # tensors that share one storage at offsets, as a cuDNN-trained LSTM's do
        size = state[f"lstm.weight_ih_l{i}"].numel()
        views[f"lstm.weight_ih_l{i}"] = flat[start : start + size].view_as(state[f"lstm.weight_ih_l{i}"])
        start += size
    buffer = io.BytesIO()
    torch.save({"model_state": {**state, **views}}, buffer, _use_new_zipfile_serialization=False)
    read = weights.read_state(buffer.getvalue())
    assert set(read) == set(state)
    for name, value in state.items():
        assert np.array_equal(read[name], value.numpy()), name


def test_a_checkpoint_that_names_other_classes_is_refused() -> None:
    buffer = io.BytesIO()
    torch.save({"model_state": {"x": torch.zeros(2)}, "extra": torch.nn.ReLU()}, buffer, _use_new_zipfile_serialization=False)
    with pytest.raises(Exception, match="not allowed"):
        weights.read_state(buffer.getvalue())
    with pytest.raises(weights.SpeakerEncoderWeightsError, match="sha256"):
        weights.check_wheel(b"not the wheel")


def test_the_mel_frames_are_librosas() -> None:
    audio = np.random.default_rng(3).normal(0, 0.1, 16_000).astype(np.float32)
    expected = librosa.feature.melspectrogram(y=audio, sr=16_000, n_fft=400, hop_length=160, n_mels=40).T
    got = speaker_encoder.mel_frames(audio)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4 * expected.max()


def test_every_voice_has_a_shipped_timbre_and_the_voices_differ(synthesizer, tmp_path) -> None:
    engine = synthesizer.engine
    profiles = profiles_for(synthesizer, tmp_path, render=lambda v: pytest.fail(f"rendered {v}"))
    timbres = profiles.timbres()
    assert set(timbres) == set(engine.voices())
    voices = engine.voices()
    matrix = np.stack([timbres[v] for v in voices])
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, 0.0)
    # The model's Spanish and Portuguese Dora, Alex and Santa are one speaker each, trained in two languages: the
    # encoder hears them as one (0.97-0.98). Every other two voices are different voices to it.
    same_speaker = np.array([[a != b and a.split("_")[1] == b.split("_")[1] for b in voices] for a in voices])
    assert similarity[~same_speaker].max() < 0.97
    assert {tuple(sorted((voices[i], voices[j]))) for i, j in zip(*np.nonzero(similarity >= 0.97), strict=True)} <= {
        ("ef_dora", "pf_dora"), ("em_alex", "pm_alex"), ("em_santa", "pm_santa")
    }  # fmt: skip


def test_clips_of_ten_voices_find_their_own_voice(synthesizer, tmp_path) -> None:
    planner = DeliveryPlanner(synthesizer.engine, profiles_for(synthesizer))
    assert planner.profiles.encoder is not None, "no speaker encoder: run python -m index_tts prepare"
    found, confusion = 0, []
    for voice in TEN_VOICES:
        clip = synthesizer.synthesize(HELD_OUT_TEXT, SynthParams(voice=voice), "zh").audio
        path = tmp_path / f"{voice}.wav"
        sf.write(path, clip, 24_000)
        delivery = planner.plan("zf_xiaoxiao", EmotionRequest(), None, reference_audio=str(path))
        assert delivery.match is not None and delivery.match.similarity is not None
        assert delivery.notices[0].key == "notice_voice_match"
        found += delivery.voice == voice
        confusion.append(f"{voice}->{delivery.voice} ({delivery.match.similarity:.2f})")
    print(f"{found} of 10 found their own voice: {', '.join(confusion)}")
    assert found >= BOUND, f"{found} of 10 found their own voice: {', '.join(confusion)}"


def test_without_the_encoder_the_match_goes_by_pitch_and_says_so(synthesizer, tmp_path) -> None:
    engine = synthesizer.engine
    key = profile_key(engine.name, engine.model_version, FIRST_SEGMENT_UNITS)
    by_pitch = VoiceProfiles(key, engine.house_voices, lambda v: pytest.fail(f"rendered {v}"), folder=tmp_path)
    planner = DeliveryPlanner(engine, by_pitch)
    assert by_pitch.encoder is None and planner.clips.encoder is None
    clip = synthesizer.synthesize(HELD_OUT_TEXT, SynthParams(voice="jm_kumo"), "zh").audio
    sf.write(tmp_path / "kumo.wav", clip, 24_000)
    delivery = planner.plan("jf_alpha", EmotionRequest(), None, reference_audio=str(tmp_path / "kumo.wav"))
    assert delivery.match is not None and delivery.match.similarity is None
    assert delivery.notices[0].key == "notice_voice_match_pitch"
    assert "by pitch alone" in delivery.notices[0].text("en") and "仅按音高" in delivery.notices[0].text("zh")
    assert abs(delivery.match.reference_hz - measure_delivery(clip, 24_000).f0_median_hz) < 1.0

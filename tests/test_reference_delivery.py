"""Reference clips with the embedded engine: upload checks, delivery statistics, emotion from a clip,
approximate voice match. Emotion changes are judged with pyin (tests' own tracker); the voice match with Praat,
the tracker that chooses the target, applied the same way to the clip and the output."""

import numpy as np
import pytest
import soundfile as sf
from conftest import mean_log2_pitch, profiles_for

from index_tts.common.errors import TTSError
from index_tts.engines.base import SynthParams
from index_tts.prosody.controls import Prosody
from index_tts.prosody.delivery import measure_delivery
from index_tts.voice.emotion import EMOTIONS, EmotionMode, EmotionRequest, normalize_vector
from index_tts.voice.emotion_prosody import emotion_prosody
from index_tts.voice.planner import DeliveryPlanner
from index_tts.voice.profiles import NEUTRAL_LANGUAGE, NEUTRAL_TEXT, VoiceProfiles
from index_tts.voice.reference_audio import MAX_SECONDS, ClipAnalyzer, load_clip

SR = 24_000
CLIP_TEXT = "他昨天终于收到了那封等了很久的信，高兴得跳了起来。"
SPOKEN = "我们明天早上八点在学校门口见面，别迟到了。"


def _voice_like(seconds: float, f0: float = 200.0, syllables_per_s: float = 4.0, sr: int = SR) -> np.ndarray:
    """A harmonic tone with a slow vibrato, loud in bursts like syllables."""
    t = np.arange(int(seconds * sr)) / sr
    freq = f0 * 2 ** (np.sin(2 * np.pi * 0.5 * t) / 12)  # +-1 semitone
    phase = 2 * np.pi * np.cumsum(freq) / sr
    tone = sum(np.sin(k * phase) / k for k in range(1, 10))
    return (0.15 * tone * np.sin(np.pi * syllables_per_s * t) ** 2).astype(np.float32)


def _write(path, audio, sr=SR):
    sf.write(path, audio, sr)
    return str(path)


def _one(name: str) -> tuple[float, ...]:
    return normalize_vector(tuple(1.0 if e == name else 0.0 for e in EMOTIONS))


# -- measuring a clip ------------------------------------------------------------------------


def test_delivery_statistics_of_a_known_signal() -> None:
    stats = measure_delivery(_voice_like(6.0, f0=200.0, syllables_per_s=4.0), SR)
    assert abs(stats.f0_median_hz / 200.0 - 1) < 0.03
    assert 1.0 < stats.f0_range_st < 3.0  # a +-1 semitone vibrato, 10th to 90th percentile
    assert 3.2 < stats.syllable_rate < 4.8
    slow = measure_delivery(_voice_like(6.0, syllables_per_s=2.5), SR)
    assert slow.syllable_rate < 0.8 * stats.syllable_rate
    louder = measure_delivery(_voice_like(6.0) * 2, SR)
    assert abs(louder.level_db - stats.level_db - 6.0) < 0.5


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: str(p / "missing.wav"), "not found"),
        (lambda p: (p / "noise.wav").write_bytes(b"RIFF\x00\x00garbage" * 50) and str(p / "noise.wav"), "could not be read"),
        (lambda p: (p / "notes.wav").write_text("hello, this is text") and str(p / "notes.wav"), "could not be read"),
        (lambda p: _write(p / "silent.wav", np.zeros(3 * SR, np.float32)), "silent"),
        (lambda p: _write(p / "short.wav", _voice_like(0.4)), "at least 1s"),
        (lambda p: _write(p / "low_rate.wav", _voice_like(2.0, sr=4000), 4000), "sample rate"),
    ],
)
def test_bad_uploads_get_clear_errors(tmp_path, make, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(TTSError, match=message):
        load_clip(path, "emotion reference clip")


def test_noise_is_not_speech(tmp_path) -> None:
    noise = np.random.default_rng(0).normal(0, 0.1, 3 * SR).astype(np.float32)
    with pytest.raises(TTSError, match="no speech found"):
        ClipAnalyzer().measure(_write(tmp_path / "noise.wav", noise))


def test_long_clip_is_trimmed_and_said_so(tmp_path) -> None:
    path = _write(tmp_path / "long.wav", _voice_like(MAX_SECONDS + 5))
    clip = load_clip(path)
    assert len(clip.audio) == int(MAX_SECONDS * SR) and clip.original_seconds == pytest.approx(MAX_SECONDS + 5)
    measured = ClipAnalyzer().measure(path)
    assert measured.trimmed and abs(measured.stats.f0_median_hz / 200 - 1) < 0.03


def test_stereo_and_other_rates_are_read(tmp_path) -> None:
    mono = _voice_like(2.0, sr=44_100)
    clip = load_clip(_write(tmp_path / "stereo.flac", np.stack([mono, mono], axis=1), 44_100))
    assert clip.sample_rate == 44_100 and clip.audio.ndim == 1


# -- emotion from a clip, relative to the voice's neutral delivery ---------------------------


@pytest.fixture(scope="module")
def planner(synthesizer):
    return DeliveryPlanner(synthesizer.engine, profiles_for(synthesizer))


@pytest.fixture(scope="module")
def clips(synthesizer, tmp_path_factory):
    """Emotion clips spoken by the male voice; the listener's voice is the female jf_alpha."""
    folder = tmp_path_factory.mktemp("clips")

    def clip(name: str, voice: str, prosody: Prosody | None) -> str:
        audio = synthesizer.synthesize(CLIP_TEXT, SynthParams(voice=voice, prosody=prosody), "zh").audio
        return _write(folder / f"{name}.wav", audio)

    return {
        "happy": clip("happy", "jm_kumo", emotion_prosody(_one("happy"), 1.0)),
        "sad": clip("sad", "jm_kumo", emotion_prosody(_one("sad"), 1.0)),
        "angry": clip("angry", "jm_kumo", emotion_prosody(_one("angry"), 1.0)),
        "slow": clip("slow", "jm_kumo", Prosody(duration=1.45)),
        "own_neutral": clip("own_neutral", "jf_alpha", None),
    }


@pytest.fixture(scope="module")
def from_clip(synthesizer, planner, clips):
    """Speak SPOKEN as jf_alpha with the delivery of a clip at a weight (None: no clip)."""

    def render(name: str | None, weight: float = 1.0) -> np.ndarray:
        if name is None:
            emotion = EmotionRequest()
        else:
            emotion = EmotionRequest(mode=EmotionMode.AUDIO, audio_path=clips[name], weight=weight)
        delivery = planner.plan("jf_alpha", emotion, None)
        return synthesizer.synthesize(SPOKEN, SynthParams(voice=delivery.voice, prosody=delivery.prosody), "zh").audio

    return render


def _st(a: np.ndarray, b: np.ndarray) -> float:
    """Semitones between the mean log pitch of two readings. Not the median: a Mandarin contour's pitches
    cluster at the tone levels, and its median jumps between clusters: with tempo changes of a few percent, one
    1.2-semitone shift read 0.45 to 0.8 by the median and 0.7 to 1.1 by the mean of log pitch."""
    return 12 * (mean_log2_pitch(b) - mean_log2_pitch(a))


def _db(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio**2))))


def test_emotion_clip_moves_pitch_and_loudness(from_clip) -> None:
    neutral, happy, sad, angry = (from_clip(n) for n in (None, "happy", "sad", "angry"))
    assert _st(neutral, happy) > 1.5
    assert _st(neutral, sad) < -1.5
    assert _db(angry) > _db(sad) + 3.0
    assert len(sad) > len(happy)


def test_slow_clip_slows_the_voice(from_clip) -> None:
    assert len(from_clip("slow")) > 1.15 * len(from_clip(None))


def test_voices_own_neutral_clip_changes_little(from_clip) -> None:
    neutral, own = from_clip(None), from_clip("own_neutral")
    assert abs(_st(neutral, own)) < 1.0
    assert 0.85 < len(own) / len(neutral) < 1.15


def test_clip_effect_follows_the_weight(from_clip) -> None:
    neutral = from_clip(None)
    assert np.array_equal(from_clip("happy", 0.0), neutral)
    half, full = _st(neutral, from_clip("happy", 0.5)), _st(neutral, from_clip("happy", 1.0))
    assert 0.5 < half < full - 0.5, (half, full)


# -- approximate voice match --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voice", "shift", "expected"),
    [("jm_kumo", 3.0, "jm_kumo"), ("jf_tebukuro", -3.0, None), ("jf_alpha", -5.0, None), ("jf_nezumi", 2.0, None)],
)
def test_voice_match_meets_the_reference_median(synthesizer, planner, tmp_path, voice, shift, expected) -> None:
    clip = synthesizer.synthesize(CLIP_TEXT, SynthParams(voice=voice, prosody=Prosody(pitch_shift=shift)), "zh").audio
    path = _write(tmp_path / "voice.wav", clip)
    delivery = planner.plan("jf_gongitsune", EmotionRequest(), None, reference_audio=path)
    assert delivery.match is not None and (expected is None or delivery.voice == expected)
    assert "Voice match by timbre" in delivery.notices[0].text("en") and "音色匹配：最接近的是" in delivery.notices[0].text("zh")
    out = synthesizer.synthesize(SPOKEN, SynthParams(voice=delivery.voice, prosody=delivery.prosody), "zh").audio
    target, got = measure_delivery(clip, SR).f0_median_hz, measure_delivery(out, SR).f0_median_hz
    assert abs(got / target - 1) < 0.10, (delivery.voice, target, got)


def test_voice_match_keeps_the_pitch_offset(synthesizer, planner, clips) -> None:
    plain = planner.plan("jf_alpha", EmotionRequest(), None, reference_audio=clips["sad"])
    raised = planner.plan("jf_alpha", EmotionRequest(), None, pitch=3.0, reference_audio=clips["sad"])
    assert plain.voice == raised.voice == "jm_kumo"
    a, b = (synthesizer.synthesize(SPOKEN, SynthParams(voice=d.voice, prosody=d.prosody), "zh").audio for d in (plain, raised))
    assert 2.0 < _st(a, b) < 4.0


def test_voice_profiles_are_kept_for_the_next_start(synthesizer, tmp_path) -> None:
    """Profiles measured for an engine the app ships none for (a key of its own here), timbre included."""
    from index_tts.voice import speaker_encoder

    def read(voice: str):
        result = synthesizer.synthesize(NEUTRAL_TEXT, SynthParams(voice=voice), NEUTRAL_LANGUAGE)
        return result.audio, result.sample_rate

    def profiles(render) -> VoiceProfiles:
        return VoiceProfiles("kokoro|kept-test", lambda: ["jm_kumo"], render, folder=tmp_path, encoder=speaker_encoder.load())

    first = profiles(read)
    stats = first.neutral("jm_kumo")
    assert 90 < stats.f0_median_hz < 170 and list(tmp_path.glob("*.json")) and "jm_kumo" in first.timbres()

    def no_rendering(voice: str):  # a second start must not render anything
        raise AssertionError("rendered again instead of reading the kept profile")

    kept = profiles(no_rendering)
    assert kept.neutral("jm_kumo") == stats and np.allclose(kept.timbres()["jm_kumo"], first.timbres()["jm_kumo"], atol=1e-4)
    (next(tmp_path.glob("*.json"))).write_text("{not json", encoding="utf-8")
    assert profiles(read).neutral("jm_kumo") == stats  # measured again


@pytest.mark.parametrize("hz", [10.0, 900.0, float("nan")])
def test_median_pitch_target_is_range_checked(hz: float) -> None:
    with pytest.raises(TTSError, match="f0_median_hz"):
        Prosody(f0_median_hz=hz)


def test_clips_for_a_cloning_engine_are_checked_and_passed_on(synthesizer, tmp_path) -> None:
    from types import SimpleNamespace

    from index_tts.engines.base import Capabilities

    caps = Capabilities(voice_cloning=True, emotion_audio=True)
    cloning = SimpleNamespace(name="cloner", model_version="1", capabilities=caps)
    planner = DeliveryPlanner(cloning, profiles_for(synthesizer, tmp_path))
    good = _write(tmp_path / "good.wav", _voice_like(2.0))
    params, notices = planner.params("speaker", EmotionRequest(mode=EmotionMode.AUDIO, audio_path=good), reference_audio=good)
    assert params.reference_audio == good and params.emotion_audio == good and params.prosody is None
    assert notices == ()
    (tmp_path / "bad.wav").write_text("not audio")
    with pytest.raises(TTSError, match="voice reference could not be read"):
        planner.params("speaker", EmotionRequest(), reference_audio=str(tmp_path / "bad.wav"))


def test_the_shipped_voice_profiles_are_what_the_voices_measure_now(manager, tmp_path) -> None:
    """The app ships its default engine's profiles (every voice, with its timbre), so a first start renders no
    voice; they must not go stale. The house voices and one native voice per language are measured afresh."""

    def no_rendering(voice: str):
        raise AssertionError(f"rendered {voice} instead of reading the shipped profile")

    engine = manager.engine
    encoder = manager.planner.profiles.encoder
    assert encoder is not None, "no speaker encoder: run python -m index_tts prepare"
    shipped = VoiceProfiles(manager.profile_id, engine.voices, no_rendering, folder=tmp_path / "empty_cache", encoder=encoder)
    assert shipped.source == "shipped", "no shipped profiles for this engine: run python -m index_tts voice-profiles"
    assert set(shipped.known()) == set(shipped.timbres()) == set(engine.voices())
    sample = [*engine.house_voices(), "zf_xiaobei", "am_adam", "bf_emma"]
    fresh = VoiceProfiles(manager.profile_id, lambda: sample, manager.neutral_reading, 2, tmp_path, saved=False, encoder=encoder)
    fresh.measure_all()
    kept_timbres = shipped.timbres()
    for voice, now in fresh.known().items():
        kept = shipped.neutral(voice)
        for field in ("f0_median_hz", "f0_p10_hz", "f0_p90_hz"):
            assert abs(12 * np.log2(getattr(now, field) / getattr(kept, field))) < 0.3, (voice, field, now, kept)
        assert now.syllable_rate == pytest.approx(kept.syllable_rate, rel=0.05), voice
        assert now.level_db == pytest.approx(kept.level_db, abs=1.0), voice
        assert float(fresh.timbres()[voice] @ kept_timbres[voice]) > 0.98, voice

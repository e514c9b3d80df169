"""The split graph and the prosody controls, measured on the audio they produce."""

import numpy as np
import pytest
from conftest import median_pitch, semitone_shift

from index_tts.common.errors import TTSError
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import assets
from index_tts.engines.kokoro import engine as kokoro
from index_tts.frontend import Segment
from index_tts.prosody import Prosody
from index_tts.serving.synthesizer import Synthesizer

ZH = "今天我们去公园散步。"
EN = "We walked along the river in the morning."


@pytest.fixture(scope="module")
def plain_engines():
    """The same model as split stages and as the single graph, both without tone contours."""
    split = create_engine("kokoro", intonation=False)
    full = create_engine("kokoro", graph="full")
    yield split, full
    split.close()
    full.close()


def _segment(frontend, text: str) -> Segment:
    segments = frontend.process(text).segments
    assert len(segments) == 1
    return segments[0]


def test_prepare_records_the_split_check() -> None:
    manifest = assets.verify(assets.model_dir())
    for name in ("kokoro-encoder.onnx", "kokoro-prosody.onnx", "kokoro-decoder.onnx"):
        assert manifest["files"][name]["bytes"] > 1_000_000
    assert manifest["split_check"]["max_abs_difference"] <= 1e-4


@pytest.mark.parametrize("text", [ZH, EN])
def test_split_path_reproduces_the_single_graph(plain_engines, frontend, text: str) -> None:
    split, full = plain_engines
    assert (split.graph, full.graph) == ("split", "full")
    segment = _segment(frontend, text)
    a = split.synthesize(segment, SynthParams(voice="jf_nezumi"))
    b = full.synthesize(segment, SynthParams(voice="jf_nezumi"))
    assert a.shape == b.shape and np.abs(a - b).max() < 1e-4


def test_model_version_names_the_tone_rules(engine, plain_engines) -> None:
    assert engine.model_version.startswith("kokoro-v1.0-int8+zh-tones")
    assert plain_engines[0].model_version == "kokoro-v1.0-int8+donor-timbre-2"  # no tones, but the donors' timbre


def test_analyze_exposes_durations_pitch_and_energy(engine, frontend) -> None:
    segment = _segment(frontend, ZH)
    track = engine.analyze(segment, SynthParams(voice="jf_alpha"))
    tokens = len(engine.tokenize(segment.phonemes)) + 2
    assert len(track.frames) == tokens and track.frames.min() >= 1
    assert len(track.f0) == len(track.energy) == 2 * track.frames.sum()
    voiced = track.f0[track.voiced]
    assert 0.3 < len(voiced) / len(track.f0) < 0.95 and 150 < np.median(voiced) < 400


@pytest.mark.parametrize("voice", ["jf_tebukuro", "jm_kumo"])
def test_pitch_shift_moves_the_measured_pitch(synthesizer, voice: str) -> None:
    def render(shift: float) -> np.ndarray:
        return synthesizer.synthesize(ZH, SynthParams(voice=voice, prosody=Prosody(pitch_shift=shift))).audio

    base = render(0)
    assert 3.0 < semitone_shift(base, render(4)) < 5.0
    assert -5.0 < semitone_shift(base, render(-4)) < -3.0


def test_pitch_range_scales_the_spread(engine, frontend) -> None:
    segment = _segment(frontend, EN)
    flat = Prosody(pitch_range=0.0)
    wide = Prosody(pitch_range=2.0)
    spreads = []
    for prosody in (flat, None, wide):
        audio = engine.synthesize(segment, SynthParams(voice="jf_alpha", prosody=prosody))
        spreads.append(median_pitch(audio, spread=True))
    assert spreads[0] < 0.5 * spreads[1] and spreads[2] > 1.4 * spreads[1], spreads


def test_f0_override_sets_the_pitch(engine, frontend) -> None:
    segment = _segment(frontend, EN)
    params = SynthParams(voice="jf_gongitsune", prosody=Prosody(intonation=False))
    track = engine.analyze(segment, params)
    override = np.where(track.voiced, 180.0, 0.0)
    audio = engine.synthesize(segment, SynthParams(voice="jf_gongitsune", prosody=Prosody(f0_override=tuple(override))))
    assert abs(12 * np.log2(median_pitch(audio) / 180.0)) < 1.0
    with pytest.raises(TTSError, match="f0_override needs"):
        engine.synthesize(segment, SynthParams(voice="jf_gongitsune", prosody=Prosody(f0_override=(180.0,) * 3)))


def test_durations_scale_globally_and_per_phoneme(engine, frontend) -> None:
    segment = _segment(frontend, EN)
    base = len(engine.synthesize(segment, SynthParams(voice="jf_alpha")))
    slow = len(engine.synthesize(segment, SynthParams(voice="jf_alpha", prosody=Prosody(duration=1.5))))
    assert 1.35 < slow / base < 1.65
    tokens = len(engine.tokenize(segment.phonemes))
    stretched = Prosody(phoneme_durations=(1.0,) * (tokens // 2) + (2.0,) * (tokens - tokens // 2))
    longer = len(engine.synthesize(segment, SynthParams(voice="jf_alpha", prosody=stretched)))
    assert 1.2 < longer / base < 1.9
    with pytest.raises(TTSError, match="one per phoneme"):
        engine.synthesize(segment, SynthParams(voice="jf_alpha", prosody=Prosody(phoneme_durations=(1.0, 2.0))))


def test_energy_changes_the_level(engine, frontend) -> None:
    segment = _segment(frontend, ZH)

    def level(prosody):
        audio = engine.synthesize(segment, SynthParams(voice="jf_alpha", prosody=prosody))
        return 20 * np.log10(np.sqrt(np.mean(audio**2)))

    assert level(Prosody(energy=0.5)) < level(None) < level(Prosody(energy=1.5))


def test_pause_scale_lengthens_the_gaps(engine, frontend) -> None:
    synth = Synthesizer(engine, frontend)
    text = "第一句。第二句。第三句。"
    base = synth.synthesize(text, SynthParams(voice="jf_alpha")).audio_seconds
    long = synth.synthesize(text, SynthParams(voice="jf_alpha", prosody=Prosody(pause=3.0))).audio_seconds
    pauses = sum(s.pause_ms for s in synth.plan(text)[:-1]) / 1000
    assert pauses > 0.3 and abs((long - base) - 2 * pauses) < 0.05


@pytest.mark.parametrize(
    ("field", "value"), [("pitch_shift", 40), ("pitch_range", -1), ("energy", float("nan")), ("duration", 0)]
)
def test_out_of_range_controls_are_refused(field: str, value: float) -> None:
    with pytest.raises(TTSError, match=f"prosody {field} must be between"):
        Prosody(**{field: value})


def test_single_graph_refuses_prosody_controls(plain_engines, frontend) -> None:
    segment = _segment(frontend, ZH)
    with pytest.raises(TTSError, match="split graphs"):
        plain_engines[1].synthesize(segment, SynthParams(voice="jf_alpha", prosody=Prosody(pitch_shift=2)))


@pytest.mark.parametrize(
    ("voice", "register"), [("jf_alpha", (220, 290)), ("jf_nezumi", (200, 260)), ("jf_tebukuro", (290, 360))]
)
def test_a_voice_speaks_mandarin_with_a_share_of_the_mandarin_packs_timbre_and_keeps_its_rhythm_and_pitch(
    engine, frontend, voice: str, register: tuple[int, int]
) -> None:
    assert engine.timbre_donor(voice) == (kokoro.MANDARIN_FEMALE, 0.3)
    own = engine._style_table(voice)
    donor = engine._donors[kokoro.MANDARIN_FEMALE]
    mandarin = engine._mandarin_style_table(voice)
    half = own.shape[1] // 2
    assert np.array_equal(mandarin[:, half:], own[:, half:])  # the predictor half: durations, pitch, energy
    assert np.allclose(mandarin[:, :half], 0.7 * own[:, :half] + 0.3 * donor[:, :half])
    params = SynthParams(voice=voice)
    english = frontend.process("We leave at eight tomorrow morning.", "en").segments[0].phonemes
    assert np.array_equal(engine._inputs(english, params, "en")[1], engine._inputs(english, params, "")[1])
    segment = frontend.process("我们明天早上八点出发。", "zh").segments[0]
    other = Segment(segment.text, "", segment.phonemes, syllables=segment.syllables)
    # the same rhythm as with its own style: only the timbre half moved
    assert np.array_equal(engine.analyze(segment, params).frames, engine.analyze(other, params).frames)
    mixed = engine.synthesize(segment, params)
    plain = engine.synthesize(other, params)
    assert abs(len(mixed) - len(plain)) < 0.05 * len(plain)  # the same length, up to the trimmed silence
    common = min(len(mixed), len(plain))
    assert not np.allclose(mixed[:common], plain[:common], atol=1e-3)
    assert register[0] < engine.register(voice).median_hz < register[1]  # its own pitch register


def test_jm_kumo_speaks_mandarin_with_the_average_rhythm_and_keeps_its_timbre_and_pitch(engine, frontend) -> None:
    own = engine._style_table("jm_kumo")
    mandarin = engine._mandarin_style_table("jm_kumo")
    half = own.shape[1] // 2
    assert np.array_equal(mandarin[:, :half], own[:, :half])  # the decoder half: the voice's timbre
    assert not np.allclose(mandarin[:, half:], own[:, half:])
    assert np.array_equal(engine._mandarin_style_table("jf_gongitsune"), engine._style_table("jf_gongitsune"))
    segment = frontend.process("我们明天早上八点出发。", "zh").segments[0]
    other = Segment(segment.text, "", segment.phonemes, syllables=segment.syllables)
    params = SynthParams(voice="jm_kumo")
    assert not np.array_equal(engine.analyze(segment, params).frames, engine.analyze(other, params).frames)
    english = frontend.process("We leave at eight tomorrow morning.", "en").segments[0].phonemes
    assert np.array_equal(engine._inputs(english, params, "en")[1], engine._inputs(english, params, "")[1])
    assert engine.register("jm_kumo").median_hz < 110  # still a deep voice: its pitch comes from its own style

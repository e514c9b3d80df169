"""Every voice the model has for a language the app speaks: listed, described, previewed, spoken."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.error
import urllib.request

import numpy as np
import soundfile as sf
from conftest import voiced_fraction

from index_tts.common.paths import REPO_ROOT
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import catalog
from index_tts.engines.kokoro.engine import PREDICTOR_HALF, tone_layer
from index_tts.serving.previews import PREVIEW_TEXT, VoicePreviews, preview_language
from testkit.voice_defaults import KEPT, choose

MANDARIN = ("zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang")
AMERICAN_FEMALE = ("alloy", "aoede", "bella", "heart", "jessica", "kore", "nicole", "nova", "river", "sarah", "sky")
AMERICAN_MALE = ("adam", "echo", "eric", "fenrir", "liam", "michael", "onyx", "puck", "santa")
AMERICAN = tuple(f"af_{n}" for n in AMERICAN_FEMALE) + tuple(f"am_{n}" for n in AMERICAN_MALE)
BRITISH = ("bf_alice", "bf_emma", "bf_isabella", "bf_lily", "bm_daniel", "bm_fable", "bm_george", "bm_lewis")
HOUSE = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
ROMANCE: dict[str, tuple[str, ...]] = {  # read in their own languages through espeak-ng
    "es": ("ef_dora", "em_alex", "em_santa"), "fr-fr": ("ff_siwis",), "it": ("if_sara", "im_nicola"),
    "pt-br": ("pf_dora", "pm_alex", "pm_santa"),
}  # fmt: skip
ALL_ROMANCE = tuple(voice for voices in ROMANCE.values() for voice in voices)
LANGUAGE = {
    **{v: "zh" for v in MANDARIN}, **{v: "en-us" for v in AMERICAN}, **{v: "en-gb" for v in BRITISH},
    **{v: language for language, voices in ROMANCE.items() for v in voices},
}  # fmt: skip


def check_speech(audio: np.ndarray, sample_rate: int, min_s: float, max_s: float) -> None:
    assert sample_rate == 24_000 and audio.ndim == 1 and min_s < len(audio) / sample_rate < max_s
    assert 0.02 < float(np.sqrt(np.mean(audio**2))) < 0.5 and voiced_fraction(audio, sample_rate) > 0.3


def test_every_pack_of_a_language_the_app_reads_is_offered_after_the_house_voices(engine) -> None:
    # grouped: house voices, Mandarin, American English, British English, Spanish, French, Italian, Portuguese
    assert engine.voices() == [*HOUSE, *MANDARIN, *AMERICAN, *BRITISH, *ALL_ROMANCE]
    assert engine.house_voices() == list(HOUSE)
    for voice in MANDARIN + AMERICAN + BRITISH + ALL_ROMANCE:
        info = catalog.describe(voice)
        assert info["language"] == LANGUAGE[voice] and not info["house"], voice
        assert info["gender"] == ("female" if voice[1] == "f" else "male"), voice
        assert info["zh"] and info["en"] and voice.split("_")[1].capitalize() in str(info["en"]), voice
    assert catalog.describe("zf_xiaoxiao")["zh"] == "晓晓（普通话女声）"
    assert catalog.describe("bm_george")["en"] == "George (British English male)"
    assert catalog.describe("ff_siwis")["zh"] == "Siwis（法语女声）"


def test_a_spanish_french_italian_or_portuguese_voice_reads_its_own_language(manager) -> None:
    """Words in Latin letters are read in the voice's own language, numbers too (espeak-ng verbalises them);
    an English voice reads the same text as English, as before."""
    from index_tts.serving.request import SpeechRequest

    def phonemes(text: str, voice: str) -> str:
        return "".join(s.phonemes for s in manager.plan(SpeechRequest(text=text, voice=voice)))

    spanish = "El tren llega a las 8 de la mañana."
    assert "ɲ" in phonemes(spanish, "ef_dora") and "ˈoʧo" in phonemes(spanish, "em_alex")  # mañana; 8 is ocho
    assert "ˈAt" in phonemes(spanish, "af_sarah")  # 8 read as "eight" by an English voice
    assert phonemes("8 personas llegaron.", "em_santa").startswith("ˈoʧo")  # a number first is read too
    assert "yˈit" in phonemes("Le train arrive à 8 heures.", "ff_siwis")  # huit, as espeak-ng writes it
    assert "ˈɔtːo" in phonemes("Il treno arriva alle 8.", "im_nicola")  # otto
    assert "ˈoɪtw" in phonemes("O trem chega às 8 horas.", "pm_santa")  # oito
    assert manager.engine.latin_reading("pf_dora:0.6+af_heart:0.4") == "pt-br"
    result = manager.synthesize(SpeechRequest(text=spanish, voice="ef_dora"))
    check_speech(result.audio, result.sample_rate, 1.0, 5.0)


def test_a_british_voice_reads_english_with_british_phonemes(manager) -> None:
    from index_tts.serving.request import SpeechRequest

    text = "I can't go to the bathroom after half past four."
    british = "".join(s.phonemes for s in manager.plan(SpeechRequest(text=text, voice="bf_emma")))
    american = "".join(s.phonemes for s in manager.plan(SpeechRequest(text=text, voice="af_heart")))
    assert "ɑː" in british and "æ" not in british  # can't, half: the broad a; no r after a vowel (four)
    assert "æ" in american and "ɹ" in american.split("fˈɔ")[1][:2] and british != american
    assert manager.engine.latin_reading("bm_lewis:0.7+af_heart:0.3") == "en-gb"  # the heavier part leads
    assert manager.engine.latin_reading("bm_lewis:0.3+af_heart:0.7") == "en-us"
    assert manager.engine.latin_reading("jf_alpha") == "en-us"
    mixed = manager.plan(SpeechRequest(text="我们用 Python 处理 data 吧。", voice="bf_lily"))
    assert "dˈAtə" in "".join(s.phonemes for s in mixed)  # English inside Chinese is British too
    result = manager.synthesize(SpeechRequest(text=text, voice="bm_george"))
    check_speech(result.audio, result.sample_rate, 1.5, 6.0)


def test_each_voice_median_pitch_is_what_it_measures_now(engine) -> None:
    for voice in engine.voices():
        listed = int(catalog.VOICES[voice]["median_hz"])
        assert abs(engine.register(voice).median_hz / listed - 1) < 0.05, voice


def test_native_voices_speak_their_own_language_without_the_tone_layer(synthesizer) -> None:
    assert not tone_layer("zm_yunxi") and tone_layer("zf_xiaoxiao") and tone_layer("jf_alpha")
    assert tone_layer("zm_yunxi:0.5+jf_alpha:0.5")
    spoken = (("zm_yunxi", "今天天气很好，我们去公园散步吧。", "zh"), ("af_heart", "The weather is lovely today.", "en"))
    for voice, text, language in spoken:
        result = synthesizer.synthesize(text, SynthParams(voice=voice), language=language)
        check_speech(result.audio, result.sample_rate, 1.0, 6.0)
    blend = synthesizer.synthesize("欢迎光临。", SynthParams(voice="zf_xiaoxiao:0.5+jf_alpha:0.5"), language="zh")
    own = synthesizer.synthesize("欢迎光临。", SynthParams(voice="zf_xiaoxiao"), language="zh")
    check_speech(blend.audio, blend.sample_rate, 0.5, 4.0)
    assert not np.array_equal(blend.audio[: len(own.audio)], own.audio[: len(blend.audio)])


def test_a_native_voice_is_its_own_speaker_not_a_house_voice(engine, frontend) -> None:
    segment = frontend.process("欢迎来到展览馆。", "zh").segments[0]
    native = engine._segment_inputs(segment, SynthParams(voice="zf_xiaoyi"))[1]
    house = engine._segment_inputs(segment, SynthParams(voice="jf_alpha"))[1]
    assert not np.allclose(native, house)
    # jm_kumo's Mandarin rhythm is the house voices' average, as before the native voices were offered
    table = engine._mandarin_style_table("jm_kumo")
    average = np.mean([engine._style_table(v)[:, PREDICTOR_HALF] for v in HOUSE], axis=0)
    assert np.allclose(table[:, PREDICTOR_HALF], average)


def test_a_preview_is_rendered_once_then_kept(tmp_path) -> None:
    calls: list[tuple[str, str, str]] = []

    def render(voice: str, text: str, language: str) -> tuple[np.ndarray, int]:
        calls.append((voice, text, language))
        return np.sin(np.linspace(0, 900, 24_000)).astype(np.float32) * 0.3, 24_000

    previews = VoicePreviews("model-a", render, tmp_path)
    assert previews.cached("af_heart") is None
    first = previews.get("af_heart")
    assert previews.get("af_heart") == first == previews.cached("af_heart") and len(calls) == 1
    assert calls[0] == ("af_heart", PREVIEW_TEXT["en"], "en")
    audio, sample_rate = sf.read(first, dtype="float32")
    assert sample_rate == 24_000 and len(audio) == 24_000 and not list(first.parent.glob(".*"))
    assert VoicePreviews("model-b", render, tmp_path).get("af_heart") != first and len(calls) == 2  # a new model renders again
    assert preview_language("zf_xiaoxiao") == preview_language("jf_alpha") == "zh"
    assert preview_language("ef_dora") == "es" and preview_language("pm_alex") == "pt-br"
    previews.get("if_sara")
    assert calls[-1] == ("if_sara", PREVIEW_TEXT["it"], "en")  # asked as text in Latin letters, read in Italian


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=180) as response:
            return response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("content-type", "")


def test_the_api_lists_every_voice_and_plays_its_preview(webui) -> None:
    status, body, _ = _get(f"{webui.url}/v1/audio/voices")
    listing = json.loads(body)
    voices = [*HOUSE, *MANDARIN, *AMERICAN, *BRITISH, *ALL_ROMANCE]
    assert status == 200 and listing["voices"] == voices and listing["default"] == "jf_alpha"
    by_language = {"ja": list(HOUSE), "zh": list(MANDARIN), "en-us": list(AMERICAN), "en-gb": list(BRITISH)}
    by_language.update({language: list(voices) for language, voices in ROMANCE.items()})
    assert listing["by_language"] == by_language
    assert listing["details"]["zm_yunyang"]["median_hz"] == int(catalog.VOICES["zm_yunyang"]["median_hz"])
    assert listing["openai_aliases"]["alloy"] in HOUSE  # OpenAI's names keep standing for the house voices
    first = _get(f"{webui.url}/v1/audio/voices/zm_yunjian/preview")
    again = _get(f"{webui.url}/v1/audio/voices/zm_yunjian/preview")
    assert first[0] == 200 and first[2] == "audio/wav" and again[1] == first[1]  # kept: the same file
    audio, sample_rate = sf.read(io.BytesIO(first[1]), dtype="float32")
    check_speech(audio, sample_rate, 1.5, 8.0)
    status, body, kind = _get(f"{webui.url}/v1/audio/voices/nobody/preview")
    assert status == 404 and kind == "application/json" and "unknown voice" in json.loads(body)["error"]["message"]


def test_the_cli_prints_each_voice_name_first() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "index_tts", "voices"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert [row[0] for row in rows] == [*HOUSE, *MANDARIN, *AMERICAN, *BRITISH, *ALL_ROMANCE]
    by_name = {row[0]: row[1:] for row in rows}
    assert by_name["zf_xiaoxiao"] == ["zh", "female", "227 Hz", "晓晓（普通话女声）", "Xiaoxiao (Mandarin female)"]
    assert by_name["am_onyx"][:2] == ["en-us", "male"] and by_name["bf_isabella"][:2] == ["en-gb", "female"]


def test_with_no_voice_asked_a_native_speaker_of_the_texts_language_reads_it(manager) -> None:
    defaults = catalog.LANGUAGE_DEFAULTS
    assert defaults["zh"] in MANDARIN and defaults["en"] in AMERICAN and defaults["ja"] in HOUSE
    assert manager.voice_for_language("今天天气很好。") == defaults["zh"]
    assert manager.voice_for_language("我最喜欢的电影是 The Lord of the Rings。") == defaults["zh"]  # one speaker
    assert manager.voice_for_language("The weather is lovely.") == defaults["en"]
    assert manager.voice_for_language("今日はいい天気ですね。") == defaults["ja"]
    assert manager.voice_for_language("12345", "en") == defaults["en"]
    # a text in Latin letters the identifier is sure of is read by that language's default voice
    assert manager.voice_for_language("Los niños juegan en el parque después de la escuela.") == defaults["es"]
    assert manager.voice_for_language("Le musée ouvre ses portes à dix heures du matin.") == defaults["fr-fr"]
    assert manager.voice_for_language("Il museo apre le sue porte alle dieci del mattino.") == defaults["it"]
    assert manager.voice_for_language("Preciso comprar pão e leite antes de voltar para casa.") == defaults["pt-br"]
    for language, voices in ROMANCE.items():
        assert defaults[language] in voices
    # English with foreign words stays English, and a request that names English is read in English
    assert manager.voice_for_language("We stayed at a small hotel near the Duomo.") == defaults["en"]
    assert manager.voice_for_language("Los niños juegan en el parque después de la escuela.", "en") == defaults["en"]
    from index_tts.serving.request import SpeechRequest

    spanish = SpeechRequest(text="Necesito comprar pan y leche antes de volver a casa.")
    assert manager.params(spanish)[0].voice == defaults["es"]
    assert manager.defaults_by_language() == {
        "zh": defaults["zh"], "en": defaults["en"], "ja": defaults["ja"],
        **{language: defaults[language] for language in ROMANCE},
    }  # fmt: skip

    params, _ = manager.params(SpeechRequest(text="The weather is lovely."))
    assert params.voice == defaults["en"]
    assert manager.params(SpeechRequest(text="The weather is lovely.", voice="jm_kumo"))[0].voice == "jm_kumo"


def test_the_language_defaults_are_the_winners_of_the_kept_benchmark_run() -> None:
    """A default changes only with a new development-set run (``python -m bench.voice_defaults --write``)."""
    kept = json.loads(KEPT.read_text(encoding="utf-8"))
    assert set(kept["figures"]["zh"]) == set(MANDARIN) and set(kept["figures"]["en"]) == set(AMERICAN)
    assert {language: set(kept["figures"][language]) for language in ROMANCE} == {k: set(v) for k, v in ROMANCE.items()}
    for language, figures in kept["figures"].items():
        assert choose(language, figures) == kept["winners"][language] == catalog.LANGUAGE_DEFAULTS[language]

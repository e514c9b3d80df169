"""Who each voice is, for people: a friendly name in both languages, the language it was trained on,
gender and measured median pitch, so people pick "晓晓 · Mandarin female" rather than ``zf_xiaoxiao``.

The five house voices ship with the model's PyPI packages; they were trained on Japanese and read all
three languages (their Mandarin through the tone layer and a share of a native timbre). The native voices
are the same model's own Mandarin, American and British English, Spanish, French, Italian and Portuguese
packs (``donor_voices``), offered when set-up fetched them; each reads words in Latin letters in its own
language (British phonemes for the British voices, espeak-ng's Spanish for the Spanish ones, and so on:
``KokoroEngine.latin_reading``), and Chinese and Japanese as every voice does.
``median_hz`` is the engine's own pitch prediction on a fixed Chinese phrase (``KokoroEngine.register``;
``tests/test_voices.py`` checks it against a fresh measurement).
"""

from __future__ import annotations

HOUSE_VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
LANGUAGES: dict[str, dict[str, str]] = {  # a voice's own language, named for people; the order the list groups by
    "ja": {"zh": "日语", "en": "Japanese"},
    "zh": {"zh": "普通话", "en": "Mandarin"},
    "en-us": {"zh": "美式英语", "en": "American English"},
    "en-gb": {"zh": "英式英语", "en": "British English"},
    "es": {"zh": "西班牙语", "en": "Spanish"},
    "fr-fr": {"zh": "法语", "en": "French"},
    "it": {"zh": "意大利语", "en": "Italian"},
    "pt-br": {"zh": "巴西葡萄牙语", "en": "Brazilian Portuguese"},
}
LATIN_LANGUAGES = ("en-gb", "es", "fr-fr", "it", "pt-br")  # voices whose own reading of Latin letters is not American
_GENDER = {"female": {"zh": "女声", "en": "female"}, "male": {"zh": "男声", "en": "male"}}
# Chinese given names of the Mandarin packs, in the characters their speakers' names are usually written with
_MANDARIN_NAMES = {
    "zf_xiaobei": "晓北", "zf_xiaoni": "晓妮", "zf_xiaoxiao": "晓晓", "zf_xiaoyi": "晓伊",
    "zm_yunjian": "云健", "zm_yunxi": "云希", "zm_yunxia": "云夏", "zm_yunyang": "云扬",
}  # fmt: skip
# median pitch (Hz) of each native pack, measured as the docstring says
_NATIVE_MEDIAN_HZ = {
    "zf_xiaobei": 227, "zf_xiaoni": 223, "zf_xiaoxiao": 227, "zf_xiaoyi": 278,
    "zm_yunjian": 109, "zm_yunxi": 146, "zm_yunxia": 273, "zm_yunyang": 110,
    "af_alloy": 129, "af_aoede": 172, "af_bella": 195, "af_heart": 190, "af_jessica": 200, "af_kore": 145,
    "af_nicole": 142, "af_nova": 147, "af_river": 176, "af_sarah": 180, "af_sky": 156,
    "am_adam": 112, "am_echo": 104, "am_eric": 138, "am_fenrir": 128, "am_liam": 111, "am_michael": 110,
    "am_onyx": 86, "am_puck": 109, "am_santa": 153,
    "bf_alice": 196, "bf_emma": 175, "bf_isabella": 201, "bf_lily": 163,
    "bm_daniel": 119, "bm_fable": 110, "bm_george": 137, "bm_lewis": 98,
    "ef_dora": 164, "em_alex": 117, "em_santa": 127, "ff_siwis": 202, "if_sara": 212, "im_nicola": 96,
    "pf_dora": 172, "pm_alex": 125, "pm_santa": 130,
}  # fmt: skip
_NATIVE_LANGUAGE = {"z": "zh", "a": "en-us", "b": "en-gb", "e": "es", "f": "fr-fr", "i": "it", "p": "pt-br"}


def _native_entry(voice: str, median_hz: int) -> dict[str, str]:
    """A native pack's entry: its speaker's name, language and gender, from the pack's name (``zf_xiaoxiao``)."""
    language = _NATIVE_LANGUAGE[voice[0]]
    gender = "female" if voice[1] == "f" else "male"
    given = voice.split("_", 1)[1]
    zh_name = _MANDARIN_NAMES.get(voice, given.capitalize())
    kind_zh = LANGUAGES[language]["zh"] + _GENDER[gender]["zh"]
    kind_en = f"{LANGUAGES[language]['en']} {_GENDER[gender]['en']}"
    return {
        "language": language,
        "gender": gender,
        "zh": f"{zh_name}（{kind_zh}）",
        "en": f"{given.capitalize()} ({kind_en})",
        "median_hz": str(median_hz),
    }


VOICES: dict[str, dict[str, str]] = {
    "jf_alpha": {"language": "ja", "gender": "female", "zh": "清亮女声", "en": "clear female voice", "median_hz": "254"},
    "jf_gongitsune": {"language": "ja", "gender": "female", "zh": "温柔女声", "en": "gentle female voice", "median_hz": "231"},
    "jf_nezumi": {"language": "ja", "gender": "female", "zh": "轻快女声", "en": "light female voice", "median_hz": "229"},
    "jf_tebukuro": {"language": "ja", "gender": "female", "zh": "童声（高）", "en": "high, childlike voice", "median_hz": "326"},
    "jm_kumo": {"language": "ja", "gender": "male", "zh": "低沉男声", "en": "deep male voice", "median_hz": "92"},
    **{voice: _native_entry(voice, hz) for voice, hz in _NATIVE_MEDIAN_HZ.items()},
}
NATIVE_VOICES = tuple(_NATIVE_MEDIAN_HZ)
# Who reads a text when no voice is asked for, by the text's language: a native speaker of it, chosen among that
# language's packs by a recogniser on a development set (BENCHMARKS.md, "Voices by language"). Japanese: the
# house voice the app has always defaulted to, itself a Japanese pack (no Japanese recogniser was run). Spanish,
# French, Italian and Portuguese: the same way (Whisper base told the language), for a text in Latin letters the
# identifier is sure of (``frontend.latin_language``).
LANGUAGE_DEFAULTS = {
    "zh": "zm_yunjian", "en": "af_sarah", "ja": "jf_alpha",
    "es": "ef_dora", "fr-fr": "ff_siwis", "it": "if_sara", "pt-br": "pf_dora",
}  # fmt: skip


def heaviest_part(voice: str) -> str | None:
    """A blend's (``a:0.6+b:0.4``) heaviest part (the first of equals); a plain voice itself; None when a weight
    is not a number."""
    parts = []
    for part in voice.split("+"):
        name, _, amount = part.strip().partition(":")
        try:
            parts.append((float(amount) if amount else 1.0, name))
        except ValueError:
            return None
    return max(parts, key=lambda p: p[0])[1] if parts else None


def language_of(voice: str) -> str | None:
    """The language a voice was trained on; for a blend its heaviest part's; None for a name the catalog does
    not know."""
    info = VOICES.get(heaviest_part(voice) or "")
    return info["language"] if info else None


def voice_label(voice: str) -> str:
    """``jf_alpha · 清亮女声 · clear female voice`` (both languages: the page can switch)."""
    info = VOICES.get(voice)
    return f"{voice} · {info['zh']} · {info['en']}" if info else voice


def in_list_order(voices: list[str]) -> list[str]:
    """The house voices first (the default is one of them), then each language's native voices: the list
    groups by language. Names the catalog does not know come last, sorted."""
    groups = list(LANGUAGES)

    def key(voice: str) -> tuple[int, int, str]:
        info = VOICES.get(voice)
        if info is None:
            return (2, 0, voice)
        return (0 if voice in HOUSE_VOICES else 1, groups.index(info["language"]), voice)

    return sorted(voices, key=key)


def describe(voice: str) -> dict[str, object]:
    """What the API and the CLI say of a voice: its names, language, gender, median pitch and whether it is
    a house voice (the voices that read every language the app speaks); only the name for one not listed."""
    info = VOICES.get(voice)
    if info is None:
        return {"name": voice}
    return {
        "name": voice,
        "language": info["language"],
        "gender": info["gender"],
        "zh": info["zh"],
        "en": info["en"],
        "median_hz": int(info["median_hz"]),
        "house": voice in HOUSE_VOICES,
    }

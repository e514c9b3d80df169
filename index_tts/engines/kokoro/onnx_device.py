"""Where the embedded engine's ONNX sessions run: the CPU, or an NVIDIA GPU through onnxruntime's CUDA provider.

The CUDA provider exists only in the ``onnxruntime-gpu`` build (``requirements-gpu.txt``), which
replaces the CPU ``onnxruntime``. Asked for a GPU it cannot use, the engine stops with a message
that says what to install, instead of quietly running on the CPU (onnxruntime itself falls back to
the CPU with only a warning when the CUDA libraries fail to load, so the sessions are checked too).
"""

from __future__ import annotations

from typing import Any

import onnxruntime as ort

from ...common.errors import DeviceError

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
GPU_INSTALL = (
    "pip uninstall -y onnxruntime && pip install -r requirements-gpu.txt "
    "(onnxruntime-gpu with its CUDA 13 and cuDNN 9 libraries; an NVIDIA driver must be installed)"
)


def execution_providers(device: str | None) -> list[Any]:
    """onnxruntime's providers for ``device``: None or ``cpu``, ``cuda`` or ``cuda:N``."""
    if device in (None, "", "cpu"):
        return [CPU]
    kind, _, index = device.partition(":")
    if kind != "cuda" or not (index == "" or index.isdigit()):
        raise DeviceError(f"unknown device {device!r} for the embedded engine: use cpu, cuda or cuda:N")
    available = ort.get_available_providers()
    if CUDA not in available:
        raise DeviceError(
            f"--device {device} needs onnxruntime's CUDA build, but this onnxruntime ({ort.__version__}) only has "
            f"{', '.join(available)}. Install it with: {GPU_INSTALL}"
        )
    return [(CUDA, {"device_id": int(index or 0)}), CPU]


def check_session(session: ort.InferenceSession, device: str | None) -> None:
    """Stop when a session meant for the GPU ended up on the CPU (CUDA libraries missing or unusable)."""
    if device not in (None, "", "cpu") and CUDA not in session.get_providers():
        raise DeviceError(
            f"--device {device}: onnxruntime could not start its CUDA provider (see the warning above: usually a "
            f"missing CUDA or cuDNN library, or no usable GPU). Install them with: {GPU_INSTALL}"
        )

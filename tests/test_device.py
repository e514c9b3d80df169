"""``--device``: the embedded engine on the CPU or through onnxruntime's CUDA provider, and a clear stop when
the GPU cannot be used (this machine has no CUDA build of onnxruntime, so that is what is tested end to end)."""

from __future__ import annotations

import subprocess
import sys

import onnxruntime as ort
import pytest

from index_tts.common.errors import DeviceError
from index_tts.engines.kokoro import onnx_device
from index_tts.engines.kokoro.onnx_device import CPU, CUDA, check_session, execution_providers
from testkit.app_process import ROOT, start_app

NO_CUDA = CUDA not in ort.get_available_providers()


def test_cpu_is_the_default_and_unknown_devices_are_named() -> None:
    assert execution_providers(None) == execution_providers("cpu") == [CPU]
    for device in ("tpu", "cuda:x", "cuda:-1", "gpu"):
        with pytest.raises(DeviceError, match="use cpu, cuda or cuda:N"):
            execution_providers(device)


def test_cuda_asks_for_the_cuda_provider_on_the_chosen_gpu(monkeypatch) -> None:
    monkeypatch.setattr(onnx_device.ort, "get_available_providers", lambda: [CUDA, CPU])
    assert execution_providers("cuda") == [(CUDA, {"device_id": 0}), CPU]
    assert execution_providers("cuda:1") == [(CUDA, {"device_id": 1}), CPU]


def test_a_session_that_fell_back_to_the_cpu_is_refused() -> None:
    class FellBack:  # what onnxruntime returns when the CUDA libraries failed to load
        def get_providers(self) -> list[str]:
            return [CPU]

    with pytest.raises(DeviceError, match=r"could not start its CUDA provider.*requirements-gpu\.txt"):
        check_session(FellBack(), "cuda")  # type: ignore[arg-type]
    check_session(FellBack(), "cpu")  # type: ignore[arg-type]


@pytest.mark.skipif(not NO_CUDA, reason="this onnxruntime has CUDA: the message for its absence cannot be shown")
def test_without_onnxruntime_gpu_the_cli_and_the_server_stop_and_say_what_to_install(tmp_path) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "index_tts", "synth", "--text", "你好", "--out", str(tmp_path / "a.wav"), "--device", "cuda"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 2 and not (tmp_path / "a.wav").exists()
    assert "needs onnxruntime's CUDA build" in cli.stderr and "requirements-gpu.txt" in cli.stderr, cli.stderr
    app = start_app(tmp_path / "run", "--device", "cuda:0")
    assert app.proc.wait(timeout=120) == 1
    log = app.log()
    assert "error: --device cuda:0 needs onnxruntime's CUDA build" in log and "Traceback" not in log, log[-2000:]
    assert app.pid is None  # no PID file left behind

"""Start and stop the real app the way people do (``./start_app.sh``), on a free loopback port.

Shared by the end-to-end tests and the start-up benchmark. Each instance gets
its own run folder, so tests never touch an instance someone else started.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 240.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class AppProcess:
    """One ``start_app.sh`` run: its port, run folder, log file and the shell process."""

    port: int
    run_dir: Path
    log_path: Path
    proc: subprocess.Popen
    started_at: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        try:
            return int((self.run_dir / "webui.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> dict:
        """Poll ``/health`` until it answers ok; fail with the log tail if the process dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"start_app.sh exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                report = get_json(f"{self.url}/health", timeout=2)
                if report.get("status") == "ok":
                    return report
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"app not healthy after {timeout:.0f}s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """``./start_app.sh --stop`` for this run folder, then reap the shell process."""
        subprocess.run([str(ROOT / "start_app.sh"), "--stop"], env=app_env(self.run_dir), capture_output=True, timeout=30)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def app_env(run_dir: Path, overrides: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides or {})
    env["INDEX_TTS_RUN_DIR"] = str(run_dir)
    env.pop("VIRTUAL_ENV", None)
    return env


def start_app(
    run_dir: Path, *flags: str, port: int | None = None, env: dict[str, str] | None = None, root: Path = ROOT
) -> AppProcess:
    """Launch ``./start_app.sh --port P [flags]`` in the background, logging to ``run_dir/app.log``;
    ``root``: the checkout whose app it is (another revision's worktree, for side-by-side benchmarks)."""
    port = port or free_port()
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = run_dir / "app.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [str(root / "start_app.sh"), "--port", str(port), *flags],
            cwd=root,
            env=app_env(run_dir, env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return AppProcess(port, run_dir, log_path, proc, time.perf_counter())


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")

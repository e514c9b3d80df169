"""The processes a replica set is made of, each started from one command line with its own log file,
and the checks made before any of them starts (free ports, installed programs)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


class SetupError(RuntimeError):
    """Why the replica set cannot start, in one line for the person starting it."""


def require_programs(*names: str) -> dict[str, str]:
    """The path of each program; one line naming every missing one, and how to install them, otherwise."""
    found = {name: shutil.which(name) for name in names}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise SetupError(
            f"{' and '.join(missing)} not installed: ./start_app.sh --replicas installs them with apt-get when run as "
            "root, else run: sudo apt-get install haproxy redis-server"
        )
    return {name: str(path) for name, path in found.items()}


def program_version(path: str, flag: str) -> str:
    """The first line a program prints about its version (recorded in the log)."""
    try:
        out = subprocess.run([path, flag], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "unknown"


def require_free_ports(wanted: dict[str, tuple[str, int]]) -> None:
    """Every ``what: (host, port)`` can be bound now, else one line naming the first that cannot."""
    for what, (host, port) in wanted.items():
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                problem = f"port {port} on {host} ({what}) is not free ({exc.strerror})"
                raise SetupError(f"{problem}: pass --port P for another range") from exc


def local_address(host: str) -> str:
    """The address this host connects to for a server listening on ``host`` (loopback for a wildcard)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host


def wait_for_port(host: str, port: int, timeout_s: float) -> bool:
    """True once something accepts connections on ``host:port``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@dataclass
class Child:
    """One process of the set: how to start it, where it logs, and whether it is meant to be running."""

    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None
    wanted: bool = True  # False once it is stopped on purpose: the supervisor then leaves it down
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env, start_new_session=True
            )
        self.started_at = time.monotonic()
        self.wanted = True
        log.info("started %s (PID %d), log %s", self.name, self.proc.pid, self.log_path)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def last_line(self) -> str:
        """The last line of its log that says something, for a one-line error."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return next((line.strip() for line in reversed(lines) if line.strip()), "")

    def send(self, signum: int) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = 15.0) -> None:
        """Ask it to stop (``signum``), wait, then kill it if it has not."""
        self.wanted = False
        if not self.running():
            return
        assert self.proc is not None
        self.proc.send_signal(signum)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            log.warning("%s (PID %d) did not stop within %.0fs; killing it", self.name, self.proc.pid, timeout_s)
            self.proc.kill()
            self.proc.wait(timeout=5)


def command_of(pid: int) -> list[str]:
    """The command line of a live process, empty when it is gone, a zombie (no command line) or not readable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").rstrip("\0").split("\0") if raw else []


def kill_if(pid: int, expected: str, signum: int = signal.SIGTERM) -> bool:
    """Signal ``pid`` only if its command line still contains ``expected`` (a PID can be reused)."""
    if any(expected in part for part in command_of(pid)):
        try:
            os.kill(pid, signum)
            return True
        except ProcessLookupError:
            return False
    return False

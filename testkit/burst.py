"""A crowd arriving at once, and a process competing for the cores: shared by the burst test and benchmark."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

CLIENT_TIMEOUT_S = 120.0  # what a patient client (and the burst) allows for a whole answer


@dataclass(frozen=True)
class Answer:
    """What one client of the burst got: an HTTP status (0: no answer within its timeout), when, and why."""

    status: int
    seconds: float
    retry_after: str | None = None
    message: str = ""
    audio_bytes: int = 0


def burst_text(serial: int, burst: int) -> str:
    """Short everyday sentences, different for each client and each burst, so that no cache answers them
    (the disk cache outlives servers)."""
    return f"第{serial}位观众，欢迎来到第{burst}号展厅，祝您参观愉快。"


def ask(url: str, serial: int, burst: int = 0, timeout: float = CLIENT_TIMEOUT_S) -> Answer:
    """One ``POST /api/tts``, timed from the moment it is sent."""
    body = json.dumps({"text": burst_text(serial, burst)}).encode()
    request = urllib.request.Request(f"{url}/api/tts", body, {"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            return Answer(response.status, time.monotonic() - started, audio_bytes=len(data))
    except urllib.error.HTTPError as exc:
        payload = json.loads(exc.read() or b"{}")
        message = payload.get("error", {}).get("message", "")
        return Answer(exc.code, time.monotonic() - started, exc.headers.get("Retry-After"), message)
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        return Answer(0, time.monotonic() - started, message=f"no answer: {exc}")


def fire_burst(url: str, clients: int, timeout: float = CLIENT_TIMEOUT_S) -> list[Answer]:
    """``clients`` requests sent at the same moment, each waiting up to ``timeout`` for its answer."""
    burst = random.randrange(10**6)
    gate = threading.Barrier(clients)

    def client(serial: int) -> Answer:
        gate.wait()  # every thread is up before the first request leaves
        return ask(url, serial, burst, timeout)

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        return list(pool.map(client, range(clients)))


@contextlib.contextmanager
def cpu_hogs(count: int) -> Iterator[list[subprocess.Popen]]:
    """``count`` processes spinning on a core each for as long as the block runs."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait(timeout=10)

"""The parts of a replica set on their own, against a real redis-server and haproxy: the shared limiter, the
shared cache when Redis stops answering, the balancer's configuration, and start-ups that must fail cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index_tts.common.shared_store import SharedStore
from index_tts.ops.rate_limit import SharedRateLimiter, make_rate_limiter
from index_tts.ops.replicas.haproxy_config import Server, render
from index_tts.ops.replicas.layout import Layout
from index_tts.serving.cache import AudioCache
from testkit.app_process import ROOT, app_env, free_port

pytestmark = pytest.mark.skipif(
    not all(os.path.exists(p) for p in ("/usr/bin/redis-server", "/usr/sbin/haproxy")), reason="needs haproxy and redis-server"
)


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while SharedStore(f"redis://127.0.0.1:{port}/0").call(lambda c: c.ping()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", proc
    proc.send_signal(signal.SIGCONT)
    proc.terminate()
    proc.wait(timeout=10)


def test_two_replicas_share_one_limit_and_each_counts_alone_while_redis_is_silent(redis_url) -> None:
    url, proc = redis_url
    one, two = (SharedRateLimiter(3, SharedStore(url)) for _ in range(2))
    assert [one.wait_seconds("visitor"), two.wait_seconds("visitor"), one.wait_seconds("visitor")] == [0, 0, 0]
    assert 59 < two.wait_seconds("visitor") <= 60  # the fourth in the window, on either replica
    assert one.wait_seconds("someone else") == 0
    proc.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    alone = [two.wait_seconds("visitor") for _ in range(4)]  # Redis silent: this replica's own window
    assert time.monotonic() - started < 2.0 and alone[:3] == [0, 0, 0] and alone[3] > 59
    assert two.store.describe()["state"] == "down"
    proc.send_signal(signal.SIGCONT)
    time.sleep(SharedStore(url).retry_after_s + 0.1)
    assert two.store.describe()["state"] == "up"
    assert make_rate_limiter(None, two.store) is None and type(make_rate_limiter(5, None)).__name__ == "RateLimiter"


def test_the_shared_cache_answers_byte_identical_audio_and_misses_without_redis(redis_url, tmp_path) -> None:
    url, proc = redis_url
    first, second = AudioCache(tmp_path / "a", shared=SharedStore(url)), AudioCache(tmp_path / "b", shared=SharedStore(url))
    audio = np.sin(np.arange(24_000) / 7).astype(np.float32)
    first.put("segment-1", audio)
    found = second.get("segment-1")
    assert found is not None and found.tobytes() == audio.tobytes() and second.stats()["shared_hits"] == 1
    assert (tmp_path / "b").glob("*/segment-1.npy")  # kept on this replica's disk too
    proc.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    assert second.get("segment-2") is None and second.get("segment-3") is None
    second.put("segment-4", audio)  # a write to a silent Redis neither fails nor waits long
    assert time.monotonic() - started < 1.5 and second.get("segment-4") is not None


def test_the_balancer_configuration_is_valid_haproxy(tmp_path) -> None:
    servers = [Server("r1", "127.0.0.1", 7861), Server("h1", "10.0.0.2", 7860)]
    config = tmp_path / "haproxy.cfg"
    config.write_text(render("127.0.0.1", 7860, servers, tmp_path / "admin.sock", 7999))
    check = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    text = config.read_text()
    assert "cookie TTSREPLICA insert" in text and "retry-on conn-failure empty-response" in text
    assert "server h1 10.0.0.2:7860 cookie h1" in text and "server h1 10.0.0.2:7860 track page/h1" in text


def test_workers_are_split_between_replicas_and_redis_follows_them(tmp_path) -> None:
    layout = Layout(root=ROOT, run_dir=tmp_path, log_dir=tmp_path, host="127.0.0.1", port=9000, replicas=3, workers_each=1)
    assert [s.address for s in layout.local] == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    assert layout.redis_address == ("127.0.0.1", 9004) and "maxmemory-policy allkeys-lru" in layout.redis_conf()
    flags = layout.replica_flags(layout.local[1], ["--rate-limit", "5"])
    assert flags[:2] == ["--rate-limit", "5"] and flags[flags.index("--port") + 1] == "9002"
    assert flags[flags.index("--audio-cache-dir") + 1].endswith("audio_cache/r2")


def _start(tmp_path: Path, *flags: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "index_tts.ops.replicas", "start", "--log-dir", str(tmp_path / "logs"), *flags]
    return subprocess.run(command, cwd=ROOT, env=app_env(tmp_path, env), capture_output=True, text=True, timeout=120)


def _leftovers(tmp_path: Path) -> list[str]:
    return subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()


def test_a_taken_port_a_missing_program_or_a_failing_replica_is_one_line_and_nothing_is_left(tmp_path) -> None:
    port = free_port()
    with __import__("socket").socket() as taken:
        taken.bind(("127.0.0.1", port + 2))
        taken.listen()
        result = _start(tmp_path, "--replicas", "2", "--port", str(port))
    assert result.returncode == 1 and result.stderr.strip().splitlines()[-1].startswith(f"error: port {port + 2} on 127.0.0.1")

    no_haproxy = tmp_path / "bin"
    no_haproxy.mkdir()
    os.symlink("/usr/bin/redis-server", no_haproxy / "redis-server")
    result = _start(tmp_path, "--replicas", "1", "--port", str(free_port()), env={"PATH": f"{no_haproxy}:/usr/bin:/bin"})
    assert result.returncode == 1 and result.stderr.strip().splitlines()[-1] == (
        "error: haproxy not installed: ./start_app.sh --replicas installs them with apt-get when run as root, "
        "else run: sudo apt-get install haproxy redis-server"
    )

    result = _start(tmp_path, "--replicas", "1", "--port", str(free_port()), "--max-queue", "0")  # refused by webui.py
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 1 and last.startswith("error: replica r1 exited with code 2 while starting:"), result.stderr
    assert "max-queue" in last
    assert _leftovers(tmp_path) == [] and not (tmp_path / "replicas" / "replicas.json").exists()


class _Balancer:
    """The admin socket: a page left open holds an event stream to the replica; no speech request is open."""

    def __init__(self) -> None:
        self.taken_out: list[str] = []

    def take_out(self, name: str) -> None:
        self.taken_out.append(name)

    def connections(self, name: str, backends: tuple[str, ...] = ("page", "api")) -> int:
        return 1 if "page" in backends else 0


class _Replica:
    name, pid, wanted = "r1", 0, True
    signals: list[int]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.signals.append(sig)

    def running(self) -> bool:
        return not self.signals

    def exit_code(self) -> int:
        return 0


@pytest.mark.parametrize("finishing", [True, False, "silent"])
def test_a_stopped_replica_gets_sigterm_once_its_work_is_done_or_the_drain_time_is_up(tmp_path, monkeypatch, finishing) -> None:
    from index_tts.ops.replicas import supervisor

    layout = Layout(root=ROOT, run_dir=tmp_path, log_dir=tmp_path, host="127.0.0.1", port=9000, replicas=1, workers_each=1,
                    drain_timeout_s=1.5)  # fmt: skip
    work = {"active": 4}

    def replica_health(url: str, timeout_s: float) -> dict:  # its /health: one request fewer each time it is asked
        assert url == "http://127.0.0.1:9001/health"
        if finishing == "silent":  # alive but too busy rendering to answer within the time-out
            raise TimeoutError("timed out")
        now = work["active"]
        work["active"] = max(0, now - 1) if finishing else now
        return {"active_requests": now}

    monkeypatch.setattr(supervisor, "get_json", replica_health)
    replica_set = supervisor.ReplicaSet(layout, [])
    replica_set.admin = balancer = _Balancer()
    replica = _Replica()
    replica.signals = []
    replica_set.replicas = {"r1": replica}
    answer = replica_set.stop_replica("r1")
    assert balancer.taken_out == ["r1"] and replica.signals == [signal.SIGTERM] and not replica.wanted
    if finishing is True:  # four requests, one ending every 0.2 s: stopped when the last ends, the open page notwithstanding
        assert 0.6 <= answer["drain_seconds"] < 1.5 and work["active"] == 0
    else:  # a request that never ends, or a replica that does not say, is given the drain time, then SIGTERM
        assert answer["drain_seconds"] >= 1.5 and work["active"] == 4
    assert answer["stopped"] == "r1"

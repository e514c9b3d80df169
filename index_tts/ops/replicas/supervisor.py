"""Start a replica set (Redis, the replicas, HAProxy), keep it running, stop a replica cleanly, stop it all.

A replica that dies is started again (the balancer already sends its work elsewhere); one stopped on
purpose is first taken out of the balancer's rotation, its requests in flight finish, then it gets
SIGTERM (which drains what is left). Anything that fails at start-up stops everything started so far.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .balancer_admin import API, BalancerAdmin
from .children import Child, SetupError, local_address, program_version, require_free_ports, require_programs, wait_for_port
from .haproxy_config import Server, render
from .layout import Layout

log = logging.getLogger(__name__)

START_TIMEOUT_S = 300.0  # a replica loads and warms its model before its port opens
MAX_RESTARTS = 5


def get_json(url: str, timeout_s: float = 2.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return json.loads(response.read())


class ReplicaSet:
    def __init__(self, layout: Layout, passed_flags: list[str]) -> None:
        self.layout = layout
        self.passed_flags = passed_flags
        self.admin = BalancerAdmin(layout.admin_socket)
        self.replicas: dict[str, Child] = {}
        self.redis: Child | None = None
        self.haproxy: Child | None = None
        self.health_port = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    # -- start -------------------------------------------------------------------------------------

    def check(self) -> dict[str, str]:
        """Before anything starts: the programs are installed and every port is free."""
        programs = require_programs("redis-server", "haproxy")
        lay = self.layout
        ports = {"balancer": (lay.host, lay.port), "redis": lay.redis_address}
        ports.update({f"replica {s.name}": (s.host, s.port) for s in lay.local})
        require_free_ports(ports)
        return programs

    def start(self, health_port: int) -> None:
        """Redis, then every local replica (warm), then HAProxy; raises ``SetupError`` with nothing left running."""
        self.health_port = health_port
        programs = self.check()
        lay = self.layout
        lay.run_dir.mkdir(parents=True, exist_ok=True)
        versions = program_version(programs["haproxy"], "-v"), program_version(programs["redis-server"], "--version")
        log.info("using %s; %s", *versions)
        try:
            self._start_redis(programs["redis-server"])
            for server in lay.local:
                self._start_replica(server)
            self._wait_replicas_ready()
            self._start_haproxy(programs["haproxy"])
        except BaseException:
            self.shutdown()
            raise
        self._write_record()
        log.info(
            "serving on http://%s:%d through %d replica(s): %s", lay.host, lay.port, len(lay.servers),
            ", ".join(f"{s.name}={s.address}" for s in lay.servers),
        )  # fmt: skip

    def _start_redis(self, program: str) -> None:
        conf = self.layout.run_dir / "redis.conf"
        _write_private(conf, self.layout.redis_conf())
        # what a replica on another host passes as --redis-url (docs/replicas.md)
        _write_private(self.layout.run_dir / "redis-url", self.layout.redis_url_for_others + "\n")
        self.redis = Child("redis", [program, str(conf)], self.layout.log_dir / "redis.log")
        self.redis.start()
        host, port = self.layout.redis_address
        if not wait_for_port(local_address(host), port, 10):
            raise SetupError(f"redis-server did not start on {host}:{port}: {self.redis.last_line()}")

    def _start_replica(self, server: Server) -> None:
        env = dict(os.environ, INDEX_TTS_REDIS_URL=self.layout.redis_url)  # not on the command line: it holds the password
        command = [sys.executable, str(self.layout.root / "webui.py"), *self.layout.replica_flags(server, self.passed_flags)]
        child = Child(server.name, command, self.layout.log_dir / f"replica-{server.name}.log", env=env)
        child.start()
        self.replicas[server.name] = child

    def _wait_replicas_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = dict(self.replicas)
        while waiting:
            for name, child in list(waiting.items()):
                if not child.running():
                    raise SetupError(f"replica {name} exited with code {child.exit_code()} while starting: {child.last_line()}")
                if self._healthy(self._server(name)):
                    log.info("replica %s is ready after %.1fs", name, time.monotonic() - child.started_at)
                    del waiting[name]
            if time.monotonic() > deadline:
                raise SetupError(f"replica(s) {', '.join(waiting)} not ready after {START_TIMEOUT_S:.0f}s")
            time.sleep(0.25)

    def _start_haproxy(self, program: str) -> None:
        lay = self.layout
        config = lay.run_dir / "haproxy.cfg"
        config.write_text(render(lay.host, lay.port, lay.servers, lay.admin_socket, self.health_port))
        self.haproxy = Child("haproxy", [program, "-db", "-f", str(config)], lay.log_dir / "haproxy.log")
        self.haproxy.start()
        if not wait_for_port(local_address(lay.host), lay.port, 10):
            raise SetupError(f"haproxy did not start on {lay.host}:{lay.port}: {self.haproxy.last_line()}")

    def _write_record(self) -> None:
        """``run/replicas.json``: the PIDs ``--stop`` may signal, and where the supervisor takes orders."""
        record = {
            "supervisor": os.getpid(),
            "control_port": self.health_port,
            "port": self.layout.port,
            "drain_timeout_s": self.layout.drain_timeout_s,
            "children": {c.name: c.pid for c in self._children()},
        }
        tmp = self.layout.record.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, self.layout.record)

    # -- keep running --------------------------------------------------------------------------------

    def watch(self) -> None:
        """Until told to stop: start again what died without being asked to."""
        while not self.stopping.wait(0.5):
            with self._lock:
                for child in self._children():
                    if child.wanted and not child.running() and not self.stopping.is_set():
                        self._restart(child)

    def _restart(self, child: Child) -> None:
        if child.restarts >= MAX_RESTARTS:
            if child.wanted:
                log.error("%s exited again (code %s); not restarting it after %d restarts", child.name, child.exit_code(),
                          MAX_RESTARTS)  # fmt: skip
                child.wanted = False
            return
        log.warning("%s exited with code %s; starting it again (%s)", child.name, child.exit_code(), child.last_line())
        child.restarts += 1
        child.start()
        self._write_record()

    # -- stop ----------------------------------------------------------------------------------------

    def stop_replica(self, name: str) -> dict[str, Any]:
        """Take ``name`` out of rotation, let its requests finish, then stop it; it stays down."""
        child = self.replicas.get(name)
        if child is None:
            return {"error": f"no local replica named {name!r}", "replicas": list(self.replicas)}
        with self._lock:
            child.wanted = False
        started = time.monotonic()
        self.admin.take_out(name)
        limit = self.layout.drain_timeout_s
        left = self._work_left(name, child)
        while left > 0 and time.monotonic() - started < limit:
            time.sleep(0.2)
            left = self._work_left(name, child)
        drained = round(time.monotonic() - started, 2)
        if left > 0:
            log.warning("replica %s still had %d request(s) after the %.0fs drain; SIGTERM gives them the replica's own"
                        " --shutdown-timeout", name, left, limit)  # fmt: skip
        child.stop(signal.SIGTERM)
        log.info("replica %s taken out of rotation, drained in %.2fs, stopped (code %s)", name, drained, child.exit_code())
        self._write_record()
        return {"stopped": name, "drain_seconds": drained, "exit_code": child.exit_code()}

    def _work_left(self, name: str, child: Child) -> int:
        """What a replica taken out of rotation still has to finish: the speech requests the balancer has open
        to it, and the work it reports in flight (a page's job included). A page left open holds an event
        stream to its replica for as long as it is open: counted, that would hold every drain to its limit.
        A replica that is running but too busy to answer ``/health`` in time counts as still working: taking
        its silence for "done" stopped it under a request it was still rendering."""
        try:
            speech = self.admin.connections(name, backends=(API,))
        except OSError:
            speech = 0
        address = next((s.address for s in self.layout.local if s.name == name), None)
        try:
            own = int(get_json(f"http://{address}/health", timeout_s=1.0).get("active_requests") or 0) if address else 0
        except (OSError, ValueError):
            own = 1 if child.running() else 0  # silent but alive: busy, not done; exited: nothing will finish
        return speech + own

    def shutdown(self) -> None:
        """Everything, in order: the balancer stops taking connections, the replicas drain, then Redis."""
        self.stopping.set()
        with self._lock:
            if self.haproxy is not None:
                self.haproxy.send(signal.SIGUSR1)  # soft stop: no new connections, open ones finish
            threads = [threading.Thread(target=child.stop) for child in self.replicas.values()]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for child in (self.haproxy, self.redis):
                if child is not None:
                    child.stop()
        self.layout.record.unlink(missing_ok=True)
        log.info("replica set stopped")

    # -- report --------------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The balancer's ``/health``: every replica as the balancer sees it and as it reports itself."""
        try:
            states = self.admin.servers().get("page", {})
        except OSError:
            states = {}
        replicas = []
        for server in self.layout.servers:
            row = states.get(server.name, {})
            entry: dict[str, Any] = {
                "name": server.name,
                "address": server.address,
                "state": row.get("status", "unknown"),
                "connections": int(row.get("scur") or 0),
            }
            try:
                own = get_json(f"http://{server.address}/health", timeout_s=1.0)
                entry["health"] = {k: own.get(k) for k in ("status", "workers", "active_requests", "cache", "shared_store")}
            except (OSError, ValueError) as exc:
                entry["health"] = {"status": "unreachable", "error": str(exc)}
            child = self.replicas.get(server.name)
            if child is not None:
                entry.update(pid=child.pid, restarts=child.restarts, wanted=child.wanted)
            replicas.append(entry)
        serving = sum(1 for r in replicas if r["state"].startswith("UP"))
        return {
            "status": "ok" if serving else "down",
            "serving_replicas": serving,
            "replicas": replicas,
            "redis": {
                "address": "{}:{}".format(*self.layout.redis_address),
                "running": self.redis is not None and self.redis.running(),
            },
        }

    def _healthy(self, server: Server) -> bool:
        try:
            return get_json(f"http://{server.address}/health", timeout_s=2.0).get("status") == "ok"
        except (OSError, ValueError):
            return False

    def _server(self, name: str) -> Server:
        return next(s for s in self.layout.servers if s.name == name)

    def _children(self) -> list[Child]:
        return [c for c in (self.redis, *self.replicas.values(), self.haproxy) if c is not None]


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (it holds Redis's password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def read_record(run_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((run_dir / "replicas.json").read_text())
    except (OSError, ValueError):
        return None

"""Where each part of a replica set listens, where it writes, and the flags each replica gets."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from .children import local_address
from .haproxy_config import Server

REDIS_MAXMEMORY = "256mb"  # the cache's bound: least recently used segments go first (allkeys-lru)


@dataclass(frozen=True)
class Layout:
    """``port``: the balancer's; local replicas on ``port+1 …``, Redis after them unless given."""

    root: Path  # the app's folder
    run_dir: Path  # PID record, configurations, sockets
    log_dir: Path
    host: str  # the balancer's address
    port: int
    replicas: int
    workers_each: int
    remote: tuple[Server, ...] = ()
    redis_bind: str = "127.0.0.1"
    redis_port: int | None = None
    redis_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    audio_cache_root: Path | None = None  # each local replica's disk cache is a folder of its own in here
    drain_timeout_s: float = 120.0  # how long a replica taken out of rotation may keep finishing its requests

    @property
    def local(self) -> list[Server]:
        return [Server(f"r{i}", "127.0.0.1", self.port + i) for i in range(1, self.replicas + 1)]

    @property
    def servers(self) -> list[Server]:
        return [*self.local, *self.remote]

    @property
    def redis_address(self) -> tuple[str, int]:
        return self.redis_bind, self.redis_port or self.port + self.replicas + 1

    @property
    def redis_url(self) -> str:
        host, port = self.redis_address
        return f"redis://:{self.redis_password}@{local_address(host)}:{port}/0"

    @property
    def redis_url_for_others(self) -> str:
        """The URL a replica on another host uses: Redis's own address (``--redis-bind``), or this host's
        name when it listens everywhere."""
        host, port = self.redis_address
        shown_host = socket.gethostname() if host in ("0.0.0.0", "::") else host
        return f"redis://:{self.redis_password}@{shown_host}:{port}/0"

    @property
    def record(self) -> Path:
        return self.run_dir / "replicas.json"

    @property
    def admin_socket(self) -> Path:
        return self.run_dir / "haproxy.sock"

    def redis_conf(self) -> str:
        """Redis as a cache: bounded, evicting least recently used keys, nothing written to disk."""
        host, port = self.redis_address
        return "\n".join(
            [
                f"bind {host}",
                f"port {port}",
                f"requirepass {self.redis_password}",
                f"maxmemory {REDIS_MAXMEMORY}",
                "maxmemory-policy allkeys-lru",
                'save ""',
                "appendonly no",
                "daemonize no",
                f"dir {self.run_dir}",
                "",
            ]
        )

    def replica_flags(self, server: Server, passed: list[str]) -> list[str]:
        """A local replica's webui.py flags: what the user gave, then its own port, name, cache and run folder."""
        return [
            *passed,
            "--host", server.host,
            "--port", str(server.port),
            "--workers", str(self.workers_each),
            "--replica-name", server.name,
            "--audio-cache-dir", str((self.audio_cache_root or self.root / "cache_hub" / "audio_cache") / server.name),
            "--run-dir", str(self.run_dir / server.name),
        ]  # fmt: skip

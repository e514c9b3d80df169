"""The HAProxy configuration in front of the replicas.

Two backends over the same servers. The page's routes (Gradio's queue join and event stream, the page's
``/api/stream/{token}``, uploads, the login cookie) need the replica that holds their state, so they stick
to one by a cookie HAProxy inserts. The stateless speech routes go to the replica with the fewest
connections, and a request that got no answer because its replica died is sent again to another
(``retry-on`` with ``redispatch``; only a body that fits HAProxy's buffer can be replayed).
``GET /health`` goes to the supervisor, which reports every replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COOKIE = "TTSREPLICA"
# the stateless speech routes; everything else is the page's and sticks to its replica
API_PATHS = ("/api/tts", "/v1/audio/speech")
CHECK_INTERVAL_MS = 1000  # a dead replica is out after two missed checks (2 s)


@dataclass(frozen=True)
class Server:
    name: str  # also the affinity cookie's value and the X-TTS-Replica header
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def render(bind: str, port: int, servers: list[Server], admin_socket: Path, health_port: int, server_timeout_s: int = 600) -> str:
    """The whole configuration file for a balancer on ``bind:port`` in front of ``servers``."""
    check = f"check inter {CHECK_INTERVAL_MS} fall 2 rise 2"
    page_servers = "\n".join(f"    server {s.name} {s.address} cookie {s.name} {check}" for s in servers)
    api_servers = "\n".join(f"    server {s.name} {s.address} track page/{s.name}" for s in servers)
    return f"""# written by python -m index_tts.ops.replicas; changes are lost at the next start
global
    maxconn 4096
    stats socket {admin_socket} mode 600 level admin
    # a stop waits this long at most for the connections still open (page event streams) to close
    hard-stop-after 15s

defaults
    mode http
    timeout connect 2s
    timeout client {server_timeout_s}s
    timeout server {server_timeout_s}s
    timeout tunnel 1h
    timeout http-request 30s
    timeout queue 60s
    option forwardfor
    option redispatch 1
    retries 2
    retry-on conn-failure empty-response junk-response

frontend web
    bind {bind}:{port}
    http-request set-header X-Forwarded-Proto http
    acl health path /health
    acl speech path {" ".join(API_PATHS)}
    use_backend supervisor if health
    use_backend api if speech
    default_backend page

backend page
    balance roundrobin
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk GET /health
    http-check expect status 200
{page_servers}

backend api
    balance leastconn
    option http-buffer-request
{api_servers}

backend supervisor
    server supervisor 127.0.0.1:{health_port}
"""

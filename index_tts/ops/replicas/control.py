"""The supervisor's small HTTP server on 127.0.0.1: ``GET /health`` (the balancer routes its own
``/health`` here) and ``POST /replicas/NAME/stop`` (``./start_app.sh --stop --replica NAME``)."""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .supervisor import ReplicaSet

log = logging.getLogger(__name__)
STOP_PATH = re.compile(r"^/replicas/([A-Za-z0-9_.-]+)/stop$")


def serve_control(replica_set: ReplicaSet) -> ThreadingHTTPServer:
    """Start the server on a free loopback port (``server.server_port``) in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/health":
                self._answer(404, {"error": "not found"})
                return
            report = replica_set.health()
            self._answer(200 if report["status"] == "ok" else 503, report)

        def do_POST(self) -> None:
            match = STOP_PATH.match(self.path)
            if match is None:
                self._answer(404, {"error": "not found"})
                return
            result = replica_set.stop_replica(match.group(1))
            self._answer(404 if "error" in result else 200, result)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("control: " + format, *args)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="replica-control", daemon=True).start()
    return server

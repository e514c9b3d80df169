"""HAProxy's admin socket: each replica's state as the balancer sees it, and taking one out of rotation."""

from __future__ import annotations

import csv
import io
import socket
from pathlib import Path

PAGE, API = "page", "api"  # the backends of haproxy_config


class BalancerAdmin:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    def command(self, line: str, timeout_s: float = 2.0) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def servers(self) -> dict[str, dict[str, dict[str, str]]]:
        """``{backend: {server: row}}`` from ``show stat`` (status, scur: connections now, chkdown, ...)."""
        text = self.command("show stat").lstrip("# ")
        table: dict[str, dict[str, dict[str, str]]] = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row.get("svname") not in ("FRONTEND", "BACKEND", None):
                table.setdefault(row["pxname"], {})[row["svname"]] = row
        return table

    def state(self, name: str) -> str:
        """UP, DOWN, MAINT, DRAIN ... of a replica as the page backend sees it ("" when unknown)."""
        row = self.servers().get(PAGE, {}).get(name)
        return row["status"] if row else ""

    def connections(self, name: str, backends: tuple[str, ...]) -> int:
        """Connections the balancer has open to a replica now, over ``backends`` (``PAGE``, ``API``)."""
        table = self.servers()
        return sum(int(table.get(backend, {}).get(name, {}).get("scur") or 0) for backend in backends)

    def take_out(self, name: str) -> None:
        """No new request goes to ``name`` (the speech backend tracks the page's, so it follows)."""
        self.command(f"set server {PAGE}/{name} state maint")

    def put_back(self, name: str) -> None:
        self.command(f"set server {PAGE}/{name} state ready")

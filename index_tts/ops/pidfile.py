"""``run/webui.pid``: how start_app.sh finds (and safely stops) a running instance."""

from __future__ import annotations

import os
from pathlib import Path


def write_pidfile(path: Path) -> None:
    """Record this process's PID atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{os.getpid()}\n", encoding="ascii")
    os.replace(tmp, path)


def remove_pidfile(path: Path) -> None:
    """Remove the PID file, but only if it still names this process (a newer instance may own it)."""
    try:
        if path.read_text(encoding="ascii").strip() == str(os.getpid()):
            path.unlink()
    except (FileNotFoundError, ValueError):
        pass

"""Folders that never grow without bound: finished files are kept by count, total size and age,
and temp files left by a process that was killed mid-write are removed at the next start."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from . import settings

log = logging.getLogger(__name__)

DAY_S = 86_400.0
STALE_TEMP_S = 600.0  # a temp file this old has no writer any more: writes take well under a second


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:  # removed by a concurrent prune
        return None


def prune(folder: Path, pattern: str, keep_files: int, max_bytes: int, max_age_s: float | None = None) -> int:
    """Delete the oldest files matching ``pattern`` until at most ``keep_files`` remain, together at
    most ``max_bytes``, none older than ``max_age_s`` (default: the ``keep_days`` setting). Returns how
    many were deleted."""
    if max_age_s is None:
        max_age_s = settings.current().keep_days * DAY_S
    now = time.time()
    found = [(path, st) for path in folder.glob(pattern) if (st := _stat(path)) is not None]
    found.sort(key=lambda item: item[1].st_mtime, reverse=True)  # newest first
    kept_bytes, removed = 0, 0
    for rank, (path, st) in enumerate(found):
        kept_bytes += st.st_size
        if rank >= keep_files or kept_bytes > max_bytes or now - st.st_mtime > max_age_s:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep_temp_files(folders: list[Path], older_than_s: float = STALE_TEMP_S) -> int:
    """Remove ``.*.tmp`` files older than ``older_than_s`` (left by a killed process); returns how many."""
    now, removed = time.time(), 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob(".*.tmp"):
            st = _stat(path)
            if st is not None and now - st.st_mtime > older_than_s:
                path.unlink(missing_ok=True)
                removed += 1
    if removed:
        log.info("removed %d temp file(s) left by an earlier run", removed)
    return removed

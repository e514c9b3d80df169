"""Segment-level audio cache: memory LRU in front of a size-bounded folder that survives restarts, and
behind both, for replicas, the Redis they share (a segment one replica rendered is a hit on the others).

The key covers everything that changes the audio of one segment (engine and
model version, voice, emotion, speed, seed, language and the normalized text
with its phonemes), so a sentence repeated inside a new text is a hit.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..common.shared_store import SharedStore
from ..engines.base import Segment, SynthParams

log = logging.getLogger(__name__)


def cache_key(engine: str, model_version: str, segment: Segment, params: SynthParams) -> str:
    """A stable hex digest of everything that shapes a segment's audio."""
    parts = {
        "engine": engine,
        "model": model_version,
        "voice": params.voice,
        "speed": round(params.speed, 4),
        "seed": params.seed,
        "emotion": params.emotion,
        "emotion_weight": round(params.emotion_weight, 4),
        "prosody": params.prosody,
        # what an engine that clones and reads emotions itself takes as given (IndexTTS2): each shapes its audio
        "emotion_mode": params.emotion_mode,
        "emotion_audio": params.emotion_audio,
        "emotion_text": params.emotion_text,
        "reference_audio": params.reference_audio,
        "sampling": dict(sorted(params.sampling.items())),
        "interval_silence_ms": params.interval_silence_ms,
        "language": segment.language,
        "text": segment.text,
        "phonemes": segment.phonemes,
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


class AudioCache:
    """Thread-safe; memory and disk are each bounded in bytes, oldest entries go first."""

    def __init__(
        self,
        folder: Path | None,
        memory_bytes: int = 64 << 20,
        disk_bytes: int = 512 << 20,
        shared: SharedStore | None = None,
    ) -> None:
        self.folder = folder
        self.shared = shared
        self.memory_bytes = memory_bytes
        self.disk_bytes = disk_bytes
        self.hits = 0
        self.misses = 0
        self.shared_hits = 0  # hits that only the shared store had (rendered by another replica)
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_used = 0
        self._lock = threading.Lock()
        self._disk_warned = False
        self._disk_used = 0
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._disk_used = sum(p.stat().st_size for p in folder.glob("*/*.npy"))
            except OSError as exc:
                log.warning("cache: %s is not usable (%s); caching in memory only", folder, exc)
                self.folder = None

    def get(self, key: str, counted: bool = True) -> np.ndarray | None:
        """The array kept under ``key``; ``counted``: a lookup of audio, counted in the hit rate (not one of
        what is kept beside it)."""
        with self._lock:
            audio = self._memory.get(key)
            if audio is not None:
                self._memory.move_to_end(key)
                self.hits += counted
                return audio
        audio = self._read_disk(key)
        from_shared = False
        if audio is None and (audio := self._read_shared(key)) is not None:
            from_shared = True
            self._write_disk(key, audio)
        with self._lock:
            if audio is None:
                self.misses += counted
                return None
            self.hits += counted
            self.shared_hits += counted and from_shared
            self._remember(key, audio)
        return audio

    def put(self, key: str, audio: np.ndarray) -> None:
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        audio.setflags(write=False)
        with self._lock:
            self._remember(key, audio)
        self._write_disk(key, audio)
        self._write_shared(key, audio)

    def stats(self) -> dict[str, int]:
        stats = {"hits": self.hits, "misses": self.misses, "memory_entries": len(self._memory)}
        if self.shared is not None:
            stats["shared_hits"] = self.shared_hits
        return stats

    # -- the store replicas share ------------------------------------------------------------------

    def _read_shared(self, key: str) -> np.ndarray | None:
        if self.shared is None or (data := self.shared.get_bytes(self.shared.key("segment", key))) is None:
            return None
        try:
            audio = np.load(io.BytesIO(data), allow_pickle=False)
        except (OSError, ValueError) as exc:  # not what this cache wrote: a miss
            log.warning("cache: ignoring an unreadable shared entry %s (%s)", key[:12], exc)
            return None
        audio = audio.astype(np.float32, copy=False)
        audio.setflags(write=False)
        return audio

    def _write_shared(self, key: str, audio: np.ndarray) -> None:
        if self.shared is None:
            return
        buffer = io.BytesIO()
        np.save(buffer, audio, allow_pickle=False)
        self.shared.set_bytes(self.shared.key("segment", key), buffer.getvalue())

    # -- memory ------------------------------------------------------------------------------------

    def _remember(self, key: str, audio: np.ndarray) -> None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return
        self._memory[key] = audio
        self._memory_used += audio.nbytes
        while self._memory_used > self.memory_bytes and self._memory:
            _, old = self._memory.popitem(last=False)
            self._memory_used -= old.nbytes

    # -- disk --------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.npy"

    def _read_disk(self, key: str) -> np.ndarray | None:
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            audio = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # a damaged entry is a miss, never an error for the user
            log.warning("cache: dropping unreadable entry %s (%s)", path.name, exc)
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used entries survive pruning
        return audio.astype(np.float32, copy=False)

    def _write_disk(self, key: str, audio: np.ndarray) -> None:
        if self.folder is None:
            return
        path = self._path(key)
        if path.exists():
            return
        tmp = None
        try:
            path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                np.save(f, audio, allow_pickle=False)
            os.replace(tmp, path)
        except OSError as exc:  # read-only or full disk: the request goes on, only the disk copy is lost
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if not self._disk_warned:
                log.warning("cache: could not write to %s (%s); serving on without the disk cache", self.folder, exc)
                self._disk_warned = True
            return
        with self._lock:
            self._disk_used += path.stat().st_size
            over = self._disk_used > self.disk_bytes
        if over:
            self._prune_disk()

    def _prune_disk(self) -> None:
        """Delete least recently used files until the folder is at 90% of its bound."""
        entries = []
        for p in self.folder.glob("*/*.npy"):  # type: ignore[union-attr]
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            entries.append((st.st_mtime, st.st_size, p))
        entries.sort()
        used = sum(size for _, size, _ in entries)
        for _, size, p in entries:
            if used <= 0.9 * self.disk_bytes:
                break
            p.unlink(missing_ok=True)
            used -= size
        with self._lock:
            self._disk_used = used

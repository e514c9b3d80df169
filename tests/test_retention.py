"""Bounded folders: count, size and age limits, and temp files left by a killed process."""

import os
import time
from pathlib import Path

from index_tts.common.retention import DAY_S, prune, sweep_temp_files


def _file(folder: Path, name: str, size: int, age_s: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_prune_keeps_the_newest_within_count_size_and_age(tmp_path: Path) -> None:
    for i in range(6):
        _file(tmp_path, f"tts_{i}.wav", 100, age_s=60 * (6 - i))  # tts_5 is the newest
    other = _file(tmp_path, "notes.txt", 100, age_s=10 * DAY_S)
    assert prune(tmp_path, "tts_*.wav", keep_files=4, max_bytes=10_000) == 2
    assert sorted(p.name for p in tmp_path.glob("tts_*.wav")) == ["tts_2.wav", "tts_3.wav", "tts_4.wav", "tts_5.wav"]
    assert prune(tmp_path, "tts_*.wav", keep_files=10, max_bytes=250) == 2  # only two fit in 250 bytes
    assert sorted(p.name for p in tmp_path.glob("tts_*.wav")) == ["tts_4.wav", "tts_5.wav"]
    _file(tmp_path, "tts_old.wav", 10, age_s=8 * DAY_S)
    assert prune(tmp_path, "tts_*.wav", keep_files=10, max_bytes=10_000, max_age_s=7 * DAY_S) == 1
    assert not (tmp_path / "tts_old.wav").exists() and other.exists()  # other patterns are never touched


def test_sweep_removes_only_old_temp_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    stale = _file(tmp_path / "sub", ".tts_1.wav.abc.tmp", 10, age_s=3600)
    fresh = _file(tmp_path, ".tts_2.wav.def.tmp", 10, age_s=1)  # a write in progress
    finished = _file(tmp_path, "tts_3.wav", 10, age_s=3600)
    assert sweep_temp_files([tmp_path, tmp_path / "missing"]) == 1
    assert not stale.exists() and fresh.exists() and finished.exists()

"""The segment audio cache: keys, bounds, persistence, atomic writes, damaged entries."""

from __future__ import annotations

import dataclasses

import numpy as np

from index_tts.cache import AudioCache, cache_key
from index_tts.engines.base import Segment, SynthParams

SEG = Segment(text="你好。", language="zh", phonemes="ni↗hau↓")
PARAMS = SynthParams(voice="jf_alpha", speed=1.0, seed=0)


def test_key_changes_with_everything_that_changes_the_audio() -> None:
    base = cache_key("kokoro", "v1", SEG, PARAMS)
    assert base == cache_key("kokoro", "v1", SEG, SynthParams(voice="jf_alpha", speed=1.0, seed=0))
    variants = [
        cache_key("other", "v1", SEG, PARAMS),
        cache_key("kokoro", "v2", SEG, PARAMS),
        cache_key("kokoro", "v1", dataclasses.replace(SEG, text="您好。"), PARAMS),
        cache_key("kokoro", "v1", dataclasses.replace(SEG, phonemes="x"), PARAMS),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, voice="jm_kumo")),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, speed=1.1)),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, seed=1)),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, emotion=(0.5,) + (0.0,) * 7, emotion_weight=0.6)),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, extra={"emotion_text": "开心"})),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_memory_is_bounded_lru(tmp_path) -> None:
    cache = AudioCache(None, memory_bytes=3 * 400)
    for i in range(5):
        cache.put(f"k{i}", np.full(100, i, np.float32))  # 400 bytes each
    assert cache.get("k0") is None and cache.get("k1") is None
    assert cache.get("k4") is not None and cache.stats()["memory_entries"] == 3
    assert cache.stats()["hits"] == 1 and cache.stats()["misses"] == 2


def test_disk_survives_a_restart_and_leaves_no_temp_files(tmp_path) -> None:
    audio = np.linspace(-1, 1, 2400, dtype=np.float32)
    AudioCache(tmp_path).put("ab" * 32, audio)
    again = AudioCache(tmp_path)
    got = again.get("ab" * 32)
    assert got is not None and np.array_equal(got, audio) and again.stats()["hits"] == 1
    assert [p.suffix for p in tmp_path.rglob("*") if p.is_file()] == [".npy"]


def test_disk_is_bounded(tmp_path) -> None:
    cache = AudioCache(tmp_path, memory_bytes=0, disk_bytes=50_000)
    for i in range(30):
        cache.put(f"{i:064x}", np.zeros(2400, np.float32))  # ~9.7 kB on disk each
    used = sum(p.stat().st_size for p in tmp_path.rglob("*.npy"))
    assert used <= 50_000 and cache.get(f"{29:064x}") is not None


def test_a_damaged_entry_is_a_miss_and_is_removed(tmp_path) -> None:
    cache = AudioCache(tmp_path, memory_bytes=0)
    key = "cd" * 32
    cache.put(key, np.zeros(100, np.float32))
    path = next(tmp_path.rglob("*.npy"))
    path.write_bytes(b"not an array")
    assert AudioCache(tmp_path).get(key) is None and not path.exists()

"""The segment audio cache: keys, bounds, persistence, atomic writes, damaged entries."""

from __future__ import annotations

import dataclasses

import numpy as np

from index_tts.engines.base import SynthParams
from index_tts.frontend import Segment
from index_tts.serving.cache import AudioCache, cache_key

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
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, emotion_mode="text", emotion_text="开心")),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, emotion_mode="audio", emotion_audio="/a.wav")),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, reference_audio="/voice.wav")),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, sampling={"top_p": 0.5})),
        cache_key("kokoro", "v1", SEG, dataclasses.replace(PARAMS, interval_silence_ms=100)),
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


def test_unusable_or_full_disk_only_loses_the_disk_copy(tmp_path, monkeypatch, caplog) -> None:
    audio = np.linspace(-0.5, 0.5, 2400, dtype=np.float32)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    memory_only = AudioCache(blocker / "audio_cache")
    assert memory_only.folder is None and "memory only" in caplog.text
    memory_only.put("k" * 64, audio)
    assert np.array_equal(memory_only.get("k" * 64), audio)

    cache = AudioCache(tmp_path / "cache")

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    caplog.clear()
    for i in range(3):
        cache.put(f"{i:02d}" + "f" * 62, audio)  # no exception reaches the request
    assert caplog.text.count("without the disk cache") == 1  # warned once, not per segment
    assert np.array_equal(cache.get("00" + "f" * 62), audio)  # still served from memory
    assert not list((tmp_path / "cache").rglob("*.tmp"))

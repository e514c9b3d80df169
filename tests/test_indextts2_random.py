"""The random-weight IndexTTS2 checkpoints: complete, in the release's layout, deterministic, written safely."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from index_tts.engines.indextts2 import files
from index_tts.engines.indextts2 import random_weights as indextts2_random


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_folder_has_everything_the_engine_looks_for(indextts2_dir) -> None:
    assert files.missing(indextts2_dir) == []  # checkpoints, auxiliary models in hf_cache/, the upstream package
    assert files.hub_cache(indextts2_dir) == indextts2_dir / "hf_cache"
    assert "RANDOM weights" in (indextts2_dir / files.RANDOM_WEIGHTS_MARKER).read_text()
    config = yaml.safe_load((indextts2_dir / "config.yaml").read_text())
    assert config["gpt"]["model_dim"] == 1280 and config["emo_num"] == [3, 17, 2, 8, 4, 5, 10, 24]
    assert config["vocoder"]["name"] == "nvidia/bigvgan_v2_22khz_80band_256x"
    assert not list(indextts2_dir.parent.glob(".tiny.*"))  # no temp folder left beside it


def test_full_size_has_the_release_dimensions() -> None:
    full = indextts2_random.release_config(indextts2_random.dimensions("full"))
    assert (full["gpt"]["layers"], full["gpt"]["heads"], full["gpt"]["number_text_tokens"]) == (24, 20, 12000)
    assert full["s2mel"]["DiT"]["depth"] == 13 and full["semantic_codec"]["vocos_num_layers"] == 12
    tiny = indextts2_random.dimensions("tiny")
    assert tiny["gpt"]["layers"] == 1 and tiny["gpt"]["model_dim"] == 1280  # the width the s2mel stage fixes
    with pytest.raises(ValueError, match="size must be one of"):
        indextts2_random.dimensions("huge")


def test_the_same_seed_writes_the_same_files_and_another_seed_other_weights(indextts2_dir, tmp_path) -> None:
    again = tmp_path / "again"
    indextts2_random.write(again, "tiny", seed=0)
    a = _digests(again)
    assert a == _digests(indextts2_dir)
    shutil.rmtree(again)  # one copy on the disk at a time
    other = tmp_path / "other"
    indextts2_random.write(other, "tiny", seed=1)
    b = _digests(other)
    assert a["gpt.pth"] != b["gpt.pth"] and a["s2mel.pth"] != b["s2mel.pth"]
    assert a["bpe.model"] == b["bpe.model"]  # the vocabulary is not random


def test_real_checkpoints_are_never_overwritten_and_a_failure_leaves_nothing(tmp_path, monkeypatch) -> None:
    real = tmp_path / "checkpoints"
    real.mkdir()
    (real / "gpt.pth").write_bytes(b"someone's real weights")
    with pytest.raises(FileExistsError, match="holds something else"):
        indextts2_random.write(real, "tiny")
    assert (real / "gpt.pth").read_bytes() == b"someone's real weights"

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(indextts2_random, "_write_vocoder", broken)
    with pytest.raises(OSError, match="disk full"):
        indextts2_random.write(tmp_path / "new", "tiny")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints"]  # neither the folder nor its temp twin

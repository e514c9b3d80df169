"""prepare: files, manifest and SHA-256 checks; broken folders are reported with the file and the fix."""

import json

import pytest

from index_tts.common.errors import CheckpointError
from index_tts.engines.kokoro import assets


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoints")
    assets.prepare(root)
    return root


def test_prepare_writes_files_and_manifest(prepared) -> None:
    folder = assets.model_dir(prepared)
    manifest = json.loads((folder / assets.MANIFEST_FILE).read_text())
    stages = {"kokoro-encoder.onnx", "kokoro-prosody.onnx", "kokoro-decoder.onnx"}
    assert set(manifest["files"]) == {assets.MODEL_FILE, assets.VOICES_FILE, assets.VOCAB_FILE} | stages
    assert manifest["split_check"]["max_abs_difference"] <= 1e-4
    assert manifest["files"][assets.MODEL_FILE]["bytes"] > 80_000_000
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*"))
    assert assets.verify(folder)["model_version"] == assets.MODEL_VERSION


def test_corrupt_file_is_named_with_the_fix(tmp_path) -> None:
    folder = assets.prepare(tmp_path)
    with open(folder / assets.VOICES_FILE, "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(CheckpointError) as err:
        assets.ensure_prepared(tmp_path)
    assert str(folder / assets.VOICES_FILE) in str(err.value)
    assert "corrupt" in str(err.value) and "python -m index_tts prepare --force" in str(err.value)
    assets.prepare(tmp_path, force=True)
    assets.verify(folder)


def test_missing_file_is_named_with_the_fix(tmp_path) -> None:
    folder = assets.prepare(tmp_path)
    (folder / assets.VOCAB_FILE).unlink()
    with pytest.raises(CheckpointError, match=r"vocab.json is missing.*prepare --force"):
        assets.ensure_prepared(tmp_path)


def test_first_use_prepares_an_empty_folder(tmp_path) -> None:
    folder = assets.ensure_prepared(tmp_path)
    assert (folder / assets.MODEL_FILE).exists()


def test_a_folder_from_before_the_split_gets_its_stage_graphs(tmp_path) -> None:
    folder = assets.prepare(tmp_path)
    manifest = json.loads((folder / assets.MANIFEST_FILE).read_text())
    for name in ("kokoro-encoder.onnx", "kokoro-prosody.onnx", "kokoro-decoder.onnx"):
        (folder / name).unlink()
        del manifest["files"][name]
    (folder / assets.MANIFEST_FILE).write_text(json.dumps(manifest))
    assets.ensure_prepared(tmp_path)  # what the server does as it loads (start_app.sh has no prepare step)
    assert "kokoro-decoder.onnx" in assets.verify(folder)["files"]


def test_a_corrupt_stage_graph_is_named(tmp_path) -> None:
    folder = assets.prepare(tmp_path)
    with open(folder / "kokoro-prosody.onnx", "r+b") as f:
        f.seek(5000)
        f.write(b"\xff\xfe")
    with pytest.raises(CheckpointError, match=r"kokoro-prosody.onnx is corrupt.*prepare --force"):
        assets.ensure_prepared(tmp_path)

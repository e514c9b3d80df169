"""Offline USB bundle: one folder with the app, a wheelhouse, prepared checkpoints and a staff guide.

``./start_app.sh --make-bundle DIR`` runs ``python -m index_tts.ops.bundle DIR`` inside the app's .venv.
The folder is built under a temporary name beside DIR and renamed at the end, so a bundle that
exists is a complete one. On the exhibition machine ``DIR/start_app.sh`` finds ``wheelhouse/`` and
installs from it with ``--no-index`` (see scripts/setup_env.sh); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from ..common.paths import REPO_ROOT, checkpoints_dir
from ..engines.indextts2 import files as indextts2_files
from ..engines.kokoro import assets as kokoro_assets
from ..voice import speaker_encoder

log = logging.getLogger(__name__)

# What the exhibition needs to run the app; tests, benchmarks and CI scripts stay behind.
APP_PATHS = (
    "index_tts",
    "webui.py",
    "start_app.sh",
    "scripts/setup_env.sh",
    "requirements.txt",
    "requirements-indextts2.txt",
    "pyproject.toml",
    "README.md",
    "docs",
    "cache_hub/README.md",
    "checkpoints/README.md",
)
# Caches worth carrying: the Chinese word segmenter's dictionary cache and the voices' neutral
# profiles, which otherwise cost seconds at the first start, and the page's Chinese font (no registry
# at the exhibition). The audio cache is left behind.
CACHE_PATHS = ("jieba", "voice_profiles", "fonts")
SKIP_NAMES = {"__pycache__", ".pytest_cache", ".ruff_cache"}
WHEELHOUSE = "wheelhouse"
MANIFEST = "bundle.json"
PYTHON_TAG_FILE = "PYTHON_VERSION"
GUIDE = "EXHIBITION_GUIDE.md"


class BundleError(RuntimeError):
    """The bundle could not be made; the message says why and what to do."""


def python_tag() -> str:
    """The Python version and platform the wheels are for, e.g. ``3.11 linux-x86_64``."""
    return f"{sys.version_info.major}.{sys.version_info.minor} {sysconfig.get_platform()}"


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*SKIP_NAMES, "*.pyc"))
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def copy_app(target: Path, root: Path = REPO_ROOT) -> int:
    """Copy the app's files into ``target``; return how many files were copied."""
    for name in APP_PATHS:
        source = root / name
        if not source.exists():
            raise BundleError(f"{source} is missing; make the bundle from a complete copy of the app")
        _copy(source, target / name)
    return sum(1 for p in target.rglob("*") if p.is_file())


def build_wheelhouse(target: Path, requirements: Path, root: Path = REPO_ROOT) -> list[str]:
    """Build or fetch a wheel of every dependency for this Python and platform into ``target``.

    pip runs in the app folder: requirements-indextts2.txt finds its CPU torchaudio in ``wheels/`` there.
    """
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        str(requirements),
        "-w",
        str(target),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=root)
    if done.returncode != 0:
        raise BundleError(f"pip could not collect the wheels (is the package registry reachable?):\n{done.stderr[-2000:]}")
    sdists = [p.name for p in target.iterdir() if not p.name.endswith(".whl")]
    if sdists:
        raise BundleError(f"the wheelhouse holds files that are not wheels: {', '.join(sdists)}")
    return sorted(p.name for p in target.glob("*.whl"))


def check_wheelhouse(wheelhouse: Path, requirements: Path) -> None:
    """Resolve the requirements against the wheelhouse alone, as the offline install will."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--no-index",
        "--find-links",
        str(wheelhouse),
        "-r",
        str(requirements),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null"})
    if done.returncode != 0:
        raise BundleError(f"the wheelhouse cannot install {requirements.name} on its own:\n{done.stderr[-2000:]}")


def copy_model(target: Path, model_root: Path | None = None) -> Path:
    """Prepare and verify the embedded model here, then copy its folder (manifest included)."""
    folder = kokoro_assets.prepare(model_root)
    destination = target / "checkpoints" / folder.name
    shutil.copytree(folder, destination, ignore=shutil.ignore_patterns(".*.tmp"))
    kokoro_assets.verify(destination)
    encoder = speaker_encoder.encoder_path(model_root)
    if encoder.is_file():  # the voice match by timbre; without it the bundle matches by pitch (prepare warned)
        shutil.copytree(encoder.parent, target / "checkpoints" / encoder.parent.name, ignore=shutil.ignore_patterns(".*.tmp"))
    else:
        log.warning("bundle: no speaker encoder at %s (run: python -m index_tts prepare); voice match by pitch alone", encoder)
    return destination


def copy_indextts2(target: Path, source: Path | None, hub: Path | None = None) -> dict:
    """Copy IndexTTS2's checkpoints into the bundle's ``checkpoints/``, with the auxiliary models in ``hf_cache/``.

    They land where ``--engine indextts2`` looks by default. Auxiliary models kept
    beside the checkpoints travel with them; otherwise they are taken from the app's
    hub cache. Everything must be there: a bundle is for a machine with no internet.
    """
    source = Path(source or checkpoints_dir())
    missing = indextts2_files.missing(source, hub)
    if missing:
        raise BundleError(indextts2_files.missing_message(source, missing, hub))
    destination = target / "checkpoints"
    copied: list[Path] = []
    for name in (*indextts2_files.CHECKPOINT_FILES, indextts2_files.RANDOM_WEIGHTS_MARKER, "glossary.yaml"):
        item = source / name.rstrip("/")
        if item.exists():
            _copy(item, destination / item.name)
            copied.append(destination / item.name)
    cache = indextts2_files.hub_cache(source) if hub is None else hub
    for repo in indextts2_files.AUXILIARY_MODELS:
        folder = f"models--{repo.replace('/', '--')}"
        shutil.copytree(cache / folder, destination / indextts2_files.HUB_FOLDER / folder, symlinks=False)
        copied.append(destination / indextts2_files.HUB_FOLDER / folder)
    sizes = [p.stat().st_size for c in copied for p in ([c] if c.is_file() else c.rglob("*")) if p.is_file()]
    return {"from": str(source), "files": len(sizes), "bytes": sum(sizes)}


def copy_caches(target: Path, cache_root: Path, indextts2: bool = False) -> list[str]:
    """Carry the small caches that make the first start faster; return the ones copied."""
    copied = []
    for name in (*CACHE_PATHS, indextts2_files.NORMALISER_CACHE) if indextts2 else CACHE_PATHS:
        source = cache_root / name
        if source.is_dir() and any(source.iterdir()):
            _copy(source, target / "cache_hub" / name)
            copied.append(name)
    return copied


def _app_version(root: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def write_guide(target: Path, indextts2: bool = False) -> None:
    """Write the short guide for the people who run the stand (Chinese first, then English)."""
    tag = python_tag()
    text = f"""# 展会现场使用说明 / Guide for exhibition staff

本文件夹是完整的离线版本，不需要网络。This folder is complete and needs no network.

## 启动 / Start
1. 打开终端，进入本文件夹 / Open a terminal in this folder.
2. 运行 / Run: `./start_app.sh`
   - 第一次启动会从 `wheelhouse/` 安装依赖（约 1–3 分钟），以后几秒即可启动。
     The first start installs from `wheelhouse/` (about 1–3 minutes); later starts take seconds.
   - 出现 `Running on local URL: http://127.0.0.1:7860` 即可使用。
     When it prints `Running on local URL: http://127.0.0.1:7860`, it is ready.
3. 在浏览器打开 / Open in a browser: http://127.0.0.1:7860

## 让观众用手机访问 / Visitors on their own phones (same Wi-Fi)
`./start_app.sh --host 0.0.0.0 --auth 用户名:密码` — 必须设置密码 / a password is required.
把本机 IP 和密码告诉观众 / give visitors this machine's address and the password.

## 停止与重启 / Stop and restart
- 停止 / Stop: `./start_app.sh --stop`
- 页面无响应或卡住 / Page stuck: 再运行一次 `./start_app.sh`，它会先停掉旧的再启动。
  Run `./start_app.sh` again: it stops the old instance first.
- 电脑重启后 / After a reboot: 直接运行 `./start_app.sh`。Just run `./start_app.sh`.

## 出问题时 / When something is wrong
- 日志 / Log: `logs/webui.log`（每次合成一行 / one line per synthesis）.
- 健康检查 / Health: http://127.0.0.1:7860/health 显示 `ok` 即正常 / shows `ok` when healthy.
- "服务繁忙" / "busy": 人多时正常，几秒后再试 / normal in a crowd; try again in a few seconds.
- 不要使用 `--share` 或 `--online`：现场没有网络 / do not use `--share` or `--online`: there is no internet.
- 磁盘空间不足 / Disk too small: 第一次启动前会检查，并说明需要多少空间 / the first start checks first and says how much it needs.
- 本包适用于 / Built for: Python {tag}. 其他版本的 Python 无法安装 / other Python versions cannot install it.
- 不需要 ffmpeg：页面自带播放器 / no ffmpeg needed: the page has its own player.
"""
    if indextts2:
        text += """
## IndexTTS2
本包含 IndexTTS2 模型 / This bundle carries IndexTTS2: `./start_app.sh --engine indextts2`
（第一次启动多装 torch，约多 2–5 分钟 / the first start also installs torch: 2–5 more minutes）。
没有显卡时每句需要较长时间 / without a GPU each sentence takes much longer.
"""
    (target / GUIDE).write_text(text, encoding="utf-8")


def make_bundle(
    destination: Path, root: Path = REPO_ROOT, with_indextts2: bool = False, indextts2_dir: Path | None = None
) -> dict:
    """Build the whole bundle beside ``destination`` and rename it into place; return its manifest."""
    destination = destination.resolve()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BundleError(f"{destination} already exists and is not empty; choose a new folder")
    if destination.is_relative_to(root.resolve()):
        raise BundleError(f"{destination} is inside the app folder; choose a folder outside {root}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent))
    try:
        files = copy_app(work, root)
        log.info("bundle: copied %d app files", files)
        requirements = work / ("requirements-indextts2.txt" if with_indextts2 else "requirements.txt")
        wheels = build_wheelhouse(work / WHEELHOUSE, requirements, root)
        check_wheelhouse(work / WHEELHOUSE, requirements)
        (work / WHEELHOUSE / PYTHON_TAG_FILE).write_text(python_tag() + "\n", encoding="utf-8")
        log.info("bundle: wheelhouse has %d wheels and installs %s with --no-index", len(wheels), requirements.name)
        if with_indextts2:  # its requirements name wheels/ (--find-links): absent, pip warns once per package
            (work / "wheels").mkdir(exist_ok=True)
        model = copy_model(work)
        indextts2 = copy_indextts2(work, indextts2_dir) if with_indextts2 else None
        if indextts2:
            log.info("bundle: IndexTTS2 checkpoints from %s: %.0f MB", indextts2["from"], indextts2["bytes"] / 1e6)
        if with_indextts2:  # its text normaliser's grammars: 35 s to compile at a first start, 10 MB to carry
            grammars = indextts2_files.ensure_grammars(root / "cache_hub" / indextts2_files.NORMALISER_CACHE)
            log.info("bundle: %d compiled text normaliser grammars for IndexTTS2", grammars)
        caches = copy_caches(work, root / "cache_hub", indextts2=with_indextts2)
        write_guide(work, indextts2=with_indextts2)
        manifest = {
            "app_version": _app_version(root),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "python": python_tag(),
            "machine": platform.machine(),
            "wheels": wheels,
            "model": str(model.relative_to(work)),
            "caches": caches,
            "indextts2": indextts2,
            "wheelhouse_bytes": sum(p.stat().st_size for p in (work / WHEELHOUSE).iterdir()),
            "bytes": sum(p.stat().st_size for p in work.rglob("*") if p.is_file()),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if destination.exists():
            destination.rmdir()  # empty, checked above
        work.rename(destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("bundle: %s written in %.1fs (%.0f MB)", destination, time.perf_counter() - started, manifest["bytes"] / 1e6)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="start_app.sh --make-bundle", description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path, help="new folder for the bundle (e.g. on the USB stick)")
    parser.add_argument("--with-indextts2", action="store_true", help="add IndexTTS2: its wheels and checkpoints")
    parser.add_argument("--indextts2-dir", type=Path, default=None, help="IndexTTS2 checkpoints (default ./checkpoints)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        manifest = make_bundle(args.destination, with_indextts2=args.with_indextts2, indextts2_dir=args.indextts2_dir)
    except (BundleError, kokoro_assets.CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with_model = f", IndexTTS2 checkpoints {manifest['indextts2']['bytes'] / 1e6:.0f} MB" if manifest["indextts2"] else ""
    print(
        f"bundle ready: {args.destination.resolve()} ({len(manifest['wheels'])} wheels, "
        f"{manifest['wheelhouse_bytes'] / 1e6:.0f} MB of wheels{with_model}, {manifest['bytes'] / 1e6:.0f} MB in all, "
        f"Python {manifest['python']}); copy the folder, then run its start_app.sh"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The page's own Chinese font, so Chinese renders on a machine with no CJK system font.

Noto Sans SC comes from the maintained npm package ``@fontsource-variable/noto-sans-sc``, fetched once
at set-up (``npm pack``, checked against the registry's sha512) into ``cache_hub/fonts/noto-sans-sc``.
Its stylesheet splits the font into ~100 woff2 pieces by unicode-range, so a browser loads only the
pieces holding the characters on the page. The server serves them itself (``/fonts/noto-sans-sc/``):
no request leaves the machine, and the offline bundle carries the folder. Without it the page falls
back to the system's fonts.

Run ``python -m index_tts.ops.page_font`` to fetch it (``start_app.sh`` does when it is missing).
"""

from __future__ import annotations

import logging
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from ..common import npm_package
from ..common.paths import REPO_ROOT

log = logging.getLogger(__name__)

PACKAGE = "@fontsource-variable/noto-sans-sc"
VERSION = "5.3.1"
INTEGRITY = "sha512-UB96JJ17HyD5ehEU7Em0hDdh7fvTMB4B4Hzmq5c4QaNwwSLqTrdM2S+coySeBqCkXwh0DxqXT0b0wMrmzorFpQ=="
FAMILY = "Noto Sans SC Variable"
FONT_DIR = REPO_ROOT / "cache_hub" / "fonts" / "noto-sans-sc"
URL_PATH = "/fonts/noto-sans-sc"
STYLESHEET = "index.css"


class FontError(RuntimeError):
    """The font could not be fetched; the message says why."""


def available(folder: Path = FONT_DIR) -> bool:
    """The stylesheet and its font files are in place."""
    return (folder / STYLESHEET).is_file() and any((folder / "files").glob("*.woff2"))


def unpack(tarball: Path, folder: Path) -> int:
    """Check ``tarball`` against the pinned sha512, then put its stylesheet, licence and woff2 files into
    ``folder`` (written beside it under a temp name, then renamed). Returns the number of font files."""
    try:
        npm_package.check(tarball.read_bytes(), INTEGRITY, f"{tarball.name} ({PACKAGE}@{VERSION})")
    except npm_package.NpmPackageError as exc:
        raise FontError(str(exc)) from exc
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/")
                wanted = name in (STYLESHEET, "LICENSE") or (name.startswith("files/") and name.endswith(".woff2"))
                if not (member.isfile() and wanted) or ".." in Path(name).parts:
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                if source is not None:
                    target.write_bytes(source.read())
        if not available(staging):
            raise FontError(f"{tarball.name} holds no stylesheet or font files")
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sum(1 for _ in (folder / "files").glob("*.woff2"))


def fetch(folder: Path = FONT_DIR) -> int:
    """``npm pack`` the pinned package from the registry and unpack it into ``folder``."""
    try:
        data = npm_package.pack(PACKAGE, VERSION, INTEGRITY)
    except npm_package.NpmPackageError as exc:
        raise FontError(f"{exc}; the page uses the system's fonts") from exc
    with tempfile.TemporaryDirectory() as work:
        tarball = Path(work) / f"{PACKAGE.rsplit('/', 1)[-1]}-{VERSION}.tgz"
        tarball.write_bytes(data)
        return unpack(tarball, folder)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if available():
        print(f"page font: {FONT_DIR} is in place")
        return 0
    try:
        count = fetch()
    except (FontError, OSError) as exc:
        print(f"page font: not fetched ({exc})", file=sys.stderr)
        return 1
    print(f"page font: {PACKAGE}@{VERSION}, {count} files in {FONT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

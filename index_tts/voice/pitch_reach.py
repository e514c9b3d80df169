"""How far each voice's pitch really moves when asked, measured once per voice and language.

The embedded model's decoder stops following F0 above a few hundred hertz, and past that point it
does not saturate gently: a high voice asked for +10 semitones may come out *lower* than at +4
(zf_xiaoxiao reading English: +6 gave +5.9, +10 gave +0.3). So each voice reads a sentence per
language at a few pitch offsets, the median pitch of each reading is measured (Praat), and the
table of asked -> reached semitones ships with the app (``shipped_profiles/reach-*.json``, written by
``python -m index_tts pitch-reach``). A raised pitch is then asked as the offset, up to the one
requested, that goes highest, and the listener is told when the voice falls short.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..common.audio import write_atomic
from ..engines.base import Engine
from ..engines.kokoro.catalog import heaviest_part
from ..prosody.delivery import measure_delivery
from .profiles import NEUTRAL_TEXT, SHIPPED_DIR

log = logging.getLogger(__name__)

REACH_VERSION = 1  # bump when the sentences, the offsets or the measurement change
ASKED = (-12.0, -8.0, -4.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0)  # semitones
SENTENCES = {
    "zh": NEUTRAL_TEXT,
    "en": "The museum opens at nine, and the guided tour starts half an hour later.",
}
SHORT_BY = 1.0  # semitones: a voice that falls this far short of what was asked says so

RenderAt = Callable[[str, str, str, float], tuple[np.ndarray, int]]  # voice, text, language, offset -> audio, rate


@dataclass(frozen=True)
class PitchPlan:
    """What to ask of the engine for ``asked`` semitones and what the listener will hear."""

    asked: float
    used: float
    reached: float

    @property
    def short(self) -> bool:
        """The voice falls short of what was asked (going further than asked is not told)."""
        return self.asked - self.reached > SHORT_BY


@dataclass(frozen=True)
class ReachTable:
    """Asked -> reached semitones of one voice in one language (0 -> 0 implied)."""

    points: tuple[tuple[float, float], ...]

    def reached(self, asked: float) -> float:
        """The offset heard for ``asked``, interpolated between the measured ones."""
        xs, ys = zip(*sorted([(0.0, 0.0), *self.points]), strict=True)
        return float(np.interp(asked, xs, ys))

    def plan(self, asked: float) -> PitchPlan:
        """Ask the offset, up to ``asked``, that goes highest (never past it). A lowered pitch is asked as given:
        the tables go down too, but below about 75 Hz the tracker is not to be trusted, so neither are they."""
        if asked <= 0:
            return PitchPlan(asked, asked, asked)
        candidates = [asked, *(a for a, _ in self.points if 0 < a < asked)]
        used = max(candidates, key=lambda a: (round(self.reached(a), 1), a))
        return PitchPlan(asked, used, round(self.reached(used), 1))


class PitchReach:
    """The shipped reach tables of one engine and model version, by voice and language."""

    def __init__(self, engine_id: str, folder: Path = SHIPPED_DIR) -> None:
        self.file_name = f"reach-{hashlib.sha256(f'{engine_id}|{REACH_VERSION}'.encode()).hexdigest()[:16]}.json"
        self._tables: dict[str, dict[str, ReachTable]] = {}
        try:
            saved = json.loads((folder / self.file_name).read_text("utf-8"))
            self._tables = {
                voice: {lang: ReachTable(tuple((float(a), float(r)) for a, r in points)) for lang, points in langs.items()}
                for voice, langs in saved.items()
            }
        except FileNotFoundError:
            log.info("no pitch reach measured for %s: pitch offsets are applied as asked", engine_id)
        except (OSError, ValueError, TypeError) as exc:
            log.warning("pitch reach file %s unreadable (%s): pitch offsets are applied as asked", self.file_name, exc)

    @classmethod
    def of(cls, engine: Engine, folder: Path = SHIPPED_DIR) -> PitchReach:
        """The tables of ``engine``'s model version. The key leaves out how a text is cut, but the tables read a
        sentence as the server cuts it: a change to the cut re-measures them (``pitch-reach --languages``), and
        ``tests/test_pitch_reach.py`` fails while a table is stale."""
        return cls(f"{engine.name}|{engine.model_version}", folder)

    def table(self, voice: str, language: str) -> ReachTable | None:
        """The voice's table (a blend: its heaviest part's); a language without its own reads Chinese's."""
        tables = self._tables.get(heaviest_part(voice) or voice)
        if not tables:
            return None
        return tables.get(language) or tables.get("zh")

    @staticmethod
    def measure(
        voices: list[str],
        render: RenderAt,
        workers: int = 1,
        languages: tuple[str, ...] = tuple(SENTENCES),
        offsets: tuple[float, ...] = ASKED,
    ) -> dict[str, dict[str, list[list[float]]]]:
        """Every voice's table in each of ``languages`` (one reading per offset, plus the plain one)."""

        def one(voice: str) -> dict[str, list[list[float]]]:
            started = time.perf_counter()
            tables = {}
            for language in languages:
                text = SENTENCES[language]
                base = measure_delivery(*render(voice, text, language, 0.0)).f0_median_hz
                points = []
                for asked in offsets:
                    hz = measure_delivery(*render(voice, text, language, asked)).f0_median_hz
                    points.append([asked, round(12 * float(np.log2(hz / base)), 2)])
                tables[language] = points
            log.info("pitch reach of %s measured in %.1fs", voice, time.perf_counter() - started)
            return tables

        with ThreadPoolExecutor(max(1, workers)) as pool:
            return dict(zip(voices, pool.map(one, voices), strict=True))

    def saved(self, folder: Path = SHIPPED_DIR) -> dict[str, dict[str, list[list[float]]]]:
        """The tables kept in ``folder`` as written (none yet: empty), so a few voices can be measured anew."""
        path = folder / self.file_name
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    def write(self, tables: dict[str, dict[str, list[list[float]]]], folder: Path = SHIPPED_DIR) -> Path:
        """Keep measured tables under this engine's file name (temp name, then rename)."""
        data = json.dumps(tables, indent=1, sort_keys=True).encode()
        return write_atomic(folder / self.file_name, lambda f: f.write(data))

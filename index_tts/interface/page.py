"""What the WebUI's buttons do, apart from layout: turn widget values into a job, run it, format the result.

Kept out of ``webui.py`` so the page file holds wiring only, and so these
steps can be tested without a browser.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import gradio as gr
from pydantic import ValidationError

from ..common.errors import TTSError
from ..common.i18n import EMOTION_NAMES, stream_labels, t
from ..frontend.segmenter import units
from ..ops.rate_limit import RateLimiter
from ..serving.manager import MAX_TEXT_CHARS, ModelManager, SpeechJob
from ..serving.outputs import save_wav
from ..serving.presets import Preset, load_preset, save_preset
from ..voice.emotion import EMOTIONS, EmotionMode, EmotionRequest, resolve_vector

log = logging.getLogger(__name__)

ProgressBar = Callable[..., object]


def build_job(
    text: str,
    voice: str | None,
    reference_audio: str | None,
    emotion_mode: str,
    emotion_audio: str | None,
    emotion_weight: float,
    emotion_vector: Sequence[float],
    emotion_random: bool,
    emotion_text: str | None,
    speed: float,
    seed: float | None,
    text_language: str,
    max_segment: float,
    sampling: dict[str, float] | None = None,
    interval_silence: float | None = None,
    pitch: float | None = None,
) -> SpeechJob:
    """Widget values to a validated ``SpeechJob``; raises ``TTSError`` with what to fix."""
    try:
        mode = EmotionMode(emotion_mode or EmotionMode.VOICE.value)
    except ValueError as exc:
        raise TTSError(f"unknown emotion mode {emotion_mode!r}; use one of {[m.value for m in EmotionMode]}") from exc
    if len(emotion_vector) != len(EMOTIONS):
        raise TTSError(f"the emotion vector needs {len(EMOTIONS)} values")
    emotion = EmotionRequest(
        mode=mode,
        vector=tuple(float(v or 0.0) for v in emotion_vector),
        weight=float(emotion_weight if emotion_weight is not None else 0.0),
        random=bool(emotion_random),
        audio_path=emotion_audio if mode is EmotionMode.AUDIO else None,
        text=(emotion_text or "").strip() if mode is EmotionMode.TEXT else "",
    )
    return SpeechJob(
        text=text or "",
        voice=voice or None,
        speed=float(speed if speed is not None else 1.0),
        seed=_whole_number(seed, "seed"),
        language=text_language or "auto",
        max_units=int(max_segment),
        emotion=emotion,
        reference_audio=reference_audio or None,
        sampling=tuple(sorted((sampling or {}).items())),
        interval_silence_ms=int(interval_silence if interval_silence is not None else 200),
        pitch=float(pitch or 0.0),
    )


def synthesize(manager: ModelManager, job: SpeechJob, lang: str, progress: ProgressBar | None = None) -> tuple[str, str]:
    """Run ``job`` with a progress bar; return the WAV path and the info line."""

    def report(done: int, total: int, _segment: object) -> None:
        if progress is None:
            return
        if done == 0:
            progress(0.0, desc=t("progress_text", lang))
        else:
            progress((done, total), desc=t("progress_segment", lang, i=done, n=total))

    result = manager.synthesize(job, report)
    if progress is not None:
        progress(1.0, desc=t("progress_saving", lang))
    path = save_wav(result.audio, result.sample_rate)
    info = t(
        "info",
        lang,
        audio=result.audio_seconds,
        compute=result.seconds,
        rtf=result.rtf,
        segments=len(result.segments),
    )
    if job.emotion.mode is EmotionMode.TEXT:
        vector = resolve_vector(job.emotion, job.seed, job.text) or ()
        names = EMOTION_NAMES[lang]
        chosen = " · ".join(f"{names[i]} {v:.2f}" for i, v in enumerate(vector) if v > 0)
        info += f"\n\n{t('emotion_from_text', lang)}: {chosen}"
    for notice in result.notices:
        info += f"\n\nℹ️ {notice.text(lang)}"
    for note in result.notes:
        info += f"\n\n⚠️ {t('fallback_notice', lang)}: {note.splitlines()[0]}"
    return str(path), info


def run_for_ui(
    manager: ModelManager,
    lang: str,
    values: Sequence,
    progress: ProgressBar | None,
    limiter: RateLimiter | None = None,
    client: str = "",
) -> tuple[str, str]:
    """The Synthesize button: any input problem becomes a ``gr.Error`` toast and the server keeps serving."""
    wait = limiter.wait_seconds(client) if limiter is not None else 0.0
    if wait:
        raise gr.Error(t("rate_limited", lang, n=limiter.per_minute, seconds=math.ceil(wait)), title="⏳")
    try:
        job = build_job(*values)
        return synthesize(manager, job, lang, progress)
    except TTSError as exc:
        log.info("rejected request: %s", exc)
        raise gr.Error(str(exc), title="⚠️") from exc


def preview_rows(manager: ModelManager, text: str, text_language: str, max_segment: float) -> list[list]:
    """Rows for the live segment table: index, text, language, units, phonemes."""
    if not (text or "").strip():
        return []
    try:
        segments = manager.preview(text[:MAX_TEXT_CHARS], text_language or "auto", int(max_segment))
    except TTSError:
        return []
    return [[i + 1, s.text, s.language, units(s.text), len(s.phonemes)] for i, s in enumerate(segments)]


def char_count(text: str, lang: str) -> str:
    return t("char_count", lang, n=len(text or ""), limit=MAX_TEXT_CHARS)


PLAYER_SCRIPT = Path(__file__).resolve().parent / "static" / "stream_player.js"


def stream_player_head() -> str:
    """The ``<script>`` that plays streamed PCM with Web Audio (added to the page's head)."""
    return f"<script>{PLAYER_SCRIPT.read_text(encoding='utf-8')}</script>"


def stream_player_js() -> str:
    """The click handler of the play-while-synthesizing button (inputs: text, voice, speed, seed, language, UI language)."""
    labels = json.dumps(stream_labels(), ensure_ascii=False)
    call = f"window.indexTTSStream(text, voice, speed, seed, lang, {labels}[ui || 'zh'])"
    return f"(text, voice, speed, seed, lang, ui) => {{ {call}; return []; }}"


def _whole_number(value: float | None, what: str) -> int:
    """A number box's value as an int; ``TTSError`` for NaN, infinity or a fraction."""
    number = float(value or 0)
    if not number.is_integer():
        raise TTSError(f"the {what} must be a whole number")
    return int(number)


def build_preset(voice, mode, vector, weight, emotion_text, speed, seed, pitch) -> Preset:
    """The page's current delivery settings as a ``Preset``; bad values become a ``gr.Error``."""
    try:
        return Preset(
            voice=voice or "",
            emotion_mode=mode or EmotionMode.VOICE.value,
            emotion=[float(v or 0.0) for v in vector],
            emotion_weight=float(weight if weight is not None else 0.0),
            emotion_text=emotion_text or "",
            speed=float(speed or 1.0),
            seed=int(seed or 0),
            pitch=float(pitch or 0.0),
        )
    except ValidationError as exc:
        raise gr.Error(f"cannot save these settings: {exc.errors()[0]['msg']}") from exc


def save_preset_for_ui(name: str, preset: Preset) -> None:
    try:
        save_preset(name, preset)
    except TTSError as exc:
        raise gr.Error(str(exc)) from exc


def load_preset_for_ui(name: str | None) -> list:
    """Values for voice, mode, the 8 sliders, weight, description, speed, seed, pitch."""
    try:
        preset = load_preset(name or "")
    except TTSError as exc:
        raise gr.Error(str(exc)) from exc
    head = [preset.voice, preset.emotion_mode.value, *preset.emotion, preset.emotion_weight, preset.emotion_text]
    return [*head, preset.speed, preset.seed, preset.pitch]

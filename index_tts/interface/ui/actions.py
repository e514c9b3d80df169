"""What the page's buttons do: controls' values to one request, run it, show the result.

Both buttons (Synthesize, and Play while synthesizing) read the same controls (``controls.PAGE_FIELDS``)
and turn them into a ``SpeechRequest`` with ``request_from_page``, so they can never disagree about a
setting. The Synthesize button iterates the request's stream in its own Gradio event, saying after each
segment how far it is; nothing here knows the page's layout, so it is tested without a browser.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from ...common.errors import TTSError
from ...common.i18n import LANGUAGES, t
from ...frontend.segmenter import units
from ...ops.rate_limit import RateLimiter
from ...serving.admission import ServerBusy
from ...serving.manager import ModelManager
from ...serving.request import max_text_chars
from ...serving.speech_stream import SpeechStream, SynthesisResult
from ...serving.takes import KEPT_FIELDS, keep_take
from ..stream_handoff import StreamHandoff
from .controls import request_from_page
from .follow_along import follow_html
from .history import settings_of

log = logging.getLogger(__name__)

# the Synthesize button's outputs: (audio, status line, the line in each language, the take: its files and timings)
Status = tuple[Any, str, Any, Any]


def client_of(request: gr.Request | None) -> str:
    """The visitor's address, for the rate limit."""
    return request.client.host if request is not None and request.client else ""


def _page_error(exc: TTSError | ServerBusy, lang: str) -> gr.Error:
    """A refused request as the page shows it, in its language (the cause is kept for the status line)."""
    if isinstance(exc, ServerBusy):  # how much speech is ahead and when to try again
        error = gr.Error(t("busy_wait", lang, retry=exc.retry_after_s), title="⏳")
    else:
        log.info("rejected request: %s", exc)
        error = gr.Error(exc.in_language(lang), title="⚠️")
    error.__cause__ = exc
    return error


def _admit(manager: ModelManager, values: Mapping[str, Any], lang: str, limiter: RateLimiter | None, client: str,
           endpoint: str) -> SpeechStream:  # fmt: skip
    """The request of the page's ``values``, started (nothing renders until it is read); a refusal is a ``gr.Error``."""
    wait = limiter.wait_seconds(client) if limiter is not None else 0.0
    if wait and limiter is not None:
        raise gr.Error(t("rate_limited", lang, n=limiter.per_minute, seconds=math.ceil(wait)), title="⏳")
    try:
        return manager.stream(request_from_page(values, manager.engine.capabilities.sampling, lang), endpoint=endpoint)
    except (TTSError, ServerBusy) as exc:
        raise _page_error(exc, lang) from exc


def _failure_lines(error: gr.Error) -> dict[str, str]:
    """A failure's message in each language, for the status line (the page's own when no translation is kept)."""
    cause = error.__cause__
    if isinstance(cause, TTSError) and cause.key is not None:
        return {lang: f"⚠️ {cause.in_language(lang)}" for lang in LANGUAGES}
    if isinstance(cause, ServerBusy):
        return {lang: f"⚠️ {t('busy_wait', lang, retry=cause.retry_after_s)}" for lang in LANGUAGES}
    return dict.fromkeys(LANGUAGES, f"⚠️ {error.message}")


def synthesize_with_status(
    manager: ModelManager,
    values: Mapping[str, Any],
    lang: str,
    limiter: RateLimiter | None = None,
    client: str = "",
) -> Iterator[Status]:
    """The Synthesize button: one request, its stream read here, the status line kept current.

    Yields (audio, status line, the last line in each language). The status replaces the previous result's
    at once: how long the speech accepted before this request takes at the measured speed (when there is a
    wait), then how many segments are rendered — counts, never a guessed time. A failure's message replaces
    it too, then the failure is raised for the page's toast and the API's caller. The last element, the
    final line in both languages, lets the language switch redraw it. A visitor who leaves closes this
    generator, and the request's segments not yet rendered are dropped.
    """
    ahead = manager.admission.expected_wait() if manager.scheduler is not None else 0.0
    first = t("progress_waiting", lang, seconds=math.ceil(ahead)) if ahead >= 1.0 else t("progress_text", lang)
    yield gr.skip(), first, gr.skip(), gr.skip()
    try:
        speech = _admit(manager, values, lang, limiter, client, "ui")
        if ahead >= 1.0:
            yield gr.skip(), t("progress_text", lang), gr.skip(), gr.skip()
        result = yield from _read(speech, lang)
    except gr.Error as error:
        lines = _failure_lines(error)
        yield gr.skip(), lines.get(lang, f"⚠️ {error.message}"), lines, gr.skip()
        raise
    yield gr.skip(), t("progress_saving", lang), gr.skip(), gr.skip()
    take = keep_take(result, speech.text, settings_of(values), speech.params.voice)
    lines = {language: info_line(result, language) for language in LANGUAGES}
    yield take["wav"], lines[lang], lines, take


def show_take(take: Mapping[str, Any] | None) -> tuple[str, list[str] | None, str]:
    """The follow-along text and the downloads of the take just made, and what the history keeps of it (JSON)."""
    if not take:
        return follow_html([]), None, ""
    kept = {key: take[key] for key in KEPT_FIELDS}
    return follow_html(take["pieces"]), [take["wav"], take["srt"]], json.dumps(kept, ensure_ascii=False)


def _read(speech: SpeechStream, lang: str) -> Iterator[Status]:
    """Read the stream to its end, a status line after each segment; returns the whole result."""
    chunks = []
    total = len(speech.segments)
    try:
        for chunk in speech:
            chunks.append(chunk)
            if not speech.whole_text_at_once:
                yield gr.skip(), t("progress_segment", lang, i=len(chunks), n=total), gr.skip(), gr.skip()
    except TTSError as exc:  # the engine could not render a segment: said like any bad input
        raise _page_error(exc, lang) from exc
    finally:
        speech.close()  # finished, failed, or the visitor left: nothing of it stays in the scheduler
    return speech.result(chunks)


def synthesize_for_page(
    manager: ModelManager,
    values: Mapping[str, Any],
    lang: str,
    limiter: RateLimiter | None = None,
    client: str = "",
) -> tuple[str, str]:
    """The Synthesize button's end result: the WAV path and the info line (a bad setting is a ``gr.Error``)."""
    path, info = "", ""
    for audio, status, *_rest in synthesize_with_status(manager, values, lang, limiter, client):
        path, info = (audio, status) if isinstance(audio, str) else (path, info)
    return path, info


def info_line(result: SynthesisResult, lang: str) -> str:
    """What the page says under a result: its length, what it cost, and what the listener should know."""
    if result.from_cache:  # nothing was rendered: a time and an RTF would mislead
        info = t("info_cached", lang, audio=result.audio_seconds, segments=len(result.segments))
    else:
        info = t("info", lang, audio=result.audio_seconds, compute=result.seconds, rtf=result.rtf, segments=len(result.segments))
    return "\n\n".join([info, *(notice.line(lang) for notice in result.notices)])


def prepare_stream_for_page(
    manager: ModelManager,
    handoff: StreamHandoff,
    values: Mapping[str, Any],
    lang: str,
    limiter: RateLimiter | None = None,
    client: str = "",
) -> tuple[str, str]:
    """The Play-while-synthesizing button, first half: the same request as Synthesize, planned here (a bad
    setting is a ``gr.Error`` before anything plays) and handed to the page's player under a one-time
    token. Returns the token and what the listener should know before it plays."""
    speech = _admit(manager, values, lang, limiter, client, "ui_stream")
    speech.kept_chunks, speech.take_settings = [], settings_of(values)  # a take once it has all gone out
    token = handoff.offer(speech)
    return token, "\n\n".join(notice.line(lang) for notice in speech.notices)


def preview_rows(manager: ModelManager, text: str, text_language: str, max_segment: float) -> list[list]:
    """Rows for the live segment table: index, text, language, units, phonemes."""
    if not (text or "").strip():
        return []
    try:
        segments = manager.preview(text[: max_text_chars()], text_language or "auto", int(max_segment))
    except TTSError:
        return []
    return [[i + 1, s.text, s.language, units(s.text), len(s.phonemes)] for i, s in enumerate(segments)]


def voice_preview(manager: ModelManager, voice: str, lang: str) -> Path:
    """The listed voice's kept preview file (rendered now on its first listen); otherwise a ``gr.Error``."""
    if voice not in manager.engine.voices():
        raise gr.Error(t("voice_preview_unlisted", lang), title="⚠️")
    try:
        return manager.previews.get(voice)
    except (TTSError, ServerBusy) as exc:
        raise _page_error(exc, lang) from exc


def char_count(text: str, lang: str) -> str:
    """The count under the text box; past the limit it is a warning that says by how much (a pasted text is
    kept whole, never cut silently, so the visitor can see what to shorten)."""
    n, limit = len(text or ""), max_text_chars()
    if n > limit:
        return t("char_count_over", lang, n=n, limit=limit, over=n - limit)
    return t("char_count", lang, n=n, limit=limit)

"""What the page's buttons do, apart from layout: controls' values to a request, run it, show the result.

Both buttons (Synthesize, and Play while synthesizing) read the same controls by name and turn
them into a ``SpeechRequest`` with ``request_from_page``, so they can never disagree about a
setting. Kept out of ``webui.py`` so the page file holds wiring only, and so these steps can be
tested without a browser.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import queue
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr

from ..common.errors import TTSError
from ..common.i18n import LANGUAGES, stream_labels, t
from ..engines.sampling import SAMPLING_DEFAULTS
from ..frontend.segmenter import units
from ..ops import page_font
from ..ops.rate_limit import RateLimiter
from ..serving.admission import ServerBusy
from ..serving.manager import ModelManager
from ..serving.outputs import save_wav
from ..serving.presets import PRESET_FIELDS, PresetError, list_presets, load_preset, make_preset, save_preset
from ..serving.request import MAX_TEXT_CHARS, SpeechRequest
from ..serving.speech_stream import SynthesisResult
from ..voice.emotion import EMOTIONS
from .boot_language import STORAGE_KEY
from .stream_handoff import StreamHandoff

log = logging.getLogger(__name__)

ProgressBar = Callable[..., object]

# The page's controls that make a request, in the order of the Gradio API's parameters. Most carry a
# request field's own name; the eight emotion sliders, the text language and the sampling sliders
# are gathered into their fields by ``request_from_page``; ``ui_lang`` is the page's language.
PAGE_FIELDS: tuple[str, ...] = (
    "text", "voice", "reference_audio", "emotion_mode", "emotion_audio", "emotion_weight", *EMOTIONS,
    "emotion_random", "emotion_text", "speed", "seed", "text_language", "max_segment", "ui_lang",
    *SAMPLING_DEFAULTS, "interval_silence", "pitch",
)  # fmt: skip


def fields_from_page(values: Mapping[str, Any], sampling: bool) -> dict[str, Any]:
    """The page's values under the request's field names (``sampling``: the engine takes sampling keywords)."""
    fields = {name: values[name] for name in PAGE_FIELDS if name in values}
    fields.pop("ui_lang", None)
    if any(name in fields for name in EMOTIONS):
        fields["emotion"] = tuple(float(fields.pop(name, 0.0) or 0.0) for name in EMOTIONS)
    if "text_language" in fields:
        fields["language"] = fields.pop("text_language") or "auto"
    chosen = {name: fields.pop(name) for name in SAMPLING_DEFAULTS if name in fields}
    if sampling:
        fields["sampling"] = {name: value for name, value in chosen.items() if value is not None}
    for name in ("voice", "reference_audio", "emotion_audio"):
        if name in fields:
            fields[name] = fields[name] or None
    for name in ("text", "emotion_text"):  # an untouched textbox may send None
        if name in fields:
            fields[name] = fields[name] or ""
    return fields


def request_from_page(values: Mapping[str, Any], sampling: bool, lang: str = "en") -> SpeechRequest:
    """The one request both buttons send; ``TTSError`` says which control to fix."""
    fields = fields_from_page(values, sampling)
    if len(fields.get("text") or "") > MAX_TEXT_CHARS:  # said in the page's language, with the limit
        raise TTSError(t("text_too_long", lang, n=len(fields["text"]), limit=MAX_TEXT_CHARS))
    return SpeechRequest.build(**fields)


def page_handler(defaults: Mapping[str, Any], body: Callable[..., Any]) -> Callable[..., Any]:
    """A Gradio event function taking the controls of ``PAGE_FIELDS`` as named parameters (the names and
    defaults the Gradio API shows), plus the visitor's request and a progress bar; ``body`` gets them as
    one dict, the request and the progress bar."""

    def call(args: tuple[Any, ...]) -> Any:
        *values, request, progress = args
        return body(dict(zip(PAGE_FIELDS, values, strict=True)), request, progress)

    if inspect.isgeneratorfunction(body):  # Gradio streams a generator function's updates

        def handler(*args: Any) -> Any:
            yield from call(args)
    else:

        def handler(*args: Any) -> Any:
            return call(args)

    params = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=defaults.get(name, inspect.Parameter.empty))
        for name in PAGE_FIELDS
    ]
    params.append(inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=gr.Request))
    params.append(inspect.Parameter("progress", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress()))
    handler.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    handler.__annotations__ = {"request": gr.Request}
    handler.__name__ = body.__name__
    return handler


def client_of(request: gr.Request | None) -> str:
    """The visitor's address, for the rate limit."""
    return request.client.host if request is not None and request.client else ""


def _check_rate(limiter: RateLimiter | None, client: str, lang: str) -> None:
    wait = limiter.wait_seconds(client) if limiter is not None else 0.0
    if wait and limiter is not None:
        raise gr.Error(t("rate_limited", lang, n=limiter.per_minute, seconds=math.ceil(wait)), title="⏳")


def _busy_error(busy: ServerBusy, lang: str) -> gr.Error:
    """The page's "busy" message: how much speech is ahead and when to try again."""
    return gr.Error(t("busy_wait", lang, retry=busy.retry_after_s), title="⏳")


def synthesize_for_page(
    manager: ModelManager,
    values: Mapping[str, Any],
    lang: str,
    progress: ProgressBar | None = None,
    limiter: RateLimiter | None = None,
    client: str = "",
) -> tuple[str, str]:
    """The Synthesize button: the WAV path and the info line; a bad setting is a ``gr.Error`` and the server serves on."""
    path, result = _synthesize(manager, values, lang, progress, limiter, client)
    return path, info_line(result, lang)


def _synthesize(
    manager: ModelManager,
    values: Mapping[str, Any],
    lang: str,
    progress: ProgressBar | None,
    limiter: RateLimiter | None,
    client: str,
) -> tuple[str, SynthesisResult]:
    _check_rate(limiter, client, lang)
    try:
        request = request_from_page(values, manager.engine.capabilities.sampling, lang)

        def report(done: int, total: int, _segment: object) -> None:
            if progress is None:
                return
            if done == 0:
                progress(0.0, desc=t("progress_text", lang))
            else:
                progress((done, total), desc=t("progress_segment", lang, i=done, n=total))

        result = manager.synthesize(request, report)
    except TTSError as exc:
        log.info("rejected request: %s", exc)
        raise gr.Error(exc.in_language(lang), title="⚠️") from exc
    except ServerBusy as busy:
        raise _busy_error(busy, lang) from busy
    if progress is not None:
        progress(1.0, desc=t("progress_saving", lang))
    return str(save_wav(result.audio, result.sample_rate)), result


def info_line(result: SynthesisResult, lang: str) -> str:
    """What the page says under a result: its length, what it cost, and what the listener should know."""
    if result.cache_hits == len(result.segments):  # nothing was rendered: a time and an RTF would mislead
        info = t("info_cached", lang, audio=result.audio_seconds, segments=len(result.segments))
    else:
        info = t("info", lang, audio=result.audio_seconds, compute=result.seconds, rtf=result.rtf, segments=len(result.segments))
    return "\n\n".join([info, *(notice.line(lang) for notice in result.notices)])


def _failure_lines(error: gr.Error) -> dict[str, str]:
    """A failure's message in each language, for the status line (the page's own when no translation is kept)."""
    cause = error.__cause__
    if isinstance(cause, TTSError) and cause.key is not None:
        return {lang: f"⚠️ {cause.in_language(lang)}" for lang in LANGUAGES}
    if isinstance(cause, ServerBusy):
        return {lang: f"⚠️ {t('busy_wait', lang, retry=cause.retry_after_s)}" for lang in LANGUAGES}
    return dict.fromkeys(LANGUAGES, f"⚠️ {error.message}")


STATUS_POLL_S = 0.25


def synthesize_with_status(
    manager: ModelManager,
    values: Mapping[str, Any],
    lang: str,
    limiter: RateLimiter | None = None,
    client: str = "",
) -> Iterator[tuple[Any, str, Any]]:
    """The Synthesize button as the page runs it: ``synthesize_for_page`` with the status line kept current.

    Yields (audio, status line, the last line in each language). The status replaces the previous result's
    at once: how long the speech accepted before this request takes at the measured speed (when there is a
    wait), then how many segments are rendered — counts, never a guessed time. A failure's message replaces
    it too, then the failure is raised for the page's toast and the API's caller. The last element, the
    final line in both languages, lets the language switch redraw it (webui.py keeps it in a ``gr.State``).
    """
    ahead = manager.admission.expected_wait() if manager.scheduler is not None else 0.0
    first = t("progress_waiting", lang, seconds=math.ceil(ahead)) if ahead >= 1.0 else t("progress_text", lang)
    yield gr.skip(), first, gr.skip()
    updates: queue.Queue[str] = queue.Queue()

    def progress(_value: object, desc: str = "") -> None:
        if desc:
            updates.put(desc)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-synthesis") as pool:
        job = pool.submit(_synthesize, manager, values, lang, progress, limiter, client)
        while True:
            try:
                yield gr.skip(), updates.get(timeout=STATUS_POLL_S), gr.skip()
            except queue.Empty:
                if job.done():
                    break
        try:
            path, result = job.result()
        except gr.Error as error:
            lines = _failure_lines(error)
            yield gr.skip(), lines.get(lang, f"⚠️ {error.message}"), lines
            raise
    lines = {language: info_line(result, language) for language in LANGUAGES}
    yield path, lines[lang], lines


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
    _check_rate(limiter, client, lang)
    try:
        request = request_from_page(values, manager.engine.capabilities.sampling, lang)
        speech = manager.stream(request, endpoint="ui_stream")
    except TTSError as exc:
        log.info("rejected request: %s", exc)
        raise gr.Error(exc.in_language(lang), title="⚠️") from exc
    except ServerBusy as busy:
        raise _busy_error(busy, lang) from busy
    token = handoff.offer(speech)
    return token, "\n\n".join(notice.line(lang) for notice in speech.notices)


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
    """The count under the text box; past the limit it is a warning that says by how much (a pasted text is
    kept whole, never cut silently, so the visitor can see what to shorten)."""
    n = len(text or "")
    if n > MAX_TEXT_CHARS:
        return t("char_count_over", lang, n=n, limit=MAX_TEXT_CHARS, over=n - MAX_TEXT_CHARS)
    return t("char_count", lang, n=n, limit=MAX_TEXT_CHARS)


STATIC = Path(__file__).resolve().parent / "static"
PLAYER_SCRIPT = STATIC / "stream_player.js"
LANGUAGE_SCRIPT = STATIC / "page_language.js"
PAGE_STYLE = STATIC / "page.css"


def page_css() -> str:
    """The page's own style: the phone layout (static/page.css)."""
    return PAGE_STYLE.read_text(encoding="utf-8")


def gradio_core_module() -> str:
    """The file name of Gradio's frontend core module (it exports ``changeLocale``), or "" if not found."""
    found = sorted((Path(gr.__file__).resolve().parent / "templates" / "frontend" / "assets").glob("core-*.js"))
    return found[0].name if len(found) == 1 else ""


def page_head() -> str:
    """The page's ``<script>``s: the player that plays streamed PCM with Web Audio, and the hook that moves
    Gradio's own strings to the page's language; and the page's Chinese font, when it is in place."""
    language = LANGUAGE_SCRIPT.read_text(encoding="utf-8").replace("__CORE_MODULE__", gradio_core_module())
    language = language.replace("__STORAGE_KEY__", STORAGE_KEY)
    scripts = f"<script>{PLAYER_SCRIPT.read_text(encoding='utf-8')}</script>\n<script>{language}</script>"
    if not page_font.available():
        return scripts
    return f'<link rel="stylesheet" href="{page_font.URL_PATH.lstrip("/")}/{page_font.STYLESHEET}">\n{scripts}'


# runs in the page on each language switch (input: the page's language)
SET_LOCALE_JS = "async (lang) => { if (window.indexTTSSetLocale) await window.indexTTSSetLocale(lang); return []; }"


def restore_language_js(default_lang: str) -> str:
    """Runs on page load: the language this visitor chose last (boot_language.py), for the switch."""
    return f"() => window.indexTTSPageLang || {json.dumps(default_lang)}"


# the stream button's click time, so the player's "first sound after" counts from the click
STREAM_CLICKED_JS = "(...values) => { window.indexTTSClickedAt = performance.now(); return values; }"


def stream_player_js() -> str:
    """Runs after the stream button's request was prepared: plays it (inputs: the token, the page's language)."""
    labels = json.dumps(stream_labels(), ensure_ascii=False)
    return f"(token, ui) => {{ if (token) window.indexTTSPlay(token, {labels}[ui || 'zh']); return []; }}"


# -- presets ----------------------------------------------------------------------------------


def save_preset_for_page(name: str, values: Mapping[str, Any], lang: str) -> Any:
    """Save the page's delivery settings under ``name``: the preset list's update, now holding it. A bad
    name or value is a warning in the page's language and changes nothing (no error on any control)."""
    try:
        fields = fields_from_page(values, sampling=False)
        saved = save_preset(name, make_preset(fields)).stem
    except PresetError as exc:
        gr.Warning(t(exc.key, lang, **exc.values), title="⚠️")
        return gr.skip()
    gr.Info(t("preset_stored", lang, name=saved), title="✓")
    return gr.update(choices=list_presets(), value=saved)


def load_preset_for_page(name: str | None, controls: Sequence[str], lang: str) -> list:
    """The saved values for the page's ``controls`` (names of ``PAGE_FIELDS``), in that order; when there is
    nothing to load, a warning in the page's language and every control left as it was."""
    if not (name or "").strip():
        gr.Warning(t("preset_none_chosen", lang), title="⚠️")
        return [gr.skip()] * len(controls)
    try:
        preset = load_preset(name or "")
    except PresetError as exc:
        gr.Warning(t(exc.key, lang, **exc.values), title="⚠️")
        return [gr.skip()] * len(controls)
    saved = preset.model_dump()
    emotions = dict(zip(EMOTIONS, saved.pop("emotion"), strict=True))
    saved["emotion_mode"] = saved["emotion_mode"].value if hasattr(saved["emotion_mode"], "value") else saved["emotion_mode"]
    gr.Info(t("preset_loaded", lang, name=(name or "").strip()), title="✓")
    return [emotions[name] if name in emotions else saved[name] for name in controls]


def preset_choices() -> Any:
    """The preset list as it is on disk (every page load asks: presets saved in another tab or before a restart)."""
    return gr.update(choices=list_presets())


PRESET_CONTROLS: tuple[str, ...] = tuple(
    name for name in PAGE_FIELDS if name in PRESET_FIELDS or name in EMOTIONS
)  # the page's controls a preset sets

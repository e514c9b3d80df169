"""The page's events: what each button, slider and switch runs, and which components it updates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from ...common.i18n import t
from ...ops.rate_limit import RateLimiter
from ...serving.manager import ModelManager
from ...voice.emotion import EmotionMode
from ..stream_handoff import StreamHandoff
from . import actions, history, presets
from .assets import SET_LOCALE_JS, STREAM_CLICKED_JS, restore_language_js, stream_player_js
from .controls import PAGE_FIELDS, PRESET_CONTROLS
from .panels import Page, mode_choices

PRIVATE: dict[str, Any] = {"api_visibility": "private"}  # events the page needs and the Gradio API does not offer


def wire_buttons(page: Page, manager: ModelManager, limiter: RateLimiter | None, handoff: StreamHandoff | None) -> None:
    """Synthesize (the Gradio API's ``/synthesize``, its parameters named after the controls) and Play while
    synthesizing; both read every control of ``PAGE_FIELDS`` as keyword values."""
    parts = page.parts
    inputs = {name: page.controls[name] for name in PAGE_FIELDS}

    # The two clips are named parameters so the Gradio API offers them as optional (their boxes start empty).
    def synthesize(
        request: gr.Request, reference_audio: str | None = None, emotion_audio: str | None = None, **values: Any
    ) -> Iterator[actions.Status]:
        values.update(reference_audio=reference_audio, emotion_audio=emotion_audio)
        lang = values["ui_lang"] or page.lang
        yield from actions.synthesize_with_status(manager, values, lang, limiter, actions.client_of(request))

    def prepare_stream(
        request: gr.Request, reference_audio: str | None = None, emotion_audio: str | None = None, **values: Any
    ) -> tuple[Any, ...]:
        """The token and the notices; the last result's player, files and line go (the stream's own take is
        offered under its text once it has all gone out), so nothing on the page belongs to another take."""
        values.update(reference_audio=reference_audio, emotion_audio=emotion_audio)
        lang = values["ui_lang"] or page.lang
        try:
            if handoff is None:
                raise gr.Error(t("stream_unavailable", lang))
            token, notices = actions.prepare_stream_for_page(manager, handoff, values, lang, limiter, actions.client_of(request))
        except gr.Error as error:  # said where the result's status goes, replacing it; no token: nothing plays
            return "", f"⚠️ {error.message}", gr.skip(), gr.skip(), gr.skip()
        return token, notices, None, None, None

    parts["synthesize"].click(
        synthesize,
        inputs_kwargs=inputs,
        outputs=[parts["output"], parts["info"], parts["shown_info"], parts["take"]],
        api_name="synthesize",
        concurrency_id="synthesis",
        show_progress_on=[parts["output"]],  # the info line under it says the wait and counts segments
    ).success(
        actions.show_take, inputs=[parts["take"]], outputs=[parts["follow"], parts["downloads"], parts["take_json"]],
        queue=False, **PRIVATE,
    ).success(None, inputs=[parts["take_json"]], js=history.ADD_JS, **PRIVATE)  # fmt: skip
    parts["stream"].click(
        prepare_stream, inputs_kwargs=inputs, js=STREAM_CLICKED_JS, queue=False, **PRIVATE,
        outputs=[parts["stream_token"], parts["info"], parts["output"], parts["downloads"], parts["shown_info"]],
    ).success(None, inputs=[parts["stream_token"], page.controls["ui_lang"]], js=stream_player_js(), **PRIVATE)  # fmt: skip


def wire_text(page: Page, manager: ModelManager) -> None:
    """The character count and the live segment table follow the text, its language and the segment length."""
    controls = page.controls

    def on_text(text: str, text_language: str, max_segment: float, ui_lang: str) -> tuple[str, list[list]]:
        return actions.char_count(text, ui_lang), actions.preview_rows(manager, text, text_language, max_segment)

    for trigger in (controls["text"].change, controls["text_language"].change, controls["max_segment"].release):
        trigger(
            on_text,
            inputs=[controls[name] for name in ("text", "text_language", "max_segment", "ui_lang")],
            outputs=[page.parts["count"], page.parts["preview"]],
            trigger_mode="always_last",
            show_progress="hidden",
            concurrency_id="preview",
            concurrency_limit=2,
            **PRIVATE,
        )


def wire_voice_preview(page: Page, manager: ModelManager) -> None:
    """试听: the chosen voice's kept sample plays in a small player under the list (rendered on first listen)."""

    def on_preview(voice: str, ui_lang: str) -> Any:
        return gr.update(value=str(actions.voice_preview(manager, voice, ui_lang)), visible=True)

    page.parts["voice_preview_button"].click(
        on_preview, inputs=[page.controls["voice"], page.controls["ui_lang"]], outputs=[page.parts["voice_preview"]],
        concurrency_id="voice_preview", concurrency_limit=1, **PRIVATE,
    )  # fmt: skip


def wire_emotion_mode(page: Page) -> None:
    """Each emotion mode shows its own inputs, and the weight for every mode but "same as the voice"."""
    parts = page.parts

    def on_mode(selected: str) -> list[Any]:
        shown = [EmotionMode.AUDIO.value, EmotionMode.VECTOR.value, EmotionMode.TEXT.value]
        return [gr.update(visible=selected == mode) for mode in shown] + [gr.update(visible=selected != EmotionMode.VOICE.value)]

    outputs = [parts["audio_group"], parts["vector_group"], parts["text_group"], page.controls["emotion_weight"]]
    page.controls["emotion_mode"].change(on_mode, inputs=[page.controls["emotion_mode"]], outputs=outputs, queue=False, **PRIVATE)


def _relabelled(page: Page, component: Any, attr: str, key: str, lang: str) -> Any:
    """One registered label in ``lang``, with what else of that component is in words."""
    update = {attr: t(key, lang)}
    if component is page.controls["emotion_mode"]:
        update["choices"] = mode_choices(lang)
    if key in ("text", "emotion_text"):
        update["placeholder"] = t(f"{key}_placeholder", lang)
    if component is page.controls["voice"]:
        update["info"] = t("voice_blend_hint", lang)
    return gr.update(**update)


def wire_language(page: Page, demo: gr.Blocks) -> None:
    """The language switch rewrites every label, the notes and the last result's line; Gradio's own strings
    follow (its locale changes, then the audio boxes, whose drop-zone text Gradio draws once, are hidden and
    shown again so they redraw in it); a page load starts in the language chosen last on this machine."""
    parts, controls, notes = page.parts, page.controls, page.notes

    def on_language(new_lang: str, text: str, shown: dict[str, str] | None) -> list[Any]:
        updates = [new_lang, gr.update(value=f"## {t('title', new_lang)}\n{t('subtitle', new_lang)}")]
        updates.append(shown[new_lang] if shown else gr.skip())  # the last result's line, redrawn
        updates.append(actions.char_count(text, new_lang))
        updates += [gr.update(value=t(notes[which], new_lang, engine=page.engine_name)) for which in ("clone", "emotion")]
        updates += [gr.update(label=t("emotion", new_lang)), gr.update(label=t("advanced", new_lang))]
        return updates + [_relabelled(page, c, attr, key, new_lang) for c, attr, key in page.relabel]

    fixed = ["title", "info", "count", "clone_note", "emotion_note", "emotion_box", "advanced_box"]
    switch = parts["lang_switch"]
    switch.change(
        on_language,
        inputs=[switch, controls["text"], parts["shown_info"]],
        outputs=[controls["ui_lang"], *(parts[name] for name in fixed), *(c for c, _, _ in page.relabel)],
        queue=False,
        **PRIVATE,
    )
    redrawn = [controls["reference_audio"], controls["emotion_audio"], parts["output"]]
    switch.change(None, inputs=[switch], js=SET_LOCALE_JS, queue=False, **PRIVATE).then(
        lambda: [gr.update(visible=False)] * 3, outputs=redrawn, queue=False, **PRIVATE
    ).then(lambda: [gr.update(visible=True)] * 3, outputs=redrawn, queue=False, **PRIVATE)
    demo.load(None, outputs=[switch], js=restore_language_js(page.lang), queue=False, **PRIVATE)


def wire_presets(page: Page, demo: gr.Blocks) -> None:
    """Save and load presets. They go through the queue (Gradio delivers their warnings and notes to the page
    only there), without a concurrency limit: they only read or write a small file."""
    parts = page.parts
    preset_controls = [page.controls[name] for name in PRESET_CONTROLS]

    def on_save(name: str, page_lang: str, *values: Any) -> Any:
        return presets.save_preset_for_page(name, dict(zip(PRESET_CONTROLS, values, strict=True)), page_lang)

    def on_load(name: str, page_lang: str) -> list[Any]:
        return presets.load_preset_for_page(name, PRESET_CONTROLS, page_lang)

    ui_lang = page.controls["ui_lang"]
    parts["preset_save"].click(on_save, inputs=[parts["preset_name"], ui_lang, *preset_controls], outputs=[parts["preset_pick"]],
                               concurrency_limit=None, **PRIVATE)  # fmt: skip
    parts["preset_load"].click(on_load, inputs=[parts["preset_pick"], ui_lang], outputs=preset_controls,
                               concurrency_limit=None, **PRIVATE)  # fmt: skip
    demo.load(presets.preset_choices, outputs=[parts["preset_pick"]], queue=False, **PRIVATE)


def wire_history(page: Page) -> None:
    """A take's "use these settings again" (the page's script presses the hidden button with the take's
    settings as its input): every restored control gets the take's value."""
    restored = [page.controls[name] for name in history.RESTORED]

    page.parts["history_apply"].click(history.restore_settings, inputs=[page.parts["history_pick"]], outputs=restored,
                                      js=history.PICKED_JS, concurrency_limit=None, **PRIVATE)  # fmt: skip

"""IndexTTS WebUI: the page layout and its wiring. All speech work happens in the ``index_tts`` package.

Run it with ``./start_app.sh`` (sets up the environment and the model first) or ``python webui.py --help``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# before gradio is imported: no phoning home, and uploads/results cached inside the app folder
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(__file__).resolve().parent / "cache_hub" / "gradio_tmp"))
# Gradio imports matplotlib when it is installed; keep its font cache in the app folder, not in HOME
os.environ.setdefault("MPLCONFIGDIR", str(Path(__file__).resolve().parent / "cache_hub" / "matplotlib"))

import gradio as gr

from index_tts.common.i18n import EMOTION_NAMES, t
from index_tts.engines.kokoro.catalog import voice_label
from index_tts.engines.sampling import SAMPLING_DEFAULTS, SAMPLING_RANGES, page_defaults
from index_tts.frontend.segmenter import DEFAULT_MAX_UNITS
from index_tts.interface import page as actions
from index_tts.interface.launch import build_parser, run
from index_tts.interface.stream_handoff import StreamHandoff
from index_tts.ops.rate_limit import RateLimiter
from index_tts.serving.manager import ModelManager
from index_tts.serving.presets import list_presets
from index_tts.serving.request import (
    INTERVAL_SILENCE_RANGE,
    PITCH_RANGE,
    SEGMENT_RANGE,
    SPEED_RANGE,
    UNIT_RANGE,
)
from index_tts.voice.emotion import DEFAULT_WEIGHT, EMOTIONS, EmotionMode

EXAMPLES = [
    ["欢迎来到人工智能展览馆！今天，我们将带您体验富有表现力的语音合成技术。"],
    ["The quick brown fox jumps over the lazy dog. Speech synthesis has come a long way."],
    ["我最喜欢的电影是 The Lord of the Rings，每年春节我都会重温一遍。"],
    ["会议定于2025年3月15日下午3:30举行，预算约12.5万元，同比增长35%，联系电话13812345678。"],
]
PREVIEW_HEADERS = ["#", "分句 Segment", "语言 Lang", "长度 Units", "音素 Phonemes"]
MODES = [m.value for m in EmotionMode]


def _mode_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"mode_{mode}", lang), mode) for mode in MODES]


def _step(name: str) -> float:
    return 1 if isinstance(SAMPLING_DEFAULTS[name], int) else 0.05


def build_ui(
    manager: ModelManager, lang: str, limiter: RateLimiter | None = None, handoff: StreamHandoff | None = None
) -> gr.Blocks:
    """The whole page. Every label is registered so the language switch can rewrite it."""
    engine = manager.engine
    caps = engine.capabilities
    relabel: list[tuple[gr.components.Component, str, str]] = []  # (component, attribute, string key)
    emotion_note_key = "partial_emotion" if caps.emotion_vector else "no_emotion"
    # an engine with prosody controls matches a voice reference approximately (reference_delivery)
    clone_note_key = "voice_match_note" if caps.prosody_control else "no_cloning"

    def tr(component, key: str, attr: str = "label"):
        relabel.append((component, attr, key))
        return component

    with gr.Blocks(title="IndexTTS", delete_cache=(3600, 3600)) as demo:
        ui_lang = gr.State(lang)
        with gr.Row():
            with gr.Column(scale=4):
                title = gr.Markdown(f"## {t('title', lang)}\n{t('subtitle', lang)}")
            with gr.Column(scale=1, min_width=200):
                lang_switch = tr(
                    gr.Radio([("中文", "zh"), ("English", "en")], value=lang, label=t("ui_language", lang)), "ui_language"
                )

        if manager.fallback_notice:
            reason = manager.fallback_notice.values["reason"]
            gr.Markdown(t("fallback_banner", lang, reason=reason), elem_id="fallback-banner")
        with gr.Row(elem_id="main-row"):
            with gr.Column(scale=3, elem_id="main-left"):
                text = tr(
                    # no max_length: the browser would cut a pasted text silently; char_count warns instead
                    gr.Textbox(label=t("text", lang), placeholder=t("text_placeholder", lang), lines=6, elem_id="text-input"),
                    "text",
                )
                count = gr.Markdown(actions.char_count("", lang), elem_id="char-count")
                with gr.Row():  # a row of its own: the voice's whole name shows
                    voice = tr(
                        gr.Dropdown(
                            [(voice_label(v), v) for v in engine.voices()],
                            value=manager.default_voice,
                            allow_custom_value=True,  # blends such as jf_alpha:0.6+jm_kumo:0.4
                            label=t("voice", lang),
                            info=t("voice_blend_hint", lang),
                            elem_id="voice",
                        ),
                        "voice",
                    )
                with gr.Row():  # wide enough that each label stays on one line
                    pitch = tr(
                        gr.Slider(
                            *PITCH_RANGE, value=0.0, step=0.5, label=t("pitch", lang), elem_id="pitch", scale=2, min_width=240
                        ),
                        "pitch",
                    )
                    speed = tr(
                        gr.Slider(
                            *SPEED_RANGE, value=1.0, step=0.05, label=t("speed", lang), elem_id="speed", scale=2, min_width=200
                        ),
                        "speed",
                    )
                    seed = tr(
                        # no minimum/maximum here: Gradio would refuse an out-of-range seed in English;
                        # the request's check says it in the page's language (request.field_problem)
                        gr.Number(value=0, precision=0, label=t("seed", lang), elem_id="seed", scale=1, min_width=110),
                        "seed",
                    )
                reference = tr(
                    gr.Audio(
                        sources=["upload", "microphone"],
                        type="filepath",
                        label=t("reference_audio", lang),
                        elem_id="reference-audio",
                    ),
                    "reference_audio",
                )
                clone_note = gr.Markdown(
                    t(clone_note_key, lang, engine=engine.name), visible=not caps.voice_cloning, elem_id="no-cloning"
                )

                with gr.Accordion(t("emotion", lang), open=True) as emotion_box:
                    emotion_note = gr.Markdown(
                        t(emotion_note_key, lang, engine=engine.name),
                        visible=caps.prosody_control or not (caps.emotion_vector and caps.emotion_audio and caps.emotion_text),
                    )
                    mode = tr(
                        gr.Radio(_mode_choices(lang), value=EmotionMode.VOICE.value, label=t("emotion_mode", lang)),
                        "emotion_mode",
                    )
                    with gr.Group(visible=False) as audio_group:
                        emotion_audio = tr(
                            gr.Audio(sources=["upload", "microphone"], type="filepath", label=t("emotion_audio", lang)),
                            "emotion_audio",
                        )
                    with gr.Group(visible=False) as vector_group:
                        sliders = []
                        for row in (EMOTIONS[:4], EMOTIONS[4:]):
                            with gr.Row():
                                for name in row:
                                    i = EMOTIONS.index(name)
                                    sliders.append(
                                        gr.Slider(
                                            *UNIT_RANGE,
                                            value=0.0,
                                            step=0.05,
                                            label=f"{EMOTION_NAMES['zh'][i]} {EMOTION_NAMES['en'][i]}",
                                            elem_id=f"emotion-{name}",
                                            elem_classes=["emotion-slider"],
                                            buttons=[],  # no reset button: the label keeps one line
                                        )
                                    )
                        emotion_random = tr(gr.Checkbox(False, label=t("emotion_random", lang)), "emotion_random")
                    with gr.Group(visible=False) as text_group:
                        emotion_text = tr(
                            gr.Textbox(label=t("emotion_text", lang), placeholder=t("emotion_text_placeholder", lang)),
                            "emotion_text",
                        )
                    weight = tr(
                        gr.Slider(*UNIT_RANGE, value=DEFAULT_WEIGHT, step=0.05, label=t("emotion_weight", lang), visible=False),
                        "emotion_weight",
                    )

                with gr.Accordion(t("advanced", lang), open=False) as advanced_box:
                    with gr.Row():
                        text_language = tr(
                            gr.Dropdown(["auto", "zh", "en", "ja"], value="auto", label=t("text_language", lang)), "text_language"
                        )
                        max_segment = tr(
                            gr.Slider(*SEGMENT_RANGE, value=DEFAULT_MAX_UNITS, step=1, label=t("max_segment", lang)),
                            "max_segment",
                        )
                    preview = tr(
                        gr.Dataframe(headers=PREVIEW_HEADERS, value=[], interactive=False, wrap=True, label=t("preview", lang)),
                        "preview",
                    )
                    with gr.Group(visible=caps.sampling, elem_id="sampling"):
                        gr.Markdown(t("sampling", lang))
                        sampling = [
                            gr.Slider(*SAMPLING_RANGES[name], value=default, label=name, step=_step(name))
                            for name, default in page_defaults(engine).items()
                        ]
                        interval_silence = gr.Slider(*INTERVAL_SILENCE_RANGE, value=200, step=10, label="interval_silence (ms)")
                with tr(gr.Accordion(t("presets", lang), open=False, elem_id="presets"), "presets"):
                    with gr.Row():
                        preset_pick = tr(
                            gr.Dropdown(list_presets(), label=t("preset_saved", lang), elem_id="preset-pick"), "preset_saved"
                        )
                        preset_name = tr(
                            gr.Textbox(label=t("preset_name", lang), max_length=40, elem_id="preset-name"), "preset_name"
                        )
                    with gr.Row():
                        preset_load = tr(gr.Button(t("preset_load", lang), elem_id="preset-load"), "preset_load", "value")
                        preset_save = tr(gr.Button(t("preset_save", lang), elem_id="preset-save"), "preset_save", "value")
                examples = gr.Examples(EXAMPLES, inputs=[text], label=f"{t('examples', 'zh')} / {t('examples', 'en')}")

            with gr.Column(scale=2, elem_id="main-right"):
                with gr.Row(elem_id="action-row"):
                    button = tr(gr.Button(t("synthesize", lang), variant="primary", elem_id="synthesize"), "synthesize", "value")
                    stream_button = tr(gr.Button(t("stream", lang), variant="secondary", elem_id="stream"), "stream", "value")
                    tr(  # the player's own click listener stops playback (stream_player.js): no server round trip
                        gr.Button(t("stream_stop", lang), variant="stop", elem_id="stream-stop", scale=0), "stream_stop", "value"
                    )
                gr.HTML('<div id="stream-status" style="min-height:1.5em"></div>', elem_id="stream-status-box")
                stream_token = gr.Textbox(visible=False)  # the prepared stream's one-time token, for the player
                output = tr(
                    gr.Audio(type="filepath", interactive=False, buttons=["download"], label=t("output", lang), elem_id="output"),
                    "output",
                )
                info = gr.Markdown("", elem_id="synthesis-info")
                shown_info = gr.State(None)  # the last result's line in each language, for the language switch

        # -- wiring ------------------------------------------------------------------------------------

        # every control that makes a request, by the name of its field (page.PAGE_FIELDS): both buttons read
        # exactly these, and the Gradio API names its parameters after them
        controls = {
            "text": text, "voice": voice, "reference_audio": reference, "emotion_mode": mode,
            "emotion_audio": emotion_audio, "emotion_weight": weight, **dict(zip(EMOTIONS, sliders, strict=True)),
            "emotion_random": emotion_random, "emotion_text": emotion_text, "speed": speed, "seed": seed,
            "text_language": text_language, "max_segment": max_segment, "ui_lang": ui_lang,
            **dict(zip(SAMPLING_DEFAULTS, sampling, strict=True)), "interval_silence": interval_silence, "pitch": pitch,
        }  # fmt: skip
        inputs = [controls[name] for name in actions.PAGE_FIELDS]
        defaults = {name: component.value for name, component in controls.items() if name != "text"}
        defaults["voice"] = None  # the API's default: the engine's first voice

        def synthesize(values, request, _progress):
            language = values["ui_lang"] or lang
            yield from actions.synthesize_with_status(manager, values, language, limiter, actions.client_of(request))

        def prepare_stream(values, request, _progress):
            language = values["ui_lang"] or lang
            if handoff is None:
                raise gr.Error(t("stream_unavailable", language))
            client = actions.client_of(request)
            try:
                return actions.prepare_stream_for_page(manager, handoff, values, language, limiter, client)
            except gr.Error as error:  # said where the result's status goes, replacing it; no token: nothing plays
                return "", f"⚠️ {error.message}"

        button.click(
            actions.page_handler(defaults, synthesize),
            inputs=inputs,
            outputs=[output, info, shown_info],
            api_name="synthesize",
            concurrency_id="synthesis",
            show_progress_on=[output],  # the info line under it says the wait and counts segments (page.py)
        )
        stream_button.click(
            actions.page_handler(defaults, prepare_stream),
            inputs=inputs,
            outputs=[stream_token, info],
            js=actions.STREAM_CLICKED_JS,
            queue=False,
            api_visibility="private",
        ).success(None, inputs=[stream_token, ui_lang], js=actions.stream_player_js(), api_visibility="private")

        def on_text(text, text_language, max_segment, ui_lang):
            return actions.char_count(text, ui_lang), actions.preview_rows(manager, text, text_language, max_segment)

        for trigger in (text.change, text_language.change, max_segment.release):
            trigger(
                on_text,
                inputs=[text, text_language, max_segment, ui_lang],
                outputs=[count, preview],
                trigger_mode="always_last",
                show_progress="hidden",
                api_visibility="private",
                concurrency_id="preview",
                concurrency_limit=2,
            )

        def on_mode(selected):
            return (
                gr.update(visible=selected == EmotionMode.AUDIO.value),
                gr.update(visible=selected == EmotionMode.VECTOR.value),
                gr.update(visible=selected == EmotionMode.TEXT.value),
                gr.update(visible=selected != EmotionMode.VOICE.value),
            )

        mode.change(
            on_mode, inputs=[mode], outputs=[audio_group, vector_group, text_group, weight], queue=False, api_visibility="private"
        )

        def on_language(new_lang, text, shown):
            updates = [new_lang, gr.update(value=f"## {t('title', new_lang)}\n{t('subtitle', new_lang)}")]
            updates.append(shown[new_lang] if shown else gr.skip())  # the last result's line, redrawn
            updates.append(actions.char_count(text, new_lang))
            updates += [gr.update(value=t(clone_note_key, new_lang, engine=engine.name))]
            updates += [gr.update(value=t(emotion_note_key, new_lang, engine=engine.name))]
            updates += [gr.update(label=t("emotion", new_lang)), gr.update(label=t("advanced", new_lang))]
            for component, attr, key in relabel:
                update = {attr: t(key, new_lang)}
                if component is mode:
                    update["choices"] = _mode_choices(new_lang)
                if key in ("text", "emotion_text"):
                    update["placeholder"] = t(f"{key}_placeholder", new_lang)
                if component is voice:
                    update["info"] = t("voice_blend_hint", new_lang)
                updates.append(gr.update(**update))
            return updates

        lang_switch.change(
            on_language,
            inputs=[lang_switch, text, shown_info],
            outputs=[ui_lang, title, info, count, clone_note, emotion_note, emotion_box, advanced_box]
            + [c for c, _, _ in relabel],
            queue=False,
            api_visibility="private",
        )
        # Gradio's own strings follow the switch: its locale changes, then the audio boxes (whose drop-zone text
        # Gradio draws once) are hidden and shown again, so they redraw in it, keeping their values; a page load
        # starts in the language chosen last on this machine (boot_language.py)
        redrawn = [reference, emotion_audio, output]
        lang_switch.change(None, inputs=[lang_switch], js=actions.SET_LOCALE_JS, queue=False, api_visibility="private").then(
            lambda: [gr.update(visible=False)] * 3, outputs=redrawn, queue=False, api_visibility="private"
        ).then(lambda: [gr.update(visible=True)] * 3, outputs=redrawn, queue=False, api_visibility="private")
        demo.load(None, outputs=[lang_switch], js=actions.restore_language_js(lang), queue=False, api_visibility="private")
        preset_controls = [controls[name] for name in actions.PRESET_CONTROLS]
        # preset actions go through the queue (Gradio delivers their warnings and notes to the page only there),
        # without a concurrency limit: they only read or write a small file

        def on_save(name, page_lang, *values):
            return actions.save_preset_for_page(name, dict(zip(actions.PRESET_CONTROLS, values, strict=True)), page_lang)

        def on_load(name, page_lang):
            return actions.load_preset_for_page(name, actions.PRESET_CONTROLS, page_lang)

        preset_save.click(
            on_save,
            inputs=[preset_name, ui_lang, *preset_controls],
            outputs=[preset_pick],
            concurrency_limit=None,
            api_visibility="private",
        )
        preset_load.click(
            on_load, inputs=[preset_pick, ui_lang], outputs=preset_controls, concurrency_limit=None, api_visibility="private"
        )
        demo.load(actions.preset_choices, outputs=[preset_pick], queue=False, api_visibility="private")
        del examples
    return demo


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv), build_ui)


if __name__ == "__main__":
    sys.exit(main())

"""The page's panels, top to bottom: each a small function that lays out its components and returns them.

Every component that makes a request is registered under its name in ``controls.PAGE_FIELDS`` (its
value there is its default), and every label under its string key, so the language switch can
rewrite it (``Page.tr``). The events are wired in ``wiring.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from ...common.i18n import EMOTION_NAMES, t
from ...engines.base import Capabilities
from ...engines.kokoro.catalog import voice_label
from ...engines.sampling import SAMPLING_DEFAULTS, SAMPLING_RANGES, page_defaults
from ...serving.manager import ModelManager
from ...serving.presets import list_presets
from ...serving.request import INTERVAL_SILENCE_RANGE, PITCH_RANGE, SEGMENT_RANGE, SPEED_RANGE, UNIT_RANGE
from ...voice.emotion import EMOTIONS, EmotionMode
from . import actions
from .controls import PAGE_DEFAULTS
from .follow_along import follow_html
from .history import history_html

EXAMPLES = [
    ["欢迎来到人工智能展览馆！今天，我们将带您体验富有表现力的语音合成技术。"],
    ["The quick brown fox jumps over the lazy dog. Speech synthesis has come a long way."],
    ["我最喜欢的电影是 The Lord of the Rings，每年春节我都会重温一遍。"],
    ["会议定于2025年3月15日下午3:30举行，预算约12.5万元，同比增长35%，联系电话13812345678。"],
]
PREVIEW_HEADERS = ["#", "分句 Segment", "语言 Lang", "长度 Units", "音素 Phonemes"]


def mode_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"mode_{mode.value}", lang), mode.value) for mode in EmotionMode]


@dataclass
class Page:
    """The page being built: its language, its request controls by name, its other parts, its labels."""

    lang: str
    engine_name: str
    caps: Capabilities
    controls: dict[str, gr.components.Component] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)
    relabel: list[tuple[gr.components.Component, str, str]] = field(default_factory=list)  # (component, attribute, key)

    def tr(self, component: Any, key: str, attr: str = "label") -> Any:
        """``component``, its ``attr`` registered as string ``key`` for the language switch."""
        self.relabel.append((component, attr, key))
        return component

    def control(self, name: str, component: Any, key: str | None = None) -> Any:
        """``component`` as the page's control ``name`` (its label string ``key``, if it has one)."""
        self.controls[name] = component
        return self.tr(component, key) if key else component

    @property
    def notes(self) -> dict[str, str]:
        """The string keys of the notes on cloning and on emotions, which depend on the engine."""
        caps = self.caps
        # an engine with prosody controls matches a voice reference to its closest voice by timbre (planner)
        return {
            "clone": "voice_match_note" if caps.prosody_control else "no_cloning",
            "emotion": "partial_emotion" if caps.emotion_vector else "no_emotion",
        }


def header(page: Page) -> None:
    """The title and the language switch."""
    lang = page.lang
    with gr.Row():
        with gr.Column(scale=4):
            page.parts["title"] = gr.Markdown(f"## {t('title', lang)}\n{t('subtitle', lang)}")
        with gr.Column(scale=1, min_width=200):
            switch = gr.Radio([("中文", "zh"), ("English", "en")], value=lang, label=t("ui_language", lang))
            page.parts["lang_switch"] = page.tr(switch, "ui_language")


def text_panel(page: Page) -> None:
    """The text box (no max_length: the browser would cut a pasted text silently; the count warns instead)."""
    lang = page.lang
    text = gr.Textbox(label=t("text", lang), placeholder=t("text_placeholder", lang), lines=6, elem_id="text-input")
    page.control("text", text, "text")
    page.parts["count"] = gr.Markdown(actions.char_count("", lang), elem_id="char-count")


def voice_panel(page: Page, manager: ModelManager) -> None:
    """Voice (a row of its own: its whole name shows), pitch, speed, seed and the voice reference clip."""
    lang = page.lang
    with gr.Row():
        voices = [(voice_label(v), v) for v in manager.engine.voices()]
        # allow_custom_value: blends such as jf_alpha:0.6+jm_kumo:0.4
        voice = gr.Dropdown(voices, value=manager.default_voice, allow_custom_value=True, label=t("voice", lang),
                            info=t("voice_blend_hint", lang), elem_id="voice", scale=4)  # fmt: skip
        page.control("voice", voice, "voice")
        button = gr.Button(t("voice_preview", lang), elem_id="voice-preview-button", scale=0, min_width=90)
        page.parts["voice_preview_button"] = page.tr(button, "voice_preview", "value")
    player = gr.Audio(label=t("voice_preview_player", lang), type="filepath", autoplay=True, interactive=False,
                      visible=False, elem_id="voice-preview")  # fmt: skip
    page.parts["voice_preview"] = page.tr(player, "voice_preview_player")
    with gr.Row():  # wide enough that each label stays on one line
        # an engine that cannot change pitch (IndexTTS2) gets no pitch slider: a control it would ignore is hidden
        pitch = gr.Slider(*PITCH_RANGE, value=PAGE_DEFAULTS["pitch"], step=0.5, label=t("pitch", lang), elem_id="pitch",
                          scale=2, min_width=240, visible=manager.engine.capabilities.prosody_control)  # fmt: skip
        page.control("pitch", pitch, "pitch")
        speed = gr.Slider(*SPEED_RANGE, value=PAGE_DEFAULTS["speed"], step=0.05, label=t("speed", lang), elem_id="speed",
                          scale=2, min_width=200)  # fmt: skip
        page.control("speed", speed, "speed")
        # no minimum/maximum: Gradio would refuse an out-of-range seed in English; the request's check says it
        # in the page's language (request.field_problem)
        seed = gr.Number(value=PAGE_DEFAULTS["seed"], precision=0, label=t("seed", lang), elem_id="seed", scale=1, min_width=110)
        page.control("seed", seed, "seed")
    reference = gr.Audio(sources=["upload", "microphone"], type="filepath", label=t("reference_audio", lang),
                         elem_id="reference-audio")  # fmt: skip
    page.control("reference_audio", reference, "reference_audio")
    note = t(page.notes["clone"], lang, engine=page.engine_name)
    page.parts["clone_note"] = gr.Markdown(note, visible=not page.caps.voice_cloning, elem_id="no-cloning")


def emotion_panel(page: Page) -> None:
    """IndexTTS2's four emotion modes, each with its own inputs, and the weight."""
    lang, caps = page.lang, page.caps
    with gr.Accordion(t("emotion", lang), open=True) as box:
        page.parts["emotion_box"] = box
        shown = caps.prosody_control or not (caps.emotion_vector and caps.emotion_audio and caps.emotion_text)
        page.parts["emotion_note"] = gr.Markdown(t(page.notes["emotion"], lang, engine=page.engine_name), visible=shown)
        mode = gr.Radio(mode_choices(lang), value=PAGE_DEFAULTS["emotion_mode"], label=t("emotion_mode", lang))
        page.control("emotion_mode", mode, "emotion_mode")
        with gr.Group(visible=False) as page.parts["audio_group"]:
            clip = gr.Audio(sources=["upload", "microphone"], type="filepath", label=t("emotion_audio", lang))
            page.control("emotion_audio", clip, "emotion_audio")
        with gr.Group(visible=False) as page.parts["vector_group"]:
            emotion_sliders(page)
            page.control("emotion_random", gr.Checkbox(PAGE_DEFAULTS["emotion_random"], label=t("emotion_random", lang)),
                         "emotion_random")  # fmt: skip
        with gr.Group(visible=False) as page.parts["text_group"]:
            described = gr.Textbox(PAGE_DEFAULTS["emotion_text"], label=t("emotion_text", lang),
                                   placeholder=t("emotion_text_placeholder", lang))  # fmt: skip
            page.control("emotion_text", described, "emotion_text")
        weight = gr.Slider(*UNIT_RANGE, value=PAGE_DEFAULTS["emotion_weight"], step=0.05, label=t("emotion_weight", lang),
                           visible=False)  # fmt: skip
        page.control("emotion_weight", weight, "emotion_weight")


def emotion_sliders(page: Page) -> None:
    """The eight emotions in IndexTTS2's order, two rows of four, labelled in both languages."""
    for row in (EMOTIONS[:4], EMOTIONS[4:]):
        with gr.Row():
            for name in row:
                i = EMOTIONS.index(name)
                # buttons=[]: no reset button, so the label keeps one line
                slider = gr.Slider(*UNIT_RANGE, value=PAGE_DEFAULTS[name], step=0.05,
                                   label=f"{EMOTION_NAMES['zh'][i]} {EMOTION_NAMES['en'][i]}", elem_id=f"emotion-{name}",
                                   elem_classes=["emotion-slider"], buttons=[])  # fmt: skip
                page.control(name, slider)


def advanced_panel(page: Page, manager: ModelManager) -> None:
    """Text language, segment length, the live segment table, and the sampling of engines that sample."""
    lang = page.lang
    with gr.Accordion(t("advanced", lang), open=False) as page.parts["advanced_box"]:
        with gr.Row():
            choice = gr.Dropdown(["auto", "zh", "en", "ja"], value=PAGE_DEFAULTS["text_language"], label=t("text_language", lang))
            page.control("text_language", choice, "text_language")
            segment = gr.Slider(*SEGMENT_RANGE, value=PAGE_DEFAULTS["max_segment"], step=1, label=t("max_segment", lang))
            page.control("max_segment", segment, "max_segment")
        table = gr.Dataframe(headers=PREVIEW_HEADERS, value=[], interactive=False, wrap=True, label=t("preview", lang))
        page.parts["preview"] = page.tr(table, "preview")
        with gr.Group(visible=page.caps.sampling, elem_id="sampling"):
            gr.Markdown(t("sampling", lang))
            for name, default in page_defaults(manager.engine).items():
                step = 1 if isinstance(SAMPLING_DEFAULTS[name], int) else 0.05
                page.control(name, gr.Slider(*SAMPLING_RANGES[name], value=default, label=name, step=step))
            silence = gr.Slider(*INTERVAL_SILENCE_RANGE, value=PAGE_DEFAULTS["interval_silence"], step=10,
                                label="interval_silence (ms)")  # fmt: skip
            page.control("interval_silence", silence)


def presets_panel(page: Page) -> None:
    """Save the delivery settings under a name, and load them back."""
    lang = page.lang
    with page.tr(gr.Accordion(t("presets", lang), open=False, elem_id="presets"), "presets"):
        with gr.Row():
            pick = gr.Dropdown(list_presets(), label=t("preset_saved", lang), elem_id="preset-pick")
            page.parts["preset_pick"] = page.tr(pick, "preset_saved")
            name = gr.Textbox(label=t("preset_name", lang), max_length=40, elem_id="preset-name")
            page.parts["preset_name"] = page.tr(name, "preset_name")
        with gr.Row():
            load = gr.Button(t("preset_load", lang), elem_id="preset-load")
            page.parts["preset_load"] = page.tr(load, "preset_load", "value")
            save = gr.Button(t("preset_save", lang), elem_id="preset-save")
            page.parts["preset_save"] = page.tr(save, "preset_save", "value")


def result_panel(page: Page) -> None:
    """The two buttons and the stop button, the stream's status, the player and the result's info line."""
    lang = page.lang
    with gr.Row(elem_id="action-row"):
        button = gr.Button(t("synthesize", lang), variant="primary", elem_id="synthesize")
        page.parts["synthesize"] = page.tr(button, "synthesize", "value")
        stream = gr.Button(t("stream", lang), variant="secondary", elem_id="stream")
        page.parts["stream"] = page.tr(stream, "stream", "value")
        # the player's own click listener stops playback (stream_player.js): no server round trip
        page.tr(gr.Button(t("stream_stop", lang), variant="stop", elem_id="stream-stop", scale=0), "stream_stop", "value")
    gr.HTML('<div id="stream-status" style="min-height:1.5em"></div>', elem_id="stream-status-box")
    page.parts["stream_token"] = gr.Textbox(visible=False)  # the prepared stream's one-time token, for the player
    output = gr.Audio(type="filepath", interactive=False, buttons=["download"], label=t("output", lang), elem_id="output")
    page.parts["output"] = page.tr(output, "output")
    page.parts["info"] = gr.Markdown("", elem_id="synthesis-info")
    page.parts["shown_info"] = gr.State(None)  # the last result's line in each language, for the language switch
    # the words of the result being played light up (static/follow_along.js); clicking one seeks there
    follow = gr.HTML(follow_html([]), label=t("follow_along", lang), show_label=True, elem_id="follow-along")
    page.parts["follow"] = page.tr(follow, "follow_along")
    files = gr.File(label=t("downloads", lang), file_count="multiple", interactive=False, elem_id="downloads")
    page.parts["downloads"] = page.tr(files, "downloads")
    page.parts["take"] = gr.State(None)  # the last take: its files and its timed words
    page.parts["take_json"] = gr.Textbox(visible=False)  # what the history keeps of it, for the page's script


def history_panel(page: Page) -> None:
    """The visitor's last takes (static/history.js draws them from the browser's list), and the hidden
    event that puts a take's settings back on the controls."""
    page.parts["history"] = gr.HTML(history_html(), elem_id="history")
    page.parts["history_pick"] = gr.Textbox(visible=False)
    # pressed by the page's script (a take's "use these settings again"); hidden by the page's style
    page.parts["history_apply"] = gr.Button("restore", elem_id="history-apply", elem_classes=["page-hidden"])

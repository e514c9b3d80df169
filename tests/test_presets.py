"""Saved presets: round trip, names that cannot leave the folder, damaged files, and the page's buttons."""

import gradio as gr
import pytest

from index_tts.common.errors import TTSError
from index_tts.interface.ui import presets as actions
from index_tts.interface.ui.controls import PRESET_CONTROLS
from index_tts.serving.presets import Preset, list_presets, load_preset, save_preset
from index_tts.voice.emotion import EMOTIONS


def test_preset_round_trip(tmp_path) -> None:
    preset = Preset(voice="jf_alpha:0.6+jm_kumo:0.4", emotion_mode="vector", emotion=[0.8] + [0.0] * 7, speed=1.2, pitch=-2)
    path = save_preset("开心 男女声-1", preset, tmp_path)
    assert path.parent == tmp_path and list_presets(tmp_path) == ["开心 男女声-1"]
    assert load_preset("开心 男女声-1", tmp_path) == preset
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


@pytest.mark.parametrize("name", ["", "../evil", "a/b", "x.json", "." * 3, "n" * 41])
def test_preset_names_stay_in_the_folder(tmp_path, name: str) -> None:
    with pytest.raises(TTSError, match="preset name"):
        save_preset(name, Preset(voice="jf_alpha"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_and_damaged_presets_are_reported(tmp_path) -> None:
    with pytest.raises(TTSError, match="no preset named"):
        load_preset("nothing", tmp_path)
    (tmp_path / "broken.json").write_text('{"voice": "jf_alpha", "speed": 99}', encoding="utf-8")
    with pytest.raises(TTSError, match="damaged"):
        load_preset("broken", tmp_path)


def test_page_buttons_save_and_load(tmp_path, monkeypatch) -> None:
    import index_tts.serving.presets as presets

    monkeypatch.setattr(presets, "PRESET_DIR", tmp_path)
    values = {
        "voice": "jm_kumo", "emotion_mode": "text", "emotion_weight": 0.5, **dict.fromkeys(EMOTIONS, 0.0),
        "emotion_text": "有点难过", "speed": 0.9, "seed": 7, "pitch": 1.5,
    }  # fmt: skip
    listed = actions.save_preset_for_page("calm kumo", {**values, "text": "not part of a preset"}, "zh")
    assert list_presets() == ["calm kumo"] and (tmp_path / "calm kumo.json").exists()
    assert listed["choices"] == ["calm kumo"] and listed["value"] == "calm kumo"
    assert actions.preset_choices()["choices"] == ["calm kumo"]  # what every page load shows
    loaded = actions.load_preset_for_page("calm kumo", PRESET_CONTROLS, "zh")
    assert dict(zip(PRESET_CONTROLS, loaded, strict=True)) == values
    # an emotion description box the visitor never touched sends None: the settings still save
    untouched = actions.save_preset_for_page("untouched", {**values, "emotion_text": None}, "zh")
    assert untouched["value"] == "untouched" and actions.load_preset_for_page("untouched", ("emotion_text",), "zh") == [""]


@pytest.mark.parametrize(
    ("action", "lang", "message"),
    [
        (lambda: actions.save_preset_for_page("bad/name", {"voice": "jf_alpha"}, "zh"), "zh", "预设名称只能用 1-40 个文字"),
        (lambda: actions.save_preset_for_page("bad/name", {"voice": "jf_alpha"}, "en"), "en", "A preset name is 1-40"),
        (lambda: actions.save_preset_for_page("fast", {"voice": "jf_alpha", "speed": 9.0}, "zh"), "zh", "无法保存为预设"),
        (lambda: actions.load_preset_for_page(None, PRESET_CONTROLS, "zh"), "zh", "请先在“已保存的预设”里选一个"),
        (lambda: actions.load_preset_for_page("", PRESET_CONTROLS, "en"), "en", "Choose a preset"),
        (lambda: actions.load_preset_for_page("gone", PRESET_CONTROLS, "zh"), "zh", "没有名为“gone”的预设"),
    ],
)
def test_preset_failures_are_warnings_in_the_page_language_and_change_nothing(tmp_path, monkeypatch, action, lang, message):
    import index_tts.serving.presets as presets

    monkeypatch.setattr(presets, "PRESET_DIR", tmp_path)
    with pytest.warns(UserWarning, match=message):
        result = action()
    updates = result if isinstance(result, list) else [result]
    assert all(update == gr.skip() for update in updates)  # every control keeps its value
    assert list_presets() == []

"""Saved presets: round trip, names that cannot leave the folder, damaged files, and the page's buttons."""

import pytest

from index_tts.common.errors import TTSError
from index_tts.interface import page as actions
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
    import gradio as gr

    import index_tts.serving.presets as presets

    monkeypatch.setattr(presets, "PRESET_DIR", tmp_path)
    values = {
        "voice": "jm_kumo", "emotion_mode": "text", "emotion_weight": 0.5, **dict.fromkeys(EMOTIONS, 0.0),
        "emotion_text": "有点难过", "speed": 0.9, "seed": 7, "pitch": 1.5,
    }  # fmt: skip
    actions.save_preset_for_page("calm kumo", {**values, "text": "not part of a preset"})
    assert list_presets() == ["calm kumo"] and (tmp_path / "calm kumo.json").exists()
    loaded = dict(zip(actions.PRESET_CONTROLS, actions.load_preset_for_page("calm kumo", actions.PRESET_CONTROLS), strict=True))
    assert loaded == values
    with pytest.raises(gr.Error):
        actions.save_preset_for_page("fast", {**values, "speed": 9.0})  # speed out of range
    with pytest.raises(gr.Error):
        actions.load_preset_for_page("missing", actions.PRESET_CONTROLS)

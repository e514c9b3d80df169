"""What a page visitor reads: every message in the page's language, naming the control they know; the status
line replaced by each new request's wait, progress and result (or its failure); over-long text warned about."""

from __future__ import annotations

import re
import time
from pathlib import Path

import fastapi
import gradio as gr
import numpy as np
import pytest
import soundfile as sf
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.testclient import TestClient

from index_tts.common.i18n import t
from index_tts.interface.boot_language import STORAGE_KEY, BootLanguage
from index_tts.interface.ui.actions import char_count, synthesize_for_page, synthesize_with_status
from index_tts.interface.ui.controls import page_values
from index_tts.serving.request import SpeechRequest, max_text_chars

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("clips")
    silent = folder / "silent.wav"
    sf.write(silent, np.zeros(24_000 * 2, np.float32), 24_000)
    short = folder / "short.wav"
    sf.write(short, (0.3 * np.sin(np.arange(2_400) / 10)).astype(np.float32), 24_000)
    garbage = folder / "garbage.wav"
    garbage.write_bytes(b"not audio at all" * 100)
    return {"silent": str(silent), "short": str(short), "garbage": str(garbage), "gone": str(folder / "gone.wav")}


def _bad_settings(clips: dict[str, str]) -> dict[str, tuple[dict, str]]:
    """A bad setting a visitor can make on the page -> (the page's values, a word the Chinese message must hold)."""
    return {
        "empty text": (page_values(""), "文本"),
        "only punctuation": (page_values("……！！"), "文本"),
        "seed below zero": (page_values("你好。", seed=-5), "随机种子"),
        "emotion clip missing": (page_values("你好。", emotion_mode="audio"), "情感参考音频"),
        "unknown voice typed": (page_values("你好。", voice="nobody_here"), "音色"),
        "blend of an unknown voice": (page_values("你好。", voice="jf_alpha:0.5+ghost:0.5"), "音色"),
        "silent voice reference": (page_values("你好。", reference_audio=clips["silent"]), "音色参考音频"),
        "too short voice reference": (page_values("你好。", reference_audio=clips["short"]), "音色参考音频"),
        "unreadable emotion clip": (page_values("你好。", emotion_mode="audio", emotion_audio=clips["garbage"]), "情感参考音频"),
        "emotion clip gone": (page_values("你好。", emotion_mode="audio", emotion_audio=clips["gone"]), "情感参考音频"),
        "text too long": (page_values("字" * (max_text_chars() + 1)), "5000"),
    }


def test_every_bad_setting_is_told_in_the_page_language_naming_the_control(manager, clips) -> None:
    for case, (values, control) in _bad_settings(clips).items():
        told = {}
        for lang in ("zh", "en"):
            with pytest.raises(gr.Error) as caught:
                synthesize_for_page(manager, {**values, "ui_lang": lang}, lang)
            told[lang] = caught.value.message
        assert CJK.search(told["zh"]) and control in told["zh"], (case, told["zh"])
        assert not CJK.search(told["en"].replace("…", "")), (case, told["en"])
        assert "_" not in told["zh"].replace("nobody_here", "").replace("jf_alpha", "").replace("jm_kumo", ""), (case, told)


def test_the_status_line_is_replaced_by_progress_then_the_result(manager) -> None:
    text = f"第{time.time_ns() % 10**8}位观众，欢迎您。今天我们一起体验语音合成，请您仔细聆听每一句话。"
    updates = list(synthesize_with_status(manager, page_values(text), "zh"))
    statuses = [status for _audio, status, _lines, _take in updates]
    assert statuses[0].startswith("⏳")  # at once: the previous result's info does not stay
    assert any(re.fullmatch(r"⏳ 已合成 \d+/\d+ 段……", s) for s in statuses)  # counts segments, no guessed time
    assert not any(re.search(r"\d+(\.\d+)?/\d+(\.\d+)?s", s) for s in statuses)
    path, info, lines, take = updates[-1]
    assert path.endswith(".wav") and info.startswith("音频") and lines["zh"] == info
    # the take beside it: the same WAV, its subtitles, and the typed text in timed pieces for the follow-along
    assert take["wav"] == path and Path(take["srt"]).read_text(encoding="utf-8").startswith("1\n00:00:0")
    assert "".join(piece[0] for piece in take["pieces"]) == text
    assert lines["en"].startswith("Audio") and lines["en"].count("\n\n") == info.count("\n\n")  # for the switch


def test_a_visitor_behind_others_is_told_the_wait_at_the_measured_speed(manager) -> None:
    ahead = manager.plan(SpeechRequest(text="前面有人在合成一段很长的文字，" * 20))
    reservation = manager.admission.admit(list(enumerate(ahead)), force=True)  # work accepted before ours
    try:
        expected = manager.admission.expected_wait()
        first = next(iter(synthesize_with_status(manager, page_values(f"第{time.time_ns() % 10**8}位。"), "zh")))
    finally:
        reservation.release()
    seconds = int(re.search(r"约需 (\d+) 秒", first[1]).group(1))
    assert expected >= 1 and seconds == int(np.ceil(expected)), (first, expected)


def test_a_failure_replaces_the_status_and_still_reaches_the_caller(manager) -> None:
    run = synthesize_with_status(manager, page_values("", ui_lang="en"), "en")
    statuses = []
    with pytest.raises(gr.Error, match="Text"):
        for _audio, status, shown, _take in run:
            statuses.append((status, shown))
    status, shown = statuses[-1]
    assert status == "⚠️ " + t("err_text_empty", "en")
    assert shown == {"en": status, "zh": "⚠️ " + t("err_text_empty", "zh")}  # the switch can redraw it


def test_an_over_long_text_is_a_visible_warning_with_the_limit() -> None:
    assert char_count("字" * 10, "zh") == f"字数：10 / {max_text_chars()}"
    over = char_count("字" * (max_text_chars() + 7), "zh")
    assert over.startswith("⚠️") and "超出 7 字" in over and str(max_text_chars()) in over
    assert "7 over the limit" in char_count("a" * (max_text_chars() + 7), "en")


def test_the_page_boots_in_the_chosen_language_before_gradio_starts() -> None:
    inner = fastapi.FastAPI()
    inner.get("/", response_class=HTMLResponse)(lambda: "<html><head><title>x</title></head><body>page</body></html>")
    inner.get("/other", response_class=HTMLResponse)(lambda: "<html><head></head></html>")
    inner.get("/plain")(lambda: PlainTextResponse("<head>"))
    http = TestClient(BootLanguage(inner, default_lang="en"))
    page = http.get("/")
    assert page.status_code == 200 and int(page.headers["content-length"]) == len(page.content)
    head = page.text.split("<title>")[0]
    assert STORAGE_KEY in head and '"en"' in head and "Navigator.prototype" in head and page.text.endswith("</html>")
    assert "Navigator" not in http.get("/other").text and http.get("/plain").text == "<head>"

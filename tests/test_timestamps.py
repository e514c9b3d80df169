"""Words in time: every typed character timed on the audio, subtitles that parse, and the API and its errors."""

from __future__ import annotations

import base64
import io
import itertools
import re
import subprocess

import fastapi
import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from index_tts.interface.api import add_api_routes
from index_tts.serving.cache import AudioCache
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager
from index_tts.serving.request import SpeechRequest
from index_tts.serving.subtitles import LINE_WIDTH, MIN_CUE_S, cues, to_srt, to_vtt, width
from index_tts.serving.timestamps import Alignment, align

TEXTS = {
    "zh": "2025年3月，我们在上海发布了新版本。它比旧版快了百分之三十！",
    "en": "We met at 10:30 on March 3rd. It wasn't easy, but the results were worth it.",
    "mixed": "我用iPhone和Python写代码，效率提高了50%。",
    "ja": "こんにちは、今日はいい天気ですね。",
}


@pytest.fixture(scope="module")
def manager():
    """Two workers as the app serves, with an in-memory audio cache (its hits must keep their timings)."""
    m = ModelManager(ManagerConfig(sessions=2, threads=1, cache=False))
    m.load()
    m.renderer.cache = m.cache = AudioCache(None)
    m.ready = True
    yield m
    m.close()


@pytest.fixture(scope="module")
def spoken(manager):
    """Each text rendered once (the cache starts empty: these are renders) and its alignment."""
    out = {}
    for name, text in TEXTS.items():
        result = manager.synthesize(SpeechRequest.build(text=text, voice="jf_alpha"))
        out[name] = (result, align(text, result.spoken, result.audio_seconds))
    return out


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0


@pytest.mark.parametrize("name", list(TEXTS))
def test_every_typed_character_is_timed_once_in_order_inside_the_audio(spoken, name) -> None:
    result, alignment = spoken[name]
    assert "".join(alignment.characters) == TEXTS[name]
    starts, ends = np.array(alignment.starts), np.array(alignment.ends)
    assert len(starts) == len(ends) == len(TEXTS[name])
    assert np.all(np.diff(starts) >= 0) and np.all(ends >= starts)
    assert starts.min() >= 0 and ends.max() <= result.audio_seconds + 1e-6
    spoken_letters = [i for i, c in enumerate(TEXTS[name]) if c.isalnum()]
    assert all(ends[i] > starts[i] for i in spoken_letters)  # every letter or digit takes time
    # the words cover the text's letters in order, and the segments the text as typed
    assert "".join(w.text for w in alignment.words) == "".join(c for c in TEXTS[name] if c.isalnum() or c in "'’-")
    assert re.sub(r"\s", "", "".join(s.text for s in alignment.segments)) == re.sub(r"\s", "", TEXTS[name])


def test_numbers_are_timed_as_typed_not_as_read(spoken) -> None:
    """ "2025年" is read as 二零二五年: the four digits share that reading's span, before 年."""
    _result, alignment = spoken["zh"]
    digits = alignment.words[0]
    year = alignment.words[1]
    assert (digits.text, year.text) == ("2025", "年")
    assert digits.end - digits.start > 0.5  # four syllables, not one character's worth
    assert digits.end <= year.start + 1e-6 and year.end - year.start > 0.08


def test_the_timings_follow_the_sound(spoken) -> None:
    """Where a character is said the audio is loud; across a clause's pause it is quiet."""
    pauses = 0
    for name in ("zh", "en", "mixed"):
        result, alignment = spoken[name]
        audio, sr = result.audio, result.sample_rate
        level = rms(audio)
        loudness = np.array([rms(audio[int(w.start * sr) : int(w.end * sr)]) / level for w in alignment.words])
        # an unstressed "at" or a final "it" may be said softly; nearly every word is said aloud
        assert np.median(loudness) > 0.6 and np.mean(loudness > 0.25) >= 0.85, (name, loudness.round(2))
        for k, (a, b) in enumerate(zip(alignment.segments, alignment.segments[1:], strict=False)):
            if result.spoken[k].segment.pause_ms < 200:
                continue  # a cut between two words (the short first segment): no pause to hear
            gap = audio[int(a.end * sr) + 240 : int(b.start * sr) - 240]  # the pause after a clause or sentence
            assert len(gap) > 0.1 * sr and rms(gap) < 0.01, (name, a, b)
            pauses += 1
    assert pauses >= 2


def test_slower_speech_stretches_the_timings(manager, spoken) -> None:
    text = TEXTS["en"]
    _result, normal = spoken["en"]
    slow = manager.synthesize(SpeechRequest.build(text=text, voice="jf_alpha", speed=0.7))
    stretched = align(text, slow.spoken, slow.audio_seconds)
    ratio = np.median([(s.end - s.start) / (n.end - n.start) for s, n in zip(stretched.words, normal.words, strict=True)])
    assert 1.25 < ratio < 1.7


def test_a_cache_hit_is_timed_as_the_render_was(manager, spoken) -> None:
    result, alignment = spoken["mixed"]
    again = manager.synthesize(SpeechRequest.build(text=TEXTS["mixed"], voice="jf_alpha"))
    assert again.from_cache and np.array_equal(again.audio, result.audio)
    assert align(TEXTS["mixed"], again.spoken, again.audio_seconds) == alignment


def synthetic(text: str, seconds_per_char: float = 0.2) -> Alignment:
    """An alignment of ``text`` at an even pace, a pause after each sentence and clause mark."""
    starts, ends, now = [], [], 0.0
    for char in text:
        spoken = char.isalnum()
        starts.append(now)
        now += seconds_per_char if spoken else (0.4 if char in "，。,.!?！？" else 0.0)
        ends.append(now if spoken else starts[-1])
    return Alignment(list(text), starts, ends, [], [])


LONG_ZH = (
    "人工智能正在改变我们的生活方式，从清晨的语音助手到夜晚的智能家居，它已经走进了每一个角落。"
    "在医疗领域，它帮助医生更早地发现疾病；在教育领域，它让每个学生都能得到适合自己的辅导。谢谢大家。"
)
LONG_EN = (
    "Artificial intelligence is changing the way we live, from the voice assistant in the morning to the "
    "smart home at night. Extraordinarily, incomprehensibly long words never get split across two lines. Thank you all."
)


@pytest.mark.parametrize("text", [LONG_ZH, LONG_EN])
def test_cues_follow_the_subtitling_rules(text) -> None:
    alignment = synthetic(text)
    cue_list = cues(alignment)
    words = set(re.findall(r"[A-Za-z']+", text))
    assert "".join("".join(c.lines) for c in cue_list).replace(" ", "") == text.replace(" ", "")
    for cue in cue_list:
        assert 1 <= len(cue.lines) <= 2
        assert all(width(line) <= LINE_WIDTH + 1e-9 for line in cue.lines), cue.lines
        assert all(set(re.findall(r"[A-Za-z']+", line)) <= words for line in cue.lines)  # no word cut in two
        assert cue.end - cue.start >= MIN_CUE_S - 1e-9
        body = " ".join(cue.lines)
        assert not re.search(r"[。！？.!?](?=.)", body), body  # a sentence ends a cue
    assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(cue_list))


def test_srt_and_vtt_parse_in_two_parsers_and_ffmpeg(spoken, tmp_path) -> None:
    import imageio_ffmpeg
    import srt
    import webvtt

    _result, alignment = spoken["zh"]
    cue_list = cues(alignment)
    parsed = list(srt.parse(to_srt(cue_list)))
    assert [p.content.split("\n") for p in parsed] == [c.lines for c in cue_list]
    assert [round(p.start.total_seconds(), 3) for p in parsed] == [round(c.start, 3) for c in cue_list]
    vtt = webvtt.from_buffer(io.StringIO(to_vtt(cue_list)))
    assert [c.text.split("\n") for c in vtt] == [c.lines for c in cue_list]
    for fmt, body in (("srt", to_srt(cue_list)), ("vtt", to_vtt(cue_list))):
        path = tmp_path / f"subs.{fmt}"
        path.write_text(body, encoding="utf-8")
        converted = tmp_path / f"from-{fmt}.ass"
        done = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), str(converted)], capture_output=True, text=True
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert converted.read_text(encoding="utf-8").count("Dialogue:") == len(cue_list)


def test_the_api_answers_timings_and_subtitles_and_errors_as_json(manager) -> None:
    app = fastapi.FastAPI()
    add_api_routes(app, manager)
    http = TestClient(app)
    text = TEXTS["zh"]
    answer = http.post("/api/tts/with-timestamps", json={"text": text, "voice": "jf_alpha"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    audio, sr = sf.read(io.BytesIO(base64.b64decode(body["audio_base64"])))
    assert sr == body["sample_rate"] == 24_000 and rms(audio) > 0.02
    assert "".join(body["alignment"]["characters"]) == text
    assert max(body["alignment"]["ends"]) <= len(audio) / sr + 1e-3
    assert next(s["text"] for s in body["segments"]).startswith("2025年")
    assert body["words"][0]["text"] == "2025"
    for fmt, first in (("srt", "1\n00:00:0"), ("vtt", "WEBVTT\n\n00:00:0")):
        subtitles = http.post("/v1/audio/speech", json={"input": text, "voice": "jf_alpha", "response_format": fmt})
        assert subtitles.status_code == 200 and subtitles.text.startswith(first) and "上海" in subtitles.text
    for call, body in (("/api/tts/with-timestamps", {"text": "   "}), ("/api/tts/with-timestamps", {"text": "你好", "speed": 9})):
        refused = http.post(call, json=body)
        assert refused.status_code == 400 and refused.json()["error"]["message"]
    bad_format = http.post("/v1/audio/speech", json={"input": "你好", "response_format": "txt"})
    assert bad_format.status_code == 400 and "response_format" in bad_format.json()["error"]["message"]


def test_a_take_keeps_its_clips_and_use_these_settings_again_gives_them_back(spoken, tmp_path) -> None:
    """A take made with a voice reference keeps the clip beside its audio, names it in its settings by its kept
    name (never a path on the server), and restoring the take puts the clip back in its box; a take made
    without an emotion clip empties that box; deleting the take deletes the clip; a clip gone is said."""
    import json

    from index_tts.interface.ui import history
    from index_tts.serving.outputs import delete_take, take_file
    from index_tts.serving.takes import keep_take

    result, _alignment = spoken["zh"]
    clip = result.audio[: result.sample_rate * 2]
    sf.write(tmp_path / "upload.wav", clip, result.sample_rate)
    settings = {"reference_audio": str(tmp_path / "upload.wav"), "emotion_audio": None, "speed": 1.2, "text": TEXTS["zh"]}
    take = keep_take(result, TEXTS["zh"], settings, "jf_alpha")
    name = take["name"]
    try:
        assert take["settings"]["reference_audio"] == f"{name}.reference.wav" and take["settings"]["emotion_audio"] is None
        assert str(tmp_path) not in json.dumps(take["settings"])  # the page is never told a server path
        kept, rate = sf.read(take_file(f"{name}.reference.wav"), dtype="float32")
        assert rate == result.sample_rate and len(kept) == len(clip) and np.abs(kept - clip).max() < 1e-3

        values = dict(zip(history.RESTORED, history.restore_settings(json.dumps({"settings": take["settings"]})), strict=True))
        assert values["reference_audio"] == str(take_file(f"{name}.reference.wav"))
        assert values["emotion_audio"] is None and values["speed"] == 1.2 and values["text"] == TEXTS["zh"]
        older = {key: value for key, value in take["settings"].items() if key not in ("reference_audio", "emotion_audio")}
        values = dict(zip(history.RESTORED, history.restore_settings(json.dumps({"settings": older})), strict=True))
        assert not isinstance(values["reference_audio"], str | type(None))  # a take from before clips were kept: untouched

        for probe in (f"{name}.reference.srt", f"{name}.voice.wav", f"{name}.reference.wav/..", f"x{name}.reference.wav"):
            assert take_file(probe) is None, probe
    finally:
        assert delete_take(name)
    assert take_file(f"{name}.reference.wav") is None and take_file(f"{name}.wav") is None
    values = dict(zip(history.RESTORED, history.restore_settings(json.dumps({"settings": take["settings"]})), strict=True))
    assert values["reference_audio"] is None  # gone with its take: the box is emptied (and the page says why)

    (tmp_path / "upload.wav").unlink()  # a clip that vanished before the take was kept: kept as none, no file
    gone = keep_take(result, TEXTS["zh"], settings, "jf_alpha")
    assert gone["settings"]["reference_audio"] is None and delete_take(gone["name"])
    assert take_file(f"{gone['name']}.reference.wav") is None


def test_the_benchmarks_onsets_are_sound_after_a_pause_and_pair_the_word_after_a_comma() -> None:
    from testkit.onsets import at_onsets, onsets_after_pauses

    rate = 24_000
    tone = 0.1 * np.sin(2 * np.pi * 200 * np.arange(rate) / rate).astype(np.float32)
    gap = np.zeros(rate, np.float32)
    pieces = [tone[: rate * 3 // 10], gap[: rate // 5], tone[: rate * 3 // 10], gap[: rate // 20], tone[: rate // 5]]
    audio = np.concatenate(pieces)
    assert onsets_after_pauses(audio, rate).tolist() == [0.5]  # the start and a 50 ms gap are not pauses
    onsets = onsets_after_pauses(audio, rate)
    assert at_onsets({3: (0.52, 0.40), 0: (0.0, 0.0)}, "你好，世界", onsets) == [(pytest.approx(0.02), pytest.approx(-0.10))]
    assert at_onsets({3: (0.9, 0.8)}, "你好，世界", onsets) == []  # ours too far from any onset: not that word's

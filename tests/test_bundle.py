"""The USB bundle's guards and pieces. The full build + offline install runs in CI
(scripts/test_bundle_offline.sh) because it installs a whole environment."""

import subprocess
from pathlib import Path

import pytest

from index_tts.common.paths import REPO_ROOT
from index_tts.ops import bundle


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "usb").mkdir()
    (tmp_path / "usb" / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(bundle.BundleError, match="not empty"):
        bundle.make_bundle(tmp_path / "usb")
    assert [p.name for p in (tmp_path / "usb").iterdir()] == ["holiday.jpg"]
    assert not list(tmp_path.glob(".usb.*"))  # no half-built folder is left


def test_refuses_a_folder_inside_the_app() -> None:
    with pytest.raises(bundle.BundleError, match="inside the app folder"):
        bundle.make_bundle(REPO_ROOT / "outputs" / "usb")


def test_app_copy_has_what_start_app_needs_and_no_tests(tmp_path: Path) -> None:
    count = bundle.copy_app(tmp_path)
    assert count > 20
    for needed in ("start_app.sh", "webui.py", "scripts/setup_env.sh", "requirements.txt", "index_tts/ops/bundle.py"):
        assert (tmp_path / needed).is_file(), needed
    assert not (tmp_path / "tests").exists() and not (tmp_path / "bench").exists()
    assert not list(tmp_path.rglob("__pycache__"))


def test_guide_names_start_stop_and_the_python_version(tmp_path: Path) -> None:
    bundle.write_guide(tmp_path)
    text = (tmp_path / bundle.GUIDE).read_text(encoding="utf-8")
    assert "./start_app.sh --stop" in text and "--auth" in text and "启动" in text
    assert bundle.python_tag() in text


def test_wheelhouse_check_fails_when_a_wheel_is_missing(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("prometheus-client==0.26.0\n")
    (tmp_path / "wheels").mkdir()
    with pytest.raises(bundle.BundleError, match="cannot install") as failure:
        bundle.check_wheelhouse(tmp_path / "wheels", tmp_path / "requirements.txt")
    assert "prometheus-client" in str(failure.value)  # pip's own reason names the missing package


def _check_python(folder: Path) -> subprocess.CompletedProcess:
    script = f"cd {folder} && source {REPO_ROOT}/scripts/setup_env.sh && check_bundle_python && echo fits"
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)


def test_start_refuses_a_wheelhouse_for_another_python(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / bundle.PYTHON_TAG_FILE).write_text("3.7 win32\n")
    done = _check_python(tmp_path)
    assert done.returncode == 1
    assert "for Python 3.7 win32" in done.stderr and bundle.python_tag() in done.stderr
    (tmp_path / "wheelhouse" / bundle.PYTHON_TAG_FILE).write_text(bundle.python_tag() + "\n")
    assert _check_python(tmp_path).stdout.strip() == "fits"


def _check_disk(folder: Path, fake_free_mb: int | None) -> subprocess.CompletedProcess:
    # df is replaced by a function that reports a disk with fake_free_mb free (None: the real df)
    fake_df = "" if fake_free_mb is None else f"df() {{ echo header; echo 'disk 1 1 {fake_free_mb} 1% /'; }};"
    script = f"cd {folder} && source {REPO_ROOT}/scripts/setup_env.sh && {fake_df} check_bundle_disk && echo fits"
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)


def test_start_refuses_a_disk_too_small_for_the_install(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "a.whl").write_bytes(b"w" * 3_000_000)  # 3 MB: needs about 13 MB to unpack
    done = _check_disk(tmp_path, fake_free_mb=10)
    assert done.returncode == 1 and done.stdout == ""
    assert "needs about 13 MB free" in done.stderr and "it has 10 MB" in done.stderr and "约需 13 MB" in done.stderr
    assert _check_disk(tmp_path, fake_free_mb=12).returncode == 1
    assert _check_disk(tmp_path, fake_free_mb=13).stdout.strip() == "fits"
    assert _check_disk(tmp_path, fake_free_mb=None).stdout.strip() == "fits"  # this machine's disk has room for 13 MB


def test_indextts2_checkpoints_travel_where_the_engine_looks(indextts2_dir, tmp_path: Path) -> None:
    from index_tts.engines.indextts2 import files as indextts2_files

    copied = bundle.copy_indextts2(tmp_path, indextts2_dir)
    checkpoints = tmp_path / "checkpoints"
    assert indextts2_files.missing(checkpoints) == []  # checkpoints and auxiliary models, found offline
    assert indextts2_files.hub_cache(checkpoints) == checkpoints / "hf_cache"
    assert (checkpoints / indextts2_files.RANDOM_WEIGHTS_MARKER).exists()  # the marker travels: the app still says so
    on_disk = sum(p.stat().st_size for p in checkpoints.rglob("*") if p.is_file())
    assert copied["bytes"] == on_disk > 500e6


def test_indextts2_bundle_refuses_checkpoints_that_are_not_all_there(tmp_path: Path) -> None:
    with pytest.raises(bundle.BundleError, match=r"IndexTTS2 cannot start: \d+ thing"):
        bundle.copy_indextts2(tmp_path / "usb", tmp_path / "nothing", hub=tmp_path / "no-hub")
    assert not (tmp_path / "usb").exists()


def test_indextts2_normaliser_grammars_go_each_way_once_and_travel(tmp_path: Path, monkeypatch) -> None:
    """A new install reads the grammars the app kept; the app keeps what upstream compiled; nothing is overwritten."""
    from index_tts.engines.indextts2 import files as indextts2_files

    cache = tmp_path / "cache_hub"
    upstream, kept_root = tmp_path / "site-packages" / "nemo_cache", cache / indextts2_files.NORMALISER_CACHE
    monkeypatch.setattr(indextts2_files, "upstream_grammar_folder", lambda: upstream)
    kept = indextts2_files.kept_grammar_folder(kept_root)
    assert kept is not None and kept.parent == kept_root and kept.name.startswith("nemo-")
    kept.mkdir(parents=True)
    (kept / "zh_tokenize.far").write_bytes(b"zh")
    upstream.mkdir(parents=True)
    (upstream / "en_verbalizer.far").write_bytes(b"en")
    (upstream / "zh_tokenize.far").write_bytes(b"upstream's own")
    (upstream / "notes.txt").write_text("not a grammar")

    copied = indextts2_files.share_grammars(kept_root)
    assert copied == [f"{kept.name}/en_verbalizer.far"]
    assert (upstream / "zh_tokenize.far").read_bytes() == b"upstream's own"
    assert (kept / "en_verbalizer.far").read_bytes() == b"en" and not (kept / "notes.txt").exists()
    (upstream / "zh_tokenize.far").unlink()
    assert indextts2_files.share_grammars(kept_root) == ["nemo_cache/zh_tokenize.far"]
    assert (upstream / "zh_tokenize.far").read_bytes() == b"zh"
    assert indextts2_files.share_grammars(kept_root) == []
    assert not [p for p in (*upstream.iterdir(), *kept.iterdir()) if p.name.endswith(".tmp")]
    # a bundle with IndexTTS2 carries them; one without does not
    assert indextts2_files.NORMALISER_CACHE not in bundle.copy_caches(tmp_path / "plain", cache)
    assert indextts2_files.NORMALISER_CACHE in bundle.copy_caches(tmp_path / "usb", cache, indextts2=True)
    carried = tmp_path / "usb" / "cache_hub" / indextts2_files.NORMALISER_CACHE / kept.name
    assert sorted(p.name for p in carried.iterdir()) == ["en_verbalizer.far", "zh_tokenize.far"]

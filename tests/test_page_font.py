"""The page's Chinese font: fetched from the npm registry only as the pinned, checksummed package."""

from __future__ import annotations

import io
import tarfile

import pytest

from index_tts.ops import page_font


def _tarball(path, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_a_package_that_is_not_the_pinned_one_is_refused_and_leaves_nothing(tmp_path) -> None:
    fake = tmp_path / "noto-sans-sc-5.3.1.tgz"
    _tarball(fake, {"index.css": b"@font-face{}", "files/a.woff2": b"x"})
    folder = tmp_path / "fonts" / "noto-sans-sc"
    with pytest.raises(page_font.FontError, match="checksum"):
        page_font.unpack(fake, folder)
    assert not folder.exists() and not any(tmp_path.glob("fonts/*"))
    assert not page_font.available(folder)


def test_the_fetched_font_is_complete_when_present() -> None:
    if not page_font.available():
        pytest.skip("the page font was not fetched (no npm): the page falls back to system fonts")
    css = (page_font.FONT_DIR / page_font.STYLESHEET).read_text()
    pieces = list((page_font.FONT_DIR / "files").glob("*.woff2"))
    assert css.count("@font-face") == len(pieces) > 50 and css.count("unicode-range") == len(pieces)
    assert all(f"./files/{p.name}" in css for p in pieces) and page_font.FAMILY in css

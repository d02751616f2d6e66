"""check_system, the start-up check, on machines built for the test: a PATH without a tool,
fontconfig listing fewer fonts (a stand-in fc-list in tests/data/system/bin), no HarfBuzz
subsetter. Whether *this* machine is complete is scripts/setup.sh's job, not a test's."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from handouts import pdf
from handouts.errors import SetupError
from handouts.pdf import FONT_PACKAGES, check_system

CSS = Path(__file__).parent.parent / "templates" / "print.css"
SYSTEM = Path(__file__).parent / "data" / "system"
REAL_PATH = os.environ["PATH"]
HINT = "run: sudo scripts/setup.sh (or apt-get install {})"


def test_stylesheet_fonts_are_checked() -> None:
    named = set(re.findall(r'"(Noto [^"]+)"', CSS.read_text("utf-8")))
    assert named == set(FONT_PACKAGES)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty PATH folder to link tools into; check_system's cached lookups start afresh."""
    pdf._font_files.cache_clear()
    pdf.has_harfbuzz_subset.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("FAKE_FONTS", str(SYSTEM / "fonts-complete.txt"))
    yield tmp_path
    pdf._font_files.cache_clear()  # the next caller sees the real machine again
    pdf.has_harfbuzz_subset.cache_clear()


def install(machine: Path, *tools: str) -> None:
    for tool in tools:
        real = SYSTEM / "bin" / tool if tool == "fc-list" else shutil.which(tool, path=REAL_PATH)
        assert real is not None, tool
        (machine / tool).symlink_to(real)


def test_complete_machine(machine: Path) -> None:
    install(machine, "fc-list", "msgfmt")
    assert check_system() == []


def test_without_fontconfig(machine: Path) -> None:
    install(machine, "msgfmt")
    with pytest.raises(SetupError) as info:
        check_system()
    assert str(info.value) == "fontconfig tools are missing; " + HINT.format("fontconfig")


def test_without_msgfmt(machine: Path) -> None:
    install(machine, "fc-list")
    with pytest.raises(SetupError) as info:
        check_system()
    assert str(info.value) == "GNU gettext's msgfmt is missing; " + HINT.format("gettext")


def test_without_cjk_fonts(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(machine, "fc-list", "msgfmt")
    monkeypatch.setenv("FAKE_FONTS", str(SYSTEM / "fonts-without-cjk.txt"))
    with pytest.raises(SetupError) as info:
        check_system()
    assert str(info.value) == ("missing fonts: Noto Sans CJK JP, Noto Sans CJK KR, Noto Sans CJK"
                               " SC, Noto Sans CJK TC; " + HINT.format("fonts-noto-cjk"))


def test_without_harfbuzz_subset_is_a_warning(machine: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    install(machine, "fc-list", "msgfmt")
    real = ctypes.CDLL

    def cdll(name: str, *args: object, **kwargs: object) -> ctypes.CDLL:
        if name.startswith("libharfbuzz-subset"):
            raise OSError(f"{name}: cannot open shared object file")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ctypes, "CDLL", cdll)
    assert check_system() == [
        "libharfbuzz-subset0 is not installed: fonts will be subset slowly (a Chinese leaflet"
        " takes seconds instead of a tenth of one). " + HINT.format("libharfbuzz-subset0")]

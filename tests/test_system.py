"""Start-up checks: the fonts the stylesheet names are the ones we check for."""

from __future__ import annotations

import re
from pathlib import Path

from handouts.pdf import FONT_PACKAGES, check_system

CSS = Path(__file__).parent.parent / "templates" / "print.css"


def test_stylesheet_fonts_are_checked() -> None:
    named = set(re.findall(r'"(Noto [^"]+)"', CSS.read_text("utf-8")))
    assert named == set(FONT_PACKAGES)


def test_this_machine_is_complete() -> None:
    assert check_system() == []

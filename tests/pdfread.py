"""Read a PDF back: text (poppler), metadata, fonts and page boxes (pypdf)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from pypdf import PdfReader

MM_PER_PT = 25.4 / 72


BIDI_CONTROLS = re.compile("[\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Arabic vowel marks: extractors may emit them before or after a following alef.
HARAKAT = re.compile("[\u064b-\u065f\u0670]")


def text(path: Path) -> str:
    """Logical-order text. pypdf keeps Arabic marks on their letters; pdftotext does not."""
    pages = (page.extract_text() for page in PdfReader(path).pages)
    return BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", "\n".join(pages)))


def squash(value: str) -> str:
    """Drop all whitespace: wrapped lines and CJK line breaks then compare equal."""
    value = BIDI_CONTROLS.sub("", unicodedata.normalize("NFD", value))
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", HARAKAT.sub("", value)))


def fonts(path: Path) -> set[str]:
    names = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def lang(path: Path) -> str:
    return str(PdfReader(path).trailer["/Root"]["/Lang"])


def page_sizes_mm(path: Path) -> list[tuple[float, float]]:
    return [(round(float(p.mediabox.width) * MM_PER_PT, 1),
             round(float(p.mediabox.height) * MM_PER_PT, 1)) for p in PdfReader(path).pages]


def metadata(path: Path) -> dict[str, str]:
    info = PdfReader(path).metadata or {}
    return {str(k): str(v) for k, v in info.items()}

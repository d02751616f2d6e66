"""Read a PDF back: text and character boxes (PDFium, poppler), embedded fonts (pypdf),
and font names, /Lang, metadata and page boxes (pikepdf)."""

from __future__ import annotations

import functools
import re
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from handouts.catalog import Language

MM_PER_PT = 25.4 / 72


BIDI_CONTROLS = re.compile("[\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Arabic vowel marks: extractors may emit them before or after a following alef.
HARAKAT = re.compile("[\u064b-\u065f\u0670]")


def pdfium_text(path: Path) -> str:
    """The text as PDFium reads it (Chrome's PDF viewer), pages joined by newlines."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            # PDFium writes a hyphen that ends a line as U+FFFE.
            pages.append(textpage.get_text_range().replace("\ufffe", "-"))
            textpage.close()
            page.close()
        return "\n".join(pages)
    finally:
        document.close()


@dataclass(frozen=True)
class Char:
    """One drawn character, in pdfplumber's terms (points, from the page's top left)."""

    text: str
    size: float  # the font size as printed: the text's font size times its scale
    x0: float
    x1: float
    top: float  # the baseline's descent line minus the size, as pdfminer has it
    bottom: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    chars: list[Char]


def pages(path: Path) -> list[Page]:
    """Each page's characters, by PDFium: seven times faster than pdfplumber, with the same
    sizes and boxes. Characters that map to no text (a mark drawn apart) are left out."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    matrix, box = pdfium_c.FS_MATRIX(), pdfium_c.FS_RECTF()
    document = pypdfium2.PdfDocument(path)
    try:
        found = []
        for page in document:
            textpage = page.get_textpage()
            raw, height = textpage.raw, page.get_height()
            chars = []
            for i in range(textpage.count_chars()):
                code = pdfium_c.FPDFText_GetUnicode(raw, i)
                if not code or pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                    continue
                pdfium_c.FPDFText_GetMatrix(raw, i, matrix)
                pdfium_c.FPDFText_GetLooseCharBox(raw, i, box)
                size = pdfium_c.FPDFText_GetFontSize(raw, i) * abs(matrix.d)
                bottom = height - box.bottom
                chars.append(Char(chr(code), size, box.left, box.right, bottom - size, bottom))
            found.append(Page(page.get_width(), height, chars))
            textpage.close()
            page.close()
        return found
    finally:
        document.close()


@dataclass(frozen=True)
class QrCode:
    """The QR code on page 1, as segno draws it (each row of dark modules a line one
    module thick), in points from the page's top left, as pdfplumber had it."""

    module: float
    x0: float  # the rows' ends, without their caps
    x1: float
    top: float  # the outer rows' edges
    bottom: float
    modules: int  # rows drawn from the top row to the bottom one
    page_width: float
    page_height: float


def qr_code(path: Path) -> QrCode:
    """By PDFium: the path with the most segments on page 1 is the code."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(path)
    try:
        page = document[0]
        code = max(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=5),
                   key=lambda item: pdfium_c.FPDFPath_CountSegments(item.raw))
        a, _, _, d, e, f = code.get_matrix().get()
        width = ctypes.c_float()
        pdfium_c.FPDFPageObj_GetStrokeWidth(code.raw, ctypes.byref(width))
        module = width.value * abs(a)
        x, y = ctypes.c_float(), ctypes.c_float()
        xs, ys = [], []
        for i in range(pdfium_c.FPDFPath_CountSegments(code.raw)):
            segment = pdfium_c.FPDFPath_GetPathSegment(code.raw, i)
            pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
            xs.append(a * x.value + e)
            ys.append(page.get_height() - (d * y.value + f))
        top, bottom = min(ys) - module / 2, max(ys) + module / 2
        return QrCode(module, min(xs), max(xs), top, bottom, round((bottom - top) / module),
                      page.get_width(), page.get_height())
    finally:
        document.close()


def text(path: Path) -> str:
    """Logical-order text, by PDFium, NFC, without bidi controls."""
    return BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", pdfium_text(path)))


def page_texts(path: Path) -> list[str]:
    """Each page's text, by poppler's pdftotext: ten times faster than pypdf, for tests that
    only look for a word on a page."""
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                            capture_output=True, text=True, check=True)
    return result.stdout.split("\f")[:-1]  # a form feed ends every page


def squash(value: str) -> str:
    """Drop all whitespace: wrapped lines and CJK line breaks then compare equal."""
    value = BIDI_CONTROLS.sub("", unicodedata.normalize("NFD", value))
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", HARAKAT.sub("", value)))


def reader(path: Path) -> PdfReader:
    """pypdf's reader of one PDF, shared by the tests that read it in this process: pypdf
    parses lazily and keeps what it parsed. Keyed by the file's change time and size."""
    info = path.stat()
    return _reader(path, (info.st_mtime_ns, info.st_size, info.st_ino))


@functools.lru_cache(maxsize=16)
def _reader(path: Path, stamp: tuple[int, int, int]) -> PdfReader:
    return PdfReader(path)


def page_fonts(path: Path) -> Iterator[Any]:
    """Each page's font dictionaries (pypdf's untyped PDF objects), page by page."""
    for page in reader(path).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            yield font.get_object()


def fonts(path: Path) -> set[str]:
    """The embedded fonts' names, without subset prefixes, by pikepdf: ten times faster
    than through pypdf's reader."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return {str(font.BaseFont)[1:].split("+", 1)[-1] for page in pdf.pages
                for font in page.Resources.Font.values()}


def lang(path: Path) -> str:
    """The document's /Lang, by pikepdf (qpdf): opening a PDF with pypdf costs 70 ms."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return str(pdf.Root.Lang)


def page_sizes_mm(path: Path) -> list[tuple[float, float]]:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return [(round(float(p.mediabox[2] - p.mediabox[0]) * MM_PER_PT, 1),
                 round(float(p.mediabox[3] - p.mediabox[1]) * MM_PER_PT, 1))
                for p in pdf.pages]


def metadata(path: Path) -> dict[str, str]:
    """The document information dictionary, keys with their slash ("/Title")."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return {str(k): str(v) for k, v in pdf.docinfo.items()}


def _font_program(descriptor: object) -> tuple[str, bytes] | None:
    for key in ("/FontFile2", "/FontFile3"):
        if key in descriptor:  # type: ignore[operator]
            stream = descriptor[key].get_object()  # type: ignore[index]
            return str(stream.get("/Subtype", "/TrueType")), stream.get_data()
    return None


def _used_codes(widths: list[object]) -> set[int]:
    codes: set[int] = set()
    i = 0
    while i < len(widths):
        first, second = int(widths[i]), widths[i + 1]  # type: ignore[call-overload]
        if isinstance(second, list):
            codes.update(range(first, first + len(second)))
            i += 2
        else:
            codes.update(range(first, int(second) + 1))  # type: ignore[call-overload]
            i += 3
    return codes


def notdef_glyphs(path: Path) -> list[str]:
    """Glyphs drawn from an embedded font that are missing or are the .notdef box."""
    import io

    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    problems = []
    seen = set()
    for font in page_fonts(path):
        if "/DescendantFonts" not in font or id(font) in seen:
            continue
        seen.add(id(font))
        cid_font = font["/DescendantFonts"][0].get_object()
        program = _font_program(cid_font["/FontDescriptor"].get_object())
        name = str(font["/BaseFont"])
        if program is None:
            problems.append(f"{name}: font not embedded")
            continue
        kind, data = program
        codes = _used_codes(list(cid_font["/W"])) - {0}
        cid_map = cid_font.get("/CIDToGIDMap")
        if cid_map is not None and cid_map != "/Identity":  # see handouts/textlayer.py
            table = cid_map.get_object().get_data()
            glyph_ids = [int.from_bytes(table[i:i + 2], "big") for i in range(0, len(table), 2)]
            codes = {glyph_ids[c] if c < len(glyph_ids) else c for c in codes} - {0}
        if kind == "/CIDFontType0C":
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(data), None)
            top = cff[cff.fontNames[0]]
            glyphs = {g: top.CharStrings[g] for g in top.charset}
            notdef = glyphs[".notdef"].bytecode if ".notdef" in glyphs else None
            for code in codes:
                glyph = glyphs.get(f"cid{code:05d}")
                if glyph is None or (notdef and glyph.bytecode == notdef):
                    problems.append(f"{name}: CID {code} is missing or .notdef")
        else:
            ttf = TTFont(io.BytesIO(data))
            order = ttf.getGlyphOrder()
            notdef_data = b""
            if "glyf" in ttf:
                box = ttf["glyf"][order[0]]
                notdef_data = box.compile(ttf["glyf"]) if box.numberOfContours else b""
            for code in codes:
                if code >= len(order):
                    problems.append(f"{name}: glyph {code} is past the end of the font")
                elif "glyf" in ttf and notdef_data:
                    glyph = ttf["glyf"][order[code]]
                    if glyph.numberOfContours and glyph.compile(ttf["glyf"]) == notdef_data:
                        problems.append(f"{name}: glyph {code} is the .notdef box")
    return problems


# handouts/textlayer.py makes the text layer exact (tests/test_text_layer.py measures
# it). PDFium reads a right-to-left line's Latin words and digits in the order of its
# own bidi pass, so there a message is checked word by word, every word present.
MESSAGE_SHARE = {"rtl": 1.0}


def chunks(translation: str, by_word: bool = False) -> list[str]:
    """The literal parts of a message around its %(name)s placeholders, or its words."""
    parts = re.split(r"%\([a-z_]+\)s", translation.replace("%%", "%"))
    if by_word:
        parts = [w.strip("()«»“”\"'.,،:؟?!।۔") for p in parts for w in p.split()]
    return [squash(p) for p in parts if len(squash(p)) >= 2]


def shows(body: str, translations: list[str], language: Language) -> bool:
    """Whether the squashed PDF text shows translated messages (see above)."""
    share = MESSAGE_SHARE.get(language.direction)
    for translation in translations:
        parts = chunks(translation, by_word=share is not None)
        found = sum(part in body for part in parts)
        if found < (share or 1) * len(parts):
            return False
    return True

"""Verify the safety text on the finished PDF, as the reader will get it.

The "Get help now" box (its heading, the warning signs and the emergency
instruction) must be on the page, and the clinic's phone and emergency numbers
must print exactly once per copy of the box, in the clinic file's digit order.
The check reads the PDF's text layer back with PDFium, so it sees what
WeasyPrint drew, after line breaking and bidirectional reordering.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Share of a message's letters that must be found, in order, in the page's text.
# Not 1.0: PDFium maps some Devanagari and Arabic ligatures to other code points
# (the text layer issue); every other script matches in full.
PRESENT = 0.75
# The templates that print the safety text: the box, and the contacts inside it.
HELP_BOX = "partials/help.html"
CONTACTS = "partials/contacts.html"
INK_SCALE = 1.0  # 72 dpi: enough to see glyphs, cheap to render
DARK = 128  # grey level below which a pixel is ink
MIN_INK = 0.02  # share of dark pixels in a line of text's box; real text has 10 % or more
SHORT_NUMBER = 3  # digits; shorter numbers can coincide with a page number or a date
ALEF = "\u0627"  # alef with hamza or madda decomposes to it
_NUMBER_RUN = re.compile(r"[+(]?\d[\d +\-()./]*\d|\d")


@dataclass(frozen=True)
class Expected:
    """What one leaflet must show: safety texts and the clinic's numbers."""

    texts: Sequence[tuple[str, str]]  # (msgid, the text as printed)
    numbers: Sequence[tuple[str, str]]  # (label, number from the clinic file)
    copies: int = 1  # bilingual leaflets show the box twice
    typed: str = ""  # the print desk's personal details, which may quote a number


def skeleton(text: str) -> str:
    """Letters and digits only, decomposed, without marks: what survives extraction.

    Without Arabic alef, too: fonts draw lam-alef as one ligature or as two glyphs,
    and a text layer that maps glyphs to text on first use (WeasyPrint's own) gives
    its two letters in either order."""
    text = re.sub(r"<[^>]*>", "", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text
                   if unicodedata.category(c)[0] in "LN" and c != ALEF).casefold()


def digits(text: str) -> str:
    """A number's digits, any script's read as ASCII, in the order printed."""
    return "".join(str(unicodedata.digit(c)) for c in text if c.isdigit())


def number_runs(text: str) -> list[str]:
    """Every number on the page: runs of digits with their spaces and + - ( ) . /"""
    ascii_text = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)
    return [digits(run) for run in _NUMBER_RUN.findall(ascii_text)]


def page_text(data: bytes) -> str:
    """The PDF's text layer, page after page, as PDFium extracts it."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range()
                         for i in range(len(document)))
    finally:
        document.close()


def _found(wanted: str, body: str) -> tuple[float, range]:
    """Share of ``wanted``'s 4-letter pieces found in one stretch of ``body`` around its
    best match, and where that best match is. Pieces, not one sequence: an RTL
    paragraph's wrapped lines may be extracted out of order; letters from all over
    the page do not count."""
    if not wanted:
        return 0.0, range(0)
    at = body.find(wanted)
    if at >= 0:
        return 1.0, range(at, at + len(wanted))
    anchor = difflib.SequenceMatcher(None, body, wanted, autojunk=False).find_longest_match(
        0, len(body), 0, len(wanted))
    if anchor.size < min(4, len(wanted)):
        return 0.0, range(0)
    start = max(0, anchor.a - anchor.b - len(wanted))
    window = body[start:anchor.a + (len(wanted) - anchor.b) + len(wanted)]
    # PDFium's stray code points for some ligatures belong to other scripts: drop them.
    scripts = {_script(c) for c in wanted}
    window = "".join(c for c in window if _script(c) in scripts)
    pieces = {wanted[i:i + 4] for i in range(max(1, len(wanted) - 3))}
    share = sum(piece in window for piece in pieces) / len(pieces)
    return share, range(anchor.a, anchor.a + anchor.size)


def _script(char: str) -> str:
    """A rough script name: the first word of the character's Unicode name."""
    return unicodedata.name(char, "?").split(" ", 1)[0]


def visual_lines(data: bytes) -> list[str]:
    """Each printed line's characters from left to right, as a reader sees them.

    PDFium's text is in logical order, and it reorders the runs of an RTL line,
    so a number's groups would come out reversed; the glyph boxes do not."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return _lines(_read(document))
    finally:
        document.close()


def _lines(pages: list[_Page]) -> list[str]:
    lines: list[str] = []
    for page in pages:
        glyphs = []
        for i, char in enumerate(page.chars):
            if char.strip():
                left, bottom, _right, top = page.textpage.get_charbox(i)
                glyphs.append(((bottom + top) / 2, left, bottom, top, char))
        # A line: glyphs whose middles fall within the first glyph's height.
        row: list[tuple[float, str]] = []
        low = high = 0.0
        for middle, left, bottom, top, char in sorted(glyphs, reverse=True):
            if row and not low <= middle <= high:
                lines.append("".join(c for _, c in sorted(row)))
                row = []
            if not row:
                low, high = bottom, top
            row.append((left, char))
        if row:
            lines.append("".join(c for _, c in sorted(row)))
    return lines


def _chars(textpage: Any) -> list[str]:
    """The page's characters, one per PDFium character index ("" where it has no text).

    Not the page's text string: characters that map to no text are left out
    of it, so its positions drift from the indices of the character boxes."""
    import pypdfium2.raw as pdfium_c

    return [chr(code) if code else ""
            for code in map(functools.partial(pdfium_c.FPDFText_GetUnicode, textpage.raw),
                            range(textpage.count_chars()))]


@functools.lru_cache(maxsize=4096)
def _letters(char: str) -> str:
    return skeleton(char)


@dataclass
class _Page:
    """One page, read once: its text layer's characters and their skeleton, and which
    glyph each skeleton letter came from."""

    page: Any
    textpage: Any
    chars: list[str]  # one per PDFium character index
    skeleton: str
    glyphs: list[int]  # skeleton position -> PDFium character index


def _read(document: Any) -> list[_Page]:
    pages = []
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        chars = _chars(textpage)
        letters: list[str] = []
        glyphs: list[int] = []
        for i, char in enumerate(chars):
            for letter in _letters(char):
                letters.append(letter)
                glyphs.append(i)
        pages.append(_Page(page, textpage, chars, "".join(letters), glyphs))
    return pages


def _ink(page: _Page, glyphs: list[int], image: Any) -> float:
    """Share of dark pixels in the box of these glyphs, rendered as the printer will."""
    boxes = [page.textpage.get_charbox(i) for i in glyphs]
    left = min(b[0] for b in boxes)
    bottom = min(b[1] for b in boxes)
    right = max(b[2] for b in boxes)
    top = max(b[3] for b in boxes)
    height = page.page.get_height()
    crop = image.crop((int(left * INK_SCALE), int((height - top) * INK_SCALE),
                       int(right * INK_SCALE) + 1, int((height - bottom) * INK_SCALE) + 1))
    histogram = crop.histogram()  # 256 grey levels
    return float(sum(histogram[:DARK]) / max(1, sum(histogram)))


def safety_problems(data: bytes, expected: Expected) -> list[str]:
    """What is wrong with the safety text of one finished PDF; empty when it holds."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        pages = _read(document)
        images: dict[int, Any] = {}  # one rendering per page, for every message on it
        problems = []
        for msgid, printed in expected.texts:
            wanted = skeleton(printed)
            found = [(*_found(wanted, p.skeleton), n) for n, p in enumerate(pages)]
            share, span, index = max(found, key=lambda f: f[0])
            page = pages[index]
            if share < PRESENT:
                problems.append(f"the safety text {_quote(msgid)} is not on the printed page"
                                f" ({share:.0%} of it was found)")
                continue
            if index not in images:
                images[index] = page.page.render(
                    scale=INK_SCALE, grayscale=True).to_pil().convert("L")
            if _ink(page, [page.glyphs[i] for i in span], images[index]) < MIN_INK:
                problems.append(f"the safety text {_quote(msgid)} is in the PDF but prints no"
                                " visible ink")
        lines = _lines(pages)
    finally:
        document.close()
    runs = [run for line in lines for run in number_runs(line)]
    typed = number_runs(expected.typed)
    for label, number in expected.numbers:
        count = runs.count(digits(number)) - typed.count(digits(number))
        # One or two digits (15, 18) may also be a page number or a day: at least.
        short = len(digits(number)) < SHORT_NUMBER
        if count < expected.copies or (count > expected.copies and not short):
            problems.append(f"the {label} number {number} prints {count} time(s) in its digit"
                            f" order; it must print {expected.copies} time(s)")
    return problems


def _quote(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= width else f'"{text[:width - 1]}…"'

"""Is the printed page the same? Two PDFs rasterised by poppler and by PDFium.

Used by tests/test_text_layer.py and bench/printed_page.py to compare the text layer's
drawing with WeasyPrint's own.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

DPI = 110


def _empty(item: Any) -> bool:
    import pikepdf

    return isinstance(item, pikepdf.String) and not bytes(item)


def empty_strings(pdf: Path) -> int:
    """Text arrays (TJ) holding an empty string, over every page."""
    import pikepdf

    count = 0
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for instruction in pikepdf.parse_content_stream(page, "TJ"):
                assert isinstance(instruction, pikepdf.ContentStreamInstruction)
                count += any(map(_empty, instruction.operands[0]))
    return count


def without_empty_strings(pdf: Path, out: Path) -> Path:
    """The PDF with the empty strings dropped from its text arrays: by the PDF standard
    the same drawing, but PDFium then draws such a line as poppler does."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        for page in document.pages:
            instructions: list[Any] = []
            for instruction in pikepdf.parse_content_stream(page):
                assert isinstance(instruction, pikepdf.ContentStreamInstruction)
                operands = list(instruction.operands)
                if str(instruction.operator) == "TJ":
                    operands = [pikepdf.Array([i for i in operands[0] if not _empty(i)])]
                instructions.append((operands, instruction.operator))
            page.Contents = document.make_stream(pikepdf.unparse_content_stream(instructions))
        document.save(out)
    return out


def poppler_pages(pdf: Path) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), f"{folder}/page"],
                       check=True)
        return [Image.open(page).convert("RGB") for page in sorted(Path(folder).glob("*.png"))]


def pdfium_pages(pdf: Path) -> list[Image.Image]:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def differing_pixels(before: list[Image.Image], after: list[Image.Image]) -> list[int]:
    """Per page, how many pixels differ at all."""
    assert len(before) == len(after)
    return [ImageChops.difference(old, new).convert("L").point(lambda v: v > 0).histogram()[1]
            for old, new in zip(before, after, strict=True)]


def compare(ours: Path, stock: Path) -> tuple[list[int], list[int]]:
    """Pixels that differ on each page, in poppler and in PDFium.

    WeasyPrint's own drawing leaves empty strings in some text arrays, and PDFium then
    draws the rest of the line off (tests/test_text_layer.py): PDFium compares against
    it as the PDF standard reads it, without them.
    """
    poppler = differing_pixels(poppler_pages(stock), poppler_pages(ours))
    with tempfile.TemporaryDirectory() as folder:
        fixed = without_empty_strings(stock, Path(folder) / "stock.pdf")
        pdfium = differing_pixels(pdfium_pages(fixed), pdfium_pages(ours))
    return poppler, pdfium

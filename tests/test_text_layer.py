"""The text layer: printed words come back exactly (handouts/textlayer.py).

What screen readers, copy and paste, search and translation apps get is measured as
tests/wordshare.py says, per PDF, with both poppler's pdftotext and PDFium.

Checked to fail (by hand, 3 December 2026): with ``Renderer(exact_text=False)`` in
handouts/workers.py, ``test_printed_words_come_back_exactly`` fails for Hindi (64 %),
Persian (87 %), Arabic (92 %) and Urdu in Nastaliq (12 %) with both extractors.
With ``_mark_direction`` skipped in handouts/textlayer.py, it fails with pdftotext for
Arabic, Persian, Urdu and Nastaliq (the colon and space beside a number move, and
bilingual pages run words together). With every page marked as a right-to-left page
(``_ltr_boxes`` finding none), it fails with pdftotext for bilingual Urdu and Nastaliq
(dates: "دسمبر3"); with every page marked as a left-to-right one, for Arabic, Persian,
Urdu and Nastaliq.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import CLINIC, FORMATS_LANGS, HANDOUT, ROOT
from pdfread import notdef_glyphs
from PIL import Image, ImageChops
from wordshare import EXTRACTORS, share

from handouts.build import BuildOptions, BuildReport, build
from handouts.catalog import shipped_languages
from handouts.output import output_path
from handouts.project import Project

NASTALIQ = "ur-nastaliq"
EXACT = 0.995  # every PDF, every extractor
STOCK_LANGS = ("hi", "ar", "fa", "zh_CN")  # the scripts whose drawing the copy changes
LANGUAGES = {"hi": "ltr", "ar": "rtl", "fa": "rtl", "zh_CN": "ltr"}


def _pdfs(label: str, built: Path, formats: Path, nastaliq: Path) -> list[Path]:
    if label == NASTALIQ:
        return sorted((nastaliq / "ur").glob("*.pdf"))
    code = label
    found = sorted((built / code).glob("*.pdf"))
    if code in FORMATS_LANGS:
        found += [p for p in sorted((formats / code).glob("*.pdf")) if p.stem.endswith(
            ("-large-print", "-bilingual"))]
    return found


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("label", [*shipped_languages(ROOT / "locales"), NASTALIQ])
def test_printed_words_come_back_exactly(
        built: tuple[Path, BuildReport], formats: tuple[Path, BuildReport],
        nastaliq: tuple[Path, BuildReport], label: str, extractor: str) -> None:
    pdfs = _pdfs(label, built[0], formats[0], nastaliq[0])
    assert len(pdfs) >= 4
    shares = {}
    for pdf in pdfs:
        hits, total, misses = share(pdf, pdf.with_suffix(".html").read_text(), extractor)
        assert total > 300, pdf
        if hits / total < EXACT:
            shares[pdf.name] = (round(hits / total, 4), misses[:6])
    assert shares == {}


def _empty_strings(pdf: Path) -> int:
    """Text arrays (TJ) holding an empty string, over every page."""
    import pikepdf

    count = 0
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for instruction in pikepdf.parse_content_stream(page, "TJ"):
                assert isinstance(instruction, pikepdf.ContentStreamInstruction)
                count += any(isinstance(item, pikepdf.String) and not bytes(item)
                             for item in instruction.operands[0])
    return count


def test_no_text_array_holds_an_empty_string(
        built: tuple[Path, BuildReport], nastaliq: tuple[Path, BuildReport]) -> None:
    """PDFium (Chrome's viewer) drops the last spacing of such an array and draws the
    rest of the line that far off: Nastaliq words about 1 pt too far left, and the
    gaps it reads as spaces gone (checked to fail with ``_show`` not removing them:
    every Nastaliq PDF)."""
    pdfs = [*sorted((nastaliq[0] / "ur").glob("*.pdf")),
            *(output_path(built[0], code, HANDOUT, "a4") for code in ("ar", "fa", "ur", "hi"))]
    assert {pdf.name: n for pdf in pdfs if (n := _empty_strings(pdf))} == {}


def _raster(pdf: Path, out: Path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(pdf), str(out)], check=True)
    return [Image.open(page).convert("RGB") for page in sorted(out.parent.glob(
        f"{out.name}-*.png"))]


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """Four scripts drawn by WeasyPrint's own code, as when its surface has changed."""
    from handouts import textlayer

    out = tmp_path_factory.mktemp("stock")
    with pytest.MonkeyPatch.context() as patch:  # the forked workers inherit it
        patch.setattr(textlayer, "surface_problems",
                      lambda: ("weasyprint.draw.text.draw_first_line has changed",))
        warning = textlayer.surface_warning()
        report = build(Project(ROOT), BuildOptions(
            out=out, languages=STOCK_LANGS, handouts=(HANDOUT,), clinic=CLINIC, jobs=2,
            gallery=False))
    assert report.ok, report.failures
    assert report.warnings == [warning]
    return out, report


def test_a_changed_weasyprint_keeps_its_own_text_layer_and_says_so(
        stock: tuple[Path, BuildReport]) -> None:
    assert stock[1].warnings == [
        "WeasyPrint's text drawing differs from the tested version"
        " (weasyprint.draw.text.draw_first_line has changed): PDFs keep WeasyPrint's own"
        " text layer, so screen readers and copy and paste get some Hindi, Arabic-script"
        " and Urdu words wrong"]
    # Also the reason for the copy: when this fails, a WeasyPrint release maps glyphs
    # to text exactly, and handouts/textlayer.py can go.
    pdf = output_path(stock[0], "hi", HANDOUT, "a4")
    hits, total, _ = share(pdf, pdf.with_suffix(".html").read_text(), "pdfium")
    assert hits / total < 0.75


@pytest.mark.parametrize("code", STOCK_LANGS)
def test_the_printed_page_is_the_same(built: tuple[Path, BuildReport],
                                      stock: tuple[Path, BuildReport], code: str,
                                      tmp_path: Path) -> None:
    """Rasterised by poppler at 110 dpi. Right-to-left marks are drawn after their line
    (PDFium otherwise splits the word at them), so where a mark overlaps the next
    letter the two are blended in the other order: at most 1 colour level of 255, on a
    few pixels of page 1."""
    exact = _raster(output_path(built[0], code, HANDOUT, "a4"), tmp_path / "exact")
    drawn = _raster(output_path(stock[0], code, HANDOUT, "a4"), tmp_path / "stock")
    assert len(exact) == len(drawn) >= 2
    for before, after in zip(drawn, exact, strict=True):
        red, green, blue = ImageChops.difference(before, after).split()
        difference = ImageChops.lighter(ImageChops.lighter(red, green), blue)
        if LANGUAGES[code] == "rtl":
            levels = difference.histogram()
            assert sum(levels[2:]) == 0 and levels[1] <= 20
        else:
            assert difference.getbbox() is None


def test_an_unexpected_pdf_shape_leaves_the_text_layer_out_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts import textlayer

    def unexpected(state: object, pdf: object) -> None:
        raise textlayer.TextLayerError("NotoSansDevanagari has its own CIDToGIDMap")

    monkeypatch.setattr(textlayer, "_finish", unexpected)  # the forked workers inherit it
    report = build(Project(ROOT), BuildOptions(out=tmp_path, languages=("hi",),
                                               handouts=(HANDOUT,), papers=("a4", "letter"),
                                               jobs=2, gallery=False))
    assert report.ok and len(report.written) == 2
    assert report.warnings == [
        "the exact text layer was left out (NotoSansDevanagari has its own CIDToGIDMap):"
        " screen readers and copy and paste may get some words wrong; the printed leaflets"
        " are correct. Report it with your WeasyPrint version"]
    for written in report.written:
        assert notdef_glyphs(written.path) == []
        hits, total, _ = share(written.path, written.path.with_suffix(".html").read_text(),
                               "pdftotext")
        assert hits / total < 0.75  # WeasyPrint's own map, consistently


def test_a_weasyprint_without_page_boxes_turns_the_text_layer_off(
        monkeypatch: pytest.MonkeyPatch, fresh_surface: None) -> None:
    """The marks depend on each page's letters, read from WeasyPrint's private
    ``Page._page_box``: a release without it gets WeasyPrint's own text layer."""
    from weasyprint.document import Page

    from handouts import textlayer

    stock = Page.__init__

    def init(self: object, *args: object, **kwargs: object) -> None:
        stock(self, *args, **kwargs)

    monkeypatch.setattr(Page, "__init__", init)
    assert textlayer.surface_problems() == ("Page no longer sets ._page_box",)


def test_a_pages_direction_counts_the_marks_after_separators() -> None:
    """poppler counts the text layer's characters, the right-to-left mark written after
    each separator in right-to-left text among them: seven Latin letters against six
    Arabic ones make a left-to-right page, unless two Arabic commas add two marks."""
    from weasyprint import HTML

    from handouts.textlayer import _ltr_boxes

    def ltr(arabic: str) -> bool:
        document = HTML(string=f'<p dir="rtl" lang="ar">{arabic}</p><p>abcdefg</p>').render()
        return bool(_ltr_boxes(document.pages))

    assert ltr("ابت ثجح")
    assert not ltr("ابت، ثجح،")

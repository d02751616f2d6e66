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
Urdu and Nastaliq. With right-to-left marks drawn in place without their ActualText
span of U+0000, it fails with PDFium for Arabic (98.6 %: PDFium splits the word).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLINIC, FORMATS_LANGS, HANDOUT, ROOT
from conftest import NASTALIQ as NASTALIQ_CLINIC
from pdfread import notdef_glyphs
from samepage import compare, empty_strings
from sharing import shared
from wordshare import EXTRACTORS, share

from handouts.build import BuildOptions, BuildReport, build
from handouts.catalog import shipped_languages
from handouts.output import output_path
from handouts.project import Project

NASTALIQ = "ur-nastaliq"
EXACT = 0.995  # every PDF, every extractor
STOCK_LANGS = ("hi", "ar", "fa", "zh_CN")  # the scripts whose drawing the copy changes


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


def test_no_text_array_holds_an_empty_string(
        built: tuple[Path, BuildReport], nastaliq: tuple[Path, BuildReport]) -> None:
    """PDFium (Chrome's viewer) drops the last spacing of such an array and draws the
    rest of the line that far off: Nastaliq words about 1 pt too far left, and the
    gaps it reads as spaces gone (checked to fail with ``_show`` not removing them:
    every Nastaliq PDF)."""
    pdfs = [*sorted((nastaliq[0] / "ur").glob("*.pdf")),
            *(output_path(built[0], code, HANDOUT, "a4") for code in ("ar", "fa", "ur", "hi"))]
    assert {pdf.name: n for pdf in pdfs if (n := empty_strings(pdf))} == {}


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """Four scripts drawn by WeasyPrint's own code, as when its surface has changed."""
    from handouts import textlayer

    def produce(out: Path) -> tuple[Path, BuildReport]:
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

    return shared(tmp_path_factory, "stock", produce)


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


def _same_page(ours: Path, stock: Path) -> None:
    """Rasterised at 110 dpi by poppler, and by PDFium, not a pixel differs (PDFium's
    WeasyPrint page without its empty strings: see tests/samepage.py)."""
    poppler, pdfium = compare(ours, stock)
    assert len(poppler) >= 2
    assert (poppler, pdfium) == ([0] * len(poppler), [0] * len(pdfium))


@pytest.mark.parametrize("code", STOCK_LANGS)
def test_the_printed_page_is_the_same(built: tuple[Path, BuildReport],
                                      stock: tuple[Path, BuildReport], code: str) -> None:
    """Right-to-left marks are drawn where WeasyPrint draws them, in the same order, so
    overlapping glyphs blend the same (see the next test)."""
    _same_page(output_path(built[0], code, HANDOUT, "a4"),
               output_path(stock[0], code, HANDOUT, "a4"))


@pytest.mark.parametrize(("label", "handout", "paper", "fmt", "clinic_file"), [
    ("ar", HANDOUT, "a4", "large-print", CLINIC),
    ("ar", "helping-someone-recover", "letter", "standard", None),
    (NASTALIQ, HANDOUT, "a4", "standard", NASTALIQ_CLINIC)])
def test_the_printed_page_is_the_same_where_marks_overlap(
        label: str, handout: str, paper: str, fmt: str, clinic_file: Path | None,
        tmp_path: Path) -> None:
    """Where a mark overlaps the next letter, the two blend as WeasyPrint draws them
    (checked to fail, 3 December 2026, with the marks drawn after their line: each
    Arabic page differs on a few pixels in PDFium). Nastaliq's words with marks are
    ActualText spans instead (_rtl_words), which a build without the text layer cannot
    publish: all three are rendered here from the same HTML."""
    from handouts.clinic import load_clinic
    from handouts.gate import leaflet_text
    from handouts.pdf import Renderer
    from handouts.render import PAPERS, make_environment, render_html

    loaded, _ = leaflet_text(ROOT / "locales", ROOT / "templates",
                             "ur" if label == NASTALIQ else label, handout)
    assert loaded is not None
    clinic = load_clinic(clinic_file) if clinic_file else None
    html = render_html(make_environment(ROOT / "templates"), handout, loaded,
                       loaded.language, PAPERS[paper], fmt=fmt, clinic=clinic)
    logo = [clinic.logo] if clinic and clinic.logo else []
    for name, exact in (("ours.pdf", True), ("weasyprint.pdf", False)):
        renderer = Renderer(ROOT / "templates", ROOT / "templates" / "print.css", logo,
                            exact_text=exact)
        (tmp_path / name).write_bytes(renderer.render(html)[0])
    _same_page(tmp_path / "ours.pdf", tmp_path / "weasyprint.pdf")


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

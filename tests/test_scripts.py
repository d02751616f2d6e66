"""One test per script family, pseudo-locales, and no .notdef glyph in any shipped PDF.

The glyph check was checked to fail (by hand, 2 December 2026): with ``pdf.missing_glyph``
always returning None, 5 tests fail: ``test_renderer_refuses_a_character_no_font_draws``
here, the ``missing-glyph`` case of tests/test_check.py, and tests/test_build.py's
``test_character_without_font_fails_that_language_only`` and both cases of
``test_missing_glyphs_do_not_depend_on_weasyprint_log_wording``. With only the render-time
check in ``Renderer.render`` disabled, 3 fail: the first and the last two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdfread import fonts, lang, notdef_glyphs, squash, text
from pypdf import PdfReader
from sharing import shared
from texts import leaflet

from handouts.build import BuildOptions, BuildReport, build
from handouts.catalog import shipped_languages
from handouts.errors import MissingGlyphError
from handouts.pdf import Renderer, missing_glyph
from handouts.project import Project
from handouts.pseudo import pseudo_text

ROOT = Path(__file__).parent.parent
HANDOUT = "stockholm-syndrome-treatment"
MARGIN_PT = 15 / 25.4 * 72  # the page's side margins in templates/print.css
# script family -> (language, embedded font, direction, text extracts letter-exactly)
SCRIPTS = {
    "Latin with diacritics": ("vi", "NotoSans-", "ltr", True),
    "Cyrillic": ("ru", "NotoSans-", "ltr", True),
    "Arabic": ("ar", "NotoSansArabic", "rtl", True),
    "Perso-Arabic": ("fa", "NotoSansArabic", "rtl", True),
    "Urdu (Arabic font)": ("ur", "NotoSansArabic", "rtl", True),
    "Devanagari": ("hi", "NotoSansDevanagari", "ltr", False),
    "Han Simplified": ("zh_CN", "NotoSansCJKSC", "ltr", True),
    "Han Traditional": ("zh_TW", "NotoSansCJKTC", "ltr", True),
    "Hangul": ("ko", "NotoSansCJKKR", "ltr", True),
    "Kana": ("ja", "NotoSansCJKJP", "ltr", True),
}


def heading_edges(path: Path) -> tuple[list[tuple[float, float]], float]:
    """Left and right ends of each line of the title (the largest text on page 1), and
    the page width."""
    # pdfplumber: PDFium gives Nastaliq's raised words (ActualText) other boxes.
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        # Rounded: one line's sizes differ in the last digits. A combining mark is drawn
        # as a code that reads as nothing ("\x00"): it marks no edge.
        drawn = [c for c in page.chars if c["text"] != "\x00"]
        biggest = max(round(c["size"], 1) for c in drawn)
        # Lines: Nastaliq's letters sit at many heights, but within half a size.
        lines: list[list[dict[str, Any]]] = []
        for c in sorted((c for c in drawn if round(c["size"], 1) == biggest),
                        key=lambda c: c["bottom"]):
            if not lines or c["bottom"] - lines[-1][0]["bottom"] > biggest / 2:
                lines.append([])
            lines[-1].append(c)
        edges = [(min(c["x0"] for c in line), max(c["x1"] for c in line)) for line in lines]
        return edges, float(page.width)


def assert_direction(path: Path, direction: str) -> None:
    """The title starts at the reading direction's margin; its shortest line ends well
    before the other one."""
    edges, width = heading_edges(path)
    left, right = min(edges, key=lambda edge: edge[1] - edge[0])
    if direction == "rtl":
        assert max(r for _, r in edges) == pytest.approx(width - MARGIN_PT, abs=2)
        assert left > MARGIN_PT + 20
    else:
        assert min(start for start, _ in edges) == pytest.approx(MARGIN_PT, abs=2)
        assert right < width - MARGIN_PT - 20


@pytest.mark.parametrize("family", SCRIPTS)
def test_script_family(built: tuple[Path, BuildReport], project: Project, family: str) -> None:
    code, font, direction, exact = SCRIPTS[family]
    path = built[0] / code / f"{HANDOUT}-a4.pdf"
    assert lang(path) == code.replace("_", "-")
    assert any(name.replace("-", "").startswith(font.rstrip("-")) for name in fonts(path))
    assert_direction(path, direction)
    title = leaflet(project, code).translations.gettext(
        "How Stockholm syndrome is treated")
    body = squash(text(path))
    if exact:
        assert squash(title) in body
    else:  # WeasyPrint's text layer loses letters of shared glyphs here (see test_pdf_output)
        words = [squash(w) for w in title.split() if len(w) > 1]
        assert sum(w in body for w in words) >= len(words) // 2


def test_every_glyph_is_in_its_font(built: tuple[Path, BuildReport]) -> None:
    pdfs = sorted(built[0].rglob("*.pdf"))
    assert len(pdfs) == 2 * 2 * len(shipped_languages(ROOT / "locales"))  # handouts, papers
    assert {str(p.relative_to(built[0])): notdef_glyphs(p) for p in pdfs} == {
        str(p.relative_to(built[0])): [] for p in pdfs}


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_urdu_in_nastaliq_when_the_clinic_asks(nastaliq: tuple[Path, BuildReport],
                                               paper: str) -> None:
    out, report = nastaliq
    assert report.ok, report.failures  # within the page budgets too
    pdfs = sorted(w.path for w in report.written if w.paper == paper)
    assert len(pdfs) == 2 * 3  # handouts, formats
    for path in pdfs:
        names = [name.replace("-", "") for name in fonts(path)]
        assert any(name.startswith("NotoNastaliqUrdu") for name in names), names
        assert not any(name.startswith("NotoSansArabic") for name in names), names
        assert notdef_glyphs(path) == []
    path = out / "ur" / f"{HANDOUT}-{paper}.pdf"
    assert_direction(path, "rtl")
    # Its words come back exactly: tests/test_text_layer.py, the "ur-nastaliq" cases.


def test_glyph_check_catches_tofu(tmp_path: Path) -> None:
    from weasyprint import HTML

    from handouts.fontsubset import compact_cid_fonts

    html = '<html lang="en"><body><p>abc \ue000 def</p></body></html>'
    with compact_cid_fonts() as finisher:
        HTML(string=html).write_pdf(tmp_path / "tofu.pdf", finisher=finisher)
    assert notdef_glyphs(tmp_path / "tofu.pdf") != []


def test_renderer_refuses_a_character_no_font_draws() -> None:
    """The render-time glyph check, behind check's: judged from the fonts' coverage."""
    assert missing_glyph("Ayuda مرحبا 你好 नमस्ते") is None
    assert missing_glyph("abc \ue000 def") == "\ue000"
    renderer = Renderer(ROOT / "templates", ROOT / "templates" / "print.css")
    with pytest.raises(MissingGlyphError) as info:
        renderer.render('<html lang="en"><head><title>t</title></head>'
                        "<body><p>abc \ue000 def</p></body></html>")
    assert str(info.value) == "no installed font has U+E000 ('\\ue000')"


def test_pseudo_text_grows_and_keeps_placeholders() -> None:
    source = "Published: %(date)s <strong>now</strong>"
    fake = pseudo_text(source)
    assert fake.startswith("[Þûƀļîšĥéđ: %(date)s <strong>ñöŵ</strong>") and fake.endswith("]")
    assert len(fake) >= 1.35 * len("Published:  now")


@pytest.fixture(scope="module")
def pseudo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    def produce(out: Path) -> tuple[Path, BuildReport]:
        return out, build(Project(ROOT), BuildOptions(
            out=out, languages=("pseudo", "pseudo-rtl"), papers=("a4", "letter"), jobs=2,
            clinic=ROOT / "tests" / "data" / "clinic" / "clinic.toml"))

    return shared(tmp_path_factory, "pseudo", produce)


@pytest.mark.parametrize(("code", "tag", "direction"), [("pseudo", "en-XA", "ltr"),
                                                       ("pseudo-rtl", "ar-XB", "rtl")])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pseudo_locales_fit_the_page_budget(pseudo_build: tuple[Path, BuildReport], code: str,
                                            tag: str, direction: str, paper: str) -> None:
    out, report = pseudo_build
    assert report.ok, report.failures
    path = out / code / f"{HANDOUT}-{paper}.pdf"
    written = {w.path: w for w in report.written}
    assert written[path].pages == len(PdfReader(path).pages) == 2  # +40 % text: the budget
    assert lang(path) == tag
    assert_direction(path, direction)
    title = squash(pseudo_text("How Stockholm syndrome is treated"))
    if direction == "rtl":  # brackets are neutral: bidi puts them at the other ends
        title = title.strip("[]")
    assert title in squash(text(path)).replace("[]", "")
    assert notdef_glyphs(path) == []

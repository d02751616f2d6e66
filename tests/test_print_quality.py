"""Print quality, read back from the PDFs: equal visual size across scripts, whole Korean
words, no page with only the footer, page numbers clear of the paper's edge, a QR code
that phones read."""

from __future__ import annotations

import re
import statistics
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
import segno
from conftest import FORMATS_LANGS, build_reusing
from pdfread import pages, qr_code
from sharing import shared

from handouts.build import BuildOptions, BuildReport, output_path
from handouts.catalog import shipped_languages
from handouts.project import Project
from handouts.render import WORD_JOINER, join_korean_words
from handouts.workers import PAGE_BUDGET

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
CLINIC = DATA / "clinic" / "clinic.toml"
STYLESHEET = ROOT / "templates" / "print.css"
HANDOUTS = ("stockholm-syndrome-treatment", "helping-someone-recover")
FORMATS = ("standard", "large-print", "bilingual")
PAPERS = ("a4", "letter")
# The Arabic-script languages, Korean, English, and the scripts whose last page
# used to hold only the footer.
LANGS = ("en", "ar", "fa", "ur", "ko", "ht", "zh_CN", "ja")
MM_PER_PT = 25.4 / 72
TOP_MARGIN_PT, BOTTOM_MARGIN_PT = 13 / MM_PER_PT, 16 / MM_PER_PT  # templates/print.css @page
URL = "https://clinic.example.org"
HANGUL = re.compile("[\uac00-\ud7af]")
# Letters that stand on the baseline and rise no higher than the letter body.
LATIN_BODY = "xvwz"
ARABIC_BODY = ("\u066e\u062d\u0633\u0635\u0639\u06a1\u066f\u0645\u0647\u0648\u0649\u0631")


@pytest.fixture(scope="session")
def leaflets(tmp_path_factory: pytest.TempPathFactory, built: tuple[Path, BuildReport],
             formats: tuple[Path, BuildReport]) -> tuple[Path, BuildReport]:
    """Every format on both papers (the formats fixture's documents, and the built
    fixture's standard leaflets, are reused)."""
    def produce(out: Path) -> tuple[Path, BuildReport]:
        options = BuildOptions(out=out, languages=LANGS, papers=PAPERS, formats=FORMATS,
                               clinic=CLINIC, jobs=2, gallery=False)
        return out, build_reusing(
            Project(ROOT), options, (formats, lambda w: w.language in LANGS),
            (built, lambda w: w.language in LANGS and w.language not in FORMATS_LANGS))

    return shared(tmp_path_factory, "print-quality", produce)


def pdfs(out: Path, codes: tuple[str, ...] = LANGS) -> Iterator[tuple[str, str, str, Path]]:
    for code in codes:
        for handout in HANDOUTS:
            for fmt in FORMATS:
                for paper in PAPERS:
                    yield code, fmt, paper, output_path(out, code, handout, paper, fmt)


# Equal visual size across scripts.

def font_file(family: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{file}", f"{family}:style=Regular"],
                          capture_output=True, text=True, check=True).stdout


def body_height(family: str, letters: str) -> float:
    """The median top of ``letters`` in em: the script's x-height or letter-body height."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    font = TTFont(font_file(family))
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    tops: list[float] = []
    for letter in letters:
        pen = BoundsPen(glyphs)
        glyphs[cmap[ord(letter)]].draw(pen)
        assert pen.bounds is not None
        tops.append(float(pen.bounds[3]) / float(font["head"].unitsPerEm))
    return statistics.median(tops)


def css_scales() -> dict[str, float]:
    """--scale per rule of the stylesheet, keyed by the rule's selector."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    return {" ".join(selector.split()): float(value) for selector, value in
            re.findall(r"([^{}]+)\{[^{}]*--scale:\s*([\d.]+)", css)}


def test_arabic_script_scale_is_the_ratio_of_the_fonts_letter_heights() -> None:
    x_height = body_height("Noto Sans", LATIN_BODY)
    arabic = body_height("Noto Sans Arabic", ARABIC_BODY)
    nastaliq = body_height("Noto Nastaliq Urdu", ARABIC_BODY)
    assert (round(x_height, 3), round(arabic, 3), round(nastaliq, 3)) == (0.536, 0.409, 0.627)
    scales = css_scales()
    # One scale in every format: standard, large print and bilingual.
    assert scales[":lang(ar), :lang(fa), :lang(ur)"] == round(x_height / arabic, 2) == 1.31
    # Nastaliq's letter bodies are taller than the Latin x-height: kept at its size.
    assert x_height / nastaliq < 1
    assert scales[":where(.nastaliq) :lang(ur), :where(.nastaliq):lang(ur)"] == 1
    assert scales["*"] == scales[":lang(ar-XB)"] == scales[".clinic, .clinic *"] == 1
    assert len(scales) == 5


def body_sizes(path: Path) -> tuple[set[float], set[float]]:
    """Font sizes of the Arabic-script letters and of the Latin letters in the page body."""
    arabic, latin = set(), set()
    for page in pages(path):
        for char in page.chars:
            if not 45 < char.top < page.height - 45:
                continue
            if "\u0621" <= char.text <= "\u06d3":
                arabic.add(round(char.size, 1))
            elif char.text.isascii() and char.text.isalpha():
                latin.add(round(char.size, 1))
    return arabic, latin


@pytest.mark.parametrize("code", ["ar", "fa", "ur"])
def test_arabic_script_text_is_as_large_as_latin(leaflets: tuple[Path, BuildReport],
                                                 code: str) -> None:
    out = leaflets[0]
    for paper in PAPERS:
        # Bilingual: the patient's body text, 12 pt x 1.31, beside 12 pt English.
        arabic, latin = body_sizes(output_path(out, code, HANDOUTS[0], paper, "bilingual"))
        assert min(arabic) == 15.7 and min(latin) == 12.0
        # Large print: 18 pt x 1.31, the visual size of 18 pt Latin text.
        arabic, _ = body_sizes(output_path(out, code, HANDOUTS[0], paper, "large-print"))
        assert min(arabic) == 23.6
        arabic, _ = body_sizes(output_path(out, code, HANDOUTS[0], paper, "standard"))
        assert min(arabic) == 15.7


def test_every_leaflet_keeps_its_page_budget(leaflets: tuple[Path, BuildReport],
                                             nastaliq: tuple[Path, BuildReport]) -> None:
    for _out, report in (leaflets, nastaliq):
        assert report.ok, report.failures
        over = [(w.language, w.handout, w.fmt, w.paper, w.pages) for w in report.written
                if w.pages > PAGE_BUDGET[w.fmt]]
        assert over == []
    assert len(leaflets[1].written) == len(LANGS) * 2 * 3 * 2
    assert len(nastaliq[1].written) == 2 * 3 * 2


# Korean: whole words.

def test_word_joiners_go_only_into_korean_body_text() -> None:
    html = ('<html><head><title>한국어</title></head><body class="a">'
            '<img alt="한국어"><p>한국어 치료(인지) 2026년</p> <p>a&amp;b</p></body></html>')
    joined = join_korean_words(html)
    j = WORD_JOINER
    assert joined == ('<html><head><title>한국어</title></head><body class="a">'
                      f'<img alt="한국어"><p>한{j}국{j}어 치{j}료(인{j}지) 2026{j}년</p>'
                      ' <p>a&amp;b</p></body></html>')


def tokens(text: str) -> list[str]:
    return [t for t in text.split() if HANGUL.search(t)]


@pytest.mark.parametrize("extractor", ["pdftotext", "pypdfium2"])
def test_korean_words_are_never_broken_across_lines(leaflets: tuple[Path, BuildReport],
                                                   extractor: str) -> None:
    """Every Korean word the leaflet prints is extracted whole, without the joiners."""
    out = leaflets[0]
    for _code, fmt, paper, path in pdfs(out, ("ko",)):
        html = path.with_suffix(".html").read_text()
        head, _, body = html.partition("<body")
        assert WORD_JOINER in body and WORD_JOINER not in head
        # Inline tags join words; every other tag separates them.
        body = re.sub(r"</?(span|strong)\b[^>]*>", "", body)
        printed = set(tokens(re.sub(r"<[^>]*>", " ", body).replace(WORD_JOINER, "")))
        # The page label, a CSS string with counters, in the bottom margin.
        content = re.search(r"@bottom-\w+ \{[^}]*content: ([^;]*);", head)
        assert content
        label = "".join(part or "1" for part in re.findall(
            r'"([^"]*)"|counter\([^)]*\)', content[1]))
        printed |= set(tokens(re.sub(r"\\([0-9a-f]+) ?", lambda m: chr(int(m[1], 16)),
                                     label)))
        printed = {re.sub(r"\d+", "1", w) for w in printed}
        if extractor == "pdftotext":
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout
        else:
            text = "\n".join(page.get_textpage().get_text_range()
                             for page in pypdfium2.PdfDocument(path))
        assert WORD_JOINER not in text
        words = tokens(text)
        assert len(words) > 250, (fmt, paper)
        assert [w for w in words if re.sub(r"\d+", "1", w) not in printed] == []


# The footer, the page numbers and the QR code.

@pytest.mark.parametrize("code", LANGS)
def test_no_page_holds_only_the_footer(leaflets: tuple[Path, BuildReport], code: str) -> None:
    """The source line opens the footer; body text stands above it on its page."""
    alone = []
    for *_, path in pdfs(leaflets[0], (code,)):
        document = pypdfium2.PdfDocument(path)
        texts = [page.get_textpage() for page in document]
        assert not any("Cainiu" in text.get_text_range() for text in texts[:-1])
        last = texts[-1]
        found = last.search("Cainiu").get_next()
        assert found is not None, path.name
        source_top = max(last.get_charbox(i)[3] for i in range(found[0], sum(found)))
        # Below the top margin, where a draft's banner is.
        width, height = document[len(document) - 1].get_size()
        body = last.get_text_bounded(0, source_top + 0.5, width, height - TOP_MARGIN_PT + 0.5)
        if not body.strip():
            alone.append((path.name, len(texts)))
    assert alone == []


def bottom_chars(page: pypdfium2.PdfPage) -> list[tuple[float, float]]:
    """The left and right ends, in points, of each character in the bottom margin."""
    text = page.get_textpage()
    chars = []
    for i in range(text.count_chars()):  # box first: most are not in the margin
        left, _bottom, right, top = text.get_charbox(i)
        if top < BOTTOM_MARGIN_PT and chr(pdfium_c.FPDFText_GetUnicode(text.raw, i)).strip():
            chars.append((left, right))
    return chars


def page_number_ink_mm(page: pypdfium2.PdfPage) -> dict[str, float]:
    """How far the page number's ink is from each edge of the paper, in mm."""
    chars = bottom_chars(page)
    assert chars
    width, height = page.get_size()
    left_pt, right_pt = min(c[0] for c in chars) - 10, max(c[1] for c in chars) + 10
    # Only the bottom margin, beside the number, is rasterised.
    image = page.render(scale=3, crop=(left_pt, 0, width - right_pt,
                                       height - BOTTOM_MARGIN_PT)).to_pil().convert("L")
    ink = image.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None
    to_mm = MM_PER_PT / 3
    return {"left": (left_pt * 3 + ink[0]) * to_mm,
            "right": width * MM_PER_PT - (left_pt * 3 + ink[2]) * to_mm,
            "bottom": (image.height - ink[3]) * to_mm,
            "top": (height - BOTTOM_MARGIN_PT) * MM_PER_PT + ink[1] * to_mm}


@pytest.mark.parametrize("code", LANGS)
def test_page_numbers_are_6mm_from_every_edge(leaflets: tuple[Path, BuildReport],
                                              code: str) -> None:
    near = []
    for *_, path in pdfs(leaflets[0], (code,)):
        for number, page in enumerate(pypdfium2.PdfDocument(path), 1):
            distance = min(page_number_ink_mm(page).values())
            if distance < 6:
                near.append((path.name, number, round(distance, 1)))
    assert near == []


def test_page_numbers_of_nastaliq_leaflets_are_6mm_from_every_edge(
        nastaliq: tuple[Path, BuildReport]) -> None:
    """Nastaliq reaches furthest below its baseline."""
    for _code, _fmt, _paper, path in pdfs(nastaliq[0], ("ur",)):
        for page in pypdfium2.PdfDocument(path):
            assert min(page_number_ink_mm(page).values()) >= 6, path.name


@pytest.mark.parametrize("code", ["en", "ar", "ko"])
def test_qr_code_is_20mm_with_a_4_module_quiet_zone(leaflets: tuple[Path, BuildReport],
                                                    code: str, tmp_path: Path) -> None:
    modules = segno.make(URL, error="m").symbol_size(border=0)[0]
    for _code, fmt, paper, path in pdfs(leaflets[0], (code,)):
        qr = qr_code(path)  # segno draws each row of dark modules one module thick
        x0, x1, top, bottom, module = qr.x0, qr.x1, qr.top, qr.bottom, qr.module
        assert round((x1 - x0) / module) == qr.modules == modules
        assert (x1 - x0) * MM_PER_PT >= 20, (path.name, (x1 - x0) * MM_PER_PT)
        # Nothing is drawn within 4 modules of the code: only that square is rasterised.
        zone = 4 * module
        ring = pypdfium2.PdfDocument(path)[0].render(
            scale=4, crop=(x0 - zone, qr.page_height - bottom - zone,
                           qr.page_width - x1 - zone, top - zone)).to_pil().convert("L")
        png = tmp_path / f"{code}-{fmt}-{paper}.png"
        ring.save(png)
        inner = (int(zone * 4) - 1, int(zone * 4) - 1,
                 ring.width - int(zone * 4) + 1, ring.height - int(zone * 4) + 1)
        ring.paste(255, inner)
        assert ring.getextrema()[0] > 230, (path.name, fmt, paper)
        # A phone reads it: zbar decodes the printed code and its quiet zone.
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)],
                                 capture_output=True, text=True, check=True)
        assert decoded.stdout.strip() == URL


def test_the_languages_here_are_shipped() -> None:
    assert set(LANGS) <= set(shipped_languages(ROOT / "locales"))

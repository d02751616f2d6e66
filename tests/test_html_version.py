"""The accessible HTML version beside every PDF: standalone, offline, with the page's
language and direction, the same text and status lines, and clean for axe-core."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, axe_violations
from pdfread import lang, squash, text

from handouts.build import BuildReport, output_path
from handouts.catalog import parse_locale
from handouts.gallery import INDEX

HANDOUT = "stockholm-syndrome-treatment"
# Scripts whose PDF text layer is read back exactly (the text-layer issue covers the rest).
EXACT = ("en", "es", "fr", "ru", "vi", "zh_CN", "zh_TW", "ja")
# The status lines: the draft's banner, the dates, the review line.
STATUS = ("banner", "dates", "review")


class _Page(HTMLParser):
    """What the HTML asks the browser to load, and the text of each block and status line."""

    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.loads: list[str] = []
        self.blocks: list[str] = []
        self.status: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.root = values
        for name in ("src", "srcset", "poster", "data"):
            if values.get(name):
                self.loads.append(str(values[name]))
        if tag == "link":
            self.loads.append(str(values.get("href")))
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag in ("p", "li", "h1", "h2", "h3", "dt", "dd"):
            self._open.append((tag, values.get("class")))
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if self._open and tag == self._open[-1][0]:
            _, classes = self._open.pop()
            for name in (classes or "").split():
                if name in STATUS:
                    self.status[name] = self.blocks[-1]

    def handle_data(self, data: str) -> None:
        if not self._skip and self._open:
            self.blocks[-1] += data


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text("utf-8"))
    return page


def documents(*reports: tuple[Path, BuildReport]) -> list[Path]:
    return sorted(w.path for _, report in reports for w in report.written)


def test_every_pdf_has_its_html_version(built: tuple[Path, BuildReport],
                                        formats: tuple[Path, BuildReport]) -> None:
    pdfs = documents(built, formats)
    assert len(pdfs) > 100
    assert [p for p in pdfs if not p.with_suffix(".html").is_file()] == []


def test_it_stands_alone_with_its_language_and_direction(
        built: tuple[Path, BuildReport], formats: tuple[Path, BuildReport]) -> None:
    for pdf in documents(built, formats):
        page = parse(pdf.with_suffix(".html"))
        # The language the PDF declares, and the script's direction.
        assert page.root["lang"] == lang(pdf), pdf
        rtl = parse_locale(pdf.parent.name).text_direction == "rtl"
        assert page.root["dir"] == ("rtl" if rtl else "ltr"), pdf
        # Images (the logo and the QR code) are inside the file; nothing else is loaded.
        assert page.loads and all(src.startswith("data:image/") for src in page.loads), (
            pdf, [src[:40] for src in page.loads])
        html = pdf.with_suffix(".html").read_text("utf-8")
        assert not re.search(r"url\((?!['\"]?data:)|@import|file://|https?://[^\"'<>\s]*\.(css|js)",
                             html), pdf


@pytest.mark.parametrize("code", EXACT)
def test_same_text_and_status_lines_as_the_pdf(built: tuple[Path, BuildReport],
                                               formats: tuple[Path, BuildReport],
                                               code: str) -> None:
    checked = 0
    for pdf in documents(built, formats):
        if pdf.parent.name != code:
            continue
        page = parse(pdf.with_suffix(".html"))
        printed = squash(text(pdf))
        missing = [block for block in page.blocks if squash(block) not in printed]
        assert missing == [], (pdf.name, missing)
        # English has no review line; every translation has one, as its PDF has.
        assert ("review" in page.status) == (code != "en"), (pdf.name, page.status)
        assert "dates" in page.status and "banner" not in page.status, (pdf.name, page.status)
        checked += 1
    assert checked >= 4


def test_a_draft_keeps_its_banner(tmp_path: Path, project_copy: Any) -> None:
    from handouts.build import BuildOptions, build

    po = project_copy.locales_dir / "fr" / "LC_MESSAGES" / f"{HANDOUT}.po"
    source = po.read_text("utf-8")
    # Empty the first translated msgstr after the header: the leaflet is unfinished.
    header_end = source.index("\n\n") + 2
    body = re.sub(r'msgstr "[^"]+"', 'msgstr ""', source[header_end:], count=1)
    po.write_text(source[:header_end] + body, "utf-8")
    report = build(project_copy, BuildOptions(out=tmp_path, languages=("fr",),
                                              handouts=(HANDOUT,), allow_incomplete=True))
    assert report.ok, report.failures
    pdf = output_path(tmp_path, "fr", HANDOUT, "a4", "standard")
    page = parse(pdf.with_suffix(".html"))
    assert "banner" in page.status
    assert squash(page.status["banner"]) in squash(text(pdf))
    assert squash(page.status["review"]) in squash(text(pdf))


BROWSED = [("es", "a4", "standard"), ("ar", "a4", "standard"), ("zh_CN", "letter", "standard"),
           ("ar", "a4", "bilingual"), ("en", "letter", "large-print"),
           ("ur", "a4", "large-print")]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="scripts/setup.sh installs Debian's chromium")
@pytest.mark.parametrize(("code", "paper", "fmt"), BROWSED)
def test_axe_core_finds_nothing_and_nothing_is_fetched(
        formats: tuple[Path, BuildReport], browser: Any, code: str, paper: str,
        fmt: str) -> None:
    path = output_path(formats[0], code, HANDOUT, paper, fmt).with_suffix(".html")
    page = browser.new_page()
    asked: list[str] = []

    def offline(route: Any) -> None:
        asked.append(route.request.url)
        if route.request.url == path.as_uri():
            route.continue_()
        else:
            route.abort()

    page.route("**/*", offline)
    page.goto(path.as_uri())
    assert asked == [path.as_uri()]  # works offline: the page asks for nothing else
    assert page.evaluate("document.documentElement.lang") == parse(path).root["lang"]
    assert axe_violations(page) == []
    page.close()


def test_the_gallery_links_each_html_version(gallery: Path) -> None:
    html = (gallery / INDEX).read_text("utf-8")
    pages = sorted(re.findall(r'<a class="web" href="([^"]+)"', html))
    assert pages == sorted(f"{p.parent.name}/{p.name}" for p in gallery.glob("*/*.html"))
    assert len(pages) == len(list(gallery.glob("*/*.pdf")))

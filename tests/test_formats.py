"""Large print, bilingual leaflets and the clinic's QR code, read back from the PDFs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pdfread import chunks, fonts, lang, page_texts, pages, shows, squash, text
from texts import FAMILY, leaflet

from handouts.build import BuildReport, output_path
from handouts.catalog import SOURCE_LANGUAGE
from handouts.project import Project

ROOT = Path(__file__).parent.parent
HANDOUT = "stockholm-syndrome-treatment"
LANGS = ("en", "es", "ar", "zh_CN", "ur")
PAGE_LABEL = "Page %(page)s of %(pages)s"
# Not shown in a complete, unreviewed leaflet with clinic numbers.
HIDDEN = {"Incomplete translation: some text is shown in English.",
          "Translation reviewed by %(name)s on %(date)s.",
          "Call your local emergency number, or go to the nearest emergency department.",
          "Treatment and recovery at home after Stockholm syndrome: a patient leaflet.",
          # The print desk's box for one patient (tests/test_desk.py).
          "For you, from your clinic", "Patient's name", "Clinician", "Next appointment",
          "Note"}


def test_all_formats_build(formats: tuple[Path, BuildReport]) -> None:
    _out, report = formats
    assert report.ok, report.failures
    assert len(report.written) == len(LANGS) * 2 * 3 * 2
    assert {w.path.name for w in report.written if w.language == "es"} == {
        f"{handout}-{paper}{suffix}.pdf" for paper in ("a4", "letter")
        for suffix in ("", "-large-print", "-bilingual") for handout in (HANDOUT, FAMILY)}
    pages = {(w.language, w.handout, w.paper, w.fmt): w.pages for w in report.written}
    assert max(p for (*_, f), p in pages.items() if f == "bilingual") <= 4
    assert all(p <= 2 for (*_, f), p in pages.items() if f == "standard")


@pytest.mark.parametrize("fixture", ["built", "formats"])
def test_footer_is_not_split_across_pages(request: pytest.FixtureRequest, fixture: str) -> None:
    """The source line opens the footer: it must be on the last page, with the rest."""
    out = request.getfixturevalue(fixture)[0]
    split = []
    for path in sorted(out.rglob("*.pdf")):
        pages = page_texts(path)
        if "Cainiu" not in pages[-1] or any("Cainiu" in page for page in pages[:-1]):
            split.append(str(path.relative_to(out)))
    assert split == []


@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_large_print_body_is_18pt_and_upright(formats: tuple[Path, BuildReport], code: str,
                                              paper: str) -> None:
    path = output_path(formats[0], code, HANDOUT, paper, "large-print")
    for number, page in enumerate(pages(path), start=1):
        # The page's top and bottom margins hold the page number, not body text.
        body = [c for c in page.chars if 45 < c.top < page.height - 45 and c.text.strip()]
        assert body
        small = {(c.text, round(c.size, 1)) for c in body if c.size < 17.95}
        assert small == set()
        headings = [c for c in body if c.size >= 21.95]
        assert headings or number > 1
    # No slanted text anywhere, page numbers included.
    assert not [f for f in fonts(path) if "Italic" in f or "Oblique" in f]


@pytest.mark.parametrize("code", [c for c in LANGS if c != SOURCE_LANGUAGE])
def test_bilingual_has_every_english_and_translated_message(
        formats: tuple[Path, BuildReport], code: str) -> None:
    path = output_path(formats[0], code, HANDOUT, "a4", "bilingual")
    body = squash(text(path))
    english = leaflet(Project(ROOT), SOURCE_LANGUAGE)
    translated = leaflet(Project(ROOT), code)
    # Page numbers are in the patient's language only; RTL pages extract mixed runs
    # in visual order, so English is compared word by word there.
    shown = [m for m in english.messages() if m.id not in HIDDEN | {PAGE_LABEL}]
    by_word = translated.language.direction == "rtl"
    assert [m.id for m in shown
            if not all(c in body for c in chunks(str(m.id), by_word))] == []
    strings = [str(translated.catalog[m.id].string) for m in shown]
    assert [s for s in strings if not shows(body, [s], translated.language)] == []
    assert lang(path) == code.replace("_", "-")
    # Each part: the patient's language first, English after it.
    title = translated.translations.gettext("How Stockholm syndrome is treated")
    if translated.language.direction == "ltr":
        assert body.index(squash(title)) < body.index(squash("How Stockholm syndrome"))


def test_qr_code_decodes_to_the_website(formats: tuple[Path, BuildReport],
                                        tmp_path: Path) -> None:
    for fmt in ("standard", "large-print"):
        pdf = output_path(formats[0], "ar", HANDOUT, "a4", fmt)
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf),
                        str(tmp_path / fmt)], check=True)
        result = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / f"{fmt}-1.png")],
                                capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "https://clinic.example.org"
    assert "https://clinic.example.org" in text(output_path(formats[0], "en", HANDOUT, "a4"))

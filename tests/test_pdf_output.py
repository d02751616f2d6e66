"""Every shipped language, both papers: the real PDFs, read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfread import fonts, lang, metadata, page_sizes_mm, pages, shows, squash, text
from texts import FAMILY, leaflet

from handouts.build import BuildReport
from handouts.catalog import (
    SOURCE_LANGUAGE,
    shipped_languages,
)
from handouts.project import Project

ROOT = Path(__file__).parent.parent
SHIPPED = shipped_languages(ROOT / "locales")
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
HANDOUT = "stockholm-syndrome-treatment"
# Shown only in other situations than the clinic build in `built`.
CONDITIONAL = {
    "Incomplete translation: some text is shown in English.",
    "Translation reviewed by %(name)s on %(date)s.",
    "Call your local emergency number, or go to the nearest emergency department.",
    # The print desk's box for one patient (tests/test_desk.py).
    "For you, from your clinic", "Patient's name", "Clinician", "Next appointment", "Note",
}
TITLE = {HANDOUT: "How Stockholm syndrome is treated",
         FAMILY: "Helping someone recover: for family and friends"}
SUBJECT = {HANDOUT: "Treatment and recovery at home after Stockholm syndrome: a patient leaflet.",
           FAMILY: "How to support a loved one who is recovering from Stockholm syndrome: a"
                   " leaflet for family and friends."}
METADATA_ONLY = set(SUBJECT.values())
BOTH = pytest.mark.parametrize("handout", [HANDOUT, FAMILY])
# Script → a font family that must be embedded (Han must use the Simplified forms).
EXPECTED_FONT = {"zh_CN": "NotoSansCJKSC", "ar": "NotoSansArabic"}


def pdf(out: Path, code: str, paper: str, handout: str = HANDOUT) -> Path:
    return out / code / f"{handout}-{paper}.pdf"


def test_everything_built(built: tuple[Path, BuildReport]) -> None:
    _out, report = built
    assert [str(f) for f in report.failures] == []
    assert len(report.written) == len(SHIPPED) * len(PAPERS) * 2


@BOTH
@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("code", SHIPPED)
def test_pages_lang_title(built: tuple[Path, BuildReport], project: Project, code: str,
                          paper: str, handout: str) -> None:
    path = pdf(built[0], code, paper, handout)
    sizes = page_sizes_mm(path)
    pages = {w.path: w.pages for w in built[1].written}
    assert len(sizes) == pages[path] <= 2  # as the build reported it, within the budget
    for width, height in sizes:
        assert width == pytest.approx(PAPERS[paper][0], abs=0.2)
        assert height == pytest.approx(PAPERS[paper][1], abs=0.2)
    assert lang(path) == code.replace("_", "-")
    translations = leaflet(project, code, handout).translations
    meta = metadata(path)
    assert meta["/Title"] == translations.gettext(TITLE[handout])
    assert meta["/Subject"] == translations.gettext(SUBJECT[handout])
    assert meta["/Author"] == "Riverside Family Clinic"
    assert "/CreationDate" in meta and "/ModDate" in meta


@BOTH
@pytest.mark.parametrize("code", SHIPPED)
def test_every_message_is_in_the_pdf(built: tuple[Path, BuildReport], project: Project,
                                      code: str, handout: str) -> None:
    loaded = leaflet(project, code, handout)
    body = squash(text(pdf(built[0], code, "a4", handout)))
    shown = [m for m in loaded.messages() if m.id not in CONDITIONAL | METADATA_ONLY
             and not (code == SOURCE_LANGUAGE and str(m.id).startswith("Translation "))]
    missing = [m.id for m in shown if not shows(body, [str(m.string)], loaded.language)]
    assert missing == []


@BOTH
@pytest.mark.parametrize("code", [c for c in SHIPPED if c != SOURCE_LANGUAGE])
def test_no_english_paragraph_in_translation(built: tuple[Path, BuildReport],
                                             project: Project, code: str, handout: str) -> None:
    body = squash(text(pdf(built[0], code, "a4", handout)))
    english = leaflet(project, SOURCE_LANGUAGE, handout)
    leaked = [m.id for m in english.messages()
              if isinstance(m.id, str) and len(m.id) > 30 and "%(" not in m.id
              and squash(m.id) in body]
    assert leaked == []


@pytest.mark.parametrize("code", sorted(EXPECTED_FONT))
def test_script_fonts(built: tuple[Path, BuildReport], code: str) -> None:
    embedded = {name.replace("-", "") for name in fonts(pdf(built[0], code, "a4"))}
    assert any(name.startswith(EXPECTED_FONT[code]) for name in embedded), embedded


@BOTH
def test_unreviewed_translation_says_so(built: tuple[Path, BuildReport], project: Project,
                                        handout: str) -> None:
    for code in SHIPPED:
        loaded = leaflet(project, code, handout)
        note = loaded.translations.gettext("Translation not yet professionally reviewed.")
        body = squash(text(pdf(built[0], code, "a4", handout)))
        if code == SOURCE_LANGUAGE:
            assert squash(note) not in body
        else:
            assert loaded.language.review is not None
            assert not loaded.language.review.reviewed
            assert shows(body, [note], loaded.language), code


@BOTH
def test_clinic_numbers_in_help_box(built: tuple[Path, BuildReport], handout: str) -> None:
    body = text(pdf(built[0], "en", "a4", handout))
    assert "Emergency: 911" in body
    assert "Your clinic: +1\u00a0555\u00a00100" in body  # no-break spaces: see render._ltr
    assert "local emergency number" not in body


@BOTH
@pytest.mark.parametrize("code", SHIPPED)
def test_no_heading_stranded_at_a_page_bottom(built: tuple[Path, BuildReport],
                                              code: str, handout: str) -> None:
    """The last body line of a page that continues is never a heading."""
    for number, page in enumerate(pages(pdf(built[0], code, "a4", handout))[:-1], 1):
        body = [c for c in page.chars if c.top < page.height - 50 and c.text.strip()]
        bottom = max(c.bottom for c in body)
        last_line = [c for c in body if c.bottom > bottom - 3]
        # Larger than the page's body text (12 pt Latin; Arabic scripts set larger).
        sizes = [round(c.size, 1) for c in body]
        body_size = max(set(sizes), key=sizes.count)
        assert max(c.size for c in last_line) < 13 / 12 * body_size, (code, number)


@BOTH
@pytest.mark.parametrize("code", SHIPPED)
def test_body_text_is_at_least_12pt(built: tuple[Path, BuildReport], code: str,
                                    handout: str) -> None:
    for number, page in enumerate(pages(pdf(built[0], code, "letter", handout)), 1):
        # The margins hold the page number; the QR code's caption is the clinic's URL.
        body = [c for c in page.chars if 40 < c.top < page.height - 45 and c.text.strip()]
        assert body
        assert min(c.size for c in body) >= 11.95, (code, number)

"""The PDF's structure, checked independently of WeasyPrint (tests/pdfua.py walks the
objects with pypdf): the machine-checkable part of PDF/UA-1."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdfread import lang, qr_code
from pdfua import (
    figure_boxes,
    first_lang_texts,
    first_texts,
    languages,
    problems,
    text_objects,
)

from handouts.build import BuildReport, output_path

HANDOUT = "stockholm-syndrome-treatment"
ORPHAN = "belongs to no structure element"
MM_PER_PT = 25.4 / 72
TOP_MARGIN_PT, BOTTOM_MARGIN_PT = 13 / MM_PER_PT, 16 / MM_PER_PT  # templates/print.css @page


def leaflets(*reports: tuple[Path, BuildReport]) -> list[Path]:
    return sorted({w.path for _, report in reports for w in report.written
                   if w.paper == "a4" or w.fmt != "standard"})


def test_the_check_fails_an_untagged_pdf(tmp_path: Path) -> None:
    from weasyprint import HTML

    path = tmp_path / "untagged.pdf"
    HTML(string="<p>Hello</p>").write_pdf(path)  # no pdf/ua-1 variant: no tags
    assert problems(path) == [
        "the catalog has no /Lang", "the catalog's /MarkInfo does not say /Marked true",
        "/ViewerPreferences does not ask to show the title",
        "the XMP metadata does not identify PDF/UA-1 (pdfuaid:part)",
        "the XMP metadata has no dc:title", "no structure tree"]


def test_every_leaflet_passes_the_structure_check(
        built: tuple[Path, BuildReport], formats: tuple[Path, BuildReport],
        nastaliq: tuple[Path, BuildReport]) -> None:
    """Every shipped language on A4, five in every format on both papers, Nastaliq."""
    paths = leaflets(built, formats, nastaliq)
    assert len(paths) > 90
    found = {path.relative_to(path.parent.parent).as_posix(): problems(path)
             for path in paths}
    assert {name: found for name, found in found.items() if found} == {}


@pytest.mark.parametrize("fmt", ["standard", "large-print", "bilingual"])
def test_page_numbers_are_artifacts(formats: tuple[Path, BuildReport], fmt: str) -> None:
    """WeasyPrint 70 tags each page's number under an element the tree never reaches;
    handouts/tagging.py makes it a pagination artifact."""
    for code in ("es", "ar", "zh_CN"):
        path = output_path(formats[0], code, HANDOUT, "a4", fmt)
        assert [p for p in problems(path) if ORPHAN in p] == [], path.name
        for number, texts in enumerate(text_objects(path), start=1):
            bottom = [t for t in texts if t.top < BOTTOM_MARGIN_PT]
            assert bottom and all(t.tags == ["Artifact"] and t.mcid < 0
                                  for t in bottom), (path.name, number)
            body = [t for t in texts if t.top > BOTTOM_MARGIN_PT]
            assert body and all(t.mcid >= 0 for t in body), path.name


def test_a_drafts_banner_is_tagged_and_read_first(tmp_path: Path, project_copy: Any) -> None:
    from handouts.build import BuildOptions, build

    po = project_copy.locales_dir / "fr" / "LC_MESSAGES" / f"{HANDOUT}.po"
    source = po.read_text("utf-8")
    header_end = source.index("\n\n") + 2  # empty one msgstr: the leaflet is unfinished
    po.write_text(source[:header_end] + re.sub(r'msgstr "[^"]+"', 'msgstr ""',
                                               source[header_end:], count=1), "utf-8")
    report = build(project_copy, BuildOptions(out=tmp_path, languages=("fr",),
                                              handouts=(HANDOUT,), allow_incomplete=True))
    assert report.ok, report.failures
    path = output_path(tmp_path, "fr", HANDOUT, "a4", "standard")
    assert problems(path) == []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            banner = [c for c in page.chars if c["top"] < TOP_MARGIN_PT]
            assert "".join(c["text"] for c in banner).startswith("Traduction incomplète")
            assert all(c.get("mcid") is not None for c in banner)
    # Read first: the banner's elements open the document element.
    assert first_texts(path, 2) == ["Traduction incomplète\u202f: une partie du texte est"
                                    " en anglais."] * 2  # French spacing before the colon


@pytest.mark.parametrize("code", ["ar", "es", "zh_CN"])
def test_bilingual_parts_declare_their_language(formats: tuple[Path, BuildReport],
                                                code: str) -> None:
    """The English parts are articles with /Lang en; the rest takes the catalog's."""
    for paper in ("a4", "letter"):
        path = output_path(formats[0], code, HANDOUT, paper, "bilingual")
        assert languages(path) == {"en"}
        assert lang(path).split("-")[0] == code.split("_")[0]
        english = first_lang_texts(path, "en")
        # The five English parts (intro, help box, methods, recovery, footer), each
        # labelled; a part that runs onto the next page continues in a second element.
        assert sum(text.startswith("English") for text in english) == 5, english
        assert sum("Get help now" in text for text in english) == 1
    # A standard leaflet has no articles, so nothing but the catalog's language.
    assert languages(output_path(formats[0], code, HANDOUT, "a4", "standard")) == set()


def test_figure_boxes_are_in_pdf_units(formats: tuple[Path, BuildReport]) -> None:
    """The QR code's box holds its modules (drawn as lines one module thick) and their
    4-module quiet zone, in points from the bottom-left corner."""
    for fmt in ("standard", "large-print"):
        path = output_path(formats[0], "es", HANDOUT, "a4", fmt)
        boxes = figure_boxes(path)
        assert len(boxes) == 2  # the clinic's logo and its QR code, on page 1
        qr = qr_code(path)
        height = qr.page_height
        for index, (x0, y0, x1, y1) in boxes:
            assert index == 0 and 0 <= x0 < x1 <= qr.page_width and 0 <= y0 < y1 <= height
        left, right = qr.x0, qr.x1
        bottom, top = height - qr.bottom, height - qr.top
        zone = 4 * qr.module - 0.01
        holding = [box for _, box in boxes if box[0] <= left - zone and right + zone <= box[2]
                   and box[1] <= bottom - zone and top + zone <= box[3]]
        assert len(holding) == 1, (fmt, boxes, (left, bottom, right, top))


PAGED = ("<html lang='en'><title>t</title><style>@page { @bottom-right {"
         " content: 'Page ' counter(page) } }</style><p>Hello</p></html>")


@pytest.mark.parametrize("tamper", [False, True])
def test_the_tag_fixer_changes_only_what_it_recognises(tamper: bool) -> None:
    import pydyf
    from weasyprint import HTML

    from handouts.tagging import TagFixer

    fixer = TagFixer()

    def finish(document: Any, pdf: Any) -> None:
        if tamper:  # a ParentTree in a shape it does not know
            for item in pdf.objects:
                if isinstance(item, pydyf.Dictionary) and item.get("Type") == "/StructTreeRoot":
                    item["ParentTree"] = pydyf.Dictionary({"Kids": pydyf.Array()})
        fixer.finisher(document, pdf)

    HTML(string=PAGED).write_pdf(pdf_variant="pdf/ua-1", finisher=finish)
    if tamper:
        assert (fixer.artifacts, fixer.problems) == (
            0, ["the ParentTree does not list the page's marked content"])
    else:
        assert (fixer.artifacts, fixer.attached, fixer.figures, fixer.problems) == (1, 0, 0, [])


def test_a_tag_fixer_fallback_is_a_build_warning(tmp_path: Path, project: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Correct pages, unfinished tags: the build publishes and says so once, loudly."""
    from handouts.build import BuildOptions, build
    from handouts.tagging import TagFixer

    def unknown(self: TagFixer, document: Any, pdf: Any) -> None:
        self.problems.append("a margin box's marked content is not where it was expected")

    monkeypatch.setattr(TagFixer, "finisher", unknown)  # the forked workers inherit it
    report = build(project, BuildOptions(out=tmp_path, languages=("es", "fr"),
                                         handouts=(HANDOUT,), jobs=2))
    assert report.ok and len(report.written) == 2
    assert report.warnings == [
        "the PDF tags were left as WeasyPrint wrote them (a margin box's marked content is"
        " not where it was expected): screen readers may read page numbers amid the text;"
        " the printed leaflets are correct. Report it with your WeasyPrint version"]
    assert [p for p in problems(report.written[0].path) if ORPHAN in p] != []

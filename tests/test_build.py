"""Building: determinism, translators' edits, missing glyphs, the gate, clinic files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pdfread import squash, text
from texts import HANDOUT, leaflet, po_of

from handouts.build import BuildOptions, build
from handouts.catalog import load_catalog
from handouts.project import Project
from handouts.sync import write_catalog

DATA = Path(__file__).parent / "data"
TITLE = "How Stockholm syndrome is treated"


def one(**options: Any) -> BuildOptions:
    """Options for a build of the first handout only."""
    return BuildOptions(handouts=(HANDOUT,), **options)


def edit(project: Project, code: str, msgid: str, new: str) -> Path:
    """Change one translation the way a translator's editor would: rewrite the .po."""
    path = po_of(project, code, msgid)
    loaded = load_catalog(path)
    loaded.catalog[msgid].string = new
    write_catalog(path, loaded.catalog)
    return path


def test_same_inputs_same_bytes(tmp_path: Path, project: Project) -> None:
    for run in ("one", "two"):
        report = build(project, one(out=tmp_path / run, languages=("en", "ar")))
        assert report.ok, report.failures
    for code in ("en", "ar"):
        name = Path(code) / "stockholm-syndrome-treatment-a4.pdf"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_translator_edit_reaches_pdf_without_extra_step(tmp_path: Path,
                                                        project_copy: Project) -> None:
    edit(project_copy, "es", TITLE, "Título cambiado por la traductora")
    report = build(project_copy, one(out=tmp_path / "out", languages=("es",)))
    assert report.ok, report.failures
    assert not list(project_copy.locales_dir.rglob("*.mo"))
    body = text(report.written[0].path)
    assert "Título cambiado por la traductora" in body


def test_character_without_font_fails_that_language_only(tmp_path: Path,
                                                         project_copy: Project) -> None:
    path = edit(project_copy, "es", "Get help now", "Pida ayuda \ue000 ahora")
    line = load_catalog(path).lines[("Get help now", None)]
    report = build(project_copy, one(out=tmp_path / "out", languages=("es", "en")))
    assert [w.language for w in report.written] == ["en"]
    # check (and so the gate) finds it before any layout.
    assert [str(f) for f in report.failures] == [
        f"{path}: [es] not published: 1 error(s) in the translation of {HANDOUT}; first, line"
        f" {line}: \"Get help now\": no installed font has U+E000 ('\\ue000'); remove the"
        " character or install a font that has it. Run: python generate.py check --lang es"
        f" --handout {HANDOUT}"]
    assert not (tmp_path / "out" / "es").exists()


def _reordered(record: logging.LogRecord) -> bool:
    record.msg = "Missing glyph for %s in %s"
    return True


def _stripped(record: logging.LogRecord) -> bool:
    record.args, record.msg = (), "tofu"
    return True


@pytest.mark.parametrize("reworded", [_reordered, _stripped])
def test_missing_glyphs_do_not_depend_on_weasyprint_log_wording(
        tmp_path: Path, project_copy: Project, reworded: Callable[[logging.LogRecord], bool],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A WeasyPrint release that rewords or re-orders its log message changes nothing:
    the render-time check, behind check's, still names the character."""
    monkeypatch.setattr("handouts.check.missing_glyph", lambda text: None)
    path = edit(project_copy, "es", "Get help now", "Pida ayuda \ue000 ahora")
    logger = logging.getLogger("weasyprint")
    logger.addFilter(reworded)
    try:
        report = build(project_copy, one(out=tmp_path / "out", languages=("es",)))
    finally:
        logger.removeFilter(reworded)
    assert [f.message for f in report.failures] == [
        "no installed font has U+E000 ('\\ue000') in the translation of \"Get help now\";"
        " remove the character or install a font that has it"]
    assert report.failures[0].path == path


def test_gate_refuses_untranslated_and_allow_incomplete_shows_banner(
        tmp_path: Path, project_copy: Project) -> None:
    path = edit(project_copy, "es", TITLE, "")
    report = build(project_copy, one(out=tmp_path / "out", languages=("es",)))
    assert report.written == [] and report.failures == []
    assert [(d.language, d.handout, d.counts.untranslated, str(d.error)) for d in report.held] == [
        ("es", HANDOUT, 1, f'{path}: [es] held back: {HANDOUT} has 1 untranslated and 0 fuzzy'
         f' message(s), e.g. "{TITLE}". See them with: python generate.py check --lang es'
         f" --handout {HANDOUT}")]

    report = build(project_copy, one(out=tmp_path / "out", languages=("es",),
                                              allow_incomplete=True))
    assert report.ok, report.failures
    body = text(report.written[0].path)
    banner = leaflet(project_copy, "es").translations.gettext(
        "Incomplete translation: some text is shown in English.")
    assert squash(banner) in squash(body)
    assert TITLE in body  # English fills the gap, visibly flagged


def test_a_build_elsewhere_decides_again_only_what_changed(
        tmp_path: Path, project_copy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gallery's decisions are remembered by the digest of their inputs, for later
    builds into other folders from this process: an edited catalog is decided again."""
    from handouts import build as build_module
    from handouts.gallery import INDEX

    monkeypatch.setattr(build_module, "_RECORDS", {})
    assert build(project_copy, one(out=tmp_path / "one", languages=("en",))).ok
    before = (tmp_path / "one" / INDEX).read_text("utf-8")
    edit(project_copy, "es", TITLE, "")
    decided: list[tuple[str, str]] = []
    stock = build_module._decide

    def counted(project: Project, options: BuildOptions, code: str, handout: str) -> Any:
        decided.append((code, handout))
        return stock(project, options, code, handout)

    monkeypatch.setattr(build_module, "_decide", counted)
    assert build(project_copy, one(out=tmp_path / "two", languages=("en",))).ok
    assert decided == [("en", HANDOUT), ("es", HANDOUT)]  # the build's own, the edited one
    after = (tmp_path / "two" / INDEX).read_text("utf-8")
    published = '<p class="s published">'
    assert after.count(published) == before.count(published) - 1


def test_generic_leaflet_names_no_country_number(tmp_path: Path, project: Project) -> None:
    report = build(project, one(out=tmp_path, languages=("en",)))
    body = text(report.written[0].path)
    assert "Call your local emergency number" in body
    assert "911" not in body and "112" not in body and "999" not in body


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_html_version_written_beside_pdf(tmp_path: Path, project: Project, paper: str) -> None:
    report = build(project, one(out=tmp_path, languages=("ar",), papers=(paper,)))
    html = report.written[0].path.with_suffix(".html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl" class="standard">' in html
    assert "font-family" in html  # the stylesheet is inlined, so the preview stands alone


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [squash(p.extract_text()) for p in PdfReader(path).pages]


def test_gate_refuses_check_errors_and_draft_falls_back_to_english(
        tmp_path: Path, project_copy: Project) -> None:
    path = edit(project_copy, "es", "Get help now", "Busque ayuda 100 % ya")
    line = load_catalog(path).lines[("Get help now", None)]
    report = build(project_copy, one(out=tmp_path / "out", languages=("es",)))
    assert report.written == []
    assert [str(f) for f in report.failures] == [
        f"{path}: [es] not published: 2 error(s) in the translation of {HANDOUT}; first, line"
        f' {line}: "Get help now": a stray "%" would crash the build; write "%%" for a literal'
        f" percent sign. Run: python generate.py check --lang es --handout {HANDOUT}"]

    report = build(project_copy, one(out=tmp_path / "out", languages=("es",),
                                              allow_incomplete=True))
    assert report.ok, report.failures
    pages = page_texts(report.written[0].path)
    banner = squash("Traducción incompleta: parte del texto aparece en inglés.")
    assert len(pages) == 2 and all(banner in page for page in pages)
    assert squash("Get help now") in pages[0]
    assert "100%ya" not in "".join(pages)

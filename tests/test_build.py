"""Building: determinism, translators' edits, missing glyphs, the gate, clinic files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfread import squash, text

from handouts.build import BuildOptions, build
from handouts.catalog import catalog_path, load_catalog
from handouts.project import Project
from handouts.sync import write_catalog

DATA = Path(__file__).parent / "data"
TITLE = "How Stockholm syndrome is treated"


def edit(project: Project, code: str, msgid: str, new: str) -> Path:
    """Change one translation the way a translator's editor would: rewrite the .po."""
    path = catalog_path(project.locales_dir, code)
    loaded = load_catalog(path)
    loaded.catalog[msgid].string = new
    write_catalog(path, loaded.catalog)
    return path


def test_same_inputs_same_bytes(tmp_path: Path, project: Project) -> None:
    for run in ("one", "two"):
        report = build(project, BuildOptions(out=tmp_path / run, languages=("en", "ar")))
        assert report.ok, report.failures
    for code in ("en", "ar"):
        name = Path(code) / "stockholm-syndrome-treatment-a4.pdf"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_translator_edit_reaches_pdf_without_extra_step(tmp_path: Path,
                                                        project_copy: Project) -> None:
    edit(project_copy, "es", TITLE, "Título cambiado por la traductora")
    report = build(project_copy, BuildOptions(out=tmp_path / "out", languages=("es",)))
    assert report.ok, report.failures
    assert not list(project_copy.locales_dir.rglob("*.mo"))
    body = text(report.written[0].path)
    assert "Título cambiado por la traductora" in body


def test_character_without_font_fails_that_language_only(tmp_path: Path,
                                                         project_copy: Project) -> None:
    path = edit(project_copy, "es", "Get help now", "Pida ayuda \ue000 ahora")
    line = load_catalog(path).lines[("Get help now", None)]
    report = build(project_copy, BuildOptions(out=tmp_path / "out", languages=("es", "en")))
    assert [w.language for w in report.written] == ["en"]
    assert [str(f) for f in report.failures] == [
        f"{path}:{line}: [es] no installed font has U+E000 ('\\ue000') in the translation of"
        ' "Get help now"; remove the character or install a font that has it']
    assert not (tmp_path / "out" / "es").exists()


def test_gate_refuses_untranslated_and_allow_incomplete_shows_banner(
        tmp_path: Path, project_copy: Project) -> None:
    path = edit(project_copy, "es", TITLE, "")
    report = build(project_copy, BuildOptions(out=tmp_path / "out", languages=("es",)))
    assert report.written == []
    assert [str(f) for f in report.failures] == [
        f'{path}: [es] not published: 1 untranslated and 0 fuzzy message(s), e.g. "{TITLE}".'
        " Translate them, or build a draft with --allow-incomplete"]

    report = build(project_copy, BuildOptions(out=tmp_path / "out", languages=("es",),
                                              allow_incomplete=True))
    assert report.ok, report.failures
    body = text(report.written[0].path)
    banner = load_catalog(path).translations.gettext(
        "Incomplete translation: some text is shown in English.")
    assert squash(banner) in squash(body)
    assert TITLE in body  # English fills the gap, visibly flagged


def test_generic_leaflet_names_no_country_number(tmp_path: Path, project: Project) -> None:
    report = build(project, BuildOptions(out=tmp_path, languages=("en",)))
    body = text(report.written[0].path)
    assert "Call your local emergency number" in body
    assert "911" not in body and "112" not in body and "999" not in body


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_html_preview_written_beside_pdf(tmp_path: Path, project: Project, paper: str) -> None:
    report = build(project, BuildOptions(out=tmp_path, languages=("ar",), papers=(paper,),
                                         html=True))
    html = report.written[0].path.with_suffix(".html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    assert "font-family" in html  # the stylesheet is inlined, so the preview stands alone

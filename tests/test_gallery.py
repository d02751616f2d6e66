"""The staff gallery, opened in a real headless Chromium from file://."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from handouts import gallery as gallery_module
from handouts.catalog import shipped_languages
from handouts.errors import TemplateError
from handouts.gallery import CACHE, GROUPS, INDEX, SCRIPT, THUMBNAILS, write_gallery
from handouts.gate import HELD, Counts, Decision
from handouts.project import Project

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LANGS = ("en", "ar", "zh_CN", "es")


# The gallery fixture (conftest.py) builds these LANGS.
def test_gallery_lists_every_leaflet(gallery: Path) -> None:
    html = (gallery / INDEX).read_text("utf-8")
    pdfs = sorted(gallery.glob("*/*.pdf"))
    assert len(pdfs) == len(LANGS) * 2 * 3
    for pdf in pdfs:
        assert f'href="{pdf.parent.name}/{pdf.name}"' in html
    assert "<h1>Folletos para pacientes</h1>" in html  # the page's own catalog, in Spanish
    assert "العربية" in html and "中文" in html


@pytest.mark.skipif(CHROMIUM is None, reason="scripts/setup.sh installs Debian's chromium")
def test_gallery_in_headless_chromium(gallery: Path, tmp_path: Path, browser: Any) -> None:
    # The session's browser (conftest.py): a second Playwright in one process fails.
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto((gallery / INDEX).as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("""async () => {
            const images = Array.from(document.images);
            images.forEach((i) => { i.loading = "eager"; });
            await Promise.all(images.map((i) => i.decode().catch(() => null)));
            return images.map((i) => [i.src, i.complete, i.naturalWidth]);
        }""")
        assert len(images) == len(LANGS) * 2 * 3
        assert [src for src, complete, width in images if not (complete and width > 0)] == []
        links = page.evaluate("Array.from(document.links).map(a => a.href)")
        targets = [Path(unquote(urlsplit(link).path)) for link in links]
        # One link per PDF and one per HTML version.
        assert sorted(targets) == sorted([*gallery.glob("*/*.pdf"), *gallery.glob("*/*.html")])

        page.fill("#q", "ar")
        page.select_option("#format", "large-print")
        visible = page.evaluate("Array.from(document.querySelectorAll('a[href]'))"
                                ".filter(a => a.offsetParent !== null).map(a => a.href)")
        assert sorted(Path(unquote(urlsplit(v).path)).relative_to(gallery).as_posix()
                      for v in visible) == [
            "ar/stockholm-syndrome-treatment-a4-large-print.html",
            "ar/stockholm-syndrome-treatment-a4-large-print.pdf",
            "ar/stockholm-syndrome-treatment-letter-large-print.html",
            "ar/stockholm-syndrome-treatment-letter-large-print.pdf"]
        page.screenshot(path=str(tmp_path / "gallery.png"), full_page=True)
    finally:
        page.close()
    assert (tmp_path / "gallery.png").stat().st_size > 10_000


def test_gallery_shows_each_handouts_status_per_language(gallery: Path) -> None:
    html = (gallery / INDEX).read_text("utf-8")
    # Every handout has a group, titled in English, whether or not it was built here.
    assert html.count('<section class="h">') == 2
    assert "<h2>How Stockholm syndrome is treated</h2>" in html
    assert "<h2>Helping someone recover: for family and friends</h2>" in html
    languages = shipped_languages(ROOT / "locales")
    assert html.count('<li class="lang"') == 2 * len(languages)
    assert html.count('<p class="s published">') == 2 * len(languages)
    # The gallery's own catalog, in Spanish; languages by English and native name.
    assert ("<b>Publicado</b> <span class=\"nw\">100 % traducido</span>"
            " · Aún sin revisión profesional") in html
    assert '<h3>Arabic <span class="n" lang="ar" dir="rtl">العربية</span></h3>' in html
    # The native title, from the PDF's metadata.
    assert '<p class="t" lang="ar" dir="rtl">كيف تُعالَج متلازمة ستوكهولم</p>' in html


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_thumbnails_are_cached_by_digest(gallery: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    names = ("en/stockholm-syndrome-treatment-a4.pdf", "es/stockholm-syndrome-treatment-a4.pdf",
             "ar/stockholm-syndrome-treatment-a4.pdf", "ar/stockholm-syndrome-treatment-letter.pdf")
    for name in names:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(gallery / name, out / name)
    (out / "en" / "stockholm-syndrome-treatment-letter.pdf").write_bytes(b"%PDF-1.7 torn")
    old = out / THUMBNAILS / "es" / "stockholm-syndrome-treatment-a4.png"  # former layout
    old.parent.mkdir(parents=True)
    old.write_bytes(b"")
    project = Project(ROOT)

    first = write_gallery(project, out)
    assert first.rasterised == 5  # the torn PDF was tried, and is not listed
    html = (out / INDEX).read_text("utf-8")
    assert html.count("<a href=") == 4 and "stockholm-syndrome-treatment-letter.pdf" in html
    assert 'href="en/stockholm-syndrome-treatment-letter.pdf"' not in html
    assert not old.parent.exists()
    thumbs = out / THUMBNAILS
    before = _stats(thumbs)
    assert len(before) == 6  # four thumbnails, the cache and the rendered groups

    # Unchanged PDFs are neither rasterised nor re-read; the cache is not rewritten.
    (out / "en" / "stockholm-syndrome-treatment-letter.pdf").unlink()
    assert write_gallery(project, out).rasterised == 0
    assert _stats(thumbs) == before
    assert (out / INDEX).read_text("utf-8") == html

    # A changed PDF is rasterised again, and its former thumbnail goes.
    shutil.copy(gallery / "es/stockholm-syndrome-treatment-a4-large-print.pdf",
                out / "es/stockholm-syndrome-treatment-a4.pdf")
    assert write_gallery(project, out).rasterised == 1
    after = _stats(thumbs)
    assert len(after) == 6 and len(set(after) - set(before)) == 1
    assert {k: v for k, v in after.items() if k in before and k not in (CACHE, GROUPS)} == {
        k: v for k, v in before.items() if k in after and k not in (CACHE, GROUPS)}

    # A withdrawn leaflet's thumbnail goes; a corrupt cache means rendering again.
    (out / "ar/stockholm-syndrome-treatment-letter.pdf").unlink()
    (thumbs / CACHE).write_text("{not json", "utf-8")
    assert write_gallery(project, out).rasterised == 3
    assert len(list(thumbs.glob("*.png"))) == 3
    assert json.loads((thumbs / CACHE).read_text("utf-8"))["version"] == 1


def test_given_decisions_decide_what_is_listed(gallery: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(gallery / "es", out / "es")
    project = Project(ROOT)
    held = Decision("es", "stockholm-syndrome-treatment", HELD, Counts(21, 20, 0, 1))
    write_gallery(project, out, decisions={("es", "stockholm-syndrome-treatment"): held})
    html = (out / INDEX).read_text("utf-8")
    assert "<a href=" not in html
    assert ('<p class="s held"><b>Not printed yet: translation unfinished</b>'
            ' <span class="nw">95% translated</span></p>') in html
    assert list((out / THUMBNAILS).glob("*.png")) == []
    # Every other card publishes, but has no PDF in this folder.
    cards = 2 * len(shipped_languages(ROOT / "locales"))
    assert html.count("Not built in this folder yet.") == cards - 1


def test_only_the_groups_that_changed_are_rendered_again(gallery: Path, tmp_path: Path) -> None:
    """The page is written on every build, but an unchanged handout's group is reused:
    the page comes out the same as when every group is rendered."""
    out = tmp_path / "out"
    shutil.copytree(gallery, out)
    project = Project(ROOT)
    assert write_gallery(project, out).groups_rendered == 2
    assert write_gallery(project, out).groups_rendered == 0
    whole = (out / INDEX).read_text("utf-8")
    cached = json.loads((out / THUMBNAILS / GROUPS).read_text("utf-8"))
    assert len(cached) == 2  # one group per handout

    # One leaflet withdrawn: its handout's group alone is rendered again.
    (out / "es" / "stockholm-syndrome-treatment-letter.pdf").unlink()
    assert write_gallery(project, out).groups_rendered == 1
    after = json.loads((out / THUMBNAILS / GROUPS).read_text("utf-8"))
    assert len(after) == 2 and len(set(after) & set(cached)) == 1
    reused = (out / INDEX).read_text("utf-8")
    assert reused != whole and 'href="es/stockholm-syndrome-treatment-letter.pdf"' not in reused

    # The same page from scratch, every group rendered anew.
    (out / THUMBNAILS / GROUPS).unlink()
    assert write_gallery(project, out).groups_rendered == 2
    assert (out / INDEX).read_text("utf-8") == reused

    # Another page language renders every group again, in that language.
    assert write_gallery(project, out, "es").groups_rendered == 2
    assert set(json.loads((out / THUMBNAILS / GROUPS).read_text("utf-8"))).isdisjoint(after)
    assert "Folletos" in (out / INDEX).read_text("utf-8")


def test_search_script_is_written_beside_the_page_and_its_absence_is_named(
        tmp_path: Path, project_copy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page runs its search from gallery.js (no inline script, for a strict CSP)."""
    out = tmp_path / "out"
    write_gallery(project_copy, out)
    source = project_copy.templates_dir / "gallery" / SCRIPT
    assert (out / SCRIPT).read_bytes() == source.read_bytes()
    assert f'<script src="{SCRIPT}"></script>' in (out / INDEX).read_text("utf-8")
    assert "<script>" not in (out / INDEX).read_text("utf-8")
    # A project made before the script was a file of its own: this installation's copy.
    source.unlink()
    (out / SCRIPT).unlink()
    write_gallery(project_copy, out)
    assert (out / SCRIPT).read_bytes() == (ROOT / "templates" / "gallery" / SCRIPT).read_bytes()
    monkeypatch.setattr(gallery_module, "shared_templates", lambda: tmp_path / "nowhere")
    with pytest.raises(TemplateError) as raised:
        write_gallery(project_copy, out)
    assert str(raised.value) == (f"{source}: missing: the gallery's search and filters; copy"
                                 " it from a new project (handouts new-project DIR)")

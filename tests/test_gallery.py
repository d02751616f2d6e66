"""The staff gallery, opened in a real headless Chromium from file://."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from handouts.catalog import shipped_languages
from handouts.gallery import INDEX

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
def test_gallery_in_headless_chromium(gallery: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((gallery / INDEX).as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("Array.from(document.images).map(i => [i.src, i.complete,"
                               " i.naturalWidth])")
        assert len(images) == len(LANGS) * 2 * 3
        assert [src for src, complete, width in images if not (complete and width > 0)] == []
        links = page.evaluate("Array.from(document.links).map(a => a.href)")
        targets = {Path(unquote(urlsplit(link).path)) for link in links}
        assert targets == set(gallery.glob("*/*.pdf"))

        page.select_option("#language", "ar")
        page.select_option("#format", "large-print")
        visible = page.evaluate("Array.from(document.querySelectorAll('.card'))"
                                ".filter(c => !c.hidden).map(c => c.querySelector('a').href)")
        assert sorted(Path(unquote(urlsplit(v).path)).name for v in visible) == [
            "stockholm-syndrome-treatment-a4-large-print.pdf",
            "stockholm-syndrome-treatment-letter-large-print.pdf"]
        page.screenshot(path=str(tmp_path / "gallery.png"), full_page=True)
        browser.close()
    assert (tmp_path / "gallery.png").stat().st_size > 10_000


def test_gallery_shows_each_handouts_status_per_language(gallery: Path) -> None:
    html = (gallery / INDEX).read_text("utf-8")
    # Every handout has a table, titled in English, whether or not it was built here.
    assert html.count('<table class="status-table">') == 2
    assert "<caption>How Stockholm syndrome is treated</caption>" in html
    assert "<caption>Helping someone recover: for family and friends</caption>" in html
    rows = html.count('data-status="published"')
    assert rows == 2 * len(shipped_languages(ROOT / "locales"))
    assert "Publicado · 100 % traducido" in html  # the gallery's own catalog, in Spanish

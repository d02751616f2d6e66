"""The gallery of a 200-handout library, used in headless Chromium from file://.

A few leaflets are rendered for real; the other handouts' output paths are hard
links to them (the gallery lists whatever PDF exists that the content
publishes), so the page is full size without rendering a thousand PDFs.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from browser import CHROMIUM, axe_violations

from handouts.build import BuildOptions, build
from handouts.catalog import shipped_languages
from handouts.domains import handout_names
from handouts.gallery import INDEX, write_gallery
from handouts.gate import Decision, decide
from handouts.project import Project

ROOT = Path(__file__).parent.parent
COUNT = 200
LANGS = ("en", "ar", "es", "zh_CN", "zh_TW")  # rendered on A4, standard format
VARIANTS = ("ar", "es")  # also on Letter and in large print

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="scripts/setup.sh installs Debian's chromium"),
              # One xdist worker: the page fixture writes the gallery into the library.
              pytest.mark.xdist_group("gallery-browser")]


def _scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale_project",
                                                  ROOT / "bench" / "scale_project.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scale = _scale()
SOURCE: str = scale.SOURCE
SEVENTEEN: str = scale.copy_name(17)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    root = tmp_path_factory.mktemp("library")
    project = Project(scale.make_project(root / "project", COUNT))
    out = root / "out"
    for handouts, languages, papers, formats in (
            ((SOURCE,), LANGS, ("a4",), ("standard",)),
            ((SOURCE,), VARIANTS, ("a4", "letter"), ("standard", "large-print")),
            ((SEVENTEEN,), VARIANTS, ("a4",), ("standard",))):
        report = build(project, BuildOptions(
            out=out, handouts=handouts, languages=languages, papers=papers, formats=formats,
            jobs=2, gallery=False))
        assert report.ok, report.failures
    assert len(handout_names(project.templates_dir)) == COUNT
    originals = [pdf for pdf in out.glob(f"*/{SOURCE}-*.pdf") if SEVENTEEN not in pdf.name]
    for number in range(1, COUNT - 1):  # the copies; helping-someone-recover has no PDF
        if number == 17:
            continue
        for pdf in originals:
            # Every copy on A4; one in ten in every variant.
            if pdf.stem.endswith("-a4") or number % 10 == 0:
                for path in (pdf, pdf.with_suffix(".html")):  # each PDF has its HTML version
                    os.link(path, path.with_name(path.name.replace(SOURCE,
                                                                   scale.copy_name(number))))
    return project, out


def _decisions(project: Project) -> dict[tuple[str, str], Decision]:
    """The gate's decisions: the copies differ from the original only in their title."""
    copies = [h for h in handout_names(project.templates_dir) if h.startswith(f"{SOURCE}-")]
    decisions = {}
    for code in shipped_languages(project.locales_dir):
        for handout in ("helping-someone-recover", SOURCE):
            decisions[code, handout] = decide(project.locales_dir, project.templates_dir,
                                              code, handout)
        assert decisions[code, SOURCE].publishes
        decisions.update({(code, h): replace(decisions[code, SOURCE], handout=h)
                          for h in copies})
    return decisions


@pytest.fixture(scope="module")
def page(library: tuple[Project, Path], browser: Any) -> Iterator[Any]:
    project, out = library
    written = write_gallery(project, out, decisions=_decisions(project))
    # The hard links share their digest: one rasterisation per real PDF.
    assert written.rasterised == len({pdf.stat().st_ino for pdf in out.glob("*/*.pdf")}) == 13
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto((out / INDEX).as_uri())
    page.wait_for_load_state("load")
    yield page
    assert errors == []
    page.close()


def _search(page: Any, query: str = "", paper: str = "", fmt: str = "") -> dict[str, Any]:
    """Set the search box and filters; what is visible then."""
    page.fill("#q", query)
    page.select_option("#paper", paper)
    page.select_option("#format", fmt)
    shown: dict[str, Any] = page.evaluate("""() => {
        const shown = (el) => el.offsetParent !== null;
        return {
          handouts: Array.from(document.querySelectorAll("section.h")).filter(shown)
            .map((s) => s.querySelector("h2").textContent),
          languages: Array.from(document.querySelectorAll("li.lang")).filter(shown)
            .map((li) => li.dataset.language),
          links: Array.from(document.querySelectorAll("a[href]:not(.web)")).filter(shown)
            .map((a) => decodeURIComponent(new URL(a.href).pathname)),
          pages: Array.from(document.querySelectorAll("a.web")).filter(shown)
            .map((a) => decodeURIComponent(new URL(a.href).pathname)),
          status: document.getElementById("shown").textContent,
        };
    }""")
    # Each PDF shown has its accessible HTML version beside it, shown with it.
    assert sorted(shown["pages"]) == sorted(str(Path(p).with_suffix(".html"))
                                            for p in shown["links"])
    return shown


def _pdfs(out: Path, pattern: str) -> list[str]:
    return sorted(str(p) for p in out.glob(pattern))


def test_every_link_opens_a_listed_pdf_and_every_thumbnail_loads(
        page: Any, library: tuple[Project, Path]) -> None:
    _, out = library
    _search(page)
    links = page.evaluate("Array.from(document.links, (a) => a.href)")
    targets = [Path(unquote(urlsplit(link).path)) for link in links]
    # Each PDF and its HTML version once, each exists.
    assert sorted(targets) == sorted([*out.glob("*/*.pdf"), *out.glob("*/*.html")])
    # The original: 5 + 2 * 3; copy 17: 2; the other 197 copies: 5 each, and 6 more in 19.
    assert len(targets) == 2 * (11 + 2 + 197 * 5 + 19 * 6)
    assert page.evaluate("document.querySelectorAll('main').length") == 1
    assert page.evaluate("""Array.from(document.images).every((i) =>
        i.getAttribute("loading") === "lazy" && i.width > 0 && i.height > 0)""")
    # Lazy thumbnails load as they scroll into view; here all are asked for at once.
    failed = page.evaluate("""async () => {
        const images = Array.from(document.images);
        images.forEach((i) => { i.loading = "eager"; });
        await Promise.all(images.map((i) => i.decode().catch(() => null)));
        return images.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src);
    }""")
    assert failed == []


def test_each_link_is_named_by_handout_language_paper_and_format(page: Any) -> None:
    _search(page)
    name = "How Stockholm syndrome is treated (17), Arabic, A4, Standard"
    assert page.get_by_role("link", name=f"{name}, PDF", exact=True).count() == 1
    assert page.get_by_role("link", name=f"{name}, HTML", exact=True).count() == 1
    names = page.evaluate("Array.from(document.links, (a) => a.getAttribute('aria-label'))")
    assert len(set(names)) == len(names)
    assert "How Stockholm syndrome is treated (30), Spanish, Letter, Large print, PDF" in names


def test_search_by_english_and_native_title(page: Any) -> None:
    found = _search(page, "How Stockholm syndrome is treated (17)")
    assert found["handouts"] == ["How Stockholm syndrome is treated (17)"]
    assert len(found["languages"]) == len(shipped_languages(ROOT / "locales"))
    # The native title comes from the PDF's metadata; Spanish, typed without accents.
    found = _search(page, "como se trata el sindrome de estocolmo (17)")
    assert found["handouts"] == ["How Stockholm syndrome is treated (17)"]
    found = _search(page, "كيف تُعالَج متلازمة ستوكهولم (17)")
    assert found["handouts"] == ["How Stockholm syndrome is treated (17)"]
    assert _search(page, "no such handout")["handouts"] == []
    assert page.is_visible("#none")


@pytest.mark.parametrize(("query", "code"), [
    ("Arabic", "ar"), ("العربية", "ar"), ("ar", "ar"), ("AR", "ar"),
    ("zh-Hans", "zh_CN"), ("zh_CN", "zh_CN"), ("zh-Hant", "zh_TW"), ("中文 (繁體", "zh_TW"),
    ("Spanish", "es"), ("espanol", "es")])
def test_search_by_language_name_or_code(page: Any, library: tuple[Project, Path],
                                         query: str, code: str) -> None:
    _, out = library
    found = _search(page, query)
    assert set(found["languages"]) == {code}
    assert len(found["languages"]) == COUNT  # that language's card in every handout
    assert sorted(found["links"]) == _pdfs(out, f"{code}/*.pdf")
    assert found["status"] == f"Leaflets shown: {len(found['links'])}"


def test_paper_and_format_filters(page: Any, library: tuple[Project, Path]) -> None:
    _, out = library
    found = _search(page, paper="letter")
    assert sorted(found["links"]) == _pdfs(out, "*/*-letter*.pdf")
    assert set(found["languages"]) == set(VARIANTS)  # cards without a Letter PDF are hidden
    assert len(found["handouts"]) == 1 + 19  # the original and copies 10, 20, ... 190
    found = _search(page, fmt="large-print")
    assert sorted(found["links"]) == _pdfs(out, "*/*-large-print.pdf")
    found = _search(page, fmt="standard")
    assert sorted(found["links"]) == sorted(
        str(p) for p in out.glob("*/*.pdf") if not p.stem.endswith("large-print"))
    found = _search(page, "arabic (30)", paper="letter", fmt="large-print")
    assert found["links"] == [str(out / "ar" / f"{scale.copy_name(30)}-letter-large-print.pdf")]
    found = _search(page, "zh-Hans", paper="letter")
    assert found["links"] == [] and page.is_visible("#none")


@pytest.fixture(scope="module")
def spanish(library: tuple[Project, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small gallery in Spanish: copy 17 in Arabic and Spanish, the original in Arabic."""
    project, out = library
    folder = tmp_path_factory.mktemp("spanish")
    for pdf in (*out.glob(f"*/{SEVENTEEN}-*.*"), *out.glob(f"ar/{SOURCE}-[al]*.*")):
        (folder / pdf.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(pdf, folder / pdf.parent.name / pdf.name)
    write_gallery(project, folder, "es", decisions=_decisions(project))
    return folder


def test_page_in_spanish(spanish: Path, browser: Any) -> None:
    page = browser.new_page()
    page.goto((spanish / INDEX).as_uri())
    assert page.get_by_label("Buscar un documento o un idioma").is_visible()
    found = _search(page, "árabe")  # the language's name in the page's language
    assert set(found["languages"]) == {"ar"}
    assert sorted(found["links"]) == _pdfs(spanish, "ar/*.pdf")
    assert found["status"] == "Folletos mostrados: 5"
    name = "How Stockholm syndrome is treated, en árabe, Carta (EE. UU.), Letra grande"
    assert page.get_by_role("link", name=f"{name}, PDF", exact=True).count() == 1
    assert page.get_by_role("link", name=f"{name}, HTML", exact=True).count() == 1
    page.close()


@pytest.fixture(scope="module")
def small(library: tuple[Project, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's two handouts, the original's PDFs: axe-core takes 30 s on 200."""
    _, out = library
    folder = tmp_path_factory.mktemp("small")
    for pdf in out.glob(f"*/{SOURCE}-[al]*.*"):
        (folder / pdf.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(pdf, folder / pdf.parent.name / pdf.name)
    write_gallery(Project(ROOT), folder, "es")
    return folder


@pytest.mark.parametrize("query", ["", "árabe", "no such handout"])
def test_axe_core_finds_nothing_with_every_rule(small: Path, browser: Any, query: str) -> None:
    page = browser.new_page()
    page.goto((small / INDEX).as_uri())
    page.fill("#q", query)
    violations = axe_violations(page)
    assert violations == []
    page.close()

"""Shared, session-scoped builds. Each document is rendered once per test run: a fixture
whose documents another fixture already rendered copies those PDFs (with their manifest
entries, so build() finds them up to date) and renders only the rest, with two workers.

The suite runs in pytest-xdist workers (``-n auto`` in pyproject.toml): a build that
several workers read is made once, by the first worker that asks (``sharing.shared``).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sharing import shared

from handouts.build import BuildOptions, BuildReport, Written, build
from handouts.catalog import shipped_languages
from handouts.gallery import INDEX
from handouts.output import MANIFEST
from handouts.project import Project

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
CLINIC = DATA / "clinic" / "clinic.toml"
HANDOUT = "stockholm-syndrome-treatment"
FORMATS = ("standard", "large-print", "bilingual")
FORMATS_LANGS = ("en", "es", "ar", "zh_CN", "ur")  # the formats fixture's languages
GALLERY_LANGS = ("en", "ar", "zh_CN", "es")  # the gallery fixture's
NASTALIQ = DATA / "clinic" / "nastaliq.toml"

_UNGROUPED: list[str] = []  # grouped tests that xdist did not group


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker more than this process may use CPUs. About a tenth of
    the suite's wall time is spent waiting (time limits run out, Chromium and the
    command line run in other processes); the extra worker fills it.
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides, and ``-n logical`` is xdist's."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses != "auto":
        return None
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(autouse=True)
def _decisions_of_patched_code(request: pytest.FixtureRequest) -> Iterator[None]:
    """The gallery's decisions are remembered by the digest of their inputs for the
    whole process (build._RECORDS): those made while a test patched the code are not
    the code's, so they are forgotten after it."""
    yield
    if "monkeypatch" in request.fixturenames:
        from handouts import build as build_module

        build_module._RECORDS.clear()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notice when xdist's loadgroup stops grouping (it marks a grouped test's id with
    "@group"): the grouped tests would run, slower, in every worker."""
    if getattr(config.option, "loadgroup", False):  # set in xdist's workers
        _UNGROUPED.extend(item.nodeid for item in items
                          if item.get_closest_marker("xdist_group") and "@" not in item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The modules and the collected tests live as long as the run: the process's
    garbage collections leave them alone (a third less time in full collections)."""
    gc.freeze()


@pytest.fixture(autouse=True)
def _grouped(request: pytest.FixtureRequest) -> None:
    if request.node.nodeid in _UNGROUPED:
        pytest.fail("pytest-xdist did not keep this xdist_group in one worker under this"
                    " pytest (pytest-xdist#1386); install the versions uv.lock pins:"
                    " scripts/setup.sh", pytrace=False)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, without network services of its own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def languages(project: Project) -> list[str]:
    return shipped_languages(project.locales_dir)


Reuse = tuple[tuple[Path, BuildReport], Callable[[Written], bool]]


def build_reusing(project: Project, options: BuildOptions, *sources: Reuse) -> BuildReport:
    """build(project, options), after copying the documents that each source fixture's
    ``keep`` picks into options.out; the report lists them as written, as a build from
    scratch does."""
    reused, documents = [], {}
    version = None
    for (source_out, source_report), keep in sources:
        recorded = json.loads((source_out / MANIFEST).read_text("utf-8"))
        version = recorded["version"]
        for written in source_report.written:
            if not keep(written):
                continue
            document = dataclasses.replace(
                written, path=options.out / written.path.relative_to(source_out))
            reused.append(document)
            document.path.parent.mkdir(parents=True, exist_ok=True)
            for original, copy in ((written.path, document.path),
                                   (written.path.with_suffix(".html"),
                                    document.path.with_suffix(".html"))):
                if original.is_file():
                    shutil.copy2(original, copy)
            documents[str(document.path)] = recorded["documents"][str(written.path)]
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / MANIFEST).write_text(json.dumps(
        {"version": version, "documents": documents, "decisions": {}}), "utf-8")
    report = build(project, options)
    # Reuse must really happen: a changed manifest would otherwise silently cost the time.
    assert sorted(w.path for w in report.skipped) == sorted(w.path for w in reused), (
        report.failures)
    every = {w.path: w for w in [*reused, *report.written]}
    return dataclasses.replace(report, skipped=[], written=[every[p] for p in sorted(every)])


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, project: Project) -> tuple[Path, BuildReport]:
    """Every shipped language on both papers, with a clinic file: built once, read by
    many."""
    def produce(out: Path) -> tuple[Path, BuildReport]:
        return out, build(project, BuildOptions(out=out, papers=("a4", "letter"), jobs=2,
                                                clinic=CLINIC))

    return shared(tmp_path_factory, "built", produce)


@pytest.fixture(scope="session")
def formats(tmp_path_factory: pytest.TempPathFactory, project: Project,
            built: tuple[Path, BuildReport]) -> tuple[Path, BuildReport]:
    """Five languages, both handouts, in every format on both papers, with the clinic file
    (the standard leaflets are the built fixture's)."""
    def produce(out: Path) -> tuple[Path, BuildReport]:
        options = BuildOptions(out=out, languages=FORMATS_LANGS, papers=("a4", "letter"),
                               clinic=CLINIC, formats=FORMATS, jobs=2)
        return out, build_reusing(project, options, (
            built, lambda w: w.language in FORMATS_LANGS and w.fmt == "standard"))

    return shared(tmp_path_factory, "formats", produce)


@pytest.fixture(scope="session")
def gallery(tmp_path_factory: pytest.TempPathFactory, project: Project,
            formats: tuple[Path, BuildReport]) -> Path:
    """Four languages of one handout in every format on both papers, with the gallery page
    in Spanish (the leaflets are the formats fixture's)."""
    def produce(out: Path) -> Path:
        options = BuildOptions(out=out, languages=GALLERY_LANGS, papers=("a4", "letter"),
                               jobs=2, gallery_lang="es", handouts=(HANDOUT,), formats=FORMATS,
                               clinic=CLINIC)
        report = build_reusing(project, options, (
            formats, lambda w: w.language in GALLERY_LANGS and w.handout == HANDOUT))
        assert report.ok, report.failures
        assert report.gallery == out / INDEX
        return out

    return shared(tmp_path_factory, "gallery", produce)


@pytest.fixture(scope="session")
def nastaliq(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """Urdu in every format on both papers, with a clinic file that asks for Nastaliq."""
    def produce(out: Path) -> tuple[Path, BuildReport]:
        return out, build(Project(ROOT), BuildOptions(
            out=out, languages=("ur",), papers=("a4", "letter"), formats=FORMATS, jobs=2,
            clinic=NASTALIQ, gallery=False))

    return shared(tmp_path_factory, "nastaliq", produce)


@pytest.fixture
def project_copy(tmp_path: Path) -> Project:
    """A scratch copy of the templates and catalogs, for tests that edit them."""
    for name in ("templates", "locales"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return Project(tmp_path)


@pytest.fixture
def fresh_surface() -> Iterator[None]:
    """fontsubset and textlayer verify WeasyPrint's internals once; tests that change
    them re-verify (the text layer reads Font too)."""
    from handouts import fontsubset, textlayer

    fontsubset.surface_problems.cache_clear()
    textlayer.surface_problems.cache_clear()
    yield
    fontsubset.surface_problems.cache_clear()
    textlayer.surface_problems.cache_clear()

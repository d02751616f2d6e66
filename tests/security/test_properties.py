"""Property tests: any text in a translation or clinic file gives a clean error or a
valid PDF that shows it, never an unhandled exception.

Each example renders the shipped patient handout cut to its title and the "Get help now" box
(tests/data/property), which prints every text under test, with the shipped catalogs, base
layout and stylesheet: one short page instead of the whole leaflet."""

from __future__ import annotations

import functools
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfread import squash
from pypdf import PdfReader
from texts import leaflet

from handouts.catalog import Language
from handouts.check import DIRECTION_CONTROLS, ERROR, check_catalog
from handouts.clinic import load_clinic
from handouts.errors import CatalogError, HandoutError
from handouts.gate import leaflet_text
from handouts.pdf import Renderer
from handouts.project import Project
from handouts.render import PAPERS, make_environment, render_html

ROOT = Path(__file__).parent.parent.parent
HANDOUT = "stockholm-syndrome-treatment"
MESSAGE = "Get help now"
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
# Letters, digits and the characters HTML and CSS care about: text we can read back.
READABLE = st.text(st.characters(categories=("Lu", "Ll", "Nd"), max_codepoint=0x4FF)
                   | st.sampled_from("<>&\"'/;:{}()=!?-"), min_size=1, max_size=60)
ANYTHING = st.text(max_size=120)
environment = functools.cache(make_environment)  # one per process, as the build has


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The shipped templates and catalogs, with the handout replaced by tests/data/property's."""
    root = tmp_path_factory.mktemp("property")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "tests" / "data" / "property" / "templates", root / "templates",
                    dirs_exist_ok=True)
    (root / "locales").symlink_to(ROOT / "locales")
    return Project(root)


@pytest.fixture(scope="module")
def renderer(project: Project) -> Renderer:
    return Renderer(project.templates_dir, project.stylesheet)


def pdf_text(data: bytes, tmp: Path) -> str:
    tmp.write_bytes(data)
    return squash("".join(p.extract_text() for p in PdfReader(tmp).pages))


def render_translation(project: Project, renderer: Renderer, text: str) -> bytes:
    loaded, _ = leaflet_text(project.locales_dir, project.templates_dir, "es", HANDOUT)
    assert loaded is not None
    loaded.catalog[MESSAGE].string = text
    if any(p.severity == ERROR for p in check_catalog(loaded)):
        raise CatalogError("refused by the checks")  # the gate's clean refusal
    html = render_html(environment(project.templates_dir), HANDOUT, loaded,
                       loaded.language, PAPERS["a4"])
    return renderer.render(html)[0]


@SETTINGS
@given(text=ANYTHING)
def test_any_translation(project: Project, renderer: Renderer, text: str) -> None:
    try:
        data = render_translation(project, renderer, text)
    except HandoutError:
        return
    assert data.startswith(b"%PDF-")


@SETTINGS
@given(text=READABLE)
def test_readable_translation_is_printed_verbatim(project: Project, renderer: Renderer,
                                                  tmp_path: Path, text: str) -> None:
    try:
        data = render_translation(project, renderer, text)
    except HandoutError:
        return  # e.g. check refused markup, or a % sign
    expected = squash(unicodedata.normalize("NFC", text))
    assert expected in pdf_text(data, tmp_path / "p.pdf")


def render_clinic(project: Project, renderer: Renderer, tmp_path: Path,
                  name: str) -> bytes | None:
    """The leaflet with this clinic name, or None when the name is refused with a HandoutError."""
    path = tmp_path / "clinic.toml"
    path.write_text(f"name = {json.dumps(name)}\n", "utf-8")
    try:
        clinic = load_clinic(path)
        english = leaflet(project, "en")
        language: Language = english.language
        html = render_html(environment(project.templates_dir), HANDOUT, english, language,
                           PAPERS["letter"], clinic=clinic)
        return renderer.render(html)[0]
    except HandoutError:
        return None


@SETTINGS
@given(name=ANYTHING)
def test_any_clinic_name(project: Project, renderer: Renderer, tmp_path: Path,
                         name: str) -> None:
    data = render_clinic(project, renderer, tmp_path, name)
    assert data is None or data.startswith(b"%PDF-")


@SETTINGS
@given(name=READABLE)
def test_readable_clinic_name_is_printed(project: Project, renderer: Renderer, tmp_path: Path,
                                         name: str) -> None:
    data = render_clinic(project, renderer, tmp_path, name)
    if data is not None:
        assert squash(unicodedata.normalize("NFC", name)) in pdf_text(data, tmp_path / "p.pdf")


# Every direction control, and the format and separator characters translators paste.
INVISIBLE = st.sampled_from([
    *sorted(DIRECTION_CONTROLS), "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff",
    "\u2028", "\u2029", "\U000e0041", "\u3164", "\u180e"])
NOISE = st.text(st.characters(categories=("Lo", "Zs"), max_codepoint=0x6FF) | INVISIBLE,
                max_size=10)
NUMBER = st.text(st.sampled_from("0123456789 +-()") | INVISIBLE, min_size=1, max_size=14)
EMERGENCY = "Emergency: %(number)s"


def printed_numbers(data: bytes, tmp: Path) -> list[str]:
    """Digit runs per printed line, left to right, read with pdfplumber's glyph boxes."""
    import pdfplumber

    tmp.write_bytes(data)
    runs: list[str] = []
    with pdfplumber.open(tmp) as document:
        for page in document.pages:
            lines: list[list[dict[str, object]]] = []
            for char in sorted(page.chars, key=lambda c: c["top"]):
                if lines and abs(float(char["top"]) - float(lines[-1][0]["top"])) < 4:  # type: ignore[arg-type]
                    lines[-1].append(char)
                else:
                    lines.append([char])
            for line in lines:
                visual = "".join(str(c["text"]) for c in sorted(line, key=lambda c: c["x0"]))  # type: ignore[arg-type, return-value]
                runs += ["".join(d for d in run if d.isdigit())
                         for run in re.findall(r"\d[\d +\-()]*\d|\d", visual)]
    return runs


@pytest.fixture(scope="module")
def without_clinic(project: Project, renderer: Renderer,
                   tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The numbers the Arabic leaflet prints without a clinic file (page, dates)."""
    loaded, _ = leaflet_text(project.locales_dir, project.templates_dir, "ar", HANDOUT)
    assert loaded is not None
    data = renderer.render(render_html(environment(project.templates_dir), HANDOUT, loaded,
                                       loaded.language, PAPERS["a4"]))[0]
    return printed_numbers(data, tmp_path_factory.mktemp("without-clinic") / "q.pdf")


@SETTINGS
@given(before=NOISE, after=NOISE, number=NUMBER)
def test_emergency_number_prints_in_its_digit_order_or_is_refused(
        project: Project, renderer: Renderer, without_clinic: list[str], tmp_path: Path,
        before: str, after: str, number: str) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(f'name = "A"\nemergency = {json.dumps(number)}\n', "utf-8")
    try:
        clinic = load_clinic(path)
    except HandoutError:
        return  # refused with one line
    loaded, _ = leaflet_text(project.locales_dir, project.templates_dir, "ar", HANDOUT)
    assert loaded is not None
    loaded.catalog[EMERGENCY].string = f"{before}الطوارئ: %(number)s{after}"
    if any(p.severity == ERROR for p in check_catalog(loaded)):
        return  # the gate refuses it
    html = render_html(environment(project.templates_dir), HANDOUT, loaded,
                       loaded.language, PAPERS["a4"], clinic=clinic)
    try:
        data = renderer.render(html)[0]
    except HandoutError:
        return  # refused with one line (e.g. a character no font draws)
    wanted = "".join(d for d in number if d.isdigit())
    if not wanted:
        return
    count = printed_numbers(data, tmp_path / "p.pdf").count(wanted)
    # The leaflet's own numbers (page, dates) may coincide with it.
    others = without_clinic.count(wanted)
    assert count == 1 + others, (number, before, after)

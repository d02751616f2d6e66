"""Gallery: ``OUT/index.html``, a page of thumbnails so staff find a leaflet fast.

It lists every leaflet PDF in the output folder, works offline from ``file://``,
and its text is translatable (catalog domain ``gallery``). Thumbnails are
rendered with PDFium through pypdfium2: in-process and fast, with no external
program to spawn per page (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import catalog as cat
from .check import ERROR, check_file
from .domains import handout_names
from .errors import CatalogError, HandoutError
from .gate import Decision, decide
from .output import write_atomic
from .project import Project
from .pseudo import PSEUDO
from .render import FORMATS, PAPERS, Gettext, english_title, make_environment

GALLERY_DOMAIN = "gallery"
INDEX = "index.html"
THUMBNAILS = "thumbnails"
THUMB_WIDTH = 240  # pixels


@dataclass(frozen=True)
class Entry:
    handout: str
    language: str
    tag: str
    direction: str
    native_name: str
    title: str
    paper: str
    fmt: str
    href: str
    thumbnail: str
    thumb_width: int
    thumb_height: int
    percent: int
    review: str


def _parse(name: str, handouts: list[str]) -> tuple[str, str, str] | None:
    """``<handout>-<paper>[-<format>]`` -> (handout, paper, format)."""
    for handout in handouts:
        pattern = (rf"{re.escape(handout)}-({'|'.join(PAPERS)})"
                   rf"(?:-({'|'.join(f for f in FORMATS if f != 'standard')}))?")
        match = re.fullmatch(pattern, name)
        if match:
            return handout, match[1], match[2] or "standard"
    return None


def _thumbnail(pdf: Path, png: Path) -> tuple[int, int, str]:
    """Page 1 as a PNG (re-rendered only when the PDF is newer); size and title."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        title = str(document.get_metadata_dict().get("Title") or pdf.stem)
        page = document[0]
        scale = THUMB_WIDTH / page.get_width()
        height = round(page.get_height() * scale)
        if not png.exists() or png.stat().st_mtime_ns < pdf.stat().st_mtime_ns:
            buffer = io.BytesIO()
            page.render(scale=scale).to_pil().save(buffer, "PNG", optimize=True)
            write_atomic(png, buffer.getvalue())
    finally:
        document.close()
    return THUMB_WIDTH, height, title


@dataclass(frozen=True)
class Status:
    """One handout in one language, for the gallery's status table."""

    language: str
    tag: str
    direction: str
    native_name: str
    status: str  # published, draft, held back, failed
    percent: int
    reviewed: bool


@dataclass(frozen=True)
class GalleryWritten:
    """``OUT/index.html``, and why it is in English when another language was asked for."""

    path: Path
    failure: HandoutError | None = None  # its catalog is broken
    held: str | None = None  # its catalog is unfinished


def write_gallery(project: Project, out: Path, ui_code: str = cat.SOURCE_LANGUAGE,
                  allow_incomplete: bool = False,
                  decisions: Mapping[tuple[str, str], Decision] | None = None
                  ) -> GalleryWritten:
    """Write ``OUT/index.html``: every leaflet in ``out`` that the current content
    publishes, and each handout's status per shipped language.

    Its own catalog is gated like a leaflet's: a broken or unfinished
    translation of the page is not used, and the page is written in English.
    """
    import pypdfium2

    handouts = handout_names(project.templates_dir)
    codes = cat.shipped_languages(project.locales_dir)
    if decisions is None:
        decisions = {(d.language, d.handout): d for d in (
            decide(project.locales_dir, project.templates_dir, code, handout, allow_incomplete)
            for code in codes for handout in handouts)}
    entries: list[Entry] = []
    for pdf in sorted(out.glob("*/*.pdf")):
        parsed = _parse(pdf.stem, handouts)
        code = pdf.parent.name
        if parsed is None or code in PSEUDO:
            continue
        # Only what the current content publishes is listed, with its status.
        decision = decisions.get((code, parsed[0]))
        if decision is None or not decision.publishes:
            continue
        try:
            language = _language(code)
        except HandoutError:
            continue
        review = ("source" if language.is_source else
                  "reviewed" if decision.reviewed else "unreviewed")
        try:
            width, height, title = _thumbnail(pdf, out / THUMBNAILS / code / f"{pdf.stem}.png")
        except pypdfium2.PdfiumError:
            continue  # not a readable PDF (e.g. left by another program): not listed
        entries.append(Entry(
            handout=parsed[0], language=code, tag=language.tag, direction=language.direction,
            native_name=language.native_name, title=title, paper=parsed[1], fmt=parsed[2],
            href=f"{code}/{pdf.name}", thumbnail=f"{THUMBNAILS}/{code}/{pdf.stem}.png",
            thumb_width=width, thumb_height=height, percent=round(decision.counts.percent),
            review=review))

    listed = {out / e.thumbnail for e in entries}
    for png in (out / THUMBNAILS).glob("*/*.png"):
        if png not in listed:
            png.unlink(missing_ok=True)  # its leaflet was withdrawn or removed

    status: dict[str, list[Status]] = {handout: [] for handout in handouts}
    env = make_environment(project.templates_dir)
    titles = {handout: english_title(env, handout) for handout in handouts}
    for (code, handout), decision in decisions.items():
        try:
            language = _language(code)
        except HandoutError:
            continue
        status[handout].append(Status(
            code, language.tag, language.direction, language.native_name, decision.status,
            round(decision.counts.percent), decision.reviewed))

    ui_catalog, failure, held = _ui_catalog(project, ui_code)
    ui_language = ui_catalog.language if ui_catalog else _language(cat.SOURCE_LANGUAGE)
    text = Gettext(ui_catalog)
    languages = sorted({(e.language, e.native_name) for e in entries})
    formats = [f for f in FORMATS if any(e.fmt == f for e in entries)]
    html = env.get_template("gallery/index.html").render(
        ui=ui_language, entries=entries, languages=languages, formats=formats, status=status,
        titles=titles,
        gettext=text.gettext, ngettext=text.ngettext, pgettext=text.pgettext)
    target = out / INDEX
    write_atomic(target, html)
    return GalleryWritten(target, failure, held)


def _language(code: str) -> cat.Language:
    return cat.Language(code=code, locale=cat.parse_locale(code))


def _ui_catalog(project: Project, code: str
                ) -> tuple[cat.LoadedCatalog | None, HandoutError | None, str | None]:
    """The gallery's own catalog for ``code`` when it is fit to print, else None and why."""
    path = cat.catalog_path(project.locales_dir, code, GALLERY_DOMAIN)
    if code == cat.SOURCE_LANGUAGE or not (path.exists() or path.is_symlink()):
        return None, None, None
    loaded, problems = check_file(path, code, project.locales_dir)
    errors = [p for p in problems if p.severity == ERROR]
    if loaded is None or errors:
        first = errors[0]
        return None, CatalogError(
            f"the gallery page is in English: its translation has {len(errors)} error(s);"
            f" first, line {first.line}: {first.reason}. Run: python generate.py check"
            f" --lang {code}", path=path, language=code), None
    unfinished = [m for m in loaded.messages() if m.fuzzy or not all(cat.message_strings(m))]
    if unfinished:
        return None, None, (f"{path}: [{code}] the gallery page is in English: its translation"
                            f" has {len(unfinished)} untranslated or fuzzy message(s), e.g."
                            f" {cat.excerpt(str(unfinished[0].id))}")
    return loaded, None, None

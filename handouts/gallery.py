"""Gallery: ``OUT/index.html``, one page where staff find any leaflet fast.

The page groups the leaflets by handout, one card per language with its status,
and has a search box and paper and format filters. It works offline from
``file://``: the data are in the page, and a small script beside it,
``OUT/gallery.js`` (not inline, so that a strict Content Security Policy allows
it; no ``eval``, no inline handlers), hides what does not match. Its text is
translatable (catalog domain ``gallery``).

Thumbnails are rendered with PDFium through pypdfium2 (in-process, see
docs/BENCHMARKS.md) and cached by the PDF's SHA-256 in ``OUT/thumbnails/``: an
unchanged PDF is never opened again, so rewriting the page on every build costs
a ``stat`` per PDF.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from babel.core import get_global
from markupsafe import Markup

from . import catalog as cat
from .check import ERROR, check_file
from .domains import GALLERY_FOLDER, handout_names
from .errors import CatalogError, HandoutError, LanguageError, TemplateError
from .gate import Decision, decide
from .output import write_atomic
from .project import Project
from .pseudo import PSEUDO
from .render import FORMATS, PAPERS, Gettext, english_title, make_environment
from .scaffold import shared_templates

GALLERY_DOMAIN = "gallery"
INDEX = "index.html"
SCRIPT = "gallery.js"  # search and filters, beside INDEX: no inline script, for a strict CSP
THUMBNAILS = "thumbnails"
CACHE = "cache.json"  # in THUMBNAILS: what is known about each PDF and each thumbnail
CACHE_VERSION = 1
THUMB_WIDTH = 200  # pixels: shown at 100 CSS pixels, sharp on high-density screens
NAME_CHARS = 32  # hex digits of the digest in a thumbnail's file name
MAX_TITLE = 300  # characters of a PDF's title shown
MAX_CACHE_BYTES = 64_000_000  # ~200 bytes per PDF: far beyond any library
_DIGEST = re.compile(r"[0-9a-f]{64}")
GROUPS = "groups.json"  # in THUMBNAILS: each handout's rendered group, by its inputs' digest


@dataclass(frozen=True)
class Thumbnail:
    """Page 1 of a PDF with this digest, as ``THUMBNAILS/<name>``, and the PDF's title."""

    digest: str
    width: int
    height: int
    title: str

    @property
    def name(self) -> str:
        return f"{self.digest[:NAME_CHARS]}.png"


@dataclass(frozen=True)
class Leaflet:
    """One PDF in the output folder."""

    paper: str
    fmt: str
    href: str
    thumbnail: str
    width: int
    height: int
    html: str | None = None  # its accessible HTML version, when there is one


@dataclass(frozen=True)
class Row:
    """One handout in one language: its status and the PDFs that exist."""

    language: str
    tag: str
    direction: str
    english_name: str
    native_name: str
    status: str  # published, draft, held back, failed
    percent: int
    review: str  # source, reviewed, unreviewed
    title: str | None  # the native title, from a PDF's metadata
    leaflets: tuple[Leaflet, ...]

    @property
    def publishes(self) -> bool:
        return self.status in ("published", "draft")


@dataclass(frozen=True)
class Group:
    handout: str
    title: str  # in English
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class GalleryWritten:
    """``OUT/index.html``, and why it is in English when another language was asked for."""

    path: Path
    failure: HandoutError | None = None  # its catalog is broken
    held: str | None = None  # its catalog is unfinished
    rasterised: int = 0  # PDFs opened with PDFium this time (new or changed ones)
    groups_rendered: int = 0  # handouts' groups rendered this time (the others were reused)


def _parse(name: str, handouts: set[str]) -> tuple[str, str, str] | None:
    """``<handout>-<paper>[-<format>]`` -> (handout, paper, format).

    Papers and formats are distinct words, so the suffixes decide alone.
    """
    fmt = next((f for f in FORMATS if f != "standard" and name.endswith(f"-{f}")), None)
    rest = name[:-len(fmt) - 1] if fmt else name
    paper = next((p for p in PAPERS if rest.endswith(f"-{p}")), None)
    handout = rest[:-len(paper) - 1] if paper else None
    if paper is None or handout not in handouts:
        return None
    return handout, paper, fmt or "standard"


class ThumbnailCache:
    """``THUMBNAILS/cache.json``: per PDF its (size, mtime, inode) and digest, per
    digest its thumbnail's size and the PDF's title; and the handouts' English
    titles with the stat of the templates they came from.

    A PDF whose stat is unchanged is not read; one whose bytes are known is not
    opened. A missing or corrupt cache only means rendering again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, tuple[int, int, int, str]] = {}
        self.thumbs: dict[str, Thumbnail] = {}
        self.titles_stamp = ""
        self.titles: dict[str, str] = {}
        self._raw = b""
        self._loaded_stamp = ""
        self._read()
        self.used_files: dict[str, tuple[int, int, int, str]] = {}
        self.used: dict[str, Thumbnail] = {}
        self.rasterised = 0

    def _read(self) -> None:
        try:
            if (self.folder / CACHE).stat().st_size > MAX_CACHE_BYTES:
                return
            self._raw = (self.folder / CACHE).read_bytes()
            data = json.loads(self._raw)
            if data["version"] != CACHE_VERSION or data["width"] != THUMB_WIDTH:
                return
            files, thumbs = data["files"], data["thumbs"]
            for key, (size, mtime, inode, digest) in files.items():
                if (isinstance(key, str) and _DIGEST.fullmatch(str(digest))
                        and all(isinstance(n, int) for n in (size, mtime, inode))):
                    self.files[key] = (size, mtime, inode, digest)
            for digest, (width, height, title) in thumbs.items():
                if (_DIGEST.fullmatch(str(digest)) and isinstance(title, str)
                        and all(isinstance(n, int) and 0 < n < 10_000 for n in (width, height))):
                    self.thumbs[digest] = Thumbnail(digest, width, height, title[:MAX_TITLE])
            stamp, titles = data["titles"]
            if isinstance(stamp, str) and all(isinstance(v, str) for v in titles.values()):
                self.titles_stamp, self.titles = stamp, dict(titles)
                self._loaded_stamp = stamp
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.files, self.thumbs, self.titles = {}, {}, {}

    def get(self, pdf: Path, key: str) -> Thumbnail:
        """The thumbnail of ``pdf`` (``key``: its path in the output folder), rendered
        only when its bytes are new. Raises pypdfium2.PdfiumError for an unreadable PDF."""
        stat = pdf.stat()
        stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        known = self.files.get(key)
        data = None
        if known is not None and known[:3] == stamp:
            digest = known[3]
        else:
            data = pdf.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
        thumb = self.used.get(digest) or self.thumbs.get(digest)
        if thumb is None or not (self.folder / thumb.name).is_file():
            thumb = self._render(pdf.read_bytes() if data is None else data, digest)
        self.used_files[key] = (*stamp, digest)
        self.used[digest] = thumb
        return thumb

    def _render(self, data: bytes, digest: str) -> Thumbnail:
        """Page 1 as a PNG, from the very bytes that were hashed."""
        import pypdfium2

        self.rasterised += 1
        document = pypdfium2.PdfDocument(data)
        try:
            title = " ".join(str(document.get_metadata_dict().get("Title") or "").split())
            page = document[0]
            image = page.render(scale=THUMB_WIDTH / page.get_width()).to_pil()
            buffer = io.BytesIO()
            # zlib level 3: for these pages 15-20 % smaller than the default (6), and a
            # third faster.
            image.save(buffer, "PNG", compress_level=3)
        finally:
            document.close()
        thumb = Thumbnail(digest, image.width, image.height, title[:MAX_TITLE])
        write_atomic(self.folder / thumb.name, buffer.getvalue())
        return thumb

    def english_titles(self, env: jinja2.Environment, templates_dir: Path,
                       handouts: list[str]) -> dict[str, str]:
        """Each handout's English title; compiled again only when a template (or this
        code) changed: compiling 200 templates costs seconds, a stat of each nothing."""
        files = [*templates_dir.rglob("*"), *Path(__file__).parent.glob("*.py")]
        stamp = hashlib.sha256(repr(sorted(
            (str(p), p.stat().st_size, p.stat().st_mtime_ns)
            for p in files if p.is_file())).encode()).hexdigest()
        if stamp != self.titles_stamp or any(h not in self.titles for h in handouts):
            self.titles_stamp = stamp
            self.titles = {h: english_title(env, h) for h in handouts}
        return {h: self.titles[h] for h in handouts}

    def save(self) -> None:
        """Keep what this page lists: other thumbnails (withdrawn leaflets) go."""
        unchanged = (self._raw and self.used_files == self.files and self.used == self.thumbs
                     and self.titles_stamp == self._loaded_stamp)
        if unchanged:
            return  # nothing withdrawn, nothing new: skip the sweep and the serialising
        listed = {thumb.name for thumb in self.used.values()}
        if self.folder.is_dir():
            for png in sorted(self.folder.rglob("*.png"), reverse=True):
                if png.parent != self.folder or png.name not in listed:
                    png.unlink(missing_ok=True)
            for folder in sorted((p for p in self.folder.rglob("*") if p.is_dir()), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()  # the per-language folders of the former layout
        data = {"version": CACHE_VERSION, "width": THUMB_WIDTH,
                "files": {k: list(v) for k, v in sorted(self.used_files.items())},
                "thumbs": {d: [t.width, t.height, t.title] for d, t in sorted(self.used.items())},
                "titles": [self.titles_stamp, self.titles]}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if raw != self._raw and (self.used or self.folder.is_dir()):
            write_atomic(self.folder / CACHE, raw)


class GroupCache:
    """``THUMBNAILS/groups.json``: each handout's rendered group, keyed by the digest of
    everything it shows and of how it is shown (templates, code, the page's language).

    A build that changes one handout renders one group again, not hundreds. The
    HTML comes from our own templates; whoever can write this file can write
    ``index.html`` itself. A damaged file just means rendering every group.
    """

    def __init__(self, folder: Path, stamp: str) -> None:
        self.path, self.stamp = folder / GROUPS, stamp
        self.known: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.rendered = 0
        try:
            if self.path.stat().st_size <= MAX_CACHE_BYTES:
                data = json.loads(self.path.read_bytes())
                if isinstance(data, dict) and all(
                        isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
                    self.known = data
        except (OSError, ValueError):
            pass

    def get(self, group: Group, render: Callable[[], str]) -> Markup:
        key = hashlib.sha256(f"{self.stamp}\0{group!r}".encode()).hexdigest()
        html = self.used.get(key) or self.known.get(key)
        if html is None:
            html = render()
            self.rendered += 1
        self.used[key] = html
        return Markup(html)

    def save(self) -> None:
        """Keep the groups this page shows; write only when that changed."""
        if self.used != self.known and self.path.parent.is_dir():
            write_atomic(self.path, json.dumps(self.used, ensure_ascii=False,
                                               separators=(",", ":"), sort_keys=True))


def _group_stamp(templates_dir: Path, ui_code: str, ui_path: Path | None,
                 search: Mapping[str, Any]) -> str:
    """How a group is shown: its templates, this code, and the page's language."""
    digest = hashlib.sha256(repr((ui_code, sorted(search.items()))).encode())
    files = [*sorted((templates_dir / "gallery").glob("*.html")),
             *(Path(__file__).parent / name for name in ("gallery.py", "render.py")),
             *([ui_path] if ui_path else [])]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def write_gallery(project: Project, out: Path, ui_code: str = cat.SOURCE_LANGUAGE,
                  allow_incomplete: bool = False, *,
                  decisions: Mapping[tuple[str, str], Decision] | None = None
                  ) -> GalleryWritten:
    """Write ``OUT/index.html``: every leaflet in ``out`` that the current content
    publishes, grouped by handout, and each handout's status per shipped language.

    ``decisions``: the gate's decisions per (language, handout), when the caller
    has them; the missing ones are computed here.

    Its own catalog is gated like a leaflet's: a broken or unfinished
    translation of the page is not used, and the page is written in English.
    """
    import pypdfium2

    handouts = handout_names(project.templates_dir)
    codes = cat.shipped_languages(project.locales_dir)
    languages: dict[str, cat.Language] = {}
    for code in codes:
        try:
            languages[code] = _language(code)
        except HandoutError:
            continue  # a folder that names no language: not a row
    found: dict[tuple[str, str], list[tuple[int, int, str, str, Path]]] = {}
    names = set(handouts)
    pages = {f"{p.parent.name}/{p.name}" for p in out.glob("*/*.html")}
    for pdf in out.glob("*/*.pdf"):
        parsed = _parse(pdf.stem, names)
        code = pdf.parent.name
        if parsed is not None and code in languages and code not in PSEUDO:
            handout, paper, fmt = parsed
            order = (list(PAPERS).index(paper), FORMATS.index(fmt))
            found.setdefault((code, handout), []).append((*order, paper, fmt, pdf))

    cache = ThumbnailCache(out / THUMBNAILS)
    env = make_environment(project.templates_dir)
    titles = cache.english_titles(env, project.templates_dir, handouts)
    described = {code: (language.tag, language.direction, language.locale.english_name or code,
                    language.native_name) for code, language in languages.items()}
    groups: list[Group] = []
    for handout in handouts:
        english = titles[handout]
        rows: list[Row] = []
        for code, language in languages.items():
            decision = (decisions or {}).get((code, handout)) or decide(
                project.locales_dir, project.templates_dir, code, handout, allow_incomplete)
            leaflets: list[Leaflet] = []
            native: list[str] = []
            # Only what the current content publishes is listed.
            for _, _, paper, fmt, pdf in sorted(found.get((code, handout), [])
                                                if decision.publishes else []):
                key = f"{code}/{pdf.name}"
                try:
                    thumb = cache.get(pdf, key)
                except (pypdfium2.PdfiumError, OSError):
                    continue  # not a readable PDF (e.g. left by another program): not listed
                native.append(thumb.title)
                page = f"{code}/{pdf.stem}.html"
                leaflets.append(Leaflet(paper, fmt, key, f"{THUMBNAILS}/{thumb.name}",
                                        thumb.width, thumb.height,
                                        page if page in pages else None))
            review = ("source" if language.is_source else
                      "reviewed" if decision.reviewed else "unreviewed")
            title = next((t for t in native if t and t != english), None)
            rows.append(Row(
                code, *described[code], decision.status, round(decision.counts.percent), review,
                title, tuple(leaflets)))
        groups.append(Group(handout, english, tuple(rows)))
    cache.save()

    ui_catalog, failure, held = _ui_catalog(project, ui_code)
    ui_language = ui_catalog.language if ui_catalog else _language(cat.SOURCE_LANGUAGE)
    text = Gettext(ui_catalog)
    leaflets_shown = [leaflet for g in groups for r in g.rows for leaflet in r.leaflets]
    search = _search_data(languages, ui_language)
    context = {"search": search, "gettext": text.gettext, "ngettext": text.ngettext,
               "pgettext": text.pgettext}
    group_template = env.get_template("gallery/group.html")
    fragments = GroupCache(out / THUMBNAILS, _group_stamp(
        project.templates_dir, ui_language.code, ui_catalog.path if ui_catalog else None,
        search))
    group_html = [fragments.get(g, functools.partial(group_template.render, group=g, **context))
                  for g in groups]
    fragments.save()
    html = env.get_template("gallery/index.html").render(
        ui=ui_language, groups=groups, group_html=group_html, count=len(leaflets_shown),
        papers=[p for p in PAPERS if any(x.paper == p for x in leaflets_shown)],
        formats=[f for f in FORMATS if any(x.fmt == f for x in leaflets_shown)],
        **context)
    script = _script(project)
    if not (out / SCRIPT).is_file() or (out / SCRIPT).read_bytes() != script:
        write_atomic(out / SCRIPT, script)
    target = out / INDEX
    write_atomic(target, html)
    return GalleryWritten(target, failure, held, cache.rasterised, fragments.rendered)


def _script(project: Project) -> bytes:
    """The gallery's script: the project's own, else this installation's (a project
    made before the script was a file of its own has none)."""
    own = project.templates_dir / GALLERY_FOLDER / SCRIPT
    for path in (own, shared_templates() / GALLERY_FOLDER / SCRIPT):
        try:
            return path.read_bytes()
        except OSError:
            continue
    raise TemplateError("missing: the gallery's search and filters; copy it from a new"
                        " project (handouts new-project DIR)", path=own)


def _language(code: str) -> cat.Language:
    return cat.Language(code=code, locale=cat.parse_locale(code))


def _search_data(languages: Mapping[str, cat.Language], ui: cat.Language
                 ) -> dict[str, Any]:
    """What the search box matches besides the page's text, per language: the codes
    that ``--lang`` accepts for it (``zh-Hans``, ``zh-CN``, ``zh_CN``) and its name in
    the page's language."""
    likely = get_global("likely_subtags")
    codes: dict[str, list[str]] = {}
    for code, language in languages.items():
        locale = language.locale
        script = locale.script or cat.parse_locale(
            likely.get(str(locale)) or likely.get(locale.language) or code).script
        candidates = [code, language.tag, locale.language, f"{locale.language}-{script}"]
        if locale.territory:
            candidates.append(f"{locale.language}-{locale.territory}")
            candidates.append(f"{locale.language}-{script}-{locale.territory}")
        accepted = []
        for candidate in candidates:
            try:
                if cat.resolve_language(candidate, languages) == code:
                    accepted.append(candidate.replace("_", "-").lower())
            except LanguageError:
                continue  # e.g. "zh" when two Chinese languages ship
        codes[code] = sorted(set(accepted))
    names = {code: language.locale.get_display_name(ui.locale) or code
             for code, language in languages.items()}
    return {"codes": codes, "names": names}


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

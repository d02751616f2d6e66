"""Handouts and their catalog domains: which template prints which message.

A handout is one template in ``templates/handouts/``; its messages belong to
the domain named after it (``locales/<lang>/LC_MESSAGES/<handout>.po``). What
``base.html`` and the partials print belongs to the ``common`` domain, which
every handout shares; the staff gallery has its own ``gallery`` domain. What a
leaflet prints is read from its template and everything it extends, includes
or imports, found from Jinja's AST, at build time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import jinja2
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from jinja2 import meta

from .errors import TemplateError

HANDOUTS_FOLDER = "handouts"
GALLERY_FOLDER = "gallery"
COMMON = "common"
GALLERY = "gallery"
COMMENT_TAG = "Translators:"
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true",
                 "newstyle_gettext": "true"}


@dataclass(frozen=True)
class Printed:
    """One message a template prints, with the domain whose catalog translates it."""

    domain: str
    msgid: str | tuple[str, str]  # (singular, plural) for ngettext
    context: str | None
    template: str  # relative to templates/, e.g. "partials/contacts.html"
    line: int
    comments: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str | None]:
        """(msgid, msgctxt) as gettext looks it up; plural messages by their singular."""
        return (self.msgid if isinstance(self.msgid, str) else self.msgid[0], self.context)


def handout_names(templates_dir: Path) -> list[str]:
    """A handout is one template in ``templates/handouts/``."""
    return sorted(p.stem for p in (templates_dir / HANDOUTS_FOLDER).glob("*.html"))


def domain_of(template: str) -> str:
    """``handouts/<name>.html`` -> ``<name>``; ``gallery/…`` -> gallery; else common."""
    parts = Path(template).parts
    if len(parts) == 2 and parts[0] == HANDOUTS_FOLDER:
        return Path(parts[1]).stem
    return GALLERY if parts and parts[0] == GALLERY_FOLDER else COMMON


def domains(templates_dir: Path) -> list[str]:
    """Every leaflet domain: common, then one per handout (the gallery's is apart)."""
    return [COMMON, *handout_names(templates_dir)]


def _parser() -> jinja2.Environment:
    return jinja2.Environment(extensions=["jinja2.ext.i18n"])


def templates_of(templates_dir: Path, template: str) -> list[str]:
    """``template`` and every template it extends, includes or imports, recursively."""
    return list(_stamped(templates_dir, template))


def _stamped(templates_dir: Path, template: str) -> dict[str, tuple[int, ...]]:
    """templates_of(), each with its stamp (see _stamp), in the same order."""
    seen: dict[str, tuple[int, ...]] = {}
    todo = [template]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        path = templates_dir / name
        seen[name] = _stamp(path)
        todo += _references(path, seen[name])
    return seen


@functools.lru_cache(maxsize=256)
def _references(path: Path, stamp: tuple[int, ...]) -> tuple[str, ...]:
    """The templates one file names; ``stamp`` (see _stamp) keys the cache."""
    try:
        tree = _parser().parse(path.read_text("utf-8"))
    except OSError:
        raise TemplateError("template not found", path=path) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", path=path,
                            line=exc.lineno) from None
    found = []
    for referenced in meta.find_referenced_templates(tree):
        if referenced is None:
            raise TemplateError("a template name must be a literal string, or its"
                                " messages cannot be known", path=path)
        found.append(referenced)
    return tuple(found)


@functools.lru_cache(maxsize=256)
def _extract(path: Path, stamp: tuple[int, ...]) -> tuple[tuple[int, object, tuple[str, ...],
                                                                 str | None], ...]:
    """Babel's jinja2 extraction of one file; ``stamp`` (see _stamp) keys the cache."""
    try:
        found = extract_from_file("jinja2", str(path), keywords=DEFAULT_KEYWORDS,
                                  comment_tags=(COMMENT_TAG,), options=JINJA_OPTIONS,
                                  strip_comment_tags=True)
    except Exception as exc:  # Babel re-raises the template engine's own errors
        raise TemplateError(f"extraction failed: {exc}", path=path) from None
    return tuple((line, message, tuple(comments), context)
                 for line, message, comments, context in found)


def _stamp(path: Path) -> tuple[int, ...]:
    """What the caches below are keyed by: an edit of the same size within one tick of
    the file system's clock still changes the inode's change time or the inode."""
    try:
        stat = path.stat()
    except OSError:
        raise TemplateError("template not found", path=path) from None
    return stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino


def messages_in(templates_dir: Path, template: str) -> tuple[Printed, ...]:
    """The messages one template file prints, each with its domain."""
    path = templates_dir / template
    return _messages_in(path, template, _stamp(path))


@functools.lru_cache(maxsize=256)
def _messages_in(path: Path, template: str, stamp: tuple[int, ...]) -> tuple[Printed, ...]:
    domain = domain_of(template)
    found = []
    for line, message, comments, context in _extract(path, stamp):
        msgid = message if isinstance(message, str) else tuple(message)  # type: ignore[arg-type]
        found.append(Printed(domain, msgid, context, template, line,  # type: ignore[arg-type]
                             comments))
    return tuple(found)


def printed(templates_dir: Path, handout: str) -> list[Printed]:
    """Every message the handout's leaflet can print, in template order, once each."""
    stamps = _stamped(templates_dir, f"{HANDOUTS_FOLDER}/{handout}.html")
    return list(_printed(templates_dir, tuple(stamps.items())))


@functools.lru_cache(maxsize=64)
def _printed(templates_dir: Path, stamps: tuple[tuple[str, tuple[int, ...]], ...]
             ) -> tuple[Printed, ...]:
    """The gate asks once per (language, handout): read the templates once per version."""
    found: dict[tuple[str, tuple[str, str | None]], Printed] = {}
    for template, stamp in stamps:
        for message in _messages_in(templates_dir / template, template, stamp):
            found.setdefault((message.domain, message.key), message)
    return tuple(found.values())


def domain_templates(templates_dir: Path, domain: str) -> list[str]:
    """The template files whose messages make up ``domain``'s .pot."""
    if domain == COMMON:
        return sorted(str(p.relative_to(templates_dir)) for p in templates_dir.rglob("*.html")
                      if domain_of(str(p.relative_to(templates_dir))) == COMMON)
    if domain == GALLERY:
        return sorted(str(p.relative_to(templates_dir))
                      for p in (templates_dir / GALLERY_FOLDER).rglob("*.html"))
    return [f"{HANDOUTS_FOLDER}/{domain}.html"]

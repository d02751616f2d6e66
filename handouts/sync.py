"""Sync: keep catalogs in step with the templates (extract, init, update)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import PoFileError, read_po, write_po
from jinja2 import nodes

from . import __version__
from .catalog import (
    DOMAIN,
    PRODUCED_BY,
    REVIEW_DATE,
    REVIEW_STATUS,
    REVIEWED_BY,
    PoCatalog,
    catalog_path,
    load_catalog,
    parse_locale,
    require_strict_parser,
    shipped_languages,
)
from .errors import CatalogError, LanguageError, TemplateError
from .pdf import write_atomic
from .project import Project

COMMENT_TAG = "Translators:"
WIDTH = 79  # GNU gettext's default line width, so msgmerge and Poedit agree with us
DEFAULT_MAPPING = [{"method": "jinja2", "pattern": "templates/**.html",
                    "extensions": "jinja2.ext.i18n", "trimmed": "true",
                    "newstyle_gettext": "true"}]


GALLERY = "gallery"
GALLERY_MAPPING = [{**DEFAULT_MAPPING[0], "pattern": "templates/gallery/**.html"}]
DOMAINS = (DOMAIN, GALLERY)


def _mapping(project: Project, domain: str = DOMAIN
             ) -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    """Babel's method map: pyproject.toml's ``[[tool.babel.mappings]]`` for the leaflets,
    the gallery folder for the gallery page's own domain."""
    pyproject = project.root / "pyproject.toml"
    entries = GALLERY_MAPPING if domain == GALLERY else DEFAULT_MAPPING
    if domain == DOMAIN and pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise TemplateError(f"invalid TOML: {exc}", path=pyproject) from None
        entries = data.get("tool", {}).get("babel", {}).get("mappings", entries)
    if not all(isinstance(e, dict) and "pattern" in e and "method" in e for e in entries):
        raise TemplateError("every [[tool.babel.mappings]] needs a pattern and a method",
                            path=pyproject)
    method_map = [(e["pattern"], e["method"]) for e in entries]
    options_map = {e["pattern"]: {k: v for k, v in e.items() if k not in ("pattern", "method")}
                   for e in entries}
    return method_map, options_map


def extract(project: Project, domain: str = DOMAIN) -> Catalog:
    """Extract every message of a domain from the templates into a template catalog."""
    method_map, options_map = _mapping(project, domain)
    template = PoCatalog(project="handouts", version=__version__, domain=domain,
                       msgid_bugs_address="", charset="utf-8", fuzzy=False)
    _refuse_dropped(project)
    seen = 0
    try:
        for filename, lineno, message, comments, context in extract_from_dir(
                str(project.root), method_map, options_map, comment_tags=(COMMENT_TAG,),
                strip_comment_tags=True):
            template.add(message, None, [(filename, lineno)], auto_comments=comments,
                         context=context)
            seen += 1
    except Exception as exc:  # Babel re-raises the template engine's own errors
        raise TemplateError(f"extraction failed: {exc}") from None
    if seen == 0:
        raise TemplateError("no messages found in templates/; is the Babel mapping in"
                            " pyproject.toml right?", path=project.root / "pyproject.toml")
    return template


# gettext functions -> how many leading arguments must be string literals
_LITERAL_ARGS = {"_": 1, "gettext": 1, "ngettext": 2, "pgettext": 2, "npgettext": 3}


def _refuse_dropped(project: Project) -> None:
    """Fail where an extractor would silently skip a message (a non-literal argument)."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted(project.templates_dir.rglob("*.html")):
        try:
            tree = env.parse(path.read_text("utf-8"))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=path,
                                line=exc.lineno) from None
        for call in tree.find_all(nodes.Call):
            name = getattr(call.node, "name", None)
            literal = _LITERAL_ARGS.get(name or "")
            if literal is None:
                continue
            args = call.args[:literal]
            if len(args) < literal or not all(
                    isinstance(a, nodes.Const) and isinstance(a.value, str) for a in args):
                raise TemplateError(f"{name}() needs literal strings, or the message is lost"
                                    " to translators; pass values as keyword arguments",
                                    path=path, line=call.lineno)


def _po_bytes(catalog: Catalog) -> bytes:
    """Babel writes the catalog; GNU msgcat, when installed, lays it out as msgmerge,
    Poedit and Weblate do, so translators' tools and ours never fight over line breaks."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, include_previous=True, include_lineno=False)
    data = buf.getvalue()
    if shutil.which("msgcat"):
        gnu = subprocess.run(["msgcat", f"--width={WIDTH}", "-o", "-", "-"], input=data,
                             capture_output=True, check=False)
        if gnu.returncode == 0 and gnu.stdout:
            return gnu.stdout
    return data


def write_catalog(path: Path, catalog: Catalog) -> None:
    require_strict_parser()
    write_atomic(path, _po_bytes(catalog))


def write_template(project: Project, template: Catalog, domain: str = DOMAIN) -> bool:
    """Write ``locales/<domain>.pot`` unless its messages are unchanged; True if written."""
    path = project.pot_path(domain)
    if path.is_file():
        old = _read(path)
        if _same_messages(old, template):
            return False
    write_catalog(path, template)
    return True


def _read(path: Path) -> Catalog:
    try:
        with path.open("rb") as fh:
            return read_po(fh, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"cannot read template: {exc}; run: python generate.py extract",
                           path=path) from None


def _entry(m: Message) -> tuple[object, ...]:
    """A message's content; comments are joined because writers wrap them differently."""
    return (m.id, m.context, m.string or "", tuple(sorted(m.flags)), " ".join(m.auto_comments),
            " ".join(m.user_comments), tuple(sorted({f for f, _ in m.locations})),
            tuple(m.previous_id or ()))


def _same_messages(a: Catalog, b: Catalog) -> bool:
    return [_entry(m) for m in a if m.id] == [_entry(m) for m in b if m.id]


def init(project: Project, code: str, *, translator: str = "", produced_by: str = "",
         today: dt.date | None = None) -> Path:
    """Create a catalog for a new language from the template, with a correct header."""
    try:
        locale = parse_locale(code)
    except LanguageError:
        raise LanguageError(f"unknown locale {code!r}{_suggest(code)}") from None
    folder = code.replace("-", "_")
    path = catalog_path(project.locales_dir, folder)
    if path.exists():
        raise CatalogError("catalog already exists; use update to refresh it", path=path,
                           language=folder)
    if not project.pot_file.is_file():
        raise CatalogError("no template; run: python generate.py extract",
                           path=project.pot_file)
    template = _read(project.pot_file)
    when = today or dt.date.today()
    catalog = PoCatalog(locale=folder, domain=DOMAIN, project="handouts", version=__version__,
                      msgid_bugs_address="", charset="utf-8", fuzzy=False,
                      creation_date=template.creation_date,
                      revision_date=dt.datetime(when.year, when.month, when.day,
                                                tzinfo=dt.UTC),
                      last_translator=translator or "FULL NAME <EMAIL@ADDRESS>",
                      language_team=f"{locale.english_name} <>")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.extra_headers = [(PRODUCED_BY, produced_by or "not yet translated"),
                             (REVIEW_STATUS, "unreviewed"), (REVIEWED_BY, ""),
                             (REVIEW_DATE, "")]
    write_catalog(path, catalog)
    return path


def _suggest(code: str) -> str:
    """A hint with close CLDR locale codes, e.g. for a typo such as ``pt-BT``."""
    import difflib

    from babel.localedata import locale_identifiers

    matches = difflib.get_close_matches(code.replace("-", "_"), locale_identifiers(), n=3,
                                        cutoff=0.6)
    return f"; did you mean {', '.join(matches)}?" if matches else ""


@dataclass(frozen=True)
class Updated:
    """What ``update`` did (or, with ``check``, would do) to one file."""

    path: Path
    changed: bool
    added: int = 0
    fuzzy: int = 0
    obsolete: int = 0
    revived: int = 0


def _content(catalog: Catalog) -> tuple[object, ...]:
    """What a catalog says, ignoring layout: a file in GNU or Poedit layout compares equal."""
    headers = tuple((k, v.strip()) for k, v in catalog.mime_headers)
    return (headers, [_entry(m) for m in catalog if m.id],
            [_entry(m) for m in catalog.obsolete.values()])


def merge(catalog: Catalog, template: Catalog) -> Updated:
    """Merge a template into a catalog in place, the way GNU msgmerge does.

    Changed English becomes fuzzy with the previous msgid kept (``#|``); removed
    English becomes obsolete (``#~``) and comes back, translated, if it returns.
    """
    before_ids = {catalog._key_for(m.id, m.context) for m in catalog if m.id}
    previous = {catalog._key_for(m.id, m.context): m.previous_id for m in catalog
                if m.id and m.previous_id}
    wanted = {template._key_for(m.id, m.context) for m in template if m.id}
    revived = 0
    for key, message in list(catalog.obsolete.items()):
        if catalog._key_for(message.id, message.context) in wanted:
            del catalog.obsolete[key]
            catalog[message.id] = message
            revived += 1
    obsolete_before = len(catalog.obsolete)
    catalog.update(template, no_fuzzy_matching=False, update_header_comment=False,
                   keep_user_comments=True, update_creation_date=True)
    fuzzy = 0
    for message in catalog:
        key = catalog._key_for(message.id, message.context)
        if not message.id:
            continue
        if message.fuzzy and not message.previous_id and key in previous:
            message.previous_id = previous[key]  # Babel forgets it on the next run
        if not message.fuzzy:
            message.previous_id = []
        elif message.previous_id and key not in before_ids:
            fuzzy += 1
    added = len(wanted - before_ids) - fuzzy - revived
    return Updated(Path(), True, added=max(added, 0), fuzzy=fuzzy,
                   obsolete=len(catalog.obsolete) - obsolete_before, revived=revived)


def update(project: Project, codes: Iterable[str] = (), *, check: bool = False
           ) -> tuple[list[Path], list[Updated]]:
    """Re-extract the templates and merge them into every catalog.

    Returns the templates (.pot) that were out of date, and what changed per
    catalog. With ``check``, nothing is written.
    """
    stale: list[Path] = []
    results = []
    for domain in DOMAINS:
        pot = project.pot_path(domain)
        template = extract(project, domain)
        pot_stale = not pot.is_file() or not _same_messages(_read(pot), template)
        if pot_stale and not check:
            write_template(project, template, domain)
        if not pot_stale:
            template = _read(pot)  # keep its creation date
        if pot_stale:
            stale.append(pot)
        results += _merge_all(project, codes, domain, template, check)
    return stale, results


def _merge_all(project: Project, codes: Iterable[str], domain: str, template: Catalog,
               check: bool) -> list[Updated]:
    """Merge one domain's template into its catalogs (the gallery's only where they exist)."""
    results = []
    for code in list(codes) or shipped_languages(project.locales_dir):
        path = catalog_path(project.locales_dir, code, domain)
        if domain != DOMAIN and not path.is_file():
            continue
        loaded = load_catalog(path, code)
        before = _content(loaded.catalog)
        counts = merge(loaded.catalog, template)
        changed = _content(loaded.catalog) != before
        if changed and not check:
            write_catalog(path, loaded.catalog)
        results.append(Updated(path, changed, counts.added, counts.fuzzy, counts.obsolete,
                               counts.revived))
    return results

"""Sync: keep catalogs in step with the templates (extract, init, update)."""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from . import __version__
from .catalog import (
    DOMAIN,
    PRODUCED_BY,
    REVIEW_DATE,
    REVIEW_STATUS,
    REVIEWED_BY,
    PoCatalog,
    catalog_path,
    parse_locale,
)
from .errors import CatalogError, HandoutError, LanguageError, TemplateError
from .pdf import write_atomic
from .project import Project

COMMENT_TAG = "Translators:"
WIDTH = 79  # GNU gettext's default line width, so msgmerge and Poedit agree with us
DEFAULT_MAPPING = [{"method": "jinja2", "pattern": "templates/**.html",
                    "extensions": "jinja2.ext.i18n", "trimmed": "true",
                    "newstyle_gettext": "true"}]


def _mapping(project: Project) -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    """Babel's method map from pyproject.toml ``[[tool.babel.mappings]]``."""
    pyproject = project.root / "pyproject.toml"
    entries = DEFAULT_MAPPING
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text("utf-8"))
        entries = data.get("tool", {}).get("babel", {}).get("mappings", entries)
    method_map = [(e["pattern"], e["method"]) for e in entries]
    options_map = {e["pattern"]: {k: v for k, v in e.items() if k not in ("pattern", "method")}
                   for e in entries}
    return method_map, options_map


def extract(project: Project) -> Catalog:
    """Extract every message from the templates into a template catalog."""
    method_map, options_map = _mapping(project)
    template = PoCatalog(project="handouts", version=__version__, domain=DOMAIN,
                       msgid_bugs_address="", charset="utf-8", fuzzy=False)
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


def _po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, include_previous=True, include_lineno=False)
    return buf.getvalue()


def write_catalog(path: Path, catalog: Catalog) -> None:
    write_atomic(path, _po_bytes(catalog))


def write_template(project: Project, template: Catalog) -> bool:
    """Write ``locales/handouts.pot`` unless its messages are unchanged; True if written."""
    path = project.pot_file
    if path.is_file():
        old = read_po(path.open("rb"))
        if _same_messages(old, template):
            return False
    write_catalog(path, template)
    return True


def _same_messages(a: Catalog, b: Catalog) -> bool:
    def key(c: Catalog) -> list[tuple[object, ...]]:
        return [(m.id, m.context, tuple(m.auto_comments), tuple(m.locations),
                 tuple(sorted(m.flags))) for m in c if m.id]
    return key(a) == key(b)


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
    template = read_po(project.pot_file.open("rb"))
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


def locale_codes(codes: Iterable[str]) -> list[Locale]:
    return [parse_locale(c) for c in codes]


__all__ = ["HandoutError", "extract", "init", "write_template"]

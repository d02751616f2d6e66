"""Sync: keep catalogs in step with the templates (extract, init, update)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po
from jinja2 import nodes

from . import __version__
from .catalog import (
    LEGACY_REVIEW_FIELDS,
    PRODUCED_BY,
    SOURCE_LANGUAGE,
    PoCatalog,
    catalog_path,
    load_catalog,
    message_strings,
    parse_locale,
    require_strict_parser,
    shipped_languages,
)
from .domains import COMMON, GALLERY, domain_of, domain_templates, domains, messages_in
from .errors import CatalogError, LanguageError, TemplateError
from .output import write_atomic
from .project import Project

WIDTH = 79  # GNU gettext's default line width, so msgmerge and Poedit agree with us
LEGACY = "handouts"  # the single catalog every handout once shared


def extract(project: Project, domain: str = COMMON) -> Catalog:
    """Extract every message of a domain from its templates into a template catalog."""
    template = PoCatalog(project="handouts", version=__version__, domain=domain,
                         msgid_bugs_address="", charset="utf-8", fuzzy=False)
    _refuse_dropped(project)
    for name in domain_templates(project.templates_dir, domain):
        for message in messages_in(project.templates_dir, name):
            template.add(message.msgid, None, [(f"templates/{name}", message.line)],
                         auto_comments=list(message.comments), context=message.context)
    if not len(template) and domain != GALLERY:
        raise TemplateError(f"no messages found for the {domain!r} domain in templates/",
                            path=project.templates_dir)
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


def write_template(project: Project, template: Catalog, domain: str = COMMON) -> bool:
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
         today: dt.date | None = None) -> list[Path]:
    """Create a new language's catalogs, one per domain, from the templates (.pot)."""
    try:
        locale = parse_locale(code)
    except LanguageError:
        raise LanguageError(f"unknown locale {code!r}{_suggest(code)}") from None
    folder = code.replace("-", "_")
    paths = [catalog_path(project.locales_dir, folder, d)
             for d in domains(project.templates_dir)]
    existing = [p for p in paths if p.exists()]
    if existing:
        raise CatalogError("catalog already exists; use update to refresh it",
                           path=existing[0], language=folder)
    when = today or dt.date.today()
    written = []
    for domain, path in zip(domains(project.templates_dir), paths, strict=True):
        pot = project.pot_path(domain)
        if not pot.is_file():
            raise CatalogError("no template; run: python generate.py extract", path=pot)
        written.append(path)
        write_catalog(path, _new_catalog(_read(pot), folder, str(locale.english_name), domain,
                                         when,
                                         translator, produced_by))
    return written


def _new_catalog(template: Catalog, folder: str, english_name: str, domain: str,
                 when: dt.date, translator: str = "", produced_by: str = "") -> Catalog:
    """An empty catalog for ``folder`` with GNU-ordered headers."""
    catalog = PoCatalog(locale=folder, domain=domain, project="handouts", version=__version__,
                        msgid_bugs_address="", charset="utf-8", fuzzy=False,
                        creation_date=template.creation_date,
                        revision_date=dt.datetime(when.year, when.month, when.day,
                                                  tzinfo=dt.UTC),
                        last_translator=translator or "FULL NAME <EMAIL@ADDRESS>",
                        language_team=f"{english_name} <>")
    # Babel's update shares the template's Message objects: copy, or filling one
    # language's catalog would write into the next language's.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    catalog.extra_headers = [(PRODUCED_BY, produced_by or "not yet translated")]
    return catalog


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
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=False, update_header_comment=False,
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
    """Re-extract the templates and merge each domain into every language's catalog.

    A handout new to a language gets its catalog, with each message that another
    of the language's catalogs already translates filled in and marked fuzzy,
    for a translator to confirm. Returns the templates (.pot) that were out of
    date, and what changed per catalog. With ``check``, nothing is written.
    """
    stale: list[Path] = []
    results = []
    languages = [c for c in (list(codes) or shipped_languages(project.locales_dir))
                 if c != SOURCE_LANGUAGE]
    for domain in [*domains(project.templates_dir), GALLERY]:
        pot = project.pot_path(domain)
        template = extract(project, domain)
        pot_stale = not pot.is_file() or not _same_messages(_read(pot), template)
        if pot_stale and not check:
            write_template(project, template, domain)
        if not pot_stale:
            template = _read(pot)  # keep its creation date
        if pot_stale:
            stale.append(pot)
        results += _merge_all(project, languages, domain, template, check)
    return stale, results


def _merge_all(project: Project, codes: list[str], domain: str, template: Catalog,
               check: bool) -> list[Updated]:
    """Merge one domain's template into its catalogs (the gallery's only where they exist).

    A message new to a catalog is filled in, fuzzy, when another of the
    language's catalogs already translates the same msgid (a new handout, or
    text moved into a shared partial), as ``msgmerge --compendium`` would.
    """
    results = []
    for code in codes:
        path = catalog_path(project.locales_dir, code, domain)
        if not path.is_file():
            if domain == GALLERY:
                continue
            catalog = _first_catalog(project, code, domain, template)
            prefilled = _prefill(catalog, _known(project, code))
            if not check:
                write_catalog(path, catalog)
            results.append(Updated(path, True, added=len(template) - prefilled,
                                   fuzzy=prefilled))
            continue
        loaded = load_catalog(path, code)
        before = _content(loaded.catalog)
        empty_before = {(m.id, m.context) for m in loaded.catalog
                        if m.id and not any(message_strings(m))}
        counts = merge(loaded.catalog, template)
        prefilled = 0
        if domain != GALLERY:
            new = [m for m in loaded.catalog if m.id and (m.id, m.context) not in empty_before
                   and not any(message_strings(m))]
            if new:
                prefilled = _prefill(loaded.catalog, _known(project, code, exclude=path), new)
        changed = _content(loaded.catalog) != before
        if changed and not check:
            write_catalog(path, loaded.catalog)
        results.append(Updated(path, changed, counts.added - prefilled,
                               counts.fuzzy + prefilled, counts.obsolete, counts.revived))
    return results


def _known(project: Project, code: str, exclude: Path | None = None
           ) -> dict[tuple[object, str | None], Message]:
    """What the language's other catalogs translate (obsolete entries too), by msgid."""
    known: dict[tuple[object, str | None], Message] = {}
    for path in sorted(project.locales_dir.glob(f"{code}/LC_MESSAGES/*.po")):
        if path == exclude or path.stem == GALLERY:
            continue
        catalog = load_catalog(path, code).catalog
        for message in [*catalog, *catalog.obsolete.values()]:
            if message.id and not message.fuzzy and all(message_strings(message)):
                known.setdefault((message.id, message.context), message)
    return known


def _prefill(catalog: Catalog, known: dict[tuple[object, str | None], Message],
             messages: Iterable[Message] | None = None) -> int:
    """Fill empty messages from ``known``, marked fuzzy for a translator to confirm."""
    filled = 0
    for message in catalog if messages is None else messages:
        source = known.get((message.id, message.context)) if message.id else None
        if source is not None and not any(message_strings(message)):
            message.string = copy.copy(source.string)
            message.flags.add("fuzzy")
            filled += 1
    return filled


def _first_catalog(project: Project, code: str, domain: str, template: Catalog) -> Catalog:
    """A new domain's empty catalog for ``code``, with the language's own header fields."""
    others = sorted(project.locales_dir.glob(f"{code}/LC_MESSAGES/*.po"))
    if not others:
        raise CatalogError(f"no catalogs for {code!r}; create them with: python generate.py"
                           f" init {code}", path=project.locales_dir / code)
    first = load_catalog(others[0], code)
    header = first.catalog
    catalog = _new_catalog(template, code, str(first.language.locale.english_name), domain,
                           dt.date.today())
    catalog.mime_headers = list(header.mime_headers)
    catalog.extra_headers = [  # type: ignore[attr-defined]
        (k, v) for k, v in getattr(header, "extra_headers", []) if k not in LEGACY_REVIEW_FIELDS]
    return catalog


def migrate(project: Project) -> list[Path]:
    """Split each language's single ``handouts.po`` into one catalog per domain.

    Every message goes to the domain of each template that prints it (so a
    message both a handout and a partial print goes to both), with its
    translation, comments, flags and previous msgid; entries without a
    location (obsolete ones) go to every handout's catalog. Header fields are
    copied unchanged. The English catalog, which only repeats the templates,
    is removed. Returns the files written.
    """
    written: list[Path] = []
    handouts = domains(project.templates_dir)[1:]
    # Where each message is printed today, which may differ from its old #: lines
    # (text moved into a shared partial, for one).
    printed_in: dict[object, set[str]] = {}
    for domain in domains(project.templates_dir):
        for name in domain_templates(project.templates_dir, domain):
            for found in messages_in(project.templates_dir, name):
                printed_in.setdefault(found.key, set()).add(domain)
    for old in sorted(project.locales_dir.glob(f"*/LC_MESSAGES/{LEGACY}.po")):
        code = old.parent.parent.name
        loaded = load_catalog(old, code)
        if code != SOURCE_LANGUAGE:
            for domain in domains(project.templates_dir):
                part = copy.deepcopy(loaded.catalog)
                part.domain = domain
                for message in list(part):
                    key = (message.id if isinstance(message.id, str) else message.id[0],
                           message.context)
                    where = printed_in.get(key) or {
                        domain_of(f.removeprefix("templates/")) for f, _ in message.locations}
                    if message.id and domain not in (where or set(handouts)):
                        part.delete(message.id, context=message.context)
                if domain not in handouts:
                    part.obsolete.clear()
                path = catalog_path(project.locales_dir, code, domain)
                write_catalog(path, part)
                written.append(path)
        old.unlink()
    legacy_pot = project.pot_path(LEGACY)
    if written and legacy_pot.is_file() and LEGACY not in handouts:
        legacy_pot.unlink()
    return written

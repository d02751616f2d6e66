"""Sync: keep catalogs in step with the templates (extract, init, update)."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import babel
import jinja2
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po
from jinja2 import nodes

from . import __version__
from .catalog import (
    LEGACY_REVIEW_FIELDS,
    MAX_CATALOG_BYTES,
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
from .errors import CatalogError, LanguageError, OutputError, SetupError, TemplateError
from .output import write_atomic
from .project import Project

WIDTH = 79  # GNU gettext's default line width, so msgmerge and Poedit agree with us
LEGACY = "handouts"  # the single catalog every handout once shared


def extract(project: Project, domain: str = COMMON) -> Catalog:
    """Extract every message of a domain from its templates into a template catalog."""
    _refuse_dropped(project)
    return _extract(project, domain)


def _extract(project: Project, domain: str) -> Catalog:
    """``extract`` without checking the other domains' templates first."""
    template = PoCatalog(project="handouts", version=__version__, domain=domain,
                         msgid_bugs_address="", charset="utf-8", fuzzy=False)
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


@functools.cache
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(extensions=["jinja2.ext.i18n"])


def _refuse_dropped(project: Project) -> None:
    """Fail where an extractor would silently skip a message (a non-literal argument)."""
    for path in sorted(project.templates_dir.rglob("*.html")):
        _refuse_dropped_in(path)


def _refuse_dropped_in(path: Path) -> None:
    """``_refuse_dropped`` for one template file."""
    try:
        tree = _jinja().parse(path.read_text("utf-8"))
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
    skipped: bool = False  # its inputs had not changed since the last update: not merged


def _content(catalog: Catalog) -> tuple[object, ...]:
    """What a catalog says, ignoring layout: a file in GNU or Poedit layout compares equal."""
    headers = tuple((k, v.strip()) for k, v in catalog.mime_headers)
    return (headers, [_entry(m) for m in catalog if m.id],
            [_entry(m) for m in catalog.obsolete.values()])


def update(project: Project, codes: Iterable[str] = (), *, check: bool = False
           ) -> tuple[list[Path], list[Updated]]:
    """Re-extract the templates and merge each domain into every language's catalog.

    GNU msgmerge does the merging. A handout new to a language gets its
    catalog, with each message that another of the language's catalogs already
    translates filled in and marked fuzzy, for a translator to confirm. What
    did not change since the last update (a domain's templates and its .pot; a
    catalog's bytes and its .pot) is skipped, as ``.cache/update.json``
    records it. Returns the templates (.pot) that were out of date, and what
    changed per catalog. With ``check``, nothing is written.
    """
    msgmerge = _gettext_tool("msgmerge")
    languages = [c for c in (list(codes) or shipped_languages(project.locales_dir))
                 if c != SOURCE_LANGUAGE]
    cache_path = project.root / CACHE
    cache = _Cache.load(cache_path, _stamp(msgmerge))
    stale: list[Path] = []
    results: list[Updated] = []
    with (tempfile.TemporaryDirectory(prefix="handouts-update-") as scratch,
          ThreadPoolExecutor(len(os.sched_getaffinity(0))) as pool):
        updater = _Updater(project, languages, cache, Path(scratch), pool, msgmerge, check)
        try:
            for domain in [*domains(project.templates_dir), GALLERY]:
                pot, pot_stale = updater.template(domain)
                if pot_stale:
                    stale.append(project.pot_path(domain))
                results += updater.merge_all(domain, pot)
        finally:
            if not check:
                cache.save(cache_path, languages)
    return stale, results


CACHE = Path(".cache") / "update.json"  # in the project root; .gitignore lists .cache/
CACHE_FORMAT = 1  # raise it when extraction or merging changes what update writes
MAX_CACHE_BYTES = 16_000_000  # a few hundred bytes per catalog; anything bigger is not ours


def _gnu_env() -> dict[str, str]:
    return {**os.environ, "LC_ALL": "C"}  # GNU tools' messages in English, for our errors


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _gettext_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SetupError(f"GNU {name} is not installed; update needs it. Run scripts/setup.sh,"
                         " or: apt-get install gettext")
    return found


def _stamp(msgmerge: str) -> str:
    """What the cache is valid for: this code, its Babel and its msgmerge."""
    version = subprocess.run([msgmerge, "--version"], capture_output=True, text=True,
                             env=_gnu_env(), check=False).stdout.partition("\n")[0]
    return f"{CACHE_FORMAT} handouts {__version__} babel {babel.__version__} {version}"


@dataclass
class _Cache:
    """What the last update left in step, as digests: for each domain its templates and
    its .pot; for each catalog (``<lang>/<domain>``) its .pot and its own bytes. A cache
    that is missing, unreadable or from another version is empty: nothing is skipped."""

    stamp: str
    pots: dict[str, list[str]]  # as read: what the last update left
    catalogs: dict[str, list[str]]
    fresh_pots: dict[str, list[str]] = field(default_factory=dict)  # what this one leaves
    fresh_catalogs: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, stamp: str) -> _Cache:
        empty = cls(stamp, {}, {})
        try:
            with path.open("rb") as fh:
                raw = json.loads(fh.read(MAX_CACHE_BYTES + 1))
        except (OSError, ValueError, RecursionError):  # JSON and UTF-8 errors are ValueErrors
            return empty
        if not isinstance(raw, dict) or raw.get("stamp") != stamp:
            return empty
        tables = raw.get("pots"), raw.get("catalogs")
        for table in tables:
            if not isinstance(table, dict) or not all(
                    isinstance(v, list) and len(v) == 2 and all(isinstance(d, str) for d in v)
                    for v in table.values()):
                return empty
        return cls(stamp, *tables)  # type: ignore[arg-type]

    def save(self, path: Path, languages: list[str]) -> None:
        """Write what this update left in step; other languages' entries stay as they were."""
        catalogs = {key: digests for key, digests in self.catalogs.items()
                    if key.partition("/")[0] not in languages}
        catalogs.update(self.fresh_catalogs)
        if self.fresh_pots == self.pots and catalogs == self.catalogs:
            return
        data = json.dumps({"stamp": self.stamp, "pots": self.fresh_pots, "catalogs": catalogs},
                          sort_keys=True, separators=(",", ":"))
        with contextlib.suppress(OutputError):  # without it, the next update skips nothing
            write_atomic(path, data)


class _Updater:
    """One update run: the .pot files it merges, and each language's known translations."""

    def __init__(self, project: Project, languages: list[str], cache: _Cache, scratch: Path,
                 pool: ThreadPoolExecutor, msgmerge: str, check: bool) -> None:
        self.project, self.cache, self.scratch, self.pool = project, cache, scratch, pool
        # Each language's folder, built once: merge_all runs for every catalog.
        self.folders = {code: catalog_path(project.locales_dir, code).parent
                        for code in languages}
        self.msgmerge, self.check = msgmerge, check
        self.templates: dict[str, Catalog] = {}
        self.known: dict[str, dict[tuple[object, str | None], Message]] = {}

    def template(self, domain: str) -> tuple[Path, bool]:
        """The .pot to merge ``domain`` from, written first if out of date (or, with
        ``check``, a scratch copy); and whether it was out of date."""
        templates_dir = self.project.templates_dir
        names = domain_templates(templates_dir, domain)
        sources = _digest("\0".join(f"{name}\0{_digest((templates_dir / name).read_bytes())}"
                                     for name in names).encode())
        pot = self.project.pot_path(domain)
        old = pot.read_bytes() if pot.is_file() else None
        if old is not None and self.cache.pots.get(domain) == [sources, _digest(old)]:
            self.cache.fresh_pots[domain] = self.cache.pots[domain]
            return pot, False
        for name in names:
            _refuse_dropped_in(templates_dir / name)
        template = _extract(self.project, domain)
        if old is not None and _same_messages(_read(pot), template):
            self.cache.fresh_pots[domain] = [sources, _digest(old)]
            return pot, False
        self.templates[domain] = template
        if self.check:
            pot = self.scratch / pot.name
            write_atomic(pot, _po_bytes(template))
            return pot, True
        write_catalog(pot, template)
        self.cache.fresh_pots[domain] = [sources, _digest(pot.read_bytes())]
        return pot, True

    def merge_all(self, domain: str, pot: Path) -> list[Updated]:
        """Merge one domain's .pot into its catalogs (the gallery's only where they exist)."""
        pot_digest = _digest(pot.read_bytes())
        catalogs: dict[str, tuple[Path, bytes | None, list[str]]] = {}
        for code, folder in self.folders.items():
            path = folder / f"{domain}.po"
            try:
                with path.open("rb") as fh:
                    data: bytes | None = fh.read(MAX_CATALOG_BYTES + 1)
            except FileNotFoundError:
                data = None
            except OSError:
                data = b""
            if data is not None and (not data or len(data) > MAX_CATALOG_BYTES):
                load_catalog(path, code)  # refuses it, saying why
            digests = [pot_digest, _digest(data)] if data is not None else []
            catalogs[code] = (path, data, digests)
        todo = {code: data for code, (_, data, digests) in catalogs.items()
                if data is not None and self.cache.catalogs.get(f"{code}/{domain}") != digests}
        # msgmerge is most of the work when nothing is cached: run one per CPU.
        merged = dict(zip(todo, self.pool.map(lambda data: self._msgmerge(data, pot),
                                              todo.values()), strict=True))
        results = []
        for code, (path, data, digests) in catalogs.items():
            if data is None and domain == GALLERY:
                continue
            if data is None or code in merged:
                result, now = (self._create(code, domain, path, pot) if data is None else
                               self._merge(code, domain, path, data, merged[code]))
                digests = [pot_digest, _digest(now)]
            else:
                result = Updated(path, False, skipped=True)
            results.append(result)
            if not self.check:
                self.cache.fresh_catalogs[f"{code}/{domain}"] = digests
        return results

    def _msgmerge(self, data: bytes, pot: Path) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([self.msgmerge, "--quiet", "--previous", f"--width={WIDTH}", "-o",
                               "-", "-", str(pot)], input=data, capture_output=True,
                              env=_gnu_env(), check=False)

    def _write(self, path: Path, data: bytes) -> None:
        if not self.check:
            require_strict_parser()
            write_atomic(path, data)

    def _merge(self, code: str, domain: str, path: Path, data: bytes,
               merged: subprocess.CompletedProcess[bytes]) -> tuple[Updated, bytes]:
        """Take msgmerge's result for one catalog; fill its new messages from the
        language's other catalogs. Returns what changed, and the catalog's bytes as
        they are now on disk.
        """
        if merged.returncode != 0 or not merged.stdout:
            load_catalog(path, code)  # names the file and line when the catalog is at fault
            problem = merged.stderr.decode("utf-8", "replace").strip().partition("\n")[0]
            raise CatalogError(f"GNU msgmerge cannot merge it: {problem}", path=path,
                               language=code)
        if merged.stdout == data:
            return Updated(path, False), data
        before = load_catalog(path, code).catalog
        scratch = self.scratch / f"{code}-{path.name}"
        scratch.write_bytes(merged.stdout)  # read back once: no need to sync it to disk
        after = load_catalog(scratch, code).catalog
        counts = _counts(path, before, after)
        output, prefilled = merged.stdout, 0
        if domain != GALLERY:
            empty_before = {(m.id, m.context) for m in before
                            if m.id and not any(message_strings(m))}
            new = [m for m in after if m.id and (m.id, m.context) not in empty_before
                   and not any(message_strings(m))]
            if new:
                prefilled = _prefill(after, self._known(code), new)
            if prefilled:
                output = _po_bytes(after)
        if _content(after) == _content(before):
            return Updated(path, False), data  # only the layout differs: leave it be
        self._write(path, output)
        return Updated(path, True, counts.added - prefilled, counts.fuzzy + prefilled,
                       counts.obsolete, counts.revived), output

    def _create(self, code: str, domain: str, path: Path, pot: Path) -> tuple[Updated, bytes]:
        """A new domain's catalog for ``code``, pre-filled from its other catalogs."""
        if domain not in self.templates:
            self.templates[domain] = _read(pot)
        template = self.templates[domain]
        catalog = _first_catalog(self.project, code, domain, template)
        prefilled = _prefill(catalog, self._known(code))
        data = _po_bytes(catalog)
        self._write(path, data)
        total = sum(1 for m in template if m.id)
        return Updated(path, True, added=total - prefilled, fuzzy=prefilled), data

    def _known(self, code: str) -> dict[tuple[object, str | None], Message]:
        """What the language's catalogs translated when first asked, in this run."""
        if code not in self.known:
            self.known[code] = _known(self.project, code)
        return self.known[code]


def _counts(path: Path, before: Catalog, after: Catalog) -> Updated:
    """What a merge did: messages new, fuzzy (changed English), obsolete and revived."""
    active = {before._key_for(m.id, m.context) for m in before if m.id}
    new = [m for m in after if m.id and after._key_for(m.id, m.context) not in active]
    revived = sum(1 for m in new if after._key_for(m.id, m.context) in before.obsolete)
    fuzzy = sum(1 for m in new
                if m.fuzzy and after._key_for(m.id, m.context) not in before.obsolete)
    obsolete = sum(1 for key in after.obsolete if key in active)
    return Updated(path, True, len(new) - fuzzy - revived, fuzzy, obsolete, revived)


def _known(project: Project, code: str) -> dict[tuple[object, str | None], Message]:
    """What the language's catalogs translate (obsolete entries too), by msgid.

    One ``msgcat --use-first`` reads them all, the first translation of each
    msgid winning; should it fail, each catalog is loaded on its own, which
    names a broken file and its line.
    """
    paths = [p for p in sorted(project.locales_dir.glob(f"{code}/LC_MESSAGES/*.po"))
             if p.stem != GALLERY]
    combined = _msgcat(paths) if paths else None
    catalogs = [combined] if combined is not None else [
        load_catalog(path, code).catalog for path in paths]
    known: dict[tuple[object, str | None], Message] = {}
    for catalog in catalogs:
        for message in [*catalog, *catalog.obsolete.values()]:
            if message.id and not message.fuzzy and all(message_strings(message)):
                known.setdefault((message.id, message.context), message)
    return known


def _msgcat(paths: list[Path]) -> Catalog | None:
    """The catalogs as one (a compendium), or None if msgcat cannot read one of them."""
    if any(path.stat().st_size > MAX_CATALOG_BYTES for path in paths):
        return None
    run = subprocess.run([_gettext_tool("msgcat"), "--use-first", "-o", "-",
                          *map(str, paths)], capture_output=True, env=_gnu_env(), check=False)
    if run.returncode != 0:
        return None
    try:
        return read_po(io.BytesIO(run.stdout))
    except (PoFileError, ValueError, IndexError):  # as load_catalog: then it names the file
        return None


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
    # As msgmerge will set it: else the next merge rewrites the file for this one line.
    catalog.creation_date = template.creation_date
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

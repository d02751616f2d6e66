"""Catalogs: find, load and measure the gettext ``.po`` files.

Catalogs are read straight from ``.po`` at build time (no ``.mo`` step), so a
translator's edit shows in the next build.
"""

from __future__ import annotations

import datetime as dt
import email
import functools
import gettext
import inspect
import io
import os
import re
import struct
import subprocess
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import babel
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, PoFileParser, read_po, unescape
from babel.support import Translations

from .errors import CatalogError, LanguageError, SetupError

DOMAIN = "handouts"
SOURCE_LANGUAGE = "en"

# Header fields of the first release, which let a catalog declare itself reviewed.
# Ignored now (check warns): sign-offs live in locales/<lang>/reviews.json.
LEGACY_REVIEW_FIELDS = ("X-Review-Status", "X-Reviewed-By", "X-Review-Date")
PRODUCED_BY = "X-Produced-By"


GNU_HEADER_ORDER = (
    "Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date", "PO-Revision-Date",
    "Last-Translator", "Language-Team", "Language", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "Plural-Forms",
)


# A placeholder with a width or precision (%(x)999999999s): refused by the checks and
# never formatted, since its output has no bound.
PADDED_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d+|%\(\w+\)[-#0 +]*\d*\.\d+")


class PoCatalog(Catalog):
    """A Babel catalog that writes headers in GNU order and keeps our ``X-`` fields.

    Babel drops header fields it does not know, and orders them its own way;
    msgmerge and Poedit would then fight it over every file.
    """

    extra_headers: list[tuple[str, str]]

    def _get_gnu_headers(self) -> list[tuple[str, str]]:
        babel = dict(Catalog._get_mime_headers(self))
        babel["Content-Type"] = "text/plain; charset=UTF-8"
        ordered = [(k, babel[k].strip()) for k in GNU_HEADER_ORDER if k in babel]
        headers = ordered + list(getattr(self, "extra_headers", []))
        name, value = headers[-1]
        headers[-1] = (name, value + "\n")  # write_po ends the header block with it
        return headers

    # Private Babel methods: babel_parser_problems() checks them; writes need them.
    if callable(getattr(Catalog, "_set_mime_headers", None)):
        mime_headers = property(_get_gnu_headers, Catalog._set_mime_headers)


@dataclass(frozen=True)
class Review:
    """Whether a qualified medical translator has checked a translation."""

    reviewed: bool
    reviewer: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Language:
    """A shipped language, described with Babel's CLDR data."""

    code: str
    locale: Locale
    revised: dt.date | None = None
    review: Review | None = None  # None for the source language and pseudo-locales
    bcp47: str | None = None  # set by pseudo-locales; otherwise derived from the code
    rtl: bool | None = None  # likewise; otherwise from CLDR

    @property
    def tag(self) -> str:
        """BCP 47 tag for ``<html lang>`` and the PDF's ``/Lang``."""
        return self.bcp47 or self.code.replace("_", "-")

    @property
    def direction(self) -> str:
        rtl = self.locale.text_direction == "rtl" if self.rtl is None else self.rtl
        return "rtl" if rtl else "ltr"

    @property
    def native_name(self) -> str:
        return self.locale.get_display_name(self.locale) or self.code

    @property
    def is_source(self) -> bool:
        return self.code == SOURCE_LANGUAGE


@dataclass(frozen=True)
class Stats:
    """Message counts. Fuzzy messages do not count as translated."""

    total: int
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def complete(self) -> bool:
        return self.translated == self.total


@dataclass
class LoadedCatalog:
    """A parsed ``.po`` file with its raw header fields."""

    path: Path
    catalog: Catalog
    headers: dict[str, str]
    language: Language
    lines: dict[object, int] = field(default_factory=dict)
    # What GNU msgfmt --check refuses beyond syntax: (line, message). Blocks publication.
    gnu_problems: list[tuple[int, str]] = field(default_factory=list)
    # A leaflet's merged text: the file each (msgid, msgctxt) came from, when not ``path``.
    origins: dict[object, Path] = field(default_factory=dict)

    def path_of(self, message: Message) -> Path:
        """The file that holds ``message``."""
        key = (message.id if isinstance(message.id, str) else message.id[0], message.context)
        return self.origins.get(key, self.path)

    def messages(self) -> Iterable[Message]:
        """The real messages, without the header entry."""
        return (m for m in self.catalog if m.id)

    @cached_property
    def stats(self) -> Stats:
        translated = fuzzy = untranslated = 0
        for message in self.messages():
            strings = message_strings(message)
            if message.fuzzy:
                fuzzy += 1
            elif all(strings):
                translated += 1
            else:
                untranslated += 1
        total = translated + fuzzy + untranslated
        return Stats(total, translated, fuzzy, untranslated, len(self.catalog.obsolete))

    @cached_property
    def translations(self) -> Translations:
        """gettext translations built in memory; fuzzy entries are left out."""
        buf = io.BytesIO()
        write_mo(buf, self.catalog, use_fuzzy=False)
        buf.seek(0)
        return Translations(fp=buf, domain=DOMAIN)

    def message_containing(self, char: str) -> Message | None:
        """The first message whose translation contains ``char``."""
        for message in self.messages():
            strings = message_strings(message)
            if any(char in s for s in strings if s):
                return message
        return None


def message_strings(message: Message) -> tuple[str, ...]:
    """A message's translation(s): one string, or one per plural form."""
    string = message.string
    return tuple(string) if isinstance(string, (tuple, list)) else (str(string or ""),)


class _Parser(PoFileParser):
    """Babel's parser, also keeping the raw header and refusing duplicates.

    Babel drops header fields it does not know (our review fields) and merges
    duplicate msgids silently; GNU msgfmt rejects them, so do we.
    """

    def __init__(self, catalog: Catalog, path: Path) -> None:
        super().__init__(catalog, abort_invalid=True)
        self.path = path
        self.header: str | None = None
        self.nplurals: int | None = None  # from the header's Plural-Forms
        self.seen: dict[object, int] = {}

    previous: list[str]

    def _process_comment(self, line: str) -> None:
        # Babel reads `#| msgid "…"` as a user comment; keep it as the previous msgid.
        if not line.startswith("#|"):
            super()._process_comment(line)
            return
        self._finish_current_message()
        rest = line[2:].strip()
        keyword, _, value = rest.partition(" ")
        if keyword == "msgid":
            self.previous = [unescape(value)]
        elif keyword == "msgid_plural":
            self.previous.append(unescape(value))
        elif rest.startswith('"') and self.previous:
            self.previous[-1] += unescape(rest)

    def _add_message(self) -> None:
        previous, self.previous = getattr(self, "previous", []), []
        if previous and self.messages:
            msgid = self.messages[0].denormalize() if len(self.messages) == 1 else tuple(
                m.denormalize() for m in self.messages)
            context = self.context.denormalize() if self.context else None
            obsolete = self.obsolete
            self._add_message_checked()
            key = self.catalog._key_for(msgid, context)
            added = self.catalog.obsolete.get(key) if obsolete else self.catalog.get(msgid,
                                                                                     context)
            if added is not None:
                added.previous_id = previous
            return
        self._add_message_checked()

    def _add_message_checked(self) -> None:
        if not self.obsolete and self.messages:
            msgid = self.messages[0].denormalize()
            context = self.context.denormalize() if self.context else None
            line = self.offset + 1
            if msgid == "" and context is None and len(self.messages) == 1:
                if self.header is not None:
                    raise CatalogError("duplicate header entry; delete the second msgid \"\"",
                                       path=self.path, line=line)
                self.header = self.translations[0][1].denormalize() if self.translations else ""
                # Babel would crash on a malformed Plural-Forms; say what is wrong instead.
                plural = email.message_from_string(self.header).get("Plural-Forms")
                if plural is not None:
                    self.nplurals = plural_forms(plural, self.path)
            else:
                if context == "":
                    # Compiled, an empty context is no context: this entry would silently
                    # replace the one without, so it is a duplicate of it.
                    first = self.seen.get((msgid, None))
                    where = f" (the entry on line {first})" if first else ""
                    raise CatalogError(f'duplicate message {excerpt(msgid)}: an empty msgctxt ""'
                                       f" is the same key as no msgctxt{where}; delete the"
                                       " msgctxt line", path=self.path, line=line)
                if len(self.messages) > 1:
                    self._check_plural_count(msgid, line)
                key = (msgid, context)
                if key in self.seen:
                    raise CatalogError(
                        f"duplicate message {excerpt(msgid)} (first on line {self.seen[key]});"
                        " delete one of them",
                        path=self.path, line=line)
                self.seen[key] = line
        super()._add_message()


    def _check_plural_count(self, msgid: str, line: int) -> None:
        forms = sorted(index for index, _ in self.translations)
        if self.nplurals is None:
            raise CatalogError(f"plural message {excerpt(msgid)}, but the header has no"
                               " Plural-Forms field; add one (python generate.py init writes"
                               " it)", path=self.path, line=line)
        if forms != list(range(self.nplurals)):
            raise CatalogError(
                f"plural message {excerpt(msgid)} has {len(forms)} msgstr[] form(s), but"
                f" Plural-Forms says nplurals={self.nplurals}; write exactly msgstr[0] to"
                f" msgstr[{self.nplurals - 1}]", path=self.path, line=line)


# The _Parser above overrides private methods of Babel's PoFileParser. Verify that
# surface at import; on any change, fall back to Babel's public read_po (with GNU
# msgfmt still judging syntax and duplicates) and say so once.
_PARSER_METHODS = {"_process_comment": ("self", "line"), "_add_message": ("self",),
                   "_finish_current_message": ("self",)}
_PARSER_STATE = ("messages", "translations", "context", "obsolete", "offset", "catalog")
_PROBE = """msgid ""
msgstr ""
"Language: es\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"X-Review-Status: unreviewed\\n"

#| msgid "Old"
msgid "New"
msgstr "Nuevo"

msgctxt "c"
msgid "a"
msgid_plural "b"
msgstr[0] "x"
msgstr[1] "y"
"""


def babel_parser_problems() -> list[str]:
    """What differs from the Babel surface that :class:`_Parser` relies on."""
    problems = []
    for name, params in _PARSER_METHODS.items():
        method = PoFileParser.__dict__.get(name)
        if not callable(method):
            problems.append(f"PoFileParser.{name} is missing")
        elif (found := tuple(inspect.signature(method).parameters)) != params:
            problems.append(f"PoFileParser.{name} takes ({', '.join(found)}), not"
                            f" ({', '.join(params)})")
    names: set[str] = set()
    for method_name in ("__init__", "_reset_message_state"):
        method = PoFileParser.__dict__.get(method_name)
        names |= set(getattr(getattr(method, "__code__", None), "co_names", ()))
    problems += [f"PoFileParser no longer sets .{a}" for a in _PARSER_STATE if a not in names]
    for name in ("_get_mime_headers", "_set_mime_headers", "_key_for"):
        if not callable(Catalog.__dict__.get(name)):
            problems.append(f"Catalog.{name} is missing")
    if problems:
        return problems
    try:  # and what it does, on a sample
        catalog = PoCatalog(locale="es", charset="utf-8")
        parser = _Parser(catalog, Path("<probe>"))
        parser.parse(io.StringIO(_PROBE))
        new, plural = catalog.get("New"), catalog.get("a", "c")
        ok = (parser.header is not None and "X-Review-Status" in parser.header
              and new is not None and new.previous_id == ["Old"] and plural is not None
              and plural.string == ("x", "y") and len(parser.seen) == 2)
    except Exception as exc:  # any failure of the sample is the finding
        return [f"the sample catalog fails: {type(exc).__name__}: {exc}"]
    return [] if ok else ["the sample catalog reads differently"]


class _StockResult:
    """What load_catalog needs from a parser, when Babel's stock one read the file."""

    def __init__(self, catalog: Catalog) -> None:
        self.header: str | None = "\n".join(f"{k}: {v}" for k, v in catalog.mime_headers)
        self.seen: dict[object, int] = {
            (m.id if isinstance(m.id, str) else m.id[0], m.context): m.lineno or 0
            for m in catalog if m.id}


def require_strict_parser() -> None:
    """Writing a catalog read by the fallback parser would drop fields: refuse it."""
    if not BABEL_PARSER_OK:
        raise SetupError(f"Babel {babel.__version__} changed under handouts"
                         f" ({'; '.join(_BABEL_PROBLEMS)}); catalogs are not rewritten, so"
                         " that nothing is lost. Install the tested versions:"
                         " scripts/setup.sh")


def excerpt(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return '"' + (text if len(text) <= width else text[: width - 1] + "…") + '"'


def parse_locale(code: str) -> Locale:
    """A Babel locale for ``zh_CN``, ``zh-CN`` or ``zh-Hans`` alike."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise LanguageError(f"unknown language code {code!r}") from None


MAX_ENTRIES = 5000  # a handout prints a few dozen messages; common and gallery fewer
MAX_CATALOG_BYTES = 4_000_000  # ~100 times a leaflet's catalog; bounds parsing and memory


def _read_text(path: Path, code: str) -> str:
    """The file as text: a regular file, within the size limit, UTF-8 (a BOM is fine)."""
    try:
        if not path.is_file():
            raise CatalogError("not a regular file; a catalog must be a .po text file",
                               path=path, language=code)
        with path.open("rb") as fh:
            data = fh.read(MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"cannot read catalog: {exc.strerror}", path=path,
                           language=code) from None
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"larger than {MAX_CATALOG_BYTES // 1_000_000} MB; a catalog this"
                           " big is not a leaflet's text", path=path, language=code)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogError("not valid UTF-8; save the file as UTF-8", path=path, line=line,
                           language=code) from None


_MSGFMT_LINE = re.compile(r"^<stdin>:(\d+):(?:\d+:)? (?!warning:)(.*)$", re.MULTILINE)


def _msgfmt(text: str, path: Path, code: str, *options: str) -> list[tuple[int, str]]:
    """GNU msgfmt's errors for ``text``, as (line, message); empty when it accepts it."""
    try:
        returncode, output = _run_msgfmt(text, options)
    except FileNotFoundError:
        raise SetupError("GNU gettext's msgfmt is not installed; run: sudo scripts/setup.sh"
                         " (or apt-get install gettext)") from None
    except subprocess.TimeoutExpired:
        raise CatalogError("GNU msgfmt took over 60 s to read it; the file is malformed or"
                           " far too large", path=path, language=code) from None
    if returncode == 0:
        return []
    found = [(int(m[1]), m[2].strip()) for m in _MSGFMT_LINE.finditer(output)]
    return found or [(0, (output.strip().splitlines() or ["failed"])[0])]


@functools.lru_cache(maxsize=64)
def _run_msgfmt(text: str, options: tuple[str, ...]) -> tuple[int, str]:
    """msgfmt's exit code and messages, once per content: the gate loads the same
    catalogs for the gallery, the build and ``check``, also from copies of the project."""
    result = subprocess.run(
        ["msgfmt", *options, "-o", os.devnull, "-"], input=text.encode("utf-8"),
        capture_output=True, timeout=60, check=False,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""})
    return result.returncode, result.stderr.decode("utf-8", "replace")


def gnu_check(text: str, path: Path, code: str) -> list[tuple[int, str]]:
    """Judge the file as GNU ``msgfmt --check`` does: it is the reference for .po files.

    Babel reads some broken files leniently (an unterminated string is cut
    short), so what plain msgfmt rejects raises CatalogError. What only
    ``--check`` adds (format strings, newlines) is returned as (line, message),
    so that ``check`` can show it per entry.
    """
    checked = _msgfmt(text, path, code, "--check")
    if not checked:
        return []
    fatal = _msgfmt(text, path, code)
    if fatal:
        line, detail = fatal[0]
        raise CatalogError(f"GNU msgfmt rejects this file: {detail}; fix the entry",
                           path=path, line=line or None, language=code)
    return checked


def _check_inside(path: Path, code: str, root: Path | None) -> None:
    if root is not None and not path.resolve().is_relative_to(root.resolve()):
        raise CatalogError(f"leads outside the project's locales folder (to {path.resolve()});"
                           " a catalog must be a file inside it, not a link to elsewhere",
                           path=path, language=code)


_SHARED: dict[tuple[str, str], LoadedCatalog] = {}
_SHARED_SIZE = 64
_SHARED_LOCK = threading.Lock()  # the print desk reads catalogs from several threads


def _new_shared_lock() -> None:
    global _SHARED_LOCK
    _SHARED_LOCK = threading.Lock()


# A worker forked while another thread held the lock must not inherit it held.
os.register_at_fork(after_in_child=_new_shared_lock)


def load_shared(path: Path, code: str, root: Path) -> LoadedCatalog:
    """:func:`load_catalog`, parsed once per content in this process: the gate reads the
    same catalogs for every handout, build and copy of a project. Callers only read
    what it returns."""
    _check_inside(path, code, root)
    text = _read_text(path, code)
    with _SHARED_LOCK:
        loaded = _SHARED.get((text, code))
    if loaded is None:
        loaded = _parse_catalog(path, code, text)  # its errors name this file and line
        with _SHARED_LOCK:
            if len(_SHARED) >= _SHARED_SIZE:
                del _SHARED[next(iter(_SHARED))]  # the oldest
            _SHARED[(text, code)] = loaded
    return loaded if loaded.path == path else replace(loaded, path=path)


def load_catalog(path: Path, code: str | None = None, root: Path | None = None
                 ) -> LoadedCatalog:
    """Read and validate one ``.po`` file; raise CatalogError naming file and line.

    ``root``: the locales folder; the file, once symbolic links are resolved, must
    be inside it.
    """
    code = code or path.parent.parent.name
    _check_inside(path, code, root)
    return _parse_catalog(path, code, _read_text(path, code))


def _parse_catalog(path: Path, code: str, text: str) -> LoadedCatalog:
    entries = text.count("\nmsgid ") + text.startswith("msgid ")
    if entries > MAX_ENTRIES:
        # Before parsing: compiling a huge catalog costs far more than a leaflet needs.
        raise CatalogError(f"has {entries} entries; the limit is {MAX_ENTRIES} per catalog",
                           path=path, language=code)
    locale = parse_locale(code)
    parser: _Parser | _StockResult
    catalog: Catalog
    try:
        if BABEL_PARSER_OK:
            catalog = PoCatalog(locale=code, domain=DOMAIN, charset="utf-8")
            parser = _Parser(catalog, path)
            parser.parse(io.StringIO(text))
        else:
            catalog = read_po(io.StringIO(text), locale=code, domain=DOMAIN,
                              abort_invalid=True)
            # Babel's stock parser keeps no raw header: the review fields are lost, so
            # the leaflet says "not yet reviewed", which is the safe side.
            parser = _StockResult(catalog)
    except PoFileError as exc:
        raise CatalogError(f"syntax error: {exc.args[0].rsplit(' on ', 1)[0]}", path=path,
                           line=exc.lineno + 1, language=code) from None
    except CatalogError as exc:
        exc.language = code
        raise
    except (ValueError, IndexError) as exc:
        raise CatalogError(f"syntax error: {exc}", path=path, language=code) from None
    if parser.header is None:
        raise CatalogError('missing header entry (msgid "" with Language and Content-Type)',
                           path=path, line=1, language=code)
    headers = {k: str(v) for k, v in email.message_from_string(parser.header).items()}
    catalog.extra_headers = [  # type: ignore[attr-defined]  # PoCatalog's, or unused
        (k, v) for k, v in headers.items() if k.startswith("X-")]
    _check_header(headers, path, code, locale)
    # Review comes from locales/<lang>/reviews.json (review.py), never from the file
    # under review: the gate replaces this with what the sign-offs cover.
    review = None if code == SOURCE_LANGUAGE else Review(False)
    gnu_problems = gnu_check(text, path, code)  # after our checks, whose messages say more
    revised = catalog.revision_date
    language = Language(
        code=code,
        locale=locale,
        revised=revised.date() if isinstance(revised, dt.datetime) else None,
        review=review,
    )
    return LoadedCatalog(path=path, catalog=catalog, headers=headers, language=language,
                         lines=dict(parser.seen), gnu_problems=gnu_problems)


_PLURAL_FORMS = re.compile(
    r"^\s*nplurals\s*=\s*(?P<n>\d+)\s*;\s*plural\s*=\s*(?P<expr>[^;]+);?\s*$")
MAX_PLURALS = 10  # CLDR's largest is 6; this bounds the work a header can ask for
# n = 0…1000 and large values, as GNU msgfmt probes the expression.
_PLURAL_PROBES = (*range(1001), 10**4, 10**5, 10**6, 10**9, 2**31 - 1, 2**31, 2**32 - 1,
                  2**32, 2**63 - 1)


def plural_forms(value: str, path: Path) -> int:
    """nplurals of a valid ``Plural-Forms`` value; CatalogError on line 1 otherwise.

    Valid the way GNU gettext judges it: it parses, nplurals >= 1, and the
    expression maps every probed n into 0 … nplurals-1. CLDR's count for the
    language is only advice (:func:`cldr_plural_advice`).
    """
    problem = _plural_problem(" ".join(value.split()))
    if problem:
        raise CatalogError(f"header: Plural-Forms {problem}", path=path, line=1)
    match = _PLURAL_FORMS.match(value)
    assert match is not None
    return int(match["n"])


@functools.lru_cache(maxsize=128)
def _plural_problem(value: str) -> str | None:
    match = _PLURAL_FORMS.match(value)
    if not match:
        return f'is malformed: "{value}"; write it as "nplurals=N; plural=EXPRESSION;"'
    count = int(match["n"])
    if not 1 <= count <= MAX_PLURALS:
        return f"has nplurals={count}; it must be between 1 and {MAX_PLURALS}"
    # Python's gettext evaluates C plural expressions, through its public API:
    # a one-message catalog whose msgstr[i] is "i" tells which form n selects. The
    # .mo is written here: Babel's writer fills in its own plural defaults.
    forms = tuple(str(i) for i in range(count))
    header = f"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: {value}\n"
    buf = io.BytesIO(_mo({"": header, "\x01\x00\x02": "\x00".join(forms)}))
    try:
        translations = gettext.GNUTranslations(buf)
    except (ValueError, SyntaxError, RecursionError, OverflowError) as exc:
        return f'expression cannot be parsed: "{match["expr"].strip()}" ({exc})'
    for n in _PLURAL_PROBES:
        try:
            form = translations.ngettext("\x01", "\x02", n)
        except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            return f'expression "{match["expr"].strip()}" fails for n={n} ({exc})'
        if form not in forms:
            return (f'expression "{match["expr"].strip()}" gives no valid form for n={n};'
                    f" with nplurals={count} it must give 0 to {count - 1}")
    return None


def _mo(messages: dict[str, str]) -> bytes:
    """A GNU .mo file (the format gettext documents), so no library's defaults intrude."""
    keys = sorted(messages)
    ids = [k.encode("utf-8") for k in keys]
    strs = [messages[k].encode("utf-8") for k in keys]
    start = 28 + 16 * len(keys)
    table, data = [], b""
    for blob in (*ids, *strs):
        table.append((len(blob), start + len(data)))
        data += blob + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    return head + b"".join(struct.pack("<2I", n, o) for n, o in table) + data


def cldr_plural_advice(loaded: LoadedCatalog) -> str | None:
    """A warning when the catalog's plural forms differ from CLDR's (via Babel).

    Both are valid: gettext uses the catalog's own rule, so this never blocks.
    """
    value = loaded.headers.get("Plural-Forms")
    if value is None or loaded.language.code == SOURCE_LANGUAGE:
        return None
    match = _PLURAL_FORMS.match(value)
    cldr = get_plural(loaded.language.locale)
    if match is None or int(match["n"]) == cldr.num_plurals:
        return None
    return (f'Plural-Forms "{" ".join(value.split())}" has {match["n"]} form(s); CLDR (Babel'
            f' {babel.__version__}) has {cldr.num_plurals} for {loaded.language.code}:'
            f' "nplurals={cldr.num_plurals}; plural={cldr.plural_expr};". Both work; keep'
            " the catalog's unless your translation team changes it")


def _check_header(headers: dict[str, str], path: Path, code: str, locale: Locale) -> None:
    def fail(msg: str) -> CatalogError:
        return CatalogError(f"header: {msg}", path=path, line=1, language=code)

    lang = headers.get("Language", "").strip()
    if not lang:
        raise fail(f'no "Language: {code}" field')
    if lang.replace("-", "_") != code:
        raise fail(f'"Language: {lang}" does not match the folder {code!r}')
    content_type = headers.get("Content-Type", "")
    if "charset=utf-8" not in content_type.lower().replace(" ", ""):
        raise fail('Content-Type must be "text/plain; charset=UTF-8"')


def catalog_path(locales_dir: Path, code: str, domain: str = "common") -> Path:
    """Where a language's catalog of one domain lives."""
    return locales_dir / code / "LC_MESSAGES" / f"{domain}.po"


def shipped_languages(locales_dir: Path) -> list[str]:
    """The source language, then every language folder that has a catalog."""
    codes = {folder.parent.name for folder in locales_dir.glob("*/LC_MESSAGES")
             if any(folder.glob("*.po"))}  # stops at the first: a library has thousands
    return [SOURCE_LANGUAGE, *sorted(codes - {SOURCE_LANGUAGE})]


def _maximize(locale: Locale) -> tuple[str, str | None, str | None]:
    likely = get_global("likely_subtags")
    full = likely.get(str(locale)) or likely.get(locale.language) or str(locale)
    big = Locale.parse(full)
    return (locale.language, locale.script or big.script, locale.territory or big.territory)


# Languages made in memory rather than shipped; pseudo.py registers the pseudo-locales,
# so that this module, which they build on, need not know them.
GENERATED_LANGUAGES: set[str] = set()


def resolve_language(code: str, available: Iterable[str]) -> str:
    """Map a user's code (``zh-Hans``, ``zh-CN``, ``zh_CN``) to a shipped folder name."""
    if code.strip().lower() in GENERATED_LANGUAGES:
        return code.strip().lower()
    available = list(available)
    norm = code.strip().replace("-", "_")
    for candidate in available:
        if candidate.lower() == norm.lower():
            return candidate
    wanted = parse_locale(code)
    want = _maximize(wanted)
    for candidate in available:
        if _maximize(parse_locale(candidate)) == want:
            return candidate
    same_language = [c for c in available if parse_locale(c).language == wanted.language]
    if len(same_language) == 1:
        return same_language[0]
    raise LanguageError(
        f"language {code!r} is not shipped; available: {', '.join(available)}."
        f" To add it, run: python generate.py init {norm}")


# At import, after everything the probe uses is defined.
_BABEL_PROBLEMS = babel_parser_problems()
BABEL_PARSER_OK = not _BABEL_PROBLEMS
if _BABEL_PROBLEMS:
    warnings.warn(f"Babel {babel.__version__} changed the PO parser internals handouts"
                  f" extends ({'; '.join(_BABEL_PROBLEMS)}): using Babel's public read_po;"
                  " review fields are ignored and update is refused. Install the tested"
                  " versions: scripts/setup.sh", RuntimeWarning, stacklevel=1)

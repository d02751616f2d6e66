"""Catalogs: find, load and measure the gettext ``.po`` files.

Catalogs are read straight from ``.po`` at build time (no ``.mo`` step), so a
translator's edit shows in the next build.
"""

from __future__ import annotations

import datetime as dt
import email
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, PoFileParser, unescape
from babel.support import Translations

from .errors import CatalogError, LanguageError

DOMAIN = "handouts"
SOURCE_LANGUAGE = "en"

# Review status lives in the .po header, so it travels with the translation.
REVIEW_STATUS = "X-Review-Status"
REVIEWED_BY = "X-Reviewed-By"
REVIEW_DATE = "X-Review-Date"
PRODUCED_BY = "X-Produced-By"


GNU_HEADER_ORDER = (
    "Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date", "PO-Revision-Date",
    "Last-Translator", "Language-Team", "Language", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "Plural-Forms",
)


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

    def unfinished(self) -> list[Message]:
        """Messages a reader would see in English: fuzzy or not (fully) translated."""
        return [m for m in self.messages() if m.fuzzy or not all(message_strings(m))]

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
                if plural is not None and not _PLURAL_FORMS.match(plural):
                    raise CatalogError(f'header: Plural-Forms is malformed: "{plural}"',
                                       path=self.path, line=1)
            else:
                key = (msgid, context)
                if key in self.seen:
                    raise CatalogError(
                        f"duplicate message {excerpt(msgid)} (first on line {self.seen[key]});"
                        " delete one of them",
                        path=self.path, line=line)
                self.seen[key] = line
        super()._add_message()


def excerpt(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return '"' + (text if len(text) <= width else text[: width - 1] + "…") + '"'


def _parse_date(value: str | None, path: Path, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise CatalogError(f"header {name} is not a date (use YYYY-MM-DD): {value!r}",
                           path=path) from None


def parse_locale(code: str) -> Locale:
    """A Babel locale for ``zh_CN``, ``zh-CN`` or ``zh-Hans`` alike."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise LanguageError(f"unknown language code {code!r}") from None


def load_catalog(path: Path, code: str | None = None) -> LoadedCatalog:
    """Read and validate one ``.po`` file; raise CatalogError naming file and line."""
    code = code or path.parent.parent.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read catalog: {exc.strerror}", path=path,
                           language=code) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogError("not valid UTF-8; save the file as UTF-8", path=path, line=line,
                           language=code) from None
    locale = parse_locale(code)
    catalog = PoCatalog(locale=code, domain=DOMAIN, charset="utf-8")
    parser = _Parser(catalog, path)
    try:
        parser.parse(io.StringIO(text))
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
    catalog.extra_headers = [(k, v) for k, v in headers.items() if k.startswith("X-")]
    _check_header(headers, path, code, locale)
    status = headers.get(REVIEW_STATUS, "unreviewed").strip().lower()
    review = None
    if code != SOURCE_LANGUAGE:
        review = Review(
            reviewed=status == "reviewed",
            reviewer=headers.get(REVIEWED_BY) or None,
            date=_parse_date(headers.get(REVIEW_DATE), path, REVIEW_DATE),
        )
        if review.reviewed and not (review.reviewer and review.date):
            raise CatalogError(f"{REVIEW_STATUS} is 'reviewed' but {REVIEWED_BY} or"
                               f" {REVIEW_DATE} is missing", path=path, language=code)
    revised = catalog.revision_date
    language = Language(
        code=code,
        locale=locale,
        revised=revised.date() if isinstance(revised, dt.datetime) else None,
        review=review,
    )
    return LoadedCatalog(path=path, catalog=catalog, headers=headers, language=language,
                         lines=dict(parser.seen))


_PLURAL_FORMS = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*[^;]+;?\s*$")


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
    plural = headers.get("Plural-Forms")
    if plural is not None:
        match = _PLURAL_FORMS.match(plural)
        if not match:
            raise fail(f'Plural-Forms is malformed: "{plural}"')
        expected = Catalog(locale=locale).num_plurals
        if int(match[1]) != expected:
            raise fail(f"Plural-Forms has nplurals={match[1]}, but {code} needs {expected}")


def catalog_path(locales_dir: Path, code: str, domain: str = DOMAIN) -> Path:
    """Where a language's catalog lives (pseudo-locales derive from the English one)."""
    from .pseudo import PSEUDO

    folder = SOURCE_LANGUAGE if code in PSEUDO else code
    return locales_dir / folder / "LC_MESSAGES" / f"{domain}.po"


def open_catalog(locales_dir: Path, code: str) -> LoadedCatalog:
    """Load a shipped catalog, or generate a pseudo-locale."""
    from .pseudo import PSEUDO, pseudo_catalog

    if code in PSEUDO:
        return pseudo_catalog(load_catalog(catalog_path(locales_dir, code), SOURCE_LANGUAGE),
                              code)
    return load_catalog(catalog_path(locales_dir, code), code)


def shipped_languages(locales_dir: Path) -> list[str]:
    """Folder names of the languages that have a catalog, source language first."""
    codes = sorted(p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return sorted(codes, key=lambda c: c != SOURCE_LANGUAGE)


def _maximize(locale: Locale) -> tuple[str, str | None, str | None]:
    likely = get_global("likely_subtags")
    full = likely.get(str(locale)) or likely.get(locale.language) or str(locale)
    big = Locale.parse(full)
    return (locale.language, locale.script or big.script, locale.territory or big.territory)


def resolve_language(code: str, available: Iterable[str]) -> str:
    """Map a user's code (``zh-Hans``, ``zh-CN``, ``zh_CN``) to a shipped folder name."""
    from .pseudo import PSEUDO

    if code.strip().lower() in PSEUDO:
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


def stats_row(locales_dir: Path, code: str) -> dict[str, object]:
    """One language's counts and review status, for ``stats`` (table or JSON)."""
    loaded = load_catalog(catalog_path(locales_dir, code), code)
    s, language = loaded.stats, loaded.language
    if language.review is None:
        review = "source"
    elif language.review.reviewed:
        review = f"reviewed by {language.review.reviewer} ({language.review.date})"
    else:
        review = "not reviewed"
    return {"language": code, "name": language.native_name, "translated": s.translated,
            "fuzzy": s.fuzzy, "untranslated": s.untranslated, "obsolete": s.obsolete,
            "total": s.total, "percent": round(s.percent, 1), "review": review,
            "revised": language.revised.isoformat() if language.revised else "-"}

"""Render: the Jinja2 environment that turns a handout template and a catalog into HTML.

Translations are untrusted. Each one is escaped, or, when its English source
contains inline tags, cleaned down to exactly those tags (no attributes).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
import pickle
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import nh3
from babel import Locale, localedata
from babel.dates import format_date as babel_format_date
from babel.dates import format_time
from markupsafe import Markup, escape

from .catalog import PADDED_PLACEHOLDER, Language, LoadedCatalog, excerpt, parse_locale
from .clinic import Clinic
from .domains import HANDOUTS_FOLDER, templates_of
from .errors import HandoutError, RenderError, TemplateError
from .personal import Personal

STYLESHEET = "print.css"
AUTHOR = "Multilingual patient handouts"
_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)")
# Sentinels the page label is formatted with, later swapped for CSS counters.
_PAGE, _PAGES = "\x01", "\x02"
# CLDR numbering system -> CSS counter style that WeasyPrint predefines.
_COUNTER_STYLES = {"arab": "arabic-indic", "arabext": "persian", "deva": "devanagari",
                   "beng": "bengali", "thai": "thai", "mymr": "myanmar"}
_ZERO = {"arab": "\u0660", "arabext": "\u06f0", "deva": "\u0966", "beng": "\u09e6",
         "thai": "\u0e50", "mymr": "\u1040"}
# Hangul (jamo, compatibility jamo, syllables), and where a Korean word's letters meet.
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
_IN_KOREAN_WORD = re.compile(f"(?<=[{_HANGUL}])(?=\\w)|(?<=\\w)(?=[{_HANGUL}])")
_MARKUP = re.compile(r"(<[^>]*>)")
_BODY = re.compile(r"<body\b[^>]*>")
WORD_JOINER = "\u2060"
NBSP = "\u00a0"


FORMATS = ("standard", "large-print", "bilingual")
ENGLISH = Locale("en")


@dataclass(frozen=True)
class Paper:
    name: str
    css_size: str
    width_mm: float
    height_mm: float


PAPERS = {
    "a4": Paper("a4", "A4", 210.0, 297.0),
    "letter": Paper("letter", "letter", 215.9, 279.4),
}


class _CompiledTemplates:
    """Jinja's compiled templates, kept in this process's memory for
    ``jinja2.MemcachedBytecodeCache``: every environment (the gallery's, each worker's,
    each build's in one process) reuses them, and forked workers inherit them. Jinja
    keys them by name and file and compiles a template again when its source changes."""

    def __init__(self, size: int) -> None:
        self._code: dict[str, bytes] = {}
        self._size = size
        self._lock = threading.Lock()  # the print desk renders from several threads
        # A worker forked while another thread held the lock must not inherit it held.
        os.register_at_fork(after_in_child=self._new_lock)

    def _new_lock(self) -> None:
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        return self._code.get(key)

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None:
        with self._lock:
            if key not in self._code and len(self._code) >= self._size:
                del self._code[next(iter(self._code))]  # the oldest
            self._code[key] = value


# Room for a large library's templates: 200 handouts and their shared parts.
_COMPILED = jinja2.MemcachedBytecodeCache(_CompiledTemplates(2048))  # type: ignore[arg-type]


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """One environment per process; gettext callables come with each render call.

    Every environment made here shares ``_COMPILED``: compiled code depends on the
    options below, so an environment with other options must not use it."""
    env = jinja2.Environment(
        bytecode_cache=_COMPILED,
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Variables go to gettext as keyword arguments, so we control the formatting.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return env


def compile_templates(templates_dir: Path, handouts: Iterable[str]) -> None:
    """Compile these handouts' templates now, and what they extend and include, so that
    worker processes forked later start with them."""
    env = make_environment(templates_dir)
    for handout in handouts:
        try:
            for name in templates_of(templates_dir, f"{HANDOUTS_FOLDER}/{handout}.html"):
                env.get_template(name)
        except (HandoutError, jinja2.TemplateError, UnicodeDecodeError, OSError):
            continue  # the worker reports it, with the file and line


@functools.lru_cache(maxsize=4096)
def sanitize(source: str, translation: str) -> Markup:
    """Escape a translation, keeping only the inline tags its source uses.

    Cached: a page of 3,000 leaflet links formats the same few messages."""
    tags = {t.lower() for t in _TAG.findall(source)}
    if not tags:
        return escape(translation)
    return Markup(nh3.clean(translation, tags=tags, attributes={}, url_schemes=set(),
                            link_rel=None))


class Gettext:
    """gettext for one catalog: sanitises, then formats with escaped values."""

    def __init__(self, catalog: LoadedCatalog | None,
                 english_for: frozenset[str] = frozenset()) -> None:
        self.catalog = catalog
        self.language = catalog.language.code if catalog else None
        self.translations = catalog.translations if catalog else None
        self.english_for = english_for

    def _format(self, source: str, translated: str, variables: Mapping[str, Any]) -> Markup:
        try:
            if PADDED_PLACEHOLDER.search(translated):
                raise ValueError("placeholder with a width")  # e.g. %(x)999999999s
            return sanitize(source, translated) % variables
        except (KeyError, ValueError, TypeError) as exc:
            line = None
            path = None
            if self.catalog is not None:
                path = self.catalog.origins.get((source, None), self.catalog.path)
                line = self.catalog.lines.get((source, None))
            raise RenderError(
                f"the translation of {excerpt(source)} has a broken placeholder or a stray %"
                f" ({type(exc).__name__}: {exc}); copy the %(name)s placeholders exactly and"
                " write a literal percent sign as %%",
                path=path, line=line, language=self.language) from None

    def translate(self, message: str) -> str:
        """The text printed for ``message``: its translation, or the English."""
        return (str(self.translations.gettext(message)) if self.translations
                and message not in self.english_for else message)

    def gettext(self, message: str, **variables: Any) -> Markup:
        return self._format(message, self.translate(message), variables)

    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> Markup:
        variables.setdefault("num", n)
        translated = (str(self.translations.ngettext(singular, plural, n))
                      if self.translations and singular not in self.english_for
                      else (singular if n == 1 else plural))
        return self._format(singular, translated, variables)

    def pgettext(self, context: str, message: str, **variables: Any) -> Markup:
        translated = (str(self.translations.pgettext(context, message))
                      if self.translations and message not in self.english_for else message)
        return self._format(message, translated, variables)


def _css_string(text: str) -> str:
    """A CSS string literal; all but letters, digits and spaces is hex-escaped."""
    out = "".join(c if (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in text)
    return f'"{out}"'


def css_content(label: Markup, language: Language) -> Markup:
    """A translated message as a CSS ``content`` value, for page margin boxes.

    ``PAGE`` and ``PAGES`` sentinels become page counters in the locale's digits.
    """
    style = _COUNTER_STYLES.get(numbering_system(language.locale), "decimal")
    counters = {_PAGE: f"counter(page, {style})", _PAGES: f"counter(pages, {style})"}
    parts = re.split(f"([{_PAGE}{_PAGES}])", label.unescape())
    return Markup(" ".join(counters.get(p) or _css_string(p) for p in parts if p))


def _isolate(value: str) -> Markup:
    """Clinic text in its own direction (first strong character decides, like dir=auto)."""
    return escape(f"\u2068{value}\u2069")


def numbering_system(locale: Locale) -> str:
    """CLDR's default digits for a locale; some thin locales (ht) lack the field."""
    try:
        return str(locale.default_numbering_system)
    except KeyError:
        return "latn"


@functools.cache
def date_format(locale: Locale) -> str:
    """``long`` (14 November 2025) where CLDR has the language's own month names.

    Some languages (Haitian Creole) inherit another language's month names; a
    numeric date is then better than a French one.
    """
    # Babel's own (uninherited) data for the language. Not localedata.load(...,
    # merge_inherited=False): that caches the partial data for every later Locale.
    with open(localedata.resolve_locale_filename(locale.language), "rb") as fh:
        own = pickle.load(fh)  # Babel's packaged CLDR data, not user input
    return "long" if "months" in own else "short"


def preload_locales(codes: Iterable[str]) -> None:
    """Load these languages' CLDR data into this process (5 to 15 ms each), so that
    worker processes forked later share it instead of each loading its own."""
    for code in codes:
        try:
            locale = parse_locale(code)
        except HandoutError:
            continue  # a pseudo-locale, or a code the worker reports
        date_format(locale)
        _ = locale.date_formats  # through the Locale: sr@latin has no file of its own


def native_digits(text: str, locale: Locale) -> str:
    """ASCII digits in the locale's own digits (Babel's dates are always ASCII)."""
    zero = _ZERO.get(numbering_system(locale))
    if zero is None:
        return text
    return text.translate({ord("0") + i: chr(ord(zero) + i) for i in range(10)})


def _ltr(value: str) -> Markup:
    """Keep phone numbers and web addresses left-to-right inside RTL text.

    Unicode isolates (LRI…PDI), because WeasyPrint ignores ``unicode-bidi``. No-break
    spaces, because a PDF reader sees no isolates: PDFium (Chrome's viewer) reads
    "+1 555 0100" in right-to-left text as "0100 555 +1", while a no-break space is a
    common separator in the bidi algorithm, which keeps the digit groups one run.
    """
    return Markup('<span class="nowrap">%s</span>') % f"\u2066{value.replace(' ', NBSP)}\u2069"


def join_korean_words(html: str) -> str:
    """Word joiners inside the Korean words of a page's body text.

    Korean wraps at spaces, but Pango breaks between any two Hangul syllables and
    WeasyPrint rejects ``word-break: keep-all``. A word joiner (U+2060) forbids that
    break and prints nothing. Only text between tags in <body> changes: every < and >
    in our text and attribute values is escaped, so each ``<...>`` is one whole tag.
    """
    body = _BODY.search(html)
    if body is None:
        return html
    parts = _MARKUP.split(html[body.end():])
    parts[::2] = [_IN_KOREAN_WORD.sub(WORD_JOINER, text) for text in parts[::2]]
    return html[:body.end()] + "".join(parts)


def printed_message(catalog: LoadedCatalog | None, msgid: str,
                    english_for: frozenset[str] = frozenset()) -> str:
    """One message as the leaflet prints it (placeholders left in), tags removed."""
    translated = Gettext(catalog, english_for).translate(msgid)
    return html.unescape(re.sub(r"<[^>]*>", "", str(sanitize(msgid, translated))))


@dataclass(frozen=True)
class Second:
    """The other language of a bilingual leaflet: English, or the print desk's choice."""

    language: Language
    catalog: LoadedCatalog | None = None  # None: English, the templates' own text
    english_for: frozenset[str] = frozenset()


def english_title(env: jinja2.Environment, handout: str) -> str:
    """A handout's title in English (its ``title`` block), e.g. for the gallery; its
    name when the template cannot say (the build reports why)."""
    return handout_title(env, handout, None)


def handout_title(env: jinja2.Environment, handout: str, catalog: LoadedCatalog | None
                  ) -> str:
    """A handout's title (its ``title`` block) in ``catalog``'s language."""
    text = Gettext(catalog)
    try:
        template = env.get_template(f"{HANDOUTS_FOLDER}/{handout}.html")
        context = template.new_context({"gettext": text.gettext, "ngettext": text.ngettext,
                                        "pgettext": text.pgettext})
        return " ".join("".join(template.blocks["title"](context)).split()) or handout
    except (jinja2.TemplateError, KeyError, HandoutError):
        return handout


def render_html(
    env: jinja2.Environment,
    handout: str,
    catalog: LoadedCatalog | None,
    language: Language,
    paper: Paper,
    *,
    clinic: Clinic | None = None,
    incomplete: bool = False,
    english_for: frozenset[str] = frozenset(),
    stylesheet: str | None = None,
    fmt: str = "standard",
    personal: Personal | None = None,
    second: Second | None = None,
) -> str:
    """Render one handout for one language and paper size to an HTML string.

    ``english_for``: msgids shown in English because their translation is broken.
    ``stylesheet``: given for the accessible HTML version beside the PDF, which carries
    it (and the logo) inside, so that the page opens anywhere, offline.
    ``personal``: the print desk's box for one patient, on page 1.
    ``second``: a bilingual leaflet's other language (English unless given).
    """
    other = second or Second(Language(code="en", locale=ENGLISH))
    patient = Gettext(catalog, english_for)
    voices = {False: (patient, language), True: (Gettext(other.catalog, other.english_for),
                                                 other.language)}
    voice = [voices[False]]  # bilingual leaflets switch to the other language part by part

    def format_date(value: str | dt.date) -> Markup:
        """A localized date that never breaks across lines."""
        locale = voice[0][1].locale
        date = dt.date.fromisoformat(value) if isinstance(value, str) else value
        formatted = babel_format_date(date, format=date_format(locale), locale=locale)
        return Markup('<span class="nowrap">%s</span>') % native_digits(formatted, locale)

    def format_datetime(value: dt.datetime) -> Markup:
        """A localized date and time (Friday, 4 December 2026, 14:30) on one line."""
        locale = language.locale
        long = date_format(locale) == "long"
        date = babel_format_date(value, format="full" if long else "short", locale=locale)
        time = format_time(value, format="short", locale=locale)
        # CLDR's way of joining them ("{1} 'at' {0}"), as Babel's format_datetime does.
        pattern = locale.datetime_formats["long" if long else "short"].replace("'", "")
        formatted = pattern.format(time, date)
        return Markup('<span class="nowrap">%s</span>') % native_digits(formatted, locale)

    def speak(second_part: bool) -> str:
        voice[0] = voices[second_part]
        return ""

    # The other language's own name, then its name in the patient's language, marked
    # as such inside the other part: "English · الإنجليزية".
    own = other.language.native_name
    in_patients = other.language.locale.get_display_name(language.locale) or own
    label = Markup("%s") % own if in_patients == own else Markup(
        '%s · <span lang="%s" dir="%s">%s</span>') % (
        own, language.tag, language.direction, in_patients)

    context: dict[str, Callable[..., Any] | object] = {
        "language": language,
        "paper": paper,
        "format": fmt,
        "bilingual": fmt == "bilingual" and other.language.code != language.code,
        "second": other.language,
        "english_label": label,
        "speak_english": lambda: speak(True),
        "speak_patient": lambda: speak(False),
        "clinic": clinic,
        "incomplete": incomplete,
        "stylesheet": Markup(stylesheet) if stylesheet else None,
        "standalone": stylesheet is not None,
        # The HTML version (its stylesheet inside) opens anywhere: so does its logo.
        "logo_src": (clinic.logo_data_uri if stylesheet is not None else clinic.logo_url
                     ) if clinic else None,
        "author": AUTHOR,
        "gettext": lambda *args, **kwargs: voice[0][0].gettext(*args, **kwargs),
        "ngettext": lambda *args, **kwargs: voice[0][0].ngettext(*args, **kwargs),
        "pgettext": lambda *args, **kwargs: voice[0][0].pgettext(*args, **kwargs),
        "format_date": format_date,
        "format_datetime": format_datetime,
        "personal": personal or None,
        "ltr": _ltr,
        "isolate": _isolate,
        "css_content": lambda label: css_content(label, language),
        "PAGE": _PAGE,
        "PAGES": _PAGES,
    }
    name = f"{HANDOUTS_FOLDER}/{handout}.html"
    try:
        html = env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}",
                            path=exc.filename or name, line=exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name}", path=name) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template error: {exc.message}", path=name) from None
    return join_korean_words(html) if language.locale.language == "ko" else html

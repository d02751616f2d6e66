"""Check: validate translations before they reach a patient.

Each problem names the file, the line, an excerpt of the msgid and the fix.
Errors block publication; warnings (fuzzy, identical to English) are advice.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Message

from .catalog import (
    LEGACY_REVIEW_FIELDS,
    PADDED_PLACEHOLDER,
    SOURCE_LANGUAGE,
    LoadedCatalog,
    cldr_plural_advice,
    excerpt,
    load_catalog,
    message_strings,
)
from .errors import HandoutError
from .pdf import missing_glyph

ERROR = "error"
WARNING = "warning"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_CONVERSION = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
ALLOWED_CONVERSIONS = "sd"  # %r and %a would print Python's repr of a value
# Control characters break the PDF's text; embeddings and overrides can reverse a
# phone number on paper; tag and other invisible format characters hide text.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2061-\u2064"
                        "\u206a-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e0fff]")
# Direction marks and isolates: only RTL languages need them, and never by a number.
DIRECTION_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069")
# What may stand between a direction control and a number it would reorder.
_NUMBER_GAP = frozenset(" \t\u00a0\u202f+-\u2010\u2011\u2013\u2014().,/:") | DIRECTION_CONTROLS
# Characters that print nothing: Unicode's default-ignorable code points outside Cf.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f"
                       "\u2800\u3164\uffa0")
_NUMBER = re.compile(r"\d+")
MAX_LENGTH_RATIO = 4  # a translation longer than 4x its English (plus a margin) is refused
LENGTH_MARGIN = 100


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    msgid: str
    severity: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        quoted = f" {excerpt(self.msgid)}:" if self.msgid else ""
        return f"{where}:{quoted} {self.severity}: {self.reason}"


class _Tags(HTMLParser):
    """Collects start and end tags, with any attributes, to compare markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += [f"{tag} {name}" for name, _ in attrs]

    def handle_endtag(self, tag: str) -> None:
        self.tags["/" + tag] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    # Comments, CDATA and declarations are markup no English message uses.
    def handle_comment(self, data: str) -> None:
        self.tags["!--"] += 1

    def unknown_decl(self, data: str) -> None:
        self.tags["![CDATA["] += 1

    def handle_decl(self, decl: str) -> None:
        self.tags["!"] += 1

    def handle_pi(self, data: str) -> None:
        self.tags["?"] += 1


def _markup(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


def _digits(text: str) -> list[str]:
    """Printed numbers (not in placeholders or tags), native digits (٣, ३) read as ASCII."""
    text = _PLACEHOLDER.sub(" ", re.sub(r"<[^>]*>", " ", text))
    ascii_text = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)
    return _NUMBER.findall(ascii_text)


def _leading(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _trailing(text: str) -> str:
    return text[len(text.rstrip()):]


def visible(text: str) -> str:
    """What prints: without tags and without invisible, format or space characters."""
    text = re.sub(r"<[^>]*>", "", text)
    return "".join(c for c in text if c not in _INVISIBLE and unicodedata.category(c) not in (
        "Cc", "Cf", "Co", "Cn", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"))


def _beside_number(text: str) -> list[str]:
    """Direction controls next to a number or placeholder (across spaces and + - ( ))."""
    text = _PLACEHOLDER.sub("0", text)  # a placeholder's value may be a number
    found = set()
    for i, char in enumerate(text):
        if char not in DIRECTION_CONTROLS:
            continue
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(text) and text[j] in _NUMBER_GAP:
                j += step
            if 0 <= j < len(text) and text[j].isdigit():
                found.add(f"U+{ord(char):04X}")
    return sorted(found)


def check_message(source: str, translation: str, *, rtl: bool = False
                  ) -> list[tuple[str, str]]:
    """(severity, reason) for one msgid/msgstr pair; empty translations are skipped.

    ``rtl``: the language is written right to left, so direction marks and
    isolates may appear (never by a number).
    """
    return list(_check_message(source, translation, rtl))


@functools.lru_cache(maxsize=8192)
def _check_message(source: str, translation: str, rtl: bool) -> tuple[tuple[str, str], ...]:
    """Cached: the gate, the gallery and ``check`` judge the same pairs, once per
    handout and per build."""
    return tuple(_problems(source, translation, rtl=rtl))


def _problems(source: str, translation: str, *, rtl: bool) -> list[tuple[str, str]]:
    if not translation:
        return []
    problems: list[tuple[str, str]] = []
    if len(translation) > MAX_LENGTH_RATIO * len(source) + LENGTH_MARGIN:
        return [(ERROR, f"the translation is {len(translation)} characters, more than"
                 f" {MAX_LENGTH_RATIO} times the English ({len(source)}); shorten it")]
    wanted = Counter(_CONVERSION.findall(source))
    found = Counter(_CONVERSION.findall(translation))
    names = {name for name, _ in wanted}
    for name, conversion in sorted(found):
        have, need = found[name, conversion], wanted[name, conversion]
        if name not in names:
            problems.append((ERROR, f"placeholder %({name})s is not in the English; use only "
                             + (", ".join(f"%({n})s" for n in sorted(names))
                                or "no placeholders")))
        elif conversion not in ALLOWED_CONVERSIONS:
            problems.append((ERROR, f"placeholder %({name}){conversion} would print the"
                             f" program's internal form; write %({name})s"))
        elif not need:
            problems.append((ERROR, f"placeholder %({name}){conversion} has another type than"
                             " in the English; copy it exactly"))
        elif have != need:
            problems.append((ERROR, f"placeholder %({name}){conversion} appears {have} times;"
                             f" the English has it {need} time(s)"))
    for name in sorted(names - {n for n, _ in found}):
        problems.append((ERROR, f"placeholder %({name})s is missing; copy it exactly"))
    forbidden = sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN.findall(translation)})
    if forbidden:
        problems.append((ERROR, f"invisible control character {', '.join(forbidden)}; delete it"))
    controls = sorted({f"U+{ord(c):04X}" for c in translation if c in DIRECTION_CONTROLS
                       and not "\u202a" <= c <= "\u202e"})
    if controls and not rtl:
        problems.append((ERROR, f"direction control {', '.join(controls)} in a left-to-right"
                         " language; delete it"))
    elif controls and _beside_number(translation):
        problems.append((ERROR, f"direction control {', '.join(_beside_number(translation))}"
                         " beside a number could reorder its digits on paper; delete it"))
    if visible(source) and not visible(_PLACEHOLDER.sub("0", translation)):
        problems.append((ERROR, "the translation prints nothing visible (only spaces,"
                         " invisible or format characters); write the text"))
    if PADDED_PLACEHOLDER.search(translation):
        # A width such as %(date)999999999s would also exhaust memory when formatted.
        problems.append((ERROR, "placeholders take no width or precision; write them exactly"
                         " as in the English"))
        return problems
    try:
        # The real formatting, with sample values: what rendering will do.
        translation % {name: "1" for name, _ in wanted | found}
    except (ValueError, TypeError, KeyError):
        problems.append((ERROR, 'a stray "%" would crash the build; write "%%" for a literal'
                         " percent sign"))
    src, dst = _markup(source), _markup(translation)
    if src.tags != dst.tags or dst.attributes:
        extra = [f"<{t}>" for t in sorted(dst.tags - src.tags) if not t.startswith("/")]
        extra += [f"{a.split()[1]}= on <{a.split()[0]}>" for a in dst.attributes]
        lacking = [f"<{t}>" for t in sorted(src.tags - dst.tags) if not t.startswith("/")]
        detail = "; ".join(filter(None, [
            f"not allowed: {', '.join(extra)}" if extra else "",
            f"missing: {', '.join(lacking)}" if lacking else "",
            "tags not closed as in the English" if not extra and not lacking else ""]))
        problems.append((ERROR, f"HTML markup differs from the English ({detail}); use exactly"
                         " the tags of the English text, without attributes"))
    for edge, part in (("leading", _leading), ("trailing", _trailing)):
        if part(source) != part(translation):
            problems.append((ERROR, f"{edge} whitespace or newline differs from the English"
                             f" ({part(source)!r} vs {part(translation)!r})"))
    lost = Counter(_digits(source)) - Counter(_digits(translation))
    if lost:
        problems.append((ERROR, f"number {', '.join(sorted(lost))} from the English is missing"))
    added = Counter(_digits(translation)) - Counter(_digits(source))
    if added:
        # A number the English lacks could be a wrong phone number or dose on paper.
        problems.append((ERROR, f"number {', '.join(sorted(added))} is not in the English;"
                         " keep exactly the numbers of the English"))
    return problems


def _problems_for(loaded: LoadedCatalog, message: Message) -> list[Problem]:
    path, line = loaded.path, message.lineno
    msgid = str(message.id if isinstance(message.id, str) else message.id[0])
    found: list[Problem] = []
    if isinstance(message.id, tuple):
        strings = message_strings(message)
        if any(strings) and not all(strings):
            empty = [str(i) for i, s in enumerate(strings) if not s]
            found.append(Problem(path, line, msgid, ERROR,
                                 f"plural form msgstr[{', '.join(empty)}] is empty; fill in"
                                 " every form"))
        pairs = [(str(message.id[0] if i == 0 else message.id[1]), str(s or ""))
                 for i, s in enumerate(strings)]
    else:
        pairs = [(str(message.id), str(message.string or ""))]
    for source, translation in pairs:
        for severity, reason in check_message(source, translation,
                                              rtl=loaded.language.direction == "rtl"):
            found.append(Problem(path, line, msgid, severity, reason))
        char = missing_glyph(translation) if translation else None
        if char is not None:  # build would refuse it: no installed font draws it
            found.append(Problem(path, line, msgid, ERROR,
                                 f"no installed font has U+{ord(char):04X} ({char!r}); remove"
                                 " the character or install a font that has it"))
    if message.fuzzy:
        found.append(Problem(path, line, msgid, WARNING,
                             "fuzzy: the English changed or the entry is a guess; check it"
                             " and remove the fuzzy flag"))
    elif (loaded.language.code != SOURCE_LANGUAGE and pairs[0][1] == pairs[0][0]
          and re.search(r"[^\W\d_]{3}", msgid)):
        found.append(Problem(path, line, msgid, WARNING,
                             "translation is identical to the English; translate it, or"
                             " confirm the word is the same in your language"))
    return found


def check_catalog(loaded: LoadedCatalog) -> list[Problem]:
    """Every problem in one loaded catalog, in file order."""
    found: list[Problem] = []
    advice = cldr_plural_advice(loaded)
    if advice:
        found.append(Problem(loaded.path, 1, "", WARNING, advice))
    if loaded.headers.get(LEGACY_REVIEW_FIELDS[0], "").strip().lower() == "reviewed":
        found.append(Problem(loaded.path, 1, "", WARNING,
                             f"{LEGACY_REVIEW_FIELDS[0]}: reviewed in the header is ignored; a"
                             " reviewer signs off with: python generate.py review"
                             f" {loaded.language.code} --by \"NAME, CREDENTIAL\""))
    for message in loaded.messages():
        found += _problems_for(loaded, message)
    # GNU msgfmt --check's findings, for entries our own checks found no error in.
    starts = sorted(loaded.messages(), key=lambda m: m.lineno or 0)
    flagged = {p.line for p in found if p.severity == ERROR}
    for line, reason in loaded.gnu_problems:
        at = [m for m in starts if (m.lineno or 0) <= line]
        entry = at[-1] if at else None
        if entry is None or entry.lineno not in flagged:
            msgid = "" if entry is None else str(
                entry.id if isinstance(entry.id, str) else entry.id[0])
            found.append(Problem(loaded.path, line, msgid, ERROR,
                                 f"GNU msgfmt --check: {reason}"))
    return found


def check_file(path: Path, code: str | None = None, root: Path | None = None
               ) -> tuple[LoadedCatalog | None, list[Problem]]:
    """Load and check; a file that cannot be loaded is one error, not an exception."""
    try:
        loaded = load_catalog(path, code, root)
    except HandoutError as exc:
        return None, [Problem(exc.path or path, exc.line, "", ERROR, exc.message)]
    return loaded, check_catalog(loaded)


def check_languages(locales_dir: Path, codes: list[str]) -> dict[str, list[Problem]]:
    """Problems per language, in every catalog it has (common, each handout, gallery)."""
    found: dict[str, list[Problem]] = {}
    for code in codes:
        found[code] = []
        for path in sorted(locales_dir.glob(f"{code}/LC_MESSAGES/*.po"),
                           key=lambda p: (p.stem != "common", p.stem)):
            found[code] += check_file(path, code, locales_dir)[1]
    return found

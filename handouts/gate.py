"""The publication gate: per (language, handout), on the messages the leaflet prints.

A leaflet publishes in a language when every message its template (and what
the template extends and includes) prints has a non-fuzzy translation that
passes the checks, in the catalog of that message's domain. English is the
source: it publishes straight from the templates.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from babel.messages.catalog import Message

from .catalog import (
    SOURCE_LANGUAGE,
    Language,
    LoadedCatalog,
    PoCatalog,
    Review,
    catalog_path,
    excerpt,
    load_catalog,
    load_shared,
    message_strings,
    parse_locale,
)
from .check import ERROR, Problem, check_catalog
from .domains import Printed, printed
from .errors import CatalogError, HandoutError, ReviewError
from .review import covering, load_reviews, record

PUBLISH, DRAFT, HELD, FAILED = "published", "draft", "held back", "failed"
LISTED = 3  # msgids quoted in a refusal


@dataclass(frozen=True)
class Counts:
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    errors: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


@dataclass(frozen=True)
class Decision:
    """Whether, and how, one handout publishes in one language."""

    language: str
    handout: str
    status: str  # PUBLISH, DRAFT, HELD or FAILED
    counts: Counts = field(default_factory=Counts)
    english_for: frozenset[str] = frozenset()  # broken translations shown in English
    error: HandoutError | None = None
    unfinished: tuple[str, ...] = ()  # msgids, for the summary
    reviewed: bool = False

    @property
    def publishes(self) -> bool:
        return self.status in (PUBLISH, DRAFT)

    @property
    def incomplete(self) -> bool:
        return self.status == DRAFT


def _load(locales_dir: Path, code: str, domain: str) -> LoadedCatalog | None:
    path = catalog_path(locales_dir, code, domain)
    try:
        stat = path.stat()
    except OSError:
        # A dangling link is an error, not a missing (untranslated) catalog.
        return None if not path.is_symlink() else load_catalog(path, code, locales_dir)
    return _load_cached(path, code, locales_dir, (stat.st_mtime_ns, stat.st_size, stat.st_ino))


@functools.lru_cache(maxsize=64)
def _load_cached(path: Path, code: str, root: Path, stamp: tuple[int, int, int]
                 ) -> LoadedCatalog:
    """One catalog, read once per file version: the matrix reads common.po once per
    handout. Callers only read what it returns."""
    return load_shared(path, code, root)


def _own_copy(entry: Message) -> Message:
    """A copy with lists and sets of its own: the loaded catalogs are shared (cache).
    A deep copy cost a fifth of the gate's time."""
    own = copy.copy(entry)
    own.locations = list(entry.locations)
    own.flags = set(entry.flags)
    own.auto_comments = list(entry.auto_comments)
    own.user_comments = list(entry.user_comments)
    own.previous_id = list(entry.previous_id)
    if isinstance(entry.string, list):
        own.string = list(entry.string)
    return own


_CHECKED: dict[int, tuple[LoadedCatalog, list[Problem]]] = {}


def _checked(catalog: LoadedCatalog) -> list[Problem]:
    """check_catalog, once per shared catalog: the matrix checks common.po once per
    handout, and identical catalogs are one object (catalog.load_shared)."""
    hit = _CHECKED.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    problems = check_catalog(catalog)
    if len(_CHECKED) >= 64:
        # The oldest; the print desk's threads may get there first.
        with contextlib.suppress(RuntimeError, StopIteration):
            _CHECKED.pop(next(iter(_CHECKED)), None)
    _CHECKED[id(catalog)] = (catalog, problems)
    return problems


def leaflet_text(locales_dir: Path, templates_dir: Path, code: str, handout: str
                 ) -> tuple[LoadedCatalog | None, dict[str, LoadedCatalog | None]]:
    """The translations one leaflet uses, merged, and the catalog of each of its domains.

    The merged catalog holds, for each printed message, the entry of that
    message's own domain. ``(None, {})`` for the source language.
    """
    if code == SOURCE_LANGUAGE:
        return None, {}
    messages = printed(templates_dir, handout)
    loaded = {d: _load(locales_dir, code, d) for d in dict.fromkeys(m.domain for m in messages)}
    first = next((c for c in loaded.values() if c is not None), None)
    if first is None:
        locale = parse_locale(code)
        language = Language(code=code, locale=locale, review=Review(False))
        merged = PoCatalog(locale=code, charset="utf-8")
        return LoadedCatalog(catalog_path(locales_dir, code, handout), merged, {}, language,
                             ), loaded
    merged = PoCatalog(locale=code, charset="utf-8")
    merged.mime_headers = list(first.catalog.mime_headers)
    lines: dict[object, int] = {}
    origins: dict[object, Path] = {}
    for message in messages:
        catalog = loaded[message.domain]
        entry = catalog.catalog.get(message.key[0], message.key[1]) if catalog else None
        if catalog is not None and entry is not None and entry.id == message.msgid:
            merged[entry.id] = _own_copy(entry)
            lines[message.key] = entry.lineno or 0
            origins[message.key] = catalog.path
    own = loaded.get(handout) or first
    assert own is not None
    entries = [m for m in merged if m.id]
    finished = len(entries) == len(messages) and not any(
        m.fuzzy or not all(message_strings(m)) for m in entries)
    # A sign-off vouches for finished text only: a draft is never "reviewed".
    review = covering(load_reviews(locales_dir, code), entries) if finished else Review(False)
    revised = [c.language.revised for c in loaded.values() if c and c.language.revised]
    language = replace(own.language, review=review, revised=max(revised, default=None))
    return LoadedCatalog(own.path, merged, own.headers, language, lines,
                         origins=origins), loaded


def _status(message: Printed, catalog: LoadedCatalog | None) -> tuple[str, Message | None]:
    entry = catalog.catalog.get(message.key[0], message.key[1]) if catalog else None
    if entry is None or entry.id != message.msgid:
        return "untranslated", None  # missing, or a msgid that no longer matches
    if entry.fuzzy:
        return "fuzzy", entry
    return ("translated" if all(message_strings(entry)) else "untranslated"), entry


def decide(locales_dir: Path, templates_dir: Path, code: str, handout: str,
           allow_incomplete: bool = False) -> Decision:
    """The gate for one (language, handout); never raises for a catalog's problems."""
    if code == SOURCE_LANGUAGE:
        total = len(printed(templates_dir, handout))
        return Decision(code, handout, PUBLISH, Counts(total, total))  # the source text
    try:
        merged, loaded = leaflet_text(locales_dir, templates_dir, code, handout)
    except HandoutError as exc:
        exc.language = exc.language or code
        return Decision(code, handout, FAILED, error=exc)
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    unfinished: list[str] = []
    errors: list[Problem] = []
    problems = {d: _checked(c) if c else [] for d, c in loaded.items()}
    for catalog in loaded.values():
        if catalog is not None and catalog.gnu_problems:
            line, reason = catalog.gnu_problems[0]
            return Decision(code, handout, FAILED, error=CatalogError(
                f"not published: GNU msgfmt --check rejects this file: {reason}. Run: python"
                f" generate.py check --lang {code}", path=catalog.path, line=line,
                language=code))
    messages = printed(templates_dir, handout)
    for message in messages:
        state, entry = _status(message, loaded[message.domain])
        counts[state] += 1
        if state != "translated":
            unfinished.append(message.key[0])
            continue
        errors += [p for p in problems[message.domain]
                   if p.severity == ERROR and entry is not None and p.line == entry.lineno]
    total = len(messages)
    tally = Counts(total, counts["translated"], counts["fuzzy"], counts["untranslated"],
                   len(errors))
    own = loaded.get(handout)
    assert merged is not None and merged.language.review is not None
    reviewed = merged.language.review.reviewed
    if not errors and not unfinished:
        return Decision(code, handout, PUBLISH, tally, reviewed=reviewed)
    if allow_incomplete:
        return Decision(code, handout, DRAFT, tally, frozenset(p.msgid for p in errors),
                        unfinished=tuple(unfinished))
    if errors:
        first = errors[0]
        return Decision(code, handout, FAILED, tally, error=CatalogError(
            f"not published: {len(errors)} error(s) in the translation of {handout}; first,"
            f" line {first.line}: {excerpt(first.msgid)}: {first.reason}. Run: python"
            f" generate.py check --lang {code} --handout {handout}", path=first.path,
            language=code))
    path = own.path if own else catalog_path(locales_dir, code, handout)
    examples = ", ".join(excerpt(m) for m in unfinished[:LISTED])
    return Decision(code, handout, HELD, tally, unfinished=tuple(unfinished),
                    error=CatalogError(
                        f"held back: {handout} has {tally.untranslated} untranslated and"
                        f" {tally.fuzzy} fuzzy message(s), e.g. {examples}. See them with:"
                        f" python generate.py check --lang {code} --handout {handout}",
                        path=path, language=code))


def to_record(decision: Decision, inputs: str) -> dict[str, object]:
    """A decision as the build manifest keeps it, with the digest of its inputs."""
    c = decision.counts
    return {"inputs": inputs, "status": decision.status, "reviewed": decision.reviewed,
            "counts": [c.total, c.translated, c.fuzzy, c.untranslated, c.errors]}


def from_record(code: str, handout: str, record: Mapping[str, object], inputs: str
                ) -> Decision | None:
    """The recorded decision, if it was made from these inputs; else None. Only what
    the gallery shows comes back (no error, no list of unfinished messages)."""
    counts, status = record.get("counts"), record.get("status")
    if (record.get("inputs") != inputs or status not in (PUBLISH, DRAFT, HELD, FAILED)
            or not isinstance(counts, list) or len(counts) != 5
            or not all(isinstance(n, int) for n in counts)):
        return None
    assert isinstance(status, str)
    return Decision(code, handout, status, Counts(*counts), reviewed=record.get("reviewed") is True)


def matrix(locales_dir: Path, templates_dir: Path, codes: list[str],
           handouts: list[str]) -> list[Decision]:
    """Every (language, handout) decision, for ``stats``, ``languages`` and ``check``."""
    return [decide(locales_dir, templates_dir, code, handout)
            for code in codes for handout in handouts]


def as_row(decision: Decision) -> dict[str, object]:
    """One cell of the matrix, as ``stats --json`` prints it."""
    c = decision.counts
    return {"language": decision.language, "handout": decision.handout,
            "translated": c.translated, "fuzzy": c.fuzzy, "untranslated": c.untranslated,
            "errors": c.errors, "total": c.total, "percent": round(c.percent, 1),
            "published": decision.publishes, "status": decision.status,
            "reviewed": decision.reviewed,
            "error": str(decision.error) if decision.error and decision.status == FAILED
            else None}


def sign_off(locales_dir: Path, templates_dir: Path, code: str, handouts: list[str], by: str,
             date: dt.date) -> tuple[Path, list[Decision]]:
    """Record that ``by`` reviewed exactly what these handouts now print in ``code``.

    Only a leaflet that publishes can be signed off: its every message is
    translated and passes the checks.
    """
    if code == SOURCE_LANGUAGE:
        raise ReviewError("English is the source text; only translations are signed off",
                          language=code)
    decisions = [decide(locales_dir, templates_dir, code, h) for h in handouts]
    for decision in decisions:
        if decision.status != PUBLISH:
            reason = str(decision.error.message) if decision.error else decision.status
            raise ReviewError(f"cannot sign off {decision.handout}: it does not publish"
                              f" ({reason}); finish the translation first", language=code)
    path = Path()
    for handout in handouts:
        merged, _ = leaflet_text(locales_dir, templates_dir, code, handout)
        assert merged is not None
        path = record(locales_dir, code, handout, by, date, merged.messages())
    return path, [decide(locales_dir, templates_dir, code, h) for h in handouts]

"""Review sign-offs: which exact translations a qualified reviewer has checked.

A sign-off lives in ``locales/<lang>/reviews.json``, beside the catalogs and
not inside them: a ``.po`` header is written by whoever edits the file (and
by Poedit, Weblate and msgmerge), so it cannot vouch for itself. The sidecar
holds, per handout, the reviewer, the date and a digest of every reviewed
(msgctxt, msgid, msgstr) triple. A leaflet is "reviewed" only while every
message it prints still has a digest in a sign-off; changing one translation
drops the claim for every handout that prints it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Message

from .catalog import Review, message_strings
from .errors import ReviewError
from .output import write_atomic

REVIEWS = "reviews.json"
MAX_BYTES = 4 * 1024 * 1024  # same bound as a catalog
MAX_NAME = 120


@dataclass(frozen=True)
class SignOff:
    """One reviewer's sign-off on one handout in one language."""

    handout: str
    by: str
    date: dt.date
    messages: frozenset[str]  # digests of the reviewed triples


def reviews_path(locales_dir: Path, code: str) -> Path:
    return locales_dir / code / REVIEWS


def triple_digest(message: Message) -> str:
    """SHA-256 of one entry's (msgctxt, msgid, msgstr), plural forms included."""
    msgid = list(message.id) if isinstance(message.id, (list, tuple)) else message.id
    triple = [message.context, msgid, list(message_strings(message))]
    return hashlib.sha256(json.dumps(triple, ensure_ascii=False).encode()).hexdigest()


def check_reviewer(by: str) -> str:
    """A reviewer is printed on the leaflet: one plain line, "NAME, CREDENTIAL"."""
    by = " ".join(by.split())
    bad = [c for c in by if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")]
    if bad:
        raise ReviewError(f"the reviewer contains the invisible or control character"
                          f" U+{ord(bad[0]):04X}; type it again as plain text")
    name, _, credential = by.partition(",")
    if not name.strip() or not credential.strip() or len(by) > MAX_NAME:
        raise ReviewError(f'give the reviewer as "NAME, CREDENTIAL" (at most {MAX_NAME}'
                          ' characters), e.g. --by "Ana Ruiz, CoreCHI"')
    return by


def load_reviews(locales_dir: Path, code: str) -> list[SignOff]:
    """The language's sign-offs; none when it has no ``reviews.json``."""
    path = reviews_path(locales_dir, code)
    if not path.exists() and not path.is_symlink():
        return []

    def fail(message: str, line: int | None = None) -> ReviewError:
        return ReviewError(message, path=path, line=line, language=code)

    if path.is_symlink() or not path.is_file():
        raise fail("not a regular file; reviews.json must be a JSON text file")
    if path.stat().st_size > MAX_BYTES:
        raise fail(f"larger than {MAX_BYTES // 1024 // 1024} MB")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise fail("not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise fail("nested too deeply") from None
    entries = data.get("sign-offs") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise fail('expected {"sign-offs": [...]}; write it with: python generate.py review')
    found = []
    for number, entry in enumerate(entries, 1):
        try:
            found.append(_sign_off(entry))
        except (KeyError, TypeError, ValueError, ReviewError) as exc:
            detail = exc.message if isinstance(exc, ReviewError) else f"bad field {exc}"
            raise fail(f"sign-off {number}: {detail}; write it with: python generate.py"
                       " review") from None
    return found


def _sign_off(entry: object) -> SignOff:
    if not isinstance(entry, dict):
        raise TypeError("an object")
    messages = entry["messages"]
    if not isinstance(messages, list) or not all(
            isinstance(m, str) and len(m) == 64 for m in messages):
        raise ValueError("'messages' (SHA-256 digests)")
    if not isinstance(entry["handout"], str) or not isinstance(entry["date"], str):
        raise TypeError("'handout' or 'date'")
    return SignOff(entry["handout"], check_reviewer(str(entry["by"])),
                   dt.date.fromisoformat(entry["date"]), frozenset(messages))


def covering(sign_offs: Sequence[SignOff], entries: Iterable[Message]) -> Review:
    """Reviewed when every entry's exact triple is in a sign-off; names who signed."""
    wanted = {triple_digest(m) for m in entries}
    used = [s for s in sign_offs if wanted & s.messages]
    if not wanted or not used or wanted - frozenset().union(*(s.messages for s in used)):
        return Review(False)
    names = list(dict.fromkeys(s.by for s in sorted(used, key=lambda s: s.date)))
    return Review(True, "; ".join(names), max(s.date for s in used))


def record(locales_dir: Path, code: str, handout: str, by: str, date: dt.date,
           entries: Iterable[Message]) -> Path:
    """Write a sign-off for ``handout``, replacing that handout's older one."""
    new = SignOff(handout, check_reviewer(by), date,
                  frozenset(triple_digest(m) for m in entries))
    kept = [s for s in load_reviews(locales_dir, code) if s.handout != handout]
    ordered = sorted([*kept, new], key=lambda s: s.handout)
    data = {"sign-offs": [{"handout": s.handout, "by": s.by, "date": s.date.isoformat(),
                           "messages": sorted(s.messages)} for s in ordered]}
    path = reviews_path(locales_dir, code)
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path

"""Word share: how many of the printed words text extraction returns exactly.

Used by tests/test_text_layer.py and bench/textlayer.py. The rule, identical for both
sides:

* Printed words come from the HTML's ``<body>`` text nodes (not ``<head>``,
  ``<style>``, ``<script>``); extracted words from ``pdftotext -enc UTF-8``
  (poppler, reading order, no ``-layout``) and from pypdfium2's
  ``get_text_range()`` per page.
* Both texts are NFC-normalised; the bidi controls U+200E, U+200F, U+202A-U+202E
  and U+2066-U+2069 and the word joiner U+2060 are dropped (they print nothing;
  the HTML adds them to isolate numbers and to keep Korean words on one line);
  ZWNJ and ZWJ are kept, because they change the word.
* Words are split at Unicode whitespace; leading and trailing punctuation
  (general category P*) and symbols (S*) are stripped from each word; empty
  words are dropped. Chinese and Japanese print no spaces: there each Han,
  Hiragana or Katakana character counts as a word of its own, and CJK and
  full-width punctuation separates words.
* An extracted word that ends in a hyphen (U+002D, U+2010) is joined with the
  next one when the joined form is a printed word: a compound such as
  "aidez-le" may wrap at its hyphen, and the reader gets the word. A word
  broken anywhere else stays broken and does not match.
  PDFium reports a hyphen that ends a line as U+FFFE; it is read as "-".
  pdftotext drops such a hyphen and joins the halves ("aidezle"): a miss.
  Nothing else is normalised: a missing or moved vowel mark, a dropped ZWNJ or
  a word broken across lines does not match.
* The extracted words form a multiset. Each printed word, in document order,
  matches if the multiset still holds it, and then uses it up.
* Share = matched / printed, per (extractor, language), summed over handouts.

Page headers and footers that CSS generates (``content:``) are not in the body
text, so they neither count nor help. Deterministic: no clock, no randomness.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from pdfread import pdfium_text

EXTRACTORS = ("pdftotext", "pdfium")
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069]")


class _BodyText(HTMLParser):
    """Text nodes inside <body>, outside <style>/<script>; block ends become spaces."""

    SKIP = frozenset({"style", "script", "title", "head"})
    BLOCKS = frozenset({"br", "p", "li", "div", "td", "th", "h1", "h2", "h3", "h4", "ul",
                        "ol", "dl", "dt", "dd", "section", "article", "main", "header",
                        "footer", "body", "html", "table", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        elif tag in self.SKIP:
            self.skipping.append(tag)
        self.parts.append(" " if tag in self.BLOCKS else "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in self.BLOCKS or tag in self.SKIP:  # </b>, </span>: the word goes on
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.in_body and not self.skipping:
            self.parts.append(data)


def _strip(word: str) -> str:
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] in "PS":
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] in "PS":
        end -= 1
    return word[start:end]


# Han, kana and the iteration marks: scripts printed without spaces between words.
NO_SPACES = re.compile("([\u3005\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                       "\U00020000-\U0003134f])")
HYPHENS = ("-", "\u2010")


def words(text: str, printed: set[str] | None = None) -> list[str]:
    """The words of ``text`` under the rule in the module docstring.

    ``printed``: the printed words, for rejoining compounds wrapped at a hyphen.
    """
    text = BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", text))
    text = NO_SPACES.sub(r" \1 ", text)
    text = "".join(" " if "\u3000" <= c <= "\u303f" or ("\uff00" <= c <= "\uffef"
                   and unicodedata.category(c)[0] == "P") else c for c in text)
    raw = text.split()
    found = []
    i = 0
    while i < len(raw):
        word = raw[i]
        if printed is not None and word.endswith(HYPHENS) and i + 1 < len(raw):
            joined = _strip(word + raw[i + 1])
            if joined in printed:
                found.append(joined)
                i += 2
                continue
        found.append(_strip(word))
        i += 1
    return [w for w in found if w]


def printed_words(html: str) -> list[str]:
    parser = _BodyText()
    parser.feed(html)
    parser.close()
    return words("".join(parser.parts))


def extract(pdf: Path, extractor: str) -> str:
    if extractor == "pdftotext":
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
    return pdfium_text(pdf)


def matched(printed: Iterable[str], extracted: Iterable[str]) -> tuple[int, int, list[str]]:
    """(matched, printed, the printed words that did not match) under the multiset rule."""
    available = Counter(extracted)
    hits, total, misses = 0, 0, []
    for word in printed:
        total += 1
        if available[word] > 0:
            available[word] -= 1
            hits += 1
        else:
            misses.append(word)
    return hits, total, misses




def share(pdf: Path, html: str, extractor: str) -> tuple[int, int, list[str]]:
    """(matched, printed, missed words) for one PDF and the HTML it was made from."""
    printed = printed_words(html)
    return matched(printed, words(extract(pdf, extractor), set(printed)))

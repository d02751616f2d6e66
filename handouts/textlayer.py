"""Text layer: every printed word comes back exactly from the PDF, in every script.

Screen readers, copy and paste, search and translation apps read a PDF's text
through each font's ToUnicode map. WeasyPrint 70 maps each glyph ID to the text
of the first cluster it is drawn in ("first use wins"), maps a cluster's other
glyphs to nothing, drops the text of glyph-less characters (ZWNJ) and draws marks
as separate, raised or back-shifted glyphs that extractors read as words of their
own: 64 % of a Hindi leaflet's words came back exactly. Within
:func:`exact_text_layer` each line is drawn by :func:`_draw_first_line`, a copy of
WeasyPrint 70's ``draw_first_line`` (BSD licence) that:

* joins mark-only clusters (glyphs that do not advance) to the cluster before them,
  and moves the text of glyph-less clusters (ZWNJ) onto a neighbour;
* splits each cluster's text over its glyphs in drawing order;
* gives each (glyph, text) pair its own character code: the finisher writes a
  ToUnicode entry per code and, where codes differ from glyph IDs, an Encoding CMap
  from code to CID;
* gives a mark drawn back over its base (Devanagari vowel signs) a CID of its own
  whose advance carries the way back, with a CIDToGIDMap onto the same glyph, so
  extractors see no gap (a "space") after it;
* right-to-left: the base glyph carries its marks' text, and each mark is drawn in
  place as code 0 (ToUnicode U+0000) of a copy of its font, in an ActualText span
  of U+0000: poppler writes nothing for U+0000, and PDFium skips a span without a
  printable character, so it does not split the word at the font change. Inside a
  word's ActualText span marks read as a right-to-left mark (see :func:`_rtl_words`);
* wraps a cluster with more glyphs than characters, and a right-to-left word with
  a raised glyph (Nastaliq), in a ``/Span`` with ``/ActualText``.

Glyphs and their positions are WeasyPrint's, so the page looks the same (see
docs/ACCESSIBILITY.md for what was measured). The copy is used only while the
WeasyPrint it was made from is installed (:func:`surface_problems` compares the
stock function's source); otherwise WeasyPrint draws as it always did and the
build prints one warning. Lines it does not handle (ellipsis, emoji and bitmap
fonts, missing glyphs) are drawn by WeasyPrint's own code; fonts of more than
about 65,000 glyphs fall back to first use.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from unicodedata import bidirectional

import pydyf

from .errors import RenderError
from .render import WORD_JOINER

NO_TEXT = "\0"
RLM = "\u200f"  # right-to-left mark
LRM = "\u200e"  # left-to-right mark
SEPARATORS = frozenset({"CS", "ES", "ET"})  # what poppler reads as part of a number
Finisher = Callable[[object, pydyf.PDF], None]
# sha256 of WeasyPrint 70.0's draw_first_line source: the function copied below.
STOCK_SOURCE = "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"


class TextLayerError(RenderError):
    """The finished PDF was not in the shape the text layer knows; render without it."""


@dataclass
class _Codes:
    """The CIDs of one font, each with one text: (glyph, text) -> CID.

    A TrueType CID font draws any CID as any glyph through its CIDToGIDMap, so one
    glyph drawn for two texts gets a second CID past the font's glyphs, keeping the
    standard Identity-H encoding that every reader understands. A CFF CID font has
    no such map: there the first text drawn with a glyph wins, as in WeasyPrint.
    """

    first_free: int
    truetype: bool
    codes: dict[tuple[int, str], int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)  # CID -> text
    wide: dict[tuple[int, int], int] = field(default_factory=dict)  # (glyph, width) -> CID
    cid_gids: dict[int, int] = field(default_factory=dict)  # CID past the glyphs -> glyph

    def fresh(self, glyph: int) -> int | None:
        """A new CID that draws ``glyph``; None when the font has no room or no map."""
        if not self.truetype or self.first_free > 0xFFFF:
            return None
        cid, self.first_free = self.first_free, self.first_free + 1
        self.cid_gids[cid] = self.cid_gids.get(glyph, glyph)
        return cid

    def code(self, cid: int, text: str) -> int:
        """The CID that draws the same glyph as ``cid`` and reads as ``text``."""
        if (cid, text) not in self.codes:
            code = cid if cid not in self.texts else self.fresh(cid)
            if code is None:
                return cid
            self.codes[(cid, text)], self.texts[code] = code, text
        return self.codes[(cid, text)]

    def wide_cid(self, glyph: int, width: int) -> int | None:
        """A CID that draws ``glyph`` with its own advance ``width``."""
        if (glyph, width) not in self.wide:
            cid = self.fresh(glyph)
            if cid is None:
                return None
            self.wide[(glyph, width)] = cid
        return self.wide[(glyph, width)]

    def glyph(self, cid: int) -> int:
        return self.cid_gids.get(cid, cid)


@dataclass(frozen=True)
class _Mark:
    """A font that draws one mark as CID 0, which reads as no text."""

    name: str  # its resource name
    font: bytes  # the BaseFont of the font it copies
    glyph: int
    width: int


class _State:
    def __init__(self, ltr_boxes: frozenset[int] = frozenset()) -> None:
        self.ltr_boxes = ltr_boxes  # id() of the text boxes on pages poppler reads LTR
        self.fonts: dict[bytes, _Codes] = {}  # font name -> codes
        self.font_objects: dict[bytes, Any] = {}
        self.marks: dict[tuple[str, int], _Mark] = {}  # (font hash, CID) -> its mark font

    def codes(self, font: Any) -> _Codes:
        self.font_objects[font.name] = font
        return self.fonts.setdefault(font.name, _Codes(font.glyph_count + 1,
                                                       "glyf" in font.tables))

    def mark_font(self, font: Any, cid: int) -> str:
        """The resource name of a font that draws ``cid`` as CID 0, which has no text.

        PDFium skips code 0 when it maps to U+0000 (any other code it reports, as the
        code itself when unmapped); poppler skips U+0000 too. So a mark whose text its
        base glyph carries is drawn as CID 0 of a copy of its font, one per mark.
        """
        key = (font.hash, cid)
        if key not in self.marks:
            self.marks[key] = _Mark(f"{font.hash}M{len(self.marks)}", font.name,
                                    self.fonts[font.name].glyph(cid), font.widths[cid])
        return self.marks[key].name


def _clusters(glyph_item: Any, num_glyphs: int) -> list[tuple[list[int], int, int]]:
    """(glyph indices, start, end) of each cluster in drawing order; byte offsets."""
    clusters = glyph_item.glyphs.log_clusters
    length = glyph_item.item.length
    starts = sorted({clusters[i] for i in range(num_glyphs)})
    ends = dict(zip(starts, [*starts[1:], length], strict=True))
    groups: list[tuple[list[int], int, int]] = []
    for i in range(num_glyphs):
        if groups and clusters[groups[-1][0][-1]] == clusters[i]:
            groups[-1][0].append(i)
        else:
            groups.append(([i], clusters[i], ends[clusters[i]]))
    return groups


def _join_marks(texts: list[str], real: list[list[int]], glyphs_info: Any,
                rtl: bool) -> tuple[list[str], list[list[int]]]:
    """Clusters whose glyphs do not advance (marks) joined to the cluster before them.

    Pango shapes with monotone-character clusters, so a vowel sign or haraka is a
    cluster of its own, drawn back over its base: read alone it leaves a gap that
    extractors take for a space, or a line of its own when raised.
    """
    order = list(range(len(real)))[::-1] if rtl else list(range(len(real)))
    out_texts: list[str] = []
    out_real: list[list[int]] = []
    for k in order:
        mark = bool(real[k]) and all(not glyphs_info[i].geometry.width for i in real[k])
        if mark and out_real and out_real[-1]:
            out_texts[-1] += texts[k]
            out_real[-1] = sorted(out_real[-1] + real[k])
        else:
            out_texts.append(texts[k])
            out_real.append(list(real[k]))
    if rtl:
        out_texts.reverse()
        out_real.reverse()
    return out_texts, out_real


def _mark_direction(texts: list[str], real: list[list[int]], *, after_ltr: bool,
                    before_ltr: bool, line_start: bool, ltr_page: bool) -> None:
    """Marks in a right-to-left run's text where poppler would misplace neutrals.

    poppler reads a line in its page's majority direction (letters counted over the
    page), in sections: runs of Latin, digits and the separators ``: , . + - %``
    against runs of everything else, each right-to-left section reversed, neutrals
    going to the section that takes them first. Arabic "Emergency: 911" came out as
    "Emergency911 :", and on a page with more Latin letters (many bilingual pages)
    each section's edge words ran into the next section. So:

    * a right-to-left mark (U+200F, bidi class R) on the right-to-left side of each
      separator;
    * on a right-to-left page, a right-to-left mark on both sides of the run where a
      left-to-right run is its neighbour, which ends each section where its words end;
    * on a left-to-right page, a right-to-left section takes the spaces and separators
      to its right, up to the next Latin letter or digit, and reverses them to its
      start: "3 دسمبر" came out as "دسمبر3". A left-to-right mark (U+200E) just
      right of the run's last letter ends the section there, unless a right-to-left
      letter follows on the line before any Latin letter, digit or separator (other
      neutrals looked through): this run must stay part of its section. The line ends
      where its text box does: a link or bold word after it is not looked at;
    * the line's first letter starts with a space, so its first word never runs into
      the section read before it on a left-to-right page.

    Each mark shares a glyph with right-to-left text, never with a digit, so the
    safety check's numbers are unchanged, nor with a space, which poppler would then
    no longer read as a word break. PDFium's text keeps the marks (invisible; copied
    text carries them), and its word order does not change. Drawing order is
    reversed: text appended to a cluster lies to its left.
    """
    letters = [k for k in range(len(real))
               if real[k] and any(bidirectional(c) in ("R", "AL") for c in texts[k])]
    for k, glyphs in enumerate(real):
        if glyphs and texts[k] and bidirectional(texts[k][-1]) in SEPARATORS:
            texts[k] += RLM
    drawn = [k for k in range(len(real)) if real[k]]
    if not drawn:
        return
    if ltr_page:
        if before_ltr and letters:
            texts[letters[-1]] = LRM + texts[letters[-1]]
    else:
        # Not for a run of brackets or stops alone (a Latin sentence in a right-to-left
        # paragraph): PDFium would move them into the Latin words.
        if after_ltr and letters:
            texts[drawn[0]] += RLM
        if before_ltr:
            texts[drawn[-1]] = RLM + texts[drawn[-1]]
    if line_start and not before_ltr:
        texts[drawn[-1]] = " " + texts[drawn[-1]]


def _section_ends(run: Any, utf8_text: bytes, null: Any) -> bool:
    """Whether poppler's right-to-left section ends before ``run``: whether a Latin
    letter, a digit or a separator comes before the next right-to-left letter on the
    line (its text box's part of it). Runs of other neutrals alone (brackets a fallback
    font draws) are looked through."""
    while run != null:
        item = run.data.item
        for char in utf8_text[item.offset:item.offset + item.length].decode(
                errors="replace"):
            kind = bidirectional(char)
            if kind in ("R", "AL"):
                return False
            if kind in ("L", "EN", "AN") or kind in SEPARATORS:
                return True
        run = run.next
    return False


def _split(text: str, count: int) -> list[str]:
    """``text`` in ``count`` consecutive pieces, none empty (count <= len(text))."""
    return [*text[:count - 1], text[count - 1:]] if count > 1 else [text]


def _draw_first_line(state: _State, stock: Callable[..., Any], stream: Any, textbox: Any,
                     text_overflow: str, block_ellipsis: str, matrix: Any) -> Any:
    """WeasyPrint 70's ``draw_first_line`` (BSD licence), with the text mapping above."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    if not textbox.text.strip():
        return []
    if textbox.style["font_size"] < 1e-6:
        return []
    if text_overflow == "ellipsis" or block_ellipsis != "none":
        return stock(stream, textbox, text_overflow, block_ellipsis, matrix)
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _ = textbox.pango_layout.get_first_line()

    # Emoji and bitmap fonts and missing glyphs: WeasyPrint's own code draws them.
    run = first_line.runs[0]
    while run != ffi.NULL:
        font, _ = stream.add_font(run.data.item.analysis.font)
        glyphs = run.data.glyphs
        if font.svg or font.png or font.colr or font.bitmap or any(
                glyphs.glyphs[i].glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG
                for i in range(glyphs.num_glyphs)):
            return stock(stream, textbox, text_overflow, block_ellipsis, matrix)
        run = run.next

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ""
    utf8_text = textbox.pango_layout.text.encode()
    paragraph_rtl = textbox.style["direction"] == "rtl"
    ltr_page = id(textbox) in state.ltr_boxes
    left_level = 1  # the bidi level of the run drawn to the left of this one
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        glyphs_info = glyph_string.glyphs
        num_glyphs = glyph_string.num_glyphs
        rtl = bool(glyph_item.item.analysis.level % 2)
        offset0 = glyph_item.item.offset

        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)
            if pango.pango_version() < 14802 or font.png:
                font_size = textbox.style["font_size"]
            if string:
                _show(stream, string)
            string = ""
            stream.set_font_size(font.hash, font_size)
        codes = state.codes(font)

        # The text of each cluster, and which glyphs draw it.
        groups = _clusters(glyph_item, num_glyphs)
        # Word joiners are render.py's (Korean line breaking), not the leaflet's text.
        texts = [utf8_text[offset0 + a:offset0 + b].decode().replace(WORD_JOINER, "")
                 for _, a, b in groups]
        real = [[i for i in g if glyphs_info[i].glyph != pango.PANGO_GLYPH_EMPTY]
                for g, _, _ in groups]
        logical = list(range(len(groups)))[::-1] if rtl else list(range(len(groups)))
        carry = ""
        last = None
        for k in logical:  # glyph-less text joins the cluster before it
            if not real[k]:
                if last is None:
                    carry += texts[k]
                else:
                    texts[last] += texts[k]
                texts[k] = ""
            else:
                texts[k] = carry + texts[k]
                carry, last = "", k
        texts, real = _join_marks(texts, real, glyphs_info, rtl)
        if rtl and paragraph_rtl:
            if run == ffi.NULL:
                before_ltr = False
            elif ltr_page:  # does poppler's section end here?
                before_ltr = _section_ends(run, utf8_text, ffi.NULL)
            else:
                before_ltr = run.data.item.analysis.level % 2 == 0
            _mark_direction(texts, real, after_ltr=left_level % 2 == 0,
                            before_ltr=before_ltr, line_start=run == ffi.NULL,
                            ltr_page=ltr_page)
        left_level = glyph_item.item.analysis.level
        pieces: dict[int, str] = {}
        actual: dict[int, str] = {}  # first glyph of a cluster -> its ActualText
        ends: set[int] = set()
        for k, glyphs in enumerate(real):
            if not glyphs:
                continue
            text = texts[k][::-1] if rtl else texts[k]
            marks = [i for i in glyphs if not glyphs_info[i].geometry.width]
            others = [i for i in glyphs if glyphs_info[i].geometry.width]
            if rtl and codes.truetype and marks and others and len(others) <= len(text):
                # The base glyphs carry the marks' text; each mark is drawn as code 0 of
                # a font of its own, which both extractors skip (see _State.mark_font).
                pieces.update(zip(others, _split(text, len(others)), strict=True))
                for i in marks:
                    pieces[i] = NO_TEXT
            elif len(glyphs) <= len(text):
                pieces.update(zip(glyphs, _split(text, len(glyphs)), strict=True))
            else:
                for i in glyphs:
                    pieces[i] = text
                actual[glyphs[0]] = text
                ends.add(glyphs[-1])

        if rtl:  # extractors put raised marks on lines of their own
            actual, ends = _rtl_words(texts, real, glyphs_info, pieces)

        string += "<"
        for i, glyph_info in enumerate(glyphs_info[0:num_glyphs]):
            glyph_id = glyph_info.glyph
            width = glyph_info.geometry.width
            if glyph_id == pango.PANGO_GLYPH_EMPTY:
                string += f">{-width / font_size}<"
                continue
            if glyph_id not in font.to_unicode:  # the subsetter keeps these glyphs
                font.to_unicode[glyph_id] = pieces[i]
            offset = glyph_info.geometry.x_offset / font_size
            rise = glyph_info.geometry.y_offset / 1000
            if glyph_id in font.widths:
                logical_width = font.widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                logical_width = font.widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            cid = glyph_id
            if not width and int(kerning) < 0:
                # A mark drawn back over its base: its own advance carries the way back,
                # so that extractors see no gap (a "space") after it. Same positions.
                wide = codes.wide_cid(glyph_id, logical_width - int(kerning))
                if wide is not None:
                    font.widths[wide] = logical_width - int(kerning)
                    cid, kerning = wide, 0
            mark_font = None
            if pieces[i] == NO_TEXT:
                mark_font = state.mark_font(font, cid)
            else:
                code = codes.code(cid, pieces[i])
                font.widths.setdefault(code, font.widths[cid])

            if i in actual:
                string = string[:-1] if string[-1] == "<" else string + ">"
                if string:
                    _show(stream, string)
                stream.begin_marked_content(
                    "Span", pydyf.Dictionary({"ActualText": pydyf.String(actual[i])}))
                string = "<"

            if mark_font is not None:
                # In place, as WeasyPrint draws it (so overlapping glyphs blend in the
                # same order), as code 0 of its own font. The span keeps PDFium from
                # splitting the word at the font change (it skips a text object whose
                # ActualText has no printable character); poppler writes nothing for
                # U+0000. Never inside another ActualText span: _rtl_words gives the
                # marks in its spans a text of their own.
                string = string[:-1] if string[-1] == "<" else string + ">"
                if string:
                    _show(stream, string)
                stream.begin_marked_content(
                    "Span", pydyf.Dictionary({"ActualText": pydyf.String(NO_TEXT)}))
                stream.set_font_size(mark_font, font_size)
                if rise:
                    stream.set_text_rise(-rise)
                stream.show_text((f"{-offset}" if offset else "") + "<0000>"
                                 + (f"{int(kerning)}" if int(kerning) else ""))
                if rise:
                    stream.set_text_rise(0)
                stream.end_marked_content()
                stream.set_font_size(font.hash, font_size)
                string = "<"
                kerning = 0
            elif rise:
                string = string[:-1] if string[-1] == "<" else string + ">"
                if string:
                    _show(stream, string)
                stream.set_text_rise(-rise)
                string = f"{-offset}" if offset else ""
                string += f"<{code:04x}>"
                _show(stream, string)
                stream.set_text_rise(0)
                string = "<"
            else:
                if offset:
                    string += f">{-offset}<"
                string += f"{code:04x}"
            if kerning:
                string += f">{int(kerning)}<"

            if i in ends:
                string = string[:-1] if string[-1] == "<" else string + ">"
                if string:
                    _show(stream, string)
                stream.end_marked_content()
                string = "<"

        string = string[:-1] if string[-1] == "<" else string + ">"

    if string:
        _show(stream, string)
    return []


def _show(stream: Any, string: str) -> None:
    """Show ``string`` (a TJ array's inside) without empty strings: PDFium drops the last
    adjustment of an array that holds one and draws the rest of the line that far off."""
    stream.show_text(string.replace("<>", " "))


def _rtl_words(texts: list[str], real: list[list[int]], glyphs_info: Any,
               pieces: dict[int, str]) -> tuple[dict[int, str], set[int]]:
    """ActualText spans over whole right-to-left words that a line-reader would split.

    A word needs one when a glyph is raised or lowered (vowel marks, Nastaliq's
    cascade) or a cluster has more glyphs than characters. Its text is given in
    drawing order (reversed), as both extractors reverse it again.
    """
    actual: dict[int, str] = {}
    ends: set[int] = set()
    words: list[list[int]] = [[]]
    for k in range(len(real)):
        if texts[k] and texts[k].isspace():
            words.append([])
        else:
            words[-1].append(k)
    for word in words:
        glyphs = sorted(i for k in word for i in real[k])
        if not glyphs:
            continue
        # Marks are drawn as code 0 (no text): only a raised letter splits the word.
        raised = any(glyphs_info[i].geometry.y_offset and glyphs_info[i].geometry.width
                     for i in glyphs)
        crowded = any(len(real[k]) > len(texts[k]) for k in word)
        if raised or crowded:
            text = "".join(texts[k] for k in reversed(word))[::-1]
            actual[glyphs[0]] = text
            ends.add(glyphs[-1])
            for i in glyphs:
                # PDFium reverses the ActualText only if the span's text object that it
                # reaches first (by line, then by x) reads as right-to-left, or follows
                # one that does: each glyph's text, which only that test reads inside the
                # span, starts with a right-to-left letter or mark.
                piece = pieces.get(i, text)
                piece = "" if piece == NO_TEXT else piece
                if not piece or bidirectional(piece[0]) not in ("R", "AL"):
                    piece = RLM + piece
                pieces[i] = piece
    return actual, ends


def _finish(state: _State, pdf: pydyf.PDF) -> None:
    """Rewrite each font's ToUnicode per CID, give it a CIDToGIDMap, add the mark fonts."""
    objects = {o.number: o for o in pdf.objects if hasattr(o, "number")}
    fonts: dict[Any, Any] = {}  # BaseFont -> Type0 font dictionary
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Font"
                and obj.get("Subtype") == "/Type0"):
            continue
        fonts[obj["BaseFont"]] = obj
        codes = state.fonts.get(obj["BaseFont"])
        if codes is None or not codes.texts:
            continue
        if obj.get("Encoding") != "/Identity-H":
            raise TextLayerError(f"{obj['BaseFont']} has an Encoding other than Identity-H")
        for glyph, text in state.font_objects[obj["BaseFont"]].to_unicode.items():
            codes.texts.setdefault(glyph, text)  # drawn by WeasyPrint's own code
        lines = [f"<{c:04x}> <{_utf16(t)}>".encode() for c, t in sorted(codes.texts.items())]
        objects[_number(obj["ToUnicode"])].stream = _to_unicode(lines)
        if codes.cid_gids:
            descendant = objects[_number(obj["DescendantFonts"][0])]
            if descendant.get("CIDToGIDMap") != "/Identity":
                raise TextLayerError(f"{obj['BaseFont']} has its own CIDToGIDMap")
            table = b"".join(codes.glyph(cid).to_bytes(2, "big")
                             for cid in range(max(codes.cid_gids) + 1))
            descendant["CIDToGIDMap"] = _add(pdf, pydyf.Stream([table], compress=True))
    if state.marks:
        _add_mark_fonts(state, pdf, objects, fonts)


def _number(reference: Any) -> int:
    return int(reference.split()[0])


def _add(pdf: pydyf.PDF, obj: Any) -> Any:
    pdf.add_object(obj)
    return obj.reference


def _to_unicode(lines: list[bytes]) -> list[bytes]:
    body: list[bytes] = []
    for i in range(0, len(lines), 100):  # at most 100 entries a block
        body += [f"{len(lines[i:i + 100])} beginbfchar".encode(), *lines[i:i + 100],
                 b"endbfchar"]
    return [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
            b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)",
            b"/Supplement 0", b">> def", b"/CMapName /Adobe-Identity-UCS def",
            b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>",
            b"endcodespacerange", *body, b"endcmap",
            b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]


def _utf16(text: str) -> str:
    return text.encode("utf-16-be").hex()


def _add_mark_fonts(state: _State, pdf: pydyf.PDF, objects: dict[int, Any],
                    fonts: dict[Any, Any]) -> None:
    """A Type0 font per mark: a copy of its CID font whose CID 0 draws the mark."""
    hashes = {h for h, _ in state.marks}
    resources = [o for o in pdf.objects if isinstance(o, pydyf.Dictionary)
                 and hashes <= set(o)
                 and all(isinstance(v, bytes) for v in o.values())]
    if len(resources) != 1:
        raise TextLayerError("the fonts' resource dictionary was not found")
    no_text = _add(pdf, pydyf.Stream(_to_unicode([b"<0000> <0000>"]), compress=True))
    for mark in sorted(state.marks.values(), key=lambda m: m.name):
        base = fonts.get(mark.font)
        if base is None:
            raise TextLayerError(f"{mark.font!r} was not embedded")
        cid_font = pydyf.Dictionary(objects[_number(base["DescendantFonts"][0])])
        cid_font["CIDToGIDMap"] = _add(pdf, pydyf.Stream([mark.glyph.to_bytes(2, "big")],
                                                         compress=True))
        cid_font["W"] = pydyf.Array([0, pydyf.Array([mark.width])])
        resources[0][mark.name] = _add(pdf, pydyf.Dictionary({
            "Type": "/Font", "Subtype": "/Type0", "BaseFont": base["BaseFont"],
            "Encoding": "/Identity-H", "DescendantFonts": pydyf.Array([_add(pdf, cid_font)]),
            "ToUnicode": no_text}))


# The rest of the WeasyPrint surface the copy uses; none of it is public API.
_FONT_ATTRIBUTES = ("glyph_count", "to_unicode", "widths", "name", "hash", "tables", "svg",
                    "png", "colr", "bitmap")
_STREAM_METHODS = ("add_font", "set_text_matrix", "show_text", "set_font_size",
                   "set_text_rise", "begin_marked_content", "end_marked_content")
_PANGO_NAMES = ("pango_layout_set_single_paragraph_mode", "pango_font_get_glyph_extents",
                "pango_version", "PANGO_GLYPH_EMPTY", "PANGO_GLYPH_UNKNOWN_FLAG")


@cache
def surface_problems() -> tuple[str, ...]:
    """What differs from the WeasyPrint this module's copy was made from; empty if none."""
    from weasyprint.document import Page
    from weasyprint.draw import text
    from weasyprint.formatting_structure.boxes import Box
    from weasyprint.pdf.fonts import Font
    from weasyprint.pdf.stream import Stream
    from weasyprint.text import ffi

    problems = []
    try:
        source = inspect.getsource(_INSTALLED.get("stock", text.draw_first_line))
    except (OSError, TypeError):
        problems.append("the source of weasyprint.draw.text.draw_first_line is not installed")
    else:
        if hashlib.sha256(source.encode()).hexdigest() != STOCK_SOURCE:
            problems.append("weasyprint.draw.text.draw_first_line has changed")
    code = getattr(Font.__dict__.get("__init__"), "__code__", None)
    names = set(code.co_names) if code else set()
    problems += [f"Font no longer sets .{a}" for a in _FONT_ATTRIBUTES if a not in names]
    problems += [f"Stream.{m} is missing" for m in _STREAM_METHODS if not hasattr(Stream, m)]
    page_init = getattr(Page.__dict__.get("__init__"), "__code__", None)
    if "_page_box" not in (page_init.co_names if page_init else ()):
        problems.append("Page no longer sets ._page_box")
    if "placeholders" not in inspect.signature(Box.descendants).parameters:
        problems.append("Box.descendants no longer takes placeholders")
    problems += [f"pango.{n} is missing" for n in _PANGO_NAMES if not hasattr(ffi.pango, n)]
    problems += [f"weasyprint.text.ffi.{n} is missing" for n in ("FROM_UNITS", "ffi")
                 if not hasattr(ffi, n)]
    return tuple(problems)


def surface_warning() -> str | None:
    """One line for the build's warnings when the text layer has turned itself off."""
    problems = surface_problems()
    if not problems:
        return None
    return ("WeasyPrint's text drawing differs from the tested version"
            f" ({'; '.join(problems)}): PDFs keep WeasyPrint's own text layer, so screen"
            " readers and copy and paste get some Hindi, Arabic-script and Urdu words wrong")


# This thread's state while it renders inside exact_text_layer(); other threads, and
# renders outside the block, draw as WeasyPrint does.
_LOCAL = threading.local()
_INSTALLED: dict[str, Callable[..., Any]] = {}  # "stock": WeasyPrint's own function
_INSTALL = threading.Lock()


def _dispatch(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str,
              matrix: Any) -> Any:
    """Installed once as ``draw_first_line``: the copy for a thread inside the block."""
    stock = _INSTALLED["stock"]
    state = getattr(_LOCAL, "state", None)
    if state is None:
        return stock(stream, textbox, text_overflow, block_ellipsis, matrix)
    return _draw_first_line(state, stock, stream, textbox, text_overflow, block_ellipsis,
                            matrix)


def _ltr_boxes(pages: Iterable[Any]) -> frozenset[int]:
    """id() of each text box on a page that poppler reads left to right: one with at
    least as many left-to-right characters as right-to-left ones, as poppler counts
    them in the text layer. That includes the right-to-left mark after each separator
    in right-to-left text (``_mark_direction``); the other marks only strengthen the
    page's own direction."""
    from weasyprint.formatting_structure.boxes import TextBox

    found: list[int] = []
    for page in pages:
        boxes = [b for b in page._page_box.descendants(placeholders=True)
                 if isinstance(b, TextBox)]
        kinds = Counter(map(bidirectional, "".join(b.text for b in boxes)))
        marks = Counter(map(bidirectional, "".join(
            b.text for b in boxes if b.style["direction"] == "rtl")))
        rtl = kinds["R"] + kinds["AL"] + sum(marks[kind] for kind in SEPARATORS)
        if kinds["L"] >= rtl:
            found += map(id, boxes)
    return frozenset(found)


@contextmanager
def exact_text_layer(enabled: bool, *, pages: Iterable[Any]) -> Iterator[Finisher]:
    """Draw lines with the exact text mapping within this block (this thread only).

    ``pages``: the laid-out pages about to be drawn (``Document.pages``). Pass the
    finisher it yields to ``write_pdf``: it writes the fonts' maps. It raises
    :class:`TextLayerError` if the PDF is not in the shape it knows; render again
    without the text layer then.
    """
    if not enabled or surface_problems():
        yield lambda document, pdf: None
        return
    from weasyprint.draw import text

    with _INSTALL:  # one dispatcher for good: installing per block races between threads
        if "stock" not in _INSTALLED:
            _INSTALLED["stock"] = text.draw_first_line
            text.draw_first_line = _dispatch
    state = _State(_ltr_boxes(pages))
    outer = getattr(_LOCAL, "state", None)
    _LOCAL.state = state
    try:
        yield lambda document, pdf: _finish(state, pdf)
    finally:
        _LOCAL.state = outer

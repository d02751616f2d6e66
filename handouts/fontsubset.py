"""Compact the CJK fonts WeasyPrint embeds.

WeasyPrint subsets fonts with HarfBuzz but keeps every glyph slot up to the
highest glyph used (``HB_SUBSET_FLAGS_RETAIN_GIDS``), because the page content
addresses glyphs by their original IDs. For Noto CJK that is ~59,000 empty
slots: about 150 KB per face after compression. A CID-keyed CFF font does not
need that: its *charset* maps each CID (the code on the page) to a glyph. So
each such font is subset again without the empty slots, keeping the original
CIDs in the charset, and embedded as bare CFF (``/CIDFontType0C``), for which
the PDF specification requires readers to look glyphs up through the charset.
A font is left untouched unless every code on the page keeps its CID.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from typing import Any

import cffi
import pydyf
from fontTools.ttLib import TTFont

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode,
                          void *user_data, void *destroy);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_blob_destroy(hb_blob_t *blob);
void hb_face_destroy(hb_face_t *face);
void hb_set_add(hb_set_t *set, unsigned int codepoint);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
_READONLY = 1


@cache
def _harfbuzz() -> tuple[Any, Any, Any] | None:
    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    try:
        return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
    except OSError:
        return None  # without the subsetter, fonts stay as WeasyPrint wrote them


def _subset(data: bytes, glyphs: Iterable[int]) -> bytes | None:
    loaded = _harfbuzz()
    if loaded is None:
        return None
    ffi, hb, hbs = loaded
    blob = hb.hb_blob_create(data, len(data), _READONLY, ffi.NULL, ffi.NULL)
    face = hb.hb_face_create(blob, 0)
    request = hbs.hb_subset_input_create_or_fail()
    result = None
    try:
        glyph_set = hbs.hb_subset_input_glyph_set(request)
        for glyph in sorted(glyphs):
            hb.hb_set_add(glyph_set, glyph)
        subset = hbs.hb_subset_or_fail(face, request)
        if subset != ffi.NULL:
            out = hb.hb_face_reference_blob(subset)
            length = ffi.new("unsigned int *")
            result = bytes(ffi.buffer(hb.hb_blob_get_data(out, length), length[0]))
            hb.hb_blob_destroy(out)
            hb.hb_face_destroy(subset)
    finally:
        hbs.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    return result


def _codes(widths: Iterable[Any]) -> set[int]:
    """CIDs listed in a /W array: ``c [w1 w2 …]`` or ``first last w``."""
    items, i = list(widths), 0
    codes: set[int] = set()
    while i < len(items):
        first, second = items[i], items[i + 1]
        if isinstance(second, list):
            codes.update(range(first, first + len(second)))
            i += 2
        else:
            codes.update(range(first, second + 1))
            i += 3
    return codes


def compact_cid_fonts(document: object, pdf: pydyf.PDF) -> None:
    """A WeasyPrint ``finisher``: shrink CID-keyed CFF fonts before the PDF is written."""
    def target(reference: bytes) -> Any:
        return pdf.objects[int(reference.split()[0])]

    for font in list(pdf.objects):
        if not (isinstance(font, pydyf.Dictionary) and font.get("Subtype") == "/CIDFontType0"
                and "W" in font and "FontDescriptor" in font):
            continue
        descriptor = target(font["FontDescriptor"])
        if "FontFile3" not in descriptor:
            continue
        stream = target(descriptor["FontFile3"])
        if stream.extra.get("Subtype") != "/OpenType":
            continue
        used = _codes(font["W"]) | {0}
        small = _subset(b"".join(stream.stream), used)
        if not small:
            continue
        compact = TTFont(io.BytesIO(small))
        if "CFF " not in compact or not hasattr(compact["CFF "].cff.topDictIndex[0], "ROS"):
            continue
        names = set(compact.getGlyphOrder())
        if not all(f"cid{code:05d}" in names for code in used if code):
            continue  # some code would land on another glyph: keep WeasyPrint's font
        stream.stream = [compact.reader["CFF "]]
        stream.extra["Subtype"] = "/CIDFontType0C"

"""Compact, fast subsets of the CJK fonts WeasyPrint embeds.

WeasyPrint subsets fonts with HarfBuzz in two passes and keeps every glyph slot
up to the highest glyph used (``HB_SUBSET_FLAGS_RETAIN_GIDS``), because the page
content addresses glyphs by their original IDs. For Noto CJK, with ~65,000
glyphs, that costs ~60 ms per face and leaves ~59,000 empty slots: about 150 KB
per face after compression. A CID-keyed CFF font needs neither, because its
*charset* maps each CID (the code on the page) to a glyph. Within
:func:`compact_cid_fonts`, such a font is subset in one pass to just the glyphs
used, keeping the original CIDs in its charset, and embedded as bare CFF
(``/CIDFontType0C``), for which the PDF specification requires readers to look
glyphs up through the charset. Any other font, or one whose glyph IDs are not
its CIDs, goes through WeasyPrint's own subsetter unchanged. WeasyPrint also
copies each CFF face's whole file (20 MB for a CJK collection) for every
document; within the block that copy is made only if WeasyPrint's own code
needs it.
"""

from __future__ import annotations

import inspect
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import cffi
import pydyf
from fontTools.ttLib import TTFont, TTLibError

from .errors import RenderError

# Tables WeasyPrint drops too: the PDF needs outlines and metrics, not layout rules.
_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                b"LTSH", b"PCLT", b"SVG ")


_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_map_t hb_map_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef struct hb_subset_plan_t hb_subset_plan_t;
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy(hb_blob_t *blob);
void hb_set_add(hb_set_t *set, unsigned int codepoint);
unsigned int hb_tag_from_string(const char *str, int len);
unsigned int hb_map_get(const hb_map_t *map, unsigned int key);
unsigned int hb_map_get_population(const hb_map_t *map);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
hb_subset_plan_t *hb_subset_plan_create_or_fail(hb_face_t *face,
                                                const hb_subset_input_t *input);
hb_face_t *hb_subset_plan_execute_or_fail(hb_subset_plan_t *plan);
const hb_map_t *hb_subset_plan_new_to_old_glyph_mapping(const hb_subset_plan_t *plan);
void hb_subset_plan_destroy(hb_subset_plan_t *plan);
"""
# Values from hb-subset.h.
_NO_HINTING, _DESUBROUTINIZE, _PASSTHROUGH_UNRECOGNIZED = 0x1, 0x4, 0x20
_DROP_TABLE_TAG = 3


@cache
def _harfbuzz() -> tuple[Any, Any, Any] | None:
    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    try:
        hb, hbs = ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
        hbs.hb_subset_plan_new_to_old_glyph_mapping  # noqa: B018 (HarfBuzz >= 4.4)
    except (OSError, AttributeError):
        return None  # WeasyPrint's own subsetter does the work
    return ffi, hb, hbs


def preload() -> None:
    """Load HarfBuzz's subsetter and parse the C types _subset passes it, in a build
    process that forks its workers later (2 ms a type in each worker otherwise)."""
    loaded = _harfbuzz()
    if loaded is not None:
        for name in ("hb_face_t *", "unsigned int *"):
            loaded[0].typeof(name)


def _cid_order(data: bytes) -> list[int] | None:
    """The CIDs of a CID-keyed CFF OpenType font, in glyph order; None for other fonts."""
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        if "CFF " not in font:
            return None
        top = font["CFF "].cff.topDictIndex[0]
        if not hasattr(top, "ROS"):
            return None
        return [0 if name == ".notdef" else int(name[3:]) for name in top.charset]
    except (TTLibError, ValueError, KeyError, IndexError, AssertionError):
        return None


def _subset(face_address: int, glyphs: Iterable[int],
            hinting: bool) -> tuple[bytes, list[int]] | None:
    """HarfBuzz's subset of a face to ``glyphs`` (and what they need), renumbered.

    Returns the font and, for each new glyph ID, its old one.
    """
    loaded = _harfbuzz()
    if loaded is None:
        return None
    ffi, hb, hbs = loaded
    request = hbs.hb_subset_input_create_or_fail()
    if request == ffi.NULL:
        return None
    plan = subset = blob = ffi.NULL
    try:
        kept = hbs.hb_subset_input_glyph_set(request)
        for glyph in sorted(set(glyphs) | {0}):
            hb.hb_set_add(kept, glyph)
        dropped = hbs.hb_subset_input_set(request, _DROP_TABLE_TAG)
        for tag in _DROP_TABLES:
            hb.hb_set_add(dropped, hb.hb_tag_from_string(tag, 4))
        hbs.hb_subset_input_set_flags(request, _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE
                                      | (0 if hinting else _NO_HINTING))
        plan = hbs.hb_subset_plan_create_or_fail(ffi.cast("hb_face_t *", face_address),
                                                 request)
        if plan == ffi.NULL:
            return None
        subset = hbs.hb_subset_plan_execute_or_fail(plan)
        if subset == ffi.NULL:
            return None
        mapping = hbs.hb_subset_plan_new_to_old_glyph_mapping(plan)
        old = [hb.hb_map_get(mapping, new) for new in range(hb.hb_map_get_population(mapping))]
        blob = hb.hb_face_reference_blob(subset)
        length = ffi.new("unsigned int *")
        data = bytes(ffi.buffer(hb.hb_blob_get_data(blob, length), length[0]))
        return data, old
    finally:
        if blob != ffi.NULL:
            hb.hb_blob_destroy(blob)
        if subset != ffi.NULL:
            hb.hb_face_destroy(subset)
        if plan != ffi.NULL:
            hbs.hb_subset_plan_destroy(plan)
        hbs.hb_subset_input_destroy(request)


def _compact(font: Any, used: Iterable[int], hinting: bool) -> bytes | None:
    """A one-pass subset of a WeasyPrint ``Font`` in which each used glyph ID is its CID."""
    from weasyprint.text.ffi import ffi

    result = _subset(int(ffi.cast("uintptr_t", font.hb_face)), used, hinting)
    if result is None:
        return None
    data, old = result
    cids = _cid_order(data)
    if cids is None or len(cids) != len(old):
        return None
    new_cid = dict(zip(old, cids, strict=True))
    return data if all(new_cid.get(glyph) == glyph for glyph in used) else None


Finisher = Callable[[object, pydyf.PDF], None]
# Stands in for a CFF face's bytes until WeasyPrint needs them: copying a 20 MB
# CJK collection for every document only to subset it from the face is wasted.
_DEFERRED = b"OTTO (deferred)"
_PATCHED = ("__init__", "clean", "_harfbuzz_subset")


class _Compactor:
    """WeasyPrint ``Font`` methods that compact CID-keyed CFF fonts, for one block."""

    def __init__(self, fonts_module: Any) -> None:
        self.fonts = fonts_module
        self.stock = {name: fonts_module.Font.__dict__[name] for name in _PATCHED}
        self.face_bytes = fonts_module.get_hb_object_data
        self.owner = threading.get_ident()
        self.compacted: dict[int, bytes] = {}  # id -> the subset WeasyPrint will embed
        self.converted: set[int] = set()

    def mine(self) -> bool:
        return threading.get_ident() == self.owner

    def deferred_bytes(self, hb_object: Any, ot_color: Any = None, glyph: Any = None) -> bytes:
        if ot_color is None and glyph is None and self.mine() and _has_cff(hb_object):
            return _DEFERRED
        return bytes(self.face_bytes(hb_object, ot_color, glyph))

    def compactable(self, font: Any) -> bool:
        # Missing glyphs get made-up IDs past the end of the font, and variable or
        # colour fonts are rewritten after subsetting: those go WeasyPrint's way.
        from weasyprint.text.ffi import harfbuzz_subset

        return (self.mine() and harfbuzz_subset is not None and _harfbuzz() is not None
                and "CFF " in font.tables and not font.missing and "fvar" not in font.tables
                and not (font.png or font.svg or font.colr))

    def load(self, font: Any) -> None:
        if font.file_content is _DEFERRED:
            font.file_content = bytes(self.face_bytes(font.hb_face))

    # The replacements for Font's methods.
    def init(self, font: Any, *args: Any) -> None:
        self.fonts.get_hb_object_data = self.deferred_bytes
        try:
            self.stock["__init__"](font, *args)
        finally:
            self.fonts.get_hb_object_data = self.face_bytes

    def clean(self, font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
        if not (to_unicode and self.compactable(font)):
            self.load(font)
        self.stock["clean"](font, to_unicode, hinting)

    def subset(self, font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
        if self.compactable(font):
            try:
                data = _compact(font, to_unicode, hinting)
            except Exception:  # any surprise: WeasyPrint's own subset is always correct
                data = None
            if data is not None:
                font.file_content = self.compacted.setdefault(id(data), data)
                return
        self.load(font)
        with _open_arrays():
            self.stock["_harfbuzz_subset"](font, to_unicode, hinting)

    def finisher(self, document: object, pdf: pydyf.PDF) -> None:
        for stream in pdf.objects:
            if not (isinstance(stream, pydyf.Stream) and len(stream.stream) == 1):
                continue
            if stream.stream[0] is _DEFERRED:
                raise RenderError("a font was about to be embedded without its data")
            data = self.compacted.get(id(stream.stream[0]))
            if data is not None and data is stream.stream[0]:
                stream.stream = [TTFont(io.BytesIO(data)).reader["CFF "]]
                stream.extra["Subtype"] = "/CIDFontType0C"
                self.converted.add(id(data))


# "hb_codepoint_t[123]": a C type whose length is part of its name.
_SIZED_ARRAY = re.compile(r"([A-Za-z_][A-Za-z0-9_ ]*?)\s*\[(\d+)\]")


@contextmanager
def _open_arrays() -> Iterator[None]:
    """WeasyPrint's ``ffi.new`` calls with sized array types, as open arrays.

    WeasyPrint's subsetter asks cffi for ``hb_codepoint_t[N]`` with a new N for
    nearly every font of every document, and cffi parses each new type name
    against all of WeasyPrint's C declarations: 10 to 20 ms a font, a tenth of a
    leaflet's rendering. ``T[]`` is parsed once per process and holds the same
    values (cffi's public ``new`` and ``typeof``). Character arrays are left alone:
    ``char[]`` filled from bytes adds a terminating zero.
    """
    from weasyprint.text import ffi as text_ffi

    ffi = text_ffi.ffi
    stock = ffi.new
    if not isinstance(ffi, cffi.FFI) or "new" in vars(ffi):
        yield  # not cffi's, or already wrapped: leave it
        return

    def new(cdecl: Any, init: Any = None) -> Any:
        match = _SIZED_ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if match and "char" not in match.group(1):
            length = int(match.group(2))
            if init is None:
                return stock(ffi.typeof(f"{match.group(1)}[]"), length)
            if isinstance(init, list | tuple) and len(init) == length:
                return stock(ffi.typeof(f"{match.group(1)}[]"), init)
        return stock(cdecl, init)

    ffi.new = new
    try:
        yield
    finally:
        if vars(ffi).get("new") is new:  # not another thread's, which removes its own
            del ffi.new


def _as_method(bound: Callable[..., None]) -> Callable[..., None]:
    """A plain function, so that ``font.clean(...)`` passes the font as first argument."""
    def method(font: Any, *args: Any) -> None:
        bound(font, *args)
    return method


def _has_cff(face: Any) -> bool:
    from weasyprint.text.ffi import harfbuzz

    blob = harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(b"CFF ", 4))
    try:
        return bool(harfbuzz.hb_blob_get_length(blob))
    finally:
        harfbuzz.hb_blob_destroy(blob)


# The WeasyPrint and pydyf surface this module relies on. None of it is public API,
# so it is verified before use; on any difference WeasyPrint subsets as stock.
_FONT_METHODS = {"__init__": ("self", "pango_font", "description", "font_size"),
                 "clean": ("self", "to_unicode", "hinting"),
                 "_harfbuzz_subset": ("self", "to_unicode", "hinting")}
_FONT_ATTRIBUTES = ("hb_face", "file_content", "tables", "missing", "png", "svg", "colr")
_HARFBUZZ_FUNCTIONS = ("hb_face_reference_table", "hb_tag_from_string", "hb_blob_get_length",
                       "hb_blob_destroy")


def _params(function: object) -> tuple[str, ...] | None:
    try:
        return tuple(inspect.signature(function).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _sets(cls: type, attributes: Iterable[str]) -> list[str]:
    """The attributes that ``cls.__init__`` no longer assigns."""
    code = getattr(cls.__dict__.get("__init__"), "__code__", None)
    names = set(code.co_names) if code else set()
    return [a for a in attributes if a not in names]


@cache
def surface_problems() -> tuple[str, ...]:
    """What differs from the WeasyPrint and pydyf internals used here; empty if none."""
    from weasyprint.document import Document
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi as text_ffi

    problems = []
    for name, params in _FONT_METHODS.items():
        method = fonts.Font.__dict__.get(name)
        if not callable(method):
            problems.append(f"weasyprint.pdf.fonts.Font.{name} is missing")
        elif _params(method) != params:
            problems.append(f"Font.{name} takes ({', '.join(_params(method) or ())}),"
                            f" not ({', '.join(params)})")
    problems += [f"Font no longer sets .{a}" for a in _sets(fonts.Font, _FONT_ATTRIBUTES)]
    data = getattr(fonts, "get_hb_object_data", None)
    if _params(data) != ("hb_object", "ot_color", "glyph"):
        problems.append("weasyprint.pdf.fonts.get_hb_object_data is missing or changed")
    for name in ("ffi", "harfbuzz", "harfbuzz_subset"):
        if not hasattr(text_ffi, name):
            problems.append(f"weasyprint.text.ffi.{name} is missing")
    harfbuzz = getattr(text_ffi, "harfbuzz", None)
    problems += [f"harfbuzz.{f} is missing" for f in _HARFBUZZ_FUNCTIONS
                 if not hasattr(harfbuzz, f)]
    if "finisher" not in (_params(Document.write_pdf) or ()):
        problems.append("Document.write_pdf takes no finisher")
    problems += [f"pydyf.Stream no longer sets .{a}" for a in _sets(pydyf.Stream,
                                                                    ("stream", "extra"))]
    problems += [f"pydyf.PDF no longer sets .{a}" for a in _sets(pydyf.PDF, ("objects",))]
    return tuple(problems)


def surface_warning() -> str | None:
    """One line for the build's warnings when the compactor has turned itself off."""
    problems = surface_problems()
    if not problems:
        return None
    return ("WeasyPrint's font internals differ from the tested version"
            f" ({'; '.join(problems)}): CJK fonts are subset by WeasyPrint itself, so Chinese,"
            " Japanese and Korean PDFs are larger but still correct")


@contextmanager
def compact_cid_fonts() -> Iterator[Finisher]:
    """Subset CID-keyed CFF fonts compactly within this block.

    Pass the finisher it yields to ``write_pdf``: it embeds those fonts as bare CFF.
    A compacted font that the finisher never saw would leave the page without text,
    so leaving the block then raises :class:`RenderError`.
    """
    from weasyprint.pdf import fonts

    if surface_problems():
        yield lambda document, pdf: None  # another WeasyPrint: keep its own ways
        return
    compactor = _Compactor(fonts)
    methods = {"__init__": compactor.init, "clean": compactor.clean,
               "_harfbuzz_subset": compactor.subset}
    for name, method in methods.items():
        setattr(fonts.Font, name, _as_method(method))
    try:
        yield compactor.finisher
    finally:
        for name, method in compactor.stock.items():
            setattr(fonts.Font, name, method)
    if set(compactor.compacted) - compactor.converted:
        raise RenderError("a compacted CJK font was not embedded by compact_cid_fonts()'s"
                          " finisher; pass it to write_pdf(finisher=...)")

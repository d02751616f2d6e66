"""An independent structure check: the machine-checkable part of PDF/UA-1 (ISO
14289-1, as the Matterhorn Protocol lists it), by walking the PDF's objects with
pypdf rather than asking WeasyPrint what it wrote.

It covers: the catalog (a document language, the Marked flag, the title shown in
the window, the PDF/UA identifier and a title in the XMP metadata); the structure
tree (a ParentTree, StructParents on every page, only standard structure types or
ones the RoleMap maps to them); that every piece of page content (text, images,
paths) is inside marked content, and every marked-content id is claimed by an
element; alternative text on every Figure; headings that never skip a level; and
lists made of LI elements, each of Lbl and LBody.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pdfread import reader as pdf_reader
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

# PDF 1.7 (ISO 32000-1) 14.8.4: the standard structure types.
STANDARD = frozenset({
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
    "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl",
    "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note",
    "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu",
    "WT", "WP", "Figure", "Formula", "Form"})
# Operators that put something on the page: text, images and forms, paths.
PAINTING = frozenset({b"Tj", b"TJ", b"'", b'"', b"Do", b"S", b"s", b"f", b"F", b"f*", b"B",
                      b"B*", b"b", b"b*", b"sh"})
_MARKING = " ".join(op.decode() for op in (b"BDC", b"BMC", b"EMC", *sorted(PAINTING)))


@dataclass
class Element:
    kind: str
    lang: str | None
    alt: str | None
    actual_text: str | None
    page: int | None = None  # index
    bbox: list[float] | None = None  # /A /BBox
    kids: list[Element] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            yield from kid.walk()


def _obj(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _text(value: Any) -> str | None:
    return None if value is None else str(_obj(value))


def _element(node: DictionaryObject, pages: dict[int, int], role_map: dict[str, str],
             page: int | None = None) -> Element:
    kind = str(node.get("/S", "/StructTreeRoot"))[1:]  # the root has no /S
    kind = role_map.get(kind, kind)
    if "/Pg" in node:
        page = pages[node.raw_get("/Pg").idnum]
    attributes = _obj(node.get("/A"))
    box = _obj(attributes.get("/BBox")) if isinstance(attributes, DictionaryObject) else None
    element = Element(kind, _text(node.get("/Lang")), _text(node.get("/Alt")),
                      _text(node.get("/ActualText")), page,
                      [float(v) for v in box] if box is not None else None)
    kids = _obj(node.get("/K"))
    for kid in kids if isinstance(kids, list) else [] if kids is None else [kids]:
        kid = _obj(kid)
        if isinstance(kid, int):
            assert page is not None, f"MCID {kid} of a {kind} without a page"
            element.mcids.append((page, kid))
        elif isinstance(kid, DictionaryObject) and "/S" in kid:
            element.kids.append(_element(kid, pages, role_map, page))
        elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
            on = pages[kid.raw_get("/Pg").idnum] if "/Pg" in kid else page
            assert on is not None
            element.mcids.append((on, int(_obj(kid["/MCID"]))))
    return element


def _pages(reader: PdfReader) -> dict[int, int]:
    """Each page's object number: its index."""
    numbers = {}
    for index, page in enumerate(reader.pages):
        assert page.indirect_reference is not None
        numbers[page.indirect_reference.idnum] = index
    return numbers


def _tree(path: Path) -> Element:
    """The structure tree's root, role map not applied."""
    reader = pdf_reader(path)
    return _element(_obj(reader.root_object["/StructTreeRoot"]), _pages(reader), {})


def _number_tree(node: Any) -> dict[int, Any]:
    node = _obj(node)
    found: dict[int, Any] = {}
    nums = node.get("/Nums", [])
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        found[int(key)] = _obj(value)
    for kid in node.get("/Kids", []):
        found.update(_number_tree(kid))
    return found


def problems(path: Path) -> list[str]:
    """What keeps the PDF from the checkable part of PDF/UA-1; [] when nothing does."""
    reader = pdf_reader(path)
    root = reader.root_object
    found: list[str] = []
    if not _text(root.get("/Lang")):
        found.append("the catalog has no /Lang")
    if not _obj(root.get("/MarkInfo", {})).get("/Marked"):
        found.append("the catalog's /MarkInfo does not say /Marked true")
    if not _obj(root.get("/ViewerPreferences", {})).get("/DisplayDocTitle"):
        found.append("/ViewerPreferences does not ask to show the title")
    xmp = _obj(root.get("/Metadata"))
    metadata = xmp.get_data().decode("utf-8") if xmp is not None else ""
    if not re.search(r"pdfuaid:part(>|=\")1", metadata):
        found.append("the XMP metadata does not identify PDF/UA-1 (pdfuaid:part)")
    if "<dc:title>" not in metadata:
        found.append("the XMP metadata has no dc:title")
    tree = _obj(root.get("/StructTreeRoot"))
    if tree is None:
        return [*found, "no structure tree"]
    role_map = {str(k)[1:]: str(v)[1:] for k, v in _obj(tree.get("/RoleMap", {})).items()}
    pages = _pages(reader)
    elements = list(_element(tree, pages, role_map).walk())[1:]
    if "/ParentTree" not in tree:
        found.append("the structure tree has no /ParentTree")
    parent_tree = _number_tree(tree["/ParentTree"]) if "/ParentTree" in tree else {}
    for kind in sorted({e.kind for e in elements} - STANDARD):
        found.append(f"structure type {kind} is neither standard nor role-mapped")
    claimed = {mcid for e in elements for mcid in e.mcids}
    with pikepdf.open(path) as content:  # qpdf reads content streams far faster than pypdf
        for index, page in enumerate(reader.pages):
            if "/StructParents" not in page:
                found.append(f"page {index + 1} has no /StructParents")
                continue
            marks = _page_marks(content.pages[index], index, found)
            unclaimed = sorted(marks - {m for p, m in claimed if p == index})
            if unclaimed:
                found.append(f"page {index + 1}: marked content {unclaimed[:5]} belongs to no"
                             " structure element")
            entries = parent_tree.get(int(_obj(page["/StructParents"])))
            if not isinstance(entries, list) or len(entries) < len(marks):
                found.append(f"page {index + 1}: the ParentTree does not list its marked"
                             " content")
    for element in elements:
        if element.kind == "Figure" and not (element.alt or element.actual_text):
            found.append("a Figure has no alternative text")
        if element.kind == "L" and any(k.kind not in ("LI", "Caption") for k in element.kids):
            found.append("a list holds something other than list items")
        if element.kind == "LI" and any(k.kind not in ("Lbl", "LBody") for k in element.kids):
            found.append("a list item holds something other than Lbl and LBody")
    level = 0
    for element in elements:
        if re.fullmatch(r"H[1-6]", element.kind):
            new = int(element.kind[1])
            if new > level + 1:
                found.append(f"heading {element.kind} follows H{level}: a level is skipped")
            level = new
    return found


def _page_marks(page: pikepdf.Page, index: int, found: list[str]) -> set[int]:
    """The page's marked-content ids; what it paints outside marked content is reported."""
    marks: set[int] = set()
    depth = 0
    outside = 0
    for instruction in pikepdf.parse_content_stream(page, _MARKING):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # an inline image: never returned, as BI/ID/EI are not asked for
            continue
        operands, name = instruction.operands, str(instruction.operator).encode()
        if name in (b"BDC", b"BMC"):
            depth += 1
            properties = operands[1] if name == b"BDC" else None
            if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                marks.add(int(properties["/MCID"]))
        elif name == b"EMC":
            depth -= 1
        elif depth == 0:  # painting: the only other operators asked for
            outside += 1
    if outside:
        found.append(f"page {index + 1}: {outside} drawing operations are neither tagged nor"
                     " artifacts")
    return marks


def first_texts(path: Path, count: int) -> list[str]:
    """The text of the document element's first ``count`` children, in reading order."""
    [document] = _tree(path).kids
    chars = _texts(path)
    return [" ".join("".join(chars.get(m, "") for m in e.mcids) for e in kid.walk()
                     if e.mcids).strip() for kid in document.kids[:count]]


def figure_boxes(path: Path) -> list[tuple[int, list[float]]]:
    """(page index, /A /BBox) of every Figure element."""
    return [(e.page, e.bbox) for e in _tree(path).walk()
            if e.kind == "Figure" and e.page is not None and e.bbox is not None]


@dataclass(frozen=True)
class TextObject:
    """One text object on a page, as PDFium reads it."""

    top: float  # points from the page's bottom
    tags: list[str]  # the names of its marked-content sequences, outermost first
    mcid: int  # its marked-content id; -1 outside tagged content
    text: str


def text_objects(path: Path) -> list[list[TextObject]]:
    """Each page's text objects in the order drawn (pdfplumber's characters gave the
    same for left-to-right text, 20 times slower)."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium_c

    def utf16(fill: Any) -> str:  # PDFium's two calls: the size, then the text
        size = fill(None, 0)
        buffer = ctypes.create_string_buffer(size)
        fill(ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size)
        return buffer.raw[:size - 2].decode("utf-16-le")

    def mark_name(mark: Any, buffer: Any, size: int) -> int:
        length = ctypes.c_ulong()
        pdfium_c.FPDFPageObjMark_GetName(mark, buffer, size, ctypes.byref(length))
        return length.value

    pages = []
    document = pypdfium2.PdfDocument(path)
    try:
        for page in document:
            textpage = page.get_textpage()
            found = []
            for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=1):
                raw = item.raw
                tags = [utf16(functools.partial(mark_name, pdfium_c.FPDFPageObj_GetMark(raw, m)))
                        for m in range(pdfium_c.FPDFPageObj_CountMarks(raw))]
                text = utf16(functools.partial(pdfium_c.FPDFTextObj_GetText, raw, textpage.raw))
                found.append(TextObject(item.get_bounds()[3], tags,
                                        pdfium_c.FPDFPageObj_GetMarkedContentID(raw), text))
            pages.append(found)
    finally:
        document.close()
    return pages


def _texts(path: Path) -> dict[tuple[int, int], str]:
    """Text by (page index, marked-content id)."""
    chars: dict[tuple[int, int], str] = {}
    for index, page in enumerate(text_objects(path)):
        for item in page:
            if item.mcid >= 0:
                chars[index, item.mcid] = chars.get((index, item.mcid), "") + item.text
    return chars


def first_lang_texts(path: Path, lang: str) -> list[str]:
    """The text of each outermost structure element whose /Lang is ``lang``."""
    chars = _texts(path)
    found: list[str] = []
    todo = [_tree(path)]
    while todo:
        element = todo.pop(0)
        if element.lang == lang:
            found.append(" ".join("".join(chars.get(m, "") for m in e.mcids)
                                  for e in element.walk() if e.mcids).strip())
        else:
            todo[:0] = element.kids
    return found


def languages(path: Path) -> set[str]:
    """Every /Lang on a structure element."""
    return {e.lang for e in _tree(path).walk() if e.lang}

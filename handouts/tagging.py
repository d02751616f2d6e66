"""The PDF's tags, finished: page numbers become artifacts, other running content joins
the structure tree.

WeasyPrint 70 tags the content of page-margin boxes (the page number, a draft's
banner) under structure elements that the tree never reaches: a PDF/UA checker
finds content that is neither tagged nor an artifact, and a screen reader may
skip the banner or read "Page 1 of 2" amid the text. The finisher below turns each
such sequence in the bottom half of its page (the page number) into a pagination
artifact, and hangs the others (the banner, at the top) under the document
element. It also gives Figure bounding boxes in PDF units (WeasyPrint writes CSS
pixels from the top-left corner), and articles their language: WeasyPrint writes
no /Lang below the catalog, so a bilingual leaflet's English parts (its only
articles) would be read in the patient's voice. It works on pydyf's objects; when they are not
in the shape it knows, it changes nothing and reports why (``TagFixer.problems``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pydyf

ARTIFACT = pydyf.Dictionary({"Type": "/Pagination", "Subtype": "/Footer"})


def article_lang(html: str) -> str | None:
    """The ``lang`` that every ``<article>`` of the page carries, if they share one:
    each page fragment of an article is its own structure element, so only a language
    common to all of them can be given without mapping elements back to the HTML."""
    langs = [re.search(r'\blang="([^"]+)"', attributes)
             for attributes in re.findall(r"<article\b([^>]*)>", html)]
    found = {match[1] if match else None for match in langs}
    return found.pop() if len(found) == 1 else None


def _number(value: Any) -> int | None:
    """The object number of a reference (pydyf writes them as b"12 0 R")."""
    if isinstance(value, bytes) and value.endswith(b" R"):
        return int(value.split()[0])
    return None


def _page_scale(stream: list[Any], page: Any) -> tuple[float, float]:
    """CSS pixels to points, and the page height in points. The page stream opens by
    flipping the y axis and scaling (``1 0 0 -1 0 H cm``, ``s 0 0 s 0 0 cm``), so a
    position in the stream is in CSS pixels, y down."""
    scale = 1.0
    for op in stream[:8]:
        parts = op.split() if isinstance(op, bytes) else []
        if len(parts) == 7 and parts[-1] == b"cm" and parts[1:3] == [b"0", b"0"] \
                and parts[0] == parts[3] and parts[4:6] == [b"0", b"0"]:
            scale = float(parts[0])
    return scale, float(page.get("MediaBox", [0, 0, 0, 0])[3])


def _page(objects: dict[int, Any], element: pydyf.Dictionary) -> tuple[Any, Any]:
    """A structure element's page, and the page's content stream (None if not one)."""
    page = objects.get(_number(element.get("Pg")) or -1)
    contents = objects.get((_number(page.get("Contents")) if isinstance(
        page, pydyf.Dictionary) else None) or -1)
    return page, contents


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | pydyf.Array) else [value]


@dataclass
class TagFixer:
    """A WeasyPrint finisher; ``artifacts``, ``attached``, ``figures`` and ``articles``
    count what it changed, ``problems`` what it left alone and why."""

    article_lang: str | None = None  # the language of every <article>, when they share one
    artifacts: int = 0
    attached: int = 0
    figures: int = 0
    articles: int = 0
    problems: list[str] = field(default_factory=list)

    def finisher(self, document: object, pdf: pydyf.PDF) -> None:
        objects = {o.number: o for o in pdf.objects
                   if isinstance(o, pydyf.Object) and o.number is not None}
        root = objects.get(_number(pdf.catalog.get("StructTreeRoot")) or -1)
        if not isinstance(root, pydyf.Dictionary):
            return  # an untagged PDF: nothing to finish
        self._figure_boxes(objects)
        if self.article_lang:
            for element in objects.values():
                if isinstance(element, pydyf.Dictionary) and element.get("S") == "/Art":
                    element["Lang"] = pydyf.String(self.article_lang)
                    self.articles += 1
        orphans = self._orphans(objects, root)
        if not orphans:
            return
        tops = [objects.get(_number(ref) or -1) for ref in _items(root.get("K"))]
        if len(tops) != 1 or not isinstance(tops[0], pydyf.Dictionary) or not isinstance(
                tops[0].get("K"), pydyf.Array):
            self.problems.append("the structure tree has no single document element")
            return
        document_element = tops[0]
        parents = objects.get(_number(root.get("ParentTree")) or -1)
        numbers = {element.number for element in orphans}
        for element in orphans:
            if _number(element.get("P")) not in numbers:  # each margin box's outermost
                self._finish(objects, element, document_element, parents)

    def _figure_boxes(self, objects: dict[int, Any]) -> None:
        """Figure bounding boxes in PDF units: WeasyPrint writes CSS pixels from the
        top-left corner; PDF/UA wants points from the bottom-left (ISO 32000-1 14.8.5.4)."""
        for element in list(objects.values()):
            if not (isinstance(element, pydyf.Dictionary) and element.get("S") == "/Figure"
                    and isinstance(element.get("A"), pydyf.Dictionary)):
                continue
            box = element["A"].get("BBox")
            page, contents = _page(objects, element)
            if not (isinstance(box, pydyf.Array) and len(box) == 4 and isinstance(
                    contents, pydyf.Stream) and all(isinstance(v, int | float) for v in box)):
                self.problems.append("a Figure's bounding box is not where it was expected")
                continue
            scale, height = _page_scale(contents.stream, page)
            x1, y1, x2, y2 = (float(v) for v in box)
            element["A"]["BBox"] = pydyf.Array([
                round(x1 * scale, 3), round(height - y2 * scale, 3),
                round(x2 * scale, 3), round(height - y1 * scale, 3)])
            self.figures += 1

    @staticmethod
    def _orphans(objects: dict[int, Any], root: pydyf.Dictionary) -> list[pydyf.Dictionary]:
        """Structure elements the tree does not reach, in object order."""
        reached: set[int] = set()
        todo = _items(root.get("K"))
        while todo:
            number = _number(todo.pop())
            element = objects.get(number or -1)
            if number is None or number in reached or not isinstance(element, pydyf.Dictionary):
                continue
            reached.add(number)
            todo.extend(_items(element.get("K")))
        return [o for number, o in sorted(objects.items()) if isinstance(o, pydyf.Dictionary)
                and o.get("Type") == "/StructElem" and number not in reached]

    def _finish(self, objects: dict[int, Any], element: pydyf.Dictionary,
                document_element: pydyf.Dictionary, parents: Any) -> None:
        page, contents = _page(objects, element)
        if not isinstance(contents, pydyf.Stream):
            self.problems.append("a margin box's page has no single content stream")
            return
        marks = self._marks(objects, element)
        found = {op.get("MCID"): index for index, op in enumerate(contents.stream)
                 if isinstance(op, pydyf.Dictionary) and op.get("MCID") in marks
                 and index >= 1 and index + 1 < len(contents.stream)
                 and contents.stream[index + 1] == b"BDC"
                 and isinstance(contents.stream[index - 1], str)}
        if set(found) != marks:
            self.problems.append("a margin box's marked content is not where it was expected")
            return
        if not self._in_bottom_half(contents.stream, min(found.values()), page):
            # A draft's banner: read first, in page order.
            document_element["K"].insert(self.attached, element.reference)
            self.attached += 1
            return
        entries = self._parent_entries(objects, parents, page)
        if entries is None:
            self.problems.append("the ParentTree does not list the page's marked content")
            return
        for mcid, index in found.items():
            contents.stream[index - 1] = "/Artifact"
            contents.stream[index] = ARTIFACT
            if mcid < len(entries):
                entries[mcid] = "null"
        self.artifacts += 1

    @staticmethod
    def _marks(objects: dict[int, Any], element: pydyf.Dictionary) -> set[int]:
        """The marked-content ids under an element and its children."""
        marks: set[int] = set()
        todo: list[Any] = [element]
        while todo:
            item = todo.pop()
            for kid in _items(item.get("K")):
                if isinstance(kid, int):
                    marks.add(kid)
                elif isinstance(objects.get(_number(kid) or -1), pydyf.Dictionary):
                    todo.append(objects[_number(kid) or -1])
        return marks

    @staticmethod
    def _in_bottom_half(stream: list[Any], index: int, page: pydyf.Dictionary) -> bool:
        """Whether the first text after ``index`` is drawn below the page's middle."""
        scale, height = _page_scale(stream, page)
        for op in stream[index:index + 40]:
            parts = op.split() if isinstance(op, bytes) else []
            if len(parts) == 7 and parts[-1] == b"Tm":
                return float(parts[5]) * scale > height / 2
        return False

    @staticmethod
    def _parent_entries(objects: dict[int, Any], parents: Any,
                        page: pydyf.Dictionary) -> Any:
        """The ParentTree's array for the page: element references by marked-content id."""
        if not isinstance(parents, pydyf.Dictionary):
            return None
        nums = _items(parents.get("Nums", []))
        for key, value in zip(nums[::2], nums[1::2], strict=False):
            if key == page.get("StructParents"):
                entries = objects.get(_number(value) or -1, value)
                return entries if isinstance(entries, pydyf.Array) else None
        return None

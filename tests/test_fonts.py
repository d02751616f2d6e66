"""Compacted CJK fonts: far smaller, and drawn exactly as WeasyPrint's own by two engines."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from pdfread import fonts, notdef_glyphs, page_fonts
from samepage import differing_pixels, poppler_pages
from texts import leaflet

from handouts.pdf import PDF_VARIANT, Renderer
from handouts.project import Project
from handouts.render import PAPERS, make_environment, render_html

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
LATIN_LIMIT, CJK_LIMIT = 150_000, 200_000


def document(code: str) -> object:
    from weasyprint import HTML

    renderer = Renderer(ROOT / "templates", ROOT / "templates" / "print.css")
    loaded = leaflet(Project(ROOT), code)
    html = render_html(make_environment(ROOT / "templates"), "stockholm-syndrome-treatment",
                       loaded, loaded.language, PAPERS["a4"])
    return HTML(string=html, base_url=renderer.base_url, url_fetcher=renderer.fetcher).render(
        stylesheets=[renderer.css], font_config=renderer.font_config)


def same_in_poppler(a: Path, b: Path) -> bool:
    """Not a pixel differs, rasterised by pdftoppm (and the page counts match)."""
    counts = differing_pixels(poppler_pages(a), poppler_pages(b))
    return counts == [0] * len(counts)


def pdfium_max_difference(a: Path, b: Path) -> int:
    """Largest grey-level difference between PDFium's renderings (anti-aliasing is ~20)."""
    from PIL import ImageChops

    pages_a, pages_b = pypdfium2.PdfDocument(a), pypdfium2.PdfDocument(b)
    assert len(pages_a) == len(pages_b)
    worst = 0
    for page_a, page_b in zip(pages_a, pages_b, strict=True):
        image_a = page_a.render(scale=2).to_pil().convert("L")
        image_b = page_b.render(scale=2).to_pil().convert("L")
        worst = max(worst, max(ImageChops.difference(image_a, image_b).tobytes()))
    return worst


@pytest.mark.parametrize("code", ["zh_CN", "ja"])
def test_compaction_is_invisible_and_small(tmp_path: Path, code: str) -> None:
    from handouts.fontsubset import compact_cid_fonts

    doc = document(code)
    plain, compact = tmp_path / "plain.pdf", tmp_path / "compact.pdf"
    plain.write_bytes(doc.write_pdf(pdf_variant=PDF_VARIANT))  # type: ignore[attr-defined]
    with compact_cid_fonts() as finisher:
        compact.write_bytes(doc.write_pdf(  # type: ignore[attr-defined]
            pdf_variant=PDF_VARIANT, finisher=finisher))
    assert compact.stat().st_size < plain.stat().st_size / 2
    assert compact.stat().st_size < CJK_LIMIT
    assert same_in_poppler(plain, compact)
    assert pdfium_max_difference(plain, compact) < 48


def embedded(pdf: Path) -> dict[str, str]:
    """Each embedded font's name and the format of its program."""
    found = {}
    for font in page_fonts(pdf):
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        for key in ("/FontFile2", "/FontFile3"):
            if key in descriptor:
                found[str(font["/BaseFont"])] = str(
                    descriptor[key].get_object().get("/Subtype", "/TrueType"))
    return found


def test_cjk_fonts_are_embedded_as_bare_cff(tmp_path: Path) -> None:
    from weasyprint.pdf.fonts import Font

    from handouts.fontsubset import compact_cid_fonts

    stock = Font._harfbuzz_subset
    with compact_cid_fonts() as finisher:
        assert Font._harfbuzz_subset is not stock
        data = document("ja").write_pdf(  # type: ignore[attr-defined]
            pdf_variant=PDF_VARIANT, finisher=finisher)
    assert Font._harfbuzz_subset is stock  # no lasting change to WeasyPrint
    (tmp_path / "ja.pdf").write_bytes(data)
    kinds = embedded(tmp_path / "ja.pdf")
    assert kinds and set(kinds.values()) == {"/CIDFontType0C"}, kinds


def test_forgetting_the_finisher_is_an_error() -> None:
    """Without it the renumbered font would be embedded as OpenType: pages without text."""
    from handouts.errors import RenderError
    from handouts.fontsubset import compact_cid_fonts

    doc = document("ja")
    with pytest.raises(RenderError) as info, compact_cid_fonts():
        doc.write_pdf(pdf_variant=PDF_VARIANT)  # type: ignore[attr-defined]
    assert str(info.value) == ("a compacted CJK font was not embedded by compact_cid_fonts()'s"
                               " finisher; pass it to write_pdf(finisher=...)")


FIXTURE_FONT_HTML = (
    "<style>@font-face {{ font-family: Fixture; src: url({font}) }}"
    "p {{ font-family: Fixture; font-size: 40pt }}</style><p>日本語の案内</p>")


def stock_and_ours(tmp_path: Path, **options: object) -> tuple[Path, Path]:
    """The fixture font's page written by stock WeasyPrint, and within compact_cid_fonts()."""
    from weasyprint import HTML

    from handouts.fontsubset import compact_cid_fonts

    html = FIXTURE_FONT_HTML.format(font=(DATA / "fonts" / "cid-keyed-renumbered.otf").as_uri())
    (tmp_path / "p").mkdir()
    (tmp_path / "c").mkdir()
    plain, compact = tmp_path / "p" / "x.pdf", tmp_path / "c" / "x.pdf"
    HTML(string=html).write_pdf(plain, **options)
    with compact_cid_fonts() as finisher:
        HTML(string=html).write_pdf(compact, finisher=finisher, **options)
    return plain, compact


def test_font_whose_glyph_ids_are_not_its_cids_keeps_weasyprint_subset(tmp_path: Path) -> None:
    """A CID-keyed font renumbered by a subsetter: glyph 1 is CID 1505, and so on."""
    plain, compact = stock_and_ours(tmp_path)
    assert list(embedded(compact).values()) == ["/OpenType"]
    assert notdef_glyphs(compact) == []
    assert same_in_poppler(plain, compact)


def test_sized_arrays_are_made_as_open_arrays_with_the_same_values() -> None:
    """cffi parses every new "T[N]" against all of WeasyPrint's declarations."""
    from weasyprint.text.ffi import ffi

    from handouts.fontsubset import _open_arrays

    with _open_arrays():
        filled = ffi.new("hb_codepoint_t[3]", [7, 8, 9])
        empty = ffi.new("hb_tag_t[100]")
        name = ffi.new("char[4]", b"GSUB")
    assert (ffi.typeof(filled).cname, list(filled)) == ("uint32_t[]", [7, 8, 9])
    assert (ffi.typeof(empty).cname, len(empty), set(empty)) == ("uint32_t[]", 100, {0})
    assert (ffi.typeof(name).cname, ffi.unpack(name, 4)) == ("char[4]", b"GSUB")  # no NUL
    assert "new" not in vars(ffi)  # cffi's own again


def test_latin_fonts_subset_as_weasyprint_does(tmp_path: Path) -> None:
    """TrueType goes through WeasyPrint's subsetter, with open arrays: the same bytes."""
    from weasyprint import HTML

    from handouts.fontsubset import compact_cid_fonts

    html = "<p style='font-family: Noto Sans'>Get help now: 911</p>"
    plain = HTML(string=html).write_pdf()
    with compact_cid_fonts() as finisher:
        ours = HTML(string=html).write_pdf(finisher=finisher)
    assert ours == plain


def test_full_fonts_get_the_face_bytes_that_were_deferred(tmp_path: Path) -> None:
    plain, compact = stock_and_ours(tmp_path, full_fonts=True)
    assert compact.read_bytes() == plain.read_bytes()


def test_shipped_sizes(built: tuple[Path, object]) -> None:
    out = built[0]
    for pdf in out.rglob("*.pdf"):
        cjk = any(n.startswith("Noto-Sans-CJK") for n in fonts(pdf))
        assert pdf.stat().st_size <= (CJK_LIMIT if cjk else LATIN_LIMIT), pdf


@pytest.mark.parametrize("change", ["signature", "missing attribute", "changed function"])
def test_changed_weasyprint_surface_turns_compaction_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_surface: None,
        change: str) -> None:
    from weasyprint.pdf import fonts as wp_fonts

    from handouts.fontsubset import surface_problems, surface_warning

    stock_init = wp_fonts.Font.__init__
    if change == "signature":
        stock_clean = wp_fonts.Font.clean

        def clean(self: object, to_unicode: object, hinting: object,
                  extra: object = None) -> None:
            stock_clean(self, to_unicode, hinting)

        monkeypatch.setattr(wp_fonts.Font, "clean", clean)
        expected = ("Font.clean takes (self, to_unicode, hinting, extra), not (self,"
                    " to_unicode, hinting)")
    elif change == "missing attribute":
        # A release whose Font.__init__ no longer assigns .missing itself.
        def init(self: object, pango_font: object, description: object,
                 font_size: object) -> None:
            stock_init(self, pango_font, description, font_size)

        monkeypatch.setattr(wp_fonts.Font, "__init__", init)
        expected = "Font no longer sets .hb_face"
    else:
        stock_data = wp_fonts.get_hb_object_data

        def get_hb_object_data(hb_object: object, ot_color: object = None,
                               glyph: object = None, variations: object = None) -> bytes:
            return bytes(stock_data(hb_object, ot_color, glyph))

        monkeypatch.setattr(wp_fonts, "get_hb_object_data", get_hb_object_data)
        expected = "weasyprint.pdf.fonts.get_hb_object_data is missing or changed"
    assert expected in surface_problems()
    assert "CJK fonts are subset by WeasyPrint itself" in (surface_warning() or "")

    from handouts.build import BuildOptions, build
    from handouts.project import Project

    report = build(Project(ROOT), BuildOptions(out=tmp_path, languages=("zh_CN", "ja")))
    assert report.ok, report.failures
    from handouts import textlayer

    # A Font.__init__ that no longer assigns what the text layer reads turns it off too.
    assert report.warnings == [w for w in (surface_warning(), textlayer.surface_warning()) if w]
    for written in report.written:
        assert notdef_glyphs(written.path) == []
        # Stock subsetting: TrueType-flavoured CFF kept as OpenType, not bare CFF.
        assert "/CIDFontType0C" not in set(embedded(written.path).values())
        assert written.size < 2 * CJK_LIMIT

"""The Jinja2 stage: translations are untrusted text; page labels become safe CSS."""

from __future__ import annotations

import pytest
from babel import Locale
from markupsafe import Markup

from handouts.catalog import Language
from handouts.render import css_content, sanitize


@pytest.mark.parametrize(("source", "translation", "expected"), [
    ("Get help now", "<script>alert(1)</script>Ayuda",
     "&lt;script&gt;alert(1)&lt;/script&gt;Ayuda"),
    ("Get help now", '<img src="file:///etc/passwd">', "&lt;img src=&#34;file:///etc/passwd&#34;&gt;"),
    ("Call <strong>now</strong>", '<strong onclick="x">ya</strong><img src=x>',
     "<strong>ya</strong>"),
    ("Call <strong>now</strong>", "<style>*{}</style><b>ya</b>", "ya"),
])
def test_translation_markup_is_escaped_or_cut_to_source_tags(source: str, translation: str,
                                                             expected: str) -> None:
    assert sanitize(source, translation) == expected


def test_page_label_is_css_with_localized_counters() -> None:
    language = Language("fa", Locale.parse("fa"))
    label = Markup("صفحه \x01 از \x02")
    css = css_content(label, language)
    assert css == ('"صفحه " counter(page, persian) " از " counter(pages, persian)')


def test_page_label_cannot_break_out_of_css() -> None:
    language = Language("en", Locale.parse("en"))
    css = css_content(Markup('Page"; } </style><script> \x01'), language)
    assert "</style>" not in css and '";' not in css
    assert css.endswith("counter(page, decimal)")


def test_draft_falls_back_to_english_for_broken_context_messages() -> None:
    from pathlib import Path

    from handouts.catalog import catalog_path, load_catalog
    from handouts.render import Gettext

    locales = Path(__file__).parent.parent / "locales"
    gallery = load_catalog(catalog_path(locales, "es", "gallery"), "es")
    assert Gettext(gallery).pgettext("paper size", "Letter") == "Carta (EE. UU.)"
    assert Gettext(gallery, frozenset({"Letter"})).pgettext("paper size", "Letter") == "Letter"
    assert Gettext(gallery, frozenset({"Letter"})).ngettext("Letter", "Letters", 2) == "Letters"

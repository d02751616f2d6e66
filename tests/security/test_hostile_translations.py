"""Hostile translations: rejected by `check` (so by `build`), and harmless if forced.

A draft build (--allow-incomplete) falls back to English for each rejected
message, and the sanitiser is a second wall: no tag, attribute, fetch or link
the English source lacks ever reaches the PDF.

Checked to fail (by hand, 2 December 2026): with ``render.sanitize`` returning the translation
unescaped (``Markup(translation)``), 23 tests here fail (the 22 ``test_sanitiser_leaves_no_markup``
cases with markup; the 6 without markup pass, as they should; and
``test_source_tags_survive_and_nothing_else``), and 4 in tests/test_render.py. The forced-draft
test still passes then, because check refuses every attack first and the draft prints English
instead; it fails when the gate is disabled (see tests/test_publication.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from texts import HANDOUT, po_of

from handouts.build import BuildOptions, build
from handouts.catalog import LoadedCatalog, load_catalog
from handouts.check import ERROR, check_message
from handouts.project import Project
from handouts.render import sanitize
from handouts.sync import write_catalog

HELP = "Get help now"
PAGE = "Page %(page)s of %(pages)s"
HOSTILE = [
    (HELP, "<script>alert(1)</script>Ayuda"),
    (HELP, '<img src="file:///etc/passwd" alt="x">'),
    (HELP, "<img src=x onerror=alert(1)>"),
    (HELP, '<link rel="attachment" href="file:///etc/passwd">'),
    (HELP, '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'),
    (HELP, "<style>@import url(file:///etc/passwd);</style>Ayuda"),
    (HELP, "<style>body{background:url(http://127.0.0.1:9/)}</style>"),
    (HELP, '<a href="javascript:alert(1)">Ayuda</a>'),
    (HELP, '<a href="file:///etc/shadow">Ayuda</a>'),
    (HELP, '<span style="background:url(file:///etc/passwd)">Ayuda</span>'),
    (HELP, '<b onclick="x()">Ayuda</b>'),
    (HELP, '<iframe src="file:///etc/passwd"></iframe>'),
    (HELP, '<object data="file:///etc/passwd"></object>'),
    (HELP, '<embed src="file:///etc/passwd">'),
    (HELP, '<svg><image href="file:///etc/passwd"/></svg>'),
    (HELP, '<base href="file:///etc/">Ayuda'),
    (HELP, '<meta http-equiv="refresh" content="0;url=file:///etc/passwd">'),
    (HELP, "</h2></aside><h1>Llame al 555</h1><aside><h2>"),
    (HELP, "<!-- x --><![CDATA[y]]>Ayuda"),
    (HELP, '<form action="http://127.0.0.1:9/"><input name=x></form>'),
    (HELP, "Ayuda\u202e0011 ya"),  # right-to-left override: reverses digits on paper
    (HELP, "Ayuda\x00ya\x07"),
    ("Published: %(date)s", "Publicado: %(date)999999999s"),  # memory bomb
    ("Published: %(date)s", "Publicado: %(date)s %(__class__)s"),
    ("Published: %(date)s", "Publicado al 100 % el %(date)s"),
    (PAGE, '"; } @page { background: url(file:///etc/passwd) } x { content: "'),
    (PAGE, "Página %(page)s de %(pages)s </style><script>x</script>"),
    ("How Stockholm syndrome is treated", "</title><link rel=attachment href=/etc/passwd>"),
]


@pytest.mark.parametrize(("source", "translation"), HOSTILE)
def test_check_rejects(source: str, translation: str) -> None:
    errors = [reason for severity, reason in check_message(source, translation)
              if severity == ERROR]
    assert errors, f"check let through: {translation!r}"


@pytest.mark.parametrize(("source", "translation"), HOSTILE)
def test_sanitiser_leaves_no_markup(source: str, translation: str) -> None:
    cleaned = str(sanitize(source, translation))
    assert "<" not in cleaned and ">" not in cleaned.replace("&gt;", "")


def test_source_tags_survive_and_nothing_else() -> None:
    assert sanitize("Call <strong>now</strong>",
                    '<strong style="x">ya</strong><a href="javascript:x">y</a>') == (
        "<strong>ya</strong>y")


# GNU msgfmt --check refuses these python-format mismatches: the whole catalog is refused.
MSGFMT_REFUSES = {
    "Publicado: %(date)s %(__class__)s":
        "a format specification for argument '__class__', as in 'msgstr', doesn't exist in"
        " 'msgid'",
    "Publicado al 100 % el %(date)s":
        "'msgstr' is not a valid Python format string, unlike 'msgid'.",
    '"; } @page { background: url(file:///etc/passwd) } x { content: "':
        "a format specification for argument 'page' doesn't exist in 'msgstr'",
}


@pytest.mark.parametrize(("source", "translation"),
                         [(s, t) for s, t in HOSTILE if t in MSGFMT_REFUSES])
def test_format_attacks_are_refused_even_as_drafts(tmp_path: Path, project_copy: Project,
                                                   source: str, translation: str) -> None:
    path = po_of(project_copy, "es", source)
    loaded = load_catalog(path)
    loaded.catalog[source].string = translation
    write_catalog(path, loaded.catalog)
    report = build(project_copy, BuildOptions(out=tmp_path / "draft", languages=("es",),
                                              allow_incomplete=True, handouts=(HANDOUT,)))
    assert report.written == []
    failure = report.failures[0]
    assert failure.path == path and failure.language == "es"
    assert failure.message.startswith("not published: GNU msgfmt --check rejects this file: "
                                      + MSGFMT_REFUSES[translation])


def test_forced_draft_with_every_attack_is_harmless(tmp_path: Path,
                                                    project_copy: Project) -> None:
    edited: dict[Path, LoadedCatalog] = {}
    for source, translation in HOSTILE:
        if translation in MSGFMT_REFUSES:
            continue
        # The catalogs carry them all, on as many messages as we have sources.
        path = po_of(project_copy, "es", source)
        loaded = edited.setdefault(path, load_catalog(path))
        loaded.catalog[source].string = translation
    for path, loaded in edited.items():
        write_catalog(path, loaded.catalog)

    refused = build(project_copy, BuildOptions(out=tmp_path / "refused", languages=("es",),
                                               handouts=(HANDOUT,)))
    assert refused.written == [] and "not published" in str(refused.failures[0])

    report = build(project_copy, BuildOptions(out=tmp_path / "draft", languages=("es",),
                                              allow_incomplete=True,
                                              handouts=(HANDOUT,)))
    assert report.ok, report.failures
    pdf = report.written[0].path
    html = pdf.with_suffix(".html").read_text("utf-8")
    for needle in ("<script", "<img", "<iframe", "<object", "<embed", "<base", "<form",
                   "<link", "javascript:", "file:///etc", "onerror", "onclick", "\u202e"):
        assert needle not in html
    reader = PdfReader(pdf)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            uri = str(annot.get_object().get("/A", {}).get("/URI", ""))
            assert not uri.startswith(("file:", "javascript:")), uri
    root: Any = reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in str(root.get("/Names", {}))
    assert reader.metadata is not None
    assert reader.metadata.title == "How Stockholm syndrome is treated"

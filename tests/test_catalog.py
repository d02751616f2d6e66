"""Loading catalogs with Babel: stats, review status, and one clear error per defect."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from handouts.catalog import load_catalog, resolve_language
from handouts.errors import CatalogError, LanguageError

DATA = Path(__file__).parent / "data" / "po"


def as_es(tmp_path: Path, name: str) -> Path:
    """Fixture catalogs live as es/LC_MESSAGES/handouts.po, as in a project."""
    target = tmp_path / "es" / "LC_MESSAGES" / "handouts.po"
    target.parent.mkdir(parents=True)
    shutil.copy(DATA / name, target)
    return target


def test_stats_do_not_count_fuzzy_as_translated(tmp_path: Path) -> None:
    loaded = load_catalog(as_es(tmp_path, "good.po"))
    stats = loaded.stats
    assert (stats.total, stats.translated, stats.fuzzy, stats.untranslated, stats.obsolete) == (
        3, 1, 1, 1, 1)
    assert stats.percent == pytest.approx(100 / 3)
    # Fuzzy entries never reach the reader: gettext falls back to English.
    assert loaded.translations.gettext("Recovery at home") == "Recovery at home"
    assert loaded.translations.gettext("Get help now") == "Pida ayuda ahora"


def test_revision_from_header_and_self_declared_review_ignored(tmp_path: Path) -> None:
    loaded = load_catalog(as_es(tmp_path, "good.po"))
    assert loaded.language.revised == dt.date(2026, 11, 20)
    # The header says "reviewed", but a file cannot vouch for itself: reviews.json does.
    assert loaded.headers["X-Review-Status"] == "reviewed"
    assert loaded.language.review is not None and not loaded.language.review.reviewed
    from handouts.check import check_catalog

    assert ("X-Review-Status: reviewed in the header is ignored; a reviewer signs off with:"
            ' python generate.py review es --by "NAME, CREDENTIAL"') in [
        p.reason for p in check_catalog(loaded) if p.line == 1]


@pytest.mark.parametrize(("name", "message"), [
    ("bad-encoding.po", "es/LC_MESSAGES/handouts.po:7: [es] not valid UTF-8; save the file as"
                        " UTF-8"),
    ("syntax.po", "es/LC_MESSAGES/handouts.po:10: [es] syntax error: Unknown or misformatted"
                  " keyword"),
    ("no-header.po", 'es/LC_MESSAGES/handouts.po:1: [es] missing header entry (msgid "" with'
                     " Language and Content-Type)"),
    ("wrong-language.po", 'es/LC_MESSAGES/handouts.po:1: [es] header: "Language: fr" does not'
                          " match the folder 'es'"),
    ("duplicate.po", 'es/LC_MESSAGES/handouts.po:12: [es] duplicate message "Get help now"'
                     " (first on line 6); delete one of them"),
])
def test_malformed_catalog_names_file_line_language(tmp_path: Path, name: str,
                                                    message: str) -> None:
    path = as_es(tmp_path, name)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(info.value) == f"{tmp_path}/{message}"


@pytest.mark.parametrize("code", ["zh_CN", "zh-CN", "zh-Hans", "zh_Hans_CN", "ZH-cn"])
def test_chinese_codes_resolve_alike(code: str) -> None:
    assert resolve_language(code, ["en", "es", "zh_CN"]) == "zh_CN"


def test_regional_variant_falls_back_to_language() -> None:
    assert resolve_language("es-MX", ["en", "es"]) == "es"


def test_unknown_language() -> None:
    with pytest.raises(LanguageError) as info:
        resolve_language("xx", ["en", "es"])
    assert str(info.value) == "unknown language code 'xx'"
    with pytest.raises(LanguageError) as info:
        resolve_language("fr", ["en", "es"])
    assert str(info.value) == ("language 'fr' is not shipped; available: en, es. To add it,"
                               " run: python generate.py init fr")


def test_babel_parser_surface_is_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Babel release that changes the parser internals we extend is caught, loudly."""
    from babel.messages.pofile import PoFileParser

    from handouts import catalog

    assert catalog.babel_parser_problems() == []
    stock = PoFileParser._process_comment

    def changed(self: PoFileParser, line: str, lineno: int = 0) -> None:
        stock(self, line)

    monkeypatch.setattr(PoFileParser, "_process_comment", changed)
    assert catalog.babel_parser_problems() == [
        "PoFileParser._process_comment takes (self, line, lineno), not (self, line)"]
    monkeypatch.setattr(PoFileParser, "_process_comment", stock)
    monkeypatch.setattr(PoFileParser, "_finish_current_message", lambda self: None)
    assert catalog.babel_parser_problems() == ["the sample catalog reads differently"]


def test_fallback_parser_reads_safely_and_refuses_to_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts import catalog
    from handouts.errors import SetupError
    from handouts.sync import write_catalog

    monkeypatch.setattr(catalog, "BABEL_PARSER_OK", False)
    monkeypatch.setattr(catalog, "_BABEL_PROBLEMS", ["PoFileParser._add_message is missing"])
    path = as_es(tmp_path, "good.po")
    loaded = load_catalog(path)
    assert loaded.translations.gettext("Get help now") == "Pida ayuda ahora"
    # The review fields cannot be read: the leaflet says "not yet reviewed".
    assert loaded.language.review is not None
    assert not loaded.language.review.reviewed
    with pytest.raises(SetupError, match="catalogs are not rewritten, so that nothing is lost"):
        write_catalog(path, loaded.catalog)
    # GNU msgfmt still refuses duplicates that Babel's stock parser would merge.
    with pytest.raises(CatalogError, match="GNU msgfmt rejects this file: duplicate"):
        load_catalog(as_es(tmp_path / "dup", "duplicate.po"))

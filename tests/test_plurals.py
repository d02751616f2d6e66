"""Plural forms judged the way GNU gettext judges them, with CLDR's count only as advice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handouts.catalog import load_catalog
from handouts.check import WARNING, check_catalog
from handouts.errors import CatalogError

DATA = Path(__file__).parent / "data" / "po" / "plural"


def placed(tmp_path: Path, name: str) -> Path:
    """A fixture as <lang>/LC_MESSAGES/handouts.po, its language from its name."""
    lang = name.split("-")[0] if name.startswith(("es", "fa")) else "es"
    target = tmp_path / lang / "LC_MESSAGES" / "handouts.po"
    target.parent.mkdir(parents=True)
    shutil.copy(DATA / name, target)
    return target


@pytest.mark.parametrize(("name", "forms"), [
    ("es-2.po", ("%(num)s página", "%(num)s páginas")),
    ("es-3.po", ("%(num)s página", "%(num)s de páginas", "%(num)s páginas")),
    ("fa-1.po", ("%(num)s صفحه",)),
    ("fa-2.po", ("%(num)s صفحه", "%(num)s صفحه")),
])
def test_gnu_and_cldr_forms_are_both_accepted(tmp_path: Path, name: str,
                                              forms: tuple[str, ...]) -> None:
    loaded = load_catalog(placed(tmp_path, name))
    message = loaded.catalog.get(("%(num)s page", "%(num)s pages"))
    assert message is not None
    assert message.string == forms
    assert loaded.stats.complete
    # gettext uses the file's own rule: es-2 picks form 1 for 0, es-3 form 2.
    index_for_zero = {"es-2.po": 1, "es-3.po": 2, "fa-1.po": 0, "fa-2.po": 0}[name]
    assert loaded.translations.ngettext("%(num)s page", "%(num)s pages", 0) == forms[
        index_for_zero]


@pytest.mark.parametrize(("name", "line", "message"), [
    ("out-of-range.po", 1, 'header: Plural-Forms expression "(n == 1 ? 0 : 2)" gives no valid'
                           " form for n=0; with nplurals=2 it must give 0 to 1"),
    ("large-n.po", 1, 'header: Plural-Forms expression "(n > 4294967295 ? 2 : n != 1)" gives'
                      " no valid form for n=4294967296; with nplurals=2 it must give 0 to 1"),
    ("count-mismatch.po", 12, 'plural message "%(num)s page" has 1 msgstr[] form(s), but'
                              " Plural-Forms says nplurals=2; write exactly msgstr[0] to"
                              " msgstr[1]"),
    ("unparsable.po", 1, 'header: Plural-Forms expression cannot be parsed: "(n != 1 ? 1)"'
                         " (unexpected token in plural form: ))"),
])
def test_invalid_plural_forms_name_the_problem_and_line(tmp_path: Path, name: str, line: int,
                                                        message: str) -> None:
    path = placed(tmp_path, name)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert (caught.value.path, caught.value.line, caught.value.language) == (path, line, "es")
    assert caught.value.message == message


def test_a_form_unlike_cldr_is_a_warning_naming_both(tmp_path: Path) -> None:
    import babel
    from babel.messages.plurals import get_plural

    loaded = load_catalog(placed(tmp_path, "fa-1.po"))
    found = check_catalog(loaded)
    assert all(p.severity == WARNING for p in found)
    advice = [p for p in found if "CLDR" in p.reason]
    cldr = get_plural("fa")
    if cldr.num_plurals == 1:  # Babel < 2.19 agrees with the file: nothing to say
        assert advice == []
        return
    assert len(advice) == 1
    assert advice[0].line == 1
    assert advice[0].reason == (
        f'Plural-Forms "nplurals=1; plural=0;" has 1 form(s); CLDR (Babel {babel.__version__})'
        f' has {cldr.num_plurals} for fa: "nplurals={cldr.num_plurals};'
        f' plural={cldr.plural_expr};". Both work; keep the catalog\'s unless your translation'
        " team changes it")


def test_the_plural_range_check_bounds_nplurals(tmp_path: Path) -> None:
    path = placed(tmp_path, "es-2.po")
    path.write_text(path.read_text("utf-8").replace("nplurals=2", "nplurals=1000000000"),
                    "utf-8")
    with pytest.raises(CatalogError, match="has nplurals=1000000000; it must be between 1"
                                           " and 10"):
        load_catalog(path)

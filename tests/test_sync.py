"""extract, update and init: round trips that keep every translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from handouts.catalog import catalog_path, load_catalog
from handouts.domains import domains
from handouts.errors import CatalogError, LanguageError, TemplateError
from handouts.project import Project
from handouts.sync import Updated, extract, init, update

HANDOUT = Path("templates/handouts/stockholm-syndrome-treatment.html")
DOMAIN = "stockholm-syndrome-treatment"
CHANGED = ("Ways to treat it", "Ways to treat this")
REMOVED = ("Family members: spend time with your loved one, be patient, and help them"
           " follow the treatment plan.")


def leaflets(results: list[Updated]) -> list[Updated]:
    """The leaflet catalogs' results (update also merges the gallery's own catalogs)."""
    return [r for r in results if r.path.name == f"{DOMAIN}.po"]


def edit_template(project: Project, old: str, new: str) -> None:
    path = project.root / HANDOUT
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def es(project: Project) -> Path:
    return catalog_path(project.locales_dir, "es", DOMAIN)


def test_update_round_trip(project_copy: Project) -> None:
    translation = load_catalog(es(project_copy)).catalog[REMOVED].string
    edit_template(project_copy, f'_("{CHANGED[0]}")', f'_("{CHANGED[1]}")')
    edit_template(project_copy, f'<li>{{{{ _("{REMOVED}") }}}}</li>',
                  '<li>{{ _("Keep this leaflet.") }}</li>')

    stale, results = update(project_copy, ["es"])
    assert stale == [project_copy.pot_path(DOMAIN)]
    assert [(r.added, r.fuzzy, r.obsolete, r.revived) for r in leaflets(results)] == [
        (1, 1, 1, 0)]
    text = es(project_copy).read_text("utf-8")
    assert ('#, fuzzy\n#| msgid "Ways to treat it"\nmsgid "Ways to treat this"\nmsgstr "Formas'
            in text)
    assert 'msgid "Keep this leaflet."\nmsgstr ""' in text
    assert '#~ msgid ""\n#~ "Family members:' in text

    # Stable: a second run changes nothing, and keeps the previous msgid.
    before = es(project_copy).read_bytes()
    stale, results = update(project_copy, ["es"])
    assert not stale and not any(r.changed for r in results)
    assert es(project_copy).read_bytes() == before

    # The removed string comes back with its translation.
    edit_template(project_copy, '<li>{{ _("Keep this leaflet.") }}</li>',
                  f'<li>{{{{ _("{REMOVED}") }}}}</li>')
    _, results = update(project_copy, ["es"])
    assert [r.revived for r in leaflets(results)] == [1]
    revived = load_catalog(es(project_copy)).catalog[REMOVED]
    assert revived.string == translation and not revived.fuzzy
    assert not load_catalog(es(project_copy)).catalog.obsolete.get(REMOVED)


def test_check_mode_writes_nothing_and_reports(project_copy: Project) -> None:
    edit_template(project_copy, f'_("{CHANGED[0]}")', f'_("{CHANGED[1]}")')
    before = {p: p.read_bytes() for p in project_copy.locales_dir.rglob("*.po*")}
    stale, results = update(project_copy, check=True)
    assert stale and all(r.changed for r in leaflets(results))
    assert before == {p: p.read_bytes() for p in project_copy.locales_dir.rglob("*.po*")}


def test_file_saved_by_gnu_msgmerge_is_not_rewritten(project_copy: Project,
                                                     tmp_path: Path) -> None:
    merged = tmp_path / "es.po"
    subprocess.run(["msgmerge", "--quiet", "-o", str(merged), str(es(project_copy)),
                    str(project_copy.pot_path(DOMAIN))], check=True)
    # A translator's editor might also wrap at a different width: same content.
    subprocess.run(["msgcat", "--width=60", "-o", str(es(project_copy)), str(merged)],
                   check=True)
    before = es(project_copy).read_bytes()
    stale, results = update(project_copy, ["es"])
    assert not stale and not any(r.changed for r in results)
    assert es(project_copy).read_bytes() == before


def test_our_layout_is_gnu_layout(project_copy: Project, tmp_path: Path) -> None:
    merged = tmp_path / "es.po"
    subprocess.run(["msgmerge", "--quiet", "-o", str(merged), str(es(project_copy)),
                    str(project_copy.pot_path(DOMAIN))], check=True)
    assert merged.read_bytes() == es(project_copy).read_bytes()


def test_stock_pybabel_extracts_the_same_messages(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "pybabel.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "pyproject.toml", "-c", "Translators:", "--strip-comments", "-o", str(out),
                    "."], cwd=project.root, check=True, capture_output=True)
    with out.open("rb") as fh:
        theirs = {(m.id, m.context, " ".join(m.auto_comments)) for m in read_po(fh) if m.id}
    ours = {(m.id, m.context, " ".join(m.auto_comments))
            for domain in domains(project.templates_dir) for m in extract(project, domain) if m.id}
    assert ours == theirs


def test_extract_refuses_a_message_it_would_drop(project_copy: Project) -> None:
    edit_template(project_copy, '_("Ways to treat it")', "_(heading)")
    with pytest.raises(TemplateError) as info:
        extract(project_copy, DOMAIN)
    assert str(info.value).endswith(
        "_() needs literal strings, or the message is lost to translators; pass values as"
        " keyword arguments")
    assert f"{HANDOUT}:" in str(info.value)


def test_extract_reports_template_syntax_errors(project_copy: Project) -> None:
    edit_template(project_copy, "{% block content %}", "{% block content")
    with pytest.raises(TemplateError) as info:
        extract(project_copy, DOMAIN)
    assert "template syntax error" in str(info.value)


def test_init_writes_a_correct_header(project_copy: Project) -> None:
    paths = init(project_copy, "fr-CA", translator="Ana <ana@example.org>")
    assert paths == [catalog_path(project_copy.locales_dir, "fr_CA", domain)
                     for domain in domains(project_copy.templates_dir)]
    path = paths[-1]
    text = path.read_text("utf-8")
    assert '"Language: fr_CA\\n"' in text
    # init writes CLDR's rule, as the installed (locked) Babel has it.
    cldr = get_plural("fr_CA")
    written = " ".join(load_catalog(path).headers["Plural-Forms"].split())
    assert written == f"nplurals={cldr.num_plurals}; plural={cldr.plural_expr};"
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert "X-Review" not in text  # review is signed off in reviews.json, not declared here
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True)
    loaded = load_catalog(path)
    assert loaded.stats.translated == 0 and loaded.stats.total > 15


def test_init_rejects_unknown_code_and_suggests(project_copy: Project) -> None:
    with pytest.raises(LanguageError) as info:
        init(project_copy, "pt_BX")
    assert str(info.value).startswith("unknown locale 'pt_BX'; did you mean ")
    assert "pt_BR" in str(info.value)


def test_init_refuses_to_overwrite(project_copy: Project) -> None:
    shutil.copy(es(project_copy), es(project_copy).with_suffix(".bak"))
    with pytest.raises(CatalogError, match="catalog already exists"):
        init(project_copy, "es")


def test_ambiguous_strings_carry_a_context(project: Project) -> None:
    gallery = extract(project, "gallery")
    letter = gallery.get("Letter", "paper size")
    assert letter is not None and letter.context == "paper size"
    es = load_catalog(catalog_path(project.locales_dir, "es", "gallery"))
    assert es.translations.pgettext("paper size", "Letter") == "Carta (EE. UU.)"


def test_text_moved_into_a_shared_partial_keeps_its_translation(project_copy: Project) -> None:
    heading = '<h2>{{ _("Ways to treat it") }}</h2>'
    edit_template(project_copy, heading, "")
    footer = project_copy.templates_dir / "partials" / "footer.html"
    footer.write_text(footer.read_text("utf-8") + heading + "\n", "utf-8")
    _, results = update(project_copy, ["es"])
    common = catalog_path(project_copy.locales_dir, "es", "common")
    moved = [r for r in results if r.path == common]
    assert [(r.added, r.fuzzy) for r in moved] == [(0, 1)]
    entry = load_catalog(common).catalog["Ways to treat it"]
    assert entry.fuzzy and entry.string == "Formas de tratarlo"  # for a translator to confirm
    assert "Ways to treat it" in load_catalog(es(project_copy)).catalog.obsolete

"""extract, update and init: round trips that keep every translation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from handouts.catalog import catalog_path, load_catalog, shipped_languages
from handouts.domains import domains
from handouts.errors import CatalogError, LanguageError, SetupError, TemplateError
from handouts.project import Project
from handouts.sync import CACHE, Updated, extract, init, update

DATA = Path(__file__).parent / "data"
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
    with pytest.raises(CatalogError) as info:
        init(project_copy, "es")
    common = catalog_path(project_copy.locales_dir, "es", "common")
    assert str(info.value) == f"{common}: [es] catalog already exists; use update to refresh it"


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


def snapshot(project: Project) -> dict[Path, tuple[int, bytes]]:
    """Every .pot and catalog, with its modification time and bytes."""
    return {p: (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(project.locales_dir.rglob("*.po*"))}


def translations(project: Project) -> list[str]:
    return [c for c in shipped_languages(project.locales_dir) if c != "en"]


def test_update_skips_what_did_not_change(project_copy: Project) -> None:
    _, first = update(project_copy)
    assert first and not any(r.skipped or r.changed for r in first)  # no cache yet
    cache = project_copy.root / CACHE
    before, cache_written = snapshot(project_copy), cache.stat().st_mtime_ns

    stale, again = update(project_copy)
    assert not stale
    assert [r.path for r in again] == [r.path for r in first]
    assert all(r.skipped and not r.changed for r in again)
    assert snapshot(project_copy) == before and cache.stat().st_mtime_ns == cache_written

    # The English of one handout changes; a translator edits Spanish common.po.
    edit_template(project_copy, f'_("{CHANGED[0]}")', f'_("{CHANGED[1]}")')
    common = catalog_path(project_copy.locales_dir, "es", "common")
    common.write_text(common.read_text("utf-8").replace('"Busque ayuda ahora"',
                                                        '"Busque ayuda ya"'), "utf-8")
    before = snapshot(project_copy)
    stale, results = update(project_copy)
    assert stale == [project_copy.pot_path(DOMAIN)]
    handout = {catalog_path(project_copy.locales_dir, code, DOMAIN)
               for code in translations(project_copy)}
    assert {r.path for r in results if not r.skipped} == handout | {common}
    assert {r.path for r in results if r.changed} == handout
    rewritten = {path for path, stamp in snapshot(project_copy).items()
                 if before.get(path) != stamp}
    assert rewritten == handout | {project_copy.pot_path(DOMAIN)}
    assert load_catalog(common).catalog["Get help now"].string == "Busque ayuda ya"
    assert all(r.skipped for r in update(project_copy)[1])


@pytest.mark.parametrize("damage", ["not-utf8", "truncated", "wrong-shape", "folder"])
def test_a_damaged_cache_only_means_no_skipping(project_copy: Project, damage: str) -> None:
    update(project_copy)
    cache = project_copy.root / CACHE
    if damage == "wrong-shape":
        saved = json.loads(cache.read_text("utf-8"))
        saved["pots"], saved["catalogs"] = [], {key: [1, 2] for key in saved["catalogs"]}
        cache.write_text(json.dumps(saved), "utf-8")
    elif damage == "folder":
        cache.unlink()
        cache.mkdir()
    else:
        shutil.copy(DATA / "sync" / f"cache-{damage}.json", cache)
    edit_template(project_copy, f'_("{CHANGED[0]}")', f'_("{CHANGED[1]}")')
    stale, results = update(project_copy, ["es"])
    assert stale == [project_copy.pot_path(DOMAIN)]
    assert not any(r.skipped for r in results)
    assert [(r.path.name, r.fuzzy) for r in results if r.changed] == [(f"{DOMAIN}.po", 1)]
    # Rewritten whole, it works again; a folder in its place is left alone.
    assert all(r.skipped for r in update(project_copy, ["es"])[1]) == (damage != "folder")


def test_check_mode_writes_no_cache(project_copy: Project) -> None:
    update(project_copy, check=True)
    assert not (project_copy.root / CACHE).parent.exists()


def test_new_handout_is_prefilled_by_exact_match_only(project_copy: Project) -> None:
    """Pre-fill takes a translation from the language's other catalogs (obsolete entries
    too) only for the same msgctxt and msgid, and never a fuzzy one."""
    update(project_copy, ["es"])  # the other catalogs are cached: only the new one is made
    shutil.copy(DATA / "sync" / "new-handout.html", project_copy.templates_dir / "handouts")
    shutil.copy(DATA / "sync" / "retired-handout.po",
                catalog_path(project_copy.locales_dir, "es", "retired-handout"))
    stale, results = update(project_copy, ["es"])
    new = catalog_path(project_copy.locales_dir, "es", "new-handout")
    assert stale == [project_copy.pot_path("new-handout")]
    assert [(r.path, r.added, r.fuzzy) for r in results if not r.skipped] == [(new, 6, 3)]
    entries = {(m.context, m.id): (m.string, m.fuzzy, m.previous_id)
               for m in load_catalog(new).catalog if m.id}
    assert entries == {
        (None, "Rest and sleep"): ("", False, []),
        (None, "Rest and sleep after a hard time: a patient leaflet."): ("", False, []),
        (None, "Ways to treat it"): ("Formas de tratarlo", True, []),
        (None, "Keep this leaflet."): ("Guarde este folleto.", True, []),
        ("title", "Sleep"): ("El sueño", True, []),
        (None, "Sleep"): ("", False, []),
        (None, "Rest"): ("", False, []),
        (None, "Rest well."): ("", False, []),
        (None, "Source: written for the tests."): ("", False, []),
    }
    # The header is the language's own; the layout is GNU's, and stays.
    assert load_catalog(new).headers["Language-Team"] == "Spanish <>"
    gnu = subprocess.run(["msgcat", "--width=79", str(new)], capture_output=True, check=True)
    assert gnu.stdout == new.read_bytes()
    assert all(r.skipped for r in update(project_copy, ["es"])[1])
    # msgmerge, run again without the cache, agrees with it to the byte.
    before = snapshot(project_copy)
    (project_copy.root / CACHE).unlink()
    assert not any(r.changed for r in update(project_copy, ["es"])[1])
    assert snapshot(project_copy) == before


def test_changed_english_twice_keeps_the_first_previous_msgid(project_copy: Project) -> None:
    edit_template(project_copy, f'_("{CHANGED[0]}")', f'_("{CHANGED[1]}")')
    update(project_copy, ["es"])
    edit_template(project_copy, f'_("{CHANGED[1]}")', '_("Ways to treat this now")')
    _, results = update(project_copy, ["es"])
    assert [(r.added, r.fuzzy, r.obsolete) for r in leaflets(results)] == [(0, 1, 0)]
    entry = load_catalog(es(project_copy)).catalog["Ways to treat this now"]
    assert entry.fuzzy and entry.string == "Formas de tratarlo"
    assert entry.previous_id == [CHANGED[0]]


def test_a_catalog_msgmerge_cannot_read_is_named(project_copy: Project) -> None:
    broken = catalog_path(project_copy.locales_dir, "es", "helping-someone-recover")
    shutil.copy(DATA / "po" / "syntax.po", broken)
    with pytest.raises(CatalogError) as info:
        update(project_copy, ["es"])
    assert str(info.value).startswith(f"{broken}:10: [es] syntax error")


def test_update_without_msgmerge_says_how_to_install_it(project_copy: Project,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(SetupError) as info:
        update(project_copy, ["es"])
    assert str(info.value) == ("GNU msgmerge is not installed; update needs it. Run"
                               " scripts/setup.sh, or: apt-get install gettext")


def test_a_broken_catalog_read_for_prefill_is_named(project_copy: Project) -> None:
    # Not a domain's catalog (its handout was retired), so only pre-fill reads it.
    retired = catalog_path(project_copy.locales_dir, "es", "retired-handout")
    shutil.copy(DATA / "po" / "syntax.po", retired)
    shutil.copy(DATA / "sync" / "new-handout.html", project_copy.templates_dir / "handouts")
    with pytest.raises(CatalogError) as info:
        update(project_copy, ["es"])
    assert str(info.value).startswith(f"{retired}:10: [es] syntax error")

"""Publication per (language, handout), judged on what the leaflet prints.

Each case of the first release's failures, replayed on a copy of the project
and read back from the real PDFs, the gallery and the CLI's output.

Checked to fail (by hand, 2 December 2026): with ``gate.decide`` publishing every leaflet
whatever its errors and unfinished messages (its ``if not errors and not unfinished`` made
always true), 5 of the 9 tests here fail (the never-extracted template, the new handout, the
edited msgid, review refusing what does not publish, exit codes with --strict), as do the two
gate tests in tests/test_build.py and the forced-draft test in
tests/security/test_hostile_translations.py. The other 4 guard msgfmt, the catalog reader and
the reviews file, which that change leaves in place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfread import squash, text
from texts import FAMILY, HANDOUT, leaflet

from handouts.catalog import catalog_path, load_catalog, shipped_languages
from handouts.cli import cli
from handouts.domains import COMMON, printed
from handouts.project import Project
from handouts.sync import write_catalog

NEW = "sleep-after-trauma"
NEW_MESSAGE = "Sleep comes back slowly. A calm bedtime routine helps."
BANNER = "Incomplete translation: some text is shown in English."
NOT_REVIEWED = "Translation not yet professionally reviewed."


def invoke(project: Project, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--project", str(project.root), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def add_handout(project: Project) -> Path:
    """A maintainer's new handout: the family leaflet with one new paragraph."""
    source = (project.templates_dir / "handouts" / f"{FAMILY}.html").read_text("utf-8")
    marker = '{% call parts.part("section", "closing") %}\n'
    assert marker in source
    path = project.templates_dir / "handouts" / f"{NEW}.html"
    path.write_text(source.replace(marker, marker + f'<p>{{{{ _("{NEW_MESSAGE}") }}}}</p>\n'),
                    "utf-8")
    return path


def pdfs(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.glob("*/*.pdf"))


def test_new_template_never_extracted_is_held_back_not_published_in_english(
        tmp_path: Path, project_copy: Project) -> None:
    add_handout(project_copy)
    out = tmp_path / "out"
    code, stdout, stderr = invoke(project_copy, "build", "--lang", "es", "--lang", "ar",
                                  "--lang", "en", "--out", str(out))
    assert (code, stderr) == (0, "")
    # English is the source: it publishes straight from the template.
    assert pdfs(out) == sorted([f"ar/{FAMILY}-a4.pdf", f"ar/{HANDOUT}-a4.pdf",
                                f"en/{FAMILY}-a4.pdf", f"en/{HANDOUT}-a4.pdf", f"en/{NEW}-a4.pdf",
                                f"es/{FAMILY}-a4.pdf", f"es/{HANDOUT}-a4.pdf"])
    total = len([line for line in (project_copy.templates_dir / "handouts" / f"{NEW}.html")
                 .read_text("utf-8").splitlines() if '_("' in line])
    common = len([m for m in printed(project_copy.templates_dir, NEW) if m.domain == COMMON])
    held = sorted(line for line in stdout.splitlines() if line.startswith("Held back:"))
    assert held[0].startswith(f"Held back: ar {NEW}: {total} untranslated and 0 fuzzy of ")
    assert held[1] == (f"Held back: es {NEW}: {total} untranslated and 0 fuzzy of"
                       f" {total + common} messages. See them with: python generate.py check"
                       f" --lang es --handout {NEW}")
    assert "; 2 held back as unfinished." in stdout
    gallery = (out / "index.html").read_text("utf-8")
    assert f"es/{NEW}-a4.pdf" not in gallery and f"en/{NEW}-a4.pdf" in gallery
    assert 'data-language="es" data-status="held back"' in gallery

    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out), "--strict")[0] == 1


def test_new_handout_after_extract_and_update(tmp_path: Path, project_copy: Project) -> None:
    add_handout(project_copy)
    assert invoke(project_copy, "extract")[0] == 0
    code, stdout, _ = invoke(project_copy, "update")
    assert code == 0
    new_po = catalog_path(project_copy.locales_dir, "es", NEW)
    assert f"{new_po}: updated (" in stdout
    assert not (project_copy.locales_dir / "en").exists()  # English needs no catalog
    # Messages another domain already translates are pre-filled, fuzzy, for a translator
    # to confirm; the new paragraph is empty.
    # Each language's own translations, never another's (Babel shares the .pot's entries).
    for language in shipped_languages(project_copy.locales_dir)[1:]:
        loaded = load_catalog(catalog_path(project_copy.locales_dir, language, NEW))
        family = load_catalog(catalog_path(project_copy.locales_dir, language, FAMILY))
        stats = loaded.stats
        assert (stats.translated, stats.fuzzy, stats.untranslated) == (0, stats.total - 1, 1)
        for message in loaded.messages():
            if message.id != NEW_MESSAGE:
                assert message.fuzzy and message.string == family.catalog[message.id].string
    stats = load_catalog(new_po).stats

    out = tmp_path / "out"
    code, stdout, _ = invoke(project_copy, "build", "--lang", "es", "--lang", "en",
                             "--out", str(out))
    assert code == 0
    assert pdfs(out) == sorted([f"en/{FAMILY}-a4.pdf", f"en/{HANDOUT}-a4.pdf",
                                f"en/{NEW}-a4.pdf", f"es/{FAMILY}-a4.pdf", f"es/{HANDOUT}-a4.pdf"])
    code, stdout, _ = invoke(project_copy, "build", "--lang", "es", "--handout", HANDOUT,
                             "--out", str(tmp_path / "one"))
    assert code == 0 and pdfs(tmp_path / "one") == [f"es/{HANDOUT}-a4.pdf"]

    code, stdout, _ = invoke(project_copy, "check", "--lang", "es", "--handout", NEW)
    assert code == 1
    assert (f"es {NEW}: will not publish: 1 untranslated, {stats.total - 1} fuzzy"
            in stdout.splitlines())
    assert f'  unfinished: "{NEW_MESSAGE}"' in stdout.splitlines()

    # A draft marks every page, English fills only the gaps, and only this handout is a draft.
    code, stdout, _ = invoke(project_copy, "build", "--lang", "es", "--allow-incomplete",
                             "--out", str(out))
    assert code == 0
    draft = out / "es" / f"{NEW}-a4.pdf"
    banner = squash(leaflet(project_copy, "es", NEW).translations.gettext(BANNER))
    from pypdf import PdfReader

    pages = [squash(page.extract_text()) for page in PdfReader(draft).pages]
    assert pages and all(banner in page for page in pages)
    assert squash(NEW_MESSAGE) in "".join(pages)
    assert banner not in squash(text(out / "es" / f"{HANDOUT}-a4.pdf"))


def test_translator_edited_msgid_holds_back_and_withdraws_the_old_pdf(
        tmp_path: Path, project_copy: Project) -> None:
    out = tmp_path / "out"
    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out), "--paper", "a4",
                  "--paper", "letter", "--html")[0] == 0
    old = out / "es" / f"{HANDOUT}-a4.pdf"
    assert old.is_file()
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    path.write_text(path.read_text("utf-8").replace('msgid "Ways to treat it"',
                                                    'msgid "Ways to treat it!"'), "utf-8")

    code, stdout, _ = invoke(project_copy, "check", "--lang", "es")
    assert code == 1
    assert f"es {HANDOUT}: will not publish: 1 untranslated, 0 fuzzy" in stdout.splitlines()
    assert '  unfinished: "Ways to treat it"' in stdout.splitlines()
    code, stdout, _ = invoke(project_copy, "stats", "--lang", "es", "--json")
    row = next(r for r in json.loads(stdout) if r["handout"] == HANDOUT)
    assert (row["untranslated"], row["published"], row["status"]) == (1, False, "held back")

    code, stdout, _ = invoke(project_copy, "build", "--lang", "es", "--out", str(out))
    assert code == 0
    assert not old.exists() and (out / "es" / f"{FAMILY}-a4.pdf").is_file()
    # Every paper and preview of it goes, not only those this build asked for.
    assert sorted(p.name for p in (out / "es").iterdir()) == [
        f"{FAMILY}-a4.html", f"{FAMILY}-a4.pdf", f"{FAMILY}-letter.html", f"{FAMILY}-letter.pdf"]
    gallery = (out / "index.html").read_text("utf-8")
    assert f"es/{HANDOUT}-a4.pdf" not in gallery and f"es/{FAMILY}-a4.pdf" in gallery
    # Its thumbnail went with it: one PNG per picture the page still shows.
    assert len(list((out / "thumbnails").glob("*.png"))) == gallery.count("<img ") > 0


SYNTAX = {
    "unterminated": ('msgstr "Formas de tratarlo"', 'msgstr "Formas de tratarlo'),
    "stray-text": ('msgstr "Formas de tratarlo"', 'msgstr "Formas de tratarlo"\nFormas'),
    "msgstr-missing": ('msgstr "Formas de tratarlo"', ""),
    "format-mismatch": ('msgid "Ways to treat it"\nmsgstr "Formas de tratarlo"',
                        '#, python-format\nmsgid "Ways to treat %(x)s"\nmsgstr "Formas"'),
}


@pytest.mark.parametrize("case", sorted(SYNTAX))
def test_po_syntax_errors_are_refused_with_file_and_line(
        tmp_path: Path, project_copy: Project, case: str) -> None:
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    old, new = SYNTAX[case]
    before = path.read_text("utf-8")
    assert old in before
    path.write_text(before.replace(old, new, 1), "utf-8")
    line = before[:before.index(old)].count("\n") + 1
    out = tmp_path / "out"
    for args in ([], ["--allow-incomplete"]):  # never published, not even as a draft
        code, _, stderr = invoke(project_copy, "build", "--lang", "es", "--out", str(out), *args)
        assert code == 1
        [failure] = stderr.splitlines()
        assert failure.startswith(f"Failed: {path}:")
        assert int(failure.split(":")[2]) in range(line - 1, line + 3), failure
        assert pdfs(out) == [f"es/{FAMILY}-a4.pdf"]
    code, stdout, _ = invoke(project_copy, "check", "--lang", "es")
    assert code == 1 and f"{path}:" in stdout


def test_byte_order_mark_is_accepted(tmp_path: Path, project_copy: Project) -> None:
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, _, stderr = invoke(project_copy, "build", "--lang", "es", "--out", str(tmp_path))
    assert (code, stderr) == (0, "")
    assert invoke(project_copy, "check", "--lang", "es")[0] == 0


def reviewer_line(pdf: Path) -> str:
    body = squash(text(pdf))
    if squash("Ana Ruiz, CoreCHI") in body and squash("1 de diciembre de 2026") in body:
        return "reviewed"
    note = load_catalog(Path(__file__).parent.parent / "locales" / "es" / "LC_MESSAGES"
                        / "common.po").translations.gettext(NOT_REVIEWED)
    return "not reviewed" if squash(note) in body else "neither"


def test_review_covers_exactly_what_was_reviewed(tmp_path: Path, project_copy: Project) -> None:
    out = tmp_path / "out"
    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out))[0] == 0
    assert reviewer_line(out / "es" / f"{HANDOUT}-a4.pdf") == "not reviewed"
    by = ["--by", "Ana Ruiz, CoreCHI", "--date", "2026-12-01"]
    code, stdout, _ = invoke(project_copy, "review", "es", *by)
    assert code == 0, stdout
    reviews = project_copy.locales_dir / "es" / "reviews.json"
    assert stdout.splitlines()[-1] == f"Recorded in {reviews}."
    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out))[0] == 0
    assert reviewer_line(out / "es" / f"{HANDOUT}-a4.pdf") == "reviewed"
    assert reviewer_line(out / "es" / f"{FAMILY}-a4.pdf") == "reviewed"

    # One translation changes in the handout's own catalog: only that handout loses the claim.
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    loaded = load_catalog(path)
    loaded.catalog["Ways to treat it"].string = "Maneras de tratarlo"
    write_catalog(path, loaded.catalog)
    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out))[0] == 0
    assert reviewer_line(out / "es" / f"{HANDOUT}-a4.pdf") == "not reviewed"
    assert reviewer_line(out / "es" / f"{FAMILY}-a4.pdf") == "reviewed"
    _, stdout, _ = invoke(project_copy, "stats", "--lang", "es", "--json")
    assert {r["handout"]: r["reviewed"] for r in json.loads(stdout)} == {
        FAMILY: True, HANDOUT: False}

    # The English of a shared message changes and its translation is filled in: the
    # claim goes from every handout that prints it.
    help_box = project_copy.templates_dir / "partials" / "help.html"
    help_box.write_text(help_box.read_text("utf-8").replace(
        '_("Get help now")', '_("Get help right now")'), "utf-8")
    assert invoke(project_copy, "update", "--lang", "es")[0] == 0
    common = catalog_path(project_copy.locales_dir, "es", "common")
    loaded = load_catalog(common)
    entry = loaded.catalog["Get help right now"]
    entry.string, entry.flags = "Pida ayuda ya mismo", set()
    write_catalog(common, loaded.catalog)
    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out))[0] == 0
    assert reviewer_line(out / "es" / f"{FAMILY}-a4.pdf") == "not reviewed"

    # A self-declared header does not bring it back.
    common.write_text(common.read_text("utf-8").replace(
        '"X-Review-Status: unreviewed\\n"', '"X-Review-Status: reviewed\\n"'), "utf-8")
    assert invoke(project_copy, "build", "--lang", "es", "--out", str(out))[0] == 0
    assert reviewer_line(out / "es" / f"{FAMILY}-a4.pdf") == "not reviewed"


def test_review_refuses_what_does_not_publish_and_bad_names(project_copy: Project) -> None:
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    loaded = load_catalog(path)
    loaded.catalog["Ways to treat it"].string = ""
    write_catalog(path, loaded.catalog)
    code, _, stderr = invoke(project_copy, "review", "es", "--handout", HANDOUT,
                             "--by", "Ana Ruiz, CoreCHI")
    assert code == 1
    assert stderr.startswith(f"Error: [es] cannot sign off {HANDOUT}: it does not publish"
                             f" (held back: {HANDOUT} has 1 untranslated")
    assert not (project_copy.locales_dir / "es" / "reviews.json").exists()
    code, _, stderr = invoke(project_copy, "review", "es", "--handout", FAMILY,
                             "--by", "Ana Ruiz")
    assert (code, stderr) == (1, 'Error: give the reviewer as "NAME, CREDENTIAL" (at most 120'
                                 ' characters), e.g. --by "Ana Ruiz, CoreCHI"\n')
    code, _, stderr = invoke(project_copy, "review", "es", "--handout", FAMILY,
                             "--by", "Ana\u202eRuiz, CoreCHI")
    assert code == 1 and "U+202E" in stderr
    code, _, stderr = invoke(project_copy, "review", "en", "--by", "Ana Ruiz, CoreCHI")
    assert (code, stderr) == (1, "Error: [en] English is the source text; only translations are"
                                 " signed off\n")


def test_broken_reviews_file_names_file_and_line(tmp_path: Path, project_copy: Project) -> None:
    reviews = project_copy.locales_dir / "es" / "reviews.json"
    reviews.write_text('{"sign-offs": [\n  {"handout": 1,}\n]}\n', "utf-8")
    code, _, stderr = invoke(project_copy, "build", "--lang", "es", "--out", str(tmp_path))
    assert code == 1
    assert stderr.splitlines() == [f"Failed: {reviews}:2: [es] not valid JSON: Expecting"
                                   " property name enclosed in double quotes"]


def test_exit_codes_with_and_without_strict(tmp_path: Path, project_copy: Project) -> None:
    path = catalog_path(project_copy.locales_dir, "es", FAMILY)
    loaded = load_catalog(path)
    loaded.catalog["How you can help"].flags.add("fuzzy")
    write_catalog(path, loaded.catalog)
    args = ("build", "--lang", "es", "--out", str(tmp_path))
    code, stdout, stderr = invoke(project_copy, *args)
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[-3].endswith("; 1 held back as unfinished.")
    code, stdout, stderr = invoke(project_copy, *args, "--strict")
    assert code == 1
    assert stderr.startswith(f"Held back: es {FAMILY}: 0 untranslated and 1 fuzzy of ")
    code, stdout, _ = invoke(project_copy, *args, "--strict", "--json")
    report = json.loads(stdout)
    assert code == 1 and report["ok"] is False
    assert [(r["handout"], r["fuzzy"]) for r in report["held_back"]] == [(FAMILY, 1)]

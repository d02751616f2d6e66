"""What a hostile or careless translation or clinic file can do to a reader.

Each case edits a copy of the project the way a translator's editor or a clinic's
text editor would, then builds and reads the real PDF back: a refused leaflet is
not written, a draft shows the English instead, and the clinic's numbers print
in their own digit order.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from limits import limited
from pdfread import pages, squash, text

from handouts.build import BuildOptions, build
from handouts.catalog import catalog_path, load_catalog
from handouts.cli import cli
from handouts.project import Project
from handouts.sync import write_catalog

HANDOUT = "stockholm-syndrome-treatment"
DATA = Path(__file__).parent.parent / "data"
HEADING = "Get help now"
SIGN = "hurts themselves or may do so"
INSTRUCTION = "Call your local emergency number, or go to the nearest emergency department."
EMERGENCY = "Emergency: %(number)s"
CLINIC_LINE = "Your clinic: %(number)s"
PUBLISHED = "Published: %(date)s"
BANNER = "Incomplete translation: some text is shown in English."

# (language, msgid, hostile translation, the check's reason)
TRANSLATIONS = {
    "zwsp-heading": ("es", HEADING, "\u200b\u200b", "prints nothing visible"),
    "word-joiner-sign": ("es", SIGN, "\u2060", "prints nothing visible"),
    "soft-hyphen-sign": ("es", "hurts other people or may do so", "\u00ad\u00ad",
                         "prints nothing visible"),
    "tag-characters": ("es", HEADING, "\U000e0041\U000e0062", "invisible control character"),
    "hangul-filler": ("es", SIGN, "\u3164", "prints nothing visible"),
    "spaces-only-banner": ("es", BANNER, "\u3000 \u2003", "prints nothing visible"),
    "repeated-placeholder": ("es", EMERGENCY, "Emergencias: 1%(number)s%(number)s",
                             "appears 2 times"),
    "added-number": ("es", EMERGENCY, "Emergencias: %(number)s o 112",
                     "number 112 is not in the English"),
    "added-number-native": ("ar", EMERGENCY, "الطوارئ: %(number)s أو ١١٢",
                            "number 112 is not in the English"),
    "repr": ("es", EMERGENCY, "Emergencias: %(number)r", "internal form"),
    "ascii": ("es", PUBLISHED, "Publicado: %(date)a", "not a valid conversion specifier"),
    "isolates-by-number": ("ar", EMERGENCY, "الطوارئ: \u2067%(number)s\u2069",
                           "beside a number"),
    "rlm-by-number": ("ar", CLINIC_LINE, "عيادتك: \u200f%(number)s", "beside a number"),
    "alm-by-number": ("ar", CLINIC_LINE, "عيادتك: %(number)s\u061c", "beside a number"),
    "lrm-in-ltr": ("es", HEADING, "Busque\u200e ayuda ahora", "left-to-right language"),
    "override": ("ar", HEADING, "\u202eاطلب المساعدة الآن",  # noqa: RUF001
                 "invisible control character"),
    "too-long": ("es", HEADING, "Busque ayuda ahora. " * 20, "more than 4 times"),
}


def edit(project: Project, code: str, domain: str, msgid: str, translation: str) -> Path:
    path = catalog_path(project.locales_dir, code, domain)
    loaded = load_catalog(path)
    loaded.catalog[msgid].string = translation
    write_catalog(path, loaded.catalog)
    return path


@pytest.mark.parametrize("case", sorted(TRANSLATIONS))
def test_translation_that_would_mislead_a_reader_is_refused_and_drafts_show_english(
        tmp_path: Path, project_copy: Project, case: str) -> None:
    code, msgid, translation, reason = TRANSLATIONS[case]
    path = edit(project_copy, code, "common", msgid, translation)
    clinic = DATA / "clinic" / "clinic.toml"
    options = {"languages": (code,), "handouts": (HANDOUT,), "clinic": clinic}
    refused = build(project_copy, BuildOptions(out=tmp_path / "out", **options))  # type: ignore[arg-type]
    assert refused.written == []
    [failure] = refused.failures
    assert failure.path == path and failure.language == code
    assert reason in failure.message and "not published" in failure.message

    result = CliRunner().invoke(cli, ["--project", str(project_copy.root), "check",
                                      "--lang", code])
    assert result.exit_code == 1 and reason in result.output

    draft = build(project_copy, BuildOptions(out=tmp_path / "draft", allow_incomplete=True,
                                             **options))  # type: ignore[arg-type]
    if "conversion specifier" in reason:  # GNU msgfmt refuses the file: not even a draft
        assert draft.written == [] and "GNU msgfmt --check" in str(draft.failures[0])
        return
    assert draft.ok, draft.failures
    body = text(draft.written[0].path)
    # The broken message is printed in English; the clinic's numbers, once each.
    english = msgid.replace("%(number)s", "911" if msgid == EMERGENCY else "+1 555 0100")
    english = english.replace("%(date)s", "")
    if msgid not in (BANNER, PUBLISHED) and code != "ar":
        assert squash(english) in squash(body), body
    elif msgid not in (BANNER, PUBLISHED):  # English inside an RTL page: word by word
        letters = re.sub(r"\W", "", body)
        assert all(re.sub(r"\W", "", word) in letters for word in english.split()), body
    assert digit_runs(body).count("911") == 1
    assert digit_runs(body).count("15550100") == 1
    assert "112" not in digit_runs(body) and "1911911" not in digit_runs(body)
    assert "'911'" not in body and "Markup(" not in body


def digit_runs(body: str) -> list[str]:
    """The numbers on the page, as runs of digits with their spaces and + - ( ) removed."""
    ascii_digits = "".join(str(int(c)) if c.isdigit() else c for c in body)
    return [re.sub(r"\D", "", run) for run in re.findall(r"[\d+(][\d +\-()\u00a0]*\d|\d",
                                                             ascii_digits)]


def test_an_empty_msgctxt_entry_cannot_replace_another(tmp_path: Path,
                                                       project_copy: Project) -> None:
    path = catalog_path(project_copy.locales_dir, "es", "common")
    text_before = path.read_text("utf-8")
    path.write_text(text_before + f'\nmsgctxt ""\nmsgid "{INSTRUCTION}"\nmsgstr "Llame al 555."\n',
                    "utf-8")
    line = len(text_before.splitlines()) + 3
    first = load_catalog(catalog_path(Path(__file__).parent.parent.parent / "locales", "es",
                                      "common")).lines[(INSTRUCTION, None)]
    result = CliRunner().invoke(cli, ["--project", str(project_copy.root), "build", "--lang",
                                      "es", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'Failed: {path}:{line}: [es] duplicate message "{INSTRUCTION[:39]}…": an empty'
        f' msgctxt "" is the same key as no msgctxt (the entry on line {first}); delete the'
        " msgctxt line"]
    assert not list(tmp_path.glob("es/*.pdf"))


def clinic_file(tmp_path: Path, body: str | bytes) -> Path:
    path = tmp_path / "clinic.toml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


CLINIC_CASES = {
    "alm-in-emergency": ('name = "A"\nemergency = "9\u061c11"\n', '"emergency" contains U+061C'),
    "line-separator": ('name = "A"\nemergency = "91\u20281"\n', '"emergency" contains U+2028'),
    "paragraph-separator": ('name = "A"\nphone = "555\u20290100"\n', '"phone" contains U+2029'),
    "isolate-in-name": ('name = "A\u2066B"\n', '"name" contains U+2066'),
    "zero-width-in-phone": ('name = "A"\nphone = "555\u200b0100"\n', '"phone" contains U+200B'),
    "letters-in-emergency": ('name = "A"\nemergency = "9l1"\n',
                             '"emergency" may contain only digits'),
    "bracket-host": ('name = "A"\nwebsite = "https://[clinic.example.org"\n',
                     '"website" must be a web address'),
    "full-width-host": ('name = "A"\nwebsite = "https://clinic\uff0eexample.org"\n',
                        '"website" must be'),
    "bad-port": ('name = "A"\nwebsite = "https://clinic.example.org:99999/"\n',
                 '"website" must be a web address'),
    "non-ascii-path": ('name = "A"\nwebsite = "https://clinic.example.org/\u00e9"\n',
                       '"website" must be plain ASCII'),
    "too-long-website": ('name = "A"\nwebsite = "https://example.org/' + "a" * 120 + '"\n',
                         '"website" is 140 characters long; the limit is 120'),
    "deep-nesting": ("name = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(CLINIC_CASES))
def test_clinic_file_gives_one_line(tmp_path: Path, project: Project, case: str) -> None:
    body, expected = CLINIC_CASES[case]
    path = clinic_file(tmp_path, body)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--project", str(project.root), "build", "--lang", "en",
                                      "--handout", HANDOUT, "--clinic", str(path),
                                      "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {path}: ") and expected in line, line
    assert not out.exists()


def test_persian_clinic_name_may_join_letters(tmp_path: Path) -> None:
    from handouts.clinic import load_clinic

    name = "کلینیک می\u200cخواهم"  # noqa: RUF001
    assert load_clinic(clinic_file(tmp_path, f'name = "{name}"\n')).name == name


def png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


NESTED_USE = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
              '<defs><rect id="a0" width="1" height="1"/>'
              + "".join(f'<g id="a{i}"><use xlink:href="#a{i - 1}"/><use xlink:href="#a{i - 1}"/>'
                        "</g>" for i in range(1, 12))
              + '</defs><use xlink:href="#a11"/></svg>')
LOGOS = {
    "png-huge": ("logo.png", png_header(13_000, 13_000), "is 13000 x 13000 pixels"),
    "svg-nested-use": ("logo.svg", NESTED_USE.encode(), "nests <use> references too deeply"),
    "svg-entities": ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
                     b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
                     "declares a DOCTYPE or entities"),
    "svg-many-elements": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg">'
                          + b"<g/>" * 6000 + b"</svg>", "has 6001 elements; the limit is 5000"),
    "svg-broken": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>',
                   "is not valid SVG"),
}


@pytest.mark.parametrize("case", sorted(LOGOS))
def test_logo_that_would_exhaust_a_worker_is_refused(tmp_path: Path, project: Project,
                                                    case: str) -> None:
    name, data, expected = LOGOS[case]
    (tmp_path / name).write_bytes(data)
    path = clinic_file(tmp_path, f'name = "A"\nlogo = "{name}"\n')
    result = CliRunner().invoke(cli, ["--project", str(project.root), "build", "--lang", "en",
                                      "--handout", HANDOUT, "--clinic", str(path),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == f'Error: {path}: logo "{name}" {expected}' + (
        "" if case != "png-huge" else
        "; the limit is 4,000,000 pixels (a logo needs about 1000 x 500)") + (
        " or draws more than 5000 elements (limits: depth 3); simplify it"
        if case == "svg-nested-use" else "") + (
        ": mismatched tag: line 1, column 45" if case == "svg-broken" else "") + (
        "; save it as plain SVG" if case == "svg-entities" else "") + "\n"


def test_long_web_address_wraps_and_the_qr_code_stays_on_page_one(tmp_path: Path) -> None:
    url = ("https://www.riverside-family-clinic.example.org/patients/leaflets/"
           "stockholm-syndrome/treatment-and-recovery")
    assert len(url) <= 120
    path = clinic_file(tmp_path, f'name = "Riverside Family Clinic"\nwebsite = "{url}"\n')
    from handouts.build import output_path

    out = tmp_path / "out"
    report = build(Project(Path(__file__).parent.parent.parent), BuildOptions(
        out=out, languages=("en", "ar"), handouts=(HANDOUT,), clinic=path, jobs=2,
        formats=("standard", "large-print", "bilingual")))
    assert report.ok, report.failures
    for code in ("en", "ar"):
        for fmt in ("standard", "large-print", "bilingual"):
            pdf = output_path(out, code, HANDOUT, "a4", fmt)
            first = pages(pdf)[0]
            chars = [c for c in first.chars if c.text.strip()]
            assert all(c.x0 >= 0 and c.x1 <= first.width for c in chars), (code, fmt)
            # Every piece is printed (RTL pages extract punctuation out of order).
            letters = re.sub(r"\W", "", "".join(c.text for c in first.chars))
            assert all(part in letters for part in re.split(r"\W", url)), (code, fmt)
            # The QR code is on the first page, whole: it decodes to the address.
            png = tmp_path / f"{code}-{fmt}"
            subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf),
                            str(png)], check=True)
            decoded = subprocess.run(["zbarimg", "--quiet", "--raw", f"{png}-1.png"],
                                     capture_output=True, text=True, check=True)
            assert decoded.stdout.strip() == url, (code, fmt)


def symlink_catalog(project: Project, target: Path) -> Path:
    path = catalog_path(project.locales_dir, "es", HANDOUT)
    path.unlink()
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("target", ["outside", "dev-zero", "fifo", "folder-outside"])
def test_catalog_that_is_not_a_file_inside_the_project_is_one_line(
        tmp_path: Path, project_copy: Project, target: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    if target == "outside":
        (outside / "x.po").write_bytes(path.read_bytes())
        symlink_catalog(project_copy, outside / "x.po")
        expected = "leads outside the project's locales folder"
    elif target == "dev-zero":
        symlink_catalog(project_copy, Path("/dev/zero"))
        expected = "leads outside the project's locales folder (to /dev/zero)"
    elif target == "fifo":
        path.unlink()
        os.mkfifo(path)
        expected = "not a regular file"
    else:
        folder = project_copy.locales_dir / "es"
        folder.rename(outside / "es")
        folder.symlink_to(outside / "es")
        expected = "leads outside the project's locales folder"
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--project", str(project_copy.root), "build", "--lang",
                                      "es", "--lang", "fr", "--handout", HANDOUT, "--out",
                                      str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Failed: ") and expected in lines[0], lines
    assert [p.parent.name for p in out.glob("*/*.pdf")] == ["fr"]


def test_a_catalog_linked_out_of_the_project_after_a_build_is_refused_on_rebuild(
        tmp_path: Path, project_copy: Project) -> None:
    """The same text through a link to elsewhere: not "up to date", but refused."""
    out, options = tmp_path / "out", BuildOptions(out=tmp_path / "out", languages=("es",),
                                                  handouts=(HANDOUT,))
    assert len(build(project_copy, options).written) == 1
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    (tmp_path / "x.po").write_bytes(path.read_bytes())
    symlink_catalog(project_copy, tmp_path / "x.po")
    again = build(project_copy, options)
    assert again.skipped == [] and [f.message for f in again.failures] == [
        f"leads outside the project's locales folder (to {tmp_path / 'x.po'}); a catalog must"
        " be a file inside it, not a link to elsewhere"]
    assert list(out.glob("es/*.pdf")) == []  # withdrawn


def test_sign_offs_through_a_link_after_a_build_are_refused_on_rebuild(
        tmp_path: Path, project_copy: Project) -> None:
    """reviews.json may not be a link at all, even to a copy inside the project."""
    options = BuildOptions(out=tmp_path / "out", languages=("es",), handouts=(HANDOUT,))
    signed = CliRunner().invoke(cli, ["--project", str(project_copy.root), "review", "es",
                                      "--handout", HANDOUT, "--by", "Ana Ruiz, CoreCHI",
                                      "--date", "2026-11-30"])
    assert signed.exit_code == 0, signed.output
    assert len(build(project_copy, options).written) == 1
    path = project_copy.locales_dir / "es" / "reviews.json"
    copy = path.with_name("signed.json")
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)
    again = build(project_copy, options)
    assert again.skipped == [] and again.written == [] and len(again.failures) == 1
    assert "reviews.json must be a JSON text file" in again.failures[0].message


def test_catalog_with_too_many_entries_is_refused_before_parsing(
        tmp_path: Path, project_copy: Project) -> None:
    path = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    path.write_text(path.read_text("utf-8") + "".join(
        f'\nmsgid "extra {i}"\nmsgstr "x"\n' for i in range(6000)), "utf-8")
    result = CliRunner().invoke(cli, ["--project", str(project_copy.root), "check", "--lang",
                                      "es"])
    assert result.exit_code == 1
    assert f"{path}: error: has 6000 entries" not in result.output
    assert "entries; the limit is 5000 per catalog" in result.output


@pytest.mark.parametrize("state", ["error", "fuzzy"])
def test_gallery_catalog_is_gated(tmp_path: Path, project_copy: Project, state: str) -> None:
    path = catalog_path(project_copy.locales_dir, "es", "gallery")
    loaded = load_catalog(path)
    message = loaded.catalog["Patient leaflets"]
    if state == "error":
        message.string = "Folletos <script>x</script>"
    else:
        message.flags.add("fuzzy")
    write_catalog(path, loaded.catalog)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--project", str(project_copy.root), "build", "--lang",
                                      "en", "--handout", HANDOUT, "--gallery-lang", "es",
                                      "--out", str(out)])
    html = (out / "index.html").read_text("utf-8")
    assert "<h1>Patient leaflets</h1>" in html and "<script>x" not in html  # in English
    if state == "error":
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Failed: {path}: [es] the gallery page is in English:"
                                        " its translation has 1 error(s); first, line ")
    else:
        assert result.exit_code == 0
        assert result.stderr.startswith(f"Warning: {path}: [es] the gallery page is in"
                                        " English: its translation has 1 untranslated or fuzzy")


def test_safety_text_hidden_by_the_layout_is_caught_on_the_printed_page(
        tmp_path: Path, project_copy: Project) -> None:
    """Even a trusted stylesheet that hides the box, or a template that prints a number
    twice, is caught on the finished PDF, not published."""
    css = project_copy.stylesheet
    css.write_text(css.read_text("utf-8") + "\n.help h2 { display: none; }\n", "utf-8")
    clinic = DATA / "clinic" / "clinic.toml"
    report = build(project_copy, BuildOptions(out=tmp_path / "a", languages=("es",),
                                              handouts=(HANDOUT,), clinic=clinic))
    assert report.written == []
    [failure] = report.failures
    # Some of its words are found, in the sentence below it ("Busque ayuda médica").
    assert re.fullmatch(r'not published: the safety text "Get help now" is not on the printed'
                        rf" page \(\d\d?% of it was found\) \({HANDOUT}, standard, a4\); check"
                        r' the translation of the "Get help now" box', failure.message)

    # In the PDF's text, but printed without ink: white on the box's pale background.
    css.write_text(css.read_text("utf-8").replace(".help h2 { display: none; }",
                                                  ".help h2 { color: white; }"), "utf-8")
    report = build(project_copy, BuildOptions(out=tmp_path / "w", languages=("es",),
                                              handouts=(HANDOUT,), clinic=clinic))
    assert report.written == []
    assert [f.message for f in report.failures] == [
        'not published: the safety text "Get help now" is in the PDF but prints no visible'
        f' ink ({HANDOUT}, standard, a4); check the translation of the "Get help now" box']

    css.write_text(css.read_text("utf-8").replace(".help h2 { color: white; }", ""), "utf-8")
    contacts = project_copy.templates_dir / "partials" / "contacts.html"
    line = '<li><strong>{{ _("Emergency: %(number)s", number=ltr(clinic.emergency)) }}'
    contacts.write_text(contacts.read_text("utf-8").replace(line, line + "</strong></li>"
                                                            + line), "utf-8")
    report = build(project_copy, BuildOptions(out=tmp_path / "b", languages=("en",),
                                              handouts=(HANDOUT,), clinic=clinic))
    assert report.written == []
    assert [f.message for f in report.failures] == [
        "not published: the emergency number 911 prints 2 time(s) in its digit order; it must"
        f' print 1 time(s) ({HANDOUT}, standard, a4); check the translation of the "Get help'
        ' now" box']


def test_a_safety_heading_without_ink_is_caught_on_an_arabic_page(
        tmp_path: Path, project_copy: Project) -> None:
    """The ink is measured in the box of the heading's own letters: on a right-to-left
    page, characters that map to no text come before it in PDFium's index."""
    css = project_copy.stylesheet
    css.write_text(css.read_text("utf-8") + "\n.help h2 { color: white; }\n", "utf-8")
    report = build(project_copy, BuildOptions(out=tmp_path, languages=("ar",),
                                              handouts=(HANDOUT,),
                                              clinic=DATA / "clinic" / "clinic.toml"))
    assert report.written == []
    assert [f.message for f in report.failures] == [
        'not published: the safety text "Get help now" is in the PDF but prints no visible'
        f' ink ({HANDOUT}, standard, a4); check the translation of the "Get help now" box']


def test_numbers_read_in_visual_order_on_rtl_pages(tmp_path: Path) -> None:
    """The check reads glyph positions, as the eye does. PDFium's text, what Chrome's
    viewer reads aloud, keeps the number whole too: render.py joins its groups with
    no-break spaces (with plain spaces PDFium read "0100 555 +1")."""
    from handouts.verify import number_runs, page_text, visual_lines

    path = clinic_file(tmp_path, 'name = "A"\nphone = "+1 555 0100"\nemergency = "112"\n')
    report = build(Project(Path(__file__).parent.parent.parent), BuildOptions(
        out=tmp_path / "out", languages=("ar",), handouts=(HANDOUT,), clinic=path))
    assert report.ok, report.failures
    data = report.written[0].path.read_bytes()
    assert "+1\u00a0555\u00a00100" in page_text(data)
    runs = [run for line in visual_lines(data) for run in number_runs(line)]
    assert runs.count("15550100") == 1 and runs.count("112") == 1


@pytest.mark.parametrize(("behaviour", "message"), [
    ("slow", f"{HANDOUT}-a4.pdf took more than 1 s to lay out; not published. Shorten the"
             " translation or simplify the logo"),
    ("stuck", f"{HANDOUT}-a4.pdf: its worker stopped answering for 3 s; not published"),
    ("greedy", f"{HANDOUT}-a4.pdf needed more than 1024 MB of memory; not published. Shorten"
               " the translation or simplify the logo"),
])
def test_each_document_has_a_time_and_memory_limit(tmp_path: Path, project: Project,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   behaviour: str, message: str) -> None:
    import time

    limited(monkeypatch, behaviour)
    started = time.monotonic()
    report = build(project, BuildOptions(out=tmp_path, languages=("es", "en", "fr"),
                                         handouts=(HANDOUT,), jobs=1))
    assert time.monotonic() - started < 15
    assert [f.message for f in report.failures] == [message]
    assert [f.language for f in report.failures] == ["es"]
    assert sorted(w.language for w in report.written) == ["en", "fr"]  # the batch goes on
    assert not (tmp_path / "es").exists()

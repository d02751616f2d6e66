"""Every bad input gets one line naming the file (and line), exit code 1, no traceback,
and nothing already written is lost."""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts.cli import cli

ROOT = Path(__file__).parent.parent.parent
HANDOUT = "stockholm-syndrome-treatment"
HEADER = ('msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
          '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n')


def po(project: Path, body: str | bytes) -> Path:
    path = project / "locales" / "es" / "LC_MESSAGES" / f"{HANDOUT}.po"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


def clinic(project: Path, body: str | bytes) -> list[str]:
    path = project / "clinic.toml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return ["--clinic", str(path)]


def _edit_template(project: Path) -> list[str]:
    path = project / "templates" / "handouts" / f"{HANDOUT}.html"
    path.write_text(path.read_text("utf-8").replace("{% endblock %}", "{% endblok %}", 1))
    return []


def _catalog_is_a_directory(project: Path) -> list[str]:
    po(project, "").unlink()
    po(project, "").parent.joinpath(f"{HANDOUT}.po").unlink()
    (project / f"locales/es/LC_MESSAGES/{HANDOUT}.po").mkdir()
    return []


def _without_locales(project: Path) -> list[str]:
    shutil.rmtree(project / "locales")
    return []


def _output_blocked(project: Path) -> list[str]:
    (project / "out").mkdir()
    (project / "out" / "es").write_text("x")
    return []


Setup = Callable[[Path], list[str]]
CASES: dict[str, tuple[Setup, str]] = {
    "po-syntax": (lambda p: (po(p, HEADER + 'msgid "a"\nmgstr "b"\n'), [])[1],
                  "Failed: {po}:8: [es] syntax error: Unknown or misformatted keyword"),
    "po-encoding": (lambda p: (po(p, HEADER.encode() + b'msgid "a"\nmsgstr "\xff"\n'), [])[1],
                    "Failed: {po}:8: [es] not valid UTF-8; save the file as UTF-8"),
    "po-no-header": (lambda p: (po(p, 'msgid "a"\nmsgstr "b"\n'), [])[1],
                     'Failed: {po}:1: [es] missing header entry (msgid "" with Language and'
                     " Content-Type)"),
    "po-garbled-header": (lambda p: (po(p, HEADER.replace("UTF-8", "ISO-8859-1")), [])[1],
                          'Failed: {po}:1: [es] header: Content-Type must be "text/plain;'
                          ' charset=UTF-8"'),
    "po-plural-syntax": (lambda p: (po(p, HEADER.replace("nplurals=2", "nplurals=two")), [])[1],
                         'Failed: {po}:1: [es] header: Plural-Forms is malformed:'
                         ' "nplurals=two; plural=(n != 1);"; write it as "nplurals=N;'
                         ' plural=EXPRESSION;"'),
    "po-plural-count": (lambda p: (po(p, HEADER.replace("nplurals=2", "nplurals=1")), [])[1],
                        'Failed: {po}:1: [es] header: Plural-Forms expression "(n != 1)" gives'
                        " no valid form for n=0; with nplurals=1 it must give 0 to 0"),
    "po-duplicate": (lambda p: (po(p, HEADER + 'msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr'
                                   ' "c"\n'), [])[1],
                     'Failed: {po}:10: [es] duplicate message "a" (first on line 7); delete'
                     " one of them"),
    "po-empty": (lambda p: (po(p, ""), [])[1],
                 'Failed: {po}:1: [es] missing header entry (msgid "" with Language and'
                 " Content-Type)"),
    "po-binary": (lambda p: (po(p, bytes(range(256))), [])[1],
                  "Failed: {po}:2: [es] not valid UTF-8; save the file as UTF-8"),
    "po-directory": (_catalog_is_a_directory,
                     "Failed: {po}: [es] not a regular file; a catalog must be a .po text"
                     " file"),
    "no-locales": (_without_locales,
                   "Error: {project}/locales: no catalogs found; expected"
                   " locales/<lang>/LC_MESSAGES/<domain>.po"),
    "unknown-lang": (lambda p: ["--lang", "xx-YY"], "Error: unknown language code 'xx-YY'"),
    "clinic-missing": (lambda p: ["--clinic", str(p / "nope.toml")],
                       "Error: {project}/nope.toml: cannot read clinic file: No such file or"
                       " directory"),
    "clinic-toml": (lambda p: clinic(p, 'name = "A"\nphone = +1 555\n'),
                    "Error: {project}/clinic.toml:2: invalid TOML: Expected newline or end of"
                    " document after a statement"),
    "clinic-no-name": (lambda p: clinic(p, 'phone = "1"\n'),
                       'Error: {project}/clinic.toml: missing key "name" (for example: name ='
                       ' "…")'),
    "clinic-type": (lambda p: clinic(p, 'name = ["A"]\n'),
                    'Error: {project}/clinic.toml: "name" must be text in quotes, not list'),
    "clinic-logo-missing": (lambda p: clinic(p, 'name = "A"\nlogo = "logo.png"\n'),
                            'Error: {project}/clinic.toml: logo "logo.png" not found at'
                            " {project}/logo.png"),
    "clinic-logo-outside": (lambda p: clinic(p, 'name = "A"\nlogo = "/etc/passwd"\n'),
                            "Error: {project}/clinic.toml: logo \"/etc/passwd\" is outside the"
                            " clinic file's folder {project}"),
    "clinic-logo-not-image": (lambda p: ((p / "logo.png").write_text("<?php"),
                                         clinic(p, 'name = "A"\nlogo = "logo.png"\n'))[1],
                              'Error: {project}/clinic.toml: logo "logo.png" is not a valid PNG'
                              " image"),
    "clinic-logo-huge": (lambda p: ((p / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" +
                                                                 bytes(3_000_000)),
                                    clinic(p, 'name = "A"\nlogo = "logo.png"\n'))[1],
                         'Error: {project}/clinic.toml: logo "logo.png" is 3000008 bytes; the'
                         " limit is 2000000"),
    "clinic-long-value": (lambda p: clinic(p, f'name = "{"A" * 60_000}"\n'),
                          'Error: {project}/clinic.toml: "name" is 60000 characters long; the'
                          " limit is 120"),
    "clinic-huge-file": (lambda p: clinic(p, f'name = "{"A" * 100_000}"\n'),
                         "Error: {project}/clinic.toml: the clinic file is 100010 bytes; the"
                         " limit is 65536"),
    "clinic-encoding": (lambda p: clinic(p, b'name = "Cl\xefnica"\n'),
                        "Error: {project}/clinic.toml: not valid UTF-8; save the file as"
                        " UTF-8"),
    "output-blocked": (_output_blocked,
                       "Failed: {project}/out/es: [es] cannot create this folder: a file is in"
                       " the way; move it or choose another folder with --out"),
    "template-syntax": (_edit_template,
                        "Failed: {project}/templates/handouts/stockholm-syndrome-treatment"
                        ".html:{tline}: template syntax error: Encountered unknown tag"
                        " 'endblok'. Jinja was looking for the following tags: 'endblock'."
                        " The innermost block that needs to be closed is 'block'."),
    "unknown-handout": (lambda p: ["--handout", "flu"],
                        "Error: unknown handout 'flu'; available: helping-someone-recover,"
                        " stockholm-syndrome-treatment"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("templates", "locales"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_line_exit_1(project: Path, case: str) -> None:
    setup, expected = CASES[case]
    extra = setup(project)
    out = project / "out"
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--lang", "es",
                                      "--out", str(out), "--handout", HANDOUT, *extra])
    po_path = project / "locales" / "es" / "LC_MESSAGES" / f"{HANDOUT}.po"
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = result.stderr.splitlines()
    template = (ROOT / "templates" / "handouts" / f"{HANDOUT}.html").read_text("utf-8")
    tline = template[:template.index("{% endblock %}")].count("\n") + 1  # the edited tag
    assert errors == [expected.format(po=po_path, project=project, tline=tline)]


def test_bad_language_does_not_stop_the_others(project: Path) -> None:
    po(project, HEADER + 'msgid "a"\nmgstr "b"\n')
    out = project / "out"
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--lang", "es",
                                      "--lang", "en", "--lang", "ar", "--out", str(out)])
    assert result.exit_code == 1
    assert (out / "en" / f"{HANDOUT}-a4.pdf").is_file()
    assert (out / "ar" / f"{HANDOUT}-a4.pdf").is_file()
    # The other handout in the same language does not read the broken catalog.
    assert (out / "es" / "helping-someone-recover-a4.pdf").is_file()
    assert not (out / "es" / f"{HANDOUT}-a4.pdf").exists()
    assert result.stdout.splitlines()[-2:] == [
        f"Built 5 PDF(s) into {out}; 1 failed (see below).", f"Gallery: {out}/index.html"]


def test_broken_common_catalog_refuses_every_handout_of_that_language(project: Path) -> None:
    common = project / "locales" / "es" / "LC_MESSAGES" / "common.po"
    common.write_text(common.read_text("utf-8") + 'msgid "a"\nmgstr "b"\n', "utf-8")
    line = len(common.read_text("utf-8").splitlines())
    out = project / "out"
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--lang", "es",
                                      "--lang", "fr", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr == (f"Failed: {common}:{line}: [es] syntax error: Unknown or"
                             " misformatted keyword\n")  # once, though two handouts read it
    assert not (out / "es").exists()
    assert len(list((out / "fr").glob("*.pdf"))) == 2


def test_full_disk_keeps_the_previous_pdf(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = project / "out"
    args = ["--project", str(project), "build", "--lang", "es", "--out", str(out),
            "--handout", HANDOUT]
    assert CliRunner().invoke(cli, args).exit_code == 0
    pdf = out / "es" / f"{HANDOUT}-a4.pdf"
    before, gallery = pdf.read_bytes(), (out / "index.html").read_bytes()
    html = pdf.with_suffix(".html").read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("handouts.output.os.fsync", full)
    result = CliRunner().invoke(cli, [*args, "--force"])
    assert result.exit_code == 1
    # The HTML version is written first, so the PDF is never listed without it. The
    # gallery, written after every build, meets the same full disk.
    assert result.stderr == (f"Failed: {pdf.with_suffix('.html')}: [es] cannot write file:"
                             " No space left on"
                             f" device\nFailed: {out}/index.html: cannot write file: No space"
                             " left on device\n")
    assert pdf.read_bytes() == before and (out / "index.html").read_bytes() == gallery
    assert pdf.with_suffix(".html").read_bytes() == html
    # No temporary file left.
    assert sorted(p.name for p in pdf.parent.iterdir()) == [f"{HANDOUT}-a4.html", pdf.name]

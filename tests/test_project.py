"""Any content folder is a project: how the commands find it, new-project, the wheel, docs/CLI.md.

The wheel test builds the package from a copy of this checkout, installs it
with no dependencies into a new virtual environment that sees .venv's locked
dependencies through a .pth file, and runs the installed ``handouts`` there: it
is the one test that builds the example leaflet. Checked by hand: with the
partials left out of pyproject.toml's package-data, it fails at new-project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfread import metadata, squash, text
from pypdf import PdfReader
from test_readability import GRADE, flesch_kincaid_grade

from handouts.cli import cli
from handouts.domains import messages_in, printed
from handouts.errors import ProjectError
from handouts.project import Project
from handouts.scaffold import EXAMPLE, example_template, shared_templates

ROOT = Path(__file__).parent.parent
EXAMPLE_TEMPLATE = f"handouts/{EXAMPLE}.html"
NO_PROJECT = ("no templates/ and locales/ folders here; run in a project folder, pass"
              " --project DIR, or create one with: handouts new-project DIR")


def shared_files(templates: Path) -> dict[str, bytes]:
    """Every shared template (all but the project's own handouts), by relative path."""
    return {str(p.relative_to(templates)): p.read_bytes() for p in sorted(templates.rglob("*"))
            if p.is_file() and p.relative_to(templates).parts[0] != "handouts"}


def new(tmp_path: Path, name: str = "x") -> tuple[Path, CliRunner]:
    runner = CliRunner()
    result = runner.invoke(cli, ["new-project", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    return tmp_path / name, runner


# How the commands find the project


def test_current_folder_with_templates_and_locales_is_the_project(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "locales").mkdir()
    assert Project.locate(cwd=tmp_path, fallback=ROOT) == Project(tmp_path)


def test_explicit_project_wins_over_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "locales").mkdir()
    assert Project.locate(ROOT / "tests" / "..", cwd=tmp_path) == Project(ROOT.resolve())


def test_fallback_when_the_current_folder_is_not_a_project(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()  # half a project is not one
    assert Project.locate(cwd=tmp_path, fallback=ROOT) == Project(ROOT.resolve())


def test_no_project_names_the_fixes(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as raised:
        Project.locate(cwd=tmp_path)
    assert str(raised.value) == f"{tmp_path}: {NO_PROJECT}"


def test_explicit_folder_without_either_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as raised:
        Project.locate(tmp_path)
    assert str(raised.value) == (f"{tmp_path}: not a project folder: it has no templates/ and"
                                 " no locales/; create one with: handouts new-project DIR")


@pytest.mark.parametrize("command", ["build", "languages", "extract", "check", "stats"])
def test_commands_outside_a_project_are_usage_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [command])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert result.stderr.splitlines()[-1] == f"Error: {tmp_path}: {NO_PROJECT}"
    assert not (tmp_path / "output").exists()


def test_generate_py_falls_back_to_its_own_folder(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "languages"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:5] == ["language", "name", "direction",
                                         "helping-someone-recover",
                                         "stockholm-syndrome-treatment"]


def test_current_folder_is_used_without_project_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, runner = new(tmp_path)
    monkeypatch.chdir(folder)
    result = runner.invoke(cli, ["languages"])
    assert (result.exit_code, result.stdout) == (0, (
        "language  name     direction  example\n"
        "en        English  ltr        published 33/33, source\n"))


# new-project


def test_new_project_output_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new-project", "x"])
    assert (result.exit_code, result.stdout) == (0, (
        "Created x/templates/handouts/example.html, an example handout.\n"
        "Created x/locales/ with common.pot, example.pot, gallery.pot.\n"
        "Build it: cd x && handouts build\n"))
    folder = tmp_path / "x"
    assert sorted(p.name for p in (folder / "templates" / "handouts").iterdir()) == [
        "example.html"]
    assert sorted(p.name for p in (folder / "locales").iterdir()) == [
        "common.pot", "example.pot", "gallery.pot"]


def test_new_project_shares_this_repositorys_templates(tmp_path: Path) -> None:
    folder, _ = new(tmp_path)
    assert shared_templates() == ROOT / "templates"  # the checkout: no second copy
    assert shared_files(folder / "templates") == shared_files(ROOT / "templates")


def test_new_project_pot_files_are_what_extract_writes(tmp_path: Path) -> None:
    folder, runner = new(tmp_path)
    result = runner.invoke(cli, ["--project", str(folder), "extract"])
    assert (result.exit_code, result.stdout) == (0, (
        f"{folder}/locales/common.pot: 21 messages (unchanged).\n"
        f"{folder}/locales/example.pot: 12 messages (unchanged).\n"
        f"{folder}/locales/gallery.pot: 24 messages (unchanged).\n"))
    result = runner.invoke(cli, ["--project", str(folder), "update", "--check"])
    assert (result.exit_code, result.stdout) == (0, "All catalogs are up to date.\n")


def test_new_project_in_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    folder, _ = new(tmp_path)
    assert (folder / "templates" / EXAMPLE_TEMPLATE).is_file()


def test_new_project_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["new-project", str(tmp_path / "x")])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {tmp_path}/x: the folder is not empty; choose a new or empty folder\n")
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["notes.txt"]


def test_new_project_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("mine")
    result = CliRunner().invoke(cli, ["new-project", str(tmp_path / "x")])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {tmp_path}/x: a file is in the way; choose a new folder\n")


def test_example_handout_passes_the_projects_own_checks() -> None:
    example = example_template()
    found = list(messages_in(example.parent, example.name))
    assert len(found) == 12
    assert [m.msgid for m in found if not m.comments] == []  # each has a Translators: comment
    sentences = [m.key[0] for m in found if "%(" not in m.key[0] and m.key[0].endswith(".")]
    assert len(sentences) == 9
    assert flesch_kincaid_grade(" ".join(sentences)) <= GRADE
    assert "This leaflet is only an example. It is not medical advice." in sentences


# The wheel


def _uv() -> str:
    uv = ROOT / ".tools" / "bin" / "uv"
    if uv.is_file():
        return str(uv)
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is missing: run scripts/setup.sh, which installs it into .tools/")
    return found


def test_wheel_in_a_fresh_venv_runs_new_project_and_build(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}

    def run(*args: str | Path, cwd: Path = tmp_path, ok: bool = True
            ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                              text=True, check=False)
        if ok:
            assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
        return done

    # What a fresh clone has, with this checkout's uncommitted changes.
    source = tmp_path / "source"
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z",
                 cwd=ROOT).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, source / name)
    run(_uv(), "build", "--wheel", "--python", sys.executable, "--out-dir", tmp_path / "dist",
        source)
    [wheel] = (tmp_path / "dist").glob("handouts-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(_uv(), "pip", "install", "--offline", "--no-deps", "--python", venv / "bin" / "python",
        wheel)
    site = Path(run(venv / "bin" / "python", "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    locked = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "locked-dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(locked)))
    imported = run(venv / "bin" / "python", "-c", "import handouts; print(handouts.__file__)")
    assert imported.stdout.strip() == str(site / "handouts" / "__init__.py")

    handouts = venv / "bin" / "handouts"
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in ("build", "languages"):
        refused = run(handouts, command, cwd=empty, ok=False)
        assert (refused.returncode, refused.stderr.splitlines()[-1]) == (
            2, f"Error: {empty}: {NO_PROJECT}")

    run(handouts, "new-project", "x")
    folder = tmp_path / "x"
    assert shared_files(folder / "templates") == shared_files(ROOT / "templates")
    built = run(handouts, "build", cwd=folder)
    assert built.stdout.splitlines()[-2:] == ["Built 1 PDF(s) into output.",
                                              "Gallery: output/index.html"]
    pdf = folder / "output" / "en" / f"{EXAMPLE}-a4.pdf"
    assert len(PdfReader(pdf).pages) == 1
    subject = "An example that shows how a leaflet is laid out."
    assert (metadata(pdf)["/Title"], metadata(pdf)["/Subject"]) == ("Example leaflet", subject)
    body = squash(text(pdf))
    on_page = [m.key[0] for m in printed(folder / "templates", EXAMPLE)
               if m.domain == EXAMPLE and m.key[0] != subject]
    assert len(on_page) == 11
    assert [m for m in on_page if squash(m) not in body] == []
    assert squash("Get help now") in body
    assert (folder / "output" / "index.html").is_file()
    languages = run(handouts, "languages", cwd=folder)
    assert languages.stdout.splitlines()[1] == (
        "en        English  ltr        published 33/33, source")


# docs/CLI.md


def reference(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), *args],
                          capture_output=True, text=True, check=False)


def test_cli_reference_is_current() -> None:
    result = reference("--check")
    assert result.returncode == 0, result.stderr


def test_cli_reference_check_fails_when_stale(tmp_path: Path) -> None:
    stale = tmp_path / "CLI.md"
    stale.write_text((ROOT / "docs" / "CLI.md").read_text("utf-8").replace("--strict", "--s"))
    result = reference("--check", str(stale))
    assert (result.returncode, result.stderr) == (1, (
        f"{stale} is out of date with the commands' --help; run:"
        " .venv/bin/python scripts/cli_reference.py\n"))


def test_cli_reference_covers_every_command() -> None:
    headings = [line for line in (ROOT / "docs" / "CLI.md").read_text("utf-8").splitlines()
                if line.startswith("## ")]
    assert headings == ["## handouts", *(f"## handouts {name}" for name in sorted(cli.commands))]


@pytest.mark.parametrize("command", ["", *sorted(cli.commands)])
def test_cli_reference_shows_what_help_prints(command: str) -> None:
    section = (ROOT / "docs" / "CLI.md").read_text("utf-8").split(
        f"\n## handouts{' ' if command else ''}{command}\n\n```text\n", 1)[1].split("\n```\n")[0]
    result = CliRunner().invoke(cli, [*filter(None, [command]), "--help"], prog_name="handouts",
                                terminal_width=78)
    assert (result.exit_code, result.stdout) == (0, section + "\n")

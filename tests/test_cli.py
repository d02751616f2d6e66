"""The click layer: exit codes and exact one-line messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts.cli import cli
from handouts.project import Project

ROOT = Path(__file__).parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--project", str(ROOT), *args])
    return result.exit_code, result.stdout, result.stderr


def test_build_reports_each_file_and_summary(tmp_path: Path) -> None:
    code, out, _err = run("build", "--lang", "zh-Hans", "--paper", "letter", "--out", str(tmp_path),
                          "--handout", "stockholm-syndrome-treatment")
    assert code == 0, _err
    pdf = tmp_path / "zh_CN" / "stockholm-syndrome-treatment-letter.pdf"
    size = pdf.stat().st_size
    lines = out.splitlines()
    assert lines[0] == f"{pdf}  2 pages  {size / 1024:.0f} KB"
    assert lines[-2] == f"Built 1 PDF(s) into {tmp_path}."
    assert lines[-1] == f"Gallery: {tmp_path}/index.html"


def test_unknown_language_is_exit_1_with_hint(tmp_path: Path) -> None:
    code, _out, err = run("build", "--lang", "tlh", "--out", str(tmp_path))
    assert code == 1
    assert err == "Error: unknown language code 'tlh'\n"
    code, _out, err = run("build", "--lang", "de", "--out", str(tmp_path))
    assert code == 1
    assert err.startswith("Error: language 'de' is not shipped; available: en, ")
    assert err.endswith("To add it, run: python generate.py init de\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_output_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _out, err = run("build", "--lang", "en", "--out", str(locked))
    assert code == 1
    assert err == (f"Failed: {locked}/en: [en] cannot write here: Permission denied; choose"
                   " another folder with --out\n")


def test_unwritable_output_folder(tmp_path: Path) -> None:
    (tmp_path / "en").write_text("a file where the language folder should be")
    code, out, err = run("build", "--lang", "en", "--lang", "es", "--out", str(tmp_path),
                         "--handout", "stockholm-syndrome-treatment")
    assert code == 1
    assert out.splitlines()[-2] == f"Built 1 PDF(s) into {tmp_path}; 1 failed (see below)."
    assert err == (f"Failed: {tmp_path}/en: [en] cannot create this folder: a file is in the"
                   " way; move it or choose another folder with --out\n")
    assert (tmp_path / "es" / "stockholm-syndrome-treatment-a4.pdf").is_file()


def test_output_path_that_is_a_file_is_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _out, err = run("build", "--out", str(blocker))
    assert code == 2
    assert f"Directory '{blocker}' is a file." in err


def test_usage_error_is_exit_2() -> None:
    code, _out, err = run("build", "--paper", "a3")
    assert code == 2
    assert "Invalid value for '--paper': 'a3' is not one of 'a4', 'letter'." in err


def test_bad_clinic_file_is_one_line(tmp_path: Path) -> None:
    clinic = tmp_path / "clinic.toml"
    clinic.write_text('name = "X"\nphone = 5550100\n')
    code, _out, err = run("build", "--clinic", str(clinic), "--out", str(tmp_path))
    assert code == 1
    assert err == f'Error: {clinic}: "phone" must be text in quotes, not int\n'


def test_languages_lists_native_name_direction_and_each_handout() -> None:
    code, out, _err = run("languages")
    assert code == 0
    header, *lines = out.splitlines()
    assert header.split() == ["language", "name", "direction", "helping-someone-recover",
                              "stockholm-syndrome-treatment"]
    rows = {line.split()[0]: line for line in lines}
    assert rows["ar"].split()[-5:] == ["rtl", "published", "38/38", "published", "42/42"]
    assert "العربية" in rows["ar"]
    assert "中文" in rows["zh_CN"]
    assert rows["en"].endswith("published 38/38, source  published 42/42, source")
    assert len(rows) == 16


def test_generate_py_entry_point(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "Usage: generate.py" in result.stdout


def copy_project(tmp_path: Path) -> Path:
    import shutil

    for name in ("templates", "locales"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def invoke(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    return result.exit_code, result.output


def test_stats_counts_fuzzy_as_not_translated(tmp_path: Path) -> None:
    import json

    project = copy_project(tmp_path)
    po = project / "locales" / "es" / "LC_MESSAGES" / "common.po"
    po.write_text(po.read_text("utf-8").replace(
        'msgid "Get help now"', '#, fuzzy\nmsgid "Get help now"', 1), "utf-8")
    code, out = invoke(project, "stats", "--lang", "es", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [row["handout"] for row in rows] == ["helping-someone-recover",
                                                "stockholm-syndrome-treatment"]
    for row in rows:  # the shared help box: both leaflets are held back
        assert (row["translated"], row["fuzzy"], row["untranslated"]) == (row["total"] - 1, 1, 0)
        assert row["percent"] == round(100 * (row["total"] - 1) / row["total"], 1)
        assert (row["status"], row["published"], row["reviewed"]) == ("held back", False, False)
    code, out = invoke(project, "stats", "--lang", "es")
    assert out.splitlines() == [
        "language  handout                       translated  fuzzy  untranslated  %     status"
        "     reviewed",
        f"es        helping-someone-recover       {rows[0]['translated']}          1      0     "
        f"        {rows[0]['percent']}  held back  no",
        f"es        stockholm-syndrome-treatment  {rows[1]['translated']}          1      0     "
        f"        {rows[1]['percent']}  held back  no"]


def test_update_check_exit_codes(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    assert invoke(project, "update", "--check") == (0, "All catalogs are up to date.\n")
    handout = project / "templates" / "handouts" / "stockholm-syndrome-treatment.html"
    handout.write_text(handout.read_text("utf-8").replace(
        '_("Ways to treat it")', '_("Ways to treat this")'), "utf-8")
    code, out = invoke(project, "update", "--check")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{project}/locales/stockholm-syndrome-treatment.pot: out of date"
    assert (f"{project}/locales/es/LC_MESSAGES/stockholm-syndrome-treatment.po: out of date"
            " (0 new, 1 fuzzy, 0 obsolete, 0 revived)") in lines
    assert len(lines) == 1 + 15 + 1  # the .pot, one catalog per translation, the advice
    assert lines[-1] == "Run: python generate.py update"
    code, out = invoke(project, "update")
    assert code == 0
    assert invoke(project, "update", "--check")[0] == 0


def test_extract_and_init_commands(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    code, out = invoke(project, "extract")
    assert code == 0 and out.endswith("messages (unchanged).\n")
    code, out = invoke(project, "init", "de")
    assert code == 0
    folder = project / "locales" / "de" / "LC_MESSAGES"
    assert out == (f"Created {folder}/common.po.\n"
                   f"Created {folder}/helping-someone-recover.po.\n"
                   f"Created {folder}/stockholm-syndrome-treatment.po.\n"
                   "Translate them, then run: python generate.py check\n")
    code, out = invoke(project, "init", "frr_XX")
    assert code == 1 and out.startswith("Error: unknown locale 'frr_XX'")


def test_one_broken_catalog_does_not_hide_the_others(project_copy: Project) -> None:
    broken = project_copy.locales_dir / "es" / "LC_MESSAGES" / "common.po"
    broken.write_text(broken.read_text("utf-8") + '\nmsgid "x"\nmgstr "y"\n', "utf-8")
    code, out = invoke(project_copy.root, "languages")
    assert code == 1
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(rows) == {"en", "ar", "es", "fa", "fr", "hi", "ht", "ja", "ko", "pt_BR", "ru",
                         "tl", "ur", "vi", "zh_CN", "zh_TW"}
    error = (f"{broken}:{len(broken.read_text().splitlines())}: [es] syntax error: Unknown or"
             " misformatted keyword")
    assert rows["es"].endswith(f"ltr        broken: {error}")
    assert rows["ar"].endswith("published 42/42")
    code, out = invoke(project_copy.root, "stats", "--json")
    assert code == 1
    import json

    stats = {(row["language"], row["handout"]): row for row in json.loads(out)}
    assert len(stats) == 16 * 2 and stats["fr", "helping-someone-recover"]["percent"] == 100.0
    for handout in ("helping-someone-recover", "stockholm-syndrome-treatment"):
        row = stats["es", handout]
        assert (row["status"], row["published"], row["error"]) == ("failed", False, error)

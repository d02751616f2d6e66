"""`check`: one fixture catalog per defect, compared with a golden output file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts.catalog import catalog_path, shipped_languages
from handouts.check import check_message
from handouts.cli import cli

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
CASES = sorted(p.stem for p in (DATA / "check").glob("*.po"))


def run_check(tmp_path: Path, fixture: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    # The fixture's Language decides its folder. Fixtures with plural forms use German,
    # whose CLDR count (2) no Babel release has changed, so the output is stable.
    code = "de" if '"Language: de' in fixture.read_text("utf-8") else "es"
    target = catalog_path(tmp_path / "locales", code)
    target.parent.mkdir(parents=True)
    shutil.copy(fixture, target)
    monkeypatch.chdir(tmp_path)  # paths are shown relative to where staff run the command
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "check"])
    return result.exit_code, result.output


@pytest.mark.parametrize("case", CASES)
def test_each_defect_has_its_exact_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           case: str) -> None:
    code, output = run_check(tmp_path, DATA / "check" / f"{case}.po", monkeypatch)
    golden = (DATA / "check" / f"{case}.out").read_text("utf-8")
    assert f"{output}exit {code}\n" == golden


def test_unreadable_catalog_is_one_error_line(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run_check(tmp_path, DATA / "po" / "syntax.po", monkeypatch)
    assert code == 1
    assert output == ("locales/es/LC_MESSAGES/common.po:10: error: syntax error: Unknown or"
                      " misformatted keyword\n1 language(s) checked: 1 error(s), 0 warning(s),"
                      " 0 leaflet(s) that will not publish.\n")


def test_shipped_catalogs_are_clean() -> None:
    result = CliRunner().invoke(cli, ["--project", str(ROOT), "check"])
    assert result.exit_code == 0
    *lines, summary = result.output.splitlines()
    # The only advice allowed: GNU plural rules where the installed CLDR differs (es, fa …).
    assert [line for line in lines if "; CLDR (Babel " not in line] == []
    count = len(shipped_languages(ROOT / "locales")) - 1  # English is the source
    assert summary == (f"{count} language(s) checked: 0 error(s), {len(lines)} warning(s),"
                       " 0 leaflet(s) that will not publish.")


def test_french_percent_is_caught_before_it_crashes_rendering() -> None:
    problems = check_message("%(num)s of 50 people", "%(num)s 50 % des gens")
    assert [p[1] for p in problems] == [
        'a stray "%" would crash the build; write "%%" for a literal percent sign']
    assert check_message("%(num)s of 50 people", "%(num)s 50 %% des gens") == []


def test_native_digits_count_as_the_number() -> None:
    assert check_message("Take 2 slow breaths.", "خذ ٢ نفسًا بطيئًا.") == []


def test_msgfmt_accepts_every_shipped_catalog() -> None:
    files = sorted((ROOT / "locales").rglob("*.po")) + sorted((ROOT / "locales").glob("*.pot"))
    assert len(files) >= 3 * 15 + 4  # common and two handouts per language, and the .pot files
    for path in files:
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, (path, result.stderr)

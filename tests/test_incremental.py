"""Incremental, parallel builds: unchanged documents are skipped, and workers agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from texts import HANDOUT

from handouts.build import BuildOptions, build
from handouts.catalog import catalog_path
from handouts.cli import cli
from handouts.project import Project

ROOT = Path(__file__).parent.parent
LANGS = ("en", "es", "ar")


def options(out: Path, **extra: Any) -> BuildOptions:
    return BuildOptions(out=out, languages=LANGS, papers=("a4", "letter"), handouts=(HANDOUT,),
                        **extra)


def test_rebuild_only_what_changed(tmp_path: Path, project_copy: Project) -> None:
    out = tmp_path / "out"
    first = build(project_copy, options(out))
    assert len(first.written) == 6 and first.skipped == []

    again = build(project_copy, options(out))
    assert again.written == [] and len(again.skipped) == 6

    po = catalog_path(project_copy.locales_dir, "es", "common")
    po.write_text(po.read_text("utf-8").replace("Busque ayuda ahora", "Pida ayuda ya"), "utf-8")
    after_catalog = build(project_copy, options(out))
    assert sorted(w.language for w in after_catalog.written) == ["es", "es"]

    css = project_copy.stylesheet
    css.write_text(css.read_text("utf-8") + "\n/* changed */\n", "utf-8")
    assert len(build(project_copy, options(out)).written) == 6

    clinic = tmp_path / "clinic.toml"
    clinic.write_text('name = "A"\n', "utf-8")
    assert len(build(project_copy, options(out, clinic=clinic)).written) == 6
    clinic.write_text('name = "B"\n', "utf-8")
    assert len(build(project_copy, options(out, clinic=clinic)).written) == 6
    assert len(build(project_copy, options(out, clinic=clinic, force=True)).written) == 6

    # A document whose PDF or HTML version is missing is written again; nothing else.
    for missing in ("html", "pdf"):
        (out / "en" / f"stockholm-syndrome-treatment-a4.{missing}").unlink()
        assert [w.path.name for w in build(project_copy, options(out, clinic=clinic)).written
                ] == ["stockholm-syndrome-treatment-a4.pdf"]
        assert (out / "en" / f"stockholm-syndrome-treatment-a4.{missing}").is_file()


def test_workers_write_the_same_bytes(tmp_path: Path, project: Project) -> None:
    one = build(project, options(tmp_path / "one", jobs=1))
    two = build(project, options(tmp_path / "two", jobs=2))
    assert one.ok and two.ok
    assert len(one.written) == len(two.written) == 6
    for written in one.written:
        twin = tmp_path / "two" / written.path.relative_to(tmp_path / "one")
        assert twin.read_bytes() == written.path.read_bytes()


def test_noop_rebuild_does_not_import_weasyprint(tmp_path: Path) -> None:
    command = [sys.executable, "-X", "importtime", str(ROOT / "generate.py"), "build",
               "--lang", "en", "--lang", "ar", "--out", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert " weasyprint" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert " weasyprint" not in second.stderr
    assert second.stdout.splitlines()[-2:] == [
        f"Built 0 PDF(s) into {tmp_path}, 4 up to date.",
        f"Gallery: {tmp_path / 'index.html'}"]  # written on every build


def test_json_and_quiet(tmp_path: Path) -> None:
    args = ["--project", str(ROOT), "build", "--lang", "es", "--out", str(tmp_path),
            "--handout", HANDOUT]
    result = CliRunner().invoke(cli, [*args, "--json", "--jobs", "1"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["failed"] == [] and report["up_to_date"] == []
    [doc] = report["written"]
    assert doc["language"] == "es" and doc["paper"] == "a4" and doc["pages"] == 2
    assert doc["bytes"] == (tmp_path / "es" / "stockholm-syndrome-treatment-a4.pdf").stat().st_size

    quiet = CliRunner().invoke(cli, [*args, "--quiet", "--force"])
    assert quiet.exit_code == 0 and quiet.output == ""
    bad = CliRunner().invoke(cli, [*args, "--quiet", "--lang", "xx"])
    assert bad.exit_code == 1 and bad.output == "Error: unknown language code 'xx'\n"


def test_worker_that_cannot_start_fails_cleanly(tmp_path: Path, project: Project,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts.errors import RenderError

    def broken(*args: object, **kwargs: object) -> None:
        raise RenderError("WeasyPrint: invalid stylesheet")

    monkeypatch.setattr("handouts.workers.Renderer", broken)
    report = build(project, options(tmp_path, jobs=2))  # used to hang forever
    assert report.written == []
    assert {str(f) for f in report.failures} == {"[en] WeasyPrint: invalid stylesheet",
                                                 "[es] WeasyPrint: invalid stylesheet",
                                                 "[ar] WeasyPrint: invalid stylesheet"}


def test_force_keeps_what_other_languages_recorded(tmp_path: Path, project: Project) -> None:
    assert len(build(project, options(tmp_path)).written) == 6
    forced = build(project, BuildOptions(out=tmp_path, languages=("es",), force=True,
                                         handouts=(HANDOUT,)))
    assert len(forced.written) == 1
    assert build(project, options(tmp_path)).written == []


def test_corrupt_pdf_in_the_output_folder_is_left_out_of_the_gallery(
        tmp_path: Path, project: Project) -> None:
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "stockholm-syndrome-treatment-letter.pdf").write_bytes(b"not a pdf")
    report = build(project, BuildOptions(out=tmp_path, languages=("es",)))
    assert report.ok and report.gallery is not None
    html = report.gallery.read_text("utf-8")
    assert "es/stockholm-syndrome-treatment-a4.pdf" in html
    assert "stockholm-syndrome-treatment-letter.pdf" not in html


def test_a_change_re_renders_exactly_the_documents_that_read_it(
        tmp_path: Path, project_copy: Project) -> None:
    from texts import FAMILY

    out = tmp_path / "out"
    both = BuildOptions(out=out, languages=("en", "es", "fr"))

    def rebuilt() -> list[str]:
        report = build(project_copy, both)
        assert report.ok, report.failures
        return sorted(f"{w.language}/{w.handout}" for w in report.written)

    assert len(rebuilt()) == 6 and rebuilt() == []
    # One message in one handout's Spanish catalog: that handout, in Spanish.
    po = catalog_path(project_copy.locales_dir, "es", FAMILY)
    po.write_text(po.read_text("utf-8").replace("Esté a su lado", "Quédese a su lado"), "utf-8")
    assert rebuilt() == [f"es/{FAMILY}"]
    # The shared text in Spanish: every Spanish leaflet, nothing else.
    common = catalog_path(project_copy.locales_dir, "es", "common")
    common.write_text(common.read_text("utf-8").replace("Busque ayuda ahora",
                                                        "Pida ayuda ahora"), "utf-8")
    assert rebuilt() == [f"es/{FAMILY}", f"es/{HANDOUT}"]
    # One handout's template, even a comment: that handout, in every language.
    template = project_copy.templates_dir / "handouts" / f"{HANDOUT}.html"
    template.write_text(template.read_text("utf-8") + "{# edited #}\n", "utf-8")
    assert rebuilt() == [f"en/{HANDOUT}", f"es/{HANDOUT}", f"fr/{HANDOUT}"]
    # The gallery's template: no leaflet, but the page is written again.
    gallery = project_copy.templates_dir / "gallery" / "index.html"
    gallery.write_text(gallery.read_text("utf-8").replace("</body>", "<!-- v2 --></body>"),
                       "utf-8")
    before = (out / "index.html").read_text("utf-8")
    assert rebuilt() == []
    assert "<!-- v2 -->" in (out / "index.html").read_text("utf-8") != before

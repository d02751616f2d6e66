"""The build's stages one by one: plan, gate, render, record, gallery.

Each is called on its own, with real catalogs and templates; the render stage
renders real PDFs in real worker processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, ROOT
from texts import FAMILY, HANDOUT

from handouts import gate
from handouts.build import (
    BuildOptions,
    BuildReport,
    Digests,
    build,
    gallery_decisions,
    gate_documents,
    make_plan,
    plan_documents,
    record,
    render_documents,
)
from handouts.catalog import catalog_path
from handouts.errors import RenderError
from handouts.output import Manifest, output_path
from handouts.project import Project
from handouts.workers import Job, Settings, Written


def planned(project: Project, out: Path, **extra: object) -> dict[str, str]:
    """Each planned document's digest, by ``lang/handout/paper/format``."""
    options = BuildOptions(out=out, **extra)  # type: ignore[arg-type]
    plan = make_plan(project, options)
    jobs = plan_documents(options, plan, Digests(project, options, plan), BuildReport())
    return {f"{j.language}/{j.handout}/{j.paper}/{j.fmt}": j.digest for j in jobs}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(key for key in before if before[key] != after[key])


# plan ----------------------------------------------------------------------------------

def test_plan_lists_every_document_in_order(tmp_path: Path, project: Project) -> None:
    digests = planned(project, tmp_path, languages=("es", "en"), papers=("a4", "letter"),
                      formats=("standard", "large-print"), handouts=(HANDOUT,))
    assert list(digests) == [f"{code}/{HANDOUT}/{paper}/{fmt}" for code in ("es", "en")
                             for paper in ("a4", "letter")
                             for fmt in ("standard", "large-print")]
    assert len(set(digests.values())) == 8  # each document its own digest


def test_digest_covers_exactly_a_documents_own_inputs(tmp_path: Path,
                                                      project_copy: Project) -> None:
    every = {"languages": ("en", "es", "fr"), "papers": ("a4", "letter")}
    before = planned(project_copy, tmp_path, **every)
    assert planned(project_copy, tmp_path, **every) == before  # same inputs, same digests
    own = catalog_path(project_copy.locales_dir, "es", FAMILY)
    own.write_text(own.read_text("utf-8").replace("Esté a su lado", "Quédese a su lado"),
                   "utf-8")
    after = planned(project_copy, tmp_path, **every)
    assert changed(before, after) == [f"es/{FAMILY}/a4/standard", f"es/{FAMILY}/letter/standard"]
    common = catalog_path(project_copy.locales_dir, "es", "common")
    common.write_text(common.read_text("utf-8").replace("Busque ayuda ahora", "Pida ayuda"),
                      "utf-8")
    assert changed(after, planned(project_copy, tmp_path, **every)) == [
        f"es/{handout}/{paper}/standard" for handout in (FAMILY, HANDOUT)
        for paper in ("a4", "letter")]
    after = planned(project_copy, tmp_path, **every)
    template = project_copy.templates_dir / "handouts" / f"{HANDOUT}.html"
    template.write_text(template.read_text("utf-8") + "{# edited #}\n", "utf-8")
    assert changed(after, planned(project_copy, tmp_path, **every)) == [
        f"{code}/{HANDOUT}/{paper}/standard" for code in ("en", "es", "fr")
        for paper in ("a4", "letter")]
    # A shared partial is read by every leaflet; the stylesheet by every document.
    after = planned(project_copy, tmp_path, **every)
    partial = project_copy.templates_dir / "partials" / "footer.html"
    partial.write_text(partial.read_text("utf-8") + "{# edited #}\n", "utf-8")
    assert changed(after, planned(project_copy, tmp_path, **every)) == sorted(after)


def test_other_languages_catalogs_are_not_inputs(tmp_path: Path, project_copy: Project) -> None:
    before = planned(project_copy, tmp_path, languages=("fr",))
    for domain in ("common", HANDOUT, FAMILY):
        path = catalog_path(project_copy.locales_dir, "es", domain)
        path.write_text(path.read_text("utf-8") + "\n", "utf-8")
    assert planned(project_copy, tmp_path, languages=("fr",)) == before


# gate ----------------------------------------------------------------------------------

def jobs_for(project: Project, options: BuildOptions) -> list[Job]:
    plan = make_plan(project, options)
    return plan_documents(options, plan, Digests(project, options, plan), BuildReport())


def test_gate_skips_what_is_up_to_date_and_decides_the_rest(tmp_path: Path,
                                                            project: Project) -> None:
    options = BuildOptions(out=tmp_path, languages=("es", "fr"), handouts=(HANDOUT,))
    jobs = jobs_for(project, options)
    fresh = jobs[0]
    fresh.target.parent.mkdir(parents=True)
    fresh.target.write_bytes(b"%PDF-1.7 stand-in")
    fresh.target.with_suffix(".html").write_text("<!DOCTYPE html>", "utf-8")
    manifest = Manifest(tmp_path, {str(fresh.target): fresh.digest})
    heard: list[Written] = []
    report = BuildReport()
    todo = gate_documents(project, options, jobs, manifest, report, heard.append)
    assert [(w.language, w.skipped) for w in report.skipped] == [("es", True)] and heard == \
        report.skipped
    assert [(j.language, j.gate.status) for j in todo] == [("fr", gate.PUBLISH)]
    forced = gate_documents(project, BuildOptions(out=tmp_path, force=True), jobs, manifest,
                            BuildReport())
    assert [j.language for j in forced] == ["es", "fr"]


def test_gate_withdraws_a_held_back_leaflet_on_every_paper_and_format(
        tmp_path: Path, project_copy: Project) -> None:
    po = catalog_path(project_copy.locales_dir, "es", HANDOUT)
    po.write_text(po.read_text("utf-8").replace('msgstr "Cómo se trata el síndrome de'
                                                ' Estocolmo"', 'msgstr ""'), "utf-8")
    options = BuildOptions(out=tmp_path, languages=("es",), handouts=(HANDOUT,))
    old = [output_path(tmp_path, "es", HANDOUT, paper, fmt)
           for paper in ("a4", "letter") for fmt in ("standard", "bilingual")]
    for path in old:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7 old")
    manifest = Manifest(tmp_path, {str(p): "old" for p in old})
    report = BuildReport()
    assert gate_documents(project_copy, options, jobs_for(project_copy, options), manifest,
                          report) == []
    assert [(d.language, d.handout, d.status) for d in report.held] == [("es", HANDOUT,
                                                                         gate.HELD)]
    assert [p for p in old if p.exists()] == [] and manifest.documents == {}
    assert report.failures == []


# render and record ---------------------------------------------------------------------

def test_progress_comes_as_documents_finish_and_the_report_keeps_job_order(
        tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts.pdf import Renderer

    real = Renderer.render

    english = tmp_path / "en" / f"{HANDOUT}-a4.pdf"

    def slow_spanish(self: object, html: str) -> tuple[bytes, int]:
        # Started first, finished last: it waits for the English PDF, rendered alongside.
        deadline = time.monotonic() + 60
        while 'lang="es"' in html and not english.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return real(self, html)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "render", slow_spanish)
    options = BuildOptions(out=tmp_path, languages=("es", "en"), handouts=(HANDOUT,))
    jobs = [j for j in gate_documents(project, options, jobs_for(project, options),
                                      Manifest(tmp_path), BuildReport())]
    heard: list[str] = []
    manifest, report = Manifest(tmp_path), BuildReport()
    render_documents(Settings(project), jobs, 2, manifest, report,
                     lambda w: heard.append(w.language))
    assert heard == ["en", "es"]
    assert [w.language for w in report.written] == ["es", "en"]
    assert manifest.documents == {str(j.target): j.digest for j in jobs}


def test_record_keeps_a_digest_only_for_what_was_written(tmp_path: Path,
                                                         project: Project) -> None:
    options = BuildOptions(out=tmp_path, languages=("es", "fr"), handouts=(HANDOUT,))
    good, bad = jobs_for(project, options)
    manifest = Manifest(tmp_path, {str(bad.target): "older"})
    heard: list[Written] = []
    written = Written(good.target, "es", HANDOUT, "a4", 2, 1000)
    record(good, written, manifest, heard.append)
    record(bad, RenderError("broken", language="fr"), manifest, heard.append)
    assert manifest.documents == {str(good.target): good.digest} and heard == [written]
    manifest.save()
    assert Manifest.read(tmp_path).documents == {str(good.target): good.digest}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_that_cannot_start_fails_the_same_with_any_number_of_jobs(
        tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("fontconfig: cannot load configuration")  # not a HandoutError

    monkeypatch.setattr("handouts.workers.Renderer", broken)
    report = build(project, BuildOptions(out=tmp_path, languages=("en", "es", "ar"),
                                         handouts=(HANDOUT,), jobs=jobs))
    assert report.written == []
    assert [str(f) for f in report.failures] == [
        f"[{code}] the renderer could not start: OSError: fontconfig: cannot load"
        " configuration; run scripts/setup.sh, then report it if it persists"
        for code in ("en", "es", "ar")]


def test_a_new_worker_loads_nothing_the_build_had_not(tmp_path: Path) -> None:
    """The build loads what a worker's first document needs before it forks the worker
    (workers._preload): about 60 ms of every new worker. Each worker then freezes what
    it inherited out of its garbage collections (35 ms). If this fails after an
    upgrade, add what it lists to pdf.preload_renderer (a module, or pdf._C_TYPES).

    Checked to fail (3 December 2026) with ``_preload`` doing nothing (the modules, C
    types and cache misses are listed) and without ``gc.freeze()`` in the worker."""
    from handouts.pdf import _C_TYPES

    records = tmp_path / "records"
    records.mkdir()
    result = subprocess.run([sys.executable, str(DATA / "workers" / "first_document.py"),
                             str(tmp_path / "out"), str(records)], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    build = json.loads(result.stdout)
    assert build["parsed in the build"] == sorted(_C_TYPES)  # none is stale
    workers = [json.loads(path.read_text()) for path in sorted(records.iterdir())]
    assert len(workers) == 2  # one document each, in two processes
    for worker in workers:
        assert worker.pop("frozen objects") > build["frozen objects"]
        assert worker == {"modules": [], "c types": [], "cache misses": [0, 0, 0],
                          "qr code encoded": True}


# gallery -------------------------------------------------------------------------------

def test_gallery_decisions_come_from_the_manifest_while_their_inputs_are_unchanged(
        tmp_path: Path, project_copy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("handouts.build._RECORDS", {})  # from the manifest, not the process
    options = BuildOptions(out=tmp_path)
    plan = make_plan(project_copy, options)
    manifest = Manifest(tmp_path)
    first = gallery_decisions(project_copy, options, Digests(project_copy, options, plan),
                              manifest)
    assert len(first) == 16 * 2 and all(d.publishes for d in first.values())
    decided: list[tuple[str, str]] = []
    real = gate.decide

    def counting(locales: Path, templates: Path, code: str, handout: str,
                 allow_incomplete: bool = False) -> gate.Decision:
        decided.append((code, handout))
        return real(locales, templates, code, handout, allow_incomplete)

    monkeypatch.setattr("handouts.build.decide", counting)
    monkeypatch.setattr("handouts.build._RECORDS", {})
    again = gallery_decisions(project_copy, options, Digests(project_copy, options, plan),
                              manifest)
    assert decided == []
    assert {k: (d.status, d.counts, d.reviewed) for k, d in again.items()} == {
        k: (d.status, d.counts, d.reviewed) for k, d in first.items()}
    po = catalog_path(project_copy.locales_dir, "fr", FAMILY)
    po.write_text(po.read_text("utf-8") + "\n", "utf-8")
    gallery_decisions(project_copy, options, Digests(project_copy, options, plan), manifest)
    assert decided == [("fr", FAMILY)]


def test_gallery_is_written_on_an_up_to_date_build_in_the_language_asked(
        tmp_path: Path, project: Project) -> None:
    options = BuildOptions(out=tmp_path, languages=("es",), handouts=(HANDOUT,))
    assert len(build(project, options).written) == 1
    again = build(project, BuildOptions(out=tmp_path, languages=("es",), handouts=(HANDOUT,),
                                        gallery_lang="es"))
    assert again.written == [] and again.gallery == tmp_path / "index.html"
    assert '<html lang="es"' in again.gallery.read_text("utf-8")


def test_a_dangling_catalog_link_is_not_a_missing_catalog(
        tmp_path: Path, project_copy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Their digests differ, so the decision remembered for one is not the other's: a
    missing catalog is untranslated (held back), a link to nothing is refused."""
    monkeypatch.setattr("handouts.build._RECORDS", {})
    path = catalog_path(project_copy.locales_dir, "es", FAMILY)
    path.unlink()
    found = {}
    for name in ("missing", "dangling"):
        if name == "dangling":
            path.symlink_to(tmp_path / "nothing")
        options = BuildOptions(out=tmp_path / name)
        digests = Digests(project_copy, options, make_plan(project_copy, options))
        found[name] = gallery_decisions(project_copy, options, digests,
                                        Manifest(tmp_path / name))[("es", FAMILY)].status
    assert found == {"missing": gate.HELD, "dangling": gate.FAILED}

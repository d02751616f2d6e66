"""Benchmark at scale: a library of 200 handouts, rebuilt as translators work.

Run from the repository root:  .venv/bin/python bench/scale.py [--handouts N] [--lang CODE ...]
(not part of the tests). It generates the project (bench/scale_project.py) in a
temporary folder and measures, in one run: the full build, a no-op build, a
one-message edit, a common-catalog edit, a one-template edit, `update` after
adding one handout, and the gallery. Each figure is given as a ratio to the full
build, with the number of documents rendered, because absolute times on shared
machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale_project import SOURCE, copy_name, make_project  # noqa: E402

from handouts import sync  # noqa: E402
from handouts.build import (  # noqa: E402
    BuildOptions,
    BuildReport,
    Digests,
    build,
    gallery_decisions,
    make_plan,
)
from handouts.catalog import catalog_path, shipped_languages  # noqa: E402
from handouts.gallery import write_gallery  # noqa: E402
from handouts.output import Manifest  # noqa: E402
from handouts.project import Project  # noqa: E402


def timed(step: Callable[[], BuildReport]) -> tuple[float, BuildReport]:
    started = time.perf_counter()
    report = step()
    return time.perf_counter() - started, report


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    if old not in text:
        raise SystemExit(f"{path}: {old!r} not found; the benchmark's edit needs updating")
    path.write_text(text.replace(old, new, 1), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handouts", type=int, default=200)
    parser.add_argument("--lang", action="append", default=[],
                        help="languages to build (default: all shipped)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="handouts-scale-"))
    try:
        run(work, args.handouts, args.lang, args.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, count: int, languages: list[str], jobs: int) -> None:
    project = Project(make_project(work / "project", count))
    codes = languages or shipped_languages(project.locales_dir)
    out = work / "out"
    options = BuildOptions(out=out, languages=tuple(codes), jobs=jobs)
    messages = sum(1 for _ in (project.locales_dir / "es" / "LC_MESSAGES").glob("*.po"))
    print(f"# {count} handouts x {len(codes)} languages, A4 standard, --jobs {jobs};"
          f" {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()};"
          f" {messages} Spanish catalogs", flush=True)

    rows: list[tuple[str, float, int]] = []
    cli_seconds = 0.0

    def step(name: str, action: Callable[[], BuildReport]) -> BuildReport:
        seconds, report = timed(action)
        if not report.ok:
            raise SystemExit(f"{name}: {report.failures[0]}")
        rows.append((name, seconds, len(report.written)))
        print(f"{name}: {seconds:.2f} s, {len(report.written)} rendered", flush=True)
        return report

    full = step("full build", lambda: build(project, options))
    documents = len(full.written)
    noops = [timed(lambda: build(project, options)) for _ in range(3)]
    assert all(not r.written for _, r in noops), "a no-op build rendered something"
    rows.append(("no-op build (median of 3)", statistics.median(s for s, _ in noops), 0))
    print(f"no-op build: {rows[-1][1]:.2f} s", flush=True)

    edited = copy_name(17) if count > 17 else SOURCE
    spanish = "es" in codes
    if spanish:
        replace_in(catalog_path(project.locales_dir, "es", edited),
                   'msgstr "Cómo se trata el síndrome de Estocolmo',
                   'msgstr "Cómo se trata hoy el síndrome de Estocolmo')
        one = step(f"one message in es/{edited}.po", lambda: build(project, options))
        assert [(w.language, w.handout) for w in one.written] == [("es", edited)], one.written
        # The same through the command line: a new process, its imports, the summary.
        replace_in(catalog_path(project.locales_dir, "es", edited),
                   'msgstr "Cómo se trata hoy el síndrome',
                   'msgstr "Cómo se trata ahora el síndrome')
        command = [sys.executable, str(ROOT / "generate.py"), "--project", str(project.root),
                   "build", "--quiet", "--out", str(out), "--jobs", str(jobs),
                   *(arg for code in codes for arg in ("--lang", code))]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        cli_seconds = time.perf_counter() - started
        print(f"one message, generate.py build: {cli_seconds:.2f} s", flush=True)
        replace_in(catalog_path(project.locales_dir, "es", "common"), "Busque ayuda ahora",
                   "Pida ayuda ahora")
        common = step("one message in es/common.po", lambda: build(project, options))
        assert {w.language for w in common.written} == {"es"}
        assert len(common.written) == count, len(common.written)
    template = project.templates_dir / "handouts" / f"{edited}.html"
    template.write_text(template.read_text("utf-8") + "{# edited #}\n", "utf-8")
    edit = step(f"one template ({edited}.html)", lambda: build(project, options))
    assert {w.handout for w in edit.written} == {edited} and len(edit.written) == len(codes)

    # The gallery stage as a build runs it: decisions from the manifest, thumbnails cached.
    started = time.perf_counter()
    plan = make_plan(project, options)
    decisions = gallery_decisions(project, options, Digests(project, options, plan),
                                  Manifest.read(out))
    gallery = write_gallery(project, out, decisions=decisions)
    gallery_seconds = time.perf_counter() - started
    assert gallery.failure is None
    listed = sum(1 for _ in out.glob("*/*.pdf"))

    # update: no template change, then one new handout, then one common string.
    update_rows = []
    steps: list[tuple[str, Callable[[], object]]] = [
        ("update, no template change (first run fills the cache)", lambda: None),
        ("update, no template change", lambda: None),
        ("update after adding one handout", lambda: shutil.copy(
            project.templates_dir / "handouts" / f"{SOURCE}.html",
            project.templates_dir / "handouts" / "new-handout.html")),
        ("update after editing one common string", lambda: replace_in(
            project.templates_dir / "partials" / "help.html", "Get help now", "Get help now!")),
    ]
    for name, prepare in steps:
        prepare()
        started = time.perf_counter()
        sync.update(project)
        update_rows.append((name, time.perf_counter() - started))
        print(f"{name}: {update_rows[-1][1]:.2f} s", flush=True)

    total = rows[0][1]
    per_document = total * jobs / documents
    print()
    print(f"Full build: {documents} documents in {total:.1f} s; one worker's time per"
          f" document: {per_document:.2f} s (full build x {jobs} workers / documents).")
    print()
    print("| step | seconds | documents rendered | × full build | target |")
    print("|---|---|---|---|---|")
    for name, seconds, rendered in rows:
        target = ""
        if name.startswith("no-op"):
            target = f"≤ 0.02 {'✔' if seconds <= 0.02 * total else '✘'}"
        elif name.startswith("one message in es/") and "common" not in name:
            bound = rendered * per_document + 1
            target = f"≤ {bound:.2f} s ({rendered} × {per_document:.2f} s + 1 s)" \
                     f" {'✔' if seconds <= bound else '✘'}"
        print(f"| {name} | {seconds:.2f} | {rendered} | {seconds / total:.4f} | {target} |")
    if cli_seconds:
        print(f"| the one-message edit again, as `generate.py build` (a new process) |"
              f" {cli_seconds:.2f} | 1 | {cli_seconds / total:.4f} | |")
    print(f"| gallery page alone ({listed} PDFs listed, thumbnails cached) |"
          f" {gallery_seconds:.2f} | 0 | {gallery_seconds / total:.4f} | |")
    translated = len(codes) - (1 if "en" in codes else 0)
    for name, seconds in update_rows:
        target = ""
        if name == "update after adding one handout":
            target = f"≤ 1 s per language: {seconds / max(translated, 1):.2f} s" \
                     f" {'✔' if seconds <= max(translated, 1) else '✘'}"
        elif name == "update, no template change":
            target = f"≤ 2 s {'✔' if seconds <= 2 else '✘'}"
        elif name.startswith("update after editing"):
            target = f"≤ 5 s {'✔' if seconds <= 5 else '✘'}"
        print(f"| {name} ({translated} languages) | {seconds:.2f} | 0 |"
              f" {seconds / total:.4f} | {target} |")


if __name__ == "__main__":
    main()

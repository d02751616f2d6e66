"""Command line: a thin click layer. Commands validate, call one library function, report."""

from __future__ import annotations

import json
import os
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from . import catalog as cat
from .build import BuildOptions, BuildReport, Written, build
from .catalog import stats_row
from .check import ERROR, check_languages
from .errors import HandoutError
from .pdf import check_system
from .project import Project
from .render import FORMATS, PAPERS

F = TypeVar("F", bound=Callable[..., Any])


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB"


def lang_option(f: F) -> F:
    return click.option("--lang", "languages", multiple=True, metavar="CODE",
                         help="Language code (zh_CN, zh-CN and zh-Hans alike). Repeatable;"
                              " default: all shipped languages.")(f)


class _Fail(click.ClickException):
    """A domain error shown as one line, exit code 1."""

    def __init__(self, error: HandoutError) -> None:
        super().__init__(str(error))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
@click.option("--project", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Project folder with templates/ and locales/.")
@click.pass_context
def cli(ctx: click.Context, project: Path | None) -> None:
    """Printable multilingual patient handouts."""
    ctx.obj = Project(project.resolve()) if project else Project.default()


@cli.command("build")
@lang_option
@click.option("--paper", "papers", type=click.Choice(list(PAPERS)), multiple=True,
              default=("a4",), show_default=True, help="Paper size. Repeatable.")
@click.option("--format", "formats", type=click.Choice(list(FORMATS)), multiple=True,
              default=("standard",), show_default=True,
              help="Leaflet format. Repeatable.")
@click.option("--handout", "handouts", multiple=True, metavar="NAME",
              help="Handout to build. Repeatable; default: all.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Output folder.")
@click.option("--clinic", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic settings (TOML), see clinic.example.toml.")
@click.option("--html", is_flag=True, help="Also write the HTML beside each PDF, for preview.")
@click.option("--allow-incomplete", is_flag=True,
              help="Build languages with missing translations (English fills the gaps,"
                   " with a banner on every page).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of CPUs", help="Worker processes.")
@click.option("--force", is_flag=True, help="Rebuild documents whose inputs did not change.")
@click.option("--gallery-lang", default="en", show_default=True, metavar="CODE",
              help="Language of the gallery page OUT/index.html.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report for machines.")
@click.pass_obj
def build_command(project: Project, languages: tuple[str, ...], papers: tuple[str, ...],
                  formats: tuple[str, ...], handouts: tuple[str, ...], out: Path,
                  clinic: Path | None, html: bool, allow_incomplete: bool, jobs: int,
                  force: bool, gallery_lang: str, quiet: bool,
                  as_json: bool) -> None:
    """Render PDF leaflets into OUT/<lang>/<handout>-<paper>.pdf."""
    try:
        for warning in check_system():
            click.echo(f"Warning: {warning}", err=True)
    except HandoutError as exc:
        raise _Fail(exc) from None
    options = BuildOptions(out=out.absolute(), languages=languages, papers=papers,
                           formats=formats, handouts=handouts, clinic=clinic, html=html,
                           allow_incomplete=allow_incomplete, jobs=jobs, force=force,
                           gallery_lang=gallery_lang)
    done = 0

    def progress(w: Written) -> None:
        nonlocal done
        done += 1
        if quiet or as_json:
            return
        state = ("up to date" if w.skipped
                 else f"{w.pages} page{'s' if w.pages != 1 else ''}  {_size(w.size)}")
        click.echo(f"{_shown(w.path)}  {state}")

    started = time.perf_counter()
    try:
        result = build(project, options, on_written=progress)
    except HandoutError as exc:
        raise _Fail(exc) from None
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(_report_json(result, time.perf_counter() - started), indent=2,
                              ensure_ascii=False))
    elif not quiet:
        skipped = f", {len(result.skipped)} up to date" if result.skipped else ""
        failed = f"; {len(result.failures)} failed (see below)" if result.failures else ""
        click.echo(f"Built {len(result.written)} PDF(s) into {out}{skipped}{failed}.")
        if result.gallery:
            click.echo(f"Gallery: {_shown(result.gallery)}")
    if result.failures:
        if not as_json:
            for failure in result.failures:
                click.echo(f"Failed: {failure}", err=True)
        raise click.exceptions.Exit(1)


def _report_json(result: BuildReport, seconds: float) -> dict[str, object]:
    def doc(w: Written) -> dict[str, object]:
        return {"path": str(w.path), "language": w.language, "handout": w.handout,
                "paper": w.paper, "format": w.fmt, "pages": w.pages, "bytes": w.size}

    return {"ok": result.ok, "seconds": round(seconds, 3),
            "gallery": str(result.gallery) if result.gallery else None,
            "written": [doc(w) for w in result.written],
            "up_to_date": [doc(w) | {"pages": None} for w in result.skipped],
            "failed": [{"message": str(f), "language": f.language,
                        "path": str(f.path) if f.path else None, "line": f.line}
                       for f in result.failures]}


@cli.command("languages")
@click.pass_obj
def languages_command(project: Project) -> None:
    """List shipped languages with native name, direction and % translated."""
    rows, broken = [], 0
    for code in cat.shipped_languages(project.locales_dir):
        try:
            loaded = cat.load_catalog(cat.catalog_path(project.locales_dir, code), code)
        except HandoutError as exc:  # one broken catalog must not hide the others
            broken += 1
            rows.append((code, "-", "-", f"broken: {exc}"))
            continue
        lang = loaded.language
        rows.append((code, lang.native_name, lang.direction, f"{loaded.stats.percent:.0f}%"))
    _echo_table(rows)
    if broken:
        raise click.exceptions.Exit(1)


@cli.command("extract")
@click.pass_obj
def extract_command(project: Project) -> None:
    """Extract messages from the templates into locales/handouts.pot."""
    try:
        from . import sync  # only the catalog commands need Babel's extractors

        for domain in sync.DOMAINS:
            template = sync.extract(project, domain)
            written = sync.write_template(project, template, domain)
            count = sum(1 for m in template if m.id)
            state = "written" if written else "unchanged"
            click.echo(f"{_shown(project.pot_path(domain))}: {count} messages ({state}).")
    except HandoutError as exc:
        raise _Fail(exc) from None


@cli.command("update")
@lang_option
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is out of date.")
@click.pass_obj
def update_command(project: Project, languages: tuple[str, ...], check: bool) -> None:
    """Merge the templates' messages into every catalog (like msgmerge)."""
    try:
        from . import sync

        codes = _resolve(project, languages)
        pot_stale, results = sync.update(project, codes, check=check)
    except HandoutError as exc:
        raise _Fail(exc) from None
    verb = "out of date" if check else "updated"
    for pot in pot_stale:
        click.echo(f"{_shown(pot)}: {verb}")
    for r in results:
        if r.changed:
            click.echo(f"{_shown(r.path)}: {verb} ({r.added} new, {r.fuzzy} fuzzy,"
                       f" {r.obsolete} obsolete, {r.revived} revived)")
    stale = pot_stale or any(r.changed for r in results)
    if not stale:
        click.echo("All catalogs are up to date.")
    elif check:
        click.echo("Run: python generate.py update", err=True)
        raise click.exceptions.Exit(1)


@cli.command("init")
@click.argument("code")
@click.option("--translator", default="", help='Your name and e-mail, "Name <email>".')
@click.pass_obj
def init_command(project: Project, code: str, translator: str) -> None:
    """Create a catalog for a new language CODE (e.g. fr, pt_BR)."""
    try:
        from . import sync

        path = sync.init(project, code, translator=translator)
    except HandoutError as exc:
        raise _Fail(exc) from None
    click.echo(f"Created {_shown(path)}. Translate it, then run: python generate.py check")


@cli.command("check")
@click.argument("languages", nargs=-1, metavar="[LANG]...")
@click.pass_obj
def check_command(project: Project, languages: tuple[str, ...]) -> None:
    """Validate catalogs: one line per problem. Exit 1 on errors."""
    try:
        codes = _resolve(project, languages)
    except HandoutError as exc:
        raise _Fail(exc) from None
    found = check_languages(project.locales_dir, codes)
    problems = [p for code in codes for p in found[code]]
    for problem in problems:
        click.echo(str(problem).replace(str(problem.path), _shown(problem.path), 1))
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(codes)} catalog(s) checked: {errors} error(s), {warnings} warning(s).")
    if errors:
        raise click.exceptions.Exit(1)


@cli.command("stats")
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def stats_command(project: Project, languages: tuple[str, ...], as_json: bool) -> None:
    """Per language: translated, fuzzy, untranslated, obsolete, review status."""
    try:
        codes = _resolve(project, languages)
    except HandoutError as exc:
        raise _Fail(exc) from None
    rows = [stats_row(project.locales_dir, code) for code in codes]
    broken = any("error" in row for row in rows)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        if broken:
            raise click.exceptions.Exit(1)
        return
    header = ("language", "translated", "fuzzy", "untranslated", "obsolete", "%", "review",
              "revised")
    table = [header] + [tuple(str(r[k]) for k in (
        "language", "translated", "fuzzy", "untranslated", "obsolete", "percent", "review",
        "revised")) if "error" not in r else (str(r["language"]), f"broken: {r['error']}")
        for r in rows]
    _echo_table(table)
    if broken:
        raise click.exceptions.Exit(1)


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _echo_table(rows: Sequence[Sequence[str]]) -> None:
    """Aligned columns; a shorter row (a broken catalog's message) ends in one wide cell."""
    columns = max(len(row) for row in rows)
    widths = [max(_width(row[i]) for row in rows if len(row) == columns)
              for i in range(columns)]
    for row in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row[:-1], widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _shown(path: Path) -> str:
    return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)


def _resolve(project: Project, languages: tuple[str, ...]) -> list[str]:
    shipped = cat.shipped_languages(project.locales_dir)
    return [cat.resolve_language(c, shipped) for c in languages] or shipped


def main() -> None:
    cli(prog_name="generate.py")

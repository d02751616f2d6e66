"""Command line: a thin click layer. Commands validate, call one library function, report."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from . import catalog as cat
from .build import BuildOptions, Written, build
from .errors import HandoutError
from .pdf import check_system
from .project import Project
from .render import PAPERS

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
@click.pass_obj
def build_command(project: Project, languages: tuple[str, ...], papers: tuple[str, ...],
                  handouts: tuple[str, ...], out: Path, clinic: Path | None, html: bool,
                  allow_incomplete: bool) -> None:
    """Render PDF leaflets into OUT/<lang>/<handout>-<paper>.pdf."""
    try:
        for warning in check_system():
            click.echo(f"Warning: {warning}", err=True)
    except HandoutError as exc:
        raise _Fail(exc) from None
    options = BuildOptions(out=out.absolute(), languages=languages, papers=papers,
                           handouts=handouts, clinic=clinic, html=html,
                           allow_incomplete=allow_incomplete)

    def report(w: Written) -> None:
        shown = os.path.relpath(w.path) if w.path.is_relative_to(Path.cwd()) else w.path
        click.echo(f"{shown}  {w.pages} page{'s' if w.pages != 1 else ''}  {_size(w.size)}")

    try:
        result = build(project, options, on_written=report)
    except HandoutError as exc:
        raise _Fail(exc) from None
    total = len(result.written) + len(result.failures)
    click.echo(f"Built {len(result.written)} of {total} PDF(s) into {out}.")
    if result.failures:
        for failure in result.failures:
            click.echo(f"Failed: {failure}", err=True)
        raise click.exceptions.Exit(1)


@cli.command("languages")
@click.pass_obj
def languages_command(project: Project) -> None:
    """List shipped languages with native name, direction and % translated."""
    rows = []
    for code in cat.shipped_languages(project.locales_dir):
        try:
            loaded = cat.load_catalog(cat.catalog_path(project.locales_dir, code), code)
        except HandoutError as exc:
            raise _Fail(exc) from None
        lang = loaded.language
        rows.append((code, lang.native_name, lang.direction, f"{loaded.stats.percent:.0f}%"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for code, name, direction, pct in rows:
        click.echo(f"{code:<{widths[0]}}  {name:<{widths[1]}}  {direction:<{widths[2]}}  {pct:>4}")


def main() -> None:
    cli(prog_name="generate.py")

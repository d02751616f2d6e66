"""Command line: a thin click layer. Commands validate, call one library function, report."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shlex
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from . import catalog as cat
from .build import BuildOptions, BuildReport, Written, build
from .check import ERROR, check_languages
from .desk import DEFAULT_HOST, DEFAULT_PORT, DeskOptions, is_loopback, read_token, serve
from .domains import GALLERY, domains, handout_names
from .errors import HandoutError, TemplateError
from .gate import FAILED, PUBLISH, as_row, matrix, sign_off
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


def handout_option(f: F) -> F:
    return click.option("--handout", "handouts", multiple=True, metavar="NAME",
                        help="Handout name (a template in templates/handouts/). Repeatable;"
                             " default: all.")(f)


def _handouts(project: Project, names: tuple[str, ...]) -> list[str]:
    available = handout_names(project.templates_dir)
    for name in names:
        if name not in available:
            raise TemplateError(f"unknown handout {name!r}; available: {', '.join(available)}")
    return list(names) or available


class _Fail(click.ClickException):
    """A domain error shown as one line, exit code 1."""

    def __init__(self, error: HandoutError) -> None:
        super().__init__(str(error))


@dataclass(frozen=True)
class _Where:
    """How to find the project: ``--project DIR``, and ``generate.py``'s own folder."""

    explicit: Path | None = None
    fallback: Path | None = None


def pass_project(f: F) -> F:
    """Give the command its Project, found only when it runs (new-project needs none)."""

    @click.pass_context
    def wrapper(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        where = ctx.find_object(_Where) or _Where()
        try:
            project = Project.locate(where.explicit, fallback=where.fallback)
        except HandoutError as exc:
            raise click.UsageError(str(exc), ctx) from None
        return ctx.invoke(f, project, *args, **kwargs)

    return functools.update_wrapper(wrapper, f)  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
@click.option("--project", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Project folder with templates/ and locales/. Default: the"
                                 " current folder.")
@click.pass_context
def cli(ctx: click.Context, project: Path | None) -> None:
    """Printable multilingual patient handouts.

    Commands work on a project folder: the one given with --project, else the
    current folder when it holds templates/ and locales/. Start one with:
    handouts new-project DIR
    """
    ctx.obj = _Where(project, ctx.ensure_object(_Where).fallback)


@cli.command("build")
@lang_option
@click.option("--paper", "papers", type=click.Choice(list(PAPERS)), multiple=True,
              default=("a4",), show_default=True, help="Paper size. Repeatable.")
@click.option("--format", "formats", type=click.Choice(list(FORMATS)), multiple=True,
              default=("standard",), show_default=True,
              help="Leaflet format. Repeatable.")
@handout_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Output folder.")
@click.option("--clinic", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic settings (TOML), see clinic.example.toml.")
# Every build writes the accessible HTML beside each PDF; --html stays for old scripts.
@click.option("--html", is_flag=True, hidden=True)
@click.option("--allow-incomplete", is_flag=True,
              help="Build languages with missing translations (English fills the gaps,"
                   " with a banner on every page).")
@click.option("--strict", is_flag=True,
              help="Exit 1 when a leaflet is held back as unfinished, too.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of CPUs", help="Worker processes.")
@click.option("--force", is_flag=True, help="Rebuild documents whose inputs did not change.")
@click.option("--gallery-lang", default="en", show_default=True, metavar="CODE",
              help="Language of the gallery page OUT/index.html.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report for machines.")
@pass_project
def build_command(project: Project, languages: tuple[str, ...], papers: tuple[str, ...],
                  formats: tuple[str, ...], handouts: tuple[str, ...], out: Path,
                  clinic: Path | None, html: bool, allow_incomplete: bool, strict: bool,
                  jobs: int,
                  force: bool, gallery_lang: str, quiet: bool,
                  as_json: bool) -> None:
    """Render PDF leaflets into OUT/<lang>/<handout>-<paper>.pdf, each with its
    accessible HTML version beside it."""
    try:
        for warning in check_system():
            click.echo(f"Warning: {warning}", err=True)
    except HandoutError as exc:
        raise _Fail(exc) from None
    options = BuildOptions(out=out.absolute(), languages=languages, papers=papers,
                           formats=formats, handouts=handouts, clinic=clinic,
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
        click.echo(json.dumps(_report_json(result, time.perf_counter() - started, strict), indent=2,
                              ensure_ascii=False))
    elif not quiet:
        skipped = f", {len(result.skipped)} up to date" if result.skipped else ""
        held = f"; {len(result.held)} held back as unfinished" if result.held else ""
        failed = f"; {len(result.failures)} failed (see below)" if result.failures else ""
        click.echo(f"Built {len(result.written)} PDF(s) into {out}{skipped}{held}{failed}.")
        if result.gallery:
            click.echo(f"Gallery: {_shown(result.gallery)}")
    if not as_json and (strict or not quiet):
        for decision in result.held:
            c = decision.counts
            click.echo(f"Held back: {decision.language} {decision.handout}: {c.untranslated}"
                       f" untranslated and {c.fuzzy} fuzzy of {c.total} messages. See them"
                       f" with: python generate.py check --lang {decision.language}"
                       f" --handout {decision.handout}", err=strict)
    if result.failures and not as_json:
        for failure in result.failures:
            click.echo(f"Failed: {failure}", err=True)
    if result.failures or (strict and result.held):
        raise click.exceptions.Exit(1)


def _report_json(result: BuildReport, seconds: float, strict: bool) -> dict[str, object]:
    def doc(w: Written) -> dict[str, object]:
        return {"path": str(w.path), "language": w.language, "handout": w.handout,
                "paper": w.paper, "format": w.fmt, "pages": w.pages, "bytes": w.size}

    return {"ok": result.ok and not (strict and result.held), "seconds": round(seconds, 3),
            "gallery": str(result.gallery) if result.gallery else None,
            "written": [doc(w) for w in result.written],
            "up_to_date": [doc(w) | {"pages": None} for w in result.skipped],
            "held_back": [as_row(d) for d in result.held],
            "failed": [{"message": str(f), "language": f.language,
                        "path": str(f.path) if f.path else None, "line": f.line}
                       for f in result.failures]}


@cli.command("languages")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_project
def languages_command(project: Project, as_json: bool) -> None:
    """Shipped languages: native name, direction, and each handout's status."""
    codes = cat.shipped_languages(project.locales_dir)
    names = handout_names(project.templates_dir)
    cells = matrix(project.locales_dir, project.templates_dir, codes, names)
    rows: list[dict[str, object]] = []
    for code in codes:
        try:
            language = cat.Language(code=code, locale=cat.parse_locale(code))
            name, direction = language.native_name, language.direction
        except HandoutError:
            name = direction = "-"
        rows.append({"language": code, "name": name, "direction": direction,
                     "handouts": [as_row(d) for d in cells if d.language == code]})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        table = [("language", "name", "direction", *names)]
        for row in rows:
            mine = row["handouts"]
            assert isinstance(mine, list)
            broken = next((c["error"] for c in mine if c["error"]), None)
            table.append((str(row["language"]), str(row["name"]), str(row["direction"]),
                          *([f"broken: {broken}"] if broken else [_cell(c) for c in mine])))
        _echo_table(table)
    if any(d.status == FAILED for d in cells):
        raise click.exceptions.Exit(1)


def _cell(row: dict[str, object]) -> str:
    """One handout in one language, e.g. "published 30/30, reviewed"."""
    text = f"{row['status']} {row['translated']}/{row['total']}"
    if row["fuzzy"]:
        text += f", {row['fuzzy']} fuzzy"
    return text + (", source" if row["language"] == cat.SOURCE_LANGUAGE else
                   ", reviewed" if row["reviewed"] else "")


@cli.command("extract")
@pass_project
def extract_command(project: Project) -> None:
    """Extract messages from the templates into locales/<domain>.pot."""
    try:
        from . import sync  # only the catalog commands need Babel's extractors

        for domain in [*domains(project.templates_dir), GALLERY]:
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
@pass_project
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
@pass_project
def init_command(project: Project, code: str, translator: str) -> None:
    """Create a catalog for a new language CODE (e.g. fr, pt_BR)."""
    try:
        from . import sync

        paths = sync.init(project, code, translator=translator)
    except HandoutError as exc:
        raise _Fail(exc) from None
    for path in paths:
        click.echo(f"Created {_shown(path)}.")
    click.echo("Translate them, then run: python generate.py check")


@cli.command("migrate")
@pass_project
def migrate_command(project: Project) -> None:
    """Split each language's single handouts.po into one catalog per domain."""
    try:
        from . import sync

        paths = sync.migrate(project)
    except HandoutError as exc:
        raise _Fail(exc) from None
    for path in paths:
        click.echo(f"Wrote {_shown(path)}")
    click.echo(f"{len(paths)} catalog(s) written." if paths else "Nothing to migrate.")


@cli.command("review")
@click.argument("code", metavar="LANG")
@handout_option
@click.option("--by", required=True, metavar='"NAME, CREDENTIAL"',
              help='The reviewer, e.g. "Ana Ruiz, CoreCHI"; printed on the leaflet.')
@click.option("--date", "when", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              metavar="YYYY-MM-DD", help="Date of the review. Default: today.")
@pass_project
def review_command(project: Project, code: str, handouts: tuple[str, ...], by: str,
                   when: dt.datetime | None) -> None:
    """Sign off LANG's translation of the handouts as reviewed, exactly as it reads now.

    Recorded in locales/LANG/reviews.json. Changing any reviewed message later
    drops the "reviewed by" line from every leaflet that prints it.
    """
    try:
        code = _resolve(project, (code,))[0]
        names = _handouts(project, handouts)
        path, decisions = sign_off(project.locales_dir, project.templates_dir, code, names, by,
                                   when.date() if when else dt.date.today())
    except HandoutError as exc:
        raise _Fail(exc) from None
    for decision in decisions:
        click.echo(f"{code} {decision.handout}: {decision.counts.total} messages signed off.")
    click.echo(f"Recorded in {_shown(path)}.")


@cli.command("check")
@click.argument("positional", nargs=-1, metavar="[LANG]...")
@lang_option
@handout_option
@pass_project
def check_command(project: Project, positional: tuple[str, ...], languages: tuple[str, ...],
                  handouts: tuple[str, ...]) -> None:
    """Will it publish? Problems per catalog, then a verdict per language and handout.

    Exit 1 when anything blocks publication: an error, or an untranslated, fuzzy
    or stale message in a leaflet. Warnings alone exit 0.
    """
    try:
        codes = [c for c in _resolve(project, positional + languages)
                 if c != cat.SOURCE_LANGUAGE]
        names = _handouts(project, handouts)
    except HandoutError as exc:
        raise _Fail(exc) from None
    found = check_languages(project.locales_dir, codes)
    problems = [p for code in codes for p in found[code]]
    for problem in problems:
        click.echo(str(problem).replace(str(problem.path), _shown(problem.path), 1))
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    blocked = 0
    for decision in matrix(project.locales_dir, project.templates_dir, codes, names):
        if decision.status == PUBLISH:
            continue
        blocked += 1
        c = decision.counts
        click.echo(f"{decision.language} {decision.handout}: will not publish"
                   + (f": {decision.error}" if decision.status == FAILED else
                      f": {c.untranslated} untranslated, {c.fuzzy} fuzzy"))
        for msgid in decision.unfinished:
            click.echo(f"  unfinished: {cat.excerpt(msgid, 70)}")
    click.echo(f"{len(codes)} language(s) checked: {errors} error(s), {warnings} warning(s),"
               f" {blocked} leaflet(s) that will not publish.")
    if errors or blocked:
        raise click.exceptions.Exit(1)


@cli.command("stats")
@lang_option
@handout_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_project
def stats_command(project: Project, languages: tuple[str, ...], handouts: tuple[str, ...],
                  as_json: bool) -> None:
    """Per language and handout: translated, fuzzy, untranslated, published, reviewed."""
    try:
        codes = _resolve(project, languages)
        names = _handouts(project, handouts)
    except HandoutError as exc:
        raise _Fail(exc) from None
    rows = [as_row(d) for d in matrix(project.locales_dir, project.templates_dir, codes, names)]
    broken = any(row["error"] for row in rows)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        keys = ("language", "handout", "translated", "fuzzy", "untranslated", "percent",
                "status", "reviewed")
        _echo_table([("language", "handout", "translated", "fuzzy", "untranslated", "%",
                      "status", "reviewed")] + [
            (*(str(r[k]) for k in keys[:-1]), _reviewed(r)) if not r["error"] else
            (str(r["language"]), str(r["handout"]), f"broken: {r['error']}") for r in rows])
    if broken:
        raise click.exceptions.Exit(1)


def _reviewed(row: dict[str, object]) -> str:
    return ("source" if row["language"] == cat.SOURCE_LANGUAGE else
            "yes" if row["reviewed"] else "no")


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


@cli.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on. Any address but this machine's own (127.0.0.1,"
                   " ::1, localhost) needs --token-file.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="The build output it serves leaflets from.")
@click.option("--clinic", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic settings file (TOML), as for build; its paper is the default.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding the access code staff sign in with (16 characters or more).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Warm render processes for personalised leaflets.")
@click.option("--queue", type=click.IntRange(0, 1000), default=8, show_default=True,
              help="Requests that may wait for a worker; more are answered 503.")
@click.option("--allow-incomplete", is_flag=True,
              help="Print drafts of unfinished translations, as build --allow-incomplete.")
@click.option("--behind-proxy", is_flag=True,
              help="A TLS reverse proxy on this machine forwards to the desk (trust its"
                   " X-Forwarded-Proto). Needs --token-file.")
@pass_project
def serve_command(project: Project, host: str, port: int, out: Path, clinic: Path | None,
                  token_file: Path | None, workers: int, queue: int,
                  allow_incomplete: bool, behind_proxy: bool) -> None:
    """Run the print desk: a web page where staff find, personalise and print leaflets."""
    if token_file is None and (behind_proxy or not is_loopback(host)):
        where = "--behind-proxy" if behind_proxy else f"--host {host}"
        raise click.UsageError(f"{where} opens the print desk to the network; give an"
                               " access code with --token-file FILE (or keep the default,"
                               f" {DEFAULT_HOST})")
    try:
        check_system()
        token = read_token(token_file) if token_file else None
        options = DeskOptions(out=out.absolute(), clinic=clinic, token=token, workers=workers,
                              queue=queue, allow_incomplete=allow_incomplete,
                              behind_proxy=behind_proxy)

        def ready(server: Any) -> None:
            shown = f"[{host}]" if ":" in host else host
            click.echo(f"Print desk: http://{shown}:{server.effective_port}/  (Ctrl+C stops it)")

        serve(project, options, host, port, on_ready=ready)
    except HandoutError as exc:
        raise _Fail(exc) from None
    except OSError as exc:  # waitress binds the port, or cannot
        raise _Fail(HandoutError(f"cannot listen on {host}:{port}: {exc.strerror or exc};"
                                 " choose another --port or --host")) from None


@cli.command("new-project")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
def new_project_command(folder: Path) -> None:
    """Start a project in DIR, with one example handout.

    DIR must be new or empty. It gets templates/ (the shared layout, partials
    and gallery page, and the example templates/handouts/example.html) and
    locales/ with the .pot files, ready to build and to translate.
    """
    try:
        from .scaffold import new_project

        project = new_project(folder)
    except HandoutError as exc:
        raise _Fail(exc) from None
    pots = ", ".join(sorted(p.name for p in project.locales_dir.glob("*.pot")))
    for name in sorted(project.templates_dir.glob("handouts/*.html")):
        click.echo(f"Created {_shown(name)}, an example handout.")
    click.echo(f"Created {_shown(project.locales_dir)}/ with {pots}.")
    click.echo(f"Build it: cd {shlex.quote(_shown(project.root))} && handouts build")


def main(prog_name: str = "handouts", home: Path | None = None) -> None:
    """Run the command line; ``home`` is the project used when the current folder is none."""
    cli(prog_name=prog_name, obj=_Where(fallback=home))

"""Build: plan a batch of documents, render each, write output files safely.

One bad language never stops the others; every failure is collected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import catalog as cat
from .catalog import Language, LoadedCatalog, excerpt
from .check import ERROR, check_catalog
from .clinic import Clinic, load_clinic
from .errors import (
    CatalogError,
    HandoutError,
    LanguageError,
    MissingGlyphError,
    RenderError,
    TemplateError,
)
from .pdf import Renderer, remove_stale_temporaries, write_atomic
from .project import Project
from .render import PAPERS, handout_names, make_environment, render_html

PAGE_BUDGET = 2
GATE_LISTED = 3  # msgids quoted when the gate refuses a language


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    languages: Sequence[str] = ()  # empty: every shipped language
    papers: Sequence[str] = ("a4",)
    handouts: Sequence[str] = ()  # empty: every handout
    clinic: Path | None = None
    html: bool = False
    allow_incomplete: bool = False


@dataclass(frozen=True)
class Written:
    path: Path
    language: str
    handout: str
    paper: str
    pages: int
    size: int


@dataclass
class BuildReport:
    written: list[Written] = field(default_factory=list)
    failures: list[HandoutError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Plan:
    """Validated inputs: anything wrong here is a usage error, raised before building."""

    languages: list[str]
    papers: list[str]
    handouts: list[str]
    clinic: Clinic | None


def make_plan(project: Project, options: BuildOptions) -> Plan:
    shipped = cat.shipped_languages(project.locales_dir)
    if not shipped:
        raise LanguageError("no catalogs found; expected locales/<lang>/LC_MESSAGES/"
                            f"{cat.DOMAIN}.po", path=project.locales_dir)
    languages = [cat.resolve_language(code, shipped) for code in options.languages] or shipped
    available = handout_names(project.templates_dir)
    for name in options.handouts:
        if name not in available:
            raise TemplateError(f"unknown handout {name!r}; available: {', '.join(available)}")
    for paper in options.papers:
        if paper not in PAPERS:
            raise HandoutError(f"unknown paper {paper!r}; use one of: {', '.join(PAPERS)}")
    clinic = load_clinic(options.clinic) if options.clinic else None
    return Plan(
        languages=list(dict.fromkeys(languages)),
        papers=list(dict.fromkeys(options.papers)),
        handouts=list(dict.fromkeys(options.handouts)) or available,
        clinic=clinic,
    )


def output_path(out: Path, language: str, handout: str, paper: str, suffix: str = ".pdf") -> Path:
    return out / language / f"{handout}-{paper}{suffix}"


@dataclass(frozen=True)
class Gate:
    """The publication decision for one catalog."""

    incomplete: bool = False  # draft: banner on every page
    english_for: frozenset[str] = frozenset()  # broken translations shown in English


def gate(loaded: LoadedCatalog, allow_incomplete: bool) -> Gate:
    """Refuse a catalog with check errors, untranslated or fuzzy messages.

    With ``allow_incomplete`` it passes as a draft: English fills every gap.
    """
    stats = loaded.stats
    errors = [p for p in check_catalog(loaded) if p.severity == ERROR]
    if stats.complete and not errors:
        return Gate()
    if allow_incomplete:
        return Gate(True, frozenset(p.msgid for p in errors))
    code = loaded.language.code
    if errors:
        first = errors[0]
        raise CatalogError(
            f"not published: {len(errors)} error(s) in the catalog; first, line {first.line}:"
            f" {excerpt(first.msgid)}: {first.reason}. Run: python generate.py check {code}",
            path=loaded.path, language=code)
    missing = [m for m in loaded.messages()
               if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    examples = ", ".join(excerpt(str(m.id)) for m in missing[:GATE_LISTED])
    raise CatalogError(
        f"not published: {stats.untranslated} untranslated and {stats.fuzzy} fuzzy"
        f" message(s), e.g. {examples}. Translate them, or build a draft with"
        " --allow-incomplete", path=loaded.path, language=code)


def build(project: Project, options: BuildOptions,
          on_written: Callable[[Written], None] | None = None) -> BuildReport:
    """Render every requested handout x language x paper; collect failures."""
    plan = make_plan(project, options)
    report = BuildReport()
    if options.out.is_dir():
        remove_stale_temporaries(options.out)
    env = make_environment(project.templates_dir)
    allowed = [plan.clinic.logo] if plan.clinic and plan.clinic.logo else []
    renderer = Renderer(project.templates_dir, project.stylesheet, allowed)
    stylesheet_text = project.stylesheet.read_text("utf-8") if options.html else None

    for code in plan.languages:
        try:
            loaded = cat.load_catalog(cat.catalog_path(project.locales_dir, code), code)
            decision = gate(loaded, options.allow_incomplete)
        except HandoutError as exc:
            report.failures.append(exc)
            continue
        for handout in plan.handouts:
            for paper in plan.papers:
                try:
                    written = _build_one(options, plan, renderer, env, loaded, handout, paper,
                                         decision, stylesheet_text)
                except HandoutError as exc:
                    exc.language = exc.language or code
                    report.failures.append(exc)
                    continue
                report.written.append(written)
                if on_written:
                    on_written(written)
    return report


def _build_one(options: BuildOptions, plan: Plan, renderer: Renderer, env: jinja2.Environment,
               loaded: LoadedCatalog, handout: str, paper_name: str, decision: Gate,
               stylesheet_text: str | None) -> Written:
    language: Language = loaded.language
    paper = PAPERS[paper_name]

    def html(stylesheet: str | None = None) -> str:
        return render_html(env, handout, loaded, language, paper, clinic=plan.clinic,
                           incomplete=decision.incomplete, english_for=decision.english_for,
                           stylesheet=stylesheet)

    try:
        data, pages = renderer.render(html())
    except MissingGlyphError as exc:
        message = loaded.message_containing(exc.char)
        where = f" in the translation of {excerpt(str(message.id))}" if message else ""
        line = message.lineno if message else None
        raise MissingGlyphError(f"{exc.message}{where}; remove the character or install a"
                                " font that has it", char=exc.char, path=loaded.path,
                                line=line, language=language.code) from None
    if pages > PAGE_BUDGET:
        raise RenderError(f"{handout} on {paper_name} is {pages} pages; the limit is"
                          f" {PAGE_BUDGET}. Shorten the translation", path=loaded.path,
                          language=language.code)
    target = output_path(options.out, language.code, handout, paper_name)
    write_atomic(target, data)
    if options.html:
        write_atomic(target.with_suffix(".html"), html(stylesheet_text))
    return Written(target, language.code, handout, paper_name, pages, len(data))

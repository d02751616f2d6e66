"""Build: the stages that turn a project into leaflets, and nothing else.

``build()`` runs them in order, each a function of its own:

1. **plan**: every requested document, with the digest of exactly its inputs;
2. **gate**: skip what is up to date; decide the rest per (language, handout):
   publish, draft, hold back or fail; withdraw what no longer publishes;
3. **render**: the documents left, in worker processes (``workers.py``);
4. **record**: each result into the report and the manifest, as it finishes;
5. **gallery**: ``OUT/index.html``, rewritten on every build.

One bad language never stops the others; every failure is collected.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from . import __version__
from . import catalog as cat
from .clinic import Clinic, load_clinic
from .domains import GALLERY_FOLDER, domain_of, handout_names, templates_of
from .errors import HandoutError, LanguageError, TemplateError
from .gallery import write_gallery
from .gate import FAILED, HELD, PUBLISH, Decision, decide, from_record, to_record
from .output import MANIFEST, Manifest, output_path, remove_stale_temporaries, withdraw
from .pdf import font_fingerprint, has_harfbuzz_subset
from .project import Project
from .pseudo import PSEUDO
from .render import FORMATS, PAPERS
from .review import reviews_path
from .workers import Job, Settings, render_all
from .workers import Written as Written

__all__ = ["MANIFEST", "BuildOptions", "BuildReport", "Plan", "Written", "build", "make_plan",
           "output_path"]

# Libraries whose version changes the PDFs (CLDR data, sanitiser, QR, fonts, PDF writer).
VERSIONED = ("weasyprint", "babel", "jinja2", "nh3", "segno", "fonttools", "pydyf")

OnWritten = Callable[[Written], None]


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    languages: Sequence[str] = ()  # empty: every shipped language
    papers: Sequence[str] = ("a4",)
    formats: Sequence[str] = ("standard",)
    handouts: Sequence[str] = ()  # empty: every handout
    clinic: Path | None = None
    allow_incomplete: bool = False
    jobs: int = 1
    force: bool = False
    gallery: bool = True
    gallery_lang: str = "en"


@dataclass
class BuildReport:
    written: list[Written] = field(default_factory=list)
    skipped: list[Written] = field(default_factory=list)  # already up to date
    failures: list[HandoutError] = field(default_factory=list)
    gallery: Path | None = None  # OUT/index.html
    warnings: list[str] = field(default_factory=list)
    held: list[Decision] = field(default_factory=list)  # unfinished: not built, not failed

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, error: HandoutError) -> None:
        """Record a failure once: a broken shared catalog refuses every handout alike."""
        if str(error) not in map(str, self.failures):
            self.failures.append(error)


@dataclass(frozen=True)
class Plan:
    """Validated inputs: anything wrong here is a usage error, raised before building."""

    languages: list[str]
    papers: list[str]
    formats: list[str]
    handouts: list[str]
    clinic: Clinic | None
    gallery_lang: str = cat.SOURCE_LANGUAGE


def make_plan(project: Project, options: BuildOptions) -> Plan:
    if not project.locales_dir.is_dir():
        raise LanguageError("no catalogs found; expected locales/<lang>/LC_MESSAGES/"
                            "<domain>.po", path=project.locales_dir)
    shipped = cat.shipped_languages(project.locales_dir)
    languages = [cat.resolve_language(code, shipped) for code in options.languages] or shipped
    available = handout_names(project.templates_dir)
    for name in options.handouts:
        if name not in available:
            raise TemplateError(f"unknown handout {name!r}; available: {', '.join(available)}")
    for paper in options.papers:
        if paper not in PAPERS:
            raise HandoutError(f"unknown paper {paper!r}; use one of: {', '.join(PAPERS)}")
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise HandoutError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    clinic = load_clinic(options.clinic) if options.clinic else None
    gallery_lang = cat.resolve_language(options.gallery_lang, shipped)  # a typo is an error
    return Plan(
        languages=list(dict.fromkeys(languages)),
        papers=list(dict.fromkeys(options.papers)),
        formats=list(dict.fromkeys(options.formats)),
        handouts=list(dict.fromkeys(options.handouts)) or available,
        clinic=clinic,
        gallery_lang=gallery_lang,
    )


class Digests:
    """The digest of each document's own inputs, and of each gate decision's.

    A leaflet's inputs are its template and what it extends and includes
    (found from Jinja's AST), its domains' catalogs in its language (its
    handout's and ``common``) and the language's review sign-offs. Every
    document also depends on the code, the library versions and the fonts;
    its PDF, on the stylesheet and other template assets, the clinic file and
    logo, and the options too.
    """

    def __init__(self, project: Project, options: BuildOptions, plan: Plan) -> None:
        self.project = project
        self._locales = project.locales_dir.resolve()
        code = hashlib.sha256()
        for library in VERSIONED:
            code.update(f"{library} {metadata.version(library)}\n".encode())
        code.update(f"{__version__} harfbuzz-subset {has_harfbuzz_subset()}".encode())
        for path in sorted(Path(__file__).parent.glob("*.py")):
            code.update(path.name.encode() + b"\0" + path.read_bytes())
        code.update(font_fingerprint().encode())
        self.code = code
        self.gate = code.copy()
        self.gate.update(repr(options.allow_incomplete).encode())
        document = code.copy()
        document.update(repr(("pdf+html", options.allow_incomplete)).encode())
        # The stylesheet and images; not the gallery's script, which no leaflet reads.
        files = sorted(p for p in project.templates_dir.rglob("*")
                       if p.is_file() and p.suffix != ".html"
                       and p.relative_to(project.templates_dir).parts[0] != GALLERY_FOLDER)
        files += [p for p in (options.clinic, plan.clinic and plan.clinic.logo) if p]
        for path in files:
            document.update(str(path).encode() + b"\0" + path.read_bytes())
        self.document = document
        self._templates: dict[str, tuple[bytes, list[str]]] = {}
        self._files: dict[tuple[str, str | None], bytes] = {}
        self._leaflets: dict[tuple[str, str], bytes] = {}

    def _handout(self, handout: str) -> tuple[bytes, list[str]]:
        """The digest of the handout's template and what it extends and includes, and
        the catalog domains those templates print (from the AST: no extraction)."""
        if handout not in self._templates:
            templates = self.project.templates_dir
            names = templates_of(templates, f"handouts/{handout}.html")
            digest = hashlib.sha256()
            for name in names:
                digest.update(name.encode() + b"\0" + (templates / name).read_bytes())
            self._templates[handout] = (digest.digest(),
                                        sorted({domain_of(name) for name in names}))
        return self._templates[handout]

    def _file(self, code: str, domain: str | None) -> bytes:
        """The digest of a language's catalog of ``domain`` (None: its review sign-offs),
        once per build: ``common.po`` is read by every leaflet. Keyed by name, not
        Path: thousands of leaflets ask, and building Paths cost more than hashing."""
        key = (code, domain)
        if key not in self._files:
            locales = self.project.locales_dir
            path = (reviews_path(locales, code) if domain is None
                    else cat.catalog_path(locales, code, domain))
            data = _input_bytes(path)
            if data not in (b"-", b"?") and (
                    not path.resolve().is_relative_to(self._locales)
                    or (domain is None and path.is_symlink())):
                # A catalog linked out of the project, or sign-offs through any link:
                # the gate refuses them, even with the same text.
                data = b"refused link"
            self._files[key] = hashlib.sha256(data).digest()
        return self._files[key]

    def leaflet(self, code: str, handout: str) -> bytes:
        """The digest of one leaflet's own inputs: its templates, and its domains'
        catalogs in its language with the language's review sign-offs."""
        key = (code, handout)
        if key not in self._leaflets:
            templates, domains = self._handout(handout)
            data = templates
            if code not in PSEUDO and code != cat.SOURCE_LANGUAGE:
                data += self._file(code, None)
                for domain in domains:
                    data += domain.encode() + self._file(code, domain)
            self._leaflets[key] = data
        return self._leaflets[key]

    def of_decision(self, code: str, handout: str, leaflet: bytes | None = None) -> str:
        digest = self.gate.copy()
        digest.update(repr((code, handout)).encode())
        digest.update(self.leaflet(code, handout) if leaflet is None else leaflet)
        return digest.hexdigest()

    def of_document(self, code: str, handout: str, paper: str, fmt: str,
                    leaflet: bytes | None = None) -> str:
        digest = self.document.copy()
        digest.update(repr((code, handout, paper, fmt)).encode())
        digest.update(self.leaflet(code, handout) if leaflet is None else leaflet)
        return digest.hexdigest()


def _input_bytes(path: Path) -> bytes:
    """A file's bytes for a digest; a marker for what the gate will refuse anyway."""
    try:
        # One open and one fstat, for thousands of catalogs. O_NONBLOCK: opening a FIFO
        # must not wait for a writer; the size check and bounded read stop /dev/zero.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        # A link to nothing is refused by the gate; a missing file is untranslated.
        return b"dangling link" if os.path.lexists(path) else b"-"
    except OSError:  # unreadable
        return b"?"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO, a device
            return b"-"
        if info.st_size > cat.MAX_CATALOG_BYTES:
            return b"too large"
        with open(fd, "rb", closefd=False) as file:
            return file.read(cat.MAX_CATALOG_BYTES + 1)
    except OSError:
        return b"?"
    finally:
        os.close(fd)


# Stage 1 -------------------------------------------------------------------------------

def plan_documents(options: BuildOptions, plan: Plan, digests: Digests,
                   report: BuildReport) -> list[Job]:
    """Every requested document, in order, with the digest of its own inputs."""
    jobs = []
    for code in plan.languages:
        for handout in plan.handouts:
            try:
                leaflet = digests.leaflet(code, handout)
            except HandoutError as exc:  # a template that does not parse
                report.fail(exc)
                continue
            for paper in plan.papers:
                for fmt in plan.formats:
                    jobs.append(Job(code, handout, paper, fmt, Decision(code, handout, PUBLISH),
                                    digests.of_document(code, handout, paper, fmt, leaflet),
                                    output_path(options.out, code, handout, paper, fmt)))
    return jobs


# Stage 2 -------------------------------------------------------------------------------

def gate_documents(project: Project, options: BuildOptions, jobs: Sequence[Job],
                   manifest: Manifest, report: BuildReport,
                   on_written: OnWritten | None = None) -> list[Job]:
    """The documents to render, each with its leaflet's gate decision.

    Up-to-date documents are skipped: the gate is a function of inputs that
    are all in the digest, so they already passed it. A leaflet held back or
    failed is withdrawn from the output folder.
    """
    todo = []
    decisions: dict[tuple[str, str], Decision] = {}
    for job in jobs:
        if not options.force and manifest.up_to_date(job.target, job.digest):
            done = Written(job.target, job.language, job.handout, job.paper, 0,
                           job.target.stat().st_size, skipped=True, fmt=job.fmt)
            report.skipped.append(done)
            if on_written:
                on_written(done)
            continue
        key = (job.language, job.handout)
        if key not in decisions:
            decisions[key] = _decide(project, options, *key)
            _act_on(decisions[key], options.out, manifest, report)
        if decisions[key].publishes:
            todo.append(replace(job, gate=decisions[key]))
    return todo


def _decide(project: Project, options: BuildOptions, code: str, handout: str) -> Decision:
    if code in PSEUDO:
        return Decision(code, handout, PUBLISH)
    return decide(project.locales_dir, project.templates_dir, code, handout,
                  options.allow_incomplete)


def _act_on(decision: Decision, out: Path, manifest: Manifest, report: BuildReport) -> None:
    """Withdraw a leaflet that no longer publishes; report it held back or failed."""
    if decision.status not in (HELD, FAILED):
        return
    withdraw(out, decision.language, decision.handout, PAPERS, FORMATS, manifest)
    if decision.status == HELD:
        report.held.append(decision)
    else:
        assert decision.error is not None
        report.fail(decision.error)


# Stages 3 and 4 ------------------------------------------------------------------------

def render_documents(settings: Settings, jobs: Sequence[Job], processes: int,
                     manifest: Manifest, report: BuildReport,
                     on_written: OnWritten | None = None) -> None:
    """Render ``jobs``; record each as it finishes; the report keeps the jobs' order."""
    results: dict[int, Written | HandoutError] = {}
    for index, result in render_all(settings, jobs, processes):
        results[index] = result
        record(jobs[index], result, manifest, on_written)
    for index in sorted(results):
        result = results[index]
        if isinstance(result, HandoutError):
            report.failures.append(result)
        else:
            report.written.append(result)
            for warning in result.warnings:
                if warning not in report.warnings:
                    report.warnings.append(warning)


def record(job: Job, result: Written | HandoutError, manifest: Manifest,
           on_written: OnWritten | None = None) -> None:
    """A finished document: its digest into the manifest (a failure's out of it)."""
    if isinstance(result, HandoutError):
        manifest.drop(job.target)
        return
    manifest.set(job.target, job.digest)
    if on_written:
        on_written(result)


# Stage 5 -------------------------------------------------------------------------------

# The gallery's records of recent decisions, by the digest of their inputs, for builds
# into other folders from this process (tests, scripts): as sound as the manifest's.
_RECORDS: dict[str, dict[str, object]] = {}
_MAX_RECORDS = 4096


def gallery_decisions(project: Project, options: BuildOptions, digests: Digests,
                      manifest: Manifest) -> dict[tuple[str, str], Decision]:
    """Every shipped (language, handout) decision, from the manifest (or this process's
    recent builds) when its inputs are unchanged: the gallery shows them all, whatever
    this build rendered."""
    decisions = {}
    for code in cat.shipped_languages(project.locales_dir):
        for handout in handout_names(project.templates_dir):
            key = f"{code}/{handout}"
            try:
                digest = digests.of_decision(code, handout)
            except HandoutError:
                continue
            cached = manifest.decisions.get(key)
            decision = from_record(code, handout, cached, digest) if cached else None
            if decision is None:
                decision, remembered = _remembered(project, options, code, handout, digest)
                manifest.decide(key, dict(remembered))
            decisions[(code, handout)] = decision
    return decisions


def _remembered(project: Project, options: BuildOptions, code: str, handout: str,
                digest: str) -> tuple[Decision, dict[str, object]]:
    """The decision and its record, from this process's records if they hold it."""
    remembered = _RECORDS.get(digest)
    decision = from_record(code, handout, remembered, digest) if remembered else None
    if remembered is not None and decision is not None:
        return decision, remembered
    decision = _decide(project, options, code, handout)
    remembered = to_record(decision, digest)
    # Not a failure: it may come from the machine (a timeout, a file unreadable for
    # now), not from the inputs.
    if decision.status != FAILED:
        if len(_RECORDS) >= _MAX_RECORDS:
            _RECORDS.clear()
        _RECORDS[digest] = remembered
    return decision, remembered


def write_gallery_stage(project: Project, options: BuildOptions, plan: Plan,
                        decisions: Mapping[tuple[str, str], Decision],
                        report: BuildReport) -> None:
    """``OUT/index.html``, on every build: its language may differ from the last one."""
    try:
        gallery = write_gallery(project, options.out, plan.gallery_lang,
                                options.allow_incomplete, decisions=decisions)
    except HandoutError as exc:
        report.fail(exc)
        return
    report.gallery = gallery.path
    if gallery.failure:
        report.fail(gallery.failure)
    report.warnings += filter(None, [gallery.held])


# All stages ----------------------------------------------------------------------------

def build(project: Project, options: BuildOptions,
          on_written: OnWritten | None = None) -> BuildReport:
    """Render every requested handout x language x paper x format; collect failures.

    Documents whose inputs are unchanged since the last build into the same
    folder are skipped (``options.force`` renders them anyway); the rest are
    rendered by ``options.jobs`` worker processes. ``on_written`` hears of
    each document as it finishes.
    """
    plan = make_plan(project, options)
    report = BuildReport()
    if options.out.is_dir():
        remove_stale_temporaries(options.out)
    manifest = Manifest.read(options.out)
    digests = Digests(project, options, plan)
    jobs = plan_documents(options, plan, digests, report)
    todo = gate_documents(project, options, jobs, manifest, report, on_written)
    if todo:
        # These import WeasyPrint: only when rendering.
        from . import fontsubset, textlayer

        report.warnings += filter(None, [fontsubset.surface_warning(),
                                         textlayer.surface_warning()])
        render_documents(Settings(project, plan.clinic), todo, options.jobs,
                         manifest, report, on_written)
    if options.gallery and options.out.is_dir():
        decisions = gallery_decisions(project, options, digests, manifest)
        write_gallery_stage(project, options, plan, decisions, report)
    manifest.save()
    return report

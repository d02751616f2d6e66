"""Build: plan a batch of documents, render each, write output files safely.

One bad language never stops the others; every failure is collected.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from . import __version__
from . import catalog as cat
from .catalog import LoadedCatalog, excerpt
from .clinic import Clinic, load_clinic
from .domains import (
    GALLERY,
    GALLERY_FOLDER,
    HANDOUTS_FOLDER,
    handout_names,
    messages_in,
    printed,
    templates_of,
)
from .errors import (
    HandoutError,
    LanguageError,
    MissingGlyphError,
    OutputError,
    RenderError,
    TemplateError,
)
from .gallery import INDEX, write_gallery
from .gate import FAILED, HELD, PUBLISH, Decision, decide, leaflet_text
from .output import remove_stale_temporaries, write_atomic
from .pdf import (
    Renderer,
    font_fingerprint,
    has_harfbuzz_subset,
)
from .project import Project
from .pseudo import PSEUDO, pseudo_catalog
from .render import FORMATS, PAPERS, make_environment, printed_message, render_html
from .review import reviews_path
from .verify import CONTACTS, HELP_BOX, Expected, safety_problems

# Pages per format: the standard leaflet is two sides of one sheet.
PAGE_BUDGET = {"standard": 2, "bilingual": 4, "large-print": 6}


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    languages: Sequence[str] = ()  # empty: every shipped language
    papers: Sequence[str] = ("a4",)
    formats: Sequence[str] = ("standard",)
    handouts: Sequence[str] = ()  # empty: every handout
    clinic: Path | None = None
    html: bool = False
    allow_incomplete: bool = False
    jobs: int = 1
    force: bool = False
    gallery: bool = True
    gallery_lang: str = "en"


@dataclass(frozen=True)
class Written:
    path: Path
    language: str
    handout: str
    paper: str
    pages: int
    size: int
    skipped: bool = False
    fmt: str = "standard"


@dataclass
class BuildReport:
    written: list[Written] = field(default_factory=list)
    skipped: list[Written] = field(default_factory=list)  # already up to date
    failures: list[HandoutError] = field(default_factory=list)
    gallery: Path | None = None  # OUT/index.html, when (re)written
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
    cat.resolve_language(options.gallery_lang, shipped)  # a typo is an error, not English
    return Plan(
        languages=list(dict.fromkeys(languages)),
        papers=list(dict.fromkeys(options.papers)),
        formats=list(dict.fromkeys(options.formats)),
        handouts=list(dict.fromkeys(options.handouts)) or available,
        clinic=clinic,
    )


def output_path(out: Path, language: str, handout: str, paper: str,
                fmt: str = "standard") -> Path:
    """``OUT/<lang>/<handout>-<paper>[-<format>].pdf``."""
    suffix = "" if fmt == "standard" else f"-{fmt}"
    return out / language / f"{handout}-{paper}{suffix}.pdf"


MANIFEST = ".handouts-manifest.json"
# Libraries whose version changes the PDFs (CLDR data, sanitiser, QR, fonts, PDF writer).
VERSIONED = ("weasyprint", "babel", "jinja2", "nh3", "segno", "fonttools", "pydyf")
RECYCLE_AFTER = 20  # documents per worker process, to cap memory growth
RENDER_SECONDS = 120  # per document; a leaflet takes under 2 s
GRACE_SECONDS = 30  # then a worker that does not answer is replaced
RENDER_MEMORY = 2 * 2**30  # heap per worker; a leaflet needs about 300 MB


@dataclass(frozen=True)
class Job:
    """One document to render: everything a worker needs, and its input digest."""

    language: str
    handout: str
    paper: str
    fmt: str
    gate: Decision
    digest: str
    target: Path


class _Worker:
    """Per-process state, reused across documents: Jinja environment, WeasyPrint's
    font configuration and parsed CSS, and the catalogs already loaded."""

    def __init__(self, project: Project, options: BuildOptions, clinic: Clinic | None) -> None:
        self.project, self.options, self.clinic = project, options, clinic
        self.env = make_environment(project.templates_dir)
        allowed = [clinic.logo] if clinic and clinic.logo else []
        self.renderer = Renderer(project.templates_dir, project.stylesheet, allowed)
        self.stylesheet = project.stylesheet.read_text("utf-8") if options.html else None
        self.texts: dict[tuple[str, str], LoadedCatalog] = {}

    def text(self, code: str, handout: str) -> LoadedCatalog:
        """The leaflet's translations (English: an empty catalog), loaded once."""
        key = (code, handout)
        if key not in self.texts:
            templates, locales = self.project.templates_dir, self.project.locales_dir
            if code in PSEUDO:
                loaded = pseudo_catalog(printed(templates, handout), code,
                                        locales / cat.SOURCE_LANGUAGE)
            else:
                merged, _ = leaflet_text(locales, templates, code, handout)
                loaded = merged if merged is not None else _source_text(locales)
            self.texts[key] = loaded
        return self.texts[key]

    def run(self, job: Job) -> Written | HandoutError:
        try:
            return self._render(job, self.text(job.language, job.handout))
        except HandoutError as exc:
            exc.language = exc.language or job.language
            return exc
        except MemoryError:
            raise  # _work reports the limit
        except Exception as exc:  # one document's surprise must not stop the batch
            return RenderError(f"unexpected {type(exc).__name__} while rendering"
                               f" {job.target.name}: {exc}; please report it",
                               language=job.language)

    def _render(self, job: Job, loaded: LoadedCatalog) -> Written:
        language, paper = loaded.language, PAPERS[job.paper]
        if job.gate.status != PUBLISH and language.review is not None:
            language = replace(language, review=cat.Review(False))  # a draft is not reviewed

        def html(stylesheet: str | None = None) -> str:
            return render_html(self.env, job.handout,
                               None if language.is_source else loaded, language, paper,
                               clinic=self.clinic, incomplete=job.gate.incomplete,
                               english_for=job.gate.english_for, stylesheet=stylesheet,
                               fmt=job.fmt)

        try:
            data, pages = self.renderer.render(html())
        except MissingGlyphError as exc:
            message = loaded.message_containing(exc.char)
            where = f" in the translation of {excerpt(str(message.id))}" if message else ""
            raise MissingGlyphError(f"{exc.message}{where}; remove the character or install a"
                                    " font that has it", char=exc.char,
                                    path=loaded.path_of(message) if message else loaded.path,
                                    line=message.lineno if message else None,
                                    language=language.code) from None
        if pages > PAGE_BUDGET[job.fmt]:
            raise RenderError(f"{job.handout} ({job.fmt}, {job.paper}) is {pages} pages; the"
                              f" limit is {PAGE_BUDGET[job.fmt]}. Shorten the translation",
                              path=loaded.path, language=language.code)
        problems = safety_problems(data, self._expected(job, loaded, language))
        if problems:
            raise RenderError(f"not published: {problems[0]} ({job.handout}, {job.fmt},"
                              f" {job.paper}); check the translation of the \"Get help now\""
                              " box", path=loaded.path, language=language.code)
        write_atomic(job.target, data)
        if self.stylesheet is not None:
            write_atomic(job.target.with_suffix(".html"), html(self.stylesheet))
        return Written(job.target, job.language, job.handout, job.paper, pages, len(data),
                       fmt=job.fmt)


    def _expected(self, job: Job, loaded: LoadedCatalog, language: cat.Language) -> Expected:
        """The safety text this document must show, as it prints it, and the numbers."""
        templates = self.project.templates_dir
        clinic = self.clinic
        numbers = [(label, number) for label, number in (
            ("emergency", clinic.emergency if clinic else None),
            ("clinic phone", clinic.phone if clinic else None)) if number]
        catalog = None if language.is_source else loaded
        bilingual = job.fmt == "bilingual" and not language.is_source
        texts = []
        for template in (HELP_BOX, CONTACTS):
            for message in messages_in(templates, template):
                msgid = message.key[0]
                if "%(" in msgid or (template == CONTACTS and numbers):
                    continue  # the numbers are checked digit by digit; the generic line
                    # shows only without them
                texts.append((msgid, printed_message(catalog, msgid, job.gate.english_for)))
                if bilingual:
                    texts.append((msgid, msgid))
        if clinic and clinic.urdu_style == "nastaliq" and language.code == "ur":
            # PDFium reads back too little of Nastaliq's text layer to compare (the
            # text layer issue); its numbers are still checked.
            texts = [(msgid, printed) for msgid, printed in texts if printed == msgid]
        return Expected(texts, numbers, copies=2 if bilingual else 1)


_worker: _Worker | HandoutError | None = None


def _start_worker(project: Project, options: BuildOptions, clinic: Clinic | None) -> None:
    global _worker
    _limit_memory()
    try:
        _worker = _Worker(project, options, clinic)
    except HandoutError as exc:
        _worker = exc  # a pool whose initializer raises restarts workers forever


def _limit_memory() -> None:
    """Cap this worker's heap: a document that needs more fails, the batch goes on."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = RENDER_MEMORY if hard == resource.RLIM_INFINITY else min(RENDER_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


class _TooSlow(BaseException):  # not an Exception: run()'s catch-all must let it through
    """Raised by the alarm inside a document that takes too long."""


def _alarm(signum: int, frame: object) -> None:
    raise _TooSlow


def _work(job: Job) -> Written | HandoutError:
    assert _worker is not None
    if isinstance(_worker, HandoutError):
        failed = copy.copy(_worker)
        failed.language = failed.language or job.language
        return failed
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(RENDER_SECONDS)
    try:
        return _worker.run(job)
    except _TooSlow:
        return RenderError(f"{job.target.name} took more than {RENDER_SECONDS} s to lay out;"
                           " not published. Shorten the translation or simplify the logo",
                           language=job.language)
    except MemoryError:
        return RenderError(f"{job.target.name} needed more than {RENDER_MEMORY // 2**20} MB"
                           " of memory; not published. Shorten the translation or simplify"
                           " the logo", language=job.language)
    finally:
        signal.alarm(0)


def _source_text(locales_dir: Path) -> LoadedCatalog:
    """English: no translations; the templates are the text."""
    from babel import Locale

    language = cat.Language(code=cat.SOURCE_LANGUAGE, locale=Locale(cat.SOURCE_LANGUAGE))
    return LoadedCatalog(locales_dir / cat.SOURCE_LANGUAGE, cat.PoCatalog(locale="en"), {},
                         language)


def _shared_digest(project: Project, options: BuildOptions, plan: Plan) -> hashlib._Hash:
    """Inputs every document shares: code, versions, stylesheet and other template assets,
    fonts, clinic, options. Each document adds its own templates and catalogs."""
    digest = hashlib.sha256()
    for library in VERSIONED:
        digest.update(f"{library} {metadata.version(library)}\n".encode())
    digest.update(f"{__version__} harfbuzz-subset {has_harfbuzz_subset()}".encode())
    digest.update(repr((options.html, options.allow_incomplete)).encode())
    package = Path(__file__).parent
    files = sorted(package.glob("*.py")) + sorted(
        p for p in project.templates_dir.rglob("*") if p.is_file() and p.suffix != ".html")
    if options.clinic:
        files.append(options.clinic)
    if plan.clinic and plan.clinic.logo:
        files.append(plan.clinic.logo)
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    digest.update(font_fingerprint().encode())
    return digest


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _up_to_date(job: Job, manifest: dict[str, str], html: bool) -> bool:
    if manifest.get(str(job.target)) != job.digest or not job.target.is_file():
        return False
    return not html or job.target.with_suffix(".html").is_file()


def build(project: Project, options: BuildOptions,
          on_written: Callable[[Written], None] | None = None) -> BuildReport:
    """Render every requested handout x language x paper; collect failures.

    Documents whose inputs are unchanged since the last build into the same
    folder are skipped (``options.force`` renders them anyway); the rest are
    rendered by ``options.jobs`` worker processes.
    """
    plan = make_plan(project, options)
    report = BuildReport()
    if options.out.is_dir():
        remove_stale_temporaries(options.out)
    shared = _shared_digest(project, options, plan)
    manifest = _read_manifest(options.out)

    todo: list[Job] = []
    for code in plan.languages:
        for handout in plan.handouts:
            todo += _plan_documents(project, options, plan, manifest, shared, report, code,
                                    handout, on_written)

    if todo:
        from .fontsubset import surface_warning  # imports WeasyPrint: only when rendering

        report.warnings += filter(None, [surface_warning()])
    for job, result in zip(todo, _run(project, options, plan, todo), strict=True):
        if isinstance(result, HandoutError):
            report.failures.append(result)
            manifest.pop(str(job.target), None)
            continue
        report.written.append(result)
        manifest[str(job.target)] = job.digest
        if on_written:
            on_written(result)
    if todo and options.out.is_dir():
        # Merge with what a concurrent build may have recorded meanwhile. Without a
        # manifest the next build renders everything again: slower, still correct.
        ours = {str(job.target): manifest.get(str(job.target)) for job in todo}
        merged = {**_read_manifest(options.out), **ours}
        merged = {path: digest for path, digest in merged.items() if digest}
        with contextlib.suppress(OutputError):
            write_atomic(options.out / MANIFEST, json.dumps(merged, indent=0, sort_keys=True))
    index = options.out / INDEX
    page = _gallery_digest(project, options)
    if options.gallery and options.out.is_dir() and (
            report.written or report.held or not index.is_file()
            or _read_manifest(options.out).get(str(index)) != page):
        try:
            gallery_lang = cat.resolve_language(options.gallery_lang,
                                                cat.shipped_languages(project.locales_dir))
            gallery = write_gallery(project, options.out, gallery_lang, options.allow_incomplete)
            report.gallery = gallery.path
            if gallery.failure:
                report.fail(gallery.failure)
            report.warnings += filter(None, [gallery.held])
            with contextlib.suppress(OutputError):
                recorded = {**_read_manifest(options.out), str(index): page}
                write_atomic(options.out / MANIFEST, json.dumps(recorded, indent=0,
                                                                sort_keys=True))
        except HandoutError as exc:
            report.failures.append(exc)
    return report


def _gallery_digest(project: Project, options: BuildOptions) -> str:
    """The gallery page's own inputs: its templates, its catalogs, the code, its options."""
    digest = hashlib.sha256(repr((options.gallery_lang, options.allow_incomplete)).encode())
    files = [*sorted((project.templates_dir / GALLERY_FOLDER).rglob("*")),
             *sorted(project.locales_dir.glob(f"*/LC_MESSAGES/{GALLERY}.po")),
             *sorted(Path(__file__).parent.glob("*.py"))]
    for path in files:
        digest.update(str(path).encode() + b"\0" + _input_bytes(path))
    return digest.hexdigest()


def _template_bytes(project: Project, handout: str) -> bytes:
    """The handout's template and what it extends and includes, found from Jinja's AST:
    editing one handout re-renders only that handout."""
    data = b""
    for name in templates_of(project.templates_dir, f"{HANDOUTS_FOLDER}/{handout}.html"):
        data += name.encode() + b"\0" + (project.templates_dir / name).read_bytes()
    return data


def _catalog_bytes(project: Project, code: str, handout: str) -> bytes:
    """The bytes of the catalogs one leaflet reads (its handout's and common), and of
    the language's review sign-offs, which decide its "reviewed by" line."""
    if code in PSEUDO or code == cat.SOURCE_LANGUAGE:
        return b""
    domains = sorted({m.domain for m in printed(project.templates_dir, handout)})
    data = b""
    for name, path in [("reviews", reviews_path(project.locales_dir, code)),
                       *((d, cat.catalog_path(project.locales_dir, code, d)) for d in domains)]:
        data += name.encode() + b"\0" + _input_bytes(path)
    return data


def _input_bytes(path: Path) -> bytes:
    """A file's bytes for a digest; a marker for what the gate will refuse anyway."""
    try:
        if not path.is_file():
            return b"-"
        if path.stat().st_size > cat.MAX_CATALOG_BYTES:
            return b"too large"
        return path.read_bytes()
    except OSError:
        return b"?"


def _plan_documents(project: Project, options: BuildOptions, plan: Plan,
                    manifest: dict[str, str], shared: hashlib._Hash, report: BuildReport,
                    code: str, handout: str,
                    on_written: Callable[[Written], None] | None) -> list[Job]:
    """One (language, handout): skip what is up to date, gate the rest, hold back or fail."""
    base = shared.copy()
    try:
        base.update(_template_bytes(project, handout))
        base.update(_catalog_bytes(project, code, handout))
    except HandoutError as exc:
        report.fail(exc)
        return []
    jobs = []
    for paper in plan.papers:
        for fmt in plan.formats:
            one = base.copy()
            one.update(repr((code, handout, paper, fmt)).encode())
            jobs.append(Job(code, handout, paper, fmt, Decision(code, handout, PUBLISH),
                            one.hexdigest(), output_path(options.out, code, handout, paper,
                                                         fmt)))
    fresh = [] if options.force else [
        job for job in jobs if _up_to_date(job, manifest, options.html)]
    for job in fresh:
        done = Written(job.target, job.language, job.handout, job.paper, 0,
                       job.target.stat().st_size, skipped=True, fmt=job.fmt)
        report.skipped.append(done)
        if on_written:
            on_written(done)
    if len(fresh) == len(jobs):
        # The gate is a function of the catalogs' bytes, the templates and the options,
        # all in the digest, so an up-to-date document already passed it.
        return []
    if code in PSEUDO:
        decision = Decision(code, handout, PUBLISH)
    else:
        decision = decide(project.locales_dir, project.templates_dir, code, handout,
                          options.allow_incomplete)
    if decision.status in (HELD, FAILED):
        _withdraw(options.out, code, handout, manifest)
    if decision.status == HELD:
        report.held.append(decision)
        return []
    if decision.status == FAILED:
        assert decision.error is not None
        report.fail(decision.error)
        return []
    return [replace(job, gate=decision) for job in jobs if job not in fresh]


def _withdraw(out: Path, code: str, handout: str, manifest: dict[str, str]) -> None:
    """Remove the older PDFs and previews of a leaflet that the content no longer
    publishes, on every paper and in every format, not only the ones requested."""
    for paper in PAPERS:
        for fmt in FORMATS:
            target = output_path(out, code, handout, paper, fmt)
            for path in (target, target.with_suffix(".html")):
                path.unlink(missing_ok=True)
            manifest.pop(str(target), None)


def _run(project: Project, options: BuildOptions, plan: Plan,
         jobs: list[Job]) -> Iterator[Written | HandoutError]:
    """Results in job order, from a pool of forked worker processes.

    Always processes, even for one job: each document runs under the worker's
    time and memory limits. A worker that stops answering (stuck in C code, or
    killed) is replaced with the rest of the batch; its document fails.
    """
    # fork: workers inherit the imported modules; WeasyPrint itself is imported in
    # each worker (not thread-safe, so processes), once per RECYCLE_AFTER documents.
    context = multiprocessing.get_context("fork")
    pending = list(jobs)
    while pending:
        workers = max(1, min(options.jobs, len(pending)))
        with context.Pool(workers, _start_worker, (project, options, plan.clinic),
                          maxtasksperchild=RECYCLE_AFTER) as pool:
            results = pool.imap(_work, pending, chunksize=1)
            for index, job in enumerate(pending):
                try:
                    result = results.next(timeout=RENDER_SECONDS + GRACE_SECONDS)
                except multiprocessing.TimeoutError:
                    yield RenderError(f"{job.target.name}: its worker stopped answering for"
                                      f" {RENDER_SECONDS + GRACE_SECONDS} s; not published",
                                      language=job.language)
                    pending = pending[index + 1:]
                    break  # leaving the block terminates the pool; a new one takes the rest
                yield result
            else:
                pending = []

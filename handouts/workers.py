"""Workers: render documents in forked processes, each under a time and a memory limit.

A worker keeps what is costly to set up (the Jinja environment, WeasyPrint's
fonts and parsed CSS, the catalogs it loaded) across documents. One document's
failure is its own: the batch goes on, and a worker that stops answering is
replaced.
"""

from __future__ import annotations

import copy
import functools
import gc
import multiprocessing
import queue
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from . import catalog as cat
from .catalog import LoadedCatalog, excerpt
from .clinic import Clinic
from .domains import messages_in, printed
from .errors import HandoutError, MissingGlyphError, RenderError
from .gate import PUBLISH, Decision, leaflet_text
from .output import write_atomic
from .pdf import Renderer, preload_renderer
from .personal import Personal
from .project import Project
from .pseudo import PSEUDO, pseudo_catalog
from .render import (
    PAPERS,
    Second,
    compile_templates,
    make_environment,
    preload_locales,
    printed_message,
    render_html,
)
from .verify import CONTACTS, HELP_BOX, Expected, safety_problems

_T = TypeVar("_T")
# Pages per format: the standard leaflet is two sides of one sheet.
PAGE_BUDGET = {"standard": 2, "bilingual": 4, "large-print": 6}
RECYCLE_AFTER = 20  # documents per worker process, to cap memory growth
RENDER_SECONDS = 120  # per document; a leaflet takes under 2 s
GRACE_SECONDS = 30  # then a worker that does not answer is replaced
RENDER_MEMORY = 2 * 2**30  # heap per worker; a leaflet needs about 300 MB
POLL_SECONDS = 1.0  # how often the batch looks for a stuck worker


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
    personal: Personal | None = None  # the print desk's, rendered in memory only
    second: str = cat.SOURCE_LANGUAGE  # a bilingual leaflet's other language
    second_gate: Decision | None = None  # its decision, when not English


@dataclass(frozen=True)
class Written:
    """One document in the output folder: rendered now, or already up to date."""

    path: Path
    language: str
    handout: str
    paper: str
    pages: int
    size: int
    skipped: bool = False
    fmt: str = "standard"
    warnings: tuple[str, ...] = ()  # what was correct but not as finished as it should be


@dataclass(frozen=True)
class Settings:
    """What every document of a batch shares."""

    project: Project
    clinic: Clinic | None = None


class DocumentRenderer:
    """Per-process state, reused across documents."""

    def __init__(self, settings: Settings) -> None:
        project, clinic = settings.project, settings.clinic
        self.project, self.clinic = project, clinic
        self.env = make_environment(project.templates_dir)
        allowed = [clinic.logo] if clinic and clinic.logo else []
        self.renderer = Renderer(project.templates_dir, project.stylesheet, allowed)
        self.stylesheet = project.stylesheet.read_text("utf-8")
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
                loaded = merged if merged is not None else source_text(locales)
            self.texts[key] = loaded
        return self.texts[key]

    def run(self, job: Job) -> Written | HandoutError:
        """Render, check and write one document; its problems are returned, not raised."""
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

    def make(self, job: Job) -> tuple[bytes, int] | HandoutError:
        """Render and check one document in memory (the print desk's); nothing is
        written. Its problems are returned, not raised."""
        # A long-lived worker: the catalogs are read again (cheap when unchanged), so an
        # edit is printed as soon as the gate publishes it.
        self.texts.pop((job.language, job.handout), None)
        self.texts.pop((job.second, job.handout), None)
        try:
            data, pages, _html = self._make(job, self.text(job.language, job.handout))
        except HandoutError as exc:
            exc.language = exc.language or job.language
            return exc
        except MemoryError:
            raise
        except Exception as exc:
            return RenderError(f"unexpected {type(exc).__name__} while rendering"
                               f" {job.target.name}; please report it", language=job.language)
        return data, pages

    def _render(self, job: Job, loaded: LoadedCatalog) -> Written:
        data, pages, html = self._make(job, loaded)
        # The accessible version first: a PDF is never listed without it.
        write_atomic(job.target.with_suffix(".html"), html(True))
        write_atomic(job.target, data)
        return Written(job.target, job.language, job.handout, job.paper, pages, len(data),
                       fmt=job.fmt, warnings=self.renderer.problems)

    def _make(self, job: Job, loaded: LoadedCatalog
              ) -> tuple[bytes, int, Callable[[bool], str]]:
        """The PDF, its page count, and the HTML it was made from (standalone or not),
        after the page budget and the safety checks."""
        language, paper = loaded.language, PAPERS[job.paper]
        if job.gate.status != PUBLISH and language.review is not None:
            language = replace(language, review=cat.Review(False))  # a draft is not reviewed

        def html(standalone: bool = False) -> str:
            return render_html(self.env, job.handout,
                               None if language.is_source else loaded, language, paper,
                               clinic=self.clinic, incomplete=job.gate.incomplete,
                               english_for=job.gate.english_for,
                               stylesheet=self.stylesheet if standalone else None,
                               fmt=job.fmt, personal=job.personal, second=self.second(job))

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
        if pages > PAGE_BUDGET[job.fmt] and job.personal:
            raise RenderError(f"with the personal details, {job.handout} ({job.fmt},"
                              f" {job.paper}) is {pages} pages; the limit is"
                              f" {PAGE_BUDGET[job.fmt]}. "
                              + ("Shorten the note, or choose large print" if job.personal.note
                                 else "Choose large print, or print it without them"),
                              language=language.code)
        if pages > PAGE_BUDGET[job.fmt]:
            raise RenderError(f"{job.handout} ({job.fmt}, {job.paper}) is {pages} pages; the"
                              f" limit is {PAGE_BUDGET[job.fmt]}. Shorten the translation",
                              path=loaded.path, language=language.code)
        problems = safety_problems(data, self._expected(job, loaded, language))
        if problems:
            raise RenderError(f"not published: {problems[0]} ({job.handout}, {job.fmt},"
                              f" {job.paper}); check the translation of the \"Get help now\""
                              " box", path=loaded.path, language=language.code)
        return data, pages, html

    def second(self, job: Job) -> Second:
        """The other language of a bilingual document: English, or the print desk's."""
        if job.second == cat.SOURCE_LANGUAGE:
            return Second(self.text(cat.SOURCE_LANGUAGE, job.handout).language)
        other = self.text(job.second, job.handout)
        return Second(other.language, other,
                      job.second_gate.english_for if job.second_gate else frozenset())

    def _expected(self, job: Job, loaded: LoadedCatalog, language: cat.Language) -> Expected:
        """The safety text this document must show, as it prints it, and the numbers."""
        templates = self.project.templates_dir
        clinic = self.clinic
        numbers = [(label, number) for label, number in (
            ("emergency", clinic.emergency if clinic else None),
            ("clinic phone", clinic.phone if clinic else None)) if number]
        catalog = None if language.is_source else loaded
        second = self.second(job)
        bilingual = job.fmt == "bilingual" and second.language.code != language.code
        texts = []
        for template in (HELP_BOX, CONTACTS):
            for message in messages_in(templates, template):
                msgid = message.key[0]
                if "%(" in msgid or (template == CONTACTS and numbers):
                    continue  # the numbers are checked digit by digit; the generic line
                    # shows only without them
                texts.append((msgid, printed_message(catalog, msgid, job.gate.english_for)))
                if bilingual:
                    texts.append((msgid, printed_message(second.catalog, msgid,
                                                         second.english_for)))
        personal = job.personal
        typed = " ".join((personal.name, personal.clinician, personal.note)) if personal else ""
        return Expected(texts, numbers, copies=2 if bilingual else 1, typed=typed)


def source_text(locales_dir: Path) -> LoadedCatalog:
    """English: no translations; the templates are the text."""
    from babel import Locale

    language = cat.Language(code=cat.SOURCE_LANGUAGE, locale=Locale(cat.SOURCE_LANGUAGE))
    return LoadedCatalog(locales_dir / cat.SOURCE_LANGUAGE, cat.PoCatalog(locale="en"), {},
                         language)


# This worker process's renderer, or why it could not start.
_renderer: DocumentRenderer | HandoutError | None = None
_started: Any = None  # shared array: when each job started (0: not yet)


def _start_worker(settings: Settings, started: Any) -> None:
    global _renderer, _started
    # What this process inherited is never garbage: collections here must not walk it
    # (and copy it, page by page). 35 ms of each worker's first document.
    gc.freeze()
    _started = started
    _limit_memory()
    try:
        _renderer = DocumentRenderer(settings)
    except HandoutError as exc:
        _renderer = exc  # a pool whose initializer raises restarts workers forever
    except Exception as exc:
        _renderer = RenderError(f"the renderer could not start: {type(exc).__name__}: {exc};"
                                " run scripts/setup.sh, then report it if it persists")


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


def _work(index: int, job: Job) -> tuple[int, Written | HandoutError]:
    _started[index] = time.monotonic()
    return index, _limited(job, lambda renderer: renderer.run(job))


def make_in_worker(job: Job) -> tuple[bytes, int] | HandoutError:
    """The print desk's worker function: one document in memory, under the limits."""
    return _limited(job, lambda renderer: renderer.make(job))


def _limited(job: Job, run: Callable[[DocumentRenderer], _T]) -> _T | HandoutError:
    """``run`` on this worker's renderer, under the time and memory limits."""
    if not isinstance(_renderer, DocumentRenderer):
        assert _renderer is not None
        failed = copy.copy(_renderer)
        failed.language = failed.language or job.language
        return failed
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(RENDER_SECONDS)
    try:
        return run(_renderer)
    except _TooSlow:
        return RenderError(f"{_named(job)} took more than {RENDER_SECONDS} s to lay out;"
                           f" not published. {_advice(job)}", language=job.language)
    except MemoryError:
        return RenderError(f"{_named(job)} needed more than"
                           f" {RENDER_MEMORY // 2**20} MB of memory; not published."
                           f" {_advice(job)}", language=job.language)
    finally:
        signal.alarm(0)


def _named(job: Job) -> str:
    return "the leaflet with the personal details" if job.personal else job.target.name


def _advice(job: Job) -> str:
    if job.personal:
        return "Shorten the note, or print without the personal details"
    return "Shorten the translation or simplify the logo"


def start_desk_worker(settings: Settings) -> None:
    """The print desk's pool initializer: a renderer with its fonts and CSS loaded, and
    WeasyPrint warmed by one small page, so that the first patient does not wait."""
    global _renderer
    _start_worker(settings, None)
    if isinstance(_renderer, DocumentRenderer):
        try:
            _renderer.renderer.render('<html lang="en"><head><title>warm</title></head>'
                                      "<body><p>Ready.</p></body></html>")
        except Exception as exc:  # an initializer that raises is restarted forever
            _renderer = RenderError(f"the renderer could not start: {type(exc).__name__}:"
                                    f" {exc}; run scripts/setup.sh")


def _lost(results: queue.SimpleQueue[tuple[int, Written | HandoutError]], index: int,
          job: Job, error: BaseException) -> None:
    results.put((index, RenderError(f"{job.target.name}: its worker failed"
                                    f" ({type(error).__name__}: {error}); not published",
                                    language=job.language)))


def _preload(settings: Settings, jobs: Sequence[Job]) -> None:
    """Load here, once, what every worker forked from this process would otherwise load
    for its first document (tests/test_stages.py checks a worker's first document)."""
    compile_templates(settings.project.templates_dir, {job.handout for job in jobs})
    codes = {code for job in jobs for code in (job.language, job.second)}
    clinic = settings.clinic
    steps: tuple[Callable[[], object], ...] = (
        lambda: preload_locales(codes), preload_renderer,
        lambda: clinic and clinic.website_qr)  # a cached property: encoded once
    for step in steps:
        with suppress(Exception):  # only a head start: a worker meets it and reports it
            step()


def render_all(settings: Settings, jobs: Sequence[Job], processes: int
               ) -> Iterator[tuple[int, Written | HandoutError]]:
    """(index in ``jobs``, result) for every job, as each document finishes.

    Always in forked worker processes, even for one job, so that each document
    runs under the time and memory limits. A worker that stops answering (stuck
    in C code, or killed) fails its document; the pool is replaced and takes
    the rest of the batch.
    """
    # fork: workers inherit the imported modules and what _preload loaded; each builds
    # its own renderer (WeasyPrint is not thread-safe, so processes), and is replaced
    # after RECYCLE_AFTER documents.
    context = multiprocessing.get_context("fork")
    _preload(settings, jobs)
    pending = list(range(len(jobs)))
    while pending:
        started = context.RawArray("d", len(jobs))
        results: queue.SimpleQueue[tuple[int, Written | HandoutError]] = queue.SimpleQueue()
        with context.Pool(max(1, min(processes, len(pending))), _start_worker,
                          (settings, started), maxtasksperchild=RECYCLE_AFTER) as pool:
            for index in pending:
                pool.apply_async(_work, (index, jobs[index]), callback=results.put,
                                 error_callback=functools.partial(_lost, results, index,
                                                                  jobs[index]))
            waiting = set(pending)
            pending = []
            checked = time.monotonic()
            while waiting:
                try:
                    index, result = results.get(timeout=POLL_SECONDS)
                    waiting.discard(index)
                    yield index, result
                except queue.Empty:
                    pass
                if time.monotonic() - checked < POLL_SECONDS:
                    continue
                checked = now = time.monotonic()
                limit = RENDER_SECONDS + GRACE_SECONDS
                stuck = sorted(i for i in waiting if started[i] and now - started[i] > limit)
                while stuck and not results.empty():  # answered just now: not stuck
                    index, result = results.get()
                    waiting.discard(index)
                    stuck = [i for i in stuck if i != index]
                    yield index, result
                for index in stuck:
                    yield index, RenderError(
                        f"{jobs[index].target.name}: its worker stopped answering for"
                        f" {limit} s; not published", language=jobs[index].language)
                if stuck:
                    # Leaving the block terminates the pool; a new one takes the rest.
                    pending = sorted(waiting.difference(stuck))
                    break

"""Print desk: a web page where clinic staff find, personalise and print a leaflet.

A Flask application (served by waitress, see :func:`serve`) over the same stages as
``build``: the gate decides whether a leaflet prints, warm worker processes render
it with the build's code and checks. Leaflets without personal details come from
the build output when they are up to date, else from a memory cache keyed by the
document digest. Personal details (:mod:`handouts.personal`) are rendered on
request, in memory, and never written, logged or cached. docs/PRINT_DESK.md says
how to run it and why these libraries.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import io
import ipaddress
import logging
import multiprocessing
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import catalog as cat
from . import workers
from .build import BuildOptions, Digests, make_plan
from .clinic import Clinic
from .domains import handout_names
from .errors import DeskError, HandoutError, MissingGlyphError, PersonalError
from .gallery import SCRIPT
from .gate import Decision, decide, leaflet_text
from .output import MANIFEST, Manifest, output_path
from .pdf import missing_glyph
from .personal import FIELDS, LABELS, MAX_LENGTH, Personal, parse_personal
from .project import Project
from .render import FORMATS, PAPERS, handout_title, make_environment
from .workers import Job, Settings, make_in_worker, start_desk_worker

if TYPE_CHECKING:
    from flask import Flask, Response

UI = Path(__file__).parent / "desk_ui"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
MAX_FORM_BYTES = 16 * 1024  # the largest honest form is about 2 KB
MAX_QUERY = 100  # characters of a search
CACHED_DOCUMENTS = 64  # leaflets without personal details, in memory
RETRY_AFTER = 10  # seconds, when every worker and queue place is taken
PREVIEW_WIDTH = 360  # pixels
TOKEN_COOKIE, CSRF_COOKIE = "desk_session", "desk_csrf"
MIN_TOKEN = 16  # characters
STATIC_SUFFIXES = {".pdf": "application/pdf", ".html": "text/html", ".png": "image/png",
                   ".js": "text/javascript"}  # .js: only the gallery's own script
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
       " frame-ancestors 'none'; base-uri 'none'")
# The gallery's search runs from its own file (gallery.js), never inline.
GALLERY_CSP = CSP.replace("style-src 'self'", "script-src 'self'; style-src 'self' 'unsafe-inline'")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
SESSION_SECONDS = 12 * 3600  # a signed-in browser signs in again after a working day
PAPER_LABELS = {"a4": "A4 (210 × 297 mm)", "letter": "US Letter (8.5 × 11 in)"}
LOG = logging.getLogger("handouts.desk")


@dataclass(frozen=True)
class DeskOptions:
    """How the print desk runs: the build output it serves, and its limits."""

    out: Path
    clinic: Path | None = None
    token: str | None = None  # required on any address but loopback
    workers: int = 2
    queue: int = 8  # requests that may wait for a worker; more get 503
    allow_incomplete: bool = False
    behind_proxy: bool = False  # a TLS proxy on this machine forwards to it


class Busy(DeskError):
    """Every worker is busy and the queue is full: try again shortly."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token(path: Path) -> str:
    """The access token in ``path`` (one line, at least 16 characters)."""
    try:
        token = path.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise DeskError(f"cannot read the token file: {exc}", path=path) from None
    if len(token) < MIN_TOKEN or not token.isprintable():
        raise DeskError(f"the token must be one line of at least {MIN_TOKEN} printable"
                        " characters; make one with: python3 -c 'import secrets;"
                        " print(secrets.token_urlsafe(32))'", path=path)
    return token


class Renders:
    """Warm worker processes behind a bounded queue."""

    def __init__(self, settings: Settings, workers: int, queue: int) -> None:
        self.settings, self.workers = settings, workers
        self.slots = threading.BoundedSemaphore(workers + queue)
        self.lock = threading.Lock()
        self.pool = self._start()

    def _start(self) -> Any:
        # fork: the workers inherit the imported code; each loads fonts and CSS once.
        context = multiprocessing.get_context("fork")
        return context.Pool(self.workers, start_desk_worker, (self.settings,),
                            maxtasksperchild=200)

    def render(self, job: Job) -> tuple[bytes, int]:
        """The PDF and its page count; :class:`Busy` when the queue is full."""
        if not self.slots.acquire(blocking=False):
            raise Busy("every print worker is busy; try again in a few seconds")
        try:
            result = self._wait(job)
        finally:
            self.slots.release()
        if isinstance(result, HandoutError):
            raise result
        data, pages = result
        return data, pages

    def _wait(self, job: Job) -> tuple[bytes, int] | HandoutError:
        """The worker's answer. The worker's own alarm fires first; the deadline here
        catches one stuck in C code. A job whose pool another request replaced (its
        worker stuck) goes to the new pool, instead of waiting out its own deadline."""
        deadline = time.monotonic() + workers.RENDER_SECONDS + workers.GRACE_SECONDS
        while True:
            with self.lock:
                pool = self.pool
                pending = pool.apply_async(make_in_worker, (job,))
            while True:
                try:
                    result: tuple[bytes, int] | HandoutError = pending.get(
                        timeout=workers.POLL_SECONDS)
                    return result
                except multiprocessing.TimeoutError:
                    if self.pool is not pool:
                        # Replaced: submit again, within the first deadline (a job that
                        # was itself stuck must not wait twice), or one grace period.
                        deadline = max(deadline, time.monotonic() + workers.GRACE_SECONDS)
                        break
                    if time.monotonic() >= deadline:
                        self._restart(pool)
                        raise DeskError("the leaflet took too long to render; try again, or"
                                        " print it without the personal details") from None

    def _restart(self, stuck: Any) -> None:
        """A new pool for a stuck one, once: other requests that were waiting on the
        same pool find it already replaced."""
        with self.lock:
            if self.pool is stuck:
                self.pool = self._start()
        stuck.terminate()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    english: str
    native: str
    direction: str
    tag: str


@dataclass
class Library:
    """What the desk offers: languages, handouts and titles, read from the project."""

    project: Project
    options: DeskOptions
    env: Any = field(init=False)
    titles: dict[tuple[str, str], str] = field(init=False, default_factory=dict)
    decisions: dict[tuple[str, str], Decision] = field(init=False, default_factory=dict)
    stamp: tuple[tuple[str, int, int], ...] = field(init=False, default=())
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.env = make_environment(self.project.templates_dir)

    def refresh(self) -> None:
        """Forget what the content said if any of its files changed (a stat per file):
        a catalog edit shows on the next request, and nothing is read twice before."""
        files = [self.options.clinic] if self.options.clinic else []
        for folder in (self.project.templates_dir, self.project.locales_dir):
            files += sorted(p for p in folder.rglob("*") if p.is_file())
        stamp = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamp.append((str(path), stat.st_mtime_ns, stat.st_size))
        with self.lock:
            if tuple(stamp) != self.stamp:
                self.stamp = tuple(stamp)
                self.titles = {}
                self.decisions = {}

    def languages(self) -> list[LanguageInfo]:
        found = []
        for code in cat.shipped_languages(self.project.locales_dir):
            try:
                locale = cat.parse_locale(code)
            except HandoutError:
                continue
            language = cat.Language(code=code, locale=locale)
            found.append(LanguageInfo(code, locale.get_display_name("en") or code,
                                      language.native_name, language.direction, language.tag))
        return found

    def handouts(self) -> list[str]:
        return handout_names(self.project.templates_dir)

    def decision(self, code: str, handout: str) -> Decision:
        decisions = self.decisions  # replaced, never cleared, by refresh()
        found = decisions.get((code, handout))
        if found is None:
            found = decisions[(code, handout)] = decide(
                self.project.locales_dir, self.project.templates_dir, code, handout,
                self.options.allow_incomplete)
        return found

    def title(self, code: str, handout: str) -> str:
        """The handout's title in ``code`` (English where it is not translated)."""
        titles = self.titles  # replaced, never cleared, by refresh()
        title = titles.get((code, handout))
        if title is None:
            catalog = None
            if code != cat.SOURCE_LANGUAGE:
                try:
                    catalog, _ = leaflet_text(self.project.locales_dir,
                                              self.project.templates_dir, code, handout)
                except HandoutError:
                    catalog = None
            title = titles[(code, handout)] = handout_title(self.env, handout, catalog)
        return title

    def search(self, query: str) -> tuple[list[LanguageInfo], list[tuple[str, str, str]]]:
        """Languages by English name, native name or code; handouts by title in any
        shipped language: (handout, language code, title) for each match."""
        needle = _fold(query)
        languages = self.languages()
        if not needle:
            return languages, [(h, "en", self.title("en", h)) for h in self.handouts()]
        matched = [lang for lang in languages if any(
            needle in _fold(value) for value in (lang.english, lang.native, lang.code,
                                                  lang.tag))]
        handouts = []
        for handout in self.handouts():
            for lang in languages:
                title = self.title(lang.code, handout)
                if needle in _fold(title):
                    handouts.append((handout, lang.code, title))
        return matched, handouts


def _fold(text: str) -> str:
    """Case, accents and width folded, so "espanol" finds "español"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


class Documents:
    """Leaflets without personal details: the build output, else a memory cache."""

    def __init__(self, library: Library, renders: Renders) -> None:
        self.project, self.options = library.project, library.options
        self.library, self.renders = library, renders
        self.cache: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self.lock = threading.Lock()
        self.rendering: dict[str, threading.Lock] = {}  # one render per digest at a time
        self.digests: tuple[object, Digests] | None = None
        self.manifest: tuple[tuple[int, int], Manifest | None] | None = None

    def digest(self, code: str, handout: str, paper: str, fmt: str) -> str:
        """The build's digest of this document's inputs (Digests made once per content)."""
        current = self.digests
        if current is None or current[0] is not self.library.stamp:
            build = BuildOptions(out=self.options.out, clinic=self.options.clinic,
                                 allow_incomplete=self.options.allow_incomplete)
            current = (self.library.stamp,
                       Digests(self.project, build, make_plan(self.project, build)))
            self.digests = current
        return current[1].of_document(code, handout, paper, fmt)

    def _manifest(self) -> Manifest | None:
        try:
            stat = (self.options.out / MANIFEST).stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        current = self.manifest
        if current is None or current[0] != key:
            current = self.manifest = (key, Manifest.read(self.options.out))
        return current[1]

    def get(self, job: Job) -> bytes:
        manifest = self._manifest()
        if manifest is not None and manifest.up_to_date(job.target, job.digest):
            return job.target.read_bytes()
        with self.lock:
            rendering = self.rendering.setdefault(job.digest, threading.Lock())
        with rendering:  # a second request for the same leaflet waits for the first
            with self.lock:
                if job.digest in self.cache:
                    self.cache.move_to_end(job.digest)
                    return self.cache[job.digest]
            try:
                data, _pages = self.renders.render(job)
                with self.lock:
                    self.cache[job.digest] = data
                    while len(self.cache) > CACHED_DOCUMENTS:
                        self.cache.popitem(last=False)
            finally:  # cached before the lock goes; a failed render leaves no lock behind
                with self.lock:
                    self.rendering.pop(job.digest, None)
        return data


_PDFIUM = threading.Lock()  # PDFium is not thread-safe; waitress serves in threads


def preview_png(pdf: bytes) -> bytes:
    """Page 1 as a PNG, PREVIEW_WIDTH pixels wide, made in memory."""
    import pypdfium2

    with _PDFIUM:
        return _png(pypdfium2.PdfDocument(pdf))


def _png(document: Any) -> bytes:
    try:
        page = document[0]
        image = page.render(scale=PREVIEW_WIDTH / page.get_width()).to_pil()
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def create_app(project: Project, options: DeskOptions) -> Flask:
    """The print desk as a WSGI application. Call ``app.extensions["desk"].close()``
    (or use :func:`running`) to stop its workers."""
    from flask import Flask

    clinic = _clinic(options)
    if not options.out.is_dir():
        options.out.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, template_folder=str(UI), static_folder=str(UI / "static"))
    app.config.update(MAX_CONTENT_LENGTH=MAX_FORM_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES,
                      MAX_FORM_PARTS=20, TEMPLATES_AUTO_RELOAD=False)
    if options.token is None:
        # Without a token it serves this machine only: a page elsewhere that points a
        # name of its own at 127.0.0.1 (DNS rebinding) gets 400, not the desk.
        app.config["TRUSTED_HOSTS"] = list(LOOPBACK_NAMES)
    renders = Renders(Settings(project, clinic), options.workers, options.queue)
    library = Library(project, options)
    desk = _Desk(project, options, clinic, library, renders, Documents(library, renders))
    app.extensions["desk"] = desk
    desk.install(app)
    return app


def _clinic(options: DeskOptions) -> Clinic | None:
    from .clinic import load_clinic

    return load_clinic(options.clinic) if options.clinic else None


@dataclass
class _Desk:
    """The routes, with what they share."""

    project: Project
    options: DeskOptions
    clinic: Clinic | None
    library: Library
    renders: Renders
    documents: Documents
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def close(self) -> None:
        self.renders.close()

    # Requests and answers ---------------------------------------------------------

    def install(self, app: Flask) -> None:
        from flask import request
        from werkzeug.exceptions import HTTPException

        app.before_request(self.check_access)
        app.after_request(self.headers)
        app.add_url_rule("/", "index", self.index)
        app.add_url_rule("/login", "login", self.login, methods=["GET", "POST"])
        app.add_url_rule("/leaflet/<code>/<handout>", "leaflet", self.leaflet)
        app.add_url_rule("/pdf/<code>/<handout>", "pdf", self.pdf)
        app.add_url_rule("/preview/<code>/<handout>", "preview", self.preview)
        app.add_url_rule("/personal/<code>/<handout>", "personal", self.personal,
                         methods=["POST"])
        app.add_url_rule("/gallery/", "gallery", self.gallery)
        app.add_url_rule("/gallery/<path:name>", "gallery_file", self.gallery)

        @app.errorhandler(HTTPException)
        def http_error(exc: HTTPException) -> tuple[str, int]:
            message = {400: "The request could not be read. Reload the page and try again.",
                       404: "There is no such page. Start again from the print desk's"
                            " search.",
                       405: "This page cannot be used that way.",
                       413: f"The form is larger than {MAX_FORM_BYTES // 1024} KB; shorten"
                            " the note."}.get(exc.code or 500, "The request failed.")
            return self.page("error.html", exc.code or 500, message=message)

        @app.errorhandler(Exception)
        def internal_error(exc: Exception) -> tuple[str, int]:
            # The type only: a message could quote what staff typed.
            LOG.error("print desk: %s on %s %s", type(exc).__name__, request.method,
                      request.path)
            return self.page("error.html", 500, message="Something went wrong on the print"
                             " desk. Try again; if it persists, tell your IT contact.")

        app.log_exception = lambda exc_info: None  # type: ignore[method-assign]

    def page(self, template: str, status: int = 200, **context: Any) -> tuple[str, int]:
        from flask import render_template

        return render_template(template, csrf=self.csrf(), labels=LABELS,
                               limits=MAX_LENGTH, paper_labels=PAPER_LABELS,
                               **context), status

    def sign(self, purpose: str, value: str) -> str:
        """``value`` signed with this process's secret (or the token), for ``purpose``."""
        # With a token every replica signs alike; without one, a secret of this process.
        key = self.options.token.encode() if self.options.token else self.secret
        return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    def csrf(self) -> str:
        """The form token: a nonce and its signature, so that a cookie set by anyone
        else (another site on a sibling domain) is not accepted."""
        from flask import g, request

        if "csrf" not in g:
            given = request.cookies.get(CSRF_COOKIE, "")
            nonce, _, signature = given.partition(".")
            if not (nonce and hmac.compare_digest(signature, self.sign("csrf", nonce))):
                nonce = secrets.token_urlsafe(24)
                given = f"{nonce}.{self.sign('csrf', nonce)}"
            g.csrf = given
        return str(g.csrf)

    def check_csrf(self) -> None:
        from flask import request

        cookie = request.cookies.get(CSRF_COOKIE, "")
        form = request.form.get("csrf", "")
        nonce, _, signature = cookie.partition(".")
        if not (nonce and hmac.compare_digest(cookie.encode(), form.encode())
                and hmac.compare_digest(signature, self.sign("csrf", nonce))):
            raise PersonalError("this form has expired or came from another page; go back,"
                                " reload the page and try again")

    def session_value(self, issued: int) -> str:
        return f"{issued}.{self.sign('session', str(issued))}"

    def authorised(self) -> bool:
        from flask import request

        token = self.options.token
        if token is None:
            return True
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            given = header[7:].strip().encode()
            return hmac.compare_digest(hashlib.sha256(given).digest(),
                                       hashlib.sha256(token.encode()).digest())
        issued, _, _signature = request.cookies.get(TOKEN_COOKIE, "").partition(".")
        if not (issued.isdigit() and len(issued) <= 12
                and 0 <= time.time() - int(issued) <= SESSION_SECONDS):
            return False
        given = request.cookies.get(TOKEN_COOKIE, "").encode()
        return hmac.compare_digest(given, self.session_value(int(issued)).encode())

    def check_access(self) -> Any:
        from flask import redirect, request

        self.library.refresh()
        if request.endpoint in ("login", "static") or self.authorised():
            return None
        if request.method == "GET":
            return redirect("/login")
        return self.page("error.html", 401, message="Sign in to the print desk first.")

    def headers(self, response: Response) -> Response:
        from flask import g, request

        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        # The gallery's pages keep their inline styles and run gallery.js; no other
        # page here runs a script, and none runs an inline one.
        response.headers["Content-Security-Policy"] = (
            GALLERY_CSP if request.endpoint in ("gallery", "gallery_file") else CSP)
        if request.method == "POST" or g.get("personal"):
            response.headers["Cache-Control"] = "no-store"
        elif "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-cache"
        if "csrf" in g and request.cookies.get(CSRF_COOKIE) != g.csrf:
            response.set_cookie(CSRF_COOKIE, g.csrf, httponly=True, samesite="Strict",
                                secure=request.is_secure)
        return response

    # Pages ------------------------------------------------------------------------

    def login(self) -> Any:
        from flask import redirect, request

        if self.options.token is None:
            return redirect("/")
        if request.method == "GET":
            return self.page("login.html")
        given = request.form.get("token", "")
        if not hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                                   hashlib.sha256(self.options.token.encode()).digest()):
            return self.page("login.html", 403, error="That is not the print desk's access"
                             " code. Ask your IT contact for it.")
        response = redirect("/")
        response.set_cookie(TOKEN_COOKIE, self.session_value(int(time.time())), httponly=True,
                            samesite="Strict", secure=request.is_secure,
                            max_age=SESSION_SECONDS)
        return response

    def index(self) -> tuple[str, int]:
        from flask import request

        query = request.args.get("q", "")[:MAX_QUERY]
        languages, handouts = self.library.search(query)
        names = self.library.handouts()
        table = [(lang, [(h, self.library.decision(lang.code, h)) for h in names])
                 for lang in self.library.languages()]
        return self.page("index.html", query=query, languages=languages, handouts=handouts,
                         table=table, statuses={lang.code: dict(cells) for lang, cells in table},
                         titles={h: self.library.title("en", h) for h in names})

    def choices(self, code: str, handout: str) -> tuple[str, str, str]:
        """The validated (paper, format, second language) of a request."""
        from flask import request

        source = request.form if request.method == "POST" else request.args
        default = self.clinic.paper if self.clinic and self.clinic.paper else "a4"
        paper = source.get("paper", default)
        fmt = source.get("format", "standard")
        codes = [lang.code for lang in self.library.languages()]
        second = source.get("second") or next((c for c in codes if c != code), code)
        if paper not in PAPERS or fmt not in FORMATS or second not in codes:
            raise PersonalError("choose a paper, a format and a second language from the"
                                " lists")
        if fmt != "bilingual":
            return paper, fmt, cat.SOURCE_LANGUAGE
        if second == code:
            raise PersonalError("choose a second language other than the leaflet's own")
        return paper, fmt, second

    def target(self, code: str, handout: str) -> tuple[LanguageInfo, Decision]:
        """The language and the gate's decision; 404 for what does not exist."""
        from flask import abort

        language = next((lang for lang in self.library.languages() if lang.code == code),
                        None)
        if language is None or handout not in self.library.handouts():
            abort(404)
        return language, self.library.decision(code, handout)

    def job(self, code: str, handout: str, paper: str, fmt: str, decision: Decision,
            personal: Personal | None = None, second: str = cat.SOURCE_LANGUAGE) -> Job:
        """One document to render; the second language's gate decides too."""
        target = output_path(self.options.out, code, handout, paper, fmt)
        second_gate = None
        if second != cat.SOURCE_LANGUAGE:
            second_gate = self.library.decision(second, handout)
            if not second_gate.publishes:
                raise PersonalError(f"the second language ({second}) is not available:"
                                    f" {_reason(second_gate)}")
            # Never in the build output, which pairs each language with English.
            target = target.with_name(f"{target.stem}-{second}.pdf")
        # Personalised documents are never cached: they need no digest.
        languages = (code,) if second == cat.SOURCE_LANGUAGE else (code, second)
        digest = "" if personal else "+".join(
            self.documents.digest(c, handout, paper, fmt) for c in languages)
        return Job(code, handout, paper, fmt, decision, digest, target, personal, second,
                   second_gate)

    def leaflet(self, code: str, handout: str) -> tuple[str, int]:
        language, decision = self.target(code, handout)
        try:
            paper, fmt, second = self.choices(code, handout)
        except PersonalError as exc:
            return self.page("error.html", 400, message=_sentence(exc.message))
        error = None
        if second != cat.SOURCE_LANGUAGE:
            other = self.library.decision(second, handout)
            if not other.publishes:
                error = _sentence(f"the second language ({second}) is not available:"
                                  f" {_reason(other)}")
        return self.page("leaflet.html", 400 if error else 200, language=language,
                         handout=handout, title=self.library.title(code, handout),
                         decision=decision, paper=paper, fmt=fmt, second=second,
                         papers=PAPERS, formats=FORMATS, languages=self.library.languages(),
                         refusal=_refusal(decision), values={}, error=None, preview=None,
                         choice_error=error)

    def document(self, code: str, handout: str) -> tuple[bytes, str, Decision]:
        from flask import abort

        _language, decision = self.target(code, handout)
        paper, fmt, second = self.choices(code, handout)
        if not decision.publishes:
            abort(404)
        job = self.job(code, handout, paper, fmt, decision, second=second)
        return self.documents.get(job), job.target.name, decision

    def pdf(self, code: str, handout: str) -> Any:
        from flask import request

        download = request.args.get("download") == "1"
        return self.answer(code, handout,
                           lambda data, name: _pdf_response(data, name, download=download))

    def preview(self, code: str, handout: str) -> Any:
        from flask import Response

        return self.answer(code, handout, lambda data, _name: Response(preview_png(data),
                                                                      mimetype="image/png"))

    def answer(self, code: str, handout: str, respond: Callable[[bytes, str], Any]) -> Any:
        """A leaflet without personal details, as ``respond`` makes it, or why not."""
        try:
            data, name, _decision = self.document(code, handout)
        except DeskError as exc:
            return self.busy(exc)
        except HandoutError as exc:
            return self.page("error.html", 400, message=_sentence(exc.message))
        return respond(data, name)

    def personal(self, code: str, handout: str) -> Any:
        """Render with the personal block: preview, print or download. Never stored."""
        import base64

        from flask import g, request

        g.personal = True
        language, decision = self.target(code, handout)
        values = {key: request.form.get(key, "") for key in FIELDS}
        action = request.form.get("action", "preview")
        context: dict[str, Any] = {"language": language, "handout": handout, "decision": decision,
                   "title": self.library.title(code, handout), "papers": PAPERS,
                   "formats": FORMATS, "refusal": _refusal(decision), "values": values,
                   "paper": "a4", "fmt": "standard", "second": cat.SOURCE_LANGUAGE,
                   "languages": self.library.languages(),
                   "preview": None, "error": None, "choice_error": None}
        try:
            self.check_csrf()
            paper, fmt, second = self.choices(code, handout)
            context.update(paper=paper, fmt=fmt, second=second)
            if action not in ("preview", "print", "download"):
                raise PersonalError("choose Preview, Print or Download")
            if not decision.publishes:
                raise PersonalError(str(context["refusal"] or "this leaflet does not print"))
            personal = parse_personal(values)
            char = missing_glyph(" ".join(str(v) for v in values.values()))
            if char is not None:  # before a worker is busied; the worker checks again
                raise MissingGlyphError(_no_font(char), char=char)
            job = self.job(code, handout, paper, fmt, decision, personal or None, second)
            data = (self.renders.render(job)[0] if personal
                    else self.documents.get(job))
        except DeskError as exc:
            return self.busy(exc)
        except MissingGlyphError as exc:
            context["error"] = _sentence(_no_font(exc.char))
            return self.page("leaflet.html", 400, **context)
        except HandoutError as exc:
            context["error"] = _sentence(exc.message)
            return self.page("leaflet.html", 400, **context)
        if action == "preview":
            image = base64.b64encode(preview_png(data)).decode()
            context["preview"] = f"data:image/png;base64,{image}"
            return self.page("leaflet.html", **context)
        return _pdf_response(data, job.target.name, download=action == "download")

    def busy(self, exc: DeskError) -> Any:
        """503: busy now, or a render that did not finish; try again."""
        body, status = self.page("error.html", 503, message=_sentence(exc.message))
        return body, status, {"Retry-After": str(RETRY_AFTER)}

    def gallery(self, name: str = "index.html") -> Any:
        """The build output's gallery, its thumbnails and published leaflets."""
        from flask import abort, send_from_directory

        path = Path(name)
        suffix = path.suffix.lower()
        if (suffix not in STATIC_SUFFIXES or any(part.startswith(".") for part in path.parts)
                or (suffix == ".js" and name != SCRIPT)):
            abort(404)
        if suffix == ".pdf" and len(path.parts) == 2:  # <lang>/<handout>-<paper>….pdf
            handout = next((h for h in self.library.handouts()
                            if path.stem.startswith(f"{h}-")), None)
            codes = {lang.code for lang in self.library.languages()}
            if handout is None or path.parts[0] not in codes or not self.library.decision(
                    path.parts[0], handout).publishes:
                abort(404)  # built before its translation stopped publishing
        return send_from_directory(self.options.out, name, mimetype=STATIC_SUFFIXES[suffix])


def _sentence(message: str) -> str:
    message = message.strip()
    return (message[:1].upper() + message[1:]).rstrip(".") + "."


def _no_font(char: str) -> str:
    return (f"the personal details contain U+{ord(char):04X}, which no installed font can"
            " print; remove it")


def _reason(decision: Decision) -> str:
    return decision.error.message if decision.error else decision.status


def _refusal(decision: Decision) -> str | None:
    """Why the leaflet does not print, for the page; None when it prints."""
    return None if decision.publishes else _sentence(f"not available: {_reason(decision)}")


def _pdf_response(data: bytes, name: str, *, download: bool) -> Any:
    from flask import Response

    disposition = "attachment" if download else "inline"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{name}"'})


def serve(project: Project, options: DeskOptions, host: str = DEFAULT_HOST,
          port: int = DEFAULT_PORT, on_ready: Any = None) -> None:
    """Run the print desk until interrupted (waitress, a thread per connection)."""
    from waitress import create_server

    if not is_loopback(host) and options.token is None:
        raise DeskError(f"the print desk on {host} would be open to the network; give it an"
                        " access token (--token-file)")
    app = create_app(project, options)
    try:
        server = create_server(app, host=host, port=port, threads=_threads(options),
                               connection_limit=100, max_request_body_size=MAX_FORM_BYTES,
                               channel_timeout=60, ident="handouts", **_proxy(options))
        if on_ready is not None:
            on_ready(server)
        server.run()
    finally:
        app.extensions["desk"].close()


def _threads(options: DeskOptions) -> int:
    """More threads than render slots, so that a full queue is answered 503 at once
    rather than left waiting for a thread."""
    return options.workers + options.queue + 4


def _proxy(options: DeskOptions) -> dict[str, Any]:
    """Trust X-Forwarded-Proto from a reverse proxy on this machine (cookies: Secure)."""
    if not options.behind_proxy:
        return {}
    return {"trusted_proxy": "127.0.0.1", "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True}


@contextmanager
def running(project: Project, options: DeskOptions) -> Iterator[str]:
    """A print desk on a free loopback port, in a thread (tests and benchmarks); yields
    its base URL."""
    from waitress import create_server

    app = create_app(project, options)
    try:
        server = create_server(app, host="127.0.0.1", port=0, threads=_threads(options))
    except BaseException:
        app.extensions["desk"].close()
        raise
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        def stop() -> None:
            # In the server's own thread: closed from here, a socket could vanish under
            # its select() (EBADF). The listener, the trigger and browsers' connections.
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(stop)
        thread.join(timeout=5)
        if thread.is_alive():  # its loop is stuck: close them from here after all
            stop()
        server.task_dispatcher.shutdown()
        app.extensions["desk"].close()

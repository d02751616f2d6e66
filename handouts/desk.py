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
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import catalog as cat
from .build import BuildOptions, Digests, make_plan
from .clinic import Clinic
from .domains import handout_names
from .errors import DeskError, HandoutError, MissingGlyphError, PersonalError
from .gate import FAILED, HELD, PUBLISH, Decision, decide, leaflet_text
from .output import MANIFEST, Manifest, output_path
from .pdf import missing_glyph
from .personal import FIELDS, LABELS, MAX_LENGTH, Personal, parse_personal
from .project import Project
from .render import FORMATS, PAPERS, handout_title, make_environment
from .workers import (
    GRACE_SECONDS,
    RENDER_SECONDS,
    Job,
    Settings,
    make_in_worker,
    start_desk_worker,
)

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
STATIC_SUFFIXES = {".pdf": "application/pdf", ".html": "text/html", ".png": "image/png"}
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
       " frame-ancestors 'none'; base-uri 'none'")
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
            with self.lock:
                pending = self.pool.apply_async(make_in_worker, (job,))
            try:
                result = pending.get(timeout=RENDER_SECONDS + GRACE_SECONDS)
            except multiprocessing.TimeoutError:
                self._restart()
                raise DeskError("the leaflet took too long to render; try again") from None
        finally:
            self.slots.release()
        if isinstance(result, HandoutError):
            raise result
        data, pages = result
        return data, pages

    def _restart(self) -> None:
        with self.lock:
            self.pool.terminate()
            self.pool = self._start()

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

    def __post_init__(self) -> None:
        self.env = make_environment(self.project.templates_dir)

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
        return decide(self.project.locales_dir, self.project.templates_dir, code, handout,
                      self.options.allow_incomplete)

    def title(self, code: str, handout: str) -> str:
        """The handout's title in ``code`` (English where it is not translated)."""
        key = (code, handout)
        if key not in self.titles:
            catalog = None
            if code != cat.SOURCE_LANGUAGE:
                try:
                    catalog, _ = leaflet_text(self.project.locales_dir,
                                              self.project.templates_dir, code, handout)
                except HandoutError:
                    catalog = None
            self.titles[key] = handout_title(self.env, handout, catalog)
        return self.titles[key]

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

    def __init__(self, project: Project, options: DeskOptions, renders: Renders) -> None:
        self.project, self.options, self.renders = project, options, renders
        self.cache: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self.lock = threading.Lock()

    def digest(self, code: str, handout: str, paper: str, fmt: str) -> str:
        build = BuildOptions(out=self.options.out, clinic=self.options.clinic,
                             allow_incomplete=self.options.allow_incomplete)
        return Digests(self.project, build, make_plan(self.project, build)).of_document(
            code, handout, paper, fmt)

    def get(self, job: Job) -> bytes:
        target = job.target
        manifest = Manifest.read(self.options.out) if (self.options.out / MANIFEST
                                                       ).is_file() else None
        if manifest is not None and manifest.up_to_date(target, job.digest):
            return target.read_bytes()
        with self.lock:
            if job.digest in self.cache:
                self.cache.move_to_end(job.digest)
                return self.cache[job.digest]
        data, _pages = self.renders.render(job)
        with self.lock:
            self.cache[job.digest] = data
            while len(self.cache) > CACHED_DOCUMENTS:
                self.cache.popitem(last=False)
        return data


def preview_png(pdf: bytes) -> bytes:
    """Page 1 as a PNG, PREVIEW_WIDTH pixels wide, made in memory."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
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
    renders = Renders(Settings(project, clinic), options.workers, options.queue)
    desk = _Desk(project, options, clinic, Library(project, options), renders,
                 Documents(project, options, renders))
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

    def csrf(self) -> str:
        from flask import g, request

        if "csrf" not in g:
            given = request.cookies.get(CSRF_COOKIE, "")
            g.csrf = given if len(given) == 43 and given.isascii() else secrets.token_urlsafe(32)
        return str(g.csrf)

    def check_csrf(self) -> None:
        from flask import request

        cookie = request.cookies.get(CSRF_COOKIE, "")
        form = request.form.get("csrf", "")
        if not cookie or not hmac.compare_digest(cookie.encode(), form.encode()):
            raise PersonalError("this form has expired or came from another page; go back,"
                                " reload the page and try again")

    def session_value(self) -> str:
        assert self.options.token is not None
        return hmac.new(self.options.token.encode(), b"print desk session",
                        hashlib.sha256).hexdigest()

    def authorised(self) -> bool:
        from flask import request

        if self.options.token is None:
            return True
        expected = hashlib.sha256(self.session_value().encode()).digest()
        given = request.cookies.get(TOKEN_COOKIE, "")
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            given = hmac.new(header[7:].strip().encode(), b"print desk session",
                             hashlib.sha256).hexdigest()
        return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), expected)

    def check_access(self) -> Any:
        from flask import redirect, request

        self.library.titles.clear()  # a catalog edit shows on the next request

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
        response.headers["Content-Security-Policy"] = CSP
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
        response.set_cookie(TOKEN_COOKIE, self.session_value(), httponly=True,
                            samesite="Strict", secure=request.is_secure)
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
                         titles={h: self.library.title("en", h) for h in names},
                         PUBLISH=PUBLISH, HELD=HELD, FAILED=FAILED)

    def choices(self, code: str, handout: str) -> tuple[str, str, str]:
        """The validated (paper, format, second language) of a request."""
        from flask import request

        source = request.form if request.method == "POST" else request.args
        default = self.clinic.paper if self.clinic and self.clinic.paper else "a4"
        paper = source.get("paper", default)
        fmt = source.get("format", "standard")
        codes = [lang.code for lang in self.library.languages()]
        second = source.get("second") or next(c for c in codes if c != code)  # English first
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
        digest = "" if personal else "+".join(
            self.documents.digest(c, handout, paper, fmt) for c in dict.fromkeys((code, second)))
        return Job(code, handout, paper, fmt, decision, digest, target, personal, second,
                   second_gate)

    def leaflet(self, code: str, handout: str) -> tuple[str, int]:
        language, decision = self.target(code, handout)
        try:
            paper, fmt, second = self.choices(code, handout)
        except PersonalError as exc:
            return self.page("error.html", 400, message=_sentence(exc.message))
        return self.page("leaflet.html", language=language, handout=handout,
                         title=self.library.title(code, handout), decision=decision,
                         paper=paper, fmt=fmt, second=second, papers=PAPERS, formats=FORMATS,
                         languages=self.library.languages(),
                         refusal=_refusal(decision), values={}, error=None, preview=None)

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
        except Busy as exc:
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
                   "preview": None, "error": None}
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
            if char is not None:
                raise PersonalError(f"the personal details contain U+{ord(char):04X}, which no"
                                    " installed font can print; remove it")
            job = self.job(code, handout, paper, fmt, decision, personal or None, second)
            data = (self.renders.render(job)[0] if personal
                    else self.documents.get(job))
        except Busy as exc:
            return self.busy(exc)
        except MissingGlyphError as exc:
            context["error"] = _sentence(f"the personal details contain U+{ord(exc.char):04X},"
                                         " which no installed font can print; remove it")
            return self.page("leaflet.html", 400, **context)
        except HandoutError as exc:
            context["error"] = _sentence(exc.message)
            return self.page("leaflet.html", 400, **context)
        if action == "preview":
            image = base64.b64encode(preview_png(data)).decode()
            context["preview"] = f"data:image/png;base64,{image}"
            return self.page("leaflet.html", **context)
        return _pdf_response(data, job.target.name, download=action == "download")

    def busy(self, exc: Busy) -> Any:
        body, status = self.page("error.html", 503, message=_sentence(exc.message))
        return body, status, {"Retry-After": str(RETRY_AFTER)}

    def gallery(self, name: str = "index.html") -> Any:
        """The build output's gallery, its thumbnails and published leaflets."""
        from flask import abort, send_from_directory

        suffix = Path(name).suffix.lower()
        if suffix not in STATIC_SUFFIXES or any(part.startswith(".") for part in
                                                Path(name).parts):
            abort(404)
        return send_from_directory(self.options.out, name, mimetype=STATIC_SUFFIXES[suffix])


def _sentence(message: str) -> str:
    message = message.strip()
    return (message[:1].upper() + message[1:]).rstrip(".") + "."


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
    server = create_server(app, host=host, port=port, threads=options.workers + options.queue,
                           connection_limit=100, max_request_body_size=MAX_FORM_BYTES,
                           channel_timeout=60, ident="handouts")
    try:
        if on_ready is not None:
            on_ready(server)
        server.run()
    finally:
        app.extensions["desk"].close()


@contextmanager
def running(project: Project, options: DeskOptions) -> Iterator[str]:
    """A print desk on a free loopback port, in a thread (tests and benchmarks); yields
    its base URL."""
    from waitress import create_server

    app = create_app(project, options)
    server = create_server(app, host="127.0.0.1", port=0,
                           threads=options.workers + options.queue)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
        app.extensions["desk"].close()

"""PDF: HTML to PDF with WeasyPrint, a sandboxed fetcher, fonts and system checks.

WeasyPrint is imported lazily so that commands that render nothing start fast.
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import importlib
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import MissingGlyphError, RenderError, SetupError

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

PDF_VARIANT = "pdf/ua-1"
# Every family named in templates/print.css, with the Debian package that has it.
FONT_PACKAGES = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans Arabic": "fonts-noto-core",
    "Noto Nastaliq Urdu": "fonts-noto-core",
    "Noto Sans Devanagari": "fonts-noto-core",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK TC": "fonts-noto-cjk",
    "Noto Sans CJK JP": "fonts-noto-cjk",
    "Noto Sans CJK KR": "fonts-noto-cjk",
}
INSTALL_HINT = "run: sudo scripts/setup.sh (or apt-get install {packages})"


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    size: int


def check_system() -> list[str]:
    """Raise SetupError if fonts are missing; return warnings for slow set-ups."""
    warnings = []
    if not has_harfbuzz_subset():
        warnings.append(
            "libharfbuzz-subset0 is not installed: fonts will be subset slowly (a Chinese"
            " leaflet takes seconds instead of a tenth of one). "
            + INSTALL_HINT.format(packages="libharfbuzz-subset0"))
    if shutil.which("fc-list") is None:
        raise SetupError("fontconfig tools are missing; "
                         + INSTALL_HINT.format(packages="fontconfig"))
    if shutil.which("msgfmt") is None:
        raise SetupError("GNU gettext's msgfmt is missing; "
                         + INSTALL_HINT.format(packages="gettext"))
    missing = sorted(set(FONT_PACKAGES) - set(_font_files()))
    if missing:
        packages = " ".join(sorted({FONT_PACKAGES[f] for f in missing}))
        raise SetupError(f"missing fonts: {', '.join(missing)}; "
                         + INSTALL_HINT.format(packages=packages))
    return warnings


@functools.cache
def has_harfbuzz_subset() -> bool:
    try:
        ctypes.CDLL("libharfbuzz-subset.so.0")
    except OSError:
        return False
    return True


@functools.cache
def _font_files() -> dict[str, list[str]]:
    """The files of each family we use, as fontconfig sees them."""
    listed = subprocess.run(["fc-list", "--format", "%{family}\t%{file}\n"],
                            capture_output=True, text=True, check=False).stdout
    files: dict[str, list[str]] = {}
    for line in listed.splitlines():
        names, _, path = line.partition("\t")
        for name in names.split(","):
            if name.strip() in FONT_PACKAGES:
                files.setdefault(name.strip(), []).append(path)
    return files


@functools.cache
def _coverage() -> tuple[list[int], list[int]]:
    """Code points some installed font has, as sorted, merged [start, end] ranges.
    Once per process: see preload_renderer."""
    listed = subprocess.run(["fc-list", "--format", "%{charset}\n"], capture_output=True,
                            text=True, check=False).stdout
    # 70,000 ranges from all the fonts, 4,000 of them different: parse each once.
    ranges = sorted((int(a, 16), int(b or a, 16)) for a, _, b in
                    (part.partition("-") for part in set(listed.split())))
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


# Format and control characters take no glyph: shaping uses or drops them.
_NO_GLYPH = {"Cc", "Cf", "Zl", "Zp"}


@functools.lru_cache(maxsize=8192)
def missing_glyph(text: str) -> str | None:
    """The first character of ``text`` that no installed font covers, if any.

    Judged from the fonts' coverage (fontconfig), not from WeasyPrint's log
    messages, whose wording and arguments change between releases. Cached: the
    gate checks the same translations for every handout and build.
    """
    starts, ends = _coverage()
    for char in sorted(set(text)):
        if char.isspace() or unicodedata.category(char) in _NO_GLYPH:
            continue
        at = bisect.bisect_right(starts, ord(char)) - 1
        if at < 0 or ord(char) > ends[at]:
            return char
    return None


class _Text(HTMLParser):
    """The characters a page prints: text nodes, and CSS strings with their escapes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            data = _CSS_ESCAPE.sub(lambda m: _css_char(m[1]), data)
        self.parts.append(data)


# The C types a render asks WeasyPrint's cffi for by name: cffi parses each name once
# per process, 2 ms each. tests/test_stages.py fails when a worker still parses one.
_C_TYPES = ("PangoFcFontMap *", "PangoLogAttr[]", "PangoRectangle *", "char[4]", "char[]",
            "hb_codepoint_t[]", "hb_tag_t[100]", "uintptr_t", "unsigned int *")


def preload_renderer() -> None:
    """Load, in a build process about to fork its workers, what each worker would
    otherwise load for its first document: the fonts' coverage, the modules that
    render and read a PDF back, HarfBuzz's subsetter and cffi's parsed C types."""
    import cffi
    from weasyprint.text.ffi import ffi

    from . import fontsubset

    _coverage()
    # The PDF reader (verify.py), and the headers of WeasyPrint's fetched files.
    for module in ("pypdfium2", "email.policy", f"{__package__}.tagging",
                   f"{__package__}.verify"):
        importlib.import_module(module)
    fontsubset.preload()
    for name in _C_TYPES:
        # One WeasyPrint no longer declares: each worker parses what it uses instead.
        with suppress(cffi.CDefError, cffi.FFIError):
            ffi.typeof(name)


_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")


def _css_char(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else "\ufffd"


def printed_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def font_fingerprint() -> str:
    """Names, sizes and dates of the font files in use: a change means a rebuild."""
    entries = []
    for family, paths in sorted(_font_files().items()):
        for path in sorted(set(paths)):
            try:
                stat = os.stat(path)
            except OSError:
                continue
            entries.append(f"{family}\t{path}\t{stat.st_size}\t{stat.st_mtime_ns}")
    return "\n".join(entries)


def _sandbox_fetcher_class() -> type:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class SandboxFetchError(FatalURLFetchingError):  # type: ignore[misc]
        """Stops the render: a document asked for something outside the allow-list."""

    class SandboxFetcher(URLFetcher):  # type: ignore[misc]
        """Reads only allow-listed local files and ``data:`` URIs; never the network."""

        def __init__(self, roots: Iterable[Path], files: Iterable[Path] = ()) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             fail_on_errors=True)
            self.roots = [Path(os.path.realpath(r)) for r in roots]
            self.files = {Path(os.path.realpath(f)) for f in files}
            self.fetched: list[str] = []

        def allows(self, path: Path) -> bool:
            real = Path(os.path.realpath(path))
            if real in self.files:
                return real.is_file()
            return real.is_file() and any(real.is_relative_to(r) for r in self.roots)

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.fetched.append(url)
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                parts = urlsplit(url)
                path = Path(unquote(parts.path))
                if parts.netloc in ("", "localhost") and self.allows(path):
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(),
                                              {"Content-Type": kind})
            raise SandboxFetchError(f"blocked a request for {url[:200]}: only the project's"
                                    " templates and the clinic logo may be read")

    return SandboxFetcher


class _Capture(logging.Handler):
    """Collects WeasyPrint's warnings and errors: each one fails the document."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _strict_weasyprint() -> Iterator[_Capture]:
    logger = logging.getLogger("weasyprint")
    capture = _Capture()
    logger.addHandler(capture)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate


def _raise_for(records: list[logging.LogRecord]) -> None:
    if records:
        raise RenderError(f"WeasyPrint: {records[0].getMessage()}")


class Renderer:
    """Turns HTML into PDF. Make one per process: fonts and CSS are parsed once."""

    def __init__(self, templates_dir: Path, stylesheet: Path,
                 allowed_files: Iterable[Path] = (), *, exact_text: bool = True) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.base_url = templates_dir.resolve().as_uri() + "/"
        self.fetcher = _sandbox_fetcher_class()([templates_dir], allowed_files)
        self.font_config: FontConfiguration = FontConfiguration()
        with _strict_weasyprint() as capture:
            self.css: CSS = CSS(filename=str(stylesheet), font_config=self.font_config,
                                url_fetcher=self.fetcher)
        _raise_for(capture.records)
        self.exact_text = exact_text  # see textlayer.py
        # The last render's fallbacks (tagging.py, textlayer.py): correct pages, but
        # the build says what is missing.
        self.problems: tuple[str, ...] = ()

    def render(self, html: str) -> tuple[bytes, int]:
        """PDF bytes and page count; any WeasyPrint warning is an error."""
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError

        from .tagging import TagFixer, article_lang
        from .textlayer import TextLayerError

        char = missing_glyph(printed_text(html))
        if char is not None:
            raise MissingGlyphError(f"no installed font has U+{ord(char):04X} ({char!r})",
                                    char=char)
        tags = TagFixer(article_lang=article_lang(html))
        problems = []
        with _strict_weasyprint() as capture:
            try:
                document = HTML(string=html, base_url=self.base_url,
                                url_fetcher=self.fetcher).render(
                    stylesheets=[self.css], font_config=self.font_config)
                try:
                    data = self._write(document, tags, exact_text=self.exact_text)
                except TextLayerError as exc:  # the same pages, WeasyPrint's own text map
                    problems.append(f"the exact text layer was left out ({exc}): screen"
                                    " readers and copy and paste may get some words wrong;"
                                    " the printed leaflets are correct. Report it with your"
                                    " WeasyPrint version")
                    tags = TagFixer(article_lang=tags.article_lang)
                    document.fonts.clear()  # they hold the text layer's maps
                    data = self._write(document, tags, exact_text=False)
            except FatalURLFetchingError as exc:
                raise RenderError(str(exc)) from None
        _raise_for(capture.records)
        self.problems = (*problems, *(
            f"the PDF tags were left as WeasyPrint wrote them ({problem}): screen readers may"
            " read page numbers amid the text; the printed leaflets are correct. Report it"
            " with your WeasyPrint version" for problem in tags.problems))
        return data, len(document.pages)

    @staticmethod
    def _write(document: Any, tags: Any, *, exact_text: bool) -> bytes:
        from .fontsubset import compact_cid_fonts
        from .textlayer import exact_text_layer

        # The text layer checks WeasyPrint's Font before compact_cid_fonts() wraps it.
        with exact_text_layer(exact_text, pages=document.pages) as text_layer, \
                compact_cid_fonts() as compact:
            def finish(document: Any, pdf: Any) -> None:
                compact(document, pdf)
                text_layer(document, pdf)
                tags.finisher(document, pdf)

            data = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=finish)
        assert data is not None
        return bytes(data)

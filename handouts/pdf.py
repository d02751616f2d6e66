"""PDF: HTML to PDF with WeasyPrint, a sandboxed fetcher, fonts and system checks.

WeasyPrint is imported lazily so that commands that render nothing start fast.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import mimetypes
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import MissingGlyphError, OutputError, RenderError, SetupError

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

PDF_VARIANT = "pdf/ua-1"
# Every family named in templates/print.css, with the Debian package that has it.
FONT_PACKAGES = {
    "Noto Sans": "fonts-noto-core",
    "Noto Naskh Arabic": "fonts-noto-core",
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
    for record in records:
        if record.getMessage().startswith(".notdef glyph"):
            char = chr(int(record.args[-1]))  # type: ignore[index, arg-type]
            raise MissingGlyphError(f"no installed font has U+{ord(char):04X} ({char!r})",
                                    char=char)
    if records:
        raise RenderError(f"WeasyPrint: {records[0].getMessage()}")


class Renderer:
    """Turns HTML into PDF. Make one per process: fonts and CSS are parsed once."""

    def __init__(self, templates_dir: Path, stylesheet: Path,
                 allowed_files: Iterable[Path] = ()) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.base_url = templates_dir.resolve().as_uri() + "/"
        self.fetcher = _sandbox_fetcher_class()([templates_dir], allowed_files)
        self.font_config: FontConfiguration = FontConfiguration()
        with _strict_weasyprint() as capture:
            self.css: CSS = CSS(filename=str(stylesheet), font_config=self.font_config,
                                url_fetcher=self.fetcher)
        _raise_for(capture.records)

    def render(self, html: str) -> tuple[bytes, int]:
        """PDF bytes and page count; any WeasyPrint warning is an error."""
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError

        from .fontsubset import compact_cid_fonts

        with _strict_weasyprint() as capture, compact_cid_fonts() as finisher:
            try:
                document = HTML(string=html, base_url=self.base_url,
                                url_fetcher=self.fetcher).render(
                    stylesheets=[self.css], font_config=self.font_config)
                data = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=finisher)
            except FatalURLFetchingError as exc:
                raise RenderError(str(exc)) from None
        _raise_for(capture.records)
        assert data is not None
        return data, len(document.pages)


TEMP_SUFFIX = ".tmp"


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files left by killed builds (their process is gone)."""
    removed = 0
    for tmp in folder.glob(f"**/.*{TEMP_SUFFIX}"):
        parts = tmp.name.split(".")
        pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_atomic(target: Path, data: bytes | str) -> None:
    """Write via a temporary file in the same folder, then rename: never a torn file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                   suffix=TEMP_SUFFIX)
    except (FileExistsError, NotADirectoryError):
        raise OutputError("cannot create this folder: a file is in the way; move it or choose"
                          " another folder with --out", path=target.parent) from None
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}; choose another folder with"
                          " --out", path=target.parent) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write file: {exc.strerror}", path=target) from None


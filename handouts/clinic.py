"""Clinic settings: a small TOML file typed by clinic staff, validated strictly."""

from __future__ import annotations

import base64
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ClinicError

MAX_LENGTH = {"name": 120, "address": 200, "phone": 40, "emergency": 40, "website": 120,
              "logo": 500, "urdu_style": 20, "paper": 10}
URDU_STYLES = ("naskh", "nastaliq")
PAPER_NAMES = ("a4", "letter")  # render.PAPERS' keys (tests/test_clinic.py checks)
REQUIRED = ("name",)
QR_QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
LOGO_TYPES = {".png": b"\x89PNG\r\n\x1a\n", ".svg": None}
MAX_LOGO_BYTES = 2_000_000
MAX_FILE_BYTES = 64 * 1024  # a clinic file is a dozen short lines
MAX_LOGO_PIXELS = 4_000_000  # decoded RGBA: 16 MB per worker
MAX_SVG_ELEMENTS = 5000  # drawn elements, <use> copies included
MAX_SVG_USE_DEPTH = 3
# Controls, format characters (direction marks, isolates, U+061C, zero-width and
# tag characters), line and paragraph separators: each can reorder, split or hide
# text on paper. Names and addresses may join letters (ZWNJ, ZWJ), as Persian needs.
_REFUSED = ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")
_JOINERS = frozenset("\u200c\u200d")
_PHONE = re.compile(r"^[\d +\-().,/]+$")  # any script's digits, spaces and + - ( ) . , /
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str | None = None
    phone: str | None = None
    emergency: str | None = None
    website: str | None = None
    logo: Path | None = None
    urdu_style: str = URDU_STYLES[0]
    paper: str | None = None  # the print desk's default paper

    @property
    def logo_url(self) -> str | None:
        return self.logo.as_uri() if self.logo else None

    @functools.cached_property
    def logo_data_uri(self) -> str | None:
        """The logo inside the page (``data:`` URI), for the HTML version, which must
        open anywhere, offline; the file was checked when the clinic file was read.
        Encoded once per process, not once per document."""
        if not self.logo:
            return None
        kind = "image/svg+xml" if self.logo.suffix.lower() == ".svg" else "image/png"
        return f"data:{kind};base64,{base64.b64encode(self.logo.read_bytes()).decode()}"

    @functools.cached_property
    def website_qr(self) -> str | None:
        """The website as a vector QR code (SVG ``data:`` URI), or None.

        The quiet zone is part of the image, so no neighbouring text or rule can
        come closer to the code than the scanner needs. Encoded once per process: it
        cost a leaflet 9 ms.
        """
        if not self.website:
            return None
        import segno

        return str(segno.make(self.website, error="m").svg_data_uri(border=QR_QUIET_ZONE,
                                                                     dark="#000"))


def load_clinic(path: Path) -> Clinic:
    """Read and validate a clinic TOML file; raise ClinicError naming the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ClinicError(f"cannot read clinic file: {exc.strerror}", path=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ClinicError(f"the clinic file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}",
                          path=path)
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # Notepad saves a byte-order mark
    except UnicodeDecodeError:
        raise ClinicError("not valid UTF-8; save the file as UTF-8", path=path) from None
    except RecursionError:
        raise ClinicError("values are nested too deeply; every value is one line of text in"
                          " quotes", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has the position only inside the message text.
        found = re.search(r"\s*\(at line (\d+), column \d+\)", str(exc))
        msg = str(exc).replace(found[0], "") if found else str(exc)
        raise ClinicError(f"invalid TOML: {msg}", path=path,
                          line=int(found[1]) if found else None) from None

    unknown = sorted(set(data) - set(MAX_LENGTH))
    if unknown:
        raise ClinicError(f"unknown key {unknown[0]!r}; allowed keys: {', '.join(MAX_LENGTH)}",
                          path=path)
    values: dict[str, str] = {}
    for key, limit in MAX_LENGTH.items():
        if key not in data:
            if key in REQUIRED:
                raise ClinicError(f'missing key "{key}" (for example: {key} = "…")', path=path)
            continue
        value = data[key]
        if not isinstance(value, str):
            raise ClinicError(f'"{key}" must be text in quotes, not {type(value).__name__}',
                              path=path)
        value = value.strip()
        if not value:
            raise ClinicError(f'"{key}" is empty; remove the line or fill it in', path=path)
        if len(value) > limit:
            raise ClinicError(f'"{key}" is {len(value)} characters long; the limit is {limit}',
                              path=path)
        refused = refused_character(value, joiners=key in ("name", "address"))
        if refused:
            raise ClinicError(f'"{key}" contains U+{ord(refused):04X}, a control, line break'
                              " or invisible formatting character that can reorder or hide"
                              " text on paper; retype it", path=path)
        if key in ("phone", "emergency") and not _PHONE.match(value):
            raise ClinicError(f'"{key}" may contain only digits, spaces and + - ( ) . , /, not'
                              f" {value!r}", path=path)
        values[key] = value

    if "website" in values:
        _check_website(path, values["website"])
    if "paper" in values:
        if values["paper"].lower() not in PAPER_NAMES:
            raise ClinicError(f'"paper" must be one of {", ".join(PAPER_NAMES)}, not'
                              f' {values["paper"]!r}', path=path)
        values["paper"] = values["paper"].lower()
    if "urdu_style" in values:
        if values["urdu_style"].lower() not in URDU_STYLES:
            raise ClinicError(f'"urdu_style" must be "naskh" or "nastaliq", not'
                              f' {values["urdu_style"]!r}', path=path)
        values["urdu_style"] = values["urdu_style"].lower()
    logo = _check_logo(path, values.pop("logo")) if "logo" in values else None
    return Clinic(logo=logo, **values)


def refused_character(value: str, *, joiners: bool = False) -> str | None:
    """The first control, line break or invisible formatting character in ``value``
    (each can reorder, split or hide text on paper); ZWNJ and ZWJ pass if ``joiners``."""
    return next((c for c in value if unicodedata.category(c) in _REFUSED
                 and not (joiners and c in _JOINERS)), None)


def _check_website(clinic_file: Path, url: str) -> None:
    """Printed and put in a QR code, so it must be a plain web address."""
    fail = ClinicError(f'"website" must be a web address starting with https://, not {url!r}',
                       path=clinic_file)
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # both parse, and may raise
    except ValueError:
        raise fail from None
    if parts.scheme not in ("http", "https") or not host or " " in url:
        raise fail
    if not _HOST.match(host) or not url.isascii():
        raise ClinicError(f'"website" must be plain ASCII, with the host in its xn-- form for'
                          f" non-Latin names, not {url!r}", path=clinic_file)


def _check_logo(clinic_file: Path, value: str) -> Path:
    """The logo must be a real PNG or SVG file next to (or below) the clinic file."""
    base = clinic_file.resolve().parent
    logo = (base / value).resolve()
    if not logo.is_relative_to(base):
        raise ClinicError(f'logo "{value}" is outside the clinic file\'s folder {base}',
                          path=clinic_file)
    if logo.suffix.lower() not in LOGO_TYPES:
        raise ClinicError(f'logo "{value}" must be a .png or .svg file', path=clinic_file)
    if not logo.is_file():
        raise ClinicError(f'logo "{value}" not found at {logo}', path=clinic_file)
    size = logo.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise ClinicError(f'logo "{value}" is {size} bytes; the limit is {MAX_LOGO_BYTES}',
                          path=clinic_file)
    data = logo.read_bytes()
    head = data[:512]
    magic = LOGO_TYPES[logo.suffix.lower()]
    ok = head.startswith(magic) if magic else b"<svg" in head or head.lstrip().startswith(b"<?xml")
    if not ok:
        raise ClinicError(f'logo "{value}" is not a valid {logo.suffix.lower()[1:].upper()} image',
                          path=clinic_file)
    problem = _png_problem(data) if magic else _svg_problem(data)
    if problem:
        raise ClinicError(f'logo "{value}" {problem}', path=clinic_file)
    return logo


def _png_problem(data: bytes) -> str | None:
    """A PNG's size from its header: decoding is what costs memory, so check first."""
    if data[12:16] != b"IHDR":
        return "is not a valid PNG image"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if width * height > MAX_LOGO_PIXELS:
        return (f"is {width} x {height} pixels; the limit is {MAX_LOGO_PIXELS:,} pixels"
                " (a logo needs about 1000 x 500)")
    return None


def _svg_problem(data: bytes) -> str | None:
    """Bounded SVG: no entities, few elements, and <use> references that stay shallow."""
    import xml.etree.ElementTree as ET

    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return "declares a DOCTYPE or entities; save it as plain SVG"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"is not valid SVG: {exc}"
    elements = list(root.iter())
    if len(elements) > MAX_SVG_ELEMENTS:
        return f"has {len(elements)} elements; the limit is {MAX_SVG_ELEMENTS}"
    ids = {e.get("id"): e for e in elements if e.get("id")}
    href_keys = ("href", "{http://www.w3.org/1999/xlink}href")

    def expanded(element: ET.Element, depth: int) -> int:
        """How many elements drawing ``element`` costs, <use> targets included."""
        if depth > MAX_SVG_USE_DEPTH:
            raise ValueError
        total = 1
        if element.tag.rsplit("}", 1)[-1] == "use":
            href = next((element.get(k) or "" for k in href_keys if element.get(k)), "")
            target = ids.get(href.removeprefix("#"))
            if target is not None:
                total += expanded(target, depth + 1)
        for child in element:
            total += expanded(child, depth)
            if total > MAX_SVG_ELEMENTS:
                raise ValueError
        return total

    try:
        expanded(root, 0)
    except (ValueError, RecursionError):
        return (f"nests <use> references too deeply or draws more than {MAX_SVG_ELEMENTS}"
                f" elements (limits: depth {MAX_SVG_USE_DEPTH}); simplify it")
    return None

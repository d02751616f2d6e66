"""Clinic settings: a small TOML file typed by clinic staff, validated strictly."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ClinicError

MAX_LENGTH = {"name": 120, "address": 200, "phone": 40, "emergency": 40, "website": 200,
              "logo": 500, "urdu_style": 20}
URDU_STYLES = ("naskh", "nastaliq")
REQUIRED = ("name",)
LOGO_TYPES = {".png": b"\x89PNG\r\n\x1a\n", ".svg": None}
MAX_LOGO_BYTES = 2_000_000
# Control characters and direction overrides/isolates: a stray one could reverse a
# phone number on paper.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str | None = None
    phone: str | None = None
    emergency: str | None = None
    website: str | None = None
    logo: Path | None = None
    urdu_style: str = URDU_STYLES[0]

    @property
    def logo_url(self) -> str | None:
        return self.logo.as_uri() if self.logo else None

    @property
    def website_qr(self) -> str | None:
        """The website as a vector QR code (SVG ``data:`` URI), or None."""
        if not self.website:
            return None
        import segno

        return str(segno.make(self.website, error="m").svg_data_uri(border=0, dark="#000"))


def load_clinic(path: Path) -> Clinic:
    """Read and validate a clinic TOML file; raise ClinicError naming the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ClinicError(f"cannot read clinic file: {exc.strerror}", path=path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # Notepad saves a byte-order mark
    except UnicodeDecodeError:
        raise ClinicError("not valid UTF-8; save the file as UTF-8", path=path) from None
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
        if _INVISIBLE.search(value):
            raise ClinicError(f'"{key}" contains control characters, line breaks or invisible'
                              " direction marks; retype it", path=path)
        values[key] = value

    if "website" in values:
        _check_website(path, values["website"])
    if "urdu_style" in values:
        if values["urdu_style"].lower() not in URDU_STYLES:
            raise ClinicError(f'"urdu_style" must be "naskh" or "nastaliq", not'
                              f' {values["urdu_style"]!r}', path=path)
        values["urdu_style"] = values["urdu_style"].lower()
    logo = _check_logo(path, values.pop("logo")) if "logo" in values else None
    return Clinic(logo=logo, **values)


def _check_website(clinic_file: Path, url: str) -> None:
    """Printed and put in a QR code, so it must be a plain web address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise ClinicError(f'"website" must be a web address starting with https://, not'
                          f" {url!r}", path=clinic_file)


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
    head = logo.read_bytes()[:512]
    magic = LOGO_TYPES[logo.suffix.lower()]
    ok = head.startswith(magic) if magic else b"<svg" in head or head.lstrip().startswith(b"<?xml")
    if not ok:
        raise ClinicError(f'logo "{value}" is not a valid {logo.suffix.lower()[1:].upper()} image',
                          path=clinic_file)
    return logo

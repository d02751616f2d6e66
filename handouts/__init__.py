"""Printable multilingual patient handouts: gettext catalogs → Jinja2 → WeasyPrint PDF."""

from __future__ import annotations

from .errors import HandoutError

__version__ = "0.1.0"
__all__ = ["HandoutError", "__version__"]

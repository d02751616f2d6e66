"""Where a project's templates and catalogs live, and which folder the commands use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError
from .render import STYLESHEET

TEMPLATES = "templates"
LOCALES = "locales"
NEW_PROJECT = "handouts new-project DIR"


@dataclass(frozen=True)
class Project:
    """A content folder: ``templates/`` (layout and handouts) and ``locales/`` (catalogs)."""

    root: Path

    @classmethod
    def locate(cls, explicit: Path | None = None, *, cwd: Path | None = None,
               fallback: Path | None = None) -> Project:
        """The folder the commands work on, as sphinx-intl finds its own.

        ``explicit`` (``--project DIR``) when given; else ``cwd`` (the current
        directory) when it holds ``templates/`` and ``locales/``; else
        ``fallback`` when it does (``generate.py`` passes its own folder, so it
        runs from anywhere in its checkout). Nothing is guessed beyond that.
        """
        if explicit is not None:
            if not (explicit / TEMPLATES).is_dir() and not (explicit / LOCALES).is_dir():
                raise ProjectError(f"not a project folder: it has no {TEMPLATES}/ and no"
                                   f" {LOCALES}/; create one with: {NEW_PROJECT}",
                                   path=explicit)
            return cls(explicit.resolve())
        here = Path.cwd() if cwd is None else cwd
        for candidate in (here, fallback):
            if candidate is not None and is_project(candidate):
                return cls(candidate.resolve())
        raise ProjectError(f"no {TEMPLATES}/ and {LOCALES}/ folders here; run in a project"
                           f" folder, pass --project DIR, or create one with: {NEW_PROJECT}",
                           path=here)

    @property
    def templates_dir(self) -> Path:
        return self.root / TEMPLATES

    @property
    def locales_dir(self) -> Path:
        return self.root / LOCALES

    @property
    def stylesheet(self) -> Path:
        return self.templates_dir / STYLESHEET

    def pot_path(self, domain: str) -> Path:
        return self.locales_dir / f"{domain}.pot"


def is_project(folder: Path) -> bool:
    """True when ``folder`` holds both ``templates/`` and ``locales/``."""
    return (folder / TEMPLATES).is_dir() and (folder / LOCALES).is_dir()

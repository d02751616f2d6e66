"""Where a project's templates and catalogs live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .render import STYLESHEET


@dataclass(frozen=True)
class Project:
    """A folder with ``templates/`` and ``locales/`` (the repository by default)."""

    root: Path

    @classmethod
    def default(cls) -> Project:
        return cls(Path(__file__).resolve().parent.parent)

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def stylesheet(self) -> Path:
        return self.templates_dir / STYLESHEET

    def pot_path(self, domain: str) -> Path:
        return self.locales_dir / f"{domain}.pot"

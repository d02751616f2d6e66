"""Domain exceptions. Only ``cli.py`` turns them into click errors."""

from __future__ import annotations

from pathlib import Path


class HandoutError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        language: str | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.language = language
        super().__init__(str(self))

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments: rebuild from the attributes (errors cross processes).
        return (_restore, (type(self), dict(self.__dict__)))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        lang = f"[{self.language}] " if self.language else ""
        return f"{where}{lang}{self.message}"


class CatalogError(HandoutError):
    """A ``.po`` catalog cannot be read or is not fit to publish."""


class LanguageError(HandoutError):
    """A language code is unknown or not shipped."""


class ClinicError(HandoutError):
    """The clinic settings file is invalid."""


class TemplateError(HandoutError):
    """A handout template is missing or broken."""


class RenderError(HandoutError):
    """WeasyPrint reported a problem while making the PDF."""


class MissingGlyphError(RenderError):
    """A character has no glyph in any installed font (it would print as tofu)."""

    def __init__(self, message: str, *, char: str, **where: object) -> None:
        self.char = char
        super().__init__(message, **where)  # type: ignore[arg-type]


class ReviewError(HandoutError):
    """A review sign-off cannot be read or recorded."""


class SetupError(HandoutError):
    """The machine lacks a system library or font the leaflets need."""


class OutputError(HandoutError):
    """An output file cannot be written."""


class ProjectError(HandoutError):
    """No project folder (``templates/`` and ``locales/``) here, or one cannot be created."""


def _restore(cls: type[HandoutError], state: dict[str, object]) -> HandoutError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, str(error))
    return error


class PersonalError(HandoutError):
    """What the print desk's staff typed for one patient cannot be printed as it is."""


class DeskError(HandoutError):
    """The print desk cannot start, or cannot serve a request."""
